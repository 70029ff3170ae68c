"""REST methods of order planning.

`POST /api/method/order_tracking.api.planning.regenerate_daily_schedule` with `{"company"}`
schedules the company's open work orders again from now and answers the name of today's Daily
Schedule (needs create permission on Daily Schedule). Plans are documents: create, schedule and
submit them through `/api/resource/Order Plan` and their document methods `get_orders` and
`schedule`.
"""

from __future__ import annotations

import frappe

from order_tracking.api.arguments import required_arguments
from order_tracking.order_planning import planning


@frappe.whitelist(methods=["POST"])
@required_arguments
def regenerate_daily_schedule(company: str, days: int | None = None) -> str:
	frappe.has_permission("Daily Schedule", "create", throw=True)
	frappe.has_permission("Company", "read", company, throw=True)
	return planning.build_daily_schedule(company, days=days).name

"""Quality hold (issue 23).

`POST /api/method/order_tracking.api.quality.release_quality_hold` with `{"sales_order", "reason"}`:
a Quality Manager (or System Manager) releases an order a rejected final inspection holds for
dispatch. Answers `{"sales_order", "quality_hold": 0, "released_at", "reason"}`; the reason is on
the order's timeline and in its tracker's version history, and the order's *Quality Hold*
exception is resolved. No reason, an order not on hold (417) or another role (403) → refused,
nothing written.
"""

from __future__ import annotations

import frappe
from frappe import _

from order_tracking.core.quality import QUALITY_MANAGER
from order_tracking.order_tracking.arguments import required_arguments
from order_tracking.quality import hold

RELEASING_ROLES = (QUALITY_MANAGER, "System Manager")


@frappe.whitelist(methods=["POST"])
@required_arguments
def release_quality_hold(sales_order: str, reason: str | None = None) -> dict:
	if not set(RELEASING_ROLES) & set(frappe.get_roles()):
		frappe.throw(
			_("Only a {0} releases a quality hold").format(_(QUALITY_MANAGER)),
			exc=frappe.PermissionError,
		)
	frappe.has_permission("Sales Order", "read", sales_order, throw=True)
	return hold.release(sales_order, reason)

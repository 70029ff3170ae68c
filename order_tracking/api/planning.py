"""REST methods of order planning.

`POST /api/method/order_tracking.api.planning.regenerate_daily_schedule` with `{"company"}`
schedules the company's open work orders again from now and answers the name of today's Daily
Schedule (needs create permission on Daily Schedule). Plans are documents: create, schedule and
submit them through `/api/resource/Order Plan` and their document methods `get_orders` and
`schedule`.

- `move_operation` (POST `{"job_card", "start", "workstation"?}`): the planner's Gantt moves an
  open Job Card to another time (or workstation of the same type) after checking working hours,
  capacity and routing order; a refused move answers 417 naming the rules broken and writes
  nothing (Production Planner or Manufacturing Manager; `order_planning.reschedule`).
- `get_promised_dates` (GET `?start=&end=&filters=`): the Sales Order calendar's events, one per
  order the user may read, coloured by tracker stage (`order_planning.promised_dates`).
"""

from __future__ import annotations

import frappe

from order_tracking.order_planning import daily_schedule, promised_dates, reschedule
from order_tracking.order_tracking.arguments import required_arguments


@frappe.whitelist(methods=["POST"])
@required_arguments
def regenerate_daily_schedule(company: str, days: int | None = None) -> str:
	frappe.has_permission("Daily Schedule", "create", throw=True)
	frappe.has_permission("Company", "read", company, throw=True)
	return daily_schedule.build_daily_schedule(company, days=days).name


@frappe.whitelist(methods=["POST"])
@required_arguments
def move_operation(job_card: str, start: str, workstation: str | None = None) -> dict:
	reschedule.check_planner()
	return reschedule.move_operation(job_card, start, workstation or None)


@frappe.whitelist(methods=["GET"])
@required_arguments
def get_promised_dates(start: str, end: str, filters: str | list | None = None) -> list[dict]:
	frappe.has_permission("Sales Order", "read", throw=True)
	return promised_dates.promised_dates(start, end, filters)

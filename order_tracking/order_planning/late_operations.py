"""Late operations.

- `check_late_operations` (hourly): operations past their scheduled end go on the order's
  timeline and to the Production Planners, once each.
- `detect_late_operations` (the hourly exception scan, `order_exception_detectors` in hooks):
  an order with such operations has a *Late Operation* Order Exception open until they are done
  or rescheduled.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.utils import cint, flt, get_datetime, now_datetime

from order_tracking.core import delivery, planning, stages
from order_tracking.order_planning.shop_floor import JOB_CARD_DONE, notify
from order_tracking.order_tracking.events import EventSpec
from order_tracking.order_tracking.exceptions import ScanFacts, exception_detector, format_qty
from order_tracking.order_tracking.settings import get_settings
from order_tracking.order_tracking.tracking import record_events

PLANNER_ROLE = "Production Planner"


def _overdue_job_cards(due_before: datetime, sales_orders: list[str] | None = None) -> list:
	"""Open job cards of running submitted work orders (of these orders, if given) whose scheduled
	end is before `due_before`."""
	jc = frappe.qb.DocType("Job Card")
	wo = frappe.qb.DocType("Work Order")
	query = (
		frappe.qb.from_(jc)
		.join(wo)
		.on(wo.name == jc.work_order)
		.select(
			jc.name,
			jc.operation,
			jc.workstation,
			jc.expected_end_date,
			jc.for_quantity,
			jc.total_completed_qty,
			wo.sales_order,
			wo.made_for_sales_order,
		)
		.where((jc.docstatus == 0) & jc.status.notin(JOB_CARD_DONE) & (wo.docstatus == 1))
		.where(wo.status.notin(("Stopped", "Closed", "Cancelled")))
		.where(jc.expected_end_date < due_before)
	)
	if sales_orders is not None:
		query = query.where(wo.sales_order.isin(sales_orders) | wo.made_for_sales_order.isin(sales_orders))
	return query.run(as_dict=True)


def check_late_operations(now: datetime | None = None) -> list[str]:
	"""Hourly: operations whose scheduled end (plus the grace in Settings) has passed and that are
	not complete go on their order's timeline and to the Production Planners — once per job card
	and scheduled end, whatever the number of runs."""
	now = get_datetime(now or now_datetime())
	grace = cint(get_settings().late_operation_grace)
	rows = _overdue_job_cards(now - timedelta(minutes=grace))
	late = [
		r
		for r in rows
		if (r.made_for_sales_order or r.sales_order)
		and planning.is_late(
			planning.OperationProgress(
				r.name, flt(r.for_quantity), flt(r.total_completed_qty), get_datetime(r.expected_end_date)
			),
			now,
			grace,
		)
	]
	if not late:
		return []
	ev = frappe.qb.DocType("Order Event")
	known = {
		(r.reference_name, get_datetime(r.planned_at))
		for r in frappe.qb.from_(ev)
		.select(ev.reference_name, ev.planned_at)
		.where((ev.event == "Operation Late") & (ev.reference_doctype == "Job Card"))
		.where(ev.reference_name.isin([r.name for r in late]))
		.run(as_dict=True)
	}
	new = [r for r in late if (r.name, get_datetime(r.expected_end_date)) not in known]
	if not new:
		return []
	record_events(
		[
			EventSpec(
				r.made_for_sales_order or r.sales_order,
				stages.IN_PRODUCTION,
				"Operation Late",
				"Job Card",
				r.name,
				qty=flt(r.for_quantity) - flt(r.total_completed_qty),
				at=now,
				planned_at=get_datetime(r.expected_end_date),
				source="Job",
				remarks=_("{0} on {1} was due to end {2}").format(
					r.operation,
					r.workstation,
					frappe.format(get_datetime(r.expected_end_date), {"fieldtype": "Datetime"}),
				),
			)
			for r in new
		]
	)
	planners = _users_with_role(PLANNER_ROLE)
	for r in new:
		notify(
			planners,
			frappe._dict(doctype="Job Card", name=r.name),
			_("{0} on {1} for {2} is running late (due to end {3})").format(
				r.operation,
				r.workstation,
				r.made_for_sales_order or r.sales_order,
				frappe.format(get_datetime(r.expected_end_date), {"fieldtype": "Datetime"}),
			),
		)
	return [r.name for r in new]


@exception_detector(delivery.LATE_OPERATION)
def detect_late_operations(sales_orders: list[str], facts: ScanFacts) -> list[delivery.ExceptionSpec]:
	"""Orders with an operation past its scheduled end (plus the grace in Settings) and not done:
	the open Job Cards of their submitted Work Orders, as `check_late_operations` sees them. The
	exception points at the job card longest late and lists them all. One query."""
	candidates = [so for so in sales_orders if facts.trackers[so].stage not in stages.TERMINAL_STAGES]
	if not candidates:
		return []
	now = now_datetime()
	grace = cint(get_settings().late_operation_grace)
	rows = _overdue_job_cards(now - timedelta(minutes=grace), candidates)
	by_order: dict[str, list] = defaultdict(list)
	cards = {}
	for r in rows:
		so = r.made_for_sales_order or r.sales_order
		if so not in facts.trackers:
			continue
		cards[r.name] = r
		by_order[so].append(
			planning.OperationProgress(
				r.name, flt(r.for_quantity), flt(r.total_completed_qty), get_datetime(r.expected_end_date)
			)
		)
	specs = []
	for so, ops in sorted(by_order.items()):
		late = planning.late_operations(ops, now, grace)
		if not late:
			continue
		lines = [
			_("{0} on {1} ({2}): {3} of {4} done, was due to end {5}").format(
				cards[op.id].operation,
				cards[op.id].workstation,
				op.id,
				format_qty(op.completed_qty),
				format_qty(op.qty),
				frappe.format(op.planned_end, {"fieldtype": "Datetime"}),
			)
			for op, _minutes in late
		]
		specs.append(
			delivery.ExceptionSpec(
				delivery.LATE_OPERATION,
				so,
				"\n".join(lines),
				reference_doctype="Job Card",
				reference_name=late[0][0].id,
			)
		)
	return specs


def _users_with_role(role: str) -> list[str]:
	hr = frappe.qb.DocType("Has Role")
	user = frappe.qb.DocType("User")
	return (
		frappe.qb.from_(hr)
		.join(user)
		.on(user.name == hr.parent)
		.select(user.name)
		.distinct()
		.where(
			(hr.role == role)
			& (hr.parenttype == "User")
			& (user.enabled == 1)
			& (user.user_type == "System User")
		)
		.where(user.name.notin(("Administrator", "Guest")))
		.run(pluck=True)
	)

"""Order review: the workstations' calendars (working hours, holidays) and the load already
committed on them by open work orders and job cards (`workstation_capacity`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import frappe
from frappe.utils import add_days, cint, flt, get_time, getdate

from order_tracking.core import review as review_rules

WORK_ORDER_OPEN = ("Not Started", "In Process")
JOB_CARD_OPEN = ("Open", "Work In Progress", "Material Transferred", "On Hold")


# ------------------------------------------------------------------------------ capacity


def workstation_capacity(company, workstations: set[str], types: set[str], today: date):
	"""Calendars of the workstations the order needs, and the load already committed on them."""
	ws = frappe.qb.DocType("Workstation")
	query = frappe.qb.from_(ws).select(ws.name, ws.workstation_type, ws.holiday_list, ws.production_capacity)
	condition = ws.name.isin(list(workstations) or [""])
	if types:
		condition = condition | ws.workstation_type.isin(list(types))
	stations = query.where(condition).run(as_dict=True)
	if not stations:
		return [], {}
	names = [s.name for s in stations]

	hours = frappe.qb.DocType("Workstation Working Hour")
	periods: dict[str, list[tuple[int, int]]] = defaultdict(list)
	for h in (
		frappe.qb.from_(hours)
		.select(hours.parent, hours.start_time, hours.end_time, hours.enabled)
		.where(hours.parent.isin(names) & (hours.parenttype == "Workstation"))
		.run(as_dict=True)
	):
		if cint(h.enabled) and h.start_time and h.end_time:
			start, end = _minute_of_day(h.start_time), _minute_of_day(h.end_time)
			if end > start:
				periods[h.parent].append((start, end))

	company_holidays = frappe.db.get_value("Company", company, "default_holiday_list")
	lists = {s.holiday_list or company_holidays for s in stations} - {None, ""}
	holidays: dict[str, set[date]] = defaultdict(set)
	if lists:
		hd = frappe.qb.DocType("Holiday")
		for h in (
			frappe.qb.from_(hd)
			.select(hd.parent, hd.holiday_date)
			.where(hd.parent.isin(list(lists)) & (hd.parenttype == "Holiday List"))
			.where(hd.holiday_date[today : add_days(today, review_rules.HORIZON_DAYS)])
			.run(as_dict=True)
		):
			holidays[h.parent].add(getdate(h.holiday_date))

	calendars = []
	for s in stations:
		holiday_list = s.holiday_list or company_holidays
		calendars.append(
			review_rules.Calendar.from_periods(
				s.name,
				tuple(_merge_periods(periods.get(s.name, []))),
				parallel=max(cint(s.production_capacity), 1),
				holidays=frozenset(holidays.get(holiday_list, ())),
				workstation_type=s.workstation_type or None,
				holiday_list=holiday_list or None,
			)
		)
	return calendars, _committed_load(names)


def _minute_of_day(value) -> int:
	t = get_time(value)
	return t.hour * 60 + t.minute


def _merge_periods(periods: list[tuple[int, int]]) -> list[tuple[int, int]]:
	"""Working hours as sorted periods, overlapping or touching rows joined."""
	merged: list[list[int]] = []
	for start, end in sorted(periods):
		if merged and start <= merged[-1][1]:
			merged[-1][1] = max(merged[-1][1], end)
		else:
			merged.append([start, end])
	return [(a, b) for a, b in merged]


def _committed_load(workstations: list[str]) -> dict[str, float]:
	"""Minutes still to be worked on each workstation: open job cards of open work orders, and the
	operations of open work orders that have no job card yet. A stopped work order holds no
	capacity until it is resumed: the same rule as the week plans and the daily schedule."""
	wo = frappe.qb.DocType("Work Order")
	wop = frappe.qb.DocType("Work Order Operation")
	jc = frappe.qb.DocType("Job Card")
	load: dict[str, float] = defaultdict(float)

	cards = (
		frappe.qb.from_(jc)
		.join(wo)
		.on(wo.name == jc.work_order)
		.select(
			jc.workstation,
			jc.operation_id,
			jc.time_required,
			jc.total_time_in_mins,
			jc.for_quantity,
			jc.total_completed_qty,
		)
		.where(
			jc.workstation.isin(workstations)
			& (jc.docstatus == 0)
			& jc.status.isin(JOB_CARD_OPEN)
			& (wo.docstatus == 1)
			& wo.status.isin(WORK_ORDER_OPEN)
		)
		.run(as_dict=True)
	)
	with_card = {c.operation_id for c in cards if c.operation_id}
	for c in cards:
		load[c.workstation] += max(flt(c.time_required) - flt(c.total_time_in_mins), 0.0)

	for op in (
		frappe.qb.from_(wop)
		.join(wo)
		.on(wo.name == wop.parent)
		.select(wop.name, wop.workstation, wop.time_in_mins, wop.completed_qty, wo.qty)
		.where(wop.workstation.isin(workstations) & (wo.docstatus == 1) & wo.status.isin(WORK_ORDER_OPEN))
		.run(as_dict=True)
	):
		if op.name in with_card or not flt(op.qty):
			continue
		remaining = max(flt(op.qty) - flt(op.completed_qty), 0.0) / flt(op.qty)
		load[op.workstation] += flt(op.time_in_mins) * remaining
	return dict(load)

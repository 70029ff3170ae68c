"""The Daily Schedule (the seeds' 每日排产; `build_daily_schedule`, every morning and by hand):
open work orders rescheduled from now with live progress — started operations stay where they
are — and the next days' dispatch list per workstation; Job Cards and Work Orders get the new
times."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import frappe
from frappe.utils import cint, flt, get_datetime, getdate, now_datetime

from order_tracking.core import planning, scheduling, scheduling_cpsat
from order_tracking.order_planning.shop_floor import (
	DAILY,
	HORIZON_DAYS,
	JOB_CARD_DONE,
	JOB_CARD_STARTED,
	PLAN,
	WO_OPEN,
	end_after,
	set_job_card_times,
	working_minutes,
	workstations_by_type,
)
from order_tracking.order_tracking import review as review_data
from order_tracking.order_tracking.settings import get_settings
from order_tracking.order_tracking.tracking import refresh_trackers


def regenerate_daily_schedules(commit: bool = True):
	"""Scheduled every morning: each company with open work orders gets today's schedule
	(committed company by company unless the caller owns the transaction)."""
	companies = frappe.get_all(
		"Work Order", filters={"docstatus": 1, "status": ("in", WO_OPEN)}, pluck="company", distinct=True
	)
	for company in sorted(companies):
		build_daily_schedule(company)
		if commit:
			# a scheduled job: one company at a time
			frappe.db.commit()  # nosemgrep


@dataclass
class OpenOperation:
	id: str  # Work Order Operation name
	work_order: str
	job_card: str | None
	operation: str
	workstation: str | None
	workstation_type: str | None
	minutes: int
	qty: float
	completed_qty: float
	sequence_id: int
	idx: int
	sales_order: str | None
	item_code: str
	due: date | None
	priority: str
	started: bool
	started_at: datetime | None
	planned_end: datetime | None


def open_operations(company: str) -> tuple[list[OpenOperation], dict[str, frappe._dict]]:
	"""The operations of the company's open work orders still to do, with their live progress,
	and those work orders (with their order's delivery date and priority)."""
	orders = open_work_orders(company)
	if not orders:
		return [], {}
	rows = work_order_operations(list(orders))
	cards = job_cards_by_operation(list(orders))
	result = []
	for r in rows:
		operation = open_operation(r, orders[r.parent], cards.get(r.name))
		if operation:
			result.append(operation)
	return result, orders


def open_work_orders(company: str) -> dict[str, frappe._dict]:
	"""The company's open submitted work orders, each with its order's delivery date and priority."""
	wo = frappe.qb.DocType("Work Order")
	so = frappe.qb.DocType("Sales Order")
	orders = {
		r.name: r
		for r in frappe.qb.from_(wo)
		.select(
			wo.name,
			wo.production_item,
			wo.qty,
			wo.sales_order,
			wo.made_for_sales_order,
			wo.parent_work_order,
			wo.expected_delivery_date,
		)
		.where((wo.company == company) & (wo.docstatus == 1) & wo.status.isin(WO_OPEN))
		.run(as_dict=True)
	}
	if not orders:
		return {}
	order_names = {w.made_for_sales_order or w.sales_order for w in orders.values()} - {None, ""}
	so_info = {
		r.name: r
		for r in frappe.qb.from_(so)
		.select(so.name, so.delivery_date, so.order_priority)
		.where(so.name.isin(list(order_names) or [""]))
		.run(as_dict=True)
	}
	for w in orders.values():
		info = so_info.get(w.made_for_sales_order or w.sales_order) or frappe._dict()
		w.delivery_date, w.order_priority = info.get("delivery_date"), info.get("order_priority")
	return orders


def work_order_operations(work_orders: list[str]) -> list[frappe._dict]:
	wop = frappe.qb.DocType("Work Order Operation")
	return (
		frappe.qb.from_(wop)
		.select(
			wop.name,
			wop.parent,
			wop.idx,
			wop.operation,
			wop.workstation,
			wop.workstation_type,
			wop.time_in_mins,
			wop.completed_qty,
			wop.sequence_id,
			wop.planned_end_time,
		)
		.where(wop.parent.isin(work_orders) & (wop.parenttype == "Work Order"))
		.orderby(wop.parent)
		.orderby(wop.idx)
		.run(as_dict=True)
	)


def job_cards_by_operation(work_orders: list[str]) -> dict[str, frappe._dict]:
	return {
		c.operation_id: c
		for c in frappe.get_all(
			"Job Card",
			filters={"work_order": ("in", work_orders), "docstatus": ("<", 2)},
			fields=[
				"name",
				"operation_id",
				"status",
				"total_completed_qty",
				"total_time_in_mins",
				"actual_start_date",
				"expected_end_date",
				"docstatus",
				"for_quantity",
			],
			order_by="creation asc",
		)
	}


def open_operation(r, w, card) -> OpenOperation | None:
	"""A work order operation with what is left of it, or None when it is done."""
	completed = flt(r.completed_qty)
	if card and card.docstatus == 1:
		completed = max(completed, flt(card.for_quantity))
	remaining = max(flt(w.qty) - completed, 0.0)
	if remaining <= planning.EPS or (card and card.status in JOB_CARD_DONE):
		return None
	started = bool(card and (card.status in JOB_CARD_STARTED or flt(card.total_time_in_mins) > 0))
	return OpenOperation(
		r.name,
		r.parent,
		card.name if card else None,
		r.operation,
		r.workstation,
		r.workstation_type,
		max(math.ceil(flt(r.time_in_mins) * remaining / flt(w.qty)) if flt(w.qty) else 0, 1),
		flt(w.qty),
		completed,
		cint(r.sequence_id),
		r.idx,
		w.made_for_sales_order or w.sales_order,
		w.production_item,
		getdate(w.delivery_date or w.expected_delivery_date)
		if (w.delivery_date or w.expected_delivery_date)
		else None,
		w.order_priority or "Normal",
		started,
		get_datetime(card.actual_start_date) if card and card.actual_start_date else None,
		get_datetime(card.expected_end_date or r.planned_end_time)
		if (card and card.expected_end_date) or r.planned_end_time
		else None,
	)


def build_daily_schedule(company: str, now: datetime | None = None, days: int | None = None):
	"""Reschedule the company's open work orders from now and write today's Daily Schedule: the
	next `days` days per workstation. Started operations stay where they are; the others get new
	times on their Job Cards and Work Orders. Running it again the same day rewrites the same
	schedule."""
	now = get_datetime(now or now_datetime())
	today = now.date()
	days = min(max(cint(days or get_settings().schedule_days) or 2, 1), 3)
	ops, orders = open_operations(company)
	horizon_start = datetime.combine(today, datetime.min.time())
	workstations = {o.workstation for o in ops if o.workstation}
	types = {o.workstation_type for o in ops if o.workstation_type and not o.workstation}
	calendars, _load = review_data.workstation_capacity(company, workstations, types, today)
	calendars = {c.workstation: c for c in calendars}
	problem = scheduling_problem(ops, orders, calendars, horizon_start, now)
	settings = get_settings()
	schedule = scheduling_cpsat.solve(
		problem, flt(settings.daily_scheduler_time_limit) or 5.0, cint(settings.scheduler_workers) or 2
	)
	op_by_id = {o.id: o for o in ops}
	changed_orders = write_new_times(schedule, problem, op_by_id, orders)

	doc = _daily_schedule_doc(company, today, days)
	window_end = horizon_start + timedelta(days=days)
	shown = planning.dispatch_list(
		[
			planning.ScheduledOp(
				op_id,
				p.workstation,
				schedule.at(problem, p.start),
				schedule.at(problem, p.end),
				op_by_id[op_id].started,
			)
			for op_id, p in schedule.placements.items()
		],
		horizon_start,
		window_end,
	)
	set_dispatch_rows(doc, shown, op_by_id, now)
	doc.generated_at = now
	doc.week_plan = current_week_plan(company, today)
	doc.set_counts()
	doc.status = "Current"
	doc.flags.ignore_permissions = True  # written by the scheduler (or by a planner who was checked)
	doc.save()
	frappe.db.set_value(
		DAILY,
		{"company": company, "status": "Current", "name": ("!=", doc.name)},
		"status",
		"Superseded",
		update_modified=False,
	)
	if changed_orders:
		refresh_trackers(changed_orders)
	return doc


def scheduling_problem(
	ops: list[OpenOperation], orders: dict, calendars, horizon_start: datetime, now: datetime
) -> scheduling.Problem:
	"""The open work orders as the scheduler's jobs, released now: started operations fixed where
	they run, the others in routing order, sub-assembly work orders before those they are for."""
	by_type = workstations_by_type(calendars)
	now_minutes = int((now - horizon_start).total_seconds() // 60)
	gap = cint(frappe.db.get_single_value("Manufacturing Settings", "mins_between_operations"))
	jobs: dict[str, scheduling.Job] = {}
	s_ops: list[scheduling.Op] = []
	by_wo: dict[str, list[OpenOperation]] = defaultdict(list)
	for o in ops:
		by_wo[o.work_order].append(o)
	last_ops: dict[str, list[str]] = {}
	first_ops: dict[str, list[str]] = {}
	for wo_name, wo_ops in by_wo.items():
		o0 = wo_ops[0]
		due = planning.end_of_day_minutes(o0.due, horizon_start) if o0.due else now_minutes + 60 * 24 * 365
		jobs[wo_name] = scheduling.Job(
			wo_name, due, planning.priority_weight(o0.priority), release=now_minutes
		)
		own = work_order_ops(wo_name, wo_ops, by_type, calendars, horizon_start, now, gap)
		s_ops.extend(own)
		with_successor = {a for op in own for a in op.after}
		last_ops[wo_name] = [op.id for op in own if op.id not in with_successor]
		first_ops[wo_name] = [op.id for op in own if not op.after and op.fixed_start is None]
	# sub-assembly work orders before the work orders that consume them
	for wo_name, w in orders.items():
		parent = w.parent_work_order
		if parent in jobs and wo_name in jobs:
			for k, op in enumerate(s_ops):
				if op.id in first_ops.get(parent, []):
					s_ops[k] = replace(op, after=(*op.after, *last_ops[wo_name]), gap=gap)
	return scheduling.Problem(
		horizon_start, calendars, tuple(jobs.values()), tuple(s_ops), horizon_days=HORIZON_DAYS
	)


def work_order_ops(
	wo_name: str, wo_ops: list[OpenOperation], by_type, calendars, horizon_start, now, gap: int
) -> list[scheduling.Op]:
	"""A work order's open operations in routing order (those sharing a sequence id side by side);
	a started one stays where it runs, until its remaining minutes end on its calendar."""
	result: list[scheduling.Op] = []
	previous: list[str] = []
	current: list[str] = []
	last_seq = None
	for o in sorted(wo_ops, key=lambda o: o.idx):
		if o.sequence_id and o.sequence_id == last_seq:
			after = previous
		else:
			previous = current or previous
			current = []
			after = previous
		last_seq = o.sequence_id
		stations = (o.workstation,) if o.workstation else tuple(by_type.get(o.workstation_type or "", ()))
		if o.started:
			start = max(o.started_at or now, horizon_start)
			end = end_after(calendars.get(o.workstation), now, o.minutes)
			result.append(
				scheduling.Op(
					o.id,
					wo_name,
					stations or ("",),
					working_minutes(calendars.get(o.workstation), start, end),
					fixed_start=int((start - horizon_start).total_seconds() // 60),
					fixed_end=int((end - horizon_start).total_seconds() // 60),
					fixed_workstation=o.workstation,
				)
			)
		else:
			result.append(
				scheduling.Op(
					o.id,
					wo_name,
					stations or ("",),
					o.minutes,
					after=tuple(after),
					gap=gap if after else 0,
				)
			)
		current.append(o.id)
	return result


def write_new_times(schedule: scheduling.Schedule, problem, op_by_id: dict, orders: dict) -> set[str]:
	"""The new times on the operations not started (Work Order Operation, Job Card and its
	workstation) and each work order's planned end; answers the orders whose schedule changed."""
	changed_orders = set()
	wo_span: dict[str, list[datetime]] = {}
	for op_id, p in schedule.placements.items():
		o = op_by_id[op_id]
		start, end = schedule.at(problem, p.start), schedule.at(problem, p.end)
		span = wo_span.setdefault(o.work_order, [start, end])
		span[0], span[1] = min(span[0], start), max(span[1], end)
		if o.started:
			continue
		frappe.db.set_value(
			"Work Order Operation",
			o.id,
			{"planned_start_time": start, "planned_end_time": end, "workstation": p.workstation},
			update_modified=False,
		)
		if o.job_card:
			set_job_card_times(o.job_card, start, end)
			if p.workstation != o.workstation:
				frappe.db.set_value(
					"Job Card", o.job_card, "workstation", p.workstation, update_modified=False
				)
	for wo_name, (_start, end) in wo_span.items():
		frappe.db.set_value("Work Order", wo_name, {"planned_end_date": end}, update_modified=False)
		w = orders[wo_name]
		if w.made_for_sales_order or w.sales_order:
			changed_orders.add(w.made_for_sales_order or w.sales_order)
	return changed_orders


def set_dispatch_rows(doc, shown: dict[str, list], op_by_id: dict, now: datetime):
	"""The schedule's rows: per workstation, its operations in the order they run."""
	doc.set("operations", [])
	for ws, items in shown.items():
		for seq, item in enumerate(items, start=1):
			o = op_by_id[item.id]
			is_late = planning.is_late(
				planning.OperationProgress(o.id, o.qty, o.completed_qty, o.planned_end),
				now,
				cint(get_settings().late_operation_grace),
			)
			doc.append(
				"operations",
				{
					"workstation": ws,
					"sequence": seq,
					"planned_start": item.start,
					"planned_end": item.end,
					"work_order": o.work_order,
					"operation": o.operation,
					"job_card": o.job_card,
					"sales_order": o.sales_order,
					"item_code": o.item_code,
					"qty": max(o.qty - o.completed_qty, 0),
					"due_date": o.due,
					"status": "Late" if is_late else ("In Progress" if o.started else "Not Started"),
					"kept_in_place": int(o.started),
				},
			)


def current_week_plan(company: str, today: date) -> str | None:
	return frappe.db.get_value(
		PLAN,
		{
			"docstatus": 1,
			"company": company,
			"period_type": planning.WEEK,
			"from_date": ("<=", today),
			"to_date": (">=", today),
		},
		"name",
	)


def _daily_schedule_doc(company: str, day: date, days: int):
	name = frappe.db.get_value(DAILY, {"company": company, "from_date": day}, "name")
	if name:
		doc = frappe.get_doc(DAILY, name)
		doc.days = days
		return doc
	doc = frappe.new_doc(DAILY)
	doc.update({"company": company, "from_date": day, "days": days})
	return doc

"""Order planning on the frappe side (the seeds' 订单计划 and 每日排产).

- `pending_lines`: approved orders' lines still to deliver that no plan of the same period has
  committed.
- `schedule_plan`: the material check (review's model) per line in due order, then capacity: a
  week plan is scheduled operation by operation on the workstations' calendars
  (`core.scheduling`), a month or quarter plan is placed day by day on the review's capacity
  ledger; lines are allocated to stock, production or outsourcing (`core.planning.allocate`),
  and the plan gets its capacity table, product families (against the higher plan), shortages
  and warnings.
- `create_work_orders` (on submit of a week plan, in the background for large plans): ERPNext
  Work Orders with the schedule's times on their operations and Job Cards, and Material Requests
  for the shortages — all or nothing. Cancelling the plan cancels what has not started.
- `build_daily_schedule` (every morning, and by hand): open work orders rescheduled from now
  with live progress — started operations stay where they are — and the next days' dispatch
  list per workstation; Job Cards and Work Orders get the new times.
- `check_late_operations` (hourly): operations past their scheduled end go on the order's
  timeline and to the Production Planners, once each.
- `detect_late_operations` (the hourly exception scan, `order_exception_detectors` in hooks):
  an order with such operations has a *Late Operation* Order Exception open until they are done
  or rescheduled.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import add_days, cint, flt, get_datetime, getdate, now_datetime

from order_tracking.core import delivery as D
from order_tracking.core import planning as P
from order_tracking.core import review as R
from order_tracking.core import scheduling as S
from order_tracking.core import stages as ST
from order_tracking.delivery.delivery import ScanFacts, exception_detector, format_qty
from order_tracking.order_tracking import review as review_data
from order_tracking.order_tracking.tracking import (
	EventSpec,
	get_settings,
	one_refresh,
	record_events,
	refresh_trackers,
)

PLAN = "Order Plan"
DAILY = "Daily Schedule"
PRIORITY_ORDER = ("Low", "Normal", "High", "Urgent")
SO_NOT_PLANNABLE = ("Closed", "On Hold", "Completed")
WO_OPEN = ("Not Started", "In Process")
JOB_CARD_DONE = ("Completed", "Cancelled")
JOB_CARD_STARTED = ("Work In Progress", "Material Transferred", "On Hold")
HORIZON_DAYS = 120
MAX_LINES = 2000
PLANNER_ROLE = "Production Planner"


class PlanError(frappe.ValidationError):
	pass


# =============================================================================== lines


def plan_period(plan) -> tuple[date, date]:
	return P.period_range(plan.period_type, getdate(plan.from_date), cint(plan.weeks) or 2)


def pending_lines(plan) -> list[frappe._dict]:
	"""Lines of submitted orders of the plan's company with something left to deliver, matching
	the plan's filters, not committed by another submitted plan of the same period type, and not
	already covered by work orders."""
	so = frappe.qb.DocType("Sales Order")
	soi = frappe.qb.DocType("Sales Order Item")
	item = frappe.qb.DocType("Item")
	query = (
		frappe.qb.from_(soi)
		.join(so)
		.on(so.name == soi.parent)
		.join(item)
		.on(item.name == soi.item_code)
		.select(
			soi.parent.as_("sales_order"),
			soi.name.as_("sales_order_item"),
			so.customer,
			soi.item_code,
			soi.item_name,
			item.item_group,
			soi.bom_no,
			(soi.stock_qty - soi.delivered_qty * soi.conversion_factor).as_("qty"),
			soi.stock_uom,
			soi.delivery_date,
			so.order_priority.as_("priority"),
		)
		.where((so.docstatus == 1) & (so.company == plan.company) & so.status.notin(SO_NOT_PLANNABLE))
		.where(
			(soi.parenttype == "Sales Order") & (soi.delivered_by_supplier == 0) & (item.is_stock_item == 1)
		)
		.where(soi.stock_qty > soi.delivered_qty * soi.conversion_factor)
		.orderby(soi.delivery_date)
		.orderby(soi.parent)
		.orderby(soi.idx)
		.limit(MAX_LINES)
	)
	if plan.customer:
		query = query.where(so.customer == plan.customer)
	if plan.item_group:
		groups = [plan.item_group, *frappe.db.get_descendants("Item Group", plan.item_group)]
		query = query.where(item.item_group.isin(groups))
	if plan.due_from or plan.due_to:
		query = query.where(
			soi.delivery_date[getdate(plan.due_from or "2000-01-01") : getdate(plan.due_to or "2999-12-31")]
		)
	if plan.min_priority:
		query = query.where(so.order_priority.isin(PRIORITY_ORDER[PRIORITY_ORDER.index(plan.min_priority) :]))
	rows = query.run(as_dict=True)
	if not rows:
		return []
	taken = committed_elsewhere(plan, [r.sales_order_item for r in rows])
	in_work = _work_order_qty([r.sales_order_item for r in rows])
	result = []
	for r in rows:
		if r.sales_order_item in taken:
			continue
		r.qty = flt(r.qty) - in_work.get(r.sales_order_item, 0.0)
		if r.qty > P.EPS:
			r.priority = r.priority or "Normal"
			result.append(r)
	return result


def committed_elsewhere(plan, so_items: list[str]) -> dict[str, str]:
	"""Sales order lines that another submitted plan of the same period type has committed (week
	plans: any; month and quarter plans: those whose dates overlap), with that plan."""
	if not so_items:
		return {}
	op = frappe.qb.DocType(PLAN)
	opi = frappe.qb.DocType("Order Plan Item")
	start, end = plan_period(plan)
	query = (
		frappe.qb.from_(opi)
		.join(op)
		.on(op.name == opi.parent)
		.select(opi.sales_order_item, op.name)
		.where(opi.sales_order_item.isin(so_items) & (opi.parenttype == PLAN))
		.where((op.docstatus == 1) & (op.period_type == plan.period_type) & (op.name != (plan.name or "")))
		.where(opi.allocation != P.SKIP)
	)
	if plan.period_type != P.WEEK:
		query = query.where((op.from_date <= end) & (op.to_date >= start))
	return dict(query.run())


def _work_order_qty(so_items: list[str]) -> dict[str, float]:
	wo = frappe.qb.DocType("Work Order")
	return {
		row[0]: flt(row[1])
		for row in frappe.qb.from_(wo)
		.select(wo.sales_order_item, Sum(wo.qty))
		.where(wo.sales_order_item.isin(so_items) & (wo.docstatus == 1) & (wo.status != "Cancelled"))
		.groupby(wo.sales_order_item)
		.run()
	}


def fetch_orders(plan) -> int:
	"""Fill the plan's lines with the pending lines its filters select (keeping the planner's own
	allocations for lines already there)."""
	kept = {i.sales_order_item: i for i in plan.items if i.allocation_by_planner}
	plan.set("items", [])
	for r in pending_lines(plan):
		row = plan.append("items", {k: r[k] for k in r})
		if r.sales_order_item in kept:
			row.allocation = kept[r.sales_order_item].allocation
			row.allocation_by_planner = 1
	return len(plan.items)


# =============================================================================== scheduling


@dataclass
class Job:
	"""One future work order: an item made for a plan line, with its operations."""

	id: str
	line: object  # the Order Plan Item row
	item_code: str
	bom: str
	qty: float
	parent: str | None = None  # the job whose work order consumes this one (sub-assembly)
	ops: list[dict] = field(
		default_factory=list
	)  # operation, workstation, workstation_type, minutes, sequence_id, bom


@dataclass
class LineState:
	line: object
	made: list[R.MadeQty]
	materials_on: date | None
	stock_cover: float
	jobs: list[Job] = field(default_factory=list)
	minutes: float = 0.0
	tardiness: float = 0.0  # minutes late in-house
	planned_start: datetime | None = None
	planned_end: datetime | None = None
	placed_by_day: dict[str, dict[date, float]] = field(default_factory=dict)


@dataclass
class Warnings:
	rows: list[tuple[str, str, str]] = field(default_factory=list)

	def add(self, level: str, subject: str, message: str):
		if (level, subject, message) not in self.rows:
			self.rows.append((level, subject, message))


def schedule_plan(plan, now: datetime | None = None) -> None:
	"""Check materials, place the work on capacity, allocate lines and fill the plan's tables."""
	now = get_datetime(now or now_datetime())
	today = now.date()
	settings = get_settings()
	start, end = plan_period(plan)
	plan.to_date = end
	plan.parent_plan = find_parent_plan(plan)
	warnings = Warnings()
	for i in plan.items:
		if flt(i.qty) <= P.EPS:
			i.allocation, i.remarks = P.SKIP, _("Nothing left to deliver")
		elif i.allocation_by_planner and i.allocation == P.SKIP:
			i.remarks = _("Left out by the planner")
	# what the planner left out is neither checked nor placed
	items = sorted(
		(
			i
			for i in plan.items
			if flt(i.qty) > P.EPS and not (i.allocation_by_planner and i.allocation == P.SKIP)
		),
		key=lambda i: (getdate(i.delivery_date or end), -P.priority_weight(i.priority), i.idx),
	)

	tree = review_data.bom_tree({i.item_code: i.bom_no for i in items})
	own = defaultdict(float)
	for i in items:
		own[i.item_code] += flt(i.qty)
	supply = review_data.material_supply(plan.company, tree.items, dict(own))
	ledger = R.MaterialLedger(supply, today)
	lines: list[LineState] = []
	needs: dict[str, R.MaterialNeed] = {}
	need_by: dict[str, date] = {}
	for i in items:
		due = getdate(i.delivery_date or end)
		outcome = R.check_materials(
			[R.MaterialLine(i.idx, i.item_code, flt(i.qty), due)],
			tree.boms,
			tree.default_bom,
			tree.stock_items,
			ledger,
		)
		for r in outcome.results:
			if r.result == R.FAIL and r.code in ("bom_missing", "bom_cycle"):
				warnings.add("Fail", f"#{i.idx} {i.item_code}", review_data.result_detail(r))
		top = sum(m.qty for m in outcome.made if m.parent is None)
		if i.item_code in tree.default_bom:
			cover = flt(i.qty) - top
		else:
			taken = outcome.needs.get(i.item_code)
			cover = taken.available if taken else 0.0
			warnings.add(
				"Warn",
				f"#{i.idx} {i.item_code}",
				_("{0} has no BOM: it can only be delivered from stock or bought").format(i.item_code),
			)
		for code, n in outcome.needs.items():
			if code == i.item_code:
				continue
			total = needs.setdefault(code, R.MaterialNeed(code))
			total.required += n.required
			total.available += n.available
			total.shortage += n.shortage
			total.complete = total.complete and n.complete
			if n.covered_on:
				total.covered_on = max(total.covered_on or n.covered_on, n.covered_on)
			if n.shortage > P.EPS:
				need_by[code] = min(need_by.get(code, due), due)
		lines.append(LineState(i, outcome.made, outcome.materials_complete_on, max(cover, 0.0)))

	calendars, committed_load = review_data.workstation_capacity(
		plan.company, tree.workstations, tree.workstation_types, today
	)
	calendars = {c.workstation: c for c in calendars}
	_calendar_warnings(calendars, tree, warnings)
	separate = cint(settings.sub_assembly_work_orders)
	for state in lines:
		state.jobs = build_jobs(state, tree, separate)
		state.minutes = sum(op["minutes"] for job in state.jobs for op in job.ops)
		for job in state.jobs:
			if not tree.operations.get(job.bom):
				warnings.add(
					"Warn",
					job.item_code,
					_("BOM {0} of {1} has no operations: its work is not scheduled").format(
						job.bom, job.item_code
					),
				)

	horizon_start = datetime.combine(today, datetime.min.time())
	released = released_work(list(calendars), horizon_start, now) if plan.period_type == P.WEEK else []
	place = _schedule_week if plan.period_type == P.WEEK else _place_on_ledger
	context = dict(
		calendars=calendars,
		horizon_start=horizon_start,
		now=now,
		today=today,
		tree=tree,
		committed=committed_load,
		released=released,
		warnings=warnings,
	)

	in_house = [s for s in lines if s.jobs and s.line.allocation not in (P.SKIP,)]
	place(in_house, context)
	capacity_minutes = sum(
		P.bucket_capacity(c, b) for c in calendars.values() for b in P.buckets(plan.period_type, start, end)
	)
	allocations = P.allocate(
		[
			P.LineFacts(
				s.line.name or str(s.line.idx),
				flt(s.line.qty),
				s.stock_cover,
				s.minutes,
				s.tardiness,
				P.priority_weight(s.line.priority),
				s.line.allocation if s.line.allocation_by_planner else None,
			)
			for s in lines
		],
		capacity_minutes,
		flt(settings.outsource_share),
	)
	# second pass: what production really makes, without what goes to stock or outside
	for s in lines:
		a = allocations[s.line.name or str(s.line.idx)]
		s.line.allocation, s.line.from_stock_qty, s.line.production_qty = (
			a.allocation,
			a.from_stock_qty,
			a.production_qty,
		)
		if s.line.allocation == P.OUTSOURCE and s.planned_end:
			s.line.remarks = _("Made in-house it would end on {0}, {1} days late").format(
				frappe.format(s.planned_end, {"fieldtype": "Datetime"}), _late_days(s)
			)
		elif s.line.allocation == P.FROM_STOCK:
			s.line.remarks = _("Stock covers it: goes to delivery")
	produced = [s for s in lines if s.line.allocation == P.PRODUCTION and s.jobs]
	for s in lines:
		s.planned_start = s.planned_end = None
		s.tardiness, s.placed_by_day = 0.0, {}
	for s in lines:
		if s.line.allocation == P.PRODUCTION and not s.jobs and s.line.item_code not in tree.default_bom:
			s.line.allocation = P.SKIP
	context["warnings"] = warnings
	place(produced, context)

	_write_lines(plan, lines, now)
	_write_operations(plan, produced, context)
	_write_capacity(plan, lines, calendars, context, start, end)
	_write_materials(plan, needs, need_by, lines)
	_write_warnings(plan, warnings, lines)
	plan.scheduled_at = now
	if plan.docstatus == 0:
		plan.status = "Scheduled"


def _late_days(state: LineState) -> int:
	if not state.planned_end or not state.line.delivery_date:
		return 0
	return max((state.planned_end.date() - getdate(state.line.delivery_date)).days, 0)


def _calendar_warnings(calendars: dict[str, R.Calendar], tree, warnings: Warnings):
	for ws, cal in sorted(calendars.items()):
		if cal.minutes_per_day <= P.EPS:
			warnings.add("Fail", ws, str(review_data.MESSAGES["no_working_hours"]).format(ws))
		if not cal.holiday_list:
			warnings.add("Warn", ws, str(review_data.MESSAGES["no_holiday_list"]).format(ws))
	for ws in sorted(tree.workstations - set(calendars)):
		warnings.add("Fail", ws, str(review_data.MESSAGES["workstation_unknown"]).format(ws))


def build_jobs(state: LineState, tree, separate: bool) -> list[Job]:
	"""The work orders a line needs: its item, and — with separate sub-assembly work orders, as
	ERPNext's Production Plan makes them — each stocked sub-assembly it must make; phantoms (not
	stocked) are made inside the work order that uses them."""
	if not state.made:
		return []
	line = state.line
	jobs: dict[int, Job] = {}
	owner: dict[int, int] = {}  # made index -> index of the made entry whose job carries it
	for k, m in enumerate(state.made):
		stocked = m.item_code in tree.stock_items
		if m.parent is None or (separate and stocked):
			owner[k] = k
			parent_job = None if m.parent is None else f"{line.idx}.{owner[m.parent]}"
			jobs[k] = Job(f"{line.idx}.{k}", line, m.item_code, m.bom, m.qty, parent_job)
		else:
			owner[k] = owner[m.parent]
	# operations, deepest sub-assemblies first (the order ERPNext lists a multi-level BOM's)
	depth = {}
	for k, m in enumerate(state.made):
		depth[k] = 0 if m.parent is None else depth[m.parent] + 1
	for k in sorted(range(len(state.made)), key=lambda k: (-depth[k], k)):
		m = state.made[k]
		job = jobs[owner[k]]
		for op in tree.operations.get(m.bom, ()):
			minutes = op.minutes if op.fixed else op.minutes * m.qty
			job.ops.append(
				{
					"operation": op.operation,
					"workstation": op.workstation,
					"workstation_type": op.workstation_type,
					"minutes": max(math.ceil(minutes - 1e-9), 1) if minutes > 0 else 0,
					"sequence_id": op.sequence_id,
					"bom": m.bom,
					"group": k,
				}
			)
	return [jobs[k] for k in sorted(jobs, key=lambda k: (-depth[k], k))]


def _op_id(job: Job, n: int) -> str:
	return f"{job.id}:{n}"


def _job_ops(job: Job, calendars, by_type, gap: int, release: int) -> list[S.Op]:
	"""A job's operations in routing order: each waits for the previous step (operations of one
	BOM sharing a sequence id run side by side)."""
	result: list[S.Op] = []
	steps: list[list[int]] = []
	last_key = None
	for n, op in enumerate(job.ops):
		key = (op["group"], op["sequence_id"]) if op["sequence_id"] else (op["group"], -n - 1)
		if key != last_key:
			steps.append([])
			last_key = key
		steps[-1].append(n)
	previous: list[str] = []
	for step in steps:
		current = []
		for n in step:
			op = job.ops[n]
			if op["workstation"]:
				stations = (op["workstation"],)
			else:
				stations = tuple(by_type.get(op["workstation_type"] or "", ()))
			result.append(
				S.Op(
					_op_id(job, n),
					job.id,
					stations or (op["workstation"] or op["workstation_type"] or "",),
					int(op["minutes"]),
					after=tuple(previous),
					gap=gap if previous else 0,
				)
			)
			current.append(_op_id(job, n))
		previous = current
	return result


def _schedule_week(states: list[LineState], ctx: dict) -> S.Schedule | None:
	"""Operation by operation on the workstations' calendars, from now, around released work."""
	calendars = ctx["calendars"]
	horizon_start, now = ctx["horizon_start"], ctx["now"]
	by_type: dict[str, list[str]] = defaultdict(list)
	for ws, cal in sorted(calendars.items()):
		if cal.workstation_type:
			by_type[cal.workstation_type].append(ws)
	gap = cint(frappe.db.get_single_value("Manufacturing Settings", "mins_between_operations"))
	now_minutes = int((now - horizon_start).total_seconds() // 60)
	jobs: list[S.Job] = []
	ops: list[S.Op] = []
	for state in states:
		line = state.line
		due = P.end_of_day_minutes(getdate(line.delivery_date), horizon_start)
		release = now_minutes
		if state.materials_on and state.materials_on > ctx["today"]:
			release = max(
				release,
				int(
					(
						datetime.combine(state.materials_on, datetime.min.time()) - horizon_start
					).total_seconds()
					// 60
				),
			)
		weight = P.priority_weight(line.priority)
		last_of: dict[str, list[str]] = {}
		first_of: dict[str, list[str]] = {}
		for job in state.jobs:
			job_ops = _job_ops(job, calendars, by_type, gap, release)
			jobs.append(S.Job(job.id, due, weight, release=release))
			ops.extend(job_ops)
			ids = [o.id for o in job_ops]
			with_successor = {a for o in job_ops for a in o.after}
			last_of[job.id] = [i for i in ids if i not in with_successor]
			first_of[job.id] = [o.id for o in job_ops if not o.after]
		# a sub-assembly is made before the operations that use it start
		for job in state.jobs:
			if job.parent:
				for first in first_of.get(job.parent, []):
					k = next(n for n, o in enumerate(ops) if o.id == first)
					ops[k] = replace(ops[k], after=(*ops[k].after, *last_of[job.id]), gap=gap)
	for r in ctx["released"]:
		jobs.append(S.Job(r["id"], r["end_minutes"] + 60 * 24 * 365, 0.0))
		ops.append(
			S.Op(
				r["id"],
				r["id"],
				(r["workstation"],),
				_working_minutes(calendars.get(r["workstation"]), r["start"], r["end"]),
				fixed_start=r["start_minutes"],
				fixed_end=r["end_minutes"],
				fixed_workstation=r["workstation"],
				fixed_unit=r["unit"],
			)
		)
	problem = S.Problem(horizon_start, calendars, tuple(jobs), tuple(ops), horizon_days=HORIZON_DAYS)
	schedule = S.schedule(problem)
	reasons = {
		"unknown_workstation": _("no workstation of its kind has a calendar"),
		"no_working_hours": _("its workstation has no working hours"),
		"beyond_horizon": _("it cannot finish within {0} days").format(HORIZON_DAYS),
		"cycle": _("its routing loops"),
		"predecessor_unscheduled": _("an operation before it could not be scheduled"),
	}
	op_names = {}
	for state in states:
		for job in state.jobs:
			for n, op in enumerate(job.ops):
				op_names[_op_id(job, n)] = (job, op)
	for op_id, reason in sorted(schedule.unscheduled.items()):
		if op_id in op_names:
			job, op = op_names[op_id]
			ctx["warnings"].add(
				"Fail" if reason != "predecessor_unscheduled" else "Warn",
				f"#{job.line.idx} {job.item_code}",
				_("Operation {0} on {1} is not scheduled: {2}").format(
					op["operation"], op["workstation"] or op["workstation_type"], reasons.get(reason, reason)
				),
			)
	for state in states:
		starts, ends = [], []
		for job in state.jobs:
			for n, _op in enumerate(job.ops):
				p = schedule.placements.get(_op_id(job, n))
				if p is None:
					continue
				start_dt, end_dt = schedule.at(problem, p.start), schedule.at(problem, p.end)
				starts.append(start_dt)
				ends.append(end_dt)
				days = P.working_minutes_by_day(calendars[p.workstation], start_dt, end_dt)
				per_ws = state.placed_by_day.setdefault(p.workstation, {})
				for day, minutes in days.items():
					per_ws[day] = per_ws.get(day, 0.0) + minutes
		top = next((j for j in state.jobs if j.parent is None), None)
		state.planned_start = min(starts) if starts else None
		state.planned_end = max(ends) if ends else None
		state.tardiness = float(schedule.tardiness.get(top.id, 0)) if top else 0.0
	ctx["schedule"] = schedule
	ctx["problem"] = problem
	return schedule


def _place_on_ledger(states: list[LineState], ctx: dict) -> None:
	"""Month and quarter plans: each line's load placed day by day on the review's capacity ledger,
	earliest-due first, after the work already released."""
	today = ctx["today"]
	calendars = ctx["calendars"]
	ledger = R.CapacityLedger(list(calendars.values()), today)
	ctx["committed_by_day"] = {}
	for ws, minutes in sorted(ctx["committed"].items()):
		if ws in calendars:
			_finish, placed = ledger.place([ws], minutes, today)
			ctx["committed_by_day"].update(P.ledger_days(today, placed))
	for state in states:
		due = getdate(state.line.delivery_date)
		outcome = R.check_capacity(state.made, ctx["tree"].operations, ledger, due, start=state.materials_on)
		state.placed_by_day = P.ledger_days(today, outcome.placed)
		days = sorted({d for per in state.placed_by_day.values() for d in per})
		state.planned_start = datetime.combine(days[0], datetime.min.time()) if days else None
		state.planned_end = (
			datetime.combine(days[-1], datetime.max.time().replace(microsecond=0)) if days else None
		)
		if outcome.completion is None and state.minutes > P.EPS:
			state.tardiness = float(R.HORIZON_DAYS * P.MINUTES_PER_DAY)
		elif outcome.completion and outcome.completion > due:
			state.tardiness = float((outcome.completion - due).days * P.MINUTES_PER_DAY)
	ctx["schedule"] = None
	return None


def released_work(workstations: list[str], horizon_start: datetime, now: datetime) -> list[dict]:
	"""Job cards not yet done with scheduled times ahead, as fixed blocks on their workstations
	(work already released by earlier plans or by hand) — of open work orders only, the rule of
	the daily schedule: a stopped work order holds no capacity until it is resumed."""
	if not workstations:
		return []
	jc = frappe.qb.DocType("Job Card")
	wo = frappe.qb.DocType("Work Order")
	rows = (
		frappe.qb.from_(jc)
		.join(wo)
		.on(wo.name == jc.work_order)
		.select(jc.name, jc.workstation, jc.expected_start_date, jc.expected_end_date)
		.where(jc.workstation.isin(workstations) & (jc.docstatus == 0) & jc.status.notin(JOB_CARD_DONE))
		.where((wo.docstatus == 1) & wo.status.isin(WO_OPEN))
		.where(jc.expected_end_date > now)
		.orderby(jc.expected_start_date)
		.run(as_dict=True)
	)
	calendars = {}
	result = []
	free_at: dict[str, list[datetime]] = defaultdict(list)
	for r in rows:
		if not r.expected_start_date:
			continue
		start, end = get_datetime(r.expected_start_date), get_datetime(r.expected_end_date)
		start = max(start, horizon_start)
		if r.workstation not in calendars:
			calendars[r.workstation] = frappe.get_cached_value(
				"Workstation", r.workstation, "production_capacity"
			)
		units = free_at[r.workstation]
		capacity = max(cint(calendars[r.workstation]), 1)
		unit = next((k for k, free in enumerate(units) if free <= start), None)
		if unit is None:
			if len(units) >= capacity:
				continue  # more overlapping cards than units: ERPNext's own data overlaps
			units.append(end)
			unit = len(units) - 1
		else:
			units[unit] = end
		result.append(
			{
				"id": f"released:{r.name}",
				"workstation": r.workstation,
				"start": start,
				"end": end,
				"start_minutes": int((start - horizon_start).total_seconds() // 60),
				"end_minutes": int((end - horizon_start).total_seconds() // 60),
				"unit": unit,
			}
		)
	return result


# ------------------------------------------------------------------------------ writing the plan


def _write_lines(plan, lines: list[LineState], now: datetime):
	for s in lines:
		row = s.line
		row.load_hours = round(s.minutes / 60, 2) if row.allocation == P.PRODUCTION else 0.0
		row.planned_start = s.planned_start
		row.planned_end = s.planned_end
		row.late_days = _late_days(s) if row.allocation == P.PRODUCTION else 0
		if row.allocation == P.PRODUCTION and s.planned_end and row.late_days:
			row.remarks = _("Ends {0} days after its due date").format(row.late_days)
		elif row.allocation == P.PRODUCTION:
			row.remarks = None
	production = [s for s in lines if s.line.allocation == P.PRODUCTION]
	plan.total_lines = len(plan.items)
	plan.total_qty = sum(flt(i.qty) for i in plan.items)
	plan.load_hours = round(sum(s.minutes for s in production) / 60, 2)
	plan.late_lines = sum(1 for s in production if s.line.late_days)
	plan.weighted_tardiness_days = round(
		sum(P.priority_weight(s.line.priority) * s.line.late_days for s in production), 2
	)
	ends = [s.planned_end for s in production if s.planned_end]
	plan.last_operation_end = max(ends) if ends else None
	plan.outsource_candidates = sum(1 for i in plan.items if i.allocation == P.OUTSOURCE)


def _write_operations(plan, production: list[LineState], ctx: dict):
	plan.set("operations", [])
	schedule, problem = ctx.get("schedule"), ctx.get("problem")
	if plan.period_type != P.WEEK or schedule is None:
		return
	for s in production:
		for job in s.jobs:
			if not job.ops:
				# a BOM without operations: its work order is made all the same (no job cards)
				plan.append(
					"operations",
					{
						"line_no": s.line.idx,
						"plan_item": s.line.name,
						"job": job.id,
						"parent_job": job.parent,
						"sales_order": s.line.sales_order,
						"item_code": job.item_code,
						"bom_no": job.bom,
						"qty": job.qty,
						"minutes": 0,
					},
				)
			for n, op in enumerate(job.ops):
				p = schedule.placements.get(_op_id(job, n))
				plan.append(
					"operations",
					{
						"line_no": s.line.idx,
						"plan_item": s.line.name,
						"job": job.id,
						"parent_job": job.parent,
						"sales_order": s.line.sales_order,
						"item_code": job.item_code,
						"bom_no": job.bom,
						"operation": op["operation"],
						"workstation": p.workstation if p else op["workstation"],
						"qty": job.qty,
						"minutes": op["minutes"],
						"planned_start": schedule.at(problem, p.start) if p else None,
						"planned_end": schedule.at(problem, p.end) if p else None,
					},
				)


def _write_capacity(plan, lines, calendars, ctx, start: date, end: date):
	all_buckets = P.buckets(plan.period_type, start, end)
	planned: dict[str, dict[date, float]] = defaultdict(dict)
	for s in lines:
		if s.line.allocation != P.PRODUCTION:
			continue
		for ws, days in s.placed_by_day.items():
			for day, minutes in days.items():
				planned[ws][day] = planned[ws].get(day, 0.0) + minutes
	if plan.period_type == P.WEEK:
		committed: dict[str, dict[date, float]] = defaultdict(dict)
		for r in ctx["released"]:
			for day, minutes in P.working_minutes_by_day(
				calendars[r["workstation"]], r["start"], r["end"]
			).items():
				committed[r["workstation"]][day] = committed[r["workstation"]].get(day, 0.0) + minutes
	else:
		committed = ctx.get("committed_by_day", {})
	reserved = _parent_reservation(plan, all_buckets)
	used = set(planned) | {ws for ws, days in committed.items() if days} | set(reserved)
	shown = {ws: cal for ws, cal in calendars.items() if ws in used}
	rows = P.capacity_table(shown, all_buckets, committed, planned, reserved)
	plan.set("capacity", [])
	for r in rows:
		plan.append(
			"capacity",
			{
				"workstation": r.workstation,
				"bucket": r.bucket.label,
				"bucket_start": r.bucket.start,
				"bucket_end": r.bucket.end,
				"capacity_hours": round(r.capacity / 60, 2),
				"committed_hours": round(r.committed / 60, 2),
				"planned_hours": round(r.planned / 60, 2),
				"reserved_hours": round(r.reserved / 60, 2),
				"utilisation_pct": r.utilisation_pct,
				"over_capacity": int(r.over),
			},
		)
	plan.max_utilisation_pct = max((r.utilisation_pct for r in rows), default=0.0)

	family_rows = P.family_table(
		[
			(s.line.item_group or _("(no family)"), flt(s.line.production_qty), _merge_days(s.placed_by_day))
			for s in lines
			if s.line.allocation == P.PRODUCTION
		],
		all_buckets,
	)
	if plan.parent_plan:
		family_rows = P.against_parent(family_rows, _parent_families(plan.parent_plan), all_buckets)
	plan.set("families", [])
	for f in family_rows:
		plan.append(
			"families",
			{
				"item_group": f.family if frappe.db.exists("Item Group", f.family) else None,
				"bucket": f.bucket.label,
				"qty": f.qty,
				"load_hours": round(f.minutes / 60, 2),
				"parent_hours": round(f.parent_minutes / 60, 2) if f.parent_minutes is not None else 0,
				"difference_hours": round(f.difference / 60, 2) if f.difference is not None else 0,
			},
		)


def _merge_days(per_ws: dict[str, dict[date, float]]) -> dict[date, float]:
	total: dict[date, float] = defaultdict(float)
	for days in per_ws.values():
		for day, minutes in days.items():
			total[day] += minutes
	return dict(total)


def find_parent_plan(plan) -> str | None:
	parent_type = P.PARENT_PERIOD.get(plan.period_type)
	if not parent_type or not plan.from_date:
		return None
	return frappe.db.get_value(
		PLAN,
		{
			"docstatus": 1,
			"company": plan.company,
			"period_type": parent_type,
			"from_date": ("<=", getdate(plan.from_date)),
			"to_date": (">=", getdate(plan.from_date)),
		},
		"name",
		order_by="from_date desc",
	)


def _parent_reservation(plan, all_buckets: list[P.Bucket]) -> dict[str, dict[str, float]]:
	"""Minutes the higher plan reserved on each workstation, spread over this plan's buckets."""
	if not plan.parent_plan:
		return {}
	rows = frappe.get_all(
		"Order Plan Capacity",
		filters={"parent": plan.parent_plan, "parenttype": PLAN},
		fields=["workstation", "bucket", "bucket_start", "bucket_end", "planned_hours"],
	)
	result: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
	for r in rows:
		bucket = P.Bucket(r.bucket, getdate(r.bucket_start), getdate(r.bucket_end))
		for b in all_buckets:
			overlap = bucket.overlap_days(b.start, b.end)
			if overlap:
				result[r.workstation][b.label] += flt(r.planned_hours) * 60 * overlap / bucket.days()
	return {ws: dict(v) for ws, v in result.items()}


def _parent_families(parent_plan: str) -> list[P.FamilyRow]:
	rows = frappe.get_all(
		"Order Plan Family",
		filters={"parent": parent_plan, "parenttype": PLAN},
		fields=["item_group", "bucket", "qty", "load_hours"],
	)
	capacity = {
		r.bucket: (getdate(r.bucket_start), getdate(r.bucket_end))
		for r in frappe.get_all(
			"Order Plan Capacity",
			filters={"parent": parent_plan, "parenttype": PLAN},
			fields=["bucket", "bucket_start", "bucket_end"],
			distinct=True,
		)
	}
	result = []
	for r in rows:
		if r.bucket in capacity:
			start, end = capacity[r.bucket]
			result.append(
				P.FamilyRow(
					r.item_group or _("(no family)"),
					P.Bucket(r.bucket, start, end),
					flt(r.qty),
					flt(r.load_hours) * 60,
				)
			)
	return result


def _write_materials(plan, needs: dict[str, R.MaterialNeed], need_by: dict[str, date], lines):
	plan.set("materials", [])
	uoms = dict(
		frappe.get_all(
			"Item", filters={"name": ("in", list(needs) or [""])}, fields=["name", "stock_uom"], as_list=True
		)
	)
	short = [n for n in needs.values() if n.shortage > P.EPS]
	for n in sorted(short, key=lambda n: n.item_code):
		plan.append(
			"materials",
			{
				"item_code": n.item_code,
				"required_qty": n.required,
				"available_qty": n.available,
				"shortage_qty": n.shortage,
				"stock_uom": uoms.get(n.item_code),
				"required_by": need_by.get(n.item_code),
				"covered_on": n.covered_on,
			},
		)
	plan.shortage_items = len(short)


def _write_warnings(plan, warnings: Warnings, lines: list[LineState]):
	for s in lines:
		if s.line.allocation == P.PRODUCTION and s.line.late_days:
			warnings.add(
				"Warn",
				f"#{s.line.idx} {s.line.item_code}",
				_("{0} for {1} ends on {2}, {3} days after its due date {4}").format(
					s.line.item_code,
					s.line.sales_order,
					frappe.format(s.planned_end, {"fieldtype": "Datetime"}),
					s.line.late_days,
					frappe.format(getdate(s.line.delivery_date), {"fieldtype": "Date"}),
				),
			)
	for m in plan.materials:
		if not m.covered_on:
			warnings.add(
				"Warn",
				m.item_code,
				_("{0}: {1} short and no supply covers it; the plan requests it on submit").format(
					m.item_code, flt(m.shortage_qty, 3)
				),
			)
	plan.set("warnings", [])
	for level, subject, message in warnings.rows:
		plan.append("warnings", {"level": level, "subject": subject, "message": message})


# =============================================================================== submit


def lock_and_check_not_planned(plan):
	"""Lock the plan's orders (two planners submitting at once serialise here), then refuse lines
	another submitted plan of this period already committed."""
	orders = sorted({i.sales_order for i in plan.items if i.allocation != P.SKIP})
	if orders:
		so = frappe.qb.DocType("Sales Order")
		frappe.qb.from_(so).select(so.name).where(so.name.isin(orders)).for_update().run()
	taken = committed_elsewhere(plan, [i.sales_order_item for i in plan.items if i.allocation != P.SKIP])
	if taken:
		rows = [i for i in plan.items if i.sales_order_item in taken]
		frappe.throw(
			_("These lines are already planned: {0}. Remove them or set them to Not Planned.").format(
				", ".join(
					_("row {0} ({1}, {2}) in {3}").format(
						i.idx, i.sales_order, i.item_code, taken[i.sales_order_item]
					)
					for i in rows
				)
			),
			exc=PlanError,
			title=_("Already Planned"),
		)


def check_can_submit(plan):
	fails = [w for w in plan.warnings if w.level == "Fail"]
	if fails:
		frappe.throw(
			_("Fix these first, or set the lines they concern to Not Planned: {0}").format(
				"; ".join(f"{w.subject}: {w.message}" for w in fails)
			),
			exc=PlanError,
			title=_("The Plan Cannot Be Submitted"),
		)
	if not any(i.allocation != P.SKIP for i in plan.items):
		frappe.throw(
			_("The plan has no lines to plan: get orders first"), exc=PlanError, title=_("Nothing to Plan")
		)


def jobs_of(plan) -> list[dict]:
	"""The work orders a submitted week plan makes: one per job of its operations table, the
	deepest sub-assemblies first (each exists before the work order that consumes it)."""
	jobs: dict[str, dict] = {}
	items = {i.name: i for i in plan.items}
	for op in plan.operations:
		job = jobs.setdefault(
			op.job,
			{
				"id": op.job,
				"parent": op.parent_job or None,
				"line": items.get(op.plan_item),
				"item_code": op.item_code,
				"bom_no": op.bom_no,
				"qty": flt(op.qty),
				"ops": [],
			},
		)
		job["ops"].append(op)

	def depth(job: dict) -> int:
		level = 0
		while job["parent"] and job["parent"] in jobs and level < 50:
			job = jobs[job["parent"]]
			level += 1
		return level

	for job in jobs.values():
		job["is_top"] = not job["parent"]
		job["depth"] = depth(job)
	return sorted(jobs.values(), key=lambda j: (-j["depth"], j["id"]))


@dataclass
class CreationResult:
	work_orders: list[str] = field(default_factory=list)
	material_requests: list[str] = field(default_factory=list)


def create_work_orders(plan, publish: bool = False) -> CreationResult:
	"""ERPNext Work Orders for a submitted week plan, with the schedule's times on their operations
	and Job Cards, and Material Requests for its shortages. One transaction: the caller commits,
	or rolls everything back. ERPNext's own job-card capacity planning is switched off inside this
	transaction only (the plan's schedule sets the times; nothing of it is ever committed)."""
	result = CreationResult()
	jobs = jobs_of(plan)
	with one_refresh({i.sales_order for i in plan.items}):  # every tracker once, at the end
		_make_documents(plan, jobs, result, publish)
	return result


def _make_documents(plan, jobs: list[dict], result: CreationResult, publish: bool):
	previous_setting = frappe.db.get_single_value("Manufacturing Settings", "disable_capacity_planning")
	frappe.db.set_single_value("Manufacturing Settings", "disable_capacity_planning", 1)
	_constant_time_realtime_log()
	total = max(len(jobs), 1)
	try:
		made: dict[str, str] = {}
		for n, job in enumerate(jobs, start=1):
			made[job["id"]] = _make_work_order(plan, job, made)
			result.work_orders.append(made[job["id"]])
			for child in jobs:
				if child["parent"] == job["id"] and child["id"] in made:
					frappe.db.set_value(
						"Work Order",
						made[child["id"]],
						"parent_work_order",
						made[job["id"]],
						update_modified=False,
					)
			if publish and (n % 10 == 0 or n == total):
				frappe.publish_progress(
					n * 100 / total,
					title=_("Creating work orders"),
					doctype=PLAN,
					docname=plan.name,
					description=_("{0} of {1} work orders").format(n, total),
				)
		result.material_requests = _make_material_requests(plan)
	finally:
		frappe.db.set_single_value(
			"Manufacturing Settings", "disable_capacity_planning", previous_setting or 0
		)
	for row in plan.items:
		wo = next((made[j["id"]] for j in jobs if j["line"] is row and j["is_top"]), None)
		if wo:
			frappe.db.set_value("Order Plan Item", row.name, "work_order", wo, update_modified=False)
	plan.db_set(
		{
			"status": "Work Orders Created",
			"work_order_progress": 100,
			"work_orders_created": len(result.work_orders),
			"material_requests_created": len(result.material_requests),
			"failure_reason": None,
		}
	)


class _RealtimeLog(list):
	"""Frappe keeps the desk updates a transaction will send after commit in a list and checks
	`params not in log` before each append: quadratic over the thousands of documents one plan
	makes in one transaction. The same list, with membership in constant time."""

	def __init__(self, items=()):
		super().__init__(items)
		self._keys = {self._key(i) for i in self}

	@staticmethod
	def _key(item) -> str:
		return frappe.as_json(item)

	def append(self, item):
		self._keys.add(self._key(item))
		super().append(item)

	def __contains__(self, item) -> bool:
		return self._key(item) in self._keys


def _constant_time_realtime_log():
	from frappe.realtime import clear_realtime_log, flush_realtime_log

	log = getattr(frappe.local, "_realtime_log", None)
	if isinstance(log, _RealtimeLog):
		return
	if log is None:
		# what frappe.realtime.publish_realtime registers when it makes the list itself
		frappe.db.after_commit.add(flush_realtime_log)
		frappe.db.after_rollback.add(clear_realtime_log)
	frappe.local._realtime_log = _RealtimeLog(log or ())


def _make_work_order(plan, job: dict, made: dict[str, str]) -> str:
	line = job["line"]
	# a job without operations has one row without an operation: its BOM has none
	ops = sorted((o for o in job["ops"] if o.operation), key=lambda o: o.idx)
	start = min((get_datetime(o.planned_start) for o in ops if o.planned_start), default=now_datetime())
	end = max((get_datetime(o.planned_end) for o in ops if o.planned_end), default=start)
	settings = get_settings()
	wo = frappe.new_doc("Work Order")
	wo.update(
		{
			"production_item": job["item_code"],
			"bom_no": job["bom_no"],
			"qty": job["qty"],
			"company": plan.company,
			"planned_start_date": start,
			"use_multi_level_bom": 0 if cint(settings.sub_assembly_work_orders) else 1,
			"order_plan": plan.name,
			"made_for_sales_order": line.sales_order,
			"wip_warehouse": _wip_warehouse(plan.company),
		}
	)
	if job["is_top"]:
		wo.sales_order = line.sales_order
		wo.sales_order_item = line.sales_order_item
		wo.fg_warehouse = frappe.db.get_value("Sales Order Item", line.sales_order_item, "warehouse")
		wo.expected_delivery_date = line.delivery_date
	else:
		wo.fg_warehouse = _item_warehouse(job["item_code"], plan.company)
	wo.set_work_order_operations()  # the materials are set when submit validates it
	for row, op in zip(wo.operations, ops, strict=False):
		row.planned_start_time = op.planned_start
		row.planned_end_time = op.planned_end
	# as ERPNext's Production Plan makes them: inserted as they are, validated once, on submit
	wo.flags.ignore_validate = True
	wo.insert()
	wo.flags.ignore_validate = False
	wo.submit()
	# ERPNext chains the operations naively when its capacity planning is off: put the schedule back
	cards = {
		c.operation_id: c.name
		for c in frappe.get_all(
			"Job Card", filters={"work_order": wo.name, "docstatus": 0}, fields=["name", "operation_id"]
		)
	}
	for row, op in zip(wo.operations, ops, strict=False):
		if not (op.planned_start and op.planned_end):
			continue
		frappe.db.set_value(
			"Work Order Operation",
			row.name,
			{"planned_start_time": op.planned_start, "planned_end_time": op.planned_end},
			update_modified=False,
		)
		card = cards.get(row.name)
		if card:
			set_job_card_times(card, get_datetime(op.planned_start), get_datetime(op.planned_end))
			frappe.db.set_value(
				"Order Plan Operation",
				op.name,
				{"work_order": wo.name, "job_card": card},
				update_modified=False,
			)
		else:
			frappe.db.set_value("Order Plan Operation", op.name, "work_order", wo.name, update_modified=False)
	for op in job["ops"]:
		if not op.operation:
			frappe.db.set_value("Order Plan Operation", op.name, "work_order", wo.name, update_modified=False)
	frappe.db.set_value(
		"Work Order", wo.name, {"planned_start_date": start, "planned_end_date": end}, update_modified=False
	)
	return wo.name


def set_job_card_times(job_card: str, start: datetime, end: datetime):
	"""A job card's scheduled slot: its expected start and end, and the one scheduled time row
	ERPNext's own capacity planning reads when it places other cards around it."""
	minutes = (end - start).total_seconds() / 60
	frappe.db.set_value(
		"Job Card", job_card, {"expected_start_date": start, "expected_end_date": end}, update_modified=False
	)
	frappe.db.delete("Job Card Scheduled Time", {"parent": job_card, "parenttype": "Job Card"})
	frappe.get_doc(
		{
			"doctype": "Job Card Scheduled Time",
			"parent": job_card,
			"parenttype": "Job Card",
			"parentfield": "scheduled_time_logs",
			"idx": 1,
			"from_time": start,
			"to_time": end,
			"time_in_mins": minutes,
		}
	).db_insert()


def _wip_warehouse(company: str) -> str:
	wh = get_settings().planning_wip_warehouse or frappe.db.get_single_value(
		"Manufacturing Settings", "default_wip_warehouse"
	)
	if not wh:
		wh = frappe.db.get_value(
			"Warehouse", {"company": company, "warehouse_name": "Work In Progress"}, "name"
		)
	if not wh:
		frappe.throw(
			_("Set a Work-in-Progress Warehouse in Order Tracking Settings or Manufacturing Settings"),
			exc=PlanError,
			title=_("No Work-in-Progress Warehouse"),
		)
	return wh


def _item_warehouse(item_code: str, company: str) -> str:
	wh = frappe.db.get_value("Item Default", {"parent": item_code, "company": company}, "default_warehouse")
	return (
		wh
		or frappe.db.get_single_value("Manufacturing Settings", "default_fg_warehouse")
		or _wip_warehouse(company)
	)


def _make_material_requests(plan) -> list[str]:
	"""One purchase Material Request for the plan's shortages, each line due when the plan needs it."""
	short = [m for m in plan.materials if flt(m.shortage_qty) > P.EPS]
	if not short:
		return []
	mr = frappe.new_doc("Material Request")
	mr.update(
		{
			"material_request_type": "Purchase",
			"company": plan.company,
			"transaction_date": getdate(),
			"schedule_date": min(getdate(m.required_by or plan.from_date) for m in short),
			"order_plan": plan.name,
		}
	)
	for m in short:
		mr.append(
			"items",
			{
				"item_code": m.item_code,
				"qty": flt(m.shortage_qty),
				"uom": m.stock_uom,
				"conversion_factor": 1,
				"schedule_date": max(getdate(m.required_by or plan.from_date), getdate()),
				"warehouse": _item_warehouse(m.item_code, plan.company),
			},
		)
	mr.insert()
	mr.submit()
	for m in short:
		frappe.db.set_value("Order Plan Material", m.name, "material_request", mr.name, update_modified=False)
	return [mr.name]


def enqueue_work_orders(plan):
	plan.db_set({"status": "Creating Work Orders", "work_order_progress": 0, "failure_reason": None})
	frappe.enqueue(
		"order_tracking.order_planning.planning.create_work_orders_job",
		queue="long",
		timeout=3600,
		job_id=f"order_plan_work_orders::{plan.name}",
		deduplicate=True,
		enqueue_after_commit=True,
		plan=plan.name,
	)


def create_work_orders_job(plan: str, commit: bool = True):
	"""Background job: everything or nothing. A failure rolls back what the job made, is recorded
	on the plan and told to whoever submitted it; the plan can then retry."""
	doc = frappe.get_doc(PLAN, plan)
	if doc.docstatus != 1 or doc.status not in ("Creating Work Orders", "Failed"):
		return
	frappe.db.savepoint("order_plan_work_orders")
	try:
		create_work_orders(doc, publish=True)
	except Exception as e:
		try:
			frappe.db.rollback(save_point="order_plan_work_orders")
		except Exception:
			frappe.db.rollback()  # the database aborted the whole transaction (a deadlock, say)
		frappe.clear_messages()
		reason = str(e) or type(e).__name__
		frappe.db.set_value(
			PLAN, plan, {"status": "Failed", "failure_reason": frappe.utils.strip_html(reason)[:1000]}
		)
		frappe.log_error(title=f"Order Plan {plan}: work orders not created")
		_notify([doc.owner], doc, _("Work orders of {0} were not created: {1}").format(plan, reason[:200]))
	if commit:
		# a background job owns its transaction: the whole plan, or its failure, at once
		frappe.db.commit()  # nosemgrep


def cancel_created(plan) -> list[str]:
	"""Cancel the plan's work orders and material requests that have not started; say what stays.
	Sub-assemblies' work orders go first (each links the work order it is made for); one that
	stays keeps that work order too."""
	left = []
	wos = frappe.get_all(
		"Work Order",
		filters={"order_plan": plan.name, "docstatus": 1},
		fields=[
			"name",
			"status",
			"material_transferred_for_manufacturing",
			"produced_qty",
			"sales_order",
			"parent_work_order",
		],
		order_by="creation desc",
	)
	kept = _work_orders_that_stay(wos)
	for w in _sub_assemblies_first(wos):
		if w.name in kept:
			left.append(kept[w.name])
		else:
			frappe.get_doc("Work Order", w.name).cancel()
	for mr in frappe.get_all(
		"Material Request",
		filters={"order_plan": plan.name, "docstatus": 1},
		fields=["name", "per_ordered", "status"],
	):
		if flt(mr.per_ordered) > 0:
			left.append(_("{0} ({1} ordered)").format(mr.name, f"{flt(mr.per_ordered, 1)}%"))
		else:
			frappe.get_doc("Material Request", mr.name).cancel()
	return left


def _work_orders_that_stay(wos: list) -> dict[str, str]:
	"""The plan's work orders that are not cancelled, each with why: started, a job card with time,
	an operation on an open Outsourcing Order, or a sub-assembly of it stays."""
	from order_tracking.outsourcing.outsourcing import open_outsourcing_of_work_orders

	names = [w.name for w in wos]
	started_cards = set(
		frappe.get_all(
			"Job Card",
			filters={
				"work_order": ("in", names or [""]),
				"docstatus": ("<", 2),
				"total_time_in_mins": (">", 0),
			},
			pluck="work_order",
		)
	)
	outsourced = open_outsourcing_of_work_orders(names)
	kept: dict[str, str] = {}
	for w in wos:
		if w.status != "Not Started" or flt(w.material_transferred_for_manufacturing) or flt(w.produced_qty):
			kept[w.name] = _("{0} ({1})").format(w.name, _(w.status))
		elif w.name in started_cards:
			kept[w.name] = _("{0} (job card started)").format(w.name)
		elif w.name in outsourced:
			kept[w.name] = _("{0} (an operation on {1})").format(w.name, outsourced[w.name])
	parent_of = {w.name: w.parent_work_order for w in wos}
	for name in list(kept):
		child, parent = name, parent_of.get(name)
		while parent in parent_of and parent not in kept:
			kept[parent] = _("{0} (its sub-assembly {1} stays)").format(parent, child)
			child, parent = parent, parent_of.get(parent)
	return kept


def _sub_assemblies_first(wos: list) -> list:
	"""Deepest sub-assemblies first, then the work orders they are made for."""
	parent_of = {w.name: w.parent_work_order for w in wos}

	def depth(name: str) -> int:
		level = 0
		while parent_of.get(name) in parent_of and level < 50:
			name = parent_of[name]
			level += 1
		return level

	return sorted(wos, key=lambda w: -depth(w.name))


# =============================================================================== daily schedule


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
	wo = frappe.qb.DocType("Work Order")
	wop = frappe.qb.DocType("Work Order Operation")
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
		return [], {}
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
	rows = (
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
		.where(wop.parent.isin(list(orders)) & (wop.parenttype == "Work Order"))
		.orderby(wop.parent)
		.orderby(wop.idx)
		.run(as_dict=True)
	)
	cards = {
		c.operation_id: c
		for c in frappe.get_all(
			"Job Card",
			filters={"work_order": ("in", list(orders)), "docstatus": ("<", 2)},
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
	result = []
	for r in rows:
		w = orders[r.parent]
		card = cards.get(r.name)
		completed = flt(r.completed_qty)
		if card and card.docstatus == 1:
			completed = max(completed, flt(card.for_quantity))
		remaining = max(flt(w.qty) - completed, 0.0)
		if remaining <= P.EPS or (card and card.status in JOB_CARD_DONE):
			continue
		started = bool(card and (card.status in JOB_CARD_STARTED or flt(card.total_time_in_mins) > 0))
		result.append(
			OpenOperation(
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
		)
	return result, orders


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
	by_type: dict[str, list[str]] = defaultdict(list)
	for ws, cal in sorted(calendars.items()):
		if cal.workstation_type:
			by_type[cal.workstation_type].append(ws)
	now_minutes = int((now - horizon_start).total_seconds() // 60)
	gap = cint(frappe.db.get_single_value("Manufacturing Settings", "mins_between_operations"))

	jobs: dict[str, S.Job] = {}
	s_ops: list[S.Op] = []
	by_wo: dict[str, list[OpenOperation]] = defaultdict(list)
	for o in ops:
		by_wo[o.work_order].append(o)
	last_ops: dict[str, list[str]] = {}
	first_ops: dict[str, list[str]] = {}
	for wo_name, wo_ops in by_wo.items():
		o0 = wo_ops[0]
		due = P.end_of_day_minutes(o0.due, horizon_start) if o0.due else now_minutes + 60 * 24 * 365
		jobs[wo_name] = S.Job(wo_name, due, P.priority_weight(o0.priority), release=now_minutes)
		previous: list[str] = []
		current: list[str] = []
		last_seq = None
		ids = []
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
				end = _end_after(calendars.get(o.workstation), now, o.minutes)
				s_ops.append(
					S.Op(
						o.id,
						wo_name,
						stations or ("",),
						_working_minutes(calendars.get(o.workstation), start, end),
						fixed_start=int((start - horizon_start).total_seconds() // 60),
						fixed_end=int((end - horizon_start).total_seconds() // 60),
						fixed_workstation=o.workstation,
					)
				)
			else:
				s_ops.append(
					S.Op(
						o.id,
						wo_name,
						stations or ("",),
						o.minutes,
						after=tuple(after),
						gap=gap if after else 0,
					)
				)
			current.append(o.id)
			ids.append(o.id)
		with_successor = {a for op in s_ops if op.job == wo_name for a in op.after}
		last_ops[wo_name] = [i for i in ids if i not in with_successor]
		first_ops[wo_name] = [
			op.id for op in s_ops if op.job == wo_name and not op.after and op.fixed_start is None
		]
	# sub-assembly work orders before the work orders that consume them
	for wo_name, w in orders.items():
		parent = w.parent_work_order
		if parent in jobs and wo_name in jobs:
			for k, op in enumerate(s_ops):
				if op.id in first_ops.get(parent, []):
					s_ops[k] = replace(op, after=(*op.after, *last_ops[wo_name]), gap=gap)
	problem = S.Problem(
		horizon_start, calendars, tuple(jobs.values()), tuple(s_ops), horizon_days=HORIZON_DAYS
	)
	schedule = S.schedule(problem)

	changed_orders = set()
	op_by_id = {o.id: o for o in ops}
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

	doc = _daily_schedule_doc(company, today, days)
	window_end = horizon_start + timedelta(days=days)
	shown = P.dispatch_list(
		[
			P.ScheduledOp(
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
	doc.set("operations", [])
	late = 0
	for ws, items in shown.items():
		for seq, item in enumerate(items, start=1):
			o = op_by_id[item.id]
			is_late = P.is_late(
				P.OperationProgress(o.id, o.qty, o.completed_qty, o.planned_end),
				now,
				cint(get_settings().late_operation_grace),
			)
			late += int(is_late)
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
	doc.generated_at = now
	doc.week_plan = frappe.db.get_value(
		PLAN,
		{
			"docstatus": 1,
			"company": company,
			"period_type": P.WEEK,
			"from_date": ("<=", today),
			"to_date": (">=", today),
		},
		"name",
	)
	doc.operations_count = len(doc.operations)
	doc.workstations_count = len(shown)
	doc.in_progress_count = sum(1 for r in doc.operations if r.kept_in_place)
	doc.late_count = late
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


def _daily_schedule_doc(company: str, day: date, days: int):
	name = frappe.db.get_value(DAILY, {"company": company, "from_date": day}, "name")
	if name:
		doc = frappe.get_doc(DAILY, name)
		doc.days = days
		return doc
	doc = frappe.new_doc(DAILY)
	doc.update({"company": company, "from_date": day, "days": days})
	return doc


def _end_after(calendar: R.Calendar | None, start: datetime, minutes: int) -> datetime:
	"""When `minutes` of work from `start` end on the calendar (24 h a day without one)."""
	if calendar is None or calendar.minutes_per_day <= P.EPS:
		return start + timedelta(minutes=minutes)
	remaining = float(minutes)
	day = start.date()
	for _day in range(HORIZON_DAYS * 2):
		if day not in calendar.holidays:
			for p_start, p_end in calendar.day_periods():
				a = max(start, datetime.combine(day, datetime.min.time()) + timedelta(minutes=p_start))
				b = datetime.combine(day, datetime.min.time()) + timedelta(minutes=p_end)
				if b <= a:
					continue
				take = min(remaining, (b - a).total_seconds() / 60)
				remaining -= take
				if remaining <= P.EPS:
					return a + timedelta(minutes=take)
		day += timedelta(days=1)
	return start + timedelta(minutes=minutes)


def _working_minutes(calendar: R.Calendar | None, start: datetime, end: datetime) -> int:
	if calendar is None:
		return int((end - start).total_seconds() // 60)
	return int(round(sum(P.working_minutes_by_day(calendar, start, end).values())))


# =============================================================================== late operations


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
		and P.is_late(
			P.OperationProgress(
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
				ST.IN_PRODUCTION,
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
		_notify(
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


@exception_detector(D.LATE_OPERATION)
def detect_late_operations(sales_orders: list[str], facts: ScanFacts) -> list[D.ExceptionSpec]:
	"""Orders with an operation past its scheduled end (plus the grace in Settings) and not done:
	the open Job Cards of their submitted Work Orders, as `check_late_operations` sees them. The
	exception points at the job card longest late and lists them all. One query."""
	candidates = [so for so in sales_orders if facts.trackers[so].stage not in ST.TERMINAL_STAGES]
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
			P.OperationProgress(
				r.name, flt(r.for_quantity), flt(r.total_completed_qty), get_datetime(r.expected_end_date)
			)
		)
	specs = []
	for so, ops in sorted(by_order.items()):
		late = P.late_operations(ops, now, grace)
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
			D.ExceptionSpec(
				D.LATE_OPERATION,
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


def _notify(users: list[str], doc, subject: str):
	"""A System Notification (the desk's bell) to each user."""
	from frappe.desk.doctype.notification_log.notification_log import enqueue_create_notification

	users = [u for u in users if u]
	if not users:
		return
	enqueue_create_notification(
		users,
		{
			"type": "Alert",
			"document_type": doc.doctype,
			"document_name": doc.name,
			"subject": subject,
			"from_user": "Administrator",
		},
	)

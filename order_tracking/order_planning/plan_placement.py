"""Placing a plan's work on capacity: the work orders each line needs (`build_jobs`), a week plan
scheduled operation by operation on the workstations' calendars around the work already
released (`schedule_week`, `core.scheduling`), a month or quarter plan placed day by day on the
review's capacity ledger (`place_on_ledger`)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, getdate

from order_tracking.core import planning, review, scheduling, scheduling_cpsat
from order_tracking.order_planning.shop_floor import (
	HORIZON_DAYS,
	JOB_CARD_DONE,
	WO_OPEN,
	working_minutes,
	workstations_by_type,
)


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
	made: list[review.MadeQty]
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


def late_days(state: LineState) -> int:
	if not state.planned_end or not state.line.delivery_date:
		return 0
	return max((state.planned_end.date() - getdate(state.line.delivery_date)).days, 0)


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


def op_id(job: Job, n: int) -> str:
	return f"{job.id}:{n}"


def _job_ops(job: Job, calendars, by_type, gap: int, release: int) -> list[scheduling.Op]:
	"""A job's operations in routing order: each waits for the previous step (operations of one
	BOM sharing a sequence id run side by side)."""
	result: list[scheduling.Op] = []
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
				scheduling.Op(
					op_id(job, n),
					job.id,
					stations or (op["workstation"] or op["workstation_type"] or "",),
					int(op["minutes"]),
					after=tuple(previous),
					gap=gap if previous else 0,
				)
			)
			current.append(op_id(job, n))
		previous = current
	return result


def schedule_week(states: list[LineState], ctx: dict) -> scheduling.Schedule | None:
	"""Operation by operation on the workstations' calendars, from now, around released work."""
	calendars = ctx["calendars"]
	horizon_start = ctx["horizon_start"]
	jobs, ops = line_jobs_and_ops(states, ctx)
	released_jobs, released_ops = released_jobs_and_ops(ctx["released"], calendars)
	jobs.extend(released_jobs)
	ops.extend(released_ops)
	problem = scheduling.Problem(horizon_start, calendars, tuple(jobs), tuple(ops), horizon_days=HORIZON_DAYS)
	schedule = scheduling_cpsat.solve(problem, ctx.get("time_limit", 10.0), ctx.get("workers", 2))
	warn_unscheduled(states, schedule, ctx["warnings"])
	set_line_placements(states, schedule, problem, calendars)
	ctx["schedule"] = schedule
	ctx["problem"] = problem
	return schedule


def line_jobs_and_ops(states: list[LineState], ctx: dict) -> tuple[list[scheduling.Job], list[scheduling.Op]]:
	"""The scheduler's jobs and operations of the lines: each released when its materials are
	complete, due at the end of its delivery date, sub-assemblies before what uses them."""
	calendars = ctx["calendars"]
	horizon_start, now = ctx["horizon_start"], ctx["now"]
	by_type = workstations_by_type(calendars)
	gap = cint(frappe.db.get_single_value("Manufacturing Settings", "mins_between_operations"))
	now_minutes = int((now - horizon_start).total_seconds() // 60)
	jobs: list[scheduling.Job] = []
	ops: list[scheduling.Op] = []
	for state in states:
		line = state.line
		due = planning.end_of_day_minutes(getdate(line.delivery_date), horizon_start)
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
		weight = planning.priority_weight(line.priority)
		last_of: dict[str, list[str]] = {}
		first_of: dict[str, list[str]] = {}
		for job in state.jobs:
			job_ops = _job_ops(job, calendars, by_type, gap, release)
			jobs.append(scheduling.Job(job.id, due, weight, release=release))
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
	return jobs, ops


def released_jobs_and_ops(
	released: list[dict], calendars
) -> tuple[list[scheduling.Job], list[scheduling.Op]]:
	"""Work already released, as fixed blocks the scheduler places around."""
	jobs: list[scheduling.Job] = []
	ops: list[scheduling.Op] = []
	for r in released:
		jobs.append(scheduling.Job(r["id"], r["end_minutes"] + 60 * 24 * 365, 0.0))
		ops.append(
			scheduling.Op(
				r["id"],
				r["id"],
				(r["workstation"],),
				working_minutes(calendars.get(r["workstation"]), r["start"], r["end"]),
				fixed_start=r["start_minutes"],
				fixed_end=r["end_minutes"],
				fixed_workstation=r["workstation"],
				fixed_unit=r["unit"],
			)
		)
	return jobs, ops


def warn_unscheduled(states: list[LineState], schedule: scheduling.Schedule, warnings: Warnings):
	"""A warning for each of the lines' operations the scheduler could not place, with why."""
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
				op_names[op_id(job, n)] = (job, op)
	for unscheduled_id, reason in sorted(schedule.unscheduled.items()):
		if unscheduled_id in op_names:
			job, op = op_names[unscheduled_id]
			warnings.add(
				"Fail" if reason != "predecessor_unscheduled" else "Warn",
				f"#{job.line.idx} {job.item_code}",
				_("Operation {0} on {1} is not scheduled: {2}").format(
					op["operation"], op["workstation"] or op["workstation_type"], reasons.get(reason, reason)
				),
			)


def set_line_placements(states: list[LineState], schedule: scheduling.Schedule, problem, calendars):
	"""Each line's planned start and end, tardiness and working minutes by workstation and day."""
	for state in states:
		starts, ends = [], []
		for job in state.jobs:
			for n, _op in enumerate(job.ops):
				p = schedule.placements.get(op_id(job, n))
				if p is None:
					continue
				start_dt, end_dt = schedule.at(problem, p.start), schedule.at(problem, p.end)
				starts.append(start_dt)
				ends.append(end_dt)
				days = planning.working_minutes_by_day(calendars[p.workstation], start_dt, end_dt)
				per_ws = state.placed_by_day.setdefault(p.workstation, {})
				for day, minutes in days.items():
					per_ws[day] = per_ws.get(day, 0.0) + minutes
		top = next((j for j in state.jobs if j.parent is None), None)
		state.planned_start = min(starts) if starts else None
		state.planned_end = max(ends) if ends else None
		state.tardiness = float(schedule.tardiness.get(top.id, 0)) if top else 0.0


def place_on_ledger(states: list[LineState], ctx: dict) -> None:
	"""Month and quarter plans: each line's load placed day by day on the review's capacity ledger,
	earliest-due first, after the work already released."""
	today = ctx["today"]
	calendars = ctx["calendars"]
	ledger = review.CapacityLedger(list(calendars.values()), today)
	ctx["committed_by_day"] = {}
	for ws, minutes in sorted(ctx["committed"].items()):
		if ws in calendars:
			_finish, placed = ledger.place([ws], minutes, today)
			ctx["committed_by_day"].update(planning.ledger_days(today, placed))
	for state in states:
		due = getdate(state.line.delivery_date)
		outcome = review.check_capacity(
			state.made, ctx["tree"].operations, ledger, due, start=state.materials_on
		)
		state.placed_by_day = planning.ledger_days(today, outcome.placed)
		days = sorted({d for per in state.placed_by_day.values() for d in per})
		state.planned_start = datetime.combine(days[0], datetime.min.time()) if days else None
		state.planned_end = (
			datetime.combine(days[-1], datetime.max.time().replace(microsecond=0)) if days else None
		)
		if outcome.completion is None and state.minutes > planning.EPS:
			state.tardiness = float(review.HORIZON_DAYS * planning.MINUTES_PER_DAY)
		elif outcome.completion and outcome.completion > due:
			state.tardiness = float((outcome.completion - due).days * planning.MINUTES_PER_DAY)
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

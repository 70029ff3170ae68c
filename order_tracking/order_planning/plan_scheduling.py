"""Scheduling an Order Plan (`schedule_plan`): the material check (review's model) per line in
due order, then capacity (`plan_placement`); lines are allocated to stock, production or
outsourcing (`core.planning.allocate`), and the plan gets its tables (`plan_tables`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import frappe
from frappe import _
from frappe.utils import cint, flt, get_datetime, getdate, now_datetime

from order_tracking.core import planning, review
from order_tracking.order_planning.plan_lines import plan_period
from order_tracking.order_planning.plan_placement import (
	LineState,
	Warnings,
	build_jobs,
	late_days,
	place_on_ledger,
	released_work,
	schedule_week,
)
from order_tracking.order_planning.plan_tables import (
	write_capacity,
	write_lines,
	write_materials,
	write_operations,
	write_warnings,
)
from order_tracking.order_planning.shop_floor import PLAN
from order_tracking.order_tracking import review as review_data
from order_tracking.order_tracking.settings import get_settings


def schedule_plan(plan, now: datetime | None = None) -> None:
	"""Check materials, place the work on capacity, allocate lines and fill the plan's tables."""
	now = get_datetime(now or now_datetime())
	today = now.date()
	settings = get_settings()
	start, end = plan_period(plan)
	plan.to_date = end
	plan.parent_plan = find_parent_plan(plan)
	warnings = Warnings()
	items = lines_to_check(plan, end)
	tree, lines, needs, need_by = check_line_materials(plan, items, end, today, warnings)
	calendars, committed_load = review_data.workstation_capacity(
		plan.company, tree.workstations, tree.workstation_types, today
	)
	calendars = {c.workstation: c for c in calendars}
	calendar_warnings(calendars, tree, warnings)
	set_line_jobs(lines, tree, cint(settings.sub_assembly_work_orders), warnings)

	horizon_start = datetime.combine(today, datetime.min.time())
	released = released_work(list(calendars), horizon_start, now) if plan.period_type == planning.WEEK else []
	place = schedule_week if plan.period_type == planning.WEEK else place_on_ledger
	context = dict(
		calendars=calendars,
		horizon_start=horizon_start,
		now=now,
		today=today,
		tree=tree,
		committed=committed_load,
		released=released,
		warnings=warnings,
		# the first pass only decides what is made in-house: a quarter of the time
		time_limit=scheduler_time_limit(settings) / 4,
		workers=cint(settings.scheduler_workers) or 2,
	)

	in_house = [s for s in lines if s.jobs and s.line.allocation not in (planning.SKIP,)]
	place(in_house, context)
	allocate_lines(plan, lines, calendars, settings, start, end)
	# second pass: what production really makes, without what goes to stock or outside
	produced = [s for s in lines if s.line.allocation == planning.PRODUCTION and s.jobs]
	clear_placement(lines, tree)
	context["warnings"] = warnings
	context["time_limit"] = scheduler_time_limit(settings)
	context.pop("schedule", None)
	place(produced, context)
	set_engine(plan, context.get("schedule"))

	write_lines(plan, lines, now)
	write_operations(plan, produced, context)
	write_capacity(plan, lines, calendars, context, start, end)
	write_materials(plan, needs, need_by, lines)
	write_warnings(plan, warnings, lines)
	plan.scheduled_at = now
	if plan.docstatus == 0:
		plan.status = "Scheduled"


def scheduler_time_limit(settings) -> float:
	return flt(settings.scheduler_time_limit) or 10.0


def engine_label(engine: str) -> str:
	labels = {
		"heuristic": _("Heuristic"),
		"cp-sat": _("CP-SAT (exact)"),
		"cp-sat windows": _("CP-SAT on windows of the heuristic's schedule"),
	}
	return labels.get(engine, engine)


def set_engine(plan, schedule) -> None:
	"""Which engine made the week plan's schedule, how long it took, and how good it is proven."""
	if schedule is None:
		plan.scheduling_engine, plan.scheduling_seconds = None, 0
		plan.proven_optimal, plan.tardiness_bound, plan.optimality_gap = 0, 0, 0
		return
	plan.scheduling_engine = engine_label(schedule.engine)
	plan.scheduling_seconds = round(schedule.seconds, 2)
	plan.proven_optimal = cint(schedule.optimal)
	plan.tardiness_bound = schedule.bound or 0
	plan.optimality_gap = round(100 * schedule.gap, 2) if schedule.gap is not None else 0


def lines_to_check(plan, end: date) -> list:
	"""The plan's lines to check and place, earliest due first; the others get their remark."""
	for i in plan.items:
		if flt(i.qty) <= planning.EPS:
			i.allocation, i.remarks = planning.SKIP, _("Nothing left to deliver")
		elif i.allocation_by_planner and i.allocation == planning.SKIP:
			i.remarks = _("Left out by the planner")
	# what the planner left out is neither checked nor placed
	return sorted(
		(
			i
			for i in plan.items
			if flt(i.qty) > planning.EPS and not (i.allocation_by_planner and i.allocation == planning.SKIP)
		),
		key=lambda i: (getdate(i.delivery_date or end), -planning.priority_weight(i.priority), i.idx),
	)


def check_line_materials(plan, items: list, end: date, today: date, warnings: Warnings):
	"""The review's material check line by line in due order on one ledger: each line's state
	(what it makes, when its materials are complete, what stock covers) and the plan's needs."""
	tree = review_data.bom_tree({i.item_code: i.bom_no for i in items})
	own = defaultdict(float)
	for i in items:
		own[i.item_code] += flt(i.qty)
	supply = review_data.material_supply(plan.company, tree.items, dict(own))
	ledger = review.MaterialLedger(supply, today)
	lines: list[LineState] = []
	needs: dict[str, review.MaterialNeed] = {}
	need_by: dict[str, date] = {}
	for i in items:
		due = getdate(i.delivery_date or end)
		outcome = review.check_materials(
			[review.MaterialLine(i.idx, i.item_code, flt(i.qty), due)],
			tree.boms,
			tree.default_bom,
			tree.stock_items,
			ledger,
		)
		for r in outcome.results:
			if r.result == review.FAIL and r.code in ("bom_missing", "bom_cycle"):
				warnings.add("Fail", f"#{i.idx} {i.item_code}", review_data.result_detail(r))
		cover = stock_cover(i, outcome, tree, warnings)
		add_needs(needs, need_by, outcome, i.item_code, due)
		lines.append(LineState(i, outcome.made, outcome.materials_complete_on, max(cover, 0.0)))
	return tree, lines, needs, need_by


def stock_cover(i, outcome, tree, warnings: Warnings) -> float:
	"""What stock covers of a line: what it need not make (an item without a BOM: what it takes)."""
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
	return cover


def add_needs(needs: dict[str, review.MaterialNeed], need_by: dict[str, date], outcome, item_code, due):
	"""A line's material needs added to the plan's, with the earliest date a shortage is needed."""
	for code, n in outcome.needs.items():
		if code == item_code:
			continue
		total = needs.setdefault(code, review.MaterialNeed(code))
		total.required += n.required
		total.available += n.available
		total.shortage += n.shortage
		total.complete = total.complete and n.complete
		if n.covered_on:
			total.covered_on = max(total.covered_on or n.covered_on, n.covered_on)
		if n.shortage > planning.EPS:
			need_by[code] = min(need_by.get(code, due), due)


def set_line_jobs(lines: list[LineState], tree, separate: int, warnings: Warnings):
	"""Each line's work orders and minutes; a BOM without operations is warned about."""
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


def allocate_lines(plan, lines: list[LineState], calendars, settings, start: date, end: date):
	"""Each line to stock, production or outsourcing (`core.planning.allocate`), with its remark."""
	capacity_minutes = sum(
		planning.bucket_capacity(c, b)
		for c in calendars.values()
		for b in planning.buckets(plan.period_type, start, end)
	)
	allocations = planning.allocate(
		[
			planning.LineFacts(
				s.line.name or str(s.line.idx),
				flt(s.line.qty),
				s.stock_cover,
				s.minutes,
				s.tardiness,
				planning.priority_weight(s.line.priority),
				s.line.allocation if s.line.allocation_by_planner else None,
			)
			for s in lines
		],
		capacity_minutes,
		flt(settings.outsource_share),
	)
	for s in lines:
		a = allocations[s.line.name or str(s.line.idx)]
		s.line.allocation, s.line.from_stock_qty, s.line.production_qty = (
			a.allocation,
			a.from_stock_qty,
			a.production_qty,
		)
		if s.line.allocation == planning.OUTSOURCE and s.planned_end:
			s.line.remarks = _("Made in-house it would end on {0}, {1} days late").format(
				frappe.format(s.planned_end, {"fieldtype": "Datetime"}), late_days(s)
			)
		elif s.line.allocation == planning.FROM_STOCK:
			s.line.remarks = _("Stock covers it: goes to delivery")


def clear_placement(lines: list[LineState], tree):
	"""Forget the first pass's placement; a production line with nothing to make is not planned."""
	for s in lines:
		s.planned_start = s.planned_end = None
		s.tardiness, s.placed_by_day = 0.0, {}
	for s in lines:
		if (
			s.line.allocation == planning.PRODUCTION
			and not s.jobs
			and s.line.item_code not in tree.default_bom
		):
			s.line.allocation = planning.SKIP


def calendar_warnings(calendars: dict[str, review.Calendar], tree, warnings: Warnings):
	for ws, cal in sorted(calendars.items()):
		if cal.minutes_per_day <= planning.EPS:
			warnings.add("Fail", ws, str(review_data.MESSAGES["no_working_hours"]).format(ws))
		if not cal.holiday_list:
			warnings.add("Warn", ws, str(review_data.MESSAGES["no_holiday_list"]).format(ws))
	for ws in sorted(tree.workstations - set(calendars)):
		warnings.add("Fail", ws, str(review_data.MESSAGES["workstation_unknown"]).format(ws))


def find_parent_plan(plan) -> str | None:
	parent_type = planning.PARENT_PERIOD.get(plan.period_type)
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

"""Writing a scheduled plan's tables: its lines' load and dates, the operations with their times,
the capacity table (workstation by bucket, against what the higher plan reserved), product
families, material shortages and warnings."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import frappe
from frappe import _
from frappe.utils import flt, getdate

from order_tracking.core import planning, review
from order_tracking.order_planning.plan_placement import LineState, Warnings, late_days, op_id
from order_tracking.order_planning.shop_floor import PLAN


def write_lines(plan, lines: list[LineState], now: datetime):
	for s in lines:
		row = s.line
		row.load_hours = round(s.minutes / 60, 2) if row.allocation == planning.PRODUCTION else 0.0
		row.planned_start = s.planned_start
		row.planned_end = s.planned_end
		row.late_days = late_days(s) if row.allocation == planning.PRODUCTION else 0
		if row.allocation == planning.PRODUCTION and s.planned_end and row.late_days:
			row.remarks = _("Ends {0} days after its due date").format(row.late_days)
		elif row.allocation == planning.PRODUCTION:
			row.remarks = None
	production = [s for s in lines if s.line.allocation == planning.PRODUCTION]
	plan.total_lines = len(plan.items)
	plan.total_qty = sum(flt(i.qty) for i in plan.items)
	plan.load_hours = round(sum(s.minutes for s in production) / 60, 2)
	plan.late_lines = sum(1 for s in production if s.line.late_days)
	plan.weighted_tardiness_days = round(
		sum(planning.priority_weight(s.line.priority) * s.line.late_days for s in production), 2
	)
	ends = [s.planned_end for s in production if s.planned_end]
	plan.last_operation_end = max(ends) if ends else None
	plan.outsource_candidates = sum(1 for i in plan.items if i.allocation == planning.OUTSOURCE)


def write_operations(plan, production: list[LineState], ctx: dict):
	plan.set("operations", [])
	schedule, problem = ctx.get("schedule"), ctx.get("problem")
	if plan.period_type != planning.WEEK or schedule is None:
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
				p = schedule.placements.get(op_id(job, n))
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


def write_capacity(plan, lines, calendars, ctx, start: date, end: date):
	all_buckets = planning.buckets(plan.period_type, start, end)
	planned: dict[str, dict[date, float]] = defaultdict(dict)
	for s in lines:
		if s.line.allocation != planning.PRODUCTION:
			continue
		for ws, days in s.placed_by_day.items():
			for day, minutes in days.items():
				planned[ws][day] = planned[ws].get(day, 0.0) + minutes
	if plan.period_type == planning.WEEK:
		committed: dict[str, dict[date, float]] = defaultdict(dict)
		for r in ctx["released"]:
			for day, minutes in planning.working_minutes_by_day(
				calendars[r["workstation"]], r["start"], r["end"]
			).items():
				committed[r["workstation"]][day] = committed[r["workstation"]].get(day, 0.0) + minutes
	else:
		committed = ctx.get("committed_by_day", {})
	reserved = _parent_reservation(plan, all_buckets)
	used = set(planned) | {ws for ws, days in committed.items() if days} | set(reserved)
	shown = {ws: cal for ws, cal in calendars.items() if ws in used}
	rows = planning.capacity_table(shown, all_buckets, committed, planned, reserved)
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

	family_rows = planning.family_table(
		[
			(s.line.item_group or _("(no family)"), flt(s.line.production_qty), _merge_days(s.placed_by_day))
			for s in lines
			if s.line.allocation == planning.PRODUCTION
		],
		all_buckets,
	)
	if plan.parent_plan:
		family_rows = planning.against_parent(family_rows, _parent_families(plan.parent_plan), all_buckets)
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


def _parent_reservation(plan, all_buckets: list[planning.Bucket]) -> dict[str, dict[str, float]]:
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
		bucket = planning.Bucket(r.bucket, getdate(r.bucket_start), getdate(r.bucket_end))
		for b in all_buckets:
			overlap = bucket.overlap_days(b.start, b.end)
			if overlap:
				result[r.workstation][b.label] += flt(r.planned_hours) * 60 * overlap / bucket.days()
	return {ws: dict(v) for ws, v in result.items()}


def _parent_families(parent_plan: str) -> list[planning.FamilyRow]:
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
				planning.FamilyRow(
					r.item_group or _("(no family)"),
					planning.Bucket(r.bucket, start, end),
					flt(r.qty),
					flt(r.load_hours) * 60,
				)
			)
	return result


def write_materials(plan, needs: dict[str, review.MaterialNeed], need_by: dict[str, date], lines):
	plan.set("materials", [])
	uoms = dict(
		frappe.get_all(
			"Item", filters={"name": ("in", list(needs) or [""])}, fields=["name", "stock_uom"], as_list=True
		)
	)
	short = [n for n in needs.values() if n.shortage > planning.EPS]
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


def write_warnings(plan, warnings: Warnings, lines: list[LineState]):
	for s in lines:
		if s.line.allocation == planning.PRODUCTION and s.line.late_days:
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

"""What a submitted week plan makes (`create_work_orders`, in the background for large plans):
ERPNext Work Orders with the schedule's times on their operations and Job Cards, and a Material
Request for the shortages — all or nothing. Cancelling the plan cancels what has not started
(`cancel_created`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.utils import cint, flt, get_datetime, getdate, now_datetime

from order_tracking.core import planning
from order_tracking.order_planning.shop_floor import PLAN, PlanError, notify, set_job_card_times
from order_tracking.order_tracking.settings import get_settings
from order_tracking.order_tracking.tracking import one_refresh


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
	short = [m for m in plan.materials if flt(m.shortage_qty) > planning.EPS]
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
		notify([doc.owner], doc, _("Work orders of {0} were not created: {1}").format(plan, reason[:200]))
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
	from order_tracking.outsourcing.outsourced_work_orders import open_outsourcing_of_work_orders

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

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, getdate

from order_tracking.core import planning
from order_tracking.order_planning import plan_lines, plan_scheduling, work_orders
from order_tracking.order_planning.shop_floor import PlanError
from order_tracking.order_tracking.settings import get_settings
from order_tracking.order_tracking.tracking import refresh_trackers


class OrderPlan(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_tracking.order_planning.doctype.order_plan_capacity.order_plan_capacity import (
			OrderPlanCapacity,
		)
		from order_tracking.order_planning.doctype.order_plan_family.order_plan_family import OrderPlanFamily
		from order_tracking.order_planning.doctype.order_plan_item.order_plan_item import OrderPlanItem
		from order_tracking.order_planning.doctype.order_plan_material.order_plan_material import (
			OrderPlanMaterial,
		)
		from order_tracking.order_planning.doctype.order_plan_operation.order_plan_operation import (
			OrderPlanOperation,
		)
		from order_tracking.order_planning.doctype.order_plan_warning.order_plan_warning import (
			OrderPlanWarning,
		)

		amended_from: DF.Link | None
		cancel_report: DF.SmallText | None
		capacity: DF.Table[OrderPlanCapacity]
		company: DF.Link
		customer: DF.Link | None
		due_from: DF.Date | None
		due_to: DF.Date | None
		failure_reason: DF.SmallText | None
		families: DF.Table[OrderPlanFamily]
		from_date: DF.Date
		item_group: DF.Link | None
		items: DF.Table[OrderPlanItem]
		last_operation_end: DF.Datetime | None
		late_lines: DF.Int
		load_hours: DF.Float
		material_requests_created: DF.Int
		materials: DF.Table[OrderPlanMaterial]
		max_utilisation_pct: DF.Percent
		min_priority: DF.Literal["", "Low", "Normal", "High", "Urgent"]
		naming_series: DF.Literal["OP-.YYYY.-"]
		operations: DF.Table[OrderPlanOperation]
		optimality_gap: DF.Percent
		outsource_candidates: DF.Int
		parent_plan: DF.Link | None
		period_type: DF.Literal["Week", "Month", "Quarter"]
		proven_optimal: DF.Check
		scheduled_at: DF.Datetime | None
		scheduling_engine: DF.Data | None
		scheduling_seconds: DF.Float
		shortage_items: DF.Int
		status: DF.Literal[
			"Draft",
			"Scheduled",
			"Submitted",
			"Creating Work Orders",
			"Work Orders Created",
			"Failed",
			"Cancelled",
		]
		tardiness_bound: DF.Float
		title: DF.Data | None
		to_date: DF.Date | None
		total_lines: DF.Int
		total_qty: DF.Float
		warnings: DF.Table[OrderPlanWarning]
		weeks: DF.Int
		weighted_tardiness_days: DF.Float
		work_order_progress: DF.Percent
		work_orders_created: DF.Int

	# end: auto-generated types
	def validate(self):
		self.validate_period()
		self.validate_lines()
		self.set_title()
		if self.docstatus == 0 and self.status not in ("Draft", "Scheduled"):
			self.status = "Draft"

	def validate_period(self):
		if self.period_type == planning.WEEK and not 1 <= cint(self.weeks) <= 3:
			frappe.throw(_("Weeks: a week plan covers 1 to 3 weeks"), exc=PlanError, title=_("Invalid Weeks"))
		start, end = plan_lines.plan_period(self)
		self.from_date, self.to_date = start, end
		if self.due_from and self.due_to and getdate(self.due_from) > getdate(self.due_to):
			frappe.throw(
				_("Due From {0} is after Due To {1}").format(
					frappe.format(self.due_from, {"fieldtype": "Date"}),
					frappe.format(self.due_to, {"fieldtype": "Date"}),
				),
				exc=PlanError,
				title=_("Invalid Due Window"),
			)

	def validate_lines(self):
		seen = {}
		before = self.get_doc_before_save()
		old = {i.name: i.allocation for i in before.items} if before else {}
		for row in self.items:
			if not row.sales_order_item:
				frappe.throw(
					_("Row {0}: add lines with Get Orders, not by hand").format(row.idx),
					exc=PlanError,
					title=_("Invalid Line"),
				)
			if row.sales_order_item in seen:
				frappe.throw(
					_("Row {0}: the same order line as row {1} ({2}, {3})").format(
						row.idx, seen[row.sales_order_item], row.sales_order, row.item_code
					),
					exc=PlanError,
					title=_("Duplicate Line"),
				)
			seen[row.sales_order_item] = row.idx
			if row.name in old and old[row.name] != row.allocation:
				row.allocation_by_planner = 1

	def set_title(self):
		self.title = f"{_(self.period_type)} {planning.period_label(self.period_type, getdate(self.from_date), getdate(self.to_date))}"

	def before_submit(self):
		self.lock_orders_and_check_not_planned()
		plan_scheduling.schedule_plan(self)
		self.validate_can_submit()
		self.status = "Submitted"

	def lock_orders_and_check_not_planned(self):
		"""Lock the plan's orders (two planners submitting at once serialise here), then refuse lines
		another submitted plan of this period already committed."""
		orders = sorted({i.sales_order for i in self.items if i.allocation != planning.SKIP})
		if orders:
			so = frappe.qb.DocType("Sales Order")
			frappe.qb.from_(so).select(so.name).where(so.name.isin(orders)).for_update().run()
		taken = plan_lines.committed_elsewhere(
			self, [i.sales_order_item for i in self.items if i.allocation != planning.SKIP]
		)
		if taken:
			rows = [i for i in self.items if i.sales_order_item in taken]
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

	def validate_can_submit(self):
		fails = [w for w in self.warnings if w.level == "Fail"]
		if fails:
			frappe.throw(
				_("Fix these first, or set the lines they concern to Not Planned: {0}").format(
					"; ".join(f"{w.subject}: {w.message}" for w in fails)
				),
				exc=PlanError,
				title=_("The Plan Cannot Be Submitted"),
			)
		if not any(i.allocation != planning.SKIP for i in self.items):
			frappe.throw(
				_("The plan has no lines to plan: get orders first"),
				exc=PlanError,
				title=_("Nothing to Plan"),
			)

	def on_submit(self):
		if self.period_type == planning.WEEK and self.operations:
			jobs = {op.job for op in self.operations}
			if len(jobs) > (cint(get_settings().plan_background_threshold) or 50):
				self.enqueue_work_orders()
				return  # the job refreshes the orders' trackers when it has made the work orders
			work_orders.create_work_orders(self)
		# what the plan gives from stock counts for the orders' stages at once
		refresh_trackers({i.sales_order for i in self.items})

	def enqueue_work_orders(self):
		self.db_set({"status": "Creating Work Orders", "work_order_progress": 0, "failure_reason": None})
		frappe.enqueue(
			"order_tracking.order_planning.work_orders.create_work_orders_job",
			queue="long",
			timeout=3600,
			job_id=f"order_plan_work_orders::{self.name}",
			deduplicate=True,
			enqueue_after_commit=True,
			plan=self.name,
		)

	def before_cancel(self):
		# what the plan made is dealt with in on_cancel: cancelled when it has not started
		self.ignore_linked_doctypes = ("Work Order", "Material Request", "Daily Schedule", "Job Card")

	def on_cancel(self):
		left = work_orders.cancel_created(self)
		self.db_set({"status": "Cancelled", "cancel_report": "\n".join(left) or None})
		refresh_trackers({i.sales_order for i in self.items})
		if left:
			frappe.msgprint(
				_("These have started and stay as they are: {0}").format(", ".join(left)),
				title=_("Not Cancelled"),
				indicator="orange",
			)

	@frappe.whitelist()
	def get_orders(self) -> int:
		"""Fill the lines with the orders the filters select, then schedule them."""
		self.check_plan_permission()
		self.validate_period()
		count = self.set_lines_from_orders()
		if count:
			plan_scheduling.schedule_plan(self)
		self.set_title()
		return count

	def set_lines_from_orders(self) -> int:
		"""Fill the plan's lines with the pending lines its filters select (keeping the planner's own
		allocations for lines already there)."""
		kept = {i.sales_order_item: i for i in self.items if i.allocation_by_planner}
		self.set("items", [])
		for r in plan_lines.pending_lines(self):
			row = self.append("items", {k: r[k] for k in r})
			if r.sales_order_item in kept:
				row.allocation = kept[r.sales_order_item].allocation
				row.allocation_by_planner = 1
		return len(self.items)

	@frappe.whitelist()
	def schedule(self):
		"""Check materials and capacity again with the lines as they are."""
		self.check_plan_permission()
		self.validate_period()
		plan_scheduling.schedule_plan(self)
		self.set_title()

	@frappe.whitelist()
	def retry_work_orders(self):
		"""Create the work orders of a submitted plan again after a failure."""
		frappe.has_permission("Order Plan", "submit", self, throw=True)
		if self.docstatus != 1 or self.status != "Failed":
			frappe.throw(_("Only a submitted plan whose work orders failed can retry"), exc=PlanError)
		self.enqueue_work_orders()

	def check_plan_permission(self):
		if self.docstatus != 0:
			frappe.throw(_("A submitted plan cannot change: amend it"), exc=PlanError)
		frappe.has_permission("Order Plan", "write" if not self.is_new() else "create", self, throw=True)


def on_doctype_update():
	frappe.db.add_index("Order Plan", ["company", "period_type", "from_date"])

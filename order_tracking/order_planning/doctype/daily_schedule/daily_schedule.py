# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import add_days, cint

from order_tracking.order_planning.daily_schedule import build_daily_schedule
from order_tracking.order_planning.shop_floor import PlanError


class DailySchedule(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_tracking.order_planning.doctype.daily_schedule_operation.daily_schedule_operation import (
			DailyScheduleOperation,
		)

		company: DF.Link
		days: DF.Int
		from_date: DF.Date
		generated_at: DF.Datetime | None
		in_progress_count: DF.Int
		late_count: DF.Int
		operations: DF.Table[DailyScheduleOperation]
		operations_count: DF.Int
		status: DF.Literal["Current", "Superseded"]
		to_date: DF.Date | None
		week_plan: DF.Link | None
		workstations_count: DF.Int

	# end: auto-generated types
	def autoname(self):
		abbr = frappe.get_cached_value("Company", self.company, "abbr") or self.company
		self.name = f"DS-{abbr}-{self.from_date}"

	def validate(self):
		self.validate_days()
		self.set_to_date()

	def validate_days(self):
		if not 1 <= cint(self.days) <= 3:
			frappe.throw(
				_("Days: a daily schedule covers 1 to 3 days"),
				exc=PlanError,
				title=_("Invalid Days"),
			)

	def set_to_date(self):
		self.to_date = add_days(self.from_date, cint(self.days) - 1)

	def set_counts(self):
		"""What the dispatch list holds: operations, workstations, operations in progress, late ones."""
		self.operations_count = len(self.operations)
		self.workstations_count = len({r.workstation for r in self.operations})
		self.in_progress_count = sum(1 for r in self.operations if r.kept_in_place)
		self.late_count = sum(1 for r in self.operations if r.status == "Late")

	@frappe.whitelist()
	def regenerate(self):
		"""Schedule the company's open work orders again from now and rewrite today's list."""
		frappe.has_permission("Daily Schedule", "write", self, throw=True)
		doc = build_daily_schedule(self.company, days=cint(self.days))
		return doc.name


def on_doctype_update():
	frappe.db.add_index("Daily Schedule", ["company", "from_date"])

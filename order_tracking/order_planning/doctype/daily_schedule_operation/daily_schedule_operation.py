# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class DailyScheduleOperation(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		due_date: DF.Date | None
		item_code: DF.Link | None
		job_card: DF.Link | None
		kept_in_place: DF.Check
		operation: DF.Link | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		planned_end: DF.Datetime | None
		planned_start: DF.Datetime | None
		qty: DF.Float
		sales_order: DF.Link | None
		sequence: DF.Int
		status: DF.Literal["Not Started", "In Progress", "Late"]
		work_order: DF.Link | None
		workstation: DF.Link | None
	# end: auto-generated types
	pass

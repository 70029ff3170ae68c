# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class OrderPlanOperation(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		bom_no: DF.Link | None
		item_code: DF.Link | None
		job: DF.Data | None
		job_card: DF.Link | None
		line_no: DF.Int
		minutes: DF.Float
		operation: DF.Link | None
		parent: DF.Data
		parent_job: DF.Data | None
		parentfield: DF.Data
		parenttype: DF.Data
		plan_item: DF.Data | None
		planned_end: DF.Datetime | None
		planned_start: DF.Datetime | None
		qty: DF.Float
		sales_order: DF.Link | None
		work_order: DF.Link | None
		workstation: DF.Link | None
	# end: auto-generated types
	pass

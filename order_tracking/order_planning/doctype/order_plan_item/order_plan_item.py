# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class OrderPlanItem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		allocation: DF.Literal["Production", "From Stock", "Outsource Candidate", "Not Planned"]
		allocation_by_planner: DF.Check
		bom_no: DF.Link | None
		customer: DF.Link | None
		delivery_date: DF.Date | None
		from_stock_qty: DF.Float
		item_code: DF.Link | None
		item_group: DF.Link | None
		item_name: DF.Data | None
		late_days: DF.Float
		load_hours: DF.Float
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		planned_end: DF.Datetime | None
		planned_start: DF.Datetime | None
		priority: DF.Literal["Low", "Normal", "High", "Urgent"]
		production_qty: DF.Float
		qty: DF.Float
		remarks: DF.SmallText | None
		sales_order: DF.Link
		sales_order_item: DF.Data | None
		stock_uom: DF.Link | None
		work_order: DF.Link | None
	# end: auto-generated types
	pass

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class OutsourcingOrderItem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		accepted_qty: DF.Float
		amount: DF.Currency
		bom_no: DF.Link | None
		fg_warehouse: DF.Link | None
		fresh_received_qty: DF.Float
		item_code: DF.Link
		item_name: DF.Data | None
		job_card: DF.Link | None
		operation: DF.Link | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		pending_qty: DF.Float
		plan_item: DF.Data | None
		purchase_order_item: DF.Data | None
		qty: DF.Float
		rate: DF.Currency
		rejected_qty: DF.Float
		rework_out_qty: DF.Float
		sales_order: DF.Link | None
		sales_order_item: DF.Data | None
		sent_at: DF.Datetime | None
		sent_qty: DF.Float
		service_item: DF.Link | None
		stock_uom: DF.Link | None
		subcontracting_order_item: DF.Data | None
		work_order: DF.Link | None
	# end: auto-generated types
	pass

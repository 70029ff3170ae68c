# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class OutsourcingReceiptItem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		accepted_qty: DF.Float
		amount: DF.Currency
		item_code: DF.Link | None
		job_card: DF.Link | None
		job_card_submitted: DF.Check
		job_card_time_log: DF.Data | None
		operation: DF.Link | None
		order_item: DF.Data
		outstanding_qty: DF.Float
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		rate: DF.Currency
		rejected_qty: DF.Float
		rework_qty: DF.Float
		sales_order: DF.Link | None
		work_order: DF.Link | None
	# end: auto-generated types
	pass

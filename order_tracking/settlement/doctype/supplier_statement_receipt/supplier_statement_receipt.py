# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class SupplierStatementReceipt(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		accepted_qty: DF.Float
		amount: DF.Currency
		days_late: DF.Int
		item_code: DF.Link | None
		late_penalty: DF.Currency
		net_amount: DF.Currency
		operation: DF.Link | None
		outsourcing_order: DF.Link | None
		outsourcing_receipt: DF.Link
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		posting_date: DF.Date | None
		purchase_order: DF.Link | None
		purchase_order_item: DF.Data | None
		rate: DF.Currency
		receipt_item: DF.Data | None
		reject_deduction: DF.Currency
		rejected_qty: DF.Float
		sales_order: DF.Link | None
		settled_receipt_item: DF.Data | None
	# end: auto-generated types
	pass

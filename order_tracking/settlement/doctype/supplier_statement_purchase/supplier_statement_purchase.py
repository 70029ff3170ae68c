# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class SupplierStatementPurchase(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		grand_total: DF.Currency
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		per_billed: DF.Percent
		posting_date: DF.Date | None
		purchase_invoices: DF.SmallText | None
		purchase_receipt: DF.Link | None
		status: DF.Data | None
	# end: auto-generated types
	pass

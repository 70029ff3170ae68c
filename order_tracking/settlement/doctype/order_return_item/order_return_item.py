# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class OrderReturnItem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amount: DF.Currency
		delivered_qty: DF.Float
		dn_detail: DF.Data | None
		item_code: DF.Link
		item_name: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		qty: DF.Float
		rate: DF.Currency
		returned_qty: DF.Float
		so_detail: DF.Data | None
		stock_uom: DF.Link | None
		warehouse: DF.Link | None
	# end: auto-generated types
	pass

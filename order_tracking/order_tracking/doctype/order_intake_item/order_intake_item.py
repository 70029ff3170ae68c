# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class OrderIntakeItem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		currency: DF.Link | None
		customer_item_code: DF.Data | None
		delivery_date: DF.Date | None
		item_code: DF.Link | None
		item_name: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		qty: DF.Float
		rate: DF.Currency
		rate_from_price_list: DF.Check
		received_item: DF.Data | None
		sales_order_item: DF.Data | None
		uom: DF.Link | None
	# end: auto-generated types
	pass

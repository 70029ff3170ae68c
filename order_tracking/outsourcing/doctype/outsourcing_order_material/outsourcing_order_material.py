# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class OutsourcingOrderMaterial(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		for_item: DF.Link | None
		item_code: DF.Link | None
		order_item: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		qty: DF.Float
		returned_qty: DF.Float
		sent_qty: DF.Float
		source_warehouse: DF.Link | None
		stock_uom: DF.Link | None
	# end: auto-generated types
	pass

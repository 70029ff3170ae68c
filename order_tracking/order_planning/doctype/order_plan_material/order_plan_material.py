# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class OrderPlanMaterial(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		available_qty: DF.Float
		covered_on: DF.Date | None
		item_code: DF.Link | None
		material_request: DF.Link | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		required_by: DF.Date | None
		required_qty: DF.Float
		shortage_qty: DF.Float
		stock_uom: DF.Link | None
	# end: auto-generated types
	pass

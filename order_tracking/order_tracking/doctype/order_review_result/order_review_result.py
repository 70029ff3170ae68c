# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class OrderReviewResult(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		available_qty: DF.Float
		capacity_hours: DF.Float
		check: DF.Literal["Order", "Material", "Capacity"]
		code: DF.Data | None
		detail: DF.SmallText | None
		item_code: DF.Link | None
		load_hours: DF.Float
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		required_qty: DF.Float
		result: DF.Literal["Pass", "Warn", "Fail"]
		shortage_qty: DF.Float
		subject: DF.Data | None
		supply_date: DF.Date | None
		utilisation_pct: DF.Percent
		workstation: DF.Link | None
	# end: auto-generated types
	pass

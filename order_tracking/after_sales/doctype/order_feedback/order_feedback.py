# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document


class OrderFeedback(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		comment: DF.SmallText | None
		customer: DF.Link
		customer_name: DF.Data | None
		rated_by: DF.Link | None
		rating: DF.Int
		sales_order: DF.Link
		source: DF.Literal["Portal", "Link"]
	# end: auto-generated types
	"""A customer's rating of a delivered order, written only by
	`order_tracking.after_sales.feedback.rate_order`; named by its order, so that the primary key
	keeps an order to one rating even when two requests race."""


def on_doctype_update():
	frappe.db.add_index("Order Feedback", ["customer", "creation"])

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class OrderTracker(Document):
	"""Where one Sales Order stands. Derived from the order's documents by
	`order_tracking.order_tracking.tracking.refresh_trackers`; never edited by hand."""

	def validate(self):
		frappe.throw(
			_("Order Trackers are kept up to date by the system and cannot be edited"),
			title=_("Not Editable"),
		)


def on_doctype_update():
	frappe.db.add_index("Order Tracker", ["stage", "promised_date"])

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class OrderEventImmutableError(frappe.ValidationError):
	pass


class OrderEvent(Document):
	"""One thing that happened to an order. Append-only: events are never changed or deleted;
	a cancelled document writes a cancellation event instead."""

	def validate(self):
		if not self.is_new():
			frappe.throw(
				_("Order Event {0} cannot be changed: add a new event instead").format(self.name),
				exc=OrderEventImmutableError,
				title=_("Timeline Is Append-Only"),
			)
		self.source = self.source or "Manual"
		self.user = frappe.session.user
		self.customer = frappe.db.get_value("Sales Order", self.sales_order, "customer")

	def after_insert(self):
		from order_tracking.order_tracking.tracking import refresh_trackers

		refresh_trackers([self.sales_order])

	def on_trash(self):
		if not (frappe.flags.in_uninstall or self.flags.deleting_order):
			frappe.throw(
				_("Order Event {0} cannot be deleted: the timeline is append-only").format(self.name),
				exc=OrderEventImmutableError,
				title=_("Timeline Is Append-Only"),
			)


def on_doctype_update():
	frappe.db.add_index("Order Event", ["sales_order", "occurred_at"])
	frappe.db.add_index("Order Event", ["reference_doctype", "reference_name"])

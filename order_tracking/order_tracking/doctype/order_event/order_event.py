# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class OrderEventImmutableError(frappe.ValidationError):
	pass


class OrderEvent(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amount: DF.Currency
		currency: DF.Link | None
		customer: DF.Link | None
		event: DF.Data
		is_cancellation: DF.Check
		name: DF.Int | None
		occurred_at: DF.Datetime
		planned_at: DF.Datetime | None
		qty: DF.Float
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		remarks: DF.SmallText | None
		sales_order: DF.Link
		source: DF.Literal["Manual", "Document", "Intake", "Review", "Carrier", "Job", "Backfill"]
		stage: DF.Literal[
			"Received",
			"Under Review",
			"Approved",
			"Planned",
			"In Production",
			"Ready to Ship",
			"Shipped",
			"Delivered",
			"Billed",
			"Paid",
			"Closed",
			"Cancelled",
		]
		user: DF.Link | None
	# end: auto-generated types
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

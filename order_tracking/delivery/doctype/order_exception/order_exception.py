# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from order_tracking.core import delivery

# what only the scan sets (users acknowledge and resolve, with a note)
SYSTEM_FIELDS = (
	"kind",
	"sales_order",
	"customer",
	"owner_role",
	"detail",
	"reference_doctype",
	"reference_name",
)


class OrderExceptionError(frappe.ValidationError):
	pass


class OrderException(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		acknowledged_at: DF.Datetime | None
		acknowledged_by: DF.Link | None
		customer: DF.Link | None
		detail: DF.SmallText | None
		kind: DF.Literal[
			"At Risk",
			"Overdue",
			"Material Shortage",
			"Shipment Exception",
			"Late Operation",
			"Late Outsourcing Return",
			"Overdue Receivable",
			"Quality Hold",
			"Complaint SLA Breached",
		]
		open_key: DF.Data | None
		opened_at: DF.Datetime | None
		opened_on: DF.Date | None
		owner_role: DF.Link | None
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		resolution: DF.SmallText | None
		resolved_at: DF.Datetime | None
		resolved_by: DF.Link | None
		sales_order: DF.Link
		status: DF.Literal["Open", "Acknowledged", "Resolved"]
	# end: auto-generated types
	"""Something wrong with an order, noticed early: one per order and kind while unresolved,
	Open → Acknowledged → Resolved. The hourly scan opens, updates and resolves them
	(`order_tracking.order_tracking.exceptions.scan_order_exceptions`); users acknowledge them, or resolve
	them by hand with a note."""

	def validate(self):
		if self.is_new():
			self.set_defaults()
		else:
			self.validate_handling_only()
		self.set_open_key()

	def set_defaults(self):
		now = now_datetime()
		self.status = self.status or delivery.OPEN
		self.opened_at = self.opened_at or now
		self.opened_on = self.opened_on or self.opened_at
		self.owner_role = self.owner_role or delivery.OWNER_ROLES.get(self.kind)
		self.customer = frappe.db.get_value("Sales Order", self.sales_order, "customer")

	def validate_handling_only(self):
		before = self.get_doc_before_save()
		if not before:
			return
		if before.status == delivery.RESOLVED and self.status != delivery.RESOLVED:
			frappe.throw(
				_("Order Exception {0} is resolved: a new one opens if the problem comes back").format(
					self.name
				),
				exc=OrderExceptionError,
				title=_("Exception Resolved"),
			)
		if (
			self.status == delivery.RESOLVED
			and before.status != delivery.RESOLVED
			and not (self.resolution or "").strip()
		):
			frappe.throw(
				_("Note what was done about the exception before resolving it"),
				exc=OrderExceptionError,
				title=_("Note Missing"),
			)
		for fieldname in SYSTEM_FIELDS:
			if (self.get(fieldname) or "") != (before.get(fieldname) or ""):
				frappe.throw(
					_("{0} of an Order Exception is set by the system and cannot be changed").format(
						_(self.meta.get_label(fieldname))
					),
					exc=OrderExceptionError,
					title=_("Not Editable"),
				)

	def set_open_key(self):
		# one unresolved exception per order and kind (unique key); resolved ones keep their own
		self.open_key = self.name if self.status == delivery.RESOLVED else delivery.OPEN_KEY

	def on_update(self):
		if self.has_value_changed("status") and self.status == delivery.RESOLVED and not self.is_new():
			self.record_resolution()

	def record_resolution(self):
		from order_tracking.order_tracking.exceptions import (
			EXCEPTION_RESOLVED,
			insert_exception_events,
			sync_tracker_exceptions,
		)
		from order_tracking.order_tracking.settings import tracking_paused

		if not tracking_paused():
			tracker = frappe.db.get_value(
				"Order Tracker", self.sales_order, ["name", "stage", "customer"], as_dict=True
			)
			if tracker:
				remarks = _("{0}: {1}").format(_(self.kind, context="Order Exception"), self.resolution or "")
				insert_exception_events(
					[(self.sales_order, EXCEPTION_RESOLVED, self.name, remarks)],
					{self.sales_order: tracker},
					now_datetime(),
				)
		sync_tracker_exceptions([self.sales_order])

	@frappe.whitelist(methods=["POST"])
	def acknowledge(self, note: str | None = None):
		"""Someone is on it."""
		self.check_permission("write")
		if self.status != delivery.OPEN:
			frappe.throw(
				_("Only an open exception can be acknowledged; {0} is {1}").format(
					self.name, _(self.status, context="Order Exception")
				),
				exc=OrderExceptionError,
			)
		self.status = delivery.ACKNOWLEDGED
		self.acknowledged_by = frappe.session.user
		self.acknowledged_at = now_datetime()
		if note:
			self.resolution = note
		self.save()

	@frappe.whitelist(methods=["POST"])
	def resolve(self, note: str | None = None):
		"""Resolved by hand, with what was done (the scan opens a new one if the problem stays)."""
		self.check_permission("write")
		note = (note or self.resolution or "").strip()
		if self.status == delivery.RESOLVED:
			frappe.throw(
				_("Order Exception {0} is already resolved").format(self.name), exc=OrderExceptionError
			)
		self.status = delivery.RESOLVED
		self.resolution = note
		self.resolved_by = frappe.session.user
		self.resolved_at = now_datetime()
		self.save()


def on_doctype_update():
	frappe.db.add_unique(
		"Order Exception", ["sales_order", "kind", "open_key"], constraint_name="unique_open_exception"
	)
	frappe.db.add_index("Order Exception", ["status", "kind"])

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document

UNIQUE_NOTIFICATION = "unique_customer_notification"


class CustomerNotificationLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		customer: DF.Link | None
		event_key: DF.Data
		kind: DF.Literal["Order Confirmation", "Shipment", "Delay", "Delivery", "Feedback Request"]
		language: DF.Link | None
		name: DF.Int | None
		notification: DF.Link | None
		recipient: DF.Data | None
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		sales_order: DF.Link
		sent_at: DF.Datetime | None
	# end: auto-generated types
	"""One e-mail queued to a customer about their order. Written by
	`order_tracking.customer_portal.notifications` before the e-mail is queued; the unique index on
	order + kind + event key is what keeps an event from being announced twice."""


def on_doctype_update():
	frappe.db.add_unique(
		"Customer Notification Log",
		["sales_order", "kind", "event_key"],
		constraint_name=UNIQUE_NOTIFICATION,
	)

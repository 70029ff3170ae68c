# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class CarrierEventImmutableError(frappe.ValidationError):
	pass


class CarrierEvent(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		at: DF.Datetime
		carrier: DF.Link
		detail: DF.SmallText | None
		event_id: DF.Data
		expected_arrival: DF.Datetime | None
		flag_reason: DF.SmallText | None
		location: DF.Data | None
		match_status: DF.Literal["Unmatched", "Matched", "Flagged"]
		matched_at: DF.Datetime | None
		moved_shipment: DF.Check
		name: DF.Int | None
		payload: DF.Code | None
		received_at: DF.Datetime | None
		sales_orders: DF.SmallText | None
		shipment: DF.Link | None
		status: DF.Literal[
			"Picked Up",
			"In Transit",
			"Out for Delivery",
			"Delivered",
			"Failed Attempt",
			"Exception",
			"Returned",
		]
		waybill: DF.Data
	# end: auto-generated types
	"""One event a carrier sent, kept as received. Written by the webhook
	(`order_tracking.api.carrier.receive_event`) and matched to its Shipment by the system; never
	edited."""

	def validate(self):
		if not self.is_new():
			frappe.throw(
				_("Carrier Event {0} is kept as the carrier sent it and cannot be changed").format(self.name),
				exc=CarrierEventImmutableError,
				title=_("Not Editable"),
			)


def on_doctype_update():
	frappe.db.add_unique("Carrier Event", ["carrier", "event_id"], constraint_name="unique_carrier_event_id")
	frappe.db.add_index("Carrier Event", ["carrier", "waybill", "match_status"])
	frappe.db.add_index("Carrier Event", ["shipment", "at"])

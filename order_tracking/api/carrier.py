"""Carrier events: the signed webhook carriers post to, and what desk forms show of them.

`POST /api/method/order_tracking.api.carrier.receive_event` — the only method of the app open to
guests: the carrier's signature is its credential. Headers
`X-Order-Tracking-Timestamp: <unix seconds>` and
`X-Order-Tracking-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the
carrier's secret>`; body `{"carrier", "event_id", "waybill", "status", "at", "location"?,
"expected_arrival"?, "detail"?}`. Answers, in `message`:

- 200 `{"duplicate": false, "carrier_event", "match": "Matched" | "Unmatched" | "Flagged", "shipment"}`;
- 200 `{"duplicate": true, "carrier_event"}` for an event already received (nothing written);
- 401 unsigned, wrongly signed, unknown or disabled carrier, timestamp more than 5 minutes off;
- 413 body over 64 KiB; 400 malformed body; 422 unknown status. Nothing is stored on a refusal.
"""

from __future__ import annotations

import frappe

from order_tracking.delivery import carrier_events, carriers, status
from order_tracking.utils import retry_on_deadlock


@frappe.whitelist(allow_guest=True, methods=["POST"])
def receive_event() -> dict:
	# No session to check: the carrier's signature over the raw body is checked before anything
	# is read from the body or written (delivery.receive_carrier_event).
	request = frappe.request
	body = request.get_data(cache=True) or b""
	timestamp = request.headers.get(carriers.TIMESTAMP_HEADER)
	signature = request.headers.get(carriers.SIGNATURE_HEADER)
	return retry_on_deadlock(lambda: carrier_events.receive_carrier_event(body, timestamp, signature))


@frappe.whitelist(methods=["GET"])
def get_carrier_events(shipment: str | None = None, sales_order: str | None = None) -> dict:
	"""The carrier's events of a Shipment, or of the Shipments of a Sales Order (newest first),
	with those Shipments' tracking."""
	frappe.has_permission("Carrier Event", "read", throw=True)
	if not shipment and not sales_order:
		frappe.throw(frappe._("Give a Shipment or a Sales Order"), exc=frappe.ValidationError)
	if shipment:
		frappe.has_permission("Shipment", "read", shipment, throw=True)
		shipments = [shipment]
		tracking = []
	else:
		frappe.has_permission("Sales Order", "read", sales_order, throw=True)
		tracking = status.shipments_of_order(sales_order)
		shipments = [s.shipment for s in tracking]
	return {"shipments": tracking, "events": carrier_events.carrier_events(shipments)}

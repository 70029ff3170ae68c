"""Shipment hooks of the Delivery module: a Shipment with one of the Logistics Carriers gets its
waybill checked and its tracking page, and on submit picks up the events its carrier already
sent for its waybill."""

from order_tracking.delivery.carrier_events import match_waiting_events
from order_tracking.delivery.carriers import validate_shipment


def validate(doc, method=None):
	validate_shipment(doc)


def on_submit(doc, method=None):
	match_waiting_events(doc)

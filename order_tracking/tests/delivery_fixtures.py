"""Fixtures of the Delivery module's integration tests (its test_*.py files, the portal's
notification tests and the webhook benchmark)."""

import json
import random
import time

import frappe
from frappe.utils import add_days, nowdate

from order_tracking.core import delivery
from order_tracking.demo_delivery import make_address, make_carrier, make_parcel_template
from order_tracking.tests.utils import COMPANY, CUSTOMER, LACE, make_fixtures, make_order, tracker

CARRIER = "_OT Express"
OTHER_CARRIER = "_OT Freight"
SECRET = "ot-test-secret-0123456789abcdef"
OTHER_SECRET = "ot-other-secret-0123456789abcdef"
WAYBILL_PATTERN = r"OT\d{8}"
TRACKING_PAGE = "https://track.example/ot?no={waybill}"
PARCEL = "_OT Parcel"
TEST_ADDRESS = {"address_line1": "1 Harbour Road", "city": "Mumbai", "country": "India"}


def make_delivery_fixtures():
	"""Carriers, a parcel template and the addresses a Shipment needs (idempotent)."""
	make_fixtures()
	make_carrier(CARRIER, SECRET, WAYBILL_PATTERN, TRACKING_PAGE)
	make_carrier(OTHER_CARRIER, OTHER_SECRET)
	make_parcel_template(PARCEL, weight=5)
	for link_doctype, link_name, address_type, flags in (
		("Company", COMPANY, "Billing", {"is_your_company_address": 1}),
		("Customer", CUSTOMER, "Shipping", {"is_shipping_address": 1}),
	):
		make_address(
			link_doctype,
			link_name,
			address_type,
			{"address_title": f"{link_name} {address_type}", **TEST_ADDRESS},
			**flags,
		)


def ready_order(qty=4, days=10):
	"""A submitted order Ready to Ship: bought-in laces, nothing to make."""
	so = make_order(
		items=[{"item_code": LACE, "qty": qty, "rate": 5, "delivery_date": add_days(nowdate(), days)}]
	)
	assert tracker(so.name).stage == "Ready to Ship"
	return so


def new_waybill():
	return f"OT{random.randint(10**7, 10**8 - 1)}"  # nosemgrep: test data, not security


def ship(so, waybill=None, carrier=CARRIER):
	"""Dispatch one order (Delivery Note, Packing Slip, Shipment) and return the Shipment."""
	from order_tracking.delivery.dispatch import dispatch_orders

	result = dispatch_orders(
		[{"sales_order": so.name, "waybill": waybill or new_waybill()}],
		carrier,
		parcel_template=PARCEL,
		use_pick_list=False,
	)
	return frappe.get_doc("Shipment", result["orders"][0]["shipment"])


def event_body(waybill, status="In Transit", event_id=None, carrier=CARRIER, **values) -> bytes:
	body = {
		"carrier": carrier,
		"event_id": event_id or frappe.generate_hash(length=12),
		"waybill": waybill,
		"status": status,
		"at": values.pop("at", None) or frappe.utils.now_datetime().isoformat(sep=" ", timespec="seconds"),
		**values,
	}
	return json.dumps(body).encode()


def signed(body: bytes, secret=SECRET, timestamp=None):
	"""(body, timestamp header, signature header) as a carrier sends them."""
	timestamp = str(int(time.time()) if timestamp is None else timestamp)
	return body, timestamp, delivery.sign(secret, timestamp, body)


def carrier_events(waybill):
	return frappe.get_all(
		"Carrier Event",
		filters={"waybill": waybill},
		fields=["name", "event_id", "status", "match_status", "shipment", "moved_shipment", "flag_reason"],
		order_by="name asc",
	)


def rollback_test(savepoint: str):
	"""Undo a test's writes (a savepoint taken in setUp), and the settings it cached."""
	frappe.set_user("Administrator")
	frappe.db.rollback(save_point=savepoint)
	frappe.clear_document_cache("Order Tracking Settings", "Order Tracking Settings")
	frappe.clear_document_cache("Logistics Carrier")

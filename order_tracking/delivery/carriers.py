"""Logistics carriers on the frappe side: the Shipment fields their events fill (set-up), the
webhook's address and headers, a carrier's secret, waybill patterns, and the Shipment's checks.

The rules themselves (signature, body, status mapping) are in `order_tracking.core.delivery`.
"""

from __future__ import annotations

import re

import frappe
from frappe import _
from frappe.utils import get_url
from frappe.utils.password import get_decrypted_password

from order_tracking.core import delivery

MODULE = "Delivery"
UNIQUE_CARRIER_EVENT = "unique_carrier_event_id"
UNIQUE_OPEN_EXCEPTION = "unique_open_exception"
WEBHOOK_PATH = "/api/method/order_tracking.api.carrier.receive_event"
TIMESTAMP_HEADER = "X-Order-Tracking-Timestamp"
SIGNATURE_HEADER = "X-Order-Tracking-Signature"


def add_indexes():
	"""Carrier events find their Shipment by waybill; the Dispatch List a carrier's day; an order's
	status, delivery exceptions and carrier events its shipments by delivery note (ERPNext indexes
	only the child row's parent)."""
	frappe.db.add_index("Shipment", ["awb_number", "carrier"])
	frappe.db.add_index("Shipment", ["carrier", "pickup_date"])
	frappe.db.add_index("Shipment Delivery Note", ["delivery_note"])


class CarrierAuthenticationError(frappe.AuthenticationError):
	"""Unsigned, wrongly signed, stale, or from an unknown carrier: nothing stored."""

	http_status_code = 401


class CarrierPayloadError(frappe.ValidationError):
	http_status_code = 400


class CarrierPayloadTooLargeError(frappe.ValidationError):
	http_status_code = 413


class UnknownCarrierStatusError(frappe.ValidationError):
	http_status_code = 422


class DispatchError(frappe.ValidationError):
	pass


def webhook_url() -> str:
	return get_url(WEBHOOK_PATH)


def waybill_matches(pattern: str | None, waybill: str) -> bool:
	return not pattern or re.fullmatch(pattern, waybill or "") is not None


def get_carrier(name: str | None):
	"""The enabled Logistics Carrier of that name, or None (from the document cache: a carrier's
	every event asks)."""
	if not name or not isinstance(name, str) or len(name) > delivery.MAX_ID_LENGTH:
		return None
	try:
		carrier = frappe.get_cached_doc("Logistics Carrier", name)
	except frappe.DoesNotExistError:
		frappe.clear_last_message()
		return None
	return carrier if carrier.enabled else None


UNKNOWN_CARRIER_SECRET = "-" * 32


# (site, carrier, modified) -> secret: decrypted once per process and carrier version
_secrets: dict[tuple, str] = {}


def carrier_secret(carrier) -> str:
	key = (frappe.local.site, carrier.name, str(carrier.modified))
	if key not in _secrets:
		if len(_secrets) > 256:
			_secrets.clear()
		_secrets[key] = (
			get_decrypted_password("Logistics Carrier", carrier.name, "webhook_secret", raise_exception=False)
			or ""
		)
	return _secrets[key]


def validate_waybill(carrier, waybill: str | None, label: str):
	if waybill and not waybill_matches(carrier.waybill_pattern, waybill):
		frappe.throw(
			_("{0} {1} is not a waybill of {2}: it must match {3}").format(
				label, frappe.bold(waybill), carrier.name, frappe.bold(carrier.waybill_pattern)
			),
			exc=DispatchError,
			title=_("Invalid Waybill"),
		)


def validate_shipment(doc):
	"""A Shipment naming one of the Logistics Carriers: its waybill must look like one of the
	carrier's, and its tracking page is the carrier's page for that waybill."""
	carrier = get_carrier(doc.carrier)
	if not carrier:
		return
	if doc.awb_number:
		doc.awb_number = doc.awb_number.strip()
		validate_waybill(carrier, doc.awb_number, _("AWB Number"))
		if not doc.tracking_url:
			doc.tracking_url = delivery.tracking_url(carrier.tracking_url_template, doc.awb_number)

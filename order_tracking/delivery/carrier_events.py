"""Carrier events (DL-2): a signed event from a Logistics Carrier is kept verbatim in the Carrier
Event log (unique on carrier + event id: a replay writes nothing), matched to the submitted
Shipment with its waybill, and applied: the Shipment's tracking status, the carrier's expected
arrival (the tracker's ETA) and, when the Settings say so, delivery itself. An event no
Shipment carries yet waits as Unmatched until the Shipment is submitted.

The rules themselves (signature, body, status mapping) are in `order_tracking.core.delivery`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import flt, get_datetime, get_system_timezone, now_datetime

from order_tracking.core import delivery
from order_tracking.delivery.carriers import (
	SIGNATURE_HEADER,
	TIMESTAMP_HEADER,
	UNIQUE_CARRIER_EVENT,
	UNKNOWN_CARRIER_SECRET,
	CarrierAuthenticationError,
	CarrierPayloadError,
	CarrierPayloadTooLargeError,
	UnknownCarrierStatusError,
	carrier_secret,
	get_carrier,
)
from order_tracking.order_tracking.events import EventSpec, insert_events
from order_tracking.order_tracking.exceptions import (
	scan_order_exceptions,
)
from order_tracking.order_tracking.settings import tracking_paused
from order_tracking.order_tracking.tracking import lock_trackers, record_events

CARRIER_EVENT = "Carrier Event"
MATCHED = "Matched"
UNMATCHED = "Unmatched"
FLAGGED = "Flagged"


def _auth_message(code: str) -> str:
	if code == delivery.MISSING_HEADERS:
		return _("Sign the request: headers {0} and {1} are required").format(
			TIMESTAMP_HEADER, SIGNATURE_HEADER
		)
	if code == delivery.BAD_TIMESTAMP:
		return _("{0} must be the time of signing in unix seconds").format(TIMESTAMP_HEADER)
	if code == delivery.STALE_TIMESTAMP:
		return _("{0} is more than 5 minutes away from the server's clock").format(TIMESTAMP_HEADER)
	return _("The signature does not match: unknown or disabled carrier, or wrong secret")


def _refuse(code: str):
	frappe.throw(_auth_message(code), exc=CarrierAuthenticationError, title=_("Not Signed"))


def _payload_error(e: delivery.PayloadError):
	field = e.field or ""
	messages = {
		delivery.NOT_JSON: lambda: _("The body is not JSON"),
		delivery.NOT_OBJECT: lambda: _("The body must be a JSON object"),
		delivery.REQUIRED: lambda: _("'{0}' is required").format(field),
		delivery.NOT_TEXT: lambda: _("'{0}' must be text").format(field),
		delivery.TOO_LONG: lambda: _("'{0}' is longer than {1} characters").format(field, *e.args_),
		delivery.NOT_DATETIME: lambda: _("'{0}' is not a date and time (ISO 8601, for example {1})").format(
			field, "2026-11-23T14:05:00+08:00"
		),
		delivery.UNKNOWN_STATUS: lambda: _("Unknown status {0}: use one of {1}").format(
			frappe.bold(e.args_[0] if e.args_ else ""), ", ".join(delivery.CARRIER_STATUSES)
		),
	}
	exc = UnknownCarrierStatusError if e.code == delivery.UNKNOWN_STATUS else CarrierPayloadError
	frappe.throw(messages[e.code](), exc=exc, title=_("Invalid Carrier Event"))


def receive_carrier_event(
	body: bytes, timestamp: str | None, signature: str | None, now: float | None = None
) -> dict:
	"""Check, store and apply one carrier event (the webhook's work; see `api.carrier`).

	Answers `{"duplicate", "carrier_event", "match", "shipment"}`. Refusals raise: 413 too large,
	401 not signed / stale / unknown carrier, 400 malformed, 422 unknown status.
	"""
	now = time.time() if now is None else now
	if len(body) > delivery.MAX_BODY_BYTES:
		frappe.throw(
			_("The body is larger than {0} bytes").format(delivery.MAX_BODY_BYTES),
			exc=CarrierPayloadTooLargeError,
			title=_("Invalid Carrier Event"),
		)
	refused = delivery.check_timestamp(timestamp, now) if signature else delivery.MISSING_HEADERS
	if refused:
		_refuse(refused)
	try:
		data = delivery.parse_json_object(body)
	except delivery.PayloadError as e:
		_payload_error(e)
	carrier = get_carrier(data.get("carrier"))
	# an unknown carrier costs the same HMAC as a known one, and gets the same answer
	secret = carrier_secret(carrier) if carrier else UNKNOWN_CARRIER_SECRET
	refused = delivery.check_signature(secret, timestamp, signature, body, now)
	if refused or not carrier:
		_refuse(refused or delivery.BAD_SIGNATURE)
	try:
		payload = delivery.validate_event(data, ZoneInfo(get_system_timezone()))
	except delivery.PayloadError as e:
		_payload_error(e)

	existing = frappe.db.get_value(CARRIER_EVENT, {"carrier": carrier.name, "event_id": payload.event_id})
	if existing:
		return {"duplicate": True, "carrier_event": existing}
	if not frappe.db.transaction_writes:
		# Nothing is written yet (as at the start of a request): start a fresh transaction, so
		# that the reads after the locks below see what concurrent events for the same Shipment
		# committed before them.
		frappe.db.rollback()
	return record_carrier_event(carrier.name, payload, body)


def record_carrier_event(carrier: str, payload: delivery.CarrierEventPayload, body: bytes | str) -> dict:
	"""Keep the event in the log (once: the unique index on carrier + event id decides under
	concurrency) and apply it to its Shipment. The Shipment, the orders it carries and their
	trackers are locked first, so the event is logged already matched, in one insert."""
	target = lock_target(carrier, payload.waybill)
	frappe.db.savepoint("carrier_event")
	try:
		event = frappe.get_doc(
			{
				"doctype": CARRIER_EVENT,
				"carrier": carrier,
				"event_id": payload.event_id,
				"waybill": payload.waybill,
				"status": payload.status,
				"at": payload.at,
				"location": payload.location,
				"expected_arrival": payload.expected_arrival,
				"detail": payload.detail,
				"payload": body.decode("utf-8") if isinstance(body, bytes) else body,
				"received_at": now_datetime(),
				**match_values(payload.at, target),
			}
		)
		# the carrier's signature was checked by the caller: it is the permission; the log row is
		# written as received (no validation or hooks to run on it)
		event.db_insert()
	except frappe.UniqueValidationError as e:
		if UNIQUE_CARRIER_EVENT not in str(e):
			raise
		# a concurrent request with the same event won the race
		frappe.db.rollback(save_point="carrier_event")
		frappe.clear_messages()
		ce = frappe.qb.DocType(CARRIER_EVENT)
		rows = (
			frappe.qb.from_(ce)
			.select(ce.name)
			.where((ce.carrier == carrier) & (ce.event_id == payload.event_id))
			.for_update()
			.run(pluck=True)
		)
		return {"duplicate": True, "carrier_event": rows[0] if rows else None}
	if event.match_status == MATCHED:
		apply_carrier_event(event, target)
	return {
		"duplicate": False,
		"carrier_event": event.name,
		"match": event.match_status,
		"shipment": event.shipment,
	}


@dataclass
class EventTarget:
	"""The Shipment an event is for, the orders it carries (qty of each) and their trackers —
	all locked."""

	shipment: frappe._dict | None = None
	orders: dict[str, float] = field(default_factory=dict)
	trackers: dict[str, frappe._dict] = field(default_factory=dict)


def lock_target(carrier: str, waybill: str) -> EventTarget:
	"""Lock the Shipment carrying this waybill — the submitted one, else a cancelled one (the
	event is then flagged), none when only drafts or nothing carry it (the event waits) — then
	the orders' lines it carries and their trackers, in that order (every writer of a tracker
	locks it last)."""
	sh = frappe.qb.DocType("Shipment")
	rows = (
		frappe.qb.from_(sh)
		.select(sh.name, sh.docstatus, sh.carrier_status, sh.carrier_status_at, sh.tracking_status)
		.where((sh.awb_number == waybill) & (sh.carrier == carrier) & (sh.docstatus > 0))
		.orderby(sh.creation)
		.for_update()
		.run(as_dict=True)
	)
	submitted = [r for r in rows if r.docstatus == 1]
	shipment = (submitted or rows or [None])[-1]
	return target_of(shipment, lock=True)


def target_of(shipment: frappe._dict | None, lock: bool = False) -> EventTarget:
	if not shipment or shipment.docstatus != 1:
		return EventTarget(shipment)
	orders = orders_of_shipments([shipment.name], lock=lock).get(shipment.name, {})
	trackers = lock_trackers(orders, ("name", "stage", "customer", "currency", "last_event_at"))
	return EventTarget(shipment, orders, trackers)


def match_values(at, target: EventTarget) -> dict:
	"""How a Carrier Event is logged against its target."""
	shipment = target.shipment
	if shipment is None:
		return {"match_status": UNMATCHED, "shipment": None, "sales_orders": None, "moved_shipment": 0}
	if shipment.docstatus == 2:
		return {
			"match_status": FLAGGED,
			"shipment": shipment.name,
			"flag_reason": _("Shipment {0} is cancelled: the event is kept and not applied").format(
				shipment.name
			),
			"matched_at": now_datetime(),
		}
	shown = get_datetime(shipment.carrier_status_at) if shipment.carrier_status_at else None
	return {
		"match_status": MATCHED,
		"shipment": shipment.name,
		"sales_orders": ", ".join(sorted(target.orders)),
		"moved_shipment": int(delivery.is_newer(get_datetime(at), shown)),
		"matched_at": now_datetime(),
		"flag_reason": None,
	}


def orders_of_shipments(shipments: list[str], lock: bool = False) -> dict[str, dict[str, float]]:
	"""Per Shipment: the Sales Orders its Delivery Notes carry, with the qty of each (stock UOM)."""
	if not shipments:
		return {}
	sdn = frappe.qb.DocType("Shipment Delivery Note")
	dni = frappe.qb.DocType("Delivery Note Item")
	query = (
		frappe.qb.from_(sdn)
		.join(dni)
		.on(dni.parent == sdn.delivery_note)
		.select(sdn.parent, dni.against_sales_order, dni.stock_qty)
		.where(sdn.parent.isin(shipments) & (sdn.parenttype == "Shipment"))
		.where(dni.against_sales_order.isnotnull() & (dni.against_sales_order != ""))
	)
	if lock:
		query = query.for_update()
	result: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
	for r in query.run(as_dict=True):
		result[r.parent][r.against_sales_order] += flt(r.stock_qty)
	return {k: dict(v) for k, v in result.items()}


def apply_carrier_event(event, target: EventTarget):
	"""Apply a matched event: the Shipment shows it when it is the carrier's latest, and it goes
	on the timeline of each order the Shipment carries. The orders' trackers are derived again
	only when the event changes their state (an expected arrival, delivered or returned goods);
	otherwise the tracker just takes it as its last event."""
	shipment = target.shipment
	was_trouble = delivery.is_shipment_exception(shipment.carrier_status)
	at = get_datetime(event.at)
	newer = bool(event.moved_shipment)
	tracking_status = delivery.TRACKING_STATUS[event.status]
	changes_state = newer and delivery.changes_order_state(
		shipment.tracking_status, tracking_status, bool(event.expected_arrival)
	)
	if newer:
		values = {
			"carrier_status": event.status,
			"carrier_status_at": at,
			"carrier_location": event.location,
			"tracking_status": tracking_status,
			"tracking_status_info": _status_info(event),
		}
		if event.expected_arrival:
			values["carrier_expected_arrival"] = event.expected_arrival
		if event.status == delivery.DELIVERED:
			values["carrier_delivered_at"] = at
		frappe.db.set_value("Shipment", shipment.name, values, update_modified=False)
		shipment.update(carrier_status=event.status, carrier_status_at=at, tracking_status=tracking_status)
	if not target.orders or tracking_paused():
		return
	specs = [
		EventSpec(
			so,
			delivery.TIMELINE_STAGES[event.status],
			delivery.TIMELINE_EVENTS[event.status],
			"Shipment",
			shipment.name,
			qty=qty if event.status == delivery.DELIVERED else 0.0,
			at=at,
			planned_at=event.expected_arrival,
			source="Carrier",
			remarks=" · ".join(
				p for p in (f"{event.carrier} {event.waybill}", event.location, event.detail) if p
			),
		)
		for so, qty in sorted(target.orders.items())
	]
	if changes_state:
		record_events(specs)
	else:
		_add_to_timelines(specs, target.trackers)
	if newer and (delivery.is_shipment_exception(event.status) or was_trouble):
		scan_order_exceptions(list(target.orders), kinds=[delivery.SHIPMENT_EXCEPTION], commit=False)


def _add_to_timelines(specs: list[EventSpec], trackers: dict[str, frappe._dict]):
	"""Timeline events that change nothing but the orders' last event."""
	for spec in specs:
		tracker = trackers.get(spec.sales_order)
		if not tracker:
			continue
		(name,) = insert_events([spec], {spec.sales_order: tracker})
		if not tracker.last_event_at or get_datetime(spec.at) >= get_datetime(tracker.last_event_at):
			frappe.db.set_value(
				"Order Tracker",
				spec.sales_order,
				{
					"last_event": name,
					"last_event_label": f"{spec.reference_doctype}: {spec.event}",
					"last_event_at": spec.at,
				},
				update_modified=False,
			)


def _status_info(event) -> str:
	text = " · ".join(p for p in (event.status, event.location, event.detail) if p)
	return text[:140]


def match_waiting_events(shipment) -> int:
	"""A Shipment submitted with a waybill picks up the events its carrier sent before it existed
	(Unmatched) or while its predecessor was cancelled (Flagged), oldest first."""
	if not shipment.awb_number or not shipment.carrier:
		return 0
	names = frappe.get_all(
		CARRIER_EVENT,
		filters={
			"carrier": shipment.carrier,
			"waybill": shipment.awb_number,
			"match_status": ("in", (UNMATCHED, FLAGGED)),
		},
		order_by="at asc, name asc",
		pluck="name",
		limit=1000,
	)
	if not names:
		return 0
	row = frappe._dict(
		name=shipment.name,
		docstatus=shipment.docstatus,
		carrier_status=shipment.get("carrier_status"),
		carrier_status_at=shipment.get("carrier_status_at"),
		tracking_status=shipment.get("tracking_status"),
	)
	target = target_of(row, lock=True)
	for name in names:
		event = frappe.get_doc(CARRIER_EVENT, name)
		event.db_set(match_values(event.at, target), update_modified=False)
		apply_carrier_event(event, target)
	return len(names)


def carrier_events(shipments: list[str], limit: int = 200) -> list[dict]:
	if not shipments:
		return []
	return frappe.get_all(
		CARRIER_EVENT,
		filters={"shipment": ("in", shipments)},
		fields=[
			"name",
			"shipment",
			"carrier",
			"waybill",
			"status",
			"at",
			"location",
			"expected_arrival",
			"detail",
			"moved_shipment",
			"received_at",
		],
		order_by="at desc, name desc",
		limit=limit,
	)


def has_carrier_event_permission(doc, ptype: str = "read", user: str | None = None) -> bool | None:
	"""`has_permission` hook of Carrier Event: it is read with the rights of its Shipment."""
	if doc.get("shipment") and not frappe.has_permission("Shipment", "read", doc.shipment, user=user):
		return False
	return None

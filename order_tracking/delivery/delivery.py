"""Delivery on the frappe side: dispatch (DL-1), carrier events (DL-2) and early warnings (TR-3).

- **Dispatch**: orders Ready to Ship become a Pick List (optional), a Delivery Note each, its
  Packing Slip and a Shipment naming the carrier and the waybill — all through ERPNext's own
  mappers, all or nothing.
- **Carrier events**: a signed event from a Logistics Carrier is kept verbatim in the Carrier
  Event log (unique on carrier + event id: a replay writes nothing), matched to the submitted
  Shipment with its waybill, and applied: the Shipment's tracking status, the carrier's expected
  arrival (the tracker's ETA) and, when the Settings say so, delivery itself. An event no
  Shipment carries yet waits as Unmatched until the Shipment is submitted.
- **Order exceptions**: detectors registered in hooks (`order_exception_detectors`) say which
  exceptions should be open for a batch of orders; the scan opens, updates and resolves exactly
  the kinds its detectors own, a fixed number of queries per batch whatever its size.

The rules themselves (signature, body, status mapping, when an order is late or short) are in
`order_tracking.core.delivery`.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Coalesce, Sum
from frappe.query_builder.utils import PseudoColumn
from frappe.utils import cint, flt, get_datetime, get_system_timezone, get_url, getdate, now_datetime
from frappe.utils.password import get_decrypted_password

from order_tracking.core import delivery as D
from order_tracking.core import stages as S
from order_tracking.core.review import ItemSupply
from order_tracking.order_tracking.events import EventSpec, insert_events
from order_tracking.order_tracking.exceptions import (
	ORDER_EXCEPTION,
	ScanFacts,
	exception_detector,
	format_qty,
	scan_order_exceptions,
)
from order_tracking.order_tracking.review import supply_by_company
from order_tracking.order_tracking.tracking import (
	get_settings,
	lock_trackers,
	one_refresh,
	record_events,
	tracking_paused,
)

MODULE = "Delivery"
CARRIER_EVENT = "Carrier Event"
UNIQUE_CARRIER_EVENT = "unique_carrier_event_id"
UNIQUE_OPEN_EXCEPTION = "unique_open_exception"
WEBHOOK_PATH = "/api/method/order_tracking.api.carrier.receive_event"
TIMESTAMP_HEADER = "X-Order-Tracking-Timestamp"
SIGNATURE_HEADER = "X-Order-Tracking-Signature"

MATCHED = "Matched"
UNMATCHED = "Unmatched"
FLAGGED = "Flagged"


# ============================================================================== set-up


def get_custom_fields() -> dict[str, list[dict]]:
	"""What the carrier's events show on ERPNext's Shipment, beside its own tracking fields."""
	common = {"read_only": 1, "allow_on_submit": 1, "no_copy": 1, "module": MODULE}
	return {
		"Shipment": [
			{
				"fieldname": "carrier_tracking_section",
				"label": "Carrier Tracking",
				"fieldtype": "Section Break",
				"insert_after": "tracking_status_info",
				"collapsible": 1,
				"module": MODULE,
			},
			{
				"fieldname": "carrier_status",
				"label": "Carrier Status",
				"fieldtype": "Select",
				"options": "\n" + "\n".join(D.CARRIER_STATUSES),
				"insert_after": "carrier_tracking_section",
				"in_standard_filter": 1,
				"translatable": 0,
				**common,
			},
			{
				"fieldname": "carrier_status_at",
				"label": "Carrier Status At",
				"fieldtype": "Datetime",
				"insert_after": "carrier_status",
				**common,
			},
			{
				"fieldname": "carrier_location",
				"label": "Last Location",
				"fieldtype": "Data",
				"insert_after": "carrier_status_at",
				**common,
			},
			{
				"fieldname": "carrier_tracking_column",
				"fieldtype": "Column Break",
				"insert_after": "carrier_location",
				"module": MODULE,
			},
			{
				"fieldname": "carrier_expected_arrival",
				"label": "Expected Arrival",
				"fieldtype": "Datetime",
				"insert_after": "carrier_tracking_column",
				**common,
			},
			{
				"fieldname": "carrier_delivered_at",
				"label": "Delivered At",
				"fieldtype": "Datetime",
				"insert_after": "carrier_expected_arrival",
				**common,
			},
		]
	}


def add_indexes():
	"""Carrier events find their Shipment by waybill; the Dispatch List a carrier's day."""
	frappe.db.add_index("Shipment", ["awb_number", "carrier"])
	frappe.db.add_index("Shipment", ["carrier", "pickup_date"])


# ============================================================================== errors


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


class OrderExceptionError(frappe.ValidationError):
	pass


# ============================================================================== carriers


def webhook_url() -> str:
	return get_url(WEBHOOK_PATH)


def waybill_matches(pattern: str | None, waybill: str) -> bool:
	return not pattern or re.fullmatch(pattern, waybill or "") is not None


def get_carrier(name: str | None):
	"""The enabled Logistics Carrier of that name, or None (from the document cache: a carrier's
	every event asks)."""
	if not name or not isinstance(name, str) or len(name) > D.MAX_ID_LENGTH:
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


# ============================================================================== carrier events


def _auth_message(code: str) -> str:
	if code == D.MISSING_HEADERS:
		return _("Sign the request: headers {0} and {1} are required").format(
			TIMESTAMP_HEADER, SIGNATURE_HEADER
		)
	if code == D.BAD_TIMESTAMP:
		return _("{0} must be the time of signing in unix seconds").format(TIMESTAMP_HEADER)
	if code == D.STALE_TIMESTAMP:
		return _("{0} is more than 5 minutes away from the server's clock").format(TIMESTAMP_HEADER)
	return _("The signature does not match: unknown or disabled carrier, or wrong secret")


def _refuse(code: str):
	frappe.throw(_auth_message(code), exc=CarrierAuthenticationError, title=_("Not Signed"))


def _payload_error(e: D.PayloadError):
	field = e.field or ""
	messages = {
		D.NOT_JSON: lambda: _("The body is not JSON"),
		D.NOT_OBJECT: lambda: _("The body must be a JSON object"),
		D.REQUIRED: lambda: _("'{0}' is required").format(field),
		D.NOT_TEXT: lambda: _("'{0}' must be text").format(field),
		D.TOO_LONG: lambda: _("'{0}' is longer than {1} characters").format(field, *e.args_),
		D.NOT_DATETIME: lambda: _("'{0}' is not a date and time (ISO 8601, for example {1})").format(
			field, "2026-11-23T14:05:00+08:00"
		),
		D.UNKNOWN_STATUS: lambda: _("Unknown status {0}: use one of {1}").format(
			frappe.bold(e.args_[0] if e.args_ else ""), ", ".join(D.CARRIER_STATUSES)
		),
	}
	exc = UnknownCarrierStatusError if e.code == D.UNKNOWN_STATUS else CarrierPayloadError
	frappe.throw(messages[e.code](), exc=exc, title=_("Invalid Carrier Event"))


def receive_carrier_event(
	body: bytes, timestamp: str | None, signature: str | None, now: float | None = None
) -> dict:
	"""Check, store and apply one carrier event (the webhook's work; see `api.carrier`).

	Answers `{"duplicate", "carrier_event", "match", "shipment"}`. Refusals raise: 413 too large,
	401 not signed / stale / unknown carrier, 400 malformed, 422 unknown status.
	"""
	now = time.time() if now is None else now
	if len(body) > D.MAX_BODY_BYTES:
		frappe.throw(
			_("The body is larger than {0} bytes").format(D.MAX_BODY_BYTES),
			exc=CarrierPayloadTooLargeError,
			title=_("Invalid Carrier Event"),
		)
	refused = D.check_timestamp(timestamp, now) if signature else D.MISSING_HEADERS
	if refused:
		_refuse(refused)
	try:
		data = D.parse_json_object(body)
	except D.PayloadError as e:
		_payload_error(e)
	carrier = get_carrier(data.get("carrier"))
	# an unknown carrier costs the same HMAC as a known one, and gets the same answer
	secret = carrier_secret(carrier) if carrier else UNKNOWN_CARRIER_SECRET
	refused = D.check_signature(secret, timestamp, signature, body, now)
	if refused or not carrier:
		_refuse(refused or D.BAD_SIGNATURE)
	try:
		payload = D.validate_event(data, ZoneInfo(get_system_timezone()))
	except D.PayloadError as e:
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


def record_carrier_event(carrier: str, payload: D.CarrierEventPayload, body: bytes | str) -> dict:
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
		"moved_shipment": int(D.is_newer(get_datetime(at), shown)),
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
	was_trouble = D.is_shipment_exception(shipment.carrier_status)
	at = get_datetime(event.at)
	newer = bool(event.moved_shipment)
	tracking_status = D.TRACKING_STATUS[event.status]
	changes_state = newer and D.changes_order_state(
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
		if event.status == D.DELIVERED:
			values["carrier_delivered_at"] = at
		frappe.db.set_value("Shipment", shipment.name, values, update_modified=False)
		shipment.update(carrier_status=event.status, carrier_status_at=at, tracking_status=tracking_status)
	if not target.orders or tracking_paused():
		return
	specs = [
		EventSpec(
			so,
			D.TIMELINE_STAGES[event.status],
			D.TIMELINE_EVENTS[event.status],
			"Shipment",
			shipment.name,
			qty=qty if event.status == D.DELIVERED else 0.0,
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
	if newer and (D.is_shipment_exception(event.status) or was_trouble):
		scan_order_exceptions(list(target.orders), kinds=[D.SHIPMENT_EXCEPTION], commit=False)


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


def shipments_of_order(sales_order: str) -> list[dict]:
	"""The order's submitted Shipments with carrier, waybill, tracking status and ETA."""
	sh = frappe.qb.DocType("Shipment")
	sdn = frappe.qb.DocType("Shipment Delivery Note")
	dni = frappe.qb.DocType("Delivery Note Item")
	return (
		frappe.qb.from_(sh)
		.join(sdn)
		.on(sdn.parent == sh.name)
		.join(dni)
		.on(dni.parent == sdn.delivery_note)
		.select(
			sh.name.as_("shipment"),
			sh.carrier,
			sh.awb_number.as_("waybill"),
			sh.tracking_status,
			sh.tracking_url,
			sh.carrier_status,
			sh.carrier_status_at,
			sh.carrier_location.as_("location"),
			sh.carrier_expected_arrival.as_("expected_arrival"),
			sh.carrier_delivered_at.as_("delivered_at"),
			sh.pickup_date,
			sh.status,
		)
		.distinct()
		.where(
			(dni.against_sales_order == sales_order) & (sh.docstatus == 1) & (sdn.parenttype == "Shipment")
		)
		.orderby(sh.creation)
		.limit(100)
		.run(as_dict=True)
	)


# ============================================================================== Shipment hooks


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
			doc.tracking_url = D.tracking_url(carrier.tracking_url_template, doc.awb_number)


# ============================================================================== dispatch


@dataclass
class DispatchLine:
	row: int
	sales_order: str
	waybill: str
	weight: float = 0.0


def parse_dispatch_lines(orders) -> list[DispatchLine]:
	if isinstance(orders, str):
		try:
			orders = frappe.parse_json(orders)
		except ValueError:
			orders = None
	if not isinstance(orders, list) or not orders:
		frappe.throw(
			_("'orders' must be a list of {0}").format('{"sales_order", "waybill", "weight"?}'),
			exc=DispatchError,
			title=_("Nothing to Dispatch"),
		)
	lines = []
	for idx, row in enumerate(orders, start=1):
		if not isinstance(row, dict):
			frappe.throw(_("Row {0}: must be an object").format(idx), exc=DispatchError)
		sales_order = (row.get("sales_order") or "").strip()
		waybill = (row.get("waybill") or "").strip()
		if not sales_order:
			frappe.throw(_("Row {0}: Sales Order is required").format(idx), exc=DispatchError)
		if not waybill:
			frappe.throw(
				_("Row {0}: Waybill is required for Sales Order {1}").format(idx, sales_order),
				exc=DispatchError,
			)
		try:
			weight = flt(row.get("weight") or 0)
		except (TypeError, ValueError):
			weight = -1
		if weight < 0:
			frappe.throw(_("Row {0}: Weight must be a positive number").format(idx), exc=DispatchError)
		lines.append(DispatchLine(idx, sales_order, waybill, weight))
	return lines


def dispatch_orders(
	orders,
	carrier: str,
	pickup_date: str | date | None = None,
	parcel_template: str | None = None,
	use_pick_list: bool | None = None,
) -> dict:
	"""Ship orders Ready to Ship with a carrier, all or nothing: a Pick List for all of them
	(when set), then per order a Delivery Note, its Packing Slip and a Shipment with the waybill.

	`orders`: `[{"sales_order", "waybill", "weight"?}]` (weight in the parcel's unit, else the
	Packing Slip's gross weight, else the parcel template's)."""
	settings = get_settings()
	lines = parse_dispatch_lines(orders)
	carrier_doc = get_carrier(carrier)
	if not carrier_doc:
		frappe.throw(
			_("Carrier {0} is not an enabled Logistics Carrier").format(frappe.bold(carrier)),
			exc=DispatchError,
			title=_("Unknown Carrier"),
		)
	template = parcel_template or settings.get("default_parcel_template")
	parcel = (
		frappe.db.get_value(
			"Shipment Parcel Template", template, ["length", "width", "height", "weight"], as_dict=True
		)
		if template
		else None
	)
	if template and not parcel:
		frappe.throw(_("Parcel Template {0} not found").format(template), exc=DispatchError)
	if use_pick_list is None:
		use_pick_list = bool(cint(settings.get("dispatch_with_pick_list")))
	_validate_dispatch(lines, carrier_doc, parcel)

	frappe.db.savepoint("dispatch_orders")
	try:
		# each order's Delivery Note and Shipment refresh its tracker once, at the end
		with one_refresh():
			pick_list = _make_pick_list([line.sales_order for line in lines]) if use_pick_list else None
			shipped = [
				_dispatch_order(line, carrier_doc, pick_list, parcel, getdate(pickup_date), settings)
				for line in lines
			]
	except Exception:
		# nothing half-written, also when the caller owns the transaction
		frappe.db.rollback(save_point="dispatch_orders")
		raise
	return {
		"carrier": carrier_doc.name,
		"pick_list": pick_list.name if pick_list else None,
		"orders": shipped,
	}


def _validate_dispatch(lines: list[DispatchLine], carrier, parcel):
	seen: dict[str, int] = {}
	orders_seen: dict[str, int] = {}
	for line in lines:
		if line.waybill in seen:
			frappe.throw(
				_("Row {0}: Waybill {1} is also given in row {2}").format(
					line.row, line.waybill, seen[line.waybill]
				),
				exc=DispatchError,
			)
		if line.sales_order in orders_seen:
			frappe.throw(
				_("Row {0}: Sales Order {1} is also given in row {2}").format(
					line.row, line.sales_order, orders_seen[line.sales_order]
				),
				exc=DispatchError,
			)
		seen[line.waybill] = line.row
		orders_seen[line.sales_order] = line.row
		validate_waybill(carrier, line.waybill, _("Row {0}: Waybill").format(line.row))
		if not parcel and not line.weight:
			frappe.throw(
				_(
					"Row {0}: give the parcel's Weight, or a Parcel Template (a default one can be set in Order Tracking Settings)"
				).format(line.row),
				exc=DispatchError,
				title=_("Parcel Missing"),
			)
	used = frappe.get_all(
		"Shipment",
		filters={"carrier": carrier.name, "awb_number": ("in", list(seen)), "docstatus": ("<", 2)},
		fields=["name", "awb_number"],
		limit=1,
	)
	if used:
		frappe.throw(
			_("Row {0}: Waybill {1} is already on Shipment {2}").format(
				seen[used[0].awb_number], used[0].awb_number, used[0].name
			),
			exc=DispatchError,
		)
	stages = dict(
		frappe.get_all(
			"Order Tracker",
			filters={"name": ("in", list(orders_seen))},
			fields=["name", "stage"],
			as_list=True,
		)
	)
	for line in lines:
		if not frappe.db.exists("Sales Order", line.sales_order) or not frappe.has_permission(
			"Sales Order", "read", line.sales_order
		):
			frappe.throw(
				_("Row {0}: no Sales Order {1} that you may see").format(line.row, line.sales_order),
				exc=frappe.PermissionError,
			)
		stage = stages.get(line.sales_order)
		if stage != S.READY_TO_SHIP:
			frappe.throw(
				_(
					"Row {0}: Sales Order {1} is at stage {2}: only orders Ready to Ship are dispatched"
				).format(line.row, line.sales_order, _(stage or S.RECEIVED, context="Order Tracker")),
				exc=DispatchError,
				title=_("Not Ready to Ship"),
			)


def _make_pick_list(sales_orders: list[str]):
	"""One Pick List for all the orders, through ERPNext's Sales Order → Pick List mapper."""
	from erpnext.selling.doctype.sales_order.sales_order import create_pick_list

	pick_list = None
	for so in sales_orders:
		pick_list = create_pick_list(so, target_doc=pick_list)
	pick_list.insert()
	pick_list.submit()
	return pick_list


def _dispatch_order(line: DispatchLine, carrier, pick_list, parcel, pickup_date: date, settings) -> dict:
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
	from erpnext.stock.doctype.delivery_note.delivery_note import make_packing_slip, make_shipment

	if pick_list:
		from erpnext.stock.doctype.pick_list.pick_list import create_dn_for_pick_lists

		dn = create_dn_for_pick_lists(pick_list.name, kwargs={"sales_order": line.sales_order})
	else:
		dn = make_delivery_note(line.sales_order)
	if not dn or not dn.get("items"):
		frappe.throw(
			_("Row {0}: Sales Order {1} has nothing left to deliver").format(line.row, line.sales_order),
			exc=DispatchError,
		)
	dn.insert()

	packing_slip = make_packing_slip(dn.name)
	packing_slip.insert()
	packing_slip.submit()
	dn.reload()
	dn.submit()

	shipment = make_shipment(dn.name)
	_fill_shipment(shipment, dn, line, carrier, parcel, packing_slip, pickup_date, settings)
	shipment.insert()
	shipment.submit()
	return {
		"sales_order": line.sales_order,
		"delivery_note": dn.name,
		"packing_slip": packing_slip.name,
		"shipment": shipment.name,
		"waybill": shipment.awb_number,
		"tracking_url": shipment.tracking_url,
	}


def _fill_shipment(shipment, dn, line, carrier, parcel, packing_slip, pickup_date, settings):
	from erpnext.accounts.party import get_party_shipping_address
	from erpnext.setup.doctype.company.company import get_default_company_address

	shipment.pickup_from_type = "Company"
	shipment.pickup_company = dn.company
	if not shipment.pickup_address_name:
		shipment.pickup_address_name = get_default_company_address(dn.company)
	if not shipment.pickup_address_name:
		frappe.throw(
			_("Company {0} has no address: add one, it is where the carrier picks the goods up").format(
				dn.company
			),
			exc=DispatchError,
			title=_("Pickup Address Missing"),
		)
	shipment.delivery_to_type = "Customer"
	shipment.delivery_customer = dn.customer
	if not shipment.delivery_address_name:
		shipment.delivery_address_name = get_party_shipping_address("Customer", dn.customer) or None
	if not shipment.delivery_address_name:
		frappe.throw(
			_("Row {0}: Customer {1} has no address: add a shipping address for Sales Order {2}").format(
				line.row, dn.customer, line.sales_order
			),
			exc=DispatchError,
			title=_("Delivery Address Missing"),
		)
	shipment.pickup_type = "Pickup"
	shipment.pickup_date = pickup_date
	shipment.pickup_from = settings.get("pickup_from") or "09:00:00"
	shipment.pickup_to = settings.get("pickup_to") or "17:00:00"
	shipment.description_of_content = ", ".join(
		f"{d.item_name or d.item_code} × {flt(d.qty):g}" for d in dn.items
	)[:500]
	weight = line.weight or flt(packing_slip.gross_weight_pkg) or flt(parcel.weight if parcel else 0)
	shipment.set(
		"shipment_parcel",
		[
			{
				"length": cint(parcel.length) if parcel else 1,
				"width": cint(parcel.width) if parcel else 1,
				"height": cint(parcel.height) if parcel else 1,
				"weight": weight,
				"count": 1,
			}
		],
	)
	shipment.carrier = carrier.name
	shipment.awb_number = line.waybill
	shipment.tracking_url = D.tracking_url(carrier.tracking_url_template, line.waybill)


def dispatch_list(carrier: str, pickup_date: date, company: str | None = None) -> list[dict]:
	"""The submitted Shipments a carrier picks up on a day, with their orders and parcels (the
	Dispatch List report and print)."""
	filters = {"carrier": carrier, "pickup_date": pickup_date, "docstatus": 1}
	if company:
		filters["pickup_company"] = company
	shipments = frappe.get_all(
		"Shipment",
		filters=filters,
		fields=[
			"name",
			"awb_number",
			"delivery_customer",
			"delivery_to",
			"delivery_address",
			"delivery_contact",
			"value_of_goods",
			"total_weight",
			"pickup_from",
			"pickup_to",
			"tracking_status",
			"carrier_status",
			"description_of_content",
		],
		order_by="awb_number asc",
		limit=5000,
	)
	names = [s.name for s in shipments]
	if not names:
		return []
	notes: dict[str, list[str]] = defaultdict(list)
	for r in frappe.get_all(
		"Shipment Delivery Note",
		filters={"parent": ("in", names), "parenttype": "Shipment"},
		fields=["parent", "delivery_note"],
		order_by="idx asc",
	):
		notes[r.parent].append(r.delivery_note)
	orders = orders_of_shipments(names)
	parcels = dict(
		frappe.get_all(
			"Shipment Parcel",
			filters={"parent": ("in", names), "parenttype": "Shipment"},
			fields=["parent", "sum(count) as parcels"],
			group_by="parent",
			as_list=True,
		)
	)
	for s in shipments:
		s.delivery_notes = ", ".join(notes.get(s.name, []))
		s.sales_orders = ", ".join(sorted(orders.get(s.name, {})))
		s.parcels = cint(parcels.get(s.name))
	return shipments


# ------------------------------------------------------------------------------ detectors


@exception_detector(D.AT_RISK, D.OVERDUE)
def detect_late_orders(sales_orders: list[str], facts: ScanFacts) -> list[D.ExceptionSpec]:
	"""Overdue: the promised date has passed and the order is not delivered. At Risk: its ETA
	(production, carrier) is after the promised date. From the trackers alone: no query."""
	specs = []
	for so in sales_orders:
		t = facts.trackers[so]
		promised = getdate(t.promised_date) if t.promised_date else None
		eta = getdate(t.eta) if t.eta else None
		late = D.schedule_exception(t.stage, promised, eta, facts.today)
		if not late:
			continue
		kind, _days = late
		if kind == D.OVERDUE:
			detail = _("Promised for {0}; not delivered yet (stage {1})").format(
				_format_date(promised), _(t.stage, context="Order Tracker")
			)
		else:
			detail = _("Expected on {0}, after the promised date {1}").format(
				_format_date(eta), _format_date(promised)
			)
		specs.append(D.ExceptionSpec(kind, so, detail, reference_doctype="Sales Order", reference_name=so))
	return specs


@exception_detector(D.SHIPMENT_EXCEPTION)
def detect_shipment_exceptions(sales_orders: list[str], facts: ScanFacts) -> list[D.ExceptionSpec]:
	"""A Shipment of the order whose latest carrier event is an exception or a failed delivery
	attempt (one query)."""
	candidates = [so for so in sales_orders if facts.trackers[so].stage not in S.TERMINAL_STAGES]
	if not candidates:
		return []
	sh = frappe.qb.DocType("Shipment")
	sdn = frappe.qb.DocType("Shipment Delivery Note")
	dni = frappe.qb.DocType("Delivery Note Item")
	rows = (
		frappe.qb.from_(dni)
		.join(sdn)
		.on((sdn.delivery_note == dni.parent) & (sdn.parenttype == "Shipment"))
		.join(sh)
		.on(sh.name == sdn.parent)
		.select(
			dni.against_sales_order,
			sh.name,
			sh.carrier,
			sh.awb_number,
			sh.carrier_status,
			sh.carrier_status_at,
			sh.tracking_status_info,
		)
		.distinct()
		.where(dni.against_sales_order.isin(candidates) & (sh.docstatus == 1))
		.where(sh.carrier_status.isin(list(D.TROUBLE_STATUSES)))
		.orderby(sh.name)
		.run(as_dict=True)
	)
	return [
		D.ExceptionSpec(
			D.SHIPMENT_EXCEPTION,
			r.against_sales_order,
			_("Shipment {0} ({1} {2}): {3}").format(
				r.name, r.carrier or "", r.awb_number or "", r.tracking_status_info or r.carrier_status
			),
			reference_doctype="Shipment",
			reference_name=r.name,
		)
		for r in rows
	]


@exception_detector(D.MATERIAL_SHORTAGE)
def detect_material_shortages(sales_orders: list[str], facts: ScanFacts) -> list[D.ExceptionSpec]:
	"""Orders not yet in production whose latest approved review's materials are not covered by
	the promised date any more: what each material needs, against stock on hand now (not
	reserved by others), purchase orders and material requests arriving by then. Six queries."""
	candidates = [
		so
		for so in sales_orders
		if facts.trackers[so].stage in D.MATERIAL_STAGES and facts.trackers[so].promised_date
	]
	if not candidates:
		return []
	rv = frappe.qb.DocType("Order Review")
	reviews = {}
	for r in (
		frappe.qb.from_(rv)
		.select(rv.name, rv.sales_order)
		.where(rv.sales_order.isin(candidates) & (rv.docstatus == 1))
		.orderby(rv.creation)
		.run(as_dict=True)
	):
		reviews[r.sales_order] = r.name  # the latest wins
	if not reviews:
		return []
	res = frappe.qb.DocType("Order Review Result")
	needs: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
	review_order = {name: so for so, name in reviews.items()}
	for r in (
		frappe.qb.from_(res)
		.select(res.parent, res.item_code, res.required_qty)
		.where(res.parent.isin(list(review_order)) & (res.parenttype == "Order Review"))
		.where((res.check == "Material") & res.item_code.isnotnull() & (res.required_qty > 0))
		.run(as_dict=True)
	):
		needs[review_order[r.parent]][r.item_code] += flt(r.required_qty)
	if not needs:
		return []
	items = sorted({i for n in needs.values() for i in n})
	companies = sorted({facts.trackers[so].company for so in needs if facts.trackers[so].company})
	supply = _material_supply(items, companies, list(needs))

	specs = []
	for so, order_needs in sorted(needs.items()):
		t = facts.trackers[so]
		promised = getdate(t.promised_date)
		own = supply["own"].get(so, {})
		order_supply = {
			item: ItemSupply(
				supply["on_hand"].get((item, t.company), 0.0) + own.get(item, 0.0),
				list(supply["receipts"].get((item, t.company), [])),
			)
			for item in order_needs
		}
		short = D.material_shortages(order_needs, order_supply, promised)
		if not short:
			continue
		lines = [
			_("{0}: {1} short on {2}; supply covers it on {3}").format(
				s.item_code, format_qty(s.shortage), _format_date(promised), _format_date(s.covered_on)
			)
			if s.covered_on
			else _("{0}: {1} short on {2}; no supply covers it").format(
				s.item_code, format_qty(s.shortage), _format_date(promised)
			)
			for s in short
		]
		specs.append(
			D.ExceptionSpec(
				D.MATERIAL_SHORTAGE,
				so,
				"\n".join(lines),
				reference_doctype="Order Review",
				reference_name=reviews[so],
			)
		)
	return specs


def _material_supply(items: list[str], companies: list[str], sales_orders: list[str]) -> dict:
	"""Per (item, company): stock on hand not reserved, and dated receipts (open purchase orders,
	material requests); per order: what its own work orders reserve (given back to it)."""
	on_hand, receipts = supply_by_company(items, companies)
	wo = frappe.qb.DocType("Work Order")
	woi = frappe.qb.DocType("Work Order Item")
	own: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
	for r in (
		frappe.qb.from_(woi)
		.join(wo)
		.on(wo.name == woi.parent)
		.select(wo.sales_order, woi.item_code, (woi.required_qty - woi.transferred_qty).as_("qty"))
		.where(wo.sales_order.isin(sales_orders) & (wo.docstatus == 1) & woi.item_code.isin(items))
		.where(wo.status.isin(("Not Started", "In Process")) & (woi.parenttype == "Work Order"))
		.run(as_dict=True)
	):
		own[r.sales_order][r.item_code] += max(flt(r.qty), 0.0)
	return {"on_hand": on_hand, "receipts": receipts, "own": own}


def _format_date(value) -> str:
	return frappe.format(value, {"fieldtype": "Date"}) if value else ""


# ------------------------------------------------------------------------------ permissions


def has_carrier_event_permission(doc, ptype: str = "read", user: str | None = None) -> bool | None:
	"""`has_permission` hook of Carrier Event: it is read with the rights of its Shipment."""
	if doc.get("shipment") and not frappe.has_permission("Shipment", "read", doc.shipment, user=user):
		return False
	return None


def on_sales_order_trash(doc, method=None):
	"""A deleted (draft or cancelled) order takes its exceptions with it, like its timeline."""
	frappe.db.delete(ORDER_EXCEPTION, {"sales_order": doc.name})


# ============================================================================== status API


def delivery_status(sales_order: str) -> dict:
	"""What `get_order_status` adds: the order's open exceptions and its shipments with their
	carrier, waybill, tracking and expected arrival. Desk users see each exception's detail and
	owner; portal customers its kind and since when."""
	internal = frappe.session.user != "Guest" and (
		frappe.get_cached_value("User", frappe.session.user, "user_type") == "System User"
	)
	exceptions = frappe.get_all(
		ORDER_EXCEPTION,
		filters={"sales_order": sales_order, "open_key": D.OPEN_KEY},
		fields=[
			"name",
			"kind",
			"status",
			"opened_at",
			"detail",
			"owner_role",
			"reference_doctype",
			"reference_name",
		],
		order_by="opened_at asc",
		limit=100,
	)
	shipments = shipments_of_order(sales_order)
	return {
		"exceptions": [
			{
				"kind": e.kind,
				"label": _(e.kind, context="Order Exception"),
				"status": e.status,
				"opened_at": e.opened_at,
				**(
					{
						"name": e.name,
						"detail": e.detail,
						"owner_role": e.owner_role,
						"reference_doctype": e.reference_doctype,
						"reference_name": e.reference_name,
					}
					if internal
					else {}
				),
			}
			for e in exceptions
		],
		"shipments": [
			{
				"shipment": s.shipment,
				"carrier": s.carrier,
				"waybill": s.waybill,
				"tracking_status": s.tracking_status,
				"tracking_url": s.tracking_url,
				"carrier_status": s.carrier_status,
				"carrier_status_at": s.carrier_status_at,
				"location": s.location,
				"eta": s.expected_arrival,
				"delivered_at": s.delivered_at,
				"pickup_date": s.pickup_date,
			}
			for s in shipments
		],
	}

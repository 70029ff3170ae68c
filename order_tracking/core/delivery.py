"""Delivery and early warnings: plain rules over plain data (no frappe import).

- **Carrier webhook**: the signature (`sign`, `check_signature`: HMAC-SHA256 of
  `"<timestamp>.<raw body>"` with the carrier's secret, compared in constant time, timestamp
  within ±5 minutes), and the body (`parse_json_object`, `validate_event`: required fields,
  lengths, ISO 8601 times, one of the seven carrier statuses).
- **Shipment state**: which tracking status of ERPNext's Shipment a carrier status means, and
  whether an event is newer than what the shipment already shows (events may arrive out of order).
- **Order exceptions**: the rules that say an order is overdue, at risk, short of material or held
  up by its carrier, and `plan_exception_changes`, which turns what the detectors want open and
  what is open now into the rows to open, update and resolve.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from order_tracking.core import stages as stages_core
from order_tracking.core.review import ItemSupply

EPS = 1e-6

# ------------------------------------------------------------------------------ webhook

MAX_BODY_BYTES = 64 * 1024
TIMESTAMP_TOLERANCE_SECONDS = 5 * 60
SIGNATURE_PREFIX = "sha256="
MAX_ID_LENGTH = 140
MAX_DETAIL_LENGTH = 2000

PICKED_UP = "Picked Up"
IN_TRANSIT = "In Transit"
OUT_FOR_DELIVERY = "Out for Delivery"
DELIVERED = "Delivered"
FAILED_ATTEMPT = "Failed Attempt"
EXCEPTION = "Exception"
RETURNED = "Returned"
CARRIER_STATUSES: tuple[str, ...] = (
	PICKED_UP,
	IN_TRANSIT,
	OUT_FOR_DELIVERY,
	DELIVERED,
	FAILED_ATTEMPT,
	EXCEPTION,
	RETURNED,
)
# carrier statuses that hold a shipment up (a Shipment Exception while the latest one is of these)
TROUBLE_STATUSES = frozenset({FAILED_ATTEMPT, EXCEPTION})

# ERPNext Shipment.tracking_status for each carrier status
TRACKING_STATUS = {
	PICKED_UP: "In Progress",
	IN_TRANSIT: "In Progress",
	OUT_FOR_DELIVERY: "In Progress",
	FAILED_ATTEMPT: "In Progress",
	EXCEPTION: "In Progress",
	DELIVERED: "Delivered",
	RETURNED: "Returned",
}

# the order's timeline event each carrier status writes, and at which stage
TIMELINE_EVENTS = {
	PICKED_UP: "Picked Up by Carrier",
	IN_TRANSIT: "In Transit",
	OUT_FOR_DELIVERY: "Out for Delivery",
	DELIVERED: "Delivered by Carrier",
	FAILED_ATTEMPT: "Delivery Attempt Failed",
	EXCEPTION: "Carrier Exception",
	RETURNED: "Returned by Carrier",
}
TIMELINE_STAGES = {
	status: (stages_core.DELIVERED if status == DELIVERED else stages_core.SHIPPED)
	for status in CARRIER_STATUSES
}

# why a request is refused before its body is trusted (HTTP 401)
MISSING_HEADERS = "missing_headers"
BAD_TIMESTAMP = "bad_timestamp"
STALE_TIMESTAMP = "stale_timestamp"
BAD_SIGNATURE = "bad_signature"

# why a body is refused (HTTP 400, or 422 for an unknown status)
NOT_JSON = "not_json"
NOT_OBJECT = "not_object"
REQUIRED = "required"
NOT_TEXT = "not_text"
TOO_LONG = "too_long"
NOT_DATETIME = "not_datetime"
UNKNOWN_STATUS = "unknown_status"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
	"""The signature header value a carrier sends: `sha256=<hex>`."""
	message = str(timestamp).encode() + b"." + body
	return SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_timestamp(
	timestamp: str | None, now: float, tolerance: int = TIMESTAMP_TOLERANCE_SECONDS
) -> str | None:
	"""None when the timestamp header is a unix time within `tolerance` seconds of `now`, else
	the reason it is refused."""
	if not timestamp:
		return MISSING_HEADERS
	value = timestamp.strip()
	if not value.isdigit() or len(value) > 12:
		return BAD_TIMESTAMP
	if abs(now - int(value)) > tolerance:
		return STALE_TIMESTAMP
	return None


def check_signature(
	secret: str,
	timestamp: str | None,
	signature: str | None,
	body: bytes,
	now: float,
	tolerance: int = TIMESTAMP_TOLERANCE_SECONDS,
) -> str | None:
	"""None when the request is signed with `secret` and fresh; else why it is refused.
	The comparison takes the same time wherever the signatures differ."""
	if not signature or not secret:
		return MISSING_HEADERS
	refused = check_timestamp(timestamp, now, tolerance)
	if refused:
		return refused
	given = signature.strip()
	if not given.lower().startswith(SIGNATURE_PREFIX):
		return BAD_SIGNATURE
	expected = sign(secret, timestamp.strip(), body)
	if not hmac.compare_digest(
		expected.encode(), (SIGNATURE_PREFIX + given[len(SIGNATURE_PREFIX) :].lower()).encode()
	):
		return BAD_SIGNATURE
	return None


class PayloadError(ValueError):
	"""A body the webhook refuses: `code` says why, `field` names the field, `args` fill the message."""

	def __init__(self, code: str, field: str | None = None, *args):
		super().__init__(code, field, *args)
		self.code = code
		self.field = field
		self.args_ = args


@dataclass(frozen=True)
class CarrierEventPayload:
	carrier: str
	event_id: str
	waybill: str
	status: str
	at: datetime  # naive, in the site's time zone
	location: str | None = None
	expected_arrival: datetime | None = None
	detail: str | None = None


def parse_json_object(body: bytes) -> dict:
	"""The body as a JSON object, or PayloadError."""
	try:
		data = json.loads(body.decode("utf-8")) if body else None
	except (UnicodeDecodeError, ValueError) as e:
		raise PayloadError(NOT_JSON) from e
	if not isinstance(data, dict):
		raise PayloadError(NOT_OBJECT)
	return data


def _text(data: Mapping, name: str, required: bool, max_length: int = MAX_ID_LENGTH) -> str | None:
	value = data.get(name)
	if isinstance(value, int) and not isinstance(value, bool) and name == "event_id":
		value = str(value)
	if value is None or (isinstance(value, str) and not value.strip()):
		if required:
			raise PayloadError(REQUIRED, name)
		return None
	if not isinstance(value, str):
		raise PayloadError(NOT_TEXT, name)
	value = value.strip()
	if len(value) > max_length:
		raise PayloadError(TOO_LONG, name, max_length)
	return value


def parse_datetime(value, tz: tzinfo | None) -> datetime | None:
	"""An ISO 8601 date or date-time as a naive date-time in `tz` (the site's zone): aware
	values are converted, naive ones taken as they are. None when it is not one."""
	if not isinstance(value, str) or not value.strip():
		return None
	text = value.strip()
	if text.endswith(("Z", "z")):
		text = text[:-1] + "+00:00"
	try:
		parsed = datetime.fromisoformat(text)
	except ValueError:
		try:
			parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
		except ValueError:
			return None
	if parsed.tzinfo is not None:
		if tz is not None:
			parsed = parsed.astimezone(tz)
		parsed = parsed.replace(tzinfo=None)
	return parsed


def validate_event(data: Mapping, tz: tzinfo | None = None) -> CarrierEventPayload:
	"""A carrier event from a JSON object, or PayloadError naming the field."""
	carrier = _text(data, "carrier", True)
	event_id = _text(data, "event_id", True)
	waybill = _text(data, "waybill", True)
	status = _text(data, "status", True)
	if status not in CARRIER_STATUSES:
		raise PayloadError(UNKNOWN_STATUS, "status", status)
	if data.get("at") in (None, ""):
		raise PayloadError(REQUIRED, "at")
	at = parse_datetime(data.get("at"), tz)
	if at is None:
		raise PayloadError(NOT_DATETIME, "at")
	expected = None
	if data.get("expected_arrival") not in (None, ""):
		expected = parse_datetime(data.get("expected_arrival"), tz)
		if expected is None:
			raise PayloadError(NOT_DATETIME, "expected_arrival")
	return CarrierEventPayload(
		carrier=carrier,
		event_id=event_id,
		waybill=waybill,
		status=status,
		at=at,
		location=_text(data, "location", False),
		expected_arrival=expected,
		detail=_text(data, "detail", False, MAX_DETAIL_LENGTH),
	)


def is_newer(event_at: datetime, shown_at: datetime | None) -> bool:
	"""Whether an event should replace what a shipment shows: it happened no earlier than the
	carrier status the shipment already has (events may arrive out of order)."""
	return shown_at is None or event_at >= shown_at


# Shipment tracking statuses the order's state depends on (delivered or not on the road any more)
STATE_TRACKING_STATUSES = frozenset({"Delivered", "Returned", "Lost"})


def changes_order_state(
	old_tracking_status: str | None, new_tracking_status: str, expected_arrival: bool
) -> bool:
	"""Whether applying a carrier event can change the state of the orders its Shipment carries
	(their ETA, or what counts as delivered): an expected arrival, or a move to or from delivered,
	returned or lost. Otherwise only the timeline grows."""
	if expected_arrival:
		return True
	old = old_tracking_status or ""
	return old != new_tracking_status and (
		old in STATE_TRACKING_STATUSES or new_tracking_status in STATE_TRACKING_STATUSES
	)


def tracking_url(template: str | None, waybill: str | None) -> str | None:
	"""The carrier's tracking page for a waybill, from a template with `{waybill}`."""
	if not template or not waybill:
		return None
	return template.replace("{waybill}", waybill)


# ------------------------------------------------------------------------------ exceptions

AT_RISK = "At Risk"
OVERDUE = "Overdue"
MATERIAL_SHORTAGE = "Material Shortage"
SHIPMENT_EXCEPTION = "Shipment Exception"
LATE_OPERATION = "Late Operation"
LATE_OUTSOURCING_RETURN = "Late Outsourcing Return"
OVERDUE_RECEIVABLE = "Overdue Receivable"
QUALITY_HOLD = "Quality Hold"
COMPLAINT_SLA_BREACHED = "Complaint SLA Breached"
KINDS: tuple[str, ...] = (
	AT_RISK,
	OVERDUE,
	MATERIAL_SHORTAGE,
	SHIPMENT_EXCEPTION,
	LATE_OPERATION,
	LATE_OUTSOURCING_RETURN,
	OVERDUE_RECEIVABLE,
	QUALITY_HOLD,
	COMPLAINT_SLA_BREACHED,
)
# who answers for each kind unless its detector names another role
OWNER_ROLES = {
	AT_RISK: "Order Clerk",
	OVERDUE: "Order Clerk",
	MATERIAL_SHORTAGE: "Production Planner",
	SHIPMENT_EXCEPTION: "Stock User",
	LATE_OPERATION: "Production Planner",
	LATE_OUTSOURCING_RETURN: "Outsourcing Manager",
	OVERDUE_RECEIVABLE: "Settlement Accountant",
	QUALITY_HOLD: "Quality Manager",
	COMPLAINT_SLA_BREACHED: "Sales User",
}

OPEN = "Open"
ACKNOWLEDGED = "Acknowledged"
RESOLVED = "Resolved"
# `open_key` of every unresolved exception; a resolved one takes its own name, so the unique key
# (sales_order, kind, open_key) allows one unresolved exception per order and kind, and any
# number of resolved ones.
OPEN_KEY = "Open"

# the stages in which an order can be late: committed to, not yet delivered
WATCHED_STAGES: tuple[str, ...] = (
	stages_core.APPROVED,
	stages_core.PLANNED,
	stages_core.IN_PRODUCTION,
	stages_core.READY_TO_SHIP,
	stages_core.SHIPPED,
)
# materials matter until production starts
MATERIAL_STAGES: tuple[str, ...] = (stages_core.APPROVED, stages_core.PLANNED)


@dataclass(frozen=True)
class ExceptionSpec:
	"""An exception a detector says should be open now."""

	kind: str
	sales_order: str
	detail: str = ""
	owner_role: str | None = None
	reference_doctype: str | None = None
	reference_name: str | None = None


@dataclass(frozen=True)
class OpenException:
	"""An unresolved exception as stored."""

	name: str
	kind: str
	sales_order: str
	status: str = OPEN
	detail: str = ""
	owner_role: str | None = None
	reference_doctype: str | None = None
	reference_name: str | None = None


@dataclass
class ExceptionChanges:
	to_open: list[ExceptionSpec] = field(default_factory=list)
	to_update: list[tuple[OpenException, ExceptionSpec]] = field(default_factory=list)
	to_resolve: list[OpenException] = field(default_factory=list)

	def __bool__(self) -> bool:
		return bool(self.to_open or self.to_update or self.to_resolve)

	def orders(self) -> set[str]:
		return (
			{s.sales_order for s in self.to_open}
			| {old.sales_order for old, _new in self.to_update}
			| {e.sales_order for e in self.to_resolve}
		)


def merge_specs(specs: Iterable[ExceptionSpec]) -> dict[tuple[str, str], ExceptionSpec]:
	"""One spec per (order, kind): details of several are joined, the first reference kept."""
	merged: dict[tuple[str, str], ExceptionSpec] = {}
	for spec in specs:
		key = (spec.sales_order, spec.kind)
		first = merged.get(key)
		if first is None:
			merged[key] = spec
		elif spec.detail and spec.detail not in first.detail.split("\n"):
			merged[key] = ExceptionSpec(
				first.kind,
				first.sales_order,
				"\n".join(d for d in (first.detail, spec.detail) if d),
				first.owner_role or spec.owner_role,
				first.reference_doctype,
				first.reference_name,
			)
	return merged


def plan_exception_changes(
	wanted: Iterable[ExceptionSpec], existing: Iterable[OpenException], kinds: Iterable[str]
) -> ExceptionChanges:
	"""What to open, update and resolve so that exactly the wanted exceptions of `kinds` are open.

	Exceptions of other kinds are left alone (no detector of this scan answers for them). An
	exception already open keeps its row (and its Acknowledged status) while its condition holds;
	its detail, owner and reference follow the latest facts.
	"""
	kinds = set(kinds)
	want = {key: spec for key, spec in merge_specs(wanted).items() if spec.kind in kinds}
	for spec in want.values():
		if not spec.owner_role:
			want[(spec.sales_order, spec.kind)] = ExceptionSpec(
				spec.kind,
				spec.sales_order,
				spec.detail,
				OWNER_ROLES.get(spec.kind),
				spec.reference_doctype,
				spec.reference_name,
			)
	changes = ExceptionChanges()
	seen: set[tuple[str, str]] = set()
	for row in sorted(existing, key=lambda e: e.name):
		if row.kind not in kinds:
			continue
		key = (row.sales_order, row.kind)
		spec = want.get(key)
		if spec is None or key in seen:
			changes.to_resolve.append(row)
			continue
		seen.add(key)
		if (row.detail or "", row.owner_role, row.reference_doctype, row.reference_name) != (
			spec.detail or "",
			spec.owner_role,
			spec.reference_doctype,
			spec.reference_name,
		):
			changes.to_update.append((row, spec))
	changes.to_open = [spec for key, spec in sorted(want.items()) if key not in seen]
	return changes


def schedule_exception(
	stage: str, promised: date | None, eta: date | None, today: date
) -> tuple[str, int] | None:
	"""Overdue (the promised date has passed and the order is not delivered) or At Risk (the
	ETA is after the promised date), with the days late; None for orders not being watched."""
	if stage not in WATCHED_STAGES or promised is None:
		return None
	if promised < today:
		return OVERDUE, (today - promised).days
	if eta is not None and eta > promised:
		return AT_RISK, (eta - promised).days
	return None


@dataclass(frozen=True)
class MaterialShortage:
	item_code: str
	required: float
	available: float  # by the promised date
	shortage: float
	covered_on: date | None  # when later supply covers it (None: nothing does)


def material_shortages(
	needs: Mapping[str, float], supply: Mapping[str, ItemSupply], promised: date
) -> list[MaterialShortage]:
	"""The materials an order still lacks on its promised date: what it needs of each (from its
	review's material check) against stock on hand now plus supply arriving by that date."""
	result = []
	for item_code, required in sorted(needs.items()):
		if required <= EPS:
			continue
		s = supply.get(item_code) or ItemSupply()
		available = max(s.on_hand, 0.0)
		covered_on = promised if available >= required - EPS else None
		by_promise = available
		for on, qty in sorted(s.receipts):
			if qty <= 0:
				continue
			available += qty
			if on <= promised:
				by_promise = available
			if covered_on is None and available >= required - EPS:
				covered_on = on
		if by_promise < required - EPS:
			result.append(
				MaterialShortage(item_code, required, by_promise, required - by_promise, covered_on)
			)
	return result


def is_shipment_exception(carrier_status: str | None) -> bool:
	return carrier_status in TROUBLE_STATUSES

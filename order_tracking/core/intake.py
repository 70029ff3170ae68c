"""Order intake: the shape of an incoming order and the checks that need no database.

`parse_order_payload` turns a REST / portal / e-mail payload into header and lines, raising
`MalformedOrder` when the request itself is unusable (no items, unknown channel, not an object),
and collecting per-line `IntakeError`s for content a clerk can correct. `check_intake` applies
the rules on quantities and dates. Errors carry a code and arguments; the app turns them into
translated messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

CHANNELS: tuple[str, ...] = ("Desk", "Import", "Portal", "E-mail", "API")

# error codes (the app maps each to a translated message)
REQUIRED = "required"
INVALID_DATE = "invalid_date"
NOT_A_NUMBER = "not_a_number"
QTY_NOT_POSITIVE = "qty_not_positive"
RATE_NEGATIVE = "rate_negative"
ITEM_MISSING = "item_missing"
DELIVERY_BEFORE_ORDER = "delivery_before_order"
LINE_DELIVERY_BEFORE_ORDER = "line_delivery_before_order"


class MalformedOrder(ValueError):
	"""The request cannot be taken as an order at all (answered with a 4xx, nothing stored)."""

	def __init__(self, code: str, *args):
		super().__init__(code, *args)
		self.code = code
		self.args_ = args


@dataclass(frozen=True)
class IntakeError:
	row: int | None  # 1-based line number; None for the order header
	field: str
	code: str
	args: tuple = ()


@dataclass
class IntakeLine:
	row: int
	item_code: str | None = None
	customer_item_code: str | None = None
	qty: float | None = None
	rate: float | None = None
	uom: str | None = None
	delivery_date: date | None = None


@dataclass
class ParsedOrder:
	channel: str
	external_ref: str | None
	customer: str | None
	delivery_date: date | None
	transaction_date: date | None
	company: str | None
	lines: list[IntakeLine] = field(default_factory=list)
	errors: list[IntakeError] = field(default_factory=list)


def _text(value) -> str | None:
	if value is None:
		return None
	text = str(value).strip()
	return text or None


def parse_date(value) -> date | None:
	"""ISO date (or datetime) from a string or date; None when empty; ValueError when unreadable."""
	if value in (None, ""):
		return None
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	text = str(value).strip()
	try:
		return date.fromisoformat(text[:10])
	except ValueError:
		raise ValueError(text) from None


def parse_number(value) -> float | None:
	if value in (None, ""):
		return None
	if isinstance(value, bool):
		raise ValueError(value)
	number = float(value)
	if number != number or number in (float("inf"), float("-inf")):
		raise ValueError(value)
	return number


def parse_order_payload(payload, default_channel: str = "API") -> ParsedOrder:
	"""Read an order payload (already decoded from JSON) into a `ParsedOrder`."""
	if not isinstance(payload, Mapping):
		raise MalformedOrder("not_an_object")

	channel = _text(payload.get("channel")) or default_channel
	if channel not in CHANNELS:
		raise MalformedOrder("unknown_channel", channel)

	items = payload.get("items")
	if not isinstance(items, list | tuple) or not items:
		raise MalformedOrder("no_items")

	errors: list[IntakeError] = []

	def read(reader, value, row, fieldname):
		try:
			return reader(value)
		except (TypeError, ValueError):
			errors.append(IntakeError(row, fieldname, INVALID_DATE if reader is parse_date else NOT_A_NUMBER))
			return None

	order = ParsedOrder(
		channel=channel,
		external_ref=_text(payload.get("external_ref")),
		customer=_text(payload.get("customer")),
		delivery_date=read(parse_date, payload.get("delivery_date"), None, "delivery_date"),
		transaction_date=read(parse_date, payload.get("transaction_date"), None, "transaction_date"),
		company=_text(payload.get("company")),
	)
	for row, item in enumerate(items, start=1):
		if not isinstance(item, Mapping):
			raise MalformedOrder("item_not_object", row)
		order.lines.append(
			IntakeLine(
				row=row,
				item_code=_text(item.get("item_code")),
				customer_item_code=_text(item.get("customer_item_code")),
				qty=read(parse_number, item.get("qty"), row, "qty"),
				rate=read(parse_number, item.get("rate"), row, "rate"),
				uom=_text(item.get("uom")),
				delivery_date=read(parse_date, item.get("delivery_date"), row, "delivery_date"),
			)
		)
	order.errors = errors
	return order


def check_intake(
	transaction_date: date | None, delivery_date: date | None, lines: list[IntakeLine]
) -> list[IntakeError]:
	"""Rules on quantities, rates and dates that need no database."""
	errors: list[IntakeError] = []
	if delivery_date is None:
		errors.append(IntakeError(None, "delivery_date", REQUIRED))
	elif transaction_date and delivery_date < transaction_date:
		errors.append(
			IntakeError(None, "delivery_date", DELIVERY_BEFORE_ORDER, (delivery_date, transaction_date))
		)

	for line in lines:
		if not (line.item_code or line.customer_item_code):
			errors.append(IntakeError(line.row, "item_code", ITEM_MISSING))
		if line.qty is None:
			errors.append(IntakeError(line.row, "qty", REQUIRED))
		elif line.qty <= 0:
			errors.append(IntakeError(line.row, "qty", QTY_NOT_POSITIVE, (line.qty,)))
		if line.rate is not None and line.rate < 0:
			errors.append(IntakeError(line.row, "rate", RATE_NEGATIVE, (line.rate,)))
		if line.delivery_date and transaction_date and line.delivery_date < transaction_date:
			errors.append(
				IntakeError(
					line.row,
					"delivery_date",
					LINE_DELIVERY_BEFORE_ORDER,
					(line.delivery_date, transaction_date),
				)
			)
	return errors

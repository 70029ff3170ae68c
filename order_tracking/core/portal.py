"""What a customer sees of an order on the portal: pure decisions, no frappe.

- `customer_timeline`: the order's timeline in the customer's words. Events a customer knows
  of (confirmation, shipments, invoices, payments) are shown as they are; internal work (reviews,
  work orders, job cards, stock entries, outsourcing) is summarised — one "under review", one
  "production planned", one "in production" entry per day — and never names an internal
  document. Lateness alarms meant for the factory are left out, and a document that was
  cancelled drops out together with its cancellation.
- `stage_progress` / `stage_tone`: the progress bar and the colour of the stage pill.
- `page_bounds`: pagination.
- Order requests: `request_items` turns the form's rows into `submit_order` items,
  `portal_external_ref` / `customer_reference` keep one customer's order numbers apart from
  another's (the intake's channel + external_ref is unique across all customers).
- Tracking links: `new_token` (192 random bits, URL-safe) and `is_well_formed_token`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from order_tracking.core import stages

PAGE_LENGTH = 20
MAX_PAGE_LENGTH = 100
MAX_REQUEST_LINES = 100
MAX_REFERENCE_LENGTH = 60
REFERENCE_SEPARATOR = " / "

TOKEN_BYTES = 24  # 192 bits
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")

# Timeline entry kinds (the frappe side translates their titles).
RECEIVED = "received"
CONFIRMED = "confirmed"
UNDER_REVIEW = "under_review"
APPROVED = "approved"
DATE_CHANGED = "date_changed"
ON_HOLD = "on_hold"
RESUMED = "resumed"
PLANNED = "planned"
IN_PRODUCTION = "in_production"
PRODUCED = "produced"
SHIPMENT_BOOKED = "shipment_booked"
SHIPPED = "shipped"
DELIVERED = "delivered"
INVOICED = "invoiced"
CREDIT_NOTE = "credit_note"
PAID = "paid"
RETURNED = "returned"
CLOSED = "closed"
CANCELLED = "cancelled"
FINAL_INSPECTION_PASSED = "final_inspection_passed"

# Events shown one for one, with the reference a customer may see (their own documents).
VISIBLE_EVENTS = {
	"Order Received": RECEIVED,
	"Order Submitted": CONFIRMED,
	"Delivery Date Changed": DATE_CHANGED,
	"Order Put on Hold": ON_HOLD,
	"Order Re-opened": RESUMED,
	"Order Closed": CLOSED,
	"Order Cancelled": CANCELLED,
	"Shipment Booked": SHIPMENT_BOOKED,
	"Shipped": SHIPPED,
	"Shipment Delivered": DELIVERED,
	"Invoiced": INVOICED,
	"Credit Note Issued": CREDIT_NOTE,
	"Payment Received": PAID,
	"Goods Returned": RETURNED,
	"Customer Return": RETURNED,
	# Quality: the final inspection the goods passed (a failed one is the factory's business)
	"Final Inspection Passed": FINAL_INSPECTION_PASSED,
}
# Documents of the customer's own that a timeline entry may name.
CUSTOMER_DOCTYPES = frozenset({"Sales Order", "Delivery Note", "Shipment", "Sales Invoice"})
# Internal events, summarised: the first of each kind only ...
FIRST_ONLY_EVENTS = {
	"Review Started": UNDER_REVIEW,
	"Review Submitted for Approval": UNDER_REVIEW,
	"Review Approved": APPROVED,
	"Production Planned": PLANNED,
}
# ... and production work, one entry per day (the qty of "Produced" summed).
PRODUCTION_EVENTS = frozenset(
	{
		"Operation Completed",
		"Materials Issued",
		"Materials Consumed",
		"Materials Sent to Subcontractor",
		"Purchase Ordered",
		"Subcontracted",
		"Subcontracting Order Placed",
		"Subcontracted Goods Received",
		"Outsourced",
		"Sent to Supplier",
		"Returned from Supplier",
		# Quality: in-process inspections are production work
		"Inspection Passed",
		"Inspection Failed",
	}
)
PRODUCED_EVENT = "Produced"
# Everything else (review rejections, lateness alarms for the factory, "Cancelled" of an internal
# document) is not the customer's business.

STAGE_TONES = {
	stages.RECEIVED: "gray",
	stages.UNDER_REVIEW: "orange",
	stages.APPROVED: "blue",
	stages.PLANNED: "blue",
	stages.IN_PRODUCTION: "blue",
	stages.READY_TO_SHIP: "purple",
	stages.SHIPPED: "purple",
	stages.DELIVERED: "green",
	stages.BILLED: "green",
	stages.PAID: "green",
	stages.CLOSED: "gray",
	stages.CANCELLED: "red",
}


@dataclass(frozen=True)
class Event:
	"""An Order Event as stored."""

	at: datetime
	event: str
	reference_doctype: str | None = None
	reference_name: str | None = None
	qty: float = 0.0
	is_cancellation: bool = False


@dataclass
class TimelineEntry:
	at: datetime
	kind: str
	qty: float = 0.0
	reference_doctype: str | None = None
	reference_name: str | None = None
	count: int = 1  # how many internal events this entry summarises
	references: list = field(default_factory=list)


def _cancelled_references(events: list[Event]) -> set[tuple[str | None, str | None]]:
	"""Documents cancelled since: their events drop out of the customer's timeline."""
	return {(e.reference_doctype, e.reference_name) for e in events if e.is_cancellation and e.reference_name}


def customer_timeline(events: list[Event]) -> list[TimelineEntry]:
	"""The customer's view of an order's events, oldest first."""
	events = sorted(events, key=lambda e: e.at)
	cancelled = _cancelled_references(events)
	entries: list[TimelineEntry] = []
	seen_first: set[str] = set()
	production_by_day: dict[date, TimelineEntry] = {}
	for e in events:
		ref = (e.reference_doctype, e.reference_name)
		if e.event == "Order Cancelled":
			entries.append(TimelineEntry(at=e.at, kind=CANCELLED))
			continue
		if e.is_cancellation:
			continue
		if e.reference_name and ref in cancelled and e.reference_doctype != "Sales Order":
			continue
		kind = VISIBLE_EVENTS.get(e.event)
		if kind:
			visible_ref = e.reference_doctype in CUSTOMER_DOCTYPES
			entries.append(
				TimelineEntry(
					at=e.at,
					kind=kind,
					qty=e.qty or 0.0,
					reference_doctype=e.reference_doctype if visible_ref else None,
					reference_name=e.reference_name if visible_ref else None,
				)
			)
			continue
		kind = FIRST_ONLY_EVENTS.get(e.event)
		if kind:
			if kind not in seen_first:
				seen_first.add(kind)
				entries.append(TimelineEntry(at=e.at, kind=kind))
			continue
		if e.event in PRODUCTION_EVENTS or e.event == PRODUCED_EVENT:
			day = e.at.date()
			entry = production_by_day.get(day)
			if entry is None:
				entry = TimelineEntry(at=e.at, kind=IN_PRODUCTION, count=0)
				production_by_day[day] = entry
				entries.append(entry)
			entry.count += 1
			entry.at = max(entry.at, e.at)
			if e.event == PRODUCED_EVENT:
				entry.kind = PRODUCED
				entry.qty += e.qty or 0.0
	entries.sort(key=lambda t: t.at)
	return entries


def stage_progress(stage: str | None) -> int:
	"""How far along the order's life the stage is, in percent (Received 10 … Paid 100)."""
	if stage in stages.PROGRESS_STAGES:
		return round(100 * (stages.PROGRESS_STAGES.index(stage) + 1) / len(stages.PROGRESS_STAGES))
	if stage == stages.CLOSED:
		return 100
	return 0


def stage_tone(stage: str | None) -> str:
	return STAGE_TONES.get(stage or "", "gray")


@dataclass(frozen=True)
class PageBounds:
	page: int
	pages: int
	start: int
	length: int

	@property
	def has_previous(self) -> bool:
		return self.page > 1

	@property
	def has_next(self) -> bool:
		return self.page < self.pages


def page_bounds(page, total: int, page_length: int = PAGE_LENGTH) -> PageBounds:
	"""The page asked for, clamped to the pages there are (page 1 when nothing is found)."""
	page_length = max(1, min(int(page_length or PAGE_LENGTH), MAX_PAGE_LENGTH))
	try:
		page = int(page)
	except (TypeError, ValueError):
		page = 1
	pages = max(1, -(-max(total, 0) // page_length))
	page = min(max(page, 1), pages)
	return PageBounds(page=page, pages=pages, start=(page - 1) * page_length, length=page_length)


# ------------------------------------------------------------------ order requests

ITEM_CODE = "item_code"
CUSTOMER_ITEM_CODE = "customer_item_code"


class RequestError(ValueError):
	"""The order request cannot be read; `code` names the problem, `row` the line (1-based)."""

	def __init__(self, code: str, row: int | None = None):
		super().__init__(code)
		self.code = code
		self.row = row


def request_items(rows) -> list[dict]:
	"""`submit_order` items from the form's rows `{"code", "code_type", "qty"}`: blank rows
	dropped; `code_type` says whether the code is ours (item_code) or the customer's own
	(customer_item_code, the default). Quantities are passed on as typed, for the intake's own
	validation to judge; a customer never sets a rate."""
	if not isinstance(rows, list):
		raise RequestError("not_a_list")
	items = []
	for row in rows:
		if not isinstance(row, dict):
			raise RequestError("not_a_list")
		code = str(row.get("code") or "").strip()
		qty = row.get("qty")
		qty = qty.strip() if isinstance(qty, str) else qty
		if not code and qty in (None, ""):
			continue
		key = ITEM_CODE if row.get("code_type") == ITEM_CODE else CUSTOMER_ITEM_CODE
		items.append({key: code or None, "qty": qty})
	if not items:
		raise RequestError("no_items")
	if len(items) > MAX_REQUEST_LINES:
		raise RequestError("too_many_lines")
	return items


def clean_reference(reference: str | None) -> str:
	"""The customer's own order number as typed; raises when missing, too long or unprintable."""
	reference = " ".join(str(reference or "").split())
	if not reference:
		raise RequestError("reference_required")
	if len(reference) > MAX_REFERENCE_LENGTH or not reference.isprintable():
		raise RequestError("reference_invalid")
	return reference


def portal_external_ref(customer: str, reference: str) -> str:
	"""The intake's external_ref of a portal order: the customer's order number under the customer,
	so that two customers' "PO-1" are two orders and the same customer's "PO-1" is a duplicate."""
	return f"{customer}{REFERENCE_SEPARATOR}{reference}"


def customer_reference(external_ref: str | None, customer: str | None) -> str | None:
	"""The customer's own order number back from a portal intake's external_ref."""
	if not external_ref:
		return None
	prefix = f"{customer}{REFERENCE_SEPARATOR}"
	return external_ref[len(prefix) :] if customer and external_ref.startswith(prefix) else external_ref


# ------------------------------------------------------------------ tracking links


def new_token() -> str:
	"""A tracking link's token: 192 bits from the OS's CSPRNG, 32 URL-safe characters."""
	return secrets.token_urlsafe(TOKEN_BYTES)


def is_well_formed_token(token) -> bool:
	return isinstance(token, str) and bool(TOKEN_PATTERN.match(token))

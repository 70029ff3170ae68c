"""Order state: one pure function from an order's facts to its stage, progress and ETA.

The facts are an order header (what the Sales Order itself says) and a `Progress` summed from
every live document that moves the order (work orders, stock entries, deliveries, invoices,
payments ...). `Progress` addition is commutative and associative, so the facts — and the state
derived from them — do not depend on the order in which documents were submitted; a cancelled
document simply stops contributing, which rolls the state back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from order_tracking.core import stages as stages_core

QTY_EPSILON = 1e-6
MONEY_EPSILON = 0.005

# ERPNext Sales Order statuses that matter here.
SO_STATUS_CLOSED = "Closed"
SO_STATUS_ON_HOLD = "On Hold"

REVIEW_PENDING = "Pending"
REVIEW_APPROVED = "Approved"
REVIEW_REJECTED = "Rejected"


@dataclass(frozen=True)
class OrderHeader:
	"""What the Sales Order itself says. Quantities are in stock UOM."""

	docstatus: int = 0
	status: str = ""
	promised_date: date | None = None
	ordered_qty: float = 0.0
	manufacture_qty: float = 0.0  # qty of lines made in-house or outside (lines with a BOM)
	grand_total: float = 0.0
	review_status: str | None = None


def _later(a: date | None, b: date | None) -> date | None:
	if a is None:
		return b
	if b is None:
		return a
	return max(a, b)


def _earlier(a: date | None, b: date | None) -> date | None:
	if a is None:
		return b
	if b is None:
		return a
	return min(a, b)


_DATE_FIELDS = frozenset({"production_due", "last_shipped_on", "last_delivered_on", "carrier_eta"})
_EARLIEST_FIELDS = frozenset({"payment_due"})

# How an order stands with its money (ST-1).
NOT_BILLED = "Not Billed"
UNPAID = "Unpaid"
PARTLY_PAID = "Partly Paid"
OVERDUE = "Overdue"
FULLY_PAID = "Paid"
PAYMENT_STATUSES: tuple[str, ...] = (NOT_BILLED, UNPAID, PARTLY_PAID, OVERDUE, FULLY_PAID)


@dataclass(frozen=True)
class Progress:
	"""What the order's documents add up to. Quantities in stock UOM, amounts in order currency."""

	planned_qty: float = 0.0  # qty covered by submitted work / subcontracting orders
	started_qty: float = 0.0  # qty on which production has started (materials issued, job cards)
	produced_qty: float = 0.0
	shipped_qty: float = 0.0  # on submitted delivery notes
	delivered_qty: float = 0.0  # confirmed at the customer
	billed_amount: float = 0.0
	paid_amount: float = 0.0
	outsourced_qty: float = 0.0  # sent to suppliers (whole orders, parts, operations)
	outsourced_returned_qty: float = 0.0  # of it, back and accepted
	returned_qty: float = 0.0  # came back on return delivery notes
	outstanding_amount: float = 0.0  # the order's share of what its invoices still await
	production_due: date | None = None  # latest planned end of production still open
	last_shipped_on: date | None = None
	last_delivered_on: date | None = None
	payment_due: date | None = None  # earliest due date of an invoice with money outstanding
	carrier_eta: date | None = None  # latest expected arrival a carrier gave for goods on the road

	def __add__(self, other: Progress) -> Progress:
		if not isinstance(other, Progress):
			return NotImplemented
		values = {}
		for f in fields(self):
			a, b = getattr(self, f.name), getattr(other, f.name)
			if f.name in _DATE_FIELDS:
				values[f.name] = _later(a, b)
			elif f.name in _EARLIEST_FIELDS:
				values[f.name] = _earlier(a, b)
			else:
				values[f.name] = a + b
		return Progress(**values)

	@classmethod
	def total(cls, parts: Iterable[Progress]) -> Progress:
		result = cls()
		for part in parts:
			result = result + part
		return result


@dataclass(frozen=True)
class OrderState:
	stage: str
	on_hold: bool
	ordered_qty: float
	manufacture_qty: float
	produced_qty: float
	shipped_qty: float
	delivered_qty: float
	grand_total: float
	billed_amount: float
	paid_amount: float
	outsourced_qty: float
	outsourced_returned_qty: float
	produced_pct: float
	shipped_pct: float
	delivered_pct: float
	billed_pct: float
	paid_pct: float
	promised_date: date | None
	eta: date | None
	delay_days: int
	returned_qty: float = 0.0
	outstanding_amount: float = 0.0
	payment_status: str = NOT_BILLED
	payment_due: date | None = None


def _covers(part: float, whole: float, eps: float) -> bool:
	return part >= whole - eps


def _pct(part: float, whole: float, complete: bool) -> float:
	if whole <= 0:
		return 100.0 if complete else 0.0
	return round(min(max(part / whole, 0.0), 1.0) * 100, 2)


def reached_stages(header: OrderHeader, progress: Progress) -> dict[str, bool]:
	"""Which progress stages the facts fully reach.

	Physical stages are closed downward: goods on the road were made, so `Shipped` implies
	`Ready to Ship`, `In Production` and `Planned` even when no work order exists (made to stock,
	bought in). Money stages come after delivery: an order billed in advance stays in production.
	"""
	submitted = header.docstatus == 1
	nothing_to_make = header.manufacture_qty <= QTY_EPSILON
	has_qty = header.ordered_qty > QTY_EPSILON
	no_value = header.grand_total <= MONEY_EPSILON

	delivered = submitted and has_qty and _covers(progress.delivered_qty, header.ordered_qty, QTY_EPSILON)
	shipped = delivered or (
		submitted and has_qty and _covers(progress.shipped_qty, header.ordered_qty, QTY_EPSILON)
	)
	ready = shipped or (
		submitted and (nothing_to_make or _covers(progress.produced_qty, header.manufacture_qty, QTY_EPSILON))
	)
	in_production = ready or (
		submitted
		and (progress.started_qty > QTY_EPSILON or progress.produced_qty > QTY_EPSILON)
		and (nothing_to_make or _covers(progress.planned_qty, header.manufacture_qty, QTY_EPSILON))
	)
	planned = in_production or (
		submitted and (nothing_to_make or _covers(progress.planned_qty, header.manufacture_qty, QTY_EPSILON))
	)
	approved = submitted or header.review_status == REVIEW_APPROVED
	under_review = approved or header.review_status == REVIEW_PENDING
	billed = delivered and (no_value or _covers(progress.billed_amount, header.grand_total, MONEY_EPSILON))
	paid = billed and (no_value or _covers(progress.paid_amount, header.grand_total, MONEY_EPSILON))

	return {
		stages_core.RECEIVED: True,
		stages_core.UNDER_REVIEW: under_review,
		stages_core.APPROVED: approved,
		stages_core.PLANNED: planned,
		stages_core.IN_PRODUCTION: in_production,
		stages_core.READY_TO_SHIP: ready,
		stages_core.SHIPPED: shipped,
		stages_core.DELIVERED: delivered,
		stages_core.BILLED: billed,
		stages_core.PAID: paid,
	}


def derive_stage(header: OrderHeader, progress: Progress) -> str:
	"""The furthest stage fully reached, every earlier stage reached too."""
	if header.docstatus == 2:
		return stages_core.CANCELLED
	if header.status == SO_STATUS_CLOSED:
		return stages_core.CLOSED
	reached = reached_stages(header, progress)
	stage = stages_core.RECEIVED
	for candidate in stages_core.PROGRESS_STAGES:
		if not reached[candidate]:
			break
		stage = candidate
	return stage


def estimate_eta(
	header: OrderHeader, progress: Progress, stage: str, today: date, transit_days: int = 0
) -> date | None:
	"""When the customer will have the goods.

	Delivered orders: the last delivery. Shipped ones: the arrival the carrier expects, else the
	last shipment plus transit. Others: the promised date, or later when open production ends
	after it or a carrier expects goods already on the road later; never in the past.
	"""
	if stage == stages_core.CANCELLED:
		return None
	transit = timedelta(days=max(transit_days, 0))
	if (
		stages_core.stage_index(stage) >= stages_core.stage_index(stages_core.DELIVERED)
		and stage != stages_core.CLOSED
	):
		return progress.last_delivered_on or progress.last_shipped_on or header.promised_date
	if stage == stages_core.CLOSED:
		return progress.last_delivered_on or progress.last_shipped_on
	if stage == stages_core.SHIPPED:
		eta = progress.carrier_eta or (progress.last_shipped_on or today) + transit
		return max(eta, today)
	eta = header.promised_date
	if progress.production_due is not None:
		eta = _later(eta, progress.production_due + transit)
	eta = _later(eta, progress.carrier_eta)
	if eta is None:
		return None
	return max(eta, today)


def derive_order_state(
	header: OrderHeader, progress: Progress, today: date, transit_days: int = 0
) -> OrderState:
	"""The whole tracker row for an order, from its facts alone."""
	stage = derive_stage(header, progress)
	submitted = header.docstatus == 1
	eta = estimate_eta(header, progress, stage, today, transit_days)
	delay = 0
	if eta and header.promised_date and stage not in stages_core.TERMINAL_STAGES:
		delay = max((eta - header.promised_date).days, 0)
	reached = reached_stages(header, progress)
	return OrderState(
		stage=stage,
		on_hold=header.status == SO_STATUS_ON_HOLD,
		ordered_qty=header.ordered_qty,
		manufacture_qty=header.manufacture_qty,
		produced_qty=progress.produced_qty,
		shipped_qty=progress.shipped_qty,
		delivered_qty=progress.delivered_qty,
		grand_total=header.grand_total,
		billed_amount=progress.billed_amount,
		paid_amount=progress.paid_amount,
		outsourced_qty=progress.outsourced_qty,
		outsourced_returned_qty=progress.outsourced_returned_qty,
		produced_pct=_pct(progress.produced_qty, header.manufacture_qty, submitted),
		shipped_pct=_pct(progress.shipped_qty, header.ordered_qty, reached[stages_core.SHIPPED]),
		delivered_pct=_pct(progress.delivered_qty, header.ordered_qty, reached[stages_core.DELIVERED]),
		billed_pct=_pct(progress.billed_amount, header.grand_total, reached[stages_core.BILLED]),
		paid_pct=_pct(progress.paid_amount, header.grand_total, reached[stages_core.PAID]),
		promised_date=header.promised_date,
		eta=eta,
		delay_days=delay,
		returned_qty=progress.returned_qty,
		outstanding_amount=progress.outstanding_amount,
		payment_status=payment_status(header.grand_total, progress, today) if submitted else NOT_BILLED,
		payment_due=progress.payment_due if progress.outstanding_amount > MONEY_EPSILON else None,
	)


def payment_status(grand_total: float, progress: Progress, today: date) -> str:
	"""Paid once the order's total is in; Overdue while an invoice past its due date still awaits
	money; Not Billed before any invoice; then Partly Paid or Unpaid."""
	if grand_total > MONEY_EPSILON and progress.paid_amount >= grand_total - MONEY_EPSILON:
		return FULLY_PAID
	if (
		grand_total <= MONEY_EPSILON
		and progress.billed_amount > MONEY_EPSILON
		and progress.outstanding_amount <= MONEY_EPSILON
	):
		return FULLY_PAID
	if progress.outstanding_amount > MONEY_EPSILON and progress.payment_due and progress.payment_due < today:
		return OVERDUE
	if progress.billed_amount <= MONEY_EPSILON:
		return NOT_BILLED
	if progress.paid_amount > MONEY_EPSILON:
		return PARTLY_PAID
	return UNPAID


def stage_dates(
	first_events: dict[str, datetime], stage: str, last_events: dict[str, datetime] | None = None
) -> dict[str, datetime | None]:
	"""When the order reached each progress stage up to `stage`, from its timeline: the first
	event of that stage or a later one of the same kind (goods: Received to Delivered; money:
	Billed, Paid), since a stage can be passed in one step and an invoice in advance must not date
	the delivery. A stage reached with no event of its own or later (ready once the last quantity
	is made; delivered by the delivery note itself) is dated by the last event before it
	(`last_events`: the latest event of each stage). Never before the stage before it; stages not
	reached have no date. Events that cancel are not given."""
	if stage == stages_core.CANCELLED:
		return dict.fromkeys(stages_core.PROGRESS_STAGES)
	last_events = last_events or {}
	dates: dict[str, datetime | None] = dict.fromkeys(stages_core.PROGRESS_STAGES)
	if stage in stages_core.PROGRESS_STAGES:
		reached = stages_core.PROGRESS_STAGES[: stages_core.PROGRESS_STAGES.index(stage) + 1]
	else:
		reached = stages_core.PROGRESS_STAGES  # closed: what it reached keeps its dates
	goods = stages_core.PROGRESS_STAGES[: stages_core.PROGRESS_STAGES.index(stages_core.DELIVERED) + 1]
	money = stages_core.PROGRESS_STAGES[len(goods) :]
	for group in (goods, money):
		earliest_from: datetime | None = None
		for s in reversed(group):
			at = first_events.get(s)
			if at is not None and (earliest_from is None or at < earliest_from):
				earliest_from = at
			if s in reached:
				dates[s] = earliest_from
		for s in group:
			if s in reached and dates[s] is None:
				before = [
					last_events[b]
					for b in stages_core.PROGRESS_STAGES[: stages_core.PROGRESS_STAGES.index(s)]
					if b in last_events
				]
				dates[s] = max(before) if before else None
	previous: datetime | None = None
	for s in reached:
		if dates[s] is not None and previous is not None and dates[s] < previous:
			dates[s] = previous
		previous = dates[s] or previous
	return dates


def paid_amount(invoiced_paid: float, advance_paid: float, advance_allocated: float) -> float:
	"""Money received for an order.

	`invoiced_paid` is what was paid on its invoices (their share of total - outstanding), which
	already includes advances allocated to those invoices; the rest of the order's advances
	(`advance_paid - advance_allocated`) is added once.
	"""
	return max(invoiced_paid, 0.0) + max(advance_paid - advance_allocated, 0.0)


def carry_stage_dates(
	stored: dict[str, datetime | None] | None,
	old_stage: str | None,
	new_stage: str,
	at: datetime,
	from_timeline: dict[str, datetime | None],
) -> dict[str, datetime | None]:
	"""The stage dates after a refresh. Stages the order had already reached keep their date;
	stages it reaches now are dated `at` (the event that moved it); stages it no longer reaches
	lose theirs. A tracker seen for the first time (`stored` None), or a stage reached before
	without a date, takes the date read from the timeline (`stage_dates`)."""
	if new_stage == stages_core.CANCELLED:
		return dict.fromkeys(stages_core.PROGRESS_STAGES)
	if stored is None or old_stage is None:
		return dict(from_timeline)

	def reached(stage: str) -> tuple[str, ...]:
		if stage == stages_core.CANCELLED:
			return ()
		if stage not in stages_core.PROGRESS_STAGES:
			return stages_core.PROGRESS_STAGES
		return stages_core.PROGRESS_STAGES[: stages_core.PROGRESS_STAGES.index(stage) + 1]

	before, now = reached(old_stage), reached(new_stage)
	if new_stage == stages_core.CLOSED:  # closing reaches nothing new
		now = tuple(s for s in before if s in now and (stored.get(s) or from_timeline.get(s)))
	dates: dict[str, datetime | None] = dict.fromkeys(stages_core.PROGRESS_STAGES)
	for s in now:
		if s in before:
			dates[s] = stored.get(s) or from_timeline.get(s) or at
		else:
			dates[s] = at
	previous: datetime | None = None
	for s in now:
		if dates[s] is not None and previous is not None and dates[s] < previous:
			dates[s] = previous
		previous = dates[s] or previous
	return dates

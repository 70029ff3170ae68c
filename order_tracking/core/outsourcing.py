"""Outsourcing arithmetic (the seeds' 外包: 产能外包, 半成品外包, 工序外包).

An outsourcing order asks a supplier to do something to a quantity: make whole orders, make a
semi-finished part, or do one operation on work in progress. Each line keeps what was sent, what
came back accepted or rejected, and what went straight back for rework:

- `sent`: units whose materials (or work in progress) went out;
- `fresh_received`: units the supplier returned a first time (accepted, rejected or back for
  rework), so `sent - fresh_received` are still being made;
- `rework_out`: defective units sent back to be reworked and not yet returned;
- pending = not yet sent + still being made + out for rework.

A receipt may take no more than is out, in its kind: a first return from what is being made, a
return of reworked goods from what is out for rework. Everything here is plain data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

WHOLE_ORDER = "Whole Order"
SEMI_FINISHED = "Semi-finished"
OPERATION = "Operation"
TYPES = (WHOLE_ORDER, SEMI_FINISHED, OPERATION)

DRAFT, TO_SEND, SENT, PARTLY_RETURNED, RETURNED, CLOSED, CANCELLED = (
	"Draft",
	"To Send",
	"Sent",
	"Partly Returned",
	"Returned",
	"Closed",
	"Cancelled",
)
EPS = 1e-6


@dataclass(frozen=True)
class Line:
	qty: float
	sent: float = 0.0
	accepted: float = 0.0
	rejected: float = 0.0
	fresh_received: float = 0.0
	rework_out: float = 0.0

	@property
	def being_made(self) -> float:
		return max(self.sent - self.fresh_received, 0.0)

	@property
	def pending(self) -> float:
		return max(self.qty - self.sent, 0.0) + self.being_made + max(self.rework_out, 0.0)

	@property
	def returned(self) -> float:
		"""Units back for good (accepted, or rejected and kept)."""
		return self.accepted + self.rejected


@dataclass(frozen=True)
class Receipt:
	accepted: float = 0.0
	rejected: float = 0.0
	rework: float = 0.0
	is_rework: bool = False  # the goods come back from rework

	@property
	def total(self) -> float:
		return self.accepted + self.rejected + self.rework


def check_receipt(line: Line, receipt: Receipt) -> str | None:
	"""Why a receipt cannot be taken against a line (a code), or None.

	- `negative`: a quantity below zero; `nothing`: all zero;
	- `exceeds_out`: more than the supplier has of this kind (being made, or out for rework)."""
	if min(receipt.accepted, receipt.rejected, receipt.rework) < -EPS:
		return "negative"
	if receipt.total <= EPS:
		return "nothing"
	available = line.rework_out if receipt.is_rework else line.being_made
	if receipt.total > available + EPS:
		return "exceeds_out"
	return None


def apply_receipt(line: Line, receipt: Receipt, cancel: bool = False) -> Line:
	"""The line after a receipt (or after cancelling it)."""
	sign = -1.0 if cancel else 1.0
	if receipt.is_rework:
		rework_out = line.rework_out + sign * (receipt.rework - receipt.total)
		fresh = line.fresh_received
	else:
		rework_out = line.rework_out + sign * receipt.rework
		fresh = line.fresh_received + sign * receipt.total
	return replace(
		line,
		accepted=line.accepted + sign * receipt.accepted,
		rejected=line.rejected + sign * receipt.rejected,
		fresh_received=fresh,
		rework_out=rework_out,
	)


def order_status(lines: Iterable[Line], docstatus: int, closed: bool = False) -> str:
	"""Draft → To Send → Sent → Partly Returned → Returned; Closed by hand; Cancelled."""
	lines = list(lines)
	if docstatus == 2:
		return CANCELLED
	if docstatus == 0:
		return DRAFT
	if closed:
		return CLOSED
	sent = sum(line.sent for line in lines)
	if sent <= EPS:
		return TO_SEND
	if all(line.pending <= EPS for line in lines):
		return RETURNED
	back = sum(line.returned + line.rework_out for line in lines)
	return PARTLY_RETURNED if back > EPS else SENT


def materials_for(per_unit: Mapping[str, float], units: float) -> dict[str, float]:
	"""What `units` need of each material, from the quantities per unit."""
	return {item: qty * units for item, qty in per_unit.items() if qty * units > EPS}


def is_late(due: date | None, today: date, pending: float) -> bool:
	return bool(due) and today > due and pending > EPS


def days_late(due: date | None, on: date) -> int:
	return max((on - due).days, 0) if due else 0


def should_remind(due: date | None, today: date, pending: float, reminded_on: date | None) -> bool:
	"""A late order's supplier is reminded once a day, never twice the same day."""
	return is_late(due, today, pending) and reminded_on != today


@dataclass(frozen=True)
class OpenReturn:
	"""What a Sales Order still awaits from one outsourcing order (its lines for that order)."""

	outsourcing_order: str
	supplier: str
	due: date | None
	pending: float


def late_returns(returns: Iterable[OpenReturn], today: date) -> list[tuple[OpenReturn, int]]:
	"""The returns late on `today` (past their due date with something still out), one per
	outsourcing order (its lines added up), with the days late; the longest late first."""
	merged: dict[str, OpenReturn] = {}
	for r in returns:
		first = merged.get(r.outsourcing_order)
		merged[r.outsourcing_order] = replace(r, pending=r.pending + first.pending) if first else r
	late = [(r, days_late(r.due, today)) for r in merged.values() if is_late(r.due, today, r.pending)]
	return sorted(late, key=lambda pair: (-pair[1], pair[0].outsourcing_order))


# =============================================================================== suppliers


@dataclass(frozen=True)
class ReturnFact:
	"""One receipt line, as the supplier's record sees it."""

	supplier: str
	subject: str  # the operation, or the item made
	accepted: float
	rejected: float
	amount: float  # accepted x rate
	returned_on: date
	due: date | None


@dataclass(frozen=True)
class InspectionFact:
	"""A submitted Quality Inspection of what a supplier returned (its `ot_supplier` set)."""

	supplier: str
	subject: str  # the operation, or the item inspected
	qty: float  # the sample inspected
	rejected: bool


@dataclass
class Performance:
	supplier: str
	subject: str
	received: float = 0.0
	accepted: float = 0.0
	rejected: float = 0.0
	amount: float = 0.0
	on_time: float = 0.0  # units received by their due date
	late_units_days: float = 0.0  # units late x days late
	late: float = 0.0  # units received late
	receipts: int = 0
	inspected: float = 0.0  # units of the supplier's returns judged by Quality Inspections
	inspection_rejected: float = 0.0  # of those, in inspections that rejected them

	@property
	def reject_pct(self) -> float:
		"""Units rejected at the receipts and in the inspections, over the units judged by both."""
		judged = self.received + self.inspected
		return round((self.rejected + self.inspection_rejected) / judged * 100, 1) if judged > EPS else 0.0

	@property
	def on_time_pct(self) -> float:
		return round(self.on_time / self.received * 100, 1) if self.received > EPS else 0.0

	@property
	def average_delay_days(self) -> float:
		"""Days late on average, over the units that came back late."""
		return round(self.late_units_days / self.late, 1) if self.late > EPS else 0.0

	@property
	def cost_per_unit(self) -> float:
		return round(self.amount / self.accepted, 4) if self.accepted > EPS else 0.0


def supplier_performance(
	facts: Iterable[ReturnFact], inspections: Iterable[InspectionFact] = ()
) -> list[Performance]:
	"""Per supplier and operation (or item): on-time return %, reject % (receipts and quality
	inspections of the returns), average delay and cost per accepted unit."""
	rows: dict[tuple[str, str], Performance] = {}
	for i in inspections:
		row = rows.setdefault((i.supplier, i.subject), Performance(i.supplier, i.subject))
		row.inspected += max(i.qty, 0.0)
		if i.rejected:
			row.inspection_rejected += max(i.qty, 0.0)
	for f in facts:
		row = rows.setdefault((f.supplier, f.subject), Performance(f.supplier, f.subject))
		units = f.accepted + f.rejected
		row.received += units
		row.accepted += f.accepted
		row.rejected += f.rejected
		row.amount += f.amount
		row.receipts += 1
		late_days = days_late(f.due, f.returned_on)
		if late_days:
			row.late += units
			row.late_units_days += units * late_days
		else:
			row.on_time += units
	return [rows[k] for k in sorted(rows)]


def totals(lines: Iterable[Line]) -> dict[str, float]:
	result: dict[str, float] = defaultdict(float)
	for line in lines:
		result["qty"] += line.qty
		result["sent"] += line.sent
		result["accepted"] += line.accepted
		result["rejected"] += line.rejected
		result["pending"] += line.pending
	return dict(result)

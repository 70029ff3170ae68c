"""Quality on the order (issue 23): how an order's Quality Inspections and its job cards' process
loss roll up to inspected, accepted, rejected and rework qty and first-pass yield, per order and
per operation; when an order is on quality hold; and the words the customer reads.

Plain Python (no frappe): `order_tracking.quality` gathers the inspections and stores the result.

- An inspection counts `qty` units (ERPNext's sample size): all of them rejected when the
  inspection is Rejected, all accepted otherwise.
- A *lot* is what one inspection looks at: (reference doctype, reference name, item, operation).
  A lot inspected again after rework counts once more as inspected; its *first* inspection
  decides first-pass yield, its *latest* whether the qty still has to be made again (rework).
- First-pass yield = qty accepted at its lot's first inspection / (qty first inspected + process
  loss), in percent; None while nothing is inspected or lost.
- Quality hold: the latest *final* inspection (Outgoing on a Delivery Note or the finishing Stock
  Entry, or of the work order's last operation) was rejected and no Quality Manager released the
  order after it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

ACCEPTED = "Accepted"
REJECTED = "Rejected"
OUTGOING = "Outgoing"
INCOMING = "Incoming"
IN_PROCESS = "In Process"

# what a rejected final inspection opens (core.delivery.KINDS) and who answers for it
QUALITY_HOLD = "Quality Hold"
QUALITY_MANAGER = "Quality Manager"

# the timeline's events (order_tracking.order_tracking.events.EVENTS)
INSPECTION_PASSED = "Inspection Passed"
INSPECTION_FAILED = "Inspection Failed"
FINAL_INSPECTION_PASSED = "Final Inspection Passed"
FINAL_INSPECTION_FAILED = "Final Inspection Failed"
QUALITY_HOLD_RELEASED = "Quality Hold Released"
EVENTS = (
	INSPECTION_PASSED,
	INSPECTION_FAILED,
	FINAL_INSPECTION_PASSED,
	FINAL_INSPECTION_FAILED,
	QUALITY_HOLD_RELEASED,
)


@dataclass(frozen=True)
class Inspection:
	"""A submitted Quality Inspection, as the roll-up needs it."""

	name: str
	reference_type: str
	reference_name: str
	item_code: str
	status: str
	qty: float
	at: datetime
	inspection_type: str = ""
	work_order: str | None = None
	operation: str | None = None
	is_final: bool = False
	supplier: str | None = None

	@property
	def lot(self) -> tuple:
		return (self.reference_type, self.reference_name, self.item_code, self.operation or "")

	@property
	def rejected(self) -> bool:
		return self.status == REJECTED


@dataclass
class QualityTotals:
	inspected_qty: float = 0.0
	accepted_qty: float = 0.0
	rejected_qty: float = 0.0
	rework_qty: float = 0.0
	process_loss_qty: float = 0.0
	inspections: int = 0
	first_pass_good: float = 0.0
	first_inspected: float = 0.0

	@property
	def first_pass_yield(self) -> float | None:
		return first_pass_yield(self.first_pass_good, self.first_inspected, self.process_loss_qty)


def first_pass_yield(
	good_first_time: float, first_inspected: float, process_loss: float = 0.0
) -> float | None:
	"""Percent of what entered that passed the first time (None when nothing entered)."""
	entered = max(first_inspected, 0.0) + max(process_loss, 0.0)
	if entered <= 0:
		return None
	return round(100.0 * min(max(good_first_time, 0.0), entered) / entered, 2)


def _ordered(inspections: Iterable[Inspection]) -> list[Inspection]:
	return sorted(inspections, key=lambda i: (i.at, i.name))


def roll_up(inspections: Iterable[Inspection], process_loss_qty: float = 0.0) -> QualityTotals:
	"""The totals of these inspections (any number of orders or operations: the caller groups)."""
	totals = QualityTotals(process_loss_qty=max(process_loss_qty, 0.0))
	first: dict[tuple, Inspection] = {}
	latest: dict[tuple, Inspection] = {}
	for i in _ordered(inspections):
		qty = max(i.qty, 0.0)
		totals.inspections += 1
		totals.inspected_qty += qty
		if i.rejected:
			totals.rejected_qty += qty
		else:
			totals.accepted_qty += qty
		first.setdefault(i.lot, i)
		latest[i.lot] = i
	for i in first.values():
		totals.first_inspected += max(i.qty, 0.0)
		if not i.rejected:
			totals.first_pass_good += max(i.qty, 0.0)
	totals.rework_qty = sum(max(i.qty, 0.0) for i in latest.values() if i.rejected)
	return totals


def roll_up_by_operation(
	inspections: Iterable[Inspection], process_loss: dict[tuple[str, str], float] | None = None
) -> dict[tuple[str, str], QualityTotals]:
	"""Totals per (work order, operation): the in-process inspections of job cards and their loss."""
	grouped: dict[tuple[str, str], list[Inspection]] = {}
	for i in inspections:
		if i.work_order and i.operation:
			grouped.setdefault((i.work_order, i.operation), []).append(i)
	keys = set(grouped) | set(process_loss or {})
	return {key: roll_up(grouped.get(key, []), (process_loss or {}).get(key, 0.0)) for key in keys}


@dataclass(frozen=True)
class HoldState:
	on_hold: bool
	inspection: str | None = None
	reason: str = ""


def quality_hold(inspections: Iterable[Inspection], released_at: datetime | None = None) -> HoldState:
	"""On hold when the latest final inspection was rejected after the latest release (if any)."""
	finals = [i for i in _ordered(inspections) if i.is_final]
	if not finals or not finals[-1].rejected:
		return HoldState(False)
	last = finals[-1]
	if released_at and released_at >= last.at:
		return HoldState(False)
	return HoldState(True, last.name, last.item_code)


def is_final_inspection(reference_type: str, inspection_type: str, last_operation: bool = False) -> bool:
	"""A final inspection: Outgoing on a Delivery Note or a (finishing) Stock Entry, or of a job card
	of the work order's last operation."""
	if reference_type == "Job Card":
		return last_operation
	return inspection_type == OUTGOING and reference_type in ("Delivery Note", "Stock Entry")


def timeline_event(final: bool, rejected: bool) -> str:
	"""The Order Event an inspection writes: the customer reads these words on the portal."""
	if final:
		return FINAL_INSPECTION_FAILED if rejected else FINAL_INSPECTION_PASSED
	return INSPECTION_FAILED if rejected else INSPECTION_PASSED


def defects_by_parameter(readings: Iterable[tuple[str, str]]) -> Counter:
	"""(specification, status) of readings → how many were rejected per parameter."""
	return Counter(spec for spec, status in readings if spec and status == REJECTED)


@dataclass
class QualityRow:
	"""One line of the Order Quality report (by whatever the caller grouped on)."""

	key: tuple
	totals: QualityTotals
	defects: Counter = field(default_factory=Counter)


def validate_release_reason(reason: str | None) -> str:
	"""The reason of a release, stripped; ValueError when there is none."""
	text = (reason or "").strip()
	if not text:
		raise ValueError("reason")
	return text


# the tracker's per-operation figures, stored on it as JSON (`quality_operations`) so that its
# ordinary refresh writes them on its operation rows without reading an inspection
OPERATION_QUALITY_FIELDS = ("inspected_qty", "rejected_qty", "process_loss_qty", "first_pass_yield")


def encode_operation_quality(by_operation: dict[tuple[str, str], QualityTotals]) -> str | None:
	if not by_operation:
		return None
	return json.dumps(
		{
			f"{wo}\n{op}": [t.inspected_qty, t.rejected_qty, t.process_loss_qty, t.first_pass_yield or 0]
			for (wo, op), t in sorted(by_operation.items())
		}
	)


def decode_operation_quality(text: str | None) -> dict[tuple[str, str], dict[str, float]]:
	"""{(work order, operation): {field: value}}; nothing for no or unreadable text."""
	try:
		stored = json.loads(text) if text else {}
	except ValueError:
		return {}
	if not isinstance(stored, dict):
		return {}
	result = {}
	for key, values in stored.items():
		work_order, _sep, operation = str(key).partition("\n")
		if isinstance(values, list):
			result[(work_order, operation)] = dict(zip(OPERATION_QUALITY_FIELDS, values, strict=False))
	return result

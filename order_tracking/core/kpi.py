"""The arithmetic of the order KPIs, over plain numbers and dates: percentiles and distributions,
on-time delivery, fill rate, cycle time between stage dates, periods and age buckets.

The reports read the facts from the database (aggregated as far as SQL can); what is left —
medians, rates, which period or bucket a date falls in — is decided here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from order_tracking.core import stages

# ------------------------------------------------------------------ percentiles and distributions


def percentile(values: Sequence[float], p: float, presorted: bool = False) -> float | None:
	"""The `p`-th percentile (0-100) by linear interpolation between closest ranks — SQL's
	PERCENTILE_CONT and numpy's default. None for no values."""
	if not 0 <= p <= 100:
		raise ValueError(f"percentile must be within 0 and 100, not {p}")
	data = values if presorted else sorted(values)
	if not data:
		return None
	rank = (len(data) - 1) * p / 100
	low, high = math.floor(rank), math.ceil(rank)
	if low == high:
		return float(data[low])
	return data[low] + (data[high] - data[low]) * (rank - low)


def median(values: Sequence[float]) -> float | None:
	return percentile(values, 50)


@dataclass(frozen=True)
class Distribution:
	"""Count, mean, median, 90th percentile and range of a sample; all None for no values."""

	count: int
	mean: float | None
	median: float | None
	p90: float | None
	minimum: float | None
	maximum: float | None


def describe(values: Iterable[float | None], scale: float = 1.0) -> Distribution:
	"""The distribution of `values` times `scale`, ignoring None (an order that never reached the
	stage)."""
	data = [v for v in values if v is not None]
	data.sort()
	return describe_sorted(data, scale)


def describe_sorted(data: Sequence[float], scale: float = 1.0) -> Distribution:
	"""The distribution of `data` — ascending, no None — times `scale` (minutes in days, say: the
	statistics of scaled values are the scaled statistics, so the data need not be converted)."""
	if not data:
		return Distribution(0, None, None, None, None, None)
	return Distribution(
		count=len(data),
		mean=math.fsum(data) / len(data) * scale,
		median=percentile(data, 50, presorted=True) * scale,
		p90=percentile(data, 90, presorted=True) * scale,
		minimum=float(data[0]) * scale,
		maximum=float(data[-1]) * scale,
	)


def pct(part: float, whole: float, digits: int = 1) -> float | None:
	"""`part` of `whole` in per cent, rounded; None when there is no whole to measure against."""
	if not whole or whole <= 0:
		return None
	return round(part / whole * 100, digits)


# ------------------------------------------------------------------ on-time delivery


def days_late(delivered_on: date | None, promised: date | None) -> int | None:
	"""Days the delivery came after the promised date (0 when on time); None when either is unknown."""
	if delivered_on is None or promised is None:
		return None
	return max((delivered_on - promised).days, 0)


def is_on_time(delivered_on: date | None, promised: date | None) -> bool | None:
	"""On or before the promised date; None when the order is not delivered or had no promise."""
	late = days_late(delivered_on, promised)
	return None if late is None else late == 0


@dataclass
class OnTimeTally:
	"""Delivered orders, those on time, and the days late summed over the late ones; mergeable, so
	SQL can count by day and the report can add the days up to any period or group."""

	delivered: int = 0
	on_time: int = 0
	days_late: int = 0

	@property
	def late(self) -> int:
		return self.delivered - self.on_time

	@property
	def on_time_pct(self) -> float | None:
		return pct(self.on_time, self.delivered)

	@property
	def average_days_late(self) -> float | None:
		"""Mean days late of the late orders only (on-time orders do not dilute it)."""
		return round(self.days_late / self.late, 1) if self.late else None

	def add(self, delivered_on: date | None, promised: date | None) -> None:
		late = days_late(delivered_on, promised)
		if late is None:
			return
		self.delivered += 1
		if late == 0:
			self.on_time += 1
		self.days_late += late

	def merge(self, delivered: int, on_time: int, days_late: int) -> OnTimeTally:
		self.delivered += int(delivered or 0)
		self.on_time += int(on_time or 0)
		self.days_late += int(days_late or 0)
		return self


# ------------------------------------------------------------------ fill rate


def fill_rate(delivered: float, ordered: float) -> float | None:
	"""Share of the ordered quantity delivered, over-deliveries not counted (per cent)."""
	return pct(min(max(delivered, 0.0), ordered), ordered)


def filled_qty(delivered: float, ordered: float) -> float:
	"""What a line's delivery counts towards its fill rate: never more than was ordered."""
	return min(max(delivered, 0.0), max(ordered, 0.0))


def open_qty(ordered: float, delivered: float) -> float:
	"""What is still to deliver on a line."""
	return max(ordered - max(delivered, 0.0), 0.0)


@dataclass
class FulfilmentTally:
	"""Lines and orders of a group: quantities, lines fully delivered, orders due by a date and
	those delivered in full on time, and the open backlog."""

	lines: int = 0
	lines_complete: int = 0
	ordered_qty: float = 0.0
	filled_qty: float = 0.0
	open_qty: float = 0.0
	open_value: float = 0.0
	orders: int = 0
	orders_due: int = 0
	orders_on_time_in_full: int = 0

	@property
	def fill_rate(self) -> float | None:
		return pct(self.filled_qty, self.ordered_qty)

	@property
	def line_fill_rate(self) -> float | None:
		return pct(self.lines_complete, self.lines)

	@property
	def otif_pct(self) -> float | None:
		"""Orders due that were delivered in full by their promised date."""
		return pct(self.orders_on_time_in_full, self.orders_due)

	def merge(self, other: Mapping[str, float]) -> FulfilmentTally:
		for name in self.__dataclass_fields__:
			if name in other:
				kind = type(getattr(self, name))
				setattr(self, name, getattr(self, name) + kind(other[name] or 0))
		return self


# ------------------------------------------------------------------ cycle time

# The tracker field dating each progress stage.
STAGE_DATE_FIELDS = stages.STAGE_DATE_FIELDS


@dataclass(frozen=True)
class Segment:
	"""The time from reaching one stage to reaching a later one."""

	start: str
	end: str
	total: bool = False

	@property
	def key(self) -> str:
		return f"{STAGE_DATE_FIELDS[self.start][:-3]}_to_{STAGE_DATE_FIELDS[self.end][:-3]}"

	@property
	def start_field(self) -> str:
		return STAGE_DATE_FIELDS[self.start]

	@property
	def end_field(self) -> str:
		return STAGE_DATE_FIELDS[self.end]


# Stage by stage (the review lies within Received → Approved), then the two spans a manager asks
# about: order to delivery, and delivery to cash.
STEPS: tuple[Segment, ...] = (
	Segment(stages.RECEIVED, stages.APPROVED),
	Segment(stages.APPROVED, stages.PLANNED),
	Segment(stages.PLANNED, stages.IN_PRODUCTION),
	Segment(stages.IN_PRODUCTION, stages.READY_TO_SHIP),
	Segment(stages.READY_TO_SHIP, stages.SHIPPED),
	Segment(stages.SHIPPED, stages.DELIVERED),
	Segment(stages.DELIVERED, stages.BILLED),
	Segment(stages.BILLED, stages.PAID),
)
TOTALS: tuple[Segment, ...] = (
	Segment(stages.RECEIVED, stages.DELIVERED, total=True),
	Segment(stages.DELIVERED, stages.PAID, total=True),
)
SEGMENTS: tuple[Segment, ...] = STEPS + TOTALS

SECONDS_PER_DAY = 86400


def elapsed_days(start: datetime | None, end: datetime | None) -> float | None:
	"""Days from `start` to `end`, fractional; None unless both are known. Stage dates never run
	backwards on a tracker, but a hand-corrected one might: it counts as 0, not as negative time."""
	if start is None or end is None:
		return None
	return max((end - start).total_seconds(), 0.0) / SECONDS_PER_DAY


def seconds_to_days(seconds: float | None) -> float | None:
	"""Days from a number of seconds the database computed (None stays None; negative is 0)."""
	if seconds is None:
		return None
	return max(float(seconds), 0.0) / SECONDS_PER_DAY


def cycle_days(dates: Mapping[str, datetime | None], segment: Segment) -> float | None:
	"""Days an order took for `segment`, from its stage dates keyed by stage or by tracker field."""
	start = dates.get(segment.start, dates.get(segment.start_field))
	end = dates.get(segment.end, dates.get(segment.end_field))
	return elapsed_days(start, end)


def cycle_time_stats(
	samples: Iterable[Mapping[str, float | None]], segments: Sequence[Segment] = SEGMENTS
) -> dict[str, Distribution]:
	"""The distribution of each segment over orders given as {segment key: days or None}."""
	values: dict[str, list[float]] = {s.key: [] for s in segments}
	for sample in samples:
		for s in segments:
			v = sample.get(s.key)
			if v is not None:
				values[s.key].append(v)
	return {key: describe(vs) for key, vs in values.items()}


# ------------------------------------------------------------------ periods and buckets

PERIODICITIES: tuple[str, ...] = ("Weekly", "Monthly", "Quarterly", "Yearly")


def period_start(d: date, periodicity: str = "Monthly") -> date:
	"""First day of the period `d` falls in (weeks start on Monday, as ISO weeks do)."""
	if isinstance(d, datetime):
		d = d.date()
	if periodicity == "Weekly":
		return d - timedelta(days=d.weekday())
	if periodicity == "Monthly":
		return d.replace(day=1)
	if periodicity == "Quarterly":
		return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
	if periodicity == "Yearly":
		return date(d.year, 1, 1)
	raise ValueError(f"unknown periodicity {periodicity!r}")


def next_period(start: date, periodicity: str = "Monthly") -> date:
	if periodicity == "Weekly":
		return start + timedelta(days=7)
	months = {"Monthly": 1, "Quarterly": 3, "Yearly": 12}[periodicity]
	month = start.month - 1 + months
	return date(start.year + month // 12, month % 12 + 1, 1)


def period_label(start: date, periodicity: str = "Monthly") -> str:
	"""A sortable label: 2026-W47, 2026-11, 2026-Q4, 2026."""
	if periodicity == "Weekly":
		year, week, _day = start.isocalendar()
		return f"{year}-W{week:02d}"
	if periodicity == "Monthly":
		return f"{start.year}-{start.month:02d}"
	if periodicity == "Quarterly":
		return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
	if periodicity == "Yearly":
		return str(start.year)
	raise ValueError(f"unknown periodicity {periodicity!r}")


def periods(from_date: date, to_date: date, periodicity: str = "Monthly") -> list[date]:
	"""The start of every period from the one holding `from_date` to the one holding `to_date`, so a
	chart shows empty months too."""
	if to_date < from_date:
		return []
	out, current, last = [], period_start(from_date, periodicity), period_start(to_date, periodicity)
	while current <= last:
		out.append(current)
		current = next_period(current, periodicity)
	return out


AGE_EDGES: tuple[int, ...] = (30, 60, 90)


@dataclass(frozen=True)
class Bucket:
	"""Ages from `low` to `high` days, both included; `high` None for the open-ended last one."""

	low: int
	high: int | None = field(default=None)

	@property
	def label(self) -> str:
		return f"{self.low}-{self.high}" if self.high is not None else f"> {self.low - 1}"


def age_buckets(edges: Sequence[int] = AGE_EDGES) -> list[Bucket]:
	"""0-30, 31-60, 61-90, > 90 for edges (30, 60, 90)."""
	if list(edges) != sorted(set(edges)) or any(e < 0 for e in edges):
		raise ValueError(f"edges must be increasing and not negative: {edges}")
	buckets, low = [], 0
	for edge in edges:
		buckets.append(Bucket(low, edge))
		low = edge + 1
	buckets.append(Bucket(low))
	return buckets


def age_bucket(days: int, edges: Sequence[int] = AGE_EDGES) -> Bucket:
	"""The bucket an age in days falls in (negative ages — dated in the future — count as 0)."""
	days = max(days, 0)
	for bucket in age_buckets(edges):
		if bucket.high is None or days <= bucket.high:
			return bucket
	raise AssertionError("the last bucket is open-ended")


def top_n(rows: Iterable, key, n: int) -> list:
	"""The `n` rows with the largest `key`, largest first; ties keep their order."""
	return sorted(rows, key=lambda r: -(key(r) or 0))[: max(n, 0)]


def series_chart_type(points: int) -> str:
	"""A series over time is a line, but a line of one point draws nothing (frappe-charts needs two
	points for a path): one period is shown as a bar."""
	return "line" if points > 1 else "bar"

"""Order planning arithmetic (the seeds' 订单计划): plan periods and their buckets, capacity
tables, product-family reservations and what a lower plan commits against them, allocation of
lines to stock, production or outsourcing, and the shop-floor view of a schedule.

A quarter plan reserves capacity month by month, a month plan week by week, a week plan (one to
three weeks) commits lines to weeks and is scheduled operation by operation by
`order_tracking.core.scheduling`. Everything here is plain data in, plain data out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from order_tracking.core.review import Calendar

QUARTER = "Quarter"
MONTH = "Month"
WEEK = "Week"
PERIOD_TYPES = (QUARTER, MONTH, WEEK)
# the plan directly above each kind of plan
PARENT_PERIOD = {WEEK: MONTH, MONTH: QUARTER}

PRODUCTION = "Production"
FROM_STOCK = "From Stock"
OUTSOURCE = "Outsource Candidate"
SKIP = "Not Planned"
ALLOCATIONS = (PRODUCTION, FROM_STOCK, OUTSOURCE, SKIP)

EPS = 1e-6
MINUTES_PER_DAY = 24 * 60


# =============================================================================== periods


@dataclass(frozen=True)
class Bucket:
	"""A slice of a plan's period: a month of a quarter plan, a week of a month or week plan."""

	label: str
	start: date
	end: date  # inclusive

	def days(self) -> int:
		return (self.end - self.start).days + 1

	def overlap_days(self, start: date, end: date) -> int:
		return max((min(self.end, end) - max(self.start, start)).days + 1, 0)


def _month_end(day: date) -> date:
	first_next = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
	return first_next - timedelta(days=1)


def week_start(day: date) -> date:
	return day - timedelta(days=day.weekday())


def week_label(day: date) -> str:
	year, week, _weekday = day.isocalendar()
	return f"{year}-W{week:02d}"


def period_range(period_type: str, start: date, weeks: int = 2) -> tuple[date, date]:
	"""The dates a plan of `period_type` covers from `start`: the quarter or month containing it,
	or `weeks` (1-3) weeks from the Monday of its week."""
	if period_type == QUARTER:
		first_month = (start.month - 1) // 3 * 3 + 1
		first = date(start.year, first_month, 1)
		return first, _month_end(date(start.year, first_month + 2, 1))
	if period_type == MONTH:
		return date(start.year, start.month, 1), _month_end(start)
	if period_type == WEEK:
		if not 1 <= weeks <= 3:
			raise ValueError("a week plan covers 1 to 3 weeks")
		monday = week_start(start)
		return monday, monday + timedelta(days=7 * weeks - 1)
	raise ValueError(f"unknown period type {period_type!r}")


def period_label(period_type: str, start: date, end: date) -> str:
	if period_type == QUARTER:
		return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
	if period_type == MONTH:
		return f"{start.year}-{start.month:02d}"
	first, last = week_label(start), week_label(end)
	return first if first == last else f"{first}…{last[-3:]}"


def buckets(period_type: str, start: date, end: date) -> list[Bucket]:
	"""Months of a quarter plan; weeks (Monday to Sunday, clipped to the period) otherwise."""
	result = []
	if period_type == QUARTER:
		day = date(start.year, start.month, 1)
		while day <= end:
			last = min(_month_end(day), end)
			result.append(Bucket(f"{day.year}-{day.month:02d}", max(day, start), last))
			day = last + timedelta(days=1)
		return result
	day = week_start(start)
	while day <= end:
		last = day + timedelta(days=6)
		result.append(Bucket(week_label(day), max(day, start), min(last, end)))
		day = last + timedelta(days=1)
	return result


def bucket_of(all_buckets: Iterable[Bucket], day: date) -> Bucket | None:
	for b in all_buckets:
		if b.start <= day <= b.end:
			return b
	return None


# =============================================================================== capacity


def bucket_capacity(calendar: Calendar, bucket: Bucket) -> float:
	"""Minutes of work the workstation (all its units) can do in the bucket."""
	return sum(calendar.capacity(bucket.start + timedelta(days=k)) for k in range(bucket.days()))


@dataclass(frozen=True)
class CapacityRow:
	workstation: str
	bucket: Bucket
	capacity: float  # minutes
	committed: float  # minutes of work already released (open work orders, job cards)
	planned: float  # minutes this plan adds
	reserved: float = 0.0  # minutes a higher plan reserved here (shown on lower plans)

	@property
	def load(self) -> float:
		return self.committed + self.planned

	@property
	def utilisation_pct(self) -> float:
		if self.capacity <= EPS:
			return 100.0 if self.load > EPS else 0.0
		return round(self.load / self.capacity * 100, 1)

	@property
	def over(self) -> bool:
		return self.load > self.capacity + EPS


def by_bucket(minutes_by_day: Mapping[date, float], all_buckets: list[Bucket]) -> dict[str, float]:
	"""Sum day figures into the buckets they fall in (days outside every bucket are dropped)."""
	result: dict[str, float] = defaultdict(float)
	for day, minutes in minutes_by_day.items():
		b = bucket_of(all_buckets, day)
		if b is not None:
			result[b.label] += minutes
	return dict(result)


def capacity_table(
	calendars: Mapping[str, Calendar],
	all_buckets: list[Bucket],
	committed: Mapping[str, Mapping[date, float]],
	planned: Mapping[str, Mapping[date, float]],
	reserved: Mapping[str, Mapping[str, float]] | None = None,
) -> list[CapacityRow]:
	"""One row per workstation (that has a calendar and any load or capacity) and bucket."""
	rows = []
	for ws in sorted(calendars):
		committed_b = by_bucket(committed.get(ws, {}), all_buckets)
		planned_b = by_bucket(planned.get(ws, {}), all_buckets)
		for b in all_buckets:
			rows.append(
				CapacityRow(
					ws,
					b,
					capacity=bucket_capacity(calendars[ws], b),
					committed=committed_b.get(b.label, 0.0),
					planned=planned_b.get(b.label, 0.0),
					reserved=(reserved or {}).get(ws, {}).get(b.label, 0.0),
				)
			)
	return rows


def ledger_days(today: date, placed: Mapping[str, Mapping[int, float]]) -> dict[str, dict[date, float]]:
	"""`CapacityLedger.place` results (minutes per workstation and day offset) as dates."""
	return {
		ws: {today + timedelta(days=offset): minutes for offset, minutes in days.items()}
		for ws, days in placed.items()
	}


def working_minutes_by_day(calendar: Calendar, start: datetime, end: datetime) -> dict[date, float]:
	"""How the working minutes of [start, end) on a workstation fall on days (one unit's view:
	a placement occupies one unit)."""
	result: dict[date, float] = {}
	day = start.date()
	while datetime.combine(day, datetime.min.time()) < end:
		if day not in calendar.holidays:
			for p_start, p_end in calendar.day_periods():
				a = max(start, datetime.combine(day, datetime.min.time()) + timedelta(minutes=p_start))
				b = min(end, datetime.combine(day, datetime.min.time()) + timedelta(minutes=p_end))
				if b > a:
					result[day] = result.get(day, 0.0) + (b - a).total_seconds() / 60
		day += timedelta(days=1)
	return result


# =============================================================================== families


@dataclass(frozen=True)
class FamilyRow:
	family: str  # item group
	bucket: Bucket
	qty: float
	minutes: float  # load of the family's lines placed in the bucket
	parent_minutes: float | None = None  # what the higher plan reserved for the family here

	@property
	def difference(self) -> float | None:
		return None if self.parent_minutes is None else self.minutes - self.parent_minutes


def family_table(
	lines: Iterable[tuple[str, float, Mapping[date, float]]], all_buckets: list[Bucket]
) -> list[FamilyRow]:
	"""Per family and bucket, from lines given as (family, qty, minutes by day): the qty counts in
	the bucket where the line's work ends (its last day of load), the minutes where they fall."""
	qty: dict[tuple[str, str], float] = defaultdict(float)
	minutes: dict[tuple[str, str], float] = defaultdict(float)
	for family, line_qty, days in lines:
		for label, m in by_bucket(days, all_buckets).items():
			minutes[(family, label)] += m
		if days:
			last = bucket_of(all_buckets, max(days))
			if last is not None:
				qty[(family, last.label)] += line_qty
	families = sorted({f for f, _label in (*qty, *minutes)})
	return [
		FamilyRow(f, b, qty.get((f, b.label), 0.0), minutes.get((f, b.label), 0.0))
		for f in families
		for b in all_buckets
		if (f, b.label) in qty or (f, b.label) in minutes
	]


def against_parent(
	rows: list[FamilyRow], parent_rows: Iterable[FamilyRow], all_buckets: list[Bucket]
) -> list[FamilyRow]:
	"""What a lower plan commits per family and bucket beside what the higher plan reserved for
	the same days: a parent bucket's minutes are spread evenly over its days. Families the parent
	reserved but this plan does not commit appear with zero minutes."""
	parent_rows = list(parent_rows)
	share: dict[tuple[str, str], float] = defaultdict(float)
	for p in parent_rows:
		days = p.bucket.days()
		for b in all_buckets:
			overlap = p.bucket.overlap_days(b.start, b.end)
			if overlap:
				share[(p.family, b.label)] += p.minutes * overlap / days
	seen = set()
	result = []
	for r in rows:
		seen.add((r.family, r.bucket.label))
		result.append(
			FamilyRow(r.family, r.bucket, r.qty, r.minutes, share.get((r.family, r.bucket.label), 0.0))
		)
	for (family, label), minutes in sorted(share.items()):
		if (family, label) not in seen and minutes > EPS:
			b = next(b for b in all_buckets if b.label == label)
			result.append(FamilyRow(family, b, 0.0, 0.0, minutes))
	return sorted(result, key=lambda r: (r.family, r.bucket.start))


# =============================================================================== allocation


@dataclass(frozen=True)
class LineFacts:
	"""What allocation needs to know of a plan line."""

	id: str
	qty: float  # stock qty still to deliver
	stock_cover: float  # of it, what unreserved finished stock covers now
	minutes: float  # load of making the rest in-house
	tardiness: float  # minutes late when made in-house in this plan
	weight: float = 1.0
	fixed: str | None = None  # an allocation the planner chose by hand


@dataclass(frozen=True)
class Allocation:
	allocation: str
	from_stock_qty: float
	production_qty: float


def allocate(
	lines: Iterable[LineFacts], capacity_minutes: float, outsource_share_pct: float
) -> dict[str, Allocation]:
	"""Stock first: a line that stock covers goes to delivery. The rest goes to production, except
	late lines, which become outsourcing candidates — the worst weighted tardiness per minute of
	work first — while their work stays within `outsource_share_pct` of the plan's capacity (the
	seeds' ≈20 % placed with partner factories). A planner's own choice (`fixed`) is kept."""
	lines = list(lines)
	result: dict[str, Allocation] = {}
	candidates = []
	for line in lines:
		from_stock = min(max(line.stock_cover, 0.0), line.qty)
		rest = max(line.qty - from_stock, 0.0)
		if line.fixed in ALLOCATIONS:
			produced = rest if line.fixed in (PRODUCTION, OUTSOURCE) else 0.0
			result[line.id] = Allocation(line.fixed, from_stock, produced)
		elif rest <= EPS:
			result[line.id] = Allocation(FROM_STOCK, max(line.qty, 0.0), 0.0)
		else:
			result[line.id] = Allocation(PRODUCTION, from_stock, rest)
			if line.tardiness > EPS and line.minutes > EPS:
				candidates.append(line)
	budget = max(capacity_minutes, 0.0) * max(outsource_share_pct, 0.0) / 100
	already = sum(line.minutes for line in lines if line.fixed == OUTSOURCE)
	candidates.sort(key=lambda line: (-(line.weight * line.tardiness) / line.minutes, line.id))
	for line in candidates:
		if already + line.minutes > budget + EPS:
			continue
		already += line.minutes
		a = result[line.id]
		result[line.id] = Allocation(OUTSOURCE, a.from_stock_qty, a.production_qty)
	return result


# =============================================================================== shop floor


@dataclass(frozen=True)
class ScheduledOp:
	"""One operation as the shop floor sees it."""

	id: str
	workstation: str
	start: datetime
	end: datetime
	started: bool = False  # in progress: kept where it is
	completed: bool = False


def dispatch_list(
	ops: Iterable[ScheduledOp], window_start: datetime, window_end: datetime
) -> dict[str, list]:
	"""Per workstation, the operations that touch [window_start, window_end), in the order they
	run (started ones first when they share a start)."""
	lists: dict[str, list[ScheduledOp]] = defaultdict(list)
	for op in ops:
		if op.completed or op.end <= window_start or op.start >= window_end:
			continue
		lists[op.workstation].append(op)
	return {
		ws: sorted(items, key=lambda op: (op.start, not op.started, op.end, op.id))
		for ws, items in sorted(lists.items())
	}


@dataclass(frozen=True)
class OperationProgress:
	"""An operation of a work order against its schedule."""

	id: str
	qty: float
	completed_qty: float
	planned_end: datetime | None
	status: str = ""


def is_late(op: OperationProgress, now: datetime, grace_minutes: int = 0) -> bool:
	"""Not complete when its scheduled end (plus grace) has passed."""
	if op.planned_end is None or op.completed_qty >= op.qty - EPS:
		return False
	return now > op.planned_end + timedelta(minutes=max(grace_minutes, 0))


def late_operations(
	ops: Iterable[OperationProgress], now: datetime, grace_minutes: int = 0
) -> list[tuple[OperationProgress, int]]:
	"""The operations late at `now` (see `is_late`), each with the whole minutes past its
	scheduled end; the longest late first (an order's Late Operation exception points at it)."""
	late = [
		(op, int((now - op.planned_end).total_seconds() // 60))
		for op in ops
		if is_late(op, now, grace_minutes) and op.planned_end is not None
	]
	return sorted(late, key=lambda pair: (-pair[1], pair[0].id))


def operation_pct(op: OperationProgress) -> float:
	if op.qty <= EPS:
		return 100.0
	return round(min(max(op.completed_qty / op.qty, 0.0), 1.0) * 100, 2)


@dataclass
class AttainmentRow:
	workstation: str
	planned_minutes: float = 0.0
	actual_minutes: float = 0.0
	planned_qty: float = 0.0
	completed_qty: float = 0.0
	operations: int = 0
	completed_on_time: int = 0
	late: list[str] = field(default_factory=list)

	@property
	def qty_pct(self) -> float:
		return round(self.completed_qty / self.planned_qty * 100, 1) if self.planned_qty > EPS else 0.0

	@property
	def on_time_pct(self) -> float:
		return round(self.completed_on_time / self.operations * 100, 1) if self.operations else 0.0


@dataclass(frozen=True)
class PlannedOperation:
	id: str
	workstation: str
	planned_minutes: float
	qty: float
	planned_end: datetime
	completed_qty: float = 0.0
	actual_minutes: float = 0.0
	completed_at: datetime | None = None  # when its last completion was logged


def attainment(ops: Iterable[PlannedOperation]) -> list[AttainmentRow]:
	"""Plan against actual per workstation: minutes, quantity, and operations done by their
	scheduled end."""
	rows: dict[str, AttainmentRow] = {}
	for op in ops:
		row = rows.setdefault(op.workstation, AttainmentRow(op.workstation))
		row.planned_minutes += op.planned_minutes
		row.actual_minutes += op.actual_minutes
		row.planned_qty += op.qty
		row.completed_qty += min(op.completed_qty, op.qty)
		row.operations += 1
		done = op.completed_qty >= op.qty - EPS and op.completed_at is not None
		if done and op.completed_at <= op.planned_end:
			row.completed_on_time += 1
		elif not done or op.completed_at > op.planned_end:
			row.late.append(op.id)
	return [rows[ws] for ws in sorted(rows)]


# =============================================================================== priorities

PRIORITY_WEIGHTS = {"Low": 1.0, "Normal": 2.0, "High": 3.0, "Urgent": 5.0}


def priority_weight(priority: str | None) -> float:
	"""Weight of an order's tardiness in the schedule, from its priority."""
	return PRIORITY_WEIGHTS.get(priority or "Normal", PRIORITY_WEIGHTS["Normal"])


def end_of_day_minutes(day: date, horizon_start: datetime) -> int:
	"""A due date as the scheduler counts it: minutes from the horizon start to the end of that day."""
	return (
		int((datetime.combine(day, datetime.min.time()) - horizon_start).total_seconds() // 60)
		+ MINUTES_PER_DAY
	)

"""Order review, capacity check (`check_capacity`): the operations' time put on the
workstations' calendars after the load already committed (see `core.review`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate

from order_tracking.core.review_materials import MadeQty
from order_tracking.core.review_results import (
	CAPACITY,
	EPS,
	FAIL,
	PASS,
	WARN,
	CheckResult,
)

HORIZON_DAYS = 730


@dataclass(frozen=True)
class Operation:
	operation: str
	workstation: str | None
	workstation_type: str | None
	minutes: float  # per unit made (fixed time: per batch)
	fixed: bool = False  # fixed time: once per batch whatever the qty
	sequence_id: int = 0  # routing order; operations sharing a sequence id may run side by side


@dataclass(frozen=True)
class Calendar:
	"""A workstation's working time: the same working periods every day but holidays, on
	`parallel` identical units. The review and period plans count minutes per day; the scheduler
	(`core.scheduling`) places operations within `periods`."""

	workstation: str
	minutes_per_day: float  # working hours of one unit, in minutes
	parallel: int = 1  # production capacity: jobs at once
	holidays: frozenset[date] = frozenset()
	workstation_type: str | None = None
	holiday_list: str | None = None
	periods: tuple[tuple[int, int], ...] = ()  # working periods of a day, minutes from midnight

	@classmethod
	def from_periods(
		cls,
		workstation: str,
		periods: tuple[tuple[int, int], ...],
		parallel: int = 1,
		holidays: frozenset[date] = frozenset(),
		workstation_type: str | None = None,
		holiday_list: str | None = None,
	) -> Calendar:
		periods = tuple(sorted((int(a), int(b)) for a, b in periods if b > a))
		return cls(
			workstation,
			float(sum(b - a for a, b in periods)),
			parallel,
			holidays,
			workstation_type,
			holiday_list,
			periods,
		)

	def day_periods(self) -> tuple[tuple[int, int], ...]:
		"""The working periods of a working day; a calendar known only by its minutes a day
		works them from 08:00."""
		if self.periods:
			return self.periods
		if self.minutes_per_day > 0:
			return ((480, 480 + int(round(self.minutes_per_day))),)
		return ()

	def capacity(self, day: date) -> float:
		if day in self.holidays:
			return 0.0
		return max(self.minutes_per_day, 0.0) * max(self.parallel, 1)


@lru_cache(maxsize=4096)
def _capacity_days(calendar: Calendar, today: date) -> tuple[tuple[float, ...], tuple[float, ...]]:
	"""Minutes available each day of the horizon from `today`, and their running totals."""
	days = tuple(calendar.capacity(today + timedelta(days=k)) for k in range(HORIZON_DAYS))
	return days, tuple(accumulate(days))


class CapacityLedger:
	"""Remaining minutes of every workstation, day by day from today; load is placed earliest
	first. `committed` load (open work orders and job cards) is placed from today when the ledger
	is made; `booked` is load already placed day by day (orders checked before this one)."""

	def __init__(
		self,
		calendars: Iterable[Calendar],
		today: date,
		committed: Mapping[str, float] | None = None,
		booked: Mapping[str, Mapping[int, float]] | None = None,
	):
		self.today = today
		self.calendars = {c.workstation: c for c in calendars}
		self._cap = {ws: _capacity_days(c, today) for ws, c in self.calendars.items()}
		self._used: dict[str, list[float]] = {ws: [0.0] * HORIZON_DAYS for ws in self.calendars}
		self.by_type: dict[str, list[str]] = defaultdict(list)
		for c in sorted(self.calendars.values(), key=lambda c: c.workstation):
			if c.workstation_type:
				self.by_type[c.workstation_type].append(c.workstation)
		for workstation, days in (booked or {}).items():
			used = self._used.get(workstation)
			if used is not None:
				for offset, minutes in days.items():
					used[offset] += minutes
		for workstation, minutes in sorted((committed or {}).items()):
			if workstation in self.calendars:
				self.place([workstation], minutes, today)

	def place(
		self, workstations: list[str], minutes: float, start: date
	) -> tuple[date | None, dict[str, dict[int, float]]]:
		"""Put `minutes` on the pool `workstations` from `start`, earliest first. Returns the day
		the last minute lands (None: not within the horizon) and the minutes placed per
		workstation and day offset."""
		remaining = minutes
		placed: dict[str, dict[int, float]] = defaultdict(dict)
		offset = max((start - self.today).days, 0)
		last = None
		pool = [(ws, self._cap[ws][0], self._used[ws]) for ws in workstations]
		while remaining > EPS and offset < HORIZON_DAYS:
			for ws, cap, used in pool:
				free = cap[offset] - used[offset]
				if free <= EPS:
					continue
				take = free if free < remaining else remaining
				used[offset] += take
				placed[ws][offset] = placed[ws].get(offset, 0.0) + take
				remaining -= take
				last = offset
				if remaining <= EPS:
					break
			offset += 1
		if remaining > EPS:
			return None, dict(placed)
		return (self.today + timedelta(days=last)) if last is not None else start, dict(placed)

	def window(self, workstations: list[str], until: date) -> tuple[float, float]:
		"""(capacity, used) minutes of a pool from today to `until`."""
		days = min(max((until - self.today).days + 1, 0), HORIZON_DAYS)
		if days == 0:
			return 0.0, 0.0
		capacity = sum(self._cap[ws][1][days - 1] for ws in workstations)
		used = sum(sum(self._used[ws][:days]) for ws in workstations)
		return capacity, used


@dataclass
class CapacityOutcome:
	results: list[CheckResult]
	completion: date | None  # earliest feasible completion; None: infeasible
	loads: dict[str, float]  # minutes of this order per workstation (or "type:" pool)
	placed: dict[str, dict[int, float]]  # minutes placed per workstation and day offset


def operation_loads(
	made: Iterable[MadeQty], operations: Mapping[str, tuple[Operation, ...]]
) -> tuple[dict[tuple[str, str], float], list[CheckResult]]:
	"""Minutes per (kind, name) — kind "workstation" or "type" — for everything to be made."""
	loads: dict[tuple[str, str], float] = defaultdict(float)
	problems: list[CheckResult] = []
	for m in made:
		for op in operations.get(m.bom, ()):
			minutes = op.minutes if op.fixed else op.minutes * m.qty
			if op.workstation:
				loads[("workstation", op.workstation)] += minutes
			elif op.workstation_type:
				loads[("type", op.workstation_type)] += minutes
			else:
				problems.append(
					CheckResult(
						CAPACITY, FAIL, "operation_without_workstation", op.operation, (op.operation, m.bom)
					)
				)
	return dict(loads), problems


def check_capacity(
	made: Iterable[MadeQty],
	operations: Mapping[str, tuple[Operation, ...]],
	ledger: CapacityLedger,
	due: date,
	start: date | None = None,
	busy_pct: float = 90.0,
) -> CapacityOutcome:
	"""Place one order's load on `ledger` (which it consumes) from `start` (when its materials
	are complete) and judge it against the due date."""
	loads, results = operation_loads(made, operations)
	start = max(start or ledger.today, ledger.today)
	completion: date | None = None if results else start
	placed_all: dict[str, dict[int, float]] = defaultdict(dict)
	for (kind, name), minutes in sorted(loads.items()):
		pool = [name] if kind == "workstation" else sorted(ledger.by_type.get(name, []))
		known = [ws for ws in pool if ws in ledger.calendars]
		if not known:
			code = "workstation_unknown" if kind == "workstation" else "workstation_type_empty"
			results.append(
				CheckResult(
					CAPACITY, FAIL, code, name, (name,), workstation=name if kind == "workstation" else None
				)
			)
			completion = None
			continue
		for ws in known:
			cal = ledger.calendars[ws]
			if cal.minutes_per_day <= EPS:
				results.append(CheckResult(CAPACITY, FAIL, "no_working_hours", ws, (ws,), workstation=ws))
			if not cal.holiday_list:
				results.append(CheckResult(CAPACITY, WARN, "no_holiday_list", ws, (ws,), workstation=ws))
		finish, placed = ledger.place(known, minutes, start)
		for ws, days in placed.items():
			for offset, used_minutes in days.items():
				placed_all[ws][offset] = placed_all[ws].get(offset, 0.0) + used_minutes
		capacity, used = ledger.window(known, due)
		utilisation = round(used / capacity * 100, 1) if capacity > EPS else 100.0
		figures = dict(
			workstation=name if kind == "workstation" else None,
			load_hours=round(minutes / 60, 2),
			capacity_hours=round(capacity / 60, 2),
			utilisation_pct=utilisation,
			on=finish,
		)
		if finish is None:
			results.append(CheckResult(CAPACITY, FAIL, "no_capacity", name, (name, HORIZON_DAYS), **figures))
			completion = None
		elif finish > due:
			results.append(CheckResult(CAPACITY, FAIL, "capacity_late", name, (name, finish, due), **figures))
		elif utilisation > busy_pct:
			results.append(CheckResult(CAPACITY, WARN, "capacity_busy", name, (name, utilisation), **figures))
		else:
			results.append(CheckResult(CAPACITY, PASS, "capacity_ok", name, (name, utilisation), **figures))
		if completion is not None and finish is not None:
			completion = max(completion, finish)
	loads_by_name = {(n if k == "workstation" else f"type:{n}"): m for (k, n), m in loads.items()}
	return CapacityOutcome(results, completion, loads_by_name, dict(placed_all))

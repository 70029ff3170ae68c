"""One operation moved by hand on the planner's Gantt: may it go there? (issue 17)

A planner drags an operation to another time, or to another workstation of the same type. The
move is checked with the scheduler's own rules (`core.scheduling`):

- working hours: it starts in a working period of the workstation's calendar (working hours,
  holidays) and runs its working minutes from there, pausing over breaks, nights and holidays;
- capacity: while it runs, fewer operations than the workstation's units run beside it (an
  operation occupies its unit from its start to its end, as the scheduler places it);
- routing: it starts after the operations before it in its work order end (plus the transfer
  gap), and ends before the operations after it begin;
- and it does not start before `not_before` (now), nor run on a workstation it may not use.

`check_move` answers where it would end and every rule it breaks, as `Violation`s with a code
and the facts a message needs (the frappe side words them). `routing_neighbours` finds the
previous and next steps of an operation among its work order's operations, grouped as the
scheduler groups them (consecutive operations sharing a sequence id run side by side).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from order_tracking.core.review import Calendar
from order_tracking.core.scheduling import WorkingTime

OUTSIDE_WORKING_HOURS = "outside_working_hours"
NO_WORKING_HOURS = "no_working_hours"
BEYOND_HORIZON = "beyond_horizon"
OVER_CAPACITY = "over_capacity"
BEFORE_PREVIOUS = "before_previous"
AFTER_NEXT = "after_next"
IN_THE_PAST = "in_the_past"
WRONG_WORKSTATION = "wrong_workstation"


@dataclass(frozen=True)
class Slot:
	"""Another operation's time: a booking on the target workstation, or a routing neighbour."""

	id: str
	start: datetime | None
	end: datetime | None


@dataclass(frozen=True)
class Move:
	op: str
	workstation: str
	start: datetime
	minutes: int  # working minutes it runs
	allowed_workstations: tuple[str, ...] = ()  # () : any
	previous: tuple[Slot, ...] = ()  # the step before it in routing order
	next: tuple[Slot, ...] = ()  # the step after it
	gap: int = 0  # minutes between an operation's end and the next one's start
	not_before: datetime | None = None  # now: nothing moves into the past


@dataclass(frozen=True)
class Violation:
	code: str
	other: str | None = None  # the operation it collides with
	at: datetime | None = None  # the time that binds
	count: int = 0  # over capacity: operations already running then


@dataclass
class MoveCheck:
	start: datetime
	end: datetime | None
	violations: list[Violation] = field(default_factory=list)

	@property
	def ok(self) -> bool:
		return not self.violations


def _minutes(origin: datetime, t: datetime) -> int:
	return int((t - origin).total_seconds() // 60)


def working_minutes(calendar: Calendar, start: datetime, end: datetime, horizon_days: int = 730) -> int:
	"""Working minutes of the calendar in [start, end): what an operation placed there runs."""
	origin = datetime.combine(start.date(), datetime.min.time())
	wt = WorkingTime(calendar, horizon_days, origin.date())
	return wt.working_between(_minutes(origin, start), _minutes(origin, end))


def working_end(
	calendar: Calendar, start: datetime, minutes: int, horizon_days: int = 730
) -> tuple[bool, datetime | None]:
	"""Whether `start` is a working minute of the calendar, and when `minutes` of work from it end
	(None: not within the horizon)."""
	origin = datetime.combine(start.date(), datetime.min.time())
	wt = WorkingTime(calendar, horizon_days, origin.date())
	t = _minutes(origin, start)
	working = wt.next_work(t) == t
	end = wt.finish(t, max(int(minutes), 0))
	return working, (origin + timedelta(minutes=end)) if end is not None else None


def peak_overlap(bookings: Sequence[Slot], start: datetime, end: datetime) -> tuple[int, list[str]]:
	"""The most bookings running at one instant within [start, end), and which they are."""
	inside = [
		b for b in bookings if b.start and b.end and b.start < end and b.end > start and b.end > b.start
	]
	events = sorted(
		[(max(b.start, start), 1, b.id) for b in inside] + [(min(b.end, end), -1, b.id) for b in inside],
		key=lambda e: (e[0], e[1]),  # an end before a start at the same instant: they touch
	)
	running: set[str] = set()
	best: list[str] = []
	for _t, step, op in events:
		if step > 0:
			running.add(op)
			if len(running) > len(best):
				best = sorted(running)
		else:
			running.discard(op)
	return len(best), best


def check_move(
	move: Move, calendar: Calendar | None, bookings: Sequence[Slot], horizon_days: int = 730
) -> MoveCheck:
	"""Where the moved operation would end and every rule the move breaks ([] : it may go)."""
	start = move.start.replace(second=0, microsecond=0)
	check = MoveCheck(start, None)
	found = check.violations
	if move.allowed_workstations and move.workstation not in move.allowed_workstations:
		found.append(Violation(WRONG_WORKSTATION, other=move.workstation))
	if move.not_before and start < move.not_before:
		found.append(Violation(IN_THE_PAST, at=move.not_before))
	if calendar is None or not calendar.day_periods():
		found.append(Violation(NO_WORKING_HOURS, other=move.workstation))
		return check
	working, end = working_end(calendar, start, move.minutes, horizon_days)
	if not working and move.minutes > 0:
		found.append(Violation(OUTSIDE_WORKING_HOURS, at=start))
	if end is None:
		found.append(Violation(BEYOND_HORIZON))
		return check
	check.end = end
	units = max(int(calendar.parallel or 1), 1)
	others = [b for b in bookings if b.id != move.op]
	count, running = peak_overlap(others, start, end)
	if count >= units and end > start:
		found.append(Violation(OVER_CAPACITY, other=", ".join(running), count=count))
	gap = timedelta(minutes=max(move.gap, 0))
	for p in move.previous:
		if p.end and start < p.end + gap:
			found.append(Violation(BEFORE_PREVIOUS, other=p.id, at=p.end))
	for n in move.next:
		if n.start and end + gap > n.start:
			found.append(Violation(AFTER_NEXT, other=n.id, at=n.start))
	return check


@dataclass(frozen=True)
class RoutingStep:
	"""One operation of a work order, as its routing lists it."""

	id: str
	idx: int
	sequence_id: int = 0


def routing_groups(steps: Sequence[RoutingStep]) -> list[list[str]]:
	"""The operations step by step, in idx order: consecutive operations with the same non-zero
	sequence id are one step (they run side by side)."""
	groups: list[list[str]] = []
	last = None
	for s in sorted(steps, key=lambda s: s.idx):
		key = s.sequence_id or None
		if key is None or key != last:
			groups.append([])
		groups[-1].append(s.id)
		last = key
	return groups


def routing_neighbours(steps: Sequence[RoutingStep], op: str) -> tuple[list[str], list[str]]:
	"""The operations of the step before `op` and of the step after it."""
	groups = routing_groups(steps)
	for k, group in enumerate(groups):
		if op in group:
			before = groups[k - 1] if k > 0 else []
			after = groups[k + 1] if k + 1 < len(groups) else []
			return list(before), list(after)
	return [], []

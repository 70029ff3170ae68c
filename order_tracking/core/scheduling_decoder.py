"""Decoding a schedule from an order (`core.scheduling`): each operation in turn at the earliest
time a unit of its workstations can take it, gaps left by earlier ones included, on the unit where
it ends first; and the schedule's summary (completion, tardiness, the cost of what does not fit)."""

from __future__ import annotations

from bisect import bisect_right

from order_tracking.core.scheduling_model import (
	BEYOND_HORIZON,
	MINUTES_PER_DAY,
	PREDECESSOR_UNSCHEDULED,
	Placement,
	Prepared,
	Schedule,
)

# =============================================================================== decoding


class Decoder:
	"""Lays operations out one at a time. Each unit's free time is kept as gaps on its
	workstation's line of working minutes (an operation occupies every working minute between its
	start and end), so finding the first gap long enough is plain arithmetic over the few gaps a
	busy unit has; wall-clock times come back at the end.

	Two orders can be decoded: a job order (each job in turn, its operations in routing order) and
	an operation order (any order that puts every operation after its predecessors)."""

	def __init__(self, prep: Prepared):
		self.prep = prep
		self.slots = {
			o: [(ws, u, prep.times[ws]) for ws in ws_list for u in range(prep.units[ws])]
			for o, ws_list in prep.candidates.items()
		}

	def _fresh(self):
		"""Each unit's free time as sorted gaps on its working-minute line (one gap, the whole
		horizon, to begin with); fixed operations are cut out first."""
		prep = self.prep
		free = {(ws, u): ([0], [prep.times[ws].total]) for ws, n in prep.units.items() for u in range(n)}
		placements: dict[str, Placement] = {}
		end_of: dict[str, int] = {}
		for o in prep.fixed:
			ws = o.fixed_workstation or (o.workstations[0] if o.workstations else "")
			unit = min(max(o.fixed_unit, 0), prep.units.get(ws, 1) - 1)
			placements[o.id] = Placement(o.id, o.job, ws, unit, o.fixed_start, o.fixed_end)
			end_of[o.id] = o.fixed_end
			if (ws, unit) in free and o.fixed_end > o.fixed_start:
				wt = prep.times[ws]
				_occupy(free[(ws, unit)], wt.cum(o.fixed_start), wt.cum(o.fixed_end))
		return free, placements, end_of, dict(prep.unscheduled)

	def _place(self, o: str, free, placements, end_of, unscheduled) -> None:
		prep = self.prep
		if o in unscheduled or o in placements:
			return
		op = prep.ops[o]
		job = prep.jobs.get(op.job)
		ready = job.release if job else 0
		for p in prep.preds[o]:
			e = end_of.get(p)
			if e is None:
				unscheduled[o] = PREDECESSOR_UNSCHEDULED
				return
			if e + op.gap > ready:
				ready = e + op.gap
		work = op.minutes + op.setup
		if work <= 0:
			slots = self.slots[o]
			ws = slots[0][0] if slots else (op.workstations[0] if op.workstations else "")
			placements[o] = Placement(o, op.job, ws, 0, ready, ready)
			end_of[o] = ready
			return
		best = None
		for ws, u, wt in self.slots[o]:
			gs, ge = free[(ws, u)]
			a0 = wt.cum(ready)
			i = bisect_right(ge, a0)
			n = len(gs)
			a = a0
			while i < n:
				a = gs[i] if gs[i] > a0 else a0
				if ge[i] - a >= work:
					break
				i += 1
			if i >= n:
				continue
			end = wt.end_of(a + work)
			if best is None or end < best[0] or (end == best[0] and a < best[1]):
				best = (end, a, ws, u, wt, i)
		if best is None:
			unscheduled[o] = BEYOND_HORIZON
			return
		end, a, ws, u, wt, i = best
		_take(free[(ws, u)], i, a, a + work)
		placements[o] = Placement(o, op.job, ws, u, wt.start_of(a), end)
		end_of[o] = end

	def decode(self, order: list[str], method: str = "") -> Schedule:
		"""From a job order."""
		prep = self.prep
		free, placements, end_of, unscheduled = self._fresh()
		done: set[str] = set()
		count = [0]

		def place_job(j: str, stack: tuple[str, ...] = ()):
			if j in done or j in stack:
				return
			for need in sorted(prep.job_needs.get(j, ())):
				place_job(need, (*stack, j))
			done.add(j)
			for o in prep.job_ops.get(j, ()):
				count[0] += 1
				self._place(o, free, placements, end_of, unscheduled)

		for j in order:
			place_job(j)
		for j in sorted(prep.jobs):
			place_job(j)
		return self._finish(placements, unscheduled, method, count[0])

	def decode_ops(self, order: list[str], method: str = "") -> Schedule:
		"""From an operation order that puts each operation after its predecessors."""
		free, placements, end_of, unscheduled = self._fresh()
		for o in order:
			self._place(o, free, placements, end_of, unscheduled)
		return self._finish(placements, unscheduled, method, len(order))

	def _finish(self, placements, unscheduled, method, count) -> Schedule:
		for o in self.prep.ops:
			if o not in placements and o not in unscheduled:
				unscheduled[o] = PREDECESSOR_UNSCHEDULED
		return summarise(self.prep, placements, unscheduled, method, count)


def _take(gaps: tuple[list[int], list[int]], i: int, a: int, b: int) -> None:
	"""Occupy [a, b) inside gap i: what is left of it on either side stays free."""
	gs, ge = gaps
	start, end = gs[i], ge[i]
	pieces = [(x, y) for x, y in ((start, a), (b, end)) if y > x]
	gs[i : i + 1] = [x for x, _y in pieces]
	ge[i : i + 1] = [y for _x, y in pieces]


def _occupy(gaps: tuple[list[int], list[int]], a: int, b: int) -> None:
	"""Occupy [a, b) wherever it falls (fixed operations, cut out before anything is placed)."""
	gs, ge = gaps
	k = 0
	while k < len(gs):
		if ge[k] <= a or gs[k] >= b:
			k += 1
			continue
		pieces = [(x, y) for x, y in ((gs[k], min(a, ge[k])), (max(b, gs[k]), ge[k])) if y > x]
		gs[k : k + 1] = [x for x, _y in pieces]
		ge[k : k + 1] = [y for _x, y in pieces]
		k += len(pieces)


def summarise(prep: Prepared, placements, unscheduled, method, placed) -> Schedule:
	completion: dict[str, int] = {}
	incomplete = {prep.ops[o].job for o in unscheduled}
	ends: dict[str, int] = {}
	for p in placements.values():
		ends[p.job] = max(ends.get(p.job, p.end), p.end)
	tardiness: dict[str, int] = {}
	twt = 0.0
	for j, job in prep.jobs.items():
		if j in incomplete or j not in ends:
			continue
		completion[j] = ends[j]
		late = max(ends[j] - job.due, 0)
		tardiness[j] = late
		twt += job.weight * late
	makespan = max(ends.values(), default=0)
	result = Schedule(placements, completion, tardiness, twt, makespan, unscheduled, 1, method, placed)
	result.penalty = beyond_horizon_penalty(prep, unscheduled)
	return result


def beyond_horizon_penalty(prep: Prepared, unscheduled: dict[str, str]) -> float:
	"""Each job with work the schedule left out (though it could be placed) as late as the
	horizon's end plus the work it left out: dropping work never makes a schedule look better.
	Jobs that no schedule can complete (unknown workstation, no hours, a loop) cost nothing here,
	the same in every schedule. An op forward scheduling placed (`prep.must_place`) costs
	`prep.drop_cost` besides: the search never leaves out what plain loading fitted."""
	left: dict[str, int] = {}
	dropped_placeable = 0
	for o in unscheduled:
		if o in prep.doomed:
			continue
		if o in prep.must_place:
			dropped_placeable += 1
		op = prep.ops[o]
		left[op.job] = left.get(op.job, 0) + op.minutes + op.setup
	doomed_jobs = {prep.ops[o].job for o in prep.doomed}
	horizon_end = prep.problem.horizon_days * MINUTES_PER_DAY
	penalty = 0.0
	for j, work in left.items():
		job = prep.jobs.get(j)
		if job is None or j in doomed_jobs:
			continue
		penalty += job.weight * max(horizon_end + work - job.due, 0)
	return penalty + dropped_placeable * prep.drop_cost

"""The exact engine (`solve`): OR-Tools CP-SAT on the heuristic's model, warm-started from it.

The same model as `core.scheduling`: an operation holds its unit from its start to its end through
breaks, nights and holidays, so its elapsed time is a function of its start. That function is
piecewise `end = start + delta` over a workstation's working intervals: for each candidate
workstation the starts are cut into segments, each with its own delta (`segments`), exact to the
minute — no time grid, and a round-the-clock calendar is one segment. A boolean per segment picks
it; the operation's interval on that workstation is optional (either-or workstations of a type);
each workstation's units are a cumulative resource (identical parallel units; the units are given
out after, first free first, fixed operations keeping theirs). Routing order, sub-assemblies before
their parent, transfer gaps and release times are linear constraints; started work stays put. The
objective is the weighted tardiness (weights scaled to integers); the makespan breaks ties between
CP-SAT's result and the heuristic's.

Up to `EXACT_OPS` operations CP-SAT gets the whole problem and reports whether its schedule is
proven optimal (within the model's horizon: the latest any left-justified schedule can end) and
its lower bound. Above, a large-neighbourhood search: CP-SAT re-plans windows of `WINDOW_OPS`
operations around a late job's operations in the current schedule, everything else kept where it
is, and keeps a window's answer when it is better, until the time is spent. Every schedule is
checked with `validate()`; one that fails it (it should not) is decoded again from its order of
starts, which the decoder always makes feasible.

CP-SAT's search runs on `max_deterministic_time` (its own work units), the wall clock only as a
cap, so that a given seed and limit give the same schedule unless the machine is far slower.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from order_tracking.core import scheduling
from order_tracking.core.scheduling_decoder import Decoder, summarise
from order_tracking.core.scheduling_model import MINUTES_PER_DAY, Placement, Prepared, Schedule, WorkingTime

EXACT_OPS = 250  # operations up to which CP-SAT gets the whole problem
EXACT_SEGMENTS = 40_000  # segment booleans up to which it does
WINDOW_OPS = 40  # operations re-planned at once by the large-neighbourhood search
HEURISTIC_SHARE = 0.25  # of the time limit, for the heuristic's warm start


def segments(wt: WorkingTime, work: int, low: int, high: int) -> list[tuple[int, int, int]]:
	"""(first start, last start, delta): an operation of `work` working minutes started at any
	working minute s in [first, last] of this workstation ends at s + delta; starts in [low, high]."""
	found: list[tuple[int, int, int]] = []
	n = len(wt.starts)
	lengths = [wt.ends[i] - wt.starts[i] for i in range(n)]
	for i in range(n):
		if wt.ends[i] <= low:
			continue
		if wt.starts[i] > high:
			break
		first_u = max(0, low - wt.starts[i])
		last_u = min(lengths[i] - 1, high - wt.starts[i])
		if first_u > last_u:
			continue
		j = i
		while j < n and wt.before[j] + lengths[j] < wt.before[i] + first_u + work:
			j += 1
		while j < n:
			u_from = max(first_u, wt.before[j] - wt.before[i] - work + 1)
			u_to = min(last_u, wt.before[j] + lengths[j] - wt.before[i] - work)
			if u_from > last_u:
				break
			if u_from <= u_to:
				delta = wt.starts[j] - wt.before[j] + wt.before[i] - wt.starts[i] + work
				s_from, s_to = wt.starts[i] + u_from, wt.starts[i] + u_to
				if found and found[-1][2] == delta and found[-1][1] + 1 == s_from:
					found[-1] = (found[-1][0], s_to, delta)
				else:
					found.append((s_from, s_to, delta))
			j += 1
	return found


@dataclass
class _Model:
	"""The CP-SAT model of the `movable` operations; every other operation stays where `current`
	has it (fixed operations where they are)."""

	prep: Prepared
	current: Schedule
	movable: list[str]
	cap: int
	floor: int = 0  # no movable operation starts before
	cp: object = None
	model: object = None
	start: dict = field(default_factory=dict)
	end: dict = field(default_factory=dict)
	choice: dict = field(default_factory=dict)  # (op, workstation) -> presence
	size: int = 0
	objective_scale: int = 1

	def build(self) -> bool:
		from ortools.sat.python import cp_model

		self.cp = cp_model
		self.model = cp_model.CpModel()
		moving = set(self.movable)
		by_ws: dict[str, list] = {}
		for o in self.movable:
			if not self._operation(o, by_ws):
				return False
		self._frozen_intervals(moving, by_ws)
		for ws, items in by_ws.items():
			units = self.prep.units.get(ws, 1)
			if units <= 1:
				self.model.AddNoOverlap(items)
			else:
				self.model.AddCumulative(items, [1] * len(items), units)
		self._precedence(moving)
		self._objective(moving)
		return True

	def _operation(self, o: str, by_ws: dict) -> bool:
		prep, m = self.prep, self.model
		op = prep.ops[o]
		job = prep.jobs.get(op.job)
		low = max(job.release if job else 0, self.floor)
		work = op.minutes + op.setup
		s = m.NewIntVar(low, self.cap, f"s{o}")
		e = m.NewIntVar(low, self.cap, f"e{o}")
		self.start[o], self.end[o] = s, e
		if work <= 0:
			m.Add(e == s)
			return True
		hint = self.current.placements.get(o)
		presences = []
		for ws in prep.candidates.get(o, ()):
			cuts = segments(prep.times[ws], work, low, self.cap)
			if not cuts:
				continue
			x = m.NewBoolVar(f"x{o}@{ws}")
			d = m.NewIntVar(min(c[2] for c in cuts), max(c[2] for c in cuts), f"d{o}@{ws}")
			picks = []
			for k, (first, last, delta) in enumerate(cuts):
				b = m.NewBoolVar(f"b{o}@{ws}#{k}")
				m.Add(s >= first).OnlyEnforceIf(b)
				m.Add(s <= last).OnlyEnforceIf(b)
				m.Add(d == delta).OnlyEnforceIf(b)
				picks.append(b)
				if hint is not None:
					m.AddHint(b, hint.workstation == ws and first <= hint.start <= last)
			m.AddExactlyOne([*picks, x.Not()])
			by_ws.setdefault(ws, []).append(m.NewOptionalIntervalVar(s, d, e, x, f"i{o}@{ws}"))
			self.choice[(o, ws)] = x
			presences.append(x)
			self.size += len(cuts)
			if hint is not None:
				m.AddHint(x, hint.workstation == ws)
		if not presences:
			return False
		m.AddExactlyOne(presences)
		if hint is not None:
			m.AddHint(s, hint.start)
			m.AddHint(e, hint.end)
		return True

	def _frozen_intervals(self, moving: set[str], by_ws: dict) -> None:
		for o, p in self.current.placements.items():
			if o in moving or p.end <= p.start or p.workstation not in self.prep.units:
				continue
			by_ws.setdefault(p.workstation, []).append(
				self.model.NewIntervalVar(p.start, p.end - p.start, p.end, f"f{o}")
			)

	def _precedence(self, moving: set[str]) -> None:
		prep, m = self.prep, self.model
		placements = self.current.placements
		for o in prep.ops:
			op = prep.ops[o]
			for p in prep.preds[o]:
				if o in moving and p in moving:
					m.Add(self.start[o] >= self.end[p] + op.gap)
				elif o in moving and p in placements:
					m.Add(self.start[o] >= placements[p].end + op.gap)
				elif p in moving and o in placements:
					m.Add(self.end[p] + op.gap <= placements[o].start)

	def _objective(self, moving: set[str]) -> None:
		prep, m = self.prep, self.model
		weights = {j: job.weight for j, job in prep.jobs.items()}
		self.objective_scale = 1 if all(float(w).is_integer() for w in weights.values()) else 100
		ops_of: dict[str, list[str]] = {}
		for o in moving:
			ops_of.setdefault(prep.ops[o].job, []).append(o)
		terms = []
		for j, own in sorted(ops_of.items()):
			job = prep.jobs.get(j)
			weight = round(weights.get(j, 0) * self.objective_scale)
			if job is None or weight <= 0 or j not in self.current.completion:
				continue
			others = [p.end for o, p in self.current.placements.items() if p.job == j and o not in moving]
			c = m.NewIntVar(max(others, default=0), self.cap, f"c{j}")
			m.AddMaxEquality(c, [self.end[o] for o in own] + ([max(others)] if others else []))
			t = m.NewIntVar(0, max(self.cap - job.due, 0), f"t{j}")
			m.Add(t >= c - job.due)
			terms.append(weight * t)
		m.Minimize(sum(terms))

	def solve(self, seconds: float, workers: int, seed: int):
		solver = self.cp.CpSolver()
		solver.parameters.max_time_in_seconds = max(seconds, 0.05)
		solver.parameters.max_deterministic_time = max(seconds, 0.05)
		solver.parameters.num_workers = max(workers, 1)
		solver.parameters.random_seed = seed
		status = solver.Solve(self.model)
		if status not in (self.cp.OPTIMAL, self.cp.FEASIBLE):
			return None
		return solver, status == self.cp.OPTIMAL

	def placements(self, solver) -> dict[str, Placement]:
		"""The solution's placements, the units given out first free first."""
		placed = dict(self.current.placements)
		for o in self.movable:
			op = self.prep.ops[o]
			ws = next(
				(w for (oo, w), x in self.choice.items() if oo == o and solver.BooleanValue(x)),
				placed[o].workstation if o in placed else (op.workstations[0] if op.workstations else ""),
			)
			placed[o] = Placement(o, op.job, ws, 0, solver.Value(self.start[o]), solver.Value(self.end[o]))
		return _give_units(self.prep, placed)


def _give_units(prep: Prepared, placed: dict[str, Placement]) -> dict[str, Placement]:
	pinned = {o.id for o in prep.fixed}
	by_ws: dict[str, list[Placement]] = {}
	for p in placed.values():
		by_ws.setdefault(p.workstation, []).append(p)
	result = dict(placed)
	for ws, items in by_ws.items():
		units = prep.units.get(ws, 1)
		busy: list[list[tuple[int, int]]] = [[] for _ in range(units)]
		for p in items:
			if p.op in pinned and 0 <= p.unit < units:
				busy[p.unit].append((p.start, p.end))
		for p in sorted(items, key=lambda p: (p.start, p.end, p.op)):
			if p.op in pinned or p.end <= p.start:
				continue
			unit = next(
				(u for u in range(units) if all(b <= p.start or a >= p.end for a, b in busy[u])),
				0,
			)
			busy[unit].append((p.start, p.end))
			result[p.op] = Placement(p.op, p.job, ws, unit, p.start, p.end)
	return result


def _as_schedule(prep: Prepared, decoder: Decoder, placed, current: Schedule, method: str) -> Schedule:
	"""The solver's placements as a schedule; if it fails `validate()`, decoded from its starts."""
	unscheduled = {o: r for o, r in current.unscheduled.items() if o not in placed}
	result = summarise(prep, placed, unscheduled, method, 0)
	if scheduling.validate(prep.problem, result):
		order = sorted(
			(o for o in placed if o in prep.candidates and prep.ops[o].fixed_start is None),
			key=lambda o: (placed[o].start, o),
		)
		result = decoder.decode_ops(order, method)
	return result


def _cap(prep: Prepared, current: Schedule) -> int:
	"""The latest any left-justified schedule can end: from the last release (or fixed end), all
	the work and transfer gaps one after another on the slowest calendar; the horizon at most."""
	horizon_end = prep.problem.horizon_days * MINUTES_PER_DAY
	base = max([j.release for j in prep.jobs.values()] + [o.fixed_end or 0 for o in prep.fixed] + [0])
	work = sum(o.minutes + o.setup + o.gap for o in prep.ops.values())
	latest = 0
	for wt in prep.times.values():
		if wt.total <= 0:
			continue
		first = wt.next_work(base)
		end = wt.finish(first, work) if first is not None else None
		latest = max(latest, end if end is not None else horizon_end)
	return max(min(latest, horizon_end), current.makespan)


def solve(problem: scheduling.Problem, time_limit: float = 10.0, workers: int = 2, seed: int = 0) -> Schedule:
	"""The best schedule in `time_limit` seconds: the heuristic, then CP-SAT on the whole problem
	where it fits, else on windows of it. Without OR-Tools, the heuristic alone."""
	began = time.perf_counter()
	best = scheduling.schedule(problem, seed=seed, seconds=time_limit * HEURISTIC_SHARE)
	try:
		import ortools.sat.python.cp_model
	except ImportError:
		best.seconds = time.perf_counter() - began
		return best
	prep = scheduling.prepare(problem)
	placeable = [o for o in best.placements if o in prep.candidates and prep.ops[o].fixed_start is None]
	left = time_limit - (time.perf_counter() - began)
	if best.cost[0] <= 0:
		best.optimal, best.bound = True, 0.0
	elif left > 0.05 and len(placeable) <= EXACT_OPS:
		best = _exact(prep, best, placeable, left, workers, seed)
	elif left > 0.05:
		best = _windows(prep, best, placeable, began + time_limit, workers, seed)
	best.seconds = time.perf_counter() - began
	return best


def _exact(prep: Prepared, best: Schedule, placeable: list[str], seconds, workers, seed) -> Schedule:
	model = _Model(prep, best, placeable, _cap(prep, best))
	if not model.build() or model.size > EXACT_SEGMENTS:
		return _windows(prep, best, placeable, time.perf_counter() + seconds, workers, seed)
	outcome = model.solve(seconds, workers, seed)
	if outcome is None:
		return best
	solver, optimal = outcome
	found = _as_schedule(prep, Decoder(prep), model.placements(solver), best, "cp-sat")
	bound = solver.BestObjectiveBound() / model.objective_scale + best.penalty
	result = found if found.cost < best.cost else best
	result.engine = "cp-sat"
	# proven: nothing below the bound, and the schedule kept is at it
	result.bound = min(bound, result.cost[0])
	result.optimal = optimal and result.cost[0] <= bound + 1e-6
	return result


def _windows(prep: Prepared, best: Schedule, placeable: list[str], deadline, workers, seed) -> Schedule:
	"""Large neighbourhoods: CP-SAT on a window of operations around a late job's, the rest kept."""
	rng = random.Random(seed)
	decoder = Decoder(prep)
	rounds = 0
	movable_set = set(placeable)
	# a window's model, solution and check take up to half a second on 5 000 operations
	while time.perf_counter() < deadline - 1.0 and best.cost[0] > 0:
		late = sorted(
			(j for j, t in best.tardiness.items() if t > 0),
			key=lambda j: (-prep.jobs[j].weight * best.tardiness[j], j),
		)
		if not late:
			break
		job = late[min(int(rng.random() ** 2 * len(late)), len(late) - 1)]
		window = _window(prep, best, movable_set, job)
		if not window:
			break
		floor = min(best.placements[o].start for o in window)
		latest = max(best.placements[o].end for o in window)
		model = _Model(prep, best, window, latest + 2 * (latest - floor), floor)
		if not model.build():
			break
		seconds = min(0.5, deadline - 0.6 - time.perf_counter())
		if seconds <= 0.05:
			break
		outcome = model.solve(seconds, workers, seed + rounds)
		rounds += 1
		if outcome is None:
			continue
		found = _as_schedule(prep, decoder, model.placements(outcome[0]), best, "cp-sat windows")
		if found.cost < best.cost:
			best = found
	best.engine = "cp-sat windows"
	best.method = f"{best.method} ({rounds} windows)"
	return best


def _window(prep: Prepared, current: Schedule, movable: set[str], job: str) -> list[str]:
	"""The `WINDOW_OPS` movable operations starting nearest the late job's first operation."""
	own = [o for o, p in current.placements.items() if p.job == job and o in movable]
	if not own:
		return []
	t = min(current.placements[o].start for o in own)
	nearest = sorted(
		(o for o in movable if o in current.placements),
		key=lambda o: (abs(current.placements[o].start - t), o),
	)
	return sorted(set(nearest[:WINDOW_OPS]) | set(own[:WINDOW_OPS]))

"""Finite-capacity scheduling of operations on workstation calendars (the seeds' 每日排产).

The model: jobs (work orders, or plan lines about to become work orders) each have operations;
an operation runs on one workstation, or on any of a pool (a workstation type), for a number of
working minutes (plus set-up). A workstation has working periods every working day and a holiday
list (`core.review.Calendar`), and `parallel` identical units: that many operations at once. An
operation pauses over nights, breaks and holidays and resumes, occupying its unit from its start
to its end: nothing else runs on that unit meanwhile. Operations wait for their predecessors
(routing order, and the sub-assemblies other jobs make) plus a transfer gap, and for their job's
release (materials). Operations already started are fixed: they keep their unit and times.

The objective is the total weighted tardiness of jobs (minutes late at completion x weight), then
the makespan. A schedule is decoded from an order of the jobs: each job in turn, its operations
in routing order, each at the earliest time a unit of its workstations can take it — gaps left
by earlier jobs included — on the unit where it ends first. `schedule` tries several
dispatching rules for the first order (earliest due date, apparent tardiness cost, slack,
shortest weighted processing, order of arrival), keeps the best, then improves it by moving late
jobs earlier and swapping neighbours, accepting a move when it is no worse.

Deterministic: the improvement draws from a random generator seeded with `seed`, ties are broken
by ids, and its budget is counted in operations placed, not in seconds. `time_limit` is only a
safety cap, and the one thing that could make two runs differ; the default budget never reaches
it in the benchmark (`benchmarks/bench_scheduler.py`).
"""

from __future__ import annotations

import math
import random
import time
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from order_tracking.core.review import Calendar

MINUTES_PER_DAY = 24 * 60
UNKNOWN_WORKSTATION = "unknown_workstation"
NO_WORKING_HOURS = "no_working_hours"
BEYOND_HORIZON = "beyond_horizon"
CYCLE = "cycle"
PREDECESSOR_UNSCHEDULED = "predecessor_unscheduled"
DEFAULT_BUDGET = 80_000  # operations placed by the improvement, beyond the first orders
LARGE = 2_000  # operations from which only the strongest dispatching rules are tried
MAX_DECODES = 20_000


@dataclass(frozen=True)
class Job:
	id: str
	due: int  # minutes from the horizon start (usually the end of the due date's day)
	weight: float = 1.0  # priority: weight of its tardiness
	release: int = 0  # earliest start of any of its operations (e.g. materials available)
	arrival: int = 0  # order of arrival (order date as minutes): used only by the forward baseline


@dataclass(frozen=True)
class Op:
	id: str
	job: str
	workstations: tuple[str, ...]  # one workstation, or the pool it may run on
	minutes: int  # working minutes of processing
	setup: int = 0  # working minutes of set-up on its unit before processing
	after: tuple[str, ...] = ()  # ops that must end before it starts (routing; sub-assemblies)
	gap: int = 0  # wall-clock minutes between each predecessor's end and its start (transfer)
	fixed_start: int | None = None  # in progress / frozen: it stays exactly here …
	fixed_end: int | None = None
	fixed_workstation: str | None = None
	fixed_unit: int = 0


@dataclass(frozen=True)
class Problem:
	start: datetime  # the horizon start: a midnight; every minute count is from here
	calendars: Mapping[str, Calendar]  # by workstation name
	jobs: tuple[Job, ...]
	ops: tuple[Op, ...]
	horizon_days: int = 90


@dataclass(frozen=True)
class Placement:
	op: str
	job: str
	workstation: str
	unit: int  # 0 … parallel-1
	start: int  # minutes from problem.start (set-up included from here)
	end: int


@dataclass
class Schedule:
	placements: dict[str, Placement]  # by op id
	completion: dict[str, int]  # per job: end of its last op (jobs with an unscheduled op: absent)
	tardiness: dict[str, int]  # per job, minutes late (max(0, completion - due))
	total_weighted_tardiness: float
	makespan: int
	unscheduled: dict[str, str]  # op id -> reason code
	evaluations: int = 0  # schedules decoded
	method: str = ""  # the rule that gave the first order, "+search" when the search improved it
	placed: int = 0  # operations placed in all

	def at(self, problem: Problem, minutes: int) -> datetime:
		return problem.start + timedelta(minutes=minutes)

	@property
	def cost(self) -> tuple[float, int]:
		return (round(self.total_weighted_tardiness, 6), self.makespan)


# =============================================================================== calendars


class WorkingTime:
	"""A workstation's working intervals over the horizon, in minutes from its start, with the
	working minutes before each, so that 'when do w working minutes from t end' is two bisects."""

	def __init__(self, calendar: Calendar, horizon_days: int, start_weekday_date):
		starts, ends, before = [], [], []
		total = 0
		periods = [(a, b) for a, b in calendar.day_periods() if b > a]
		for day in range(horizon_days):
			if (start_weekday_date + timedelta(days=day)) in calendar.holidays:
				continue
			base = day * MINUTES_PER_DAY
			for a, b in periods:
				starts.append(base + a)
				ends.append(base + b)
				before.append(total)
				total += b - a
		self.starts, self.ends, self.before, self.total = starts, ends, before, total
		self.limit = horizon_days * MINUTES_PER_DAY

	def next_work(self, t: int) -> int | None:
		"""The first working minute at or after t."""
		k = bisect_right(self.ends, t)
		if k >= len(self.starts):
			return None
		return max(t, self.starts[k])

	def finish(self, s: int, minutes: int) -> int | None:
		"""When `minutes` of work started at working minute `s` end (None: beyond the horizon)."""
		if minutes <= 0:
			return s
		k = bisect_right(self.ends, s)
		if k >= len(self.starts):
			return None
		s = max(s, self.starts[k])
		target = self.before[k] + (s - self.starts[k]) + minutes
		if target > self.total:
			return None
		j = bisect_left(self.before, target) - 1
		# the interval in which the target-th working minute falls
		while j + 1 < len(self.before) and self.before[j + 1] < target:
			j += 1
		return self.starts[j] + (target - self.before[j])

	def cum(self, t: int) -> int:
		"""Working minutes before `t` (the line on which a unit's work is laid out)."""
		return self._cum(t)

	def start_of(self, a: int) -> int:
		"""The instant the a-th working minute begins."""
		j = bisect_right(self.before, a) - 1
		return self.starts[j] + (a - self.before[j])

	def end_of(self, b: int) -> int:
		"""The instant the b-th working minute ends (b > 0)."""
		j = bisect_left(self.before, b) - 1
		return self.starts[j] + (b - self.before[j])

	def working_between(self, a: int, b: int) -> int:
		"""Working minutes in [a, b)."""
		return max(self._cum(b) - self._cum(a), 0)

	def _cum(self, t: int) -> int:
		k = bisect_right(self.starts, t) - 1
		if k < 0:
			return 0
		return self.before[k] + min(t, self.ends[k]) - self.starts[k]


# =============================================================================== the model, prepared


@dataclass
class _Prepared:
	problem: Problem
	jobs: dict[str, Job]
	ops: dict[str, Op]
	job_ops: dict[str, list[str]]  # per job, its free (not fixed) ops in a routing order
	candidates: dict[str, list[str]]  # per op, the workstations with a calendar it may use
	times: dict[str, WorkingTime]
	units: dict[str, int]
	preds: dict[str, tuple[str, ...]]
	job_needs: dict[str, set[str]]  # per job, the other jobs whose ops its ops wait for
	unscheduled: dict[str, str]
	fixed: list[Op]
	total_minutes: dict[str, int] = field(default_factory=dict)


def _prepare(problem: Problem) -> _Prepared:
	jobs = {j.id: j for j in problem.jobs}
	ops = {o.id: o for o in problem.ops}
	start_date = problem.start.date()
	times: dict[str, WorkingTime] = {}
	units: dict[str, int] = {}
	for ws in sorted(problem.calendars):
		cal = problem.calendars[ws]
		times[ws] = WorkingTime(cal, problem.horizon_days, start_date)
		units[ws] = max(int(cal.parallel or 1), 1)
	unscheduled: dict[str, str] = {}
	candidates: dict[str, list[str]] = {}
	preds: dict[str, tuple[str, ...]] = {}
	fixed: list[Op] = []
	for o in sorted(problem.ops, key=lambda o: o.id):
		preds[o.id] = tuple(a for a in o.after if a in ops)
		if o.fixed_start is not None and o.fixed_end is not None:
			fixed.append(o)
			continue
		known = [ws for ws in dict.fromkeys(o.workstations) if ws in times]
		if not known:
			unscheduled[o.id] = UNKNOWN_WORKSTATION
		elif all(times[ws].total <= 0 for ws in known):
			unscheduled[o.id] = NO_WORKING_HOURS
		candidates[o.id] = [ws for ws in known if times[ws].total > 0]
	# precedence cycles (Kahn): whatever is left has no order
	indegree = {o: 0 for o in ops}
	successors: dict[str, list[str]] = defaultdict(list)
	for o, ps in preds.items():
		for p in ps:
			indegree[o] += 1
			successors[p].append(o)
	ready = sorted(o for o, n in indegree.items() if n == 0)
	order: list[str] = []
	while ready:
		o = ready.pop()
		order.append(o)
		for s in successors[o]:
			indegree[s] -= 1
			if indegree[s] == 0:
				ready.append(s)
	for o, n in indegree.items():
		if n > 0:
			unscheduled.setdefault(o, CYCLE)
	rank = {o: k for k, o in enumerate(order)}
	job_ops: dict[str, list[str]] = defaultdict(list)
	for o in sorted(order, key=lambda o: rank[o]):
		op = ops[o]
		if op.fixed_start is None or op.fixed_end is None:
			job_ops[op.job].append(o)
	job_needs: dict[str, set[str]] = defaultdict(set)
	for o, ps in preds.items():
		for p in ps:
			if ops[p].job != ops[o].job:
				job_needs[ops[o].job].add(ops[p].job)
	total_minutes = defaultdict(int)
	for o in problem.ops:
		total_minutes[o.job] += o.minutes + o.setup
	for j in jobs:
		job_ops.setdefault(j, [])
	return _Prepared(
		problem,
		jobs,
		ops,
		dict(job_ops),
		candidates,
		times,
		units,
		preds,
		job_needs,
		unscheduled,
		fixed,
		dict(total_minutes),
	)


# =============================================================================== decoding


class _Decoder:
	"""Lays operations out one at a time. Each unit's free time is kept as gaps on its
	workstation's line of working minutes (an operation occupies every working minute between its
	start and end), so finding the first gap long enough is plain arithmetic over the few gaps a
	busy unit has; wall-clock times come back at the end.

	Two orders can be decoded: a job order (each job in turn, its operations in routing order) and
	an operation order (any order that puts every operation after its predecessors)."""

	def __init__(self, prep: _Prepared):
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
		return _summarise(self.prep, placements, unscheduled, method, count)


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


def _summarise(prep: _Prepared, placements, unscheduled, method, placed) -> Schedule:
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
	return Schedule(placements, completion, tardiness, twt, makespan, unscheduled, 1, method, placed)


# =============================================================================== first orders


def _rules(prep: _Prepared) -> dict[str, list[str]]:
	jobs = sorted(prep.jobs.values(), key=lambda j: j.id)
	p = {j.id: max(prep.total_minutes.get(j.id, 0), 1) for j in jobs}
	mean_p = sum(p.values()) / max(len(p), 1)
	t0 = min((j.release for j in jobs), default=0)
	rules = {
		"edd": sorted(jobs, key=lambda j: (j.due, -j.weight, j.id)),
		"slack": sorted(jobs, key=lambda j: (j.due - p[j.id], j.id)),
		"weighted slack": sorted(jobs, key=lambda j: ((j.due - p[j.id] - t0) / max(j.weight, 1e-9), j.id)),
		"wspt": sorted(jobs, key=lambda j: (-j.weight / p[j.id], j.due, j.id)),
		"arrival": sorted(jobs, key=lambda j: (j.arrival, j.id)),
	}
	for k in (0.5, 2.0):
		rules[f"atc {k}"] = sorted(
			jobs,
			key=lambda j, k=k: (
				-(j.weight / p[j.id]) * math.exp(-max(j.due - p[j.id] - t0, 0) / (k * mean_p)),
				j.due,
				j.id,
			),
		)
	if len(prep.ops) >= LARGE:
		rules = {k: v for k, v in rules.items() if k in ("edd", "weighted slack", "atc 2.0", "arrival")}
	return {name: [j.id for j in order] for name, order in rules.items()}


# =============================================================================== public


def forward_schedule(problem: Problem) -> Schedule:
	"""The reference ERPNext's own job-card capacity planning gives: jobs loaded strictly in order
	of arrival, each operation at the earliest time a unit is free, never looking at due dates or
	weights. It is finite-capacity, so the tardiness it shows is real."""
	prep = _prepare(problem)
	order = [j.id for j in sorted(problem.jobs, key=lambda j: (j.arrival, j.id))]
	return _Decoder(prep).decode(order, "forward")


def schedule(
	problem: Problem, budget: int | None = None, seed: int = 0, time_limit: float | None = None
) -> Schedule:
	"""The best schedule found: dispatching rules first, then local improvement within `budget`
	operations placed (None: a default that keeps 5 000 operations within about 2 seconds)."""
	began = time.perf_counter()
	prep = _prepare(problem)
	decoder = _Decoder(prep)
	n_ops = max(len(problem.ops), 1)
	budget = DEFAULT_BUDGET if budget is None else max(budget, 0)
	best_order, best = None, None
	evaluations = 0
	placed = 0
	for name, order in _rules(prep).items():
		s = decoder.decode(order, name)
		evaluations += 1
		placed += s.placed
		if best is None or s.cost < best.cost:
			best_order, best = order, s
	if best is None:
		return decoder.decode([], "empty")
	if len(best_order) > 1 and best.total_weighted_tardiness > 0:
		best_order, best, evals, used = _improve(
			decoder, prep, best_order, best, budget // 2, seed, time_limit, began, n_ops
		)
		evaluations += evals
		placed += used
	if best.total_weighted_tardiness > 0 and len(prep.ops) > 1:
		best, evals, used = _improve_ops(
			decoder, prep, best, budget - placed + len(_rules(prep)) * n_ops, seed, time_limit, began, n_ops
		)
		evaluations += evals
		placed += used
	best.evaluations = evaluations
	best.placed = placed
	return best


def _improve(decoder, prep, order, current, budget, seed, time_limit, began, n_ops):
	rng = random.Random(seed)
	best_order, best = list(order), current
	cur_order, cur = list(order), current
	evaluations = 0
	used = 0
	max_decodes = min(MAX_DECODES, max(budget // n_ops, 0))
	position = {j: k for k, j in enumerate(cur_order)}
	stale = 0
	for _step in range(max_decodes):
		if time_limit is not None and time.perf_counter() - began > time_limit:
			break
		if cur.total_weighted_tardiness <= 0:
			break
		late = sorted(
			(j for j, t in cur.tardiness.items() if t > 0),
			key=lambda j: (-prep.jobs[j].weight * cur.tardiness[j], j),
		)
		candidate = list(cur_order)
		move = rng.random()
		if late and move < 0.7:
			# a late job earlier, the heavier ones more often
			j = late[min(int(rng.random() ** 2 * len(late)), len(late) - 1)]
			k = position[j]
			if k == 0:
				continue
			reach = max(1, min(k, int(len(candidate) * 0.2) + 2))
			new = rng.randint(k - reach, k - 1)
			candidate.insert(new, candidate.pop(k))
		elif move < 0.9:
			k = rng.randrange(len(candidate) - 1)
			candidate[k], candidate[k + 1] = candidate[k + 1], candidate[k]
		else:
			k = rng.randrange(len(candidate))
			new = rng.randrange(len(candidate))
			candidate.insert(new, candidate.pop(k))
		s = decoder.decode(candidate, cur.method)
		evaluations += 1
		used += s.placed
		if s.cost <= cur.cost:
			stale = 0 if s.cost < cur.cost else stale + 1
			cur_order, cur = candidate, s
			position = {j: k for k, j in enumerate(cur_order)}
			if s.cost < best.cost:
				best_order, best = candidate, s
		else:
			stale += 1
		if stale > 400:
			# a plateau: start again from the best found
			cur_order, cur = list(best_order), best
			position = {j: k for k, j in enumerate(cur_order)}
			stale = 0
	if best is not current:
		best.method = f"{current.method}+search"
	return best_order, best, evaluations, used


def _improve_ops(decoder, prep, current, budget, seed, time_limit, began, n_ops):
	"""Operation-level moves: an operation of a late job (or any, now and then) is decoded
	earlier — anywhere after its predecessors — or later, before its successors. This reaches
	schedules where a later job's operation waits for an earlier one's, which job orders cannot."""
	rng = random.Random(seed + 1)
	free = [o for o in prep.ops if o not in prep.unscheduled and prep.ops[o].fixed_start is None]
	if len(free) < 2:
		return current, 0, 0
	ops_of_job: dict[str, list[str]] = defaultdict(list)
	for o in free:
		ops_of_job[prep.ops[o].job].append(o)
	preds = {
		o: [p for p in prep.preds[o] if p in ops_of_job.get(prep.ops[p].job, ()) or p in free] for o in free
	}
	succs: dict[str, list[str]] = defaultdict(list)
	for o, ps in preds.items():
		for p in ps:
			succs[p].append(o)

	def start_order(sched: Schedule) -> list[str]:
		return sorted(
			free,
			key=lambda o: (
				sched.placements[o].start if o in sched.placements else 1 << 60,
				prep.ops[o].job,
				o,
			),
		)

	best, cur = current, current
	cur_order = start_order(cur)
	evaluations = used = 0
	max_decodes = min(MAX_DECODES, max(budget // max(len(free), 1), 0))
	stale = 0
	# annealing: worse orders are accepted now and then, less and less often
	weights = [prep.jobs[j].weight for j in prep.jobs] or [1.0]
	t_start = max(sum(weights) / len(weights) * 30.0, 1.0)
	for step in range(max_decodes):
		temperature = t_start * (1 - step / max(max_decodes, 1)) ** 2
		if time_limit is not None and time.perf_counter() - began > time_limit:
			break
		if cur.total_weighted_tardiness <= 0:
			break
		index = {o: k for k, o in enumerate(cur_order)}
		late_jobs = [j for j, t in cur.tardiness.items() if t > 0]
		if late_jobs and rng.random() < 0.8:
			j = late_jobs[rng.randrange(len(late_jobs))]
			o = (
				ops_of_job[j][rng.randrange(len(ops_of_job[j]))]
				if ops_of_job.get(j)
				else cur_order[rng.randrange(len(cur_order))]
			)
		else:
			o = cur_order[rng.randrange(len(cur_order))]
		k = index[o]
		low = max((index[p] for p in preds[o]), default=-1) + 1
		high = min((index[s_] for s_ in succs[o]), default=len(cur_order)) - 1
		if rng.random() < 0.75 and low < k:
			new = rng.randint(low, k - 1)
		elif k < high:
			new = rng.randint(k + 1, high)
		else:
			continue
		candidate = list(cur_order)
		candidate.insert(new, candidate.pop(k))
		s_ = decoder.decode_ops(candidate, cur.method)
		evaluations += 1
		used += len(candidate)
		if set(s_.unscheduled) - set(prep.unscheduled):
			continue
		delta = s_.total_weighted_tardiness - cur.total_weighted_tardiness
		if s_.cost <= cur.cost or (temperature > 1e-9 and rng.random() < math.exp(-delta / temperature)):
			stale = 0 if s_.cost < cur.cost else stale + 1
			cur, cur_order = s_, candidate
			if s_.cost < best.cost:
				best = s_
		else:
			stale += 1
		if stale > 300:
			cur, cur_order = best, start_order(best)
			stale = 0
	if best is not current and not best.method.endswith("+search"):
		best.method = f"{best.method}+search"
	return best, evaluations, used


def validate(problem: Problem, schedule: Schedule) -> list[str]:
	"""Every rule the schedule breaks, in words; [] when it is feasible."""
	problems: list[str] = []
	jobs = {j.id: j for j in problem.jobs}
	ops = {o.id: o for o in problem.ops}
	start_date = problem.start.date()
	times = {ws: WorkingTime(c, problem.horizon_days, start_date) for ws, c in problem.calendars.items()}
	by_unit: dict[tuple[str, int], list[Placement]] = defaultdict(list)
	for op_id, p in schedule.placements.items():
		o = ops.get(op_id)
		if o is None:
			problems.append(f"{op_id}: placed but not in the problem")
			continue
		if op_id in schedule.unscheduled:
			problems.append(f"{op_id}: both placed and unscheduled")
		fixed = o.fixed_start is not None and o.fixed_end is not None
		if fixed:
			if (p.start, p.end) != (o.fixed_start, o.fixed_end):
				problems.append(f"{op_id}: fixed at {o.fixed_start}-{o.fixed_end}, placed {p.start}-{p.end}")
		else:
			if p.workstation not in o.workstations:
				problems.append(f"{op_id}: on {p.workstation}, not one of {o.workstations}")
			wt = times.get(p.workstation)
			work = o.minutes + o.setup
			if wt is None:
				problems.append(f"{op_id}: {p.workstation} has no calendar")
			elif work > 0:
				if wt.next_work(p.start) != p.start:
					problems.append(f"{op_id}: starts at {p.start}, not working time")
				if wt.working_between(p.start, p.end) != work or wt.finish(p.start, work) != p.end:
					problems.append(f"{op_id}: {p.start}-{p.end} is not {work} working minutes")
			job = jobs.get(o.job)
			if job and p.start < job.release:
				problems.append(f"{op_id}: starts {p.start} before its release {job.release}")
			cal = problem.calendars.get(p.workstation)
			if cal and not 0 <= p.unit < max(int(cal.parallel or 1), 1):
				problems.append(f"{op_id}: unit {p.unit} of {p.workstation}")
		for a in o.after:
			pa = schedule.placements.get(a)
			if pa is None:
				if a in ops:
					problems.append(f"{op_id}: placed although {a} is not")
				continue
			if not fixed and p.start < pa.end + o.gap:
				problems.append(f"{op_id}: starts {p.start} before {a} ends {pa.end} + gap {o.gap}")
		if p.end > p.start:
			by_unit[(p.workstation, p.unit)].append(p)
	for key, items in by_unit.items():
		items.sort(key=lambda p: (p.start, p.end))
		for a, b in pairwise(items):
			if b.start < a.end:
				problems.append(f"{a.op} and {b.op} overlap on {key[0]} unit {key[1]}")
	for op_id in ops:
		if op_id not in schedule.placements and op_id not in schedule.unscheduled:
			problems.append(f"{op_id}: neither placed nor unscheduled")
	ends: dict[str, int] = {}
	for p in schedule.placements.values():
		ends[p.job] = max(ends.get(p.job, p.end), p.end)
	incomplete = {ops[o].job for o in schedule.unscheduled if o in ops}
	twt = 0.0
	for j, job in jobs.items():
		if j in incomplete or j not in ends:
			if j in schedule.completion:
				problems.append(f"job {j}: has a completion but is not complete")
			continue
		if schedule.completion.get(j) != ends[j]:
			problems.append(f"job {j}: completion {schedule.completion.get(j)} is not {ends[j]}")
		late = max(ends[j] - job.due, 0)
		if schedule.tardiness.get(j) != late:
			problems.append(f"job {j}: tardiness {schedule.tardiness.get(j)} is not {late}")
		twt += job.weight * late
	if abs(twt - schedule.total_weighted_tardiness) > 1e-6:
		problems.append(f"total weighted tardiness {schedule.total_weighted_tardiness} is not {twt}")
	if schedule.makespan != max(ends.values(), default=0):
		problems.append(f"makespan {schedule.makespan} is not {max(ends.values(), default=0)}")
	return problems

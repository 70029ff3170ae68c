"""The scheduler's model (`core.scheduling`): jobs, operations, the problem and a schedule, the
workstations' working time over the horizon, and the problem prepared for decoding (candidate
workstations, precedence in a routing order, what cannot be scheduled at all and why)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from order_tracking.core.review import Calendar

MINUTES_PER_DAY = 24 * 60
UNKNOWN_WORKSTATION = "unknown_workstation"
NO_WORKING_HOURS = "no_working_hours"
BEYOND_HORIZON = "beyond_horizon"
CYCLE = "cycle"
PREDECESSOR_UNSCHEDULED = "predecessor_unscheduled"


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
	# weighted tardiness of the jobs with work beyond the horizon, each counted late at the
	# horizon's end plus its work left: leaving work out is never cheaper than doing it late
	penalty: float = 0.0
	engine: str = "heuristic"  # heuristic, cp-sat (exact) or cp-sat windows (large neighbourhoods)
	seconds: float = 0.0  # time spent
	optimal: bool = False  # CP-SAT proved no schedule has a lower weighted tardiness
	bound: float | None = None  # CP-SAT's lower bound of the weighted tardiness

	def at(self, problem: Problem, minutes: int) -> datetime:
		return problem.start + timedelta(minutes=minutes)

	@property
	def cost(self) -> tuple[float, int]:
		return (round(self.total_weighted_tardiness + self.penalty, 6), self.makespan)

	@property
	def gap(self) -> float | None:
		"""How far above the bound the weighted tardiness may be (0.05: 5 %); None without one."""
		if self.bound is None:
			return None
		twt = self.total_weighted_tardiness + self.penalty
		return 0.0 if twt <= self.bound + 1e-9 else (twt - self.bound) / max(twt, 1e-9)


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
class Prepared:
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
	doomed: set[str] = field(default_factory=set)  # ops no schedule can place (or follow one)
	# ops forward scheduling placed (`schedule` sets it): a schedule that leaves one of them out
	# costs `drop_cost` more per op, above any tardiness, so the search never keeps such a schedule
	must_place: frozenset[str] = frozenset()
	drop_cost: float = 0.0


def prepare(problem: Problem) -> Prepared:
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
	doomed = set(unscheduled)
	for o in order:
		if any(p in doomed for p in preds[o]):
			doomed.add(o)
	return Prepared(
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
		doomed,
	)

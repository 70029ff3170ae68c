"""Finite-capacity scheduling of operations on workstation calendars (the seeds' 每日排产).

The model (`core.scheduling_model`): jobs (work orders, or plan lines about to become work orders)
each have operations; an operation runs on one workstation, or on any of a pool (a workstation
type), for a number of working minutes (plus set-up). A workstation has working periods every
working day and a holiday list (`core.review.Calendar`), and `parallel` identical units: that many
operations at once. An operation pauses over nights, breaks and holidays and resumes, occupying its
unit from its start to its end: nothing else runs on that unit meanwhile. Operations wait for their
predecessors (routing order, and the sub-assemblies other jobs make) plus a transfer gap, and for
their job's release (materials). Operations already started are fixed: they keep their unit and times.

The objective is the total weighted tardiness of jobs (minutes late at completion x weight), then
the makespan. Work that falls beyond the horizon is not free: its job counts as late at the
horizon's end plus the work it left out (`Schedule.penalty`), so that no search prefers leaving
the heaviest order out. A schedule is decoded from an order of the jobs (`core.scheduling_decoder`):
each job in turn, its operations in routing order, each at the earliest time a unit of its
workstations can take it — gaps left by earlier jobs included — on the unit where it ends first.
`schedule` tries several dispatching rules for the first order, keeps the best, then improves it by
moving late jobs earlier and swapping neighbours, then by moving single operations
(`core.scheduling_search`). The exact engine and the large-neighbourhood search on top of it are
in `core.scheduling_cpsat` (`solve`).

The search's budget is time, counted deterministically: `seconds` are turned into a number of
operations placed (decoder steps) at a rate calibrated once on the benchmark machine
(`PLACEMENTS_PER_SECOND`), so a plant four times larger gets a search four times shorter in
schedules but the same in time, and the same seed and seconds give the same schedule on every
machine and every run. A wall clock is kept only as a safety cap (`time_limit`, by default three
times `seconds`): on a machine so loaded that the cap is reached, two runs can differ.
"""

from __future__ import annotations

import time
from collections import defaultdict
from itertools import pairwise

from order_tracking.core.scheduling_decoder import Decoder, summarise
from order_tracking.core.scheduling_model import (
	BEYOND_HORIZON,
	CYCLE,
	MINUTES_PER_DAY,
	NO_WORKING_HOURS,
	PREDECESSOR_UNSCHEDULED,
	UNKNOWN_WORKSTATION,
	Job,
	Op,
	Placement,
	Prepared,
	Problem,
	Schedule,
	WorkingTime,
	prepare,
)
from order_tracking.core.scheduling_search import improve_jobs, improve_ops, rules

__all__ = [
	"BEYOND_HORIZON",
	"CYCLE",
	"MINUTES_PER_DAY",
	"NO_WORKING_HOURS",
	"PREDECESSOR_UNSCHEDULED",
	"UNKNOWN_WORKSTATION",
	"Job",
	"Op",
	"Placement",
	"Prepared",
	"Problem",
	"Schedule",
	"WorkingTime",
	"forward_schedule",
	"prepare",
	"schedule",
	"summarise",
	"validate",
]

# operations placed per second of search, calibrated once (benchmarks/bench_scheduler.py
# --calibrate on the 2-core CI machine, 5 000 operations on 30 workstations)
PLACEMENTS_PER_SECOND = 100_000
DEFAULT_SECONDS = 2.0


# =============================================================================== public


def forward_schedule(problem: Problem) -> Schedule:
	"""The reference ERPNext's own job-card capacity planning gives: jobs loaded strictly in order
	of arrival, each operation at the earliest time a unit is free, never looking at due dates or
	weights. It is finite-capacity, so the tardiness it shows is real."""
	prep = prepare(problem)
	order = [j.id for j in sorted(problem.jobs, key=lambda j: (j.arrival, j.id))]
	return Decoder(prep).decode(order, "forward")


def schedule(
	problem: Problem,
	budget: int | None = None,
	seed: int = 0,
	time_limit: float | None = None,
	seconds: float | None = None,
) -> Schedule:
	"""The best schedule the heuristic finds: dispatching rules first, then local improvement
	for `seconds` of search (counted as operations placed, see above) or, given, `budget`
	operations placed; `time_limit` caps the wall clock (default: three times the seconds)."""
	began = time.perf_counter()
	if budget is None:
		seconds = DEFAULT_SECONDS if seconds is None else max(seconds, 0.0)
		budget = int(seconds * PLACEMENTS_PER_SECOND)
		if time_limit is None:
			time_limit = 3 * seconds + 0.5
	budget = max(budget, 0)
	prep = prepare(problem)
	decoder = Decoder(prep)
	n_ops = max(len(problem.ops), 1)
	best_order, best = None, None
	evaluations = placed = 0
	first_orders = rules(prep)
	forward = decoder.decode(first_orders["arrival"], "arrival")  # forward scheduling's order
	keep_what_forward_placed(prep, forward)
	for name, order in first_orders.items():
		s = forward if name == "arrival" else decoder.decode(order, name)
		evaluations += 1
		placed += s.placed
		if best is None or s.cost < best.cost:
			best_order, best = order, s
	if best is None:
		return decoder.decode([], "empty")
	if len(best_order) > 1 and best.cost[0] > 0:
		best_order, best, evals, used = improve_jobs(
			decoder, prep, best_order, best, budget // 2, seed, time_limit, began
		)
		evaluations += evals
		placed += used
	if best.cost[0] > 0 and len(prep.ops) > 1:
		best, evals, used = improve_ops(
			decoder, prep, best, budget - placed + len(first_orders) * n_ops, seed, time_limit, began
		)
		evaluations += evals
		placed += used
	best.evaluations = evaluations
	best.placed = placed
	best.seconds = time.perf_counter() - began
	return best


def keep_what_forward_placed(prep: Prepared, forward: Schedule) -> None:
	"""No schedule may leave out beyond the horizon an operation forward scheduling placed: each
	such op costs more than the whole plan's tardiness could (every job late by the horizon plus
	all the work), so the search refuses those moves and forward's own schedule stays a candidate."""
	prep.must_place = frozenset(forward.placements)
	work = sum(op.minutes + op.setup for op in prep.ops.values())
	weights = sum(job.weight for job in prep.jobs.values())
	prep.drop_cost = (weights + 1.0) * (prep.problem.horizon_days * MINUTES_PER_DAY + work + 1.0)


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

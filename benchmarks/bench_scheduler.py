"""Benchmark of `order_tracking.core.scheduling` (pure core, no site).

    python benchmarks/bench_scheduler.py           # timing, quality against forward and CP-SAT
    python benchmarks/bench_scheduler.py --quick   # fewer, smaller instances

1. Time: 1 000, 5 000 and 10 000 operations on 30 workstations over a 90-day horizon (target:
   5 000 in ≤ 2 s), median of 3 runs, with the split between the dispatching rules and the search.
2. Quality against forward scheduling (`forward_schedule`, what ERPNext's own job-card capacity
   planning does: jobs in order of arrival, each operation as early as a unit is free): total
   weighted tardiness on 20 instances of 200-500 operations (target: ≥ 30 % lower in aggregate).
3. Quality against the optimum OR-Tools CP-SAT proves on ≤ 40 operations (a round-the-clock
   calendar, so that CP-SAT models the instances exactly), 30 s per instance (target: within 10 %).

The generator (`generate`) is seeded and documented so that the same instances come back: jobs of
3-8 operations in routing order, each operation on one workstation or on a pool of three (a
workstation type), 5-120 minutes a unit of work with 0-20 minutes of set-up and 0-30 minutes of
transfer after the previous operation; workstations with 1-3 units working 08:00-12:00 and
13:00-17:00, Sundays and a few holidays off; jobs arriving over the first two weeks with weights
1-3 and due dates drawn so that the shop is overloaded around them (tardiness is never zero).
OR-Tools is a benchmark and test dependency only; the app never imports it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from order_tracking.core import scheduling as scheduling_core
from order_tracking.core.review import Calendar

START = datetime(2026, 11, 23)  # a Monday
SHOP = ((480, 720), (780, 1020))
ROUND_THE_CLOCK = ((0, 1440),)


def generate(
	n_ops: int,
	seed: int,
	n_ws: int = 30,
	periods=SHOP,
	holidays: bool = True,
	tightness: float = 0.6,
	due_factor: tuple[float, float] | None = None,
) -> scheduling_core.Problem:
	"""`due_factor` (a, b): every job released at once and due U(a, b) x its own work after the
	start (the small, tight instances compared with CP-SAT); otherwise due dates follow the load."""
	rng = random.Random(seed)
	days_off = set()
	if holidays:
		days_off = {START.date() + timedelta(days=d) for d in range(120) if (START.weekday() + d) % 7 == 6}
		days_off |= {START.date() + timedelta(days=rng.randint(1, 89)) for _ in range(3)}
	stations = [f"WS{k:02d}" for k in range(n_ws)]
	types = {f"T{k}": stations[3 * k : 3 * k + 3] for k in range(n_ws // 3)}
	calendars = {}
	for ws in stations:
		pool = next((t for t, members in types.items() if ws in members), None)
		calendars[ws] = Calendar.from_periods(
			ws,
			periods,
			parallel=rng.choice((1, 1, 2, 3)),
			holidays=frozenset(days_off),
			workstation_type=pool,
		)
	minutes_a_day = sum(b - a for a, b in periods)
	units = sum(c.parallel for c in calendars.values())
	jobs, ops = [], []
	total = 0
	raw = []
	while total < n_ops:
		j = f"J{len(raw):04d}"
		k = min(rng.randint(3, 8), n_ops - total)
		steps = []
		for i in range(k):
			if rng.random() < 0.2:
				where = tuple(types[rng.choice(sorted(types))])
			else:
				where = (rng.choice(stations),)
			steps.append(
				(f"{j}.{i}", where, rng.randint(5, 120), rng.choice((0, 0, 10, 20)), rng.choice((0, 10, 30)))
			)
		total += k
		raw.append((j, steps))
	work = sum(m + s for _j, steps in raw for _o, _w, m, s, _g in steps)
	span_days = work / (units * minutes_a_day) / tightness  # how long the shop needs for everything
	for j, steps in raw:
		arrival = rng.randint(0, 14 * 1440)
		own_work = sum(m + s + g for _o, _w, m, s, g in steps)
		if due_factor:
			release, due = 0, int(rng.uniform(*due_factor) * own_work)
		else:
			release = arrival if rng.random() < 0.3 else 0
			own = own_work / minutes_a_day * 1440
			due = release + int((rng.uniform(0.2, 1.0) * span_days + own / 1440) * 1440)
		jobs.append(scheduling_core.Job(j, due, rng.choice((1, 2, 3)), release, arrival))
		previous = None
		for op_id, where, minutes, setup, gap in steps:
			ops.append(
				scheduling_core.Op(
					op_id, j, where, minutes, setup, (previous,) if previous else (), gap if previous else 0
				)
			)
			previous = op_id
	horizon = 90 if periods == SHOP else 30
	return scheduling_core.Problem(START, calendars, tuple(jobs), tuple(ops), horizon_days=horizon)


# =============================================================================== CP-SAT


def cp_sat_optimum(problem: scheduling_core.Problem, seconds: float = 30.0):
	"""The optimum of a round-the-clock problem: (total weighted tardiness, makespan, proven)."""
	from ortools.sat.python import cp_model

	m = cp_model.CpModel()
	horizon = (
		sum(o.minutes + o.setup + o.gap for o in problem.ops) + max(j.release for j in problem.jobs) + 10
	)
	jobs = {j.id: j for j in problem.jobs}
	start, end = {}, {}
	by_ws: dict[str, list] = {ws: [] for ws in problem.calendars}
	for o in problem.ops:
		d = o.minutes + o.setup
		s = m.NewIntVar(jobs[o.job].release, horizon, f"s{o.id}")
		e = m.NewIntVar(0, horizon, f"e{o.id}")
		m.Add(e == s + d)
		start[o.id], end[o.id] = s, e
		choices = [ws for ws in o.workstations if ws in problem.calendars]
		if len(choices) == 1:
			by_ws[choices[0]].append(m.NewIntervalVar(s, d, e, f"i{o.id}"))
		else:
			lits = []
			for ws in choices:
				lit = m.NewBoolVar(f"p{o.id}{ws}")
				by_ws[ws].append(m.NewOptionalIntervalVar(s, d, e, lit, f"i{o.id}{ws}"))
				lits.append(lit)
			m.AddExactlyOne(lits)
	for ws, intervals in by_ws.items():
		cap = problem.calendars[ws].parallel
		if not intervals:
			continue
		if cap == 1:
			m.AddNoOverlap(intervals)
		else:
			m.AddCumulative(intervals, [1] * len(intervals), cap)
	for o in problem.ops:
		for a in o.after:
			m.Add(start[o.id] >= end[a] + o.gap)
	tard = []
	makespan = m.NewIntVar(0, horizon, "makespan")
	for j in problem.jobs:
		c = m.NewIntVar(0, horizon, f"c{j.id}")
		m.AddMaxEquality(c, [end[o.id] for o in problem.ops if o.job == j.id])
		t = m.NewIntVar(0, horizon, f"t{j.id}")
		m.Add(t >= c - j.due)
		tard.append((int(j.weight), t))
		m.Add(makespan >= c)
	twt = sum(w * t for w, t in tard)
	m.Minimize(twt * (horizon + 1) + makespan)
	solver = cp_model.CpSolver()
	solver.parameters.max_time_in_seconds = seconds
	solver.parameters.num_workers = 2
	status = solver.Solve(m)
	value = sum(w * solver.Value(t) for w, t in tard)
	return value, solver.Value(makespan), status == cp_model.OPTIMAL


# =============================================================================== runs


def timing(sizes, runs=3):
	print("\n## Time (30 workstations, 90-day horizon)\n")
	print(
		"| operations | median s | rules s | search s | schedules decoded | weighted tardiness (days) | forward (days) |"
	)
	print("|---:|---:|---:|---:|---:|---:|---:|")
	for n in sizes:
		p = generate(n, seed=n)
		times, rule_times = [], []
		result = None
		for _ in range(runs):
			t0 = time.perf_counter()
			result = scheduling_core.schedule(p, budget=0)
			t1 = time.perf_counter()
			result = scheduling_core.schedule(p)
			t2 = time.perf_counter()
			rule_times.append(t1 - t0)
			times.append(t2 - t1)
		assert scheduling_core.validate(p, result) == [], "infeasible schedule"
		fwd = scheduling_core.forward_schedule(p)
		median, rules = statistics.median(times), statistics.median(rule_times)
		print(
			f"| {len(p.ops)} | {median:.2f} | {rules:.2f} | {max(median - rules, 0):.2f} | {result.evaluations} | "
			f"{result.total_weighted_tardiness / 1440:,.0f} | {fwd.total_weighted_tardiness / 1440:,.0f} |"
		)


def against_forward(count=20, sizes=(200, 500)):
	print(f"\n## Against forward scheduling ({count} instances of {sizes[0]}-{sizes[1]} operations)\n")
	print("| instance | ops | forward (days) | ours (days) | lower by |")
	print("|---|---:|---:|---:|---:|")
	fwd_total = ours_total = 0.0
	for k in range(count):
		n = sizes[0] + (sizes[1] - sizes[0]) * k // max(count - 1, 1)
		p = generate(n, seed=1000 + k)
		f, s = scheduling_core.forward_schedule(p), scheduling_core.schedule(p)
		assert scheduling_core.validate(p, s) == [] and scheduling_core.validate(p, f) == []
		fwd_total += f.total_weighted_tardiness
		ours_total += s.total_weighted_tardiness
		lower = (
			1 - s.total_weighted_tardiness / f.total_weighted_tardiness if f.total_weighted_tardiness else 0
		)
		print(
			f"| f{k:02d} | {len(p.ops)} | {f.total_weighted_tardiness / 1440:,.1f} | "
			f"{s.total_weighted_tardiness / 1440:,.1f} | {lower:.0%} |"
		)
	print(f"\n**Aggregate: {1 - ours_total / fwd_total:.1%} lower than forward** (target ≥ 30 %)")
	return 1 - ours_total / fwd_total


def against_cp_sat(count=10, seconds=30.0):
	print(f"\n## Against CP-SAT's optimum ({count} instances of ≤ 40 operations, round the clock)\n")
	print("| instance | ops | optimum | proven | ours | gap | ours makespan | CP-SAT makespan |")
	print("|---|---:|---:|:---:|---:|---:|---:|---:|")
	opt_total = ours_total = 0.0
	worst = 0.0
	for k in range(count):
		n = 20 + 20 * k // max(count - 1, 1)
		p = generate(n, seed=3000 + k, n_ws=3, periods=ROUND_THE_CLOCK, holidays=False, due_factor=(0.7, 1.8))
		s = scheduling_core.schedule(p)
		assert scheduling_core.validate(p, s) == []
		opt, mk, proven = cp_sat_optimum(p, seconds)
		gap = (
			(s.total_weighted_tardiness - opt) / opt
			if opt
			else (0.0 if s.total_weighted_tardiness == 0 else float("inf"))
		)
		worst = max(worst, gap)
		opt_total += opt
		ours_total += s.total_weighted_tardiness
		print(
			f"| c{k:02d} | {len(p.ops)} | {opt:,.0f} | {'yes' if proven else 'no'} | {s.total_weighted_tardiness:,.0f} | "
			f"{gap:.1%} | {s.makespan} | {mk} |"
		)
	total_gap = (ours_total - opt_total) / opt_total if opt_total else 0.0
	print(f"\n**Aggregate: {total_gap:.1%} above the optimum; worst instance {worst:.1%}** (target ≤ 10 %)")
	return total_gap, worst


if __name__ == "__main__":
	parser = argparse.ArgumentParser()
	parser.add_argument("--quick", action="store_true")
	args = parser.parse_args()
	print(f"# bench_scheduler ({date.today()}, Python {sys.version.split()[0]})")
	if args.quick:
		timing([1000, 5000], runs=1)
		against_forward(count=5)
		against_cp_sat(count=3, seconds=10)
	else:
		timing([1000, 5000, 10000])
		against_forward()
		against_cp_sat()

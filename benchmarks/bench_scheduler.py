"""Benchmark of the scheduler (`core.scheduling`, `core.scheduling_cpsat`), pure core, no site.

    python benchmarks/bench_scheduler.py              # the full run (under ~10 minutes)
    python benchmarks/bench_scheduler.py --quick      # one seed per family, 5 000 operations only
    python benchmarks/bench_scheduler.py --calibrate  # operations placed per second (the budget's rate)

1. Families of small instances (≤ 40 operations) of our own generator (`family_problem`, seeded):
   job shops (6-10 orders x 3-5 operations on 3-6 workstations, some with two units), shoe-factory
   flow shops (cutting → stitching → lasting → sole attaching → finishing), flexible shops (each
   operation on either of two workstations of a type), dense shops (8-10 orders on 3-4
   workstations); each on four calendars: lunch break, an early shift with two breaks, weekends
   and a holiday, round the clock. `solve()` (the engine a plan runs: the heuristic, then CP-SAT,
   10 s, 2 workers) and the heuristic alone (`schedule()`) against the optimum CP-SAT proves (a
   30 s run where 10 s did not prove it; 15 s in --quick); on round the clock the optimum is checked against an
   independent textbook CP-SAT model (`cp_sat_optimum`). Per family: share within 1 %, 5 %,
   10 %, worst gap; and against a first-fit-by-priority placement (ERPNext's capacity planning).
2. Large loaded plants (30 workstations, 90 days, `generate`): 5 000 / 10 000 / 20 000 operations,
   `solve()` at the week plan's 10 s (and 5 000 at the daily 5 s) against forward scheduling
   (arrival order) and first-fit by priority; operations dropped beyond the horizon that forward
   placed; the time spent.

The machine is shared: times are wall-clock as measured, with the load average printed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from order_tracking.core import scheduling as scheduling_core
from order_tracking.core import scheduling_cpsat
from order_tracking.core.review import Calendar
from order_tracking.core.scheduling_decoder import Decoder

START = datetime(2026, 11, 23)  # a Monday
SHOP = ((480, 720), (780, 1020))
ROUND_THE_CLOCK = ((0, 1440),)
CALENDARS = {
	"lunch": (SHOP, (6,), ()),  # 08-12, 13-17, Sundays off
	"early shift, two breaks": (((360, 540), (555, 690), (720, 840)), (6,), ()),
	"weekends + holiday": (SHOP, (5, 6), (2,)),  # Saturdays, Sundays and the first Wednesday off
	"round the clock": (ROUND_THE_CLOCK, (), ()),
}
SHOPS = ("job shop", "flow shop", "flexible", "dense")
SHOE_STAGES = ("cutting", "stitching", "lasting", "sole attaching", "finishing")


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


# =============================================================================== small families


def _calendars(kind: str, names, parallel, types=None, days=30):
	periods, weekly_off, holidays = CALENDARS[kind]
	off = {START.date() + timedelta(days=d) for d in range(days) if (START.weekday() + d) % 7 in weekly_off}
	off |= {START.date() + timedelta(days=d) for d in holidays}
	return {
		ws: Calendar.from_periods(
			ws,
			periods,
			parallel=parallel.get(ws, 1),
			holidays=frozenset(off),
			workstation_type=(types or {}).get(ws),
		)
		for ws in names
	}


def _routes(shop: str, rng: random.Random):
	"""(workstations, parallel units, types, per order its routing as tuples of candidates)."""
	if shop == "flow shop":
		names = list(SHOE_STAGES)
		routes = [[(ws,) for ws in names] for _ in range(rng.randint(6, 8))]
		return names, {rng.choice(names): 2} if rng.random() < 0.3 else {}, {}, routes
	if shop == "flexible":
		names = ["A1", "A2", "B1", "B2", "C1"]
		pools = (("A1", "A2"), ("B1", "B2"), ("C1",))
		types = {"A1": "A", "A2": "A", "B1": "B", "B2": "B"}
		routes = [[rng.choice(pools) for _ in range(rng.randint(3, 4))] for _ in range(rng.randint(6, 9))]
		return names, {}, types, routes
	if shop == "dense":
		names = [f"W{k}" for k in range(rng.randint(3, 4))]
		routes = [[(rng.choice(names),) for _ in range(rng.randint(2, 4))] for _ in range(rng.randint(8, 10))]
		return names, {}, {}, routes
	names = [f"W{k}" for k in range(rng.randint(3, 6))]
	parallel = {ws: 2 for ws in names if rng.random() < 0.25}
	routes = [rng.sample(names, k=min(rng.randint(3, 5), len(names))) for _ in range(rng.randint(6, 10))]
	return names, parallel, {}, [[(ws,) for ws in r] for r in routes]


def family_problem(shop: str, kind: str, seed: int) -> scheduling_core.Problem:
	"""A small instance: at most 40 operations, tight due dates (someone is late)."""
	rng = random.Random(f"{shop}/{kind}/{seed}")
	names, parallel, types, routes = _routes(shop, rng)
	while sum(len(r) for r in routes) > 40:
		routes.pop()
	calendars = _calendars(kind, names, parallel, types)
	wt = scheduling_core.WorkingTime(next(iter(calendars.values())), 30, START.date())
	load = sum(1 for r in routes for _ in r) * 130 / max(sum(parallel.get(ws, 1) for ws in names), 1)
	jobs, ops = [], []
	for j, route in enumerate(routes):
		job = f"J{j}"
		release = rng.choice((0, 0, 0, 240))
		steps = [(rng.randint(20, 240), rng.choice((0, 0, 10, 20)), rng.choice((0, 15, 30))) for _ in route]
		own = sum(m + s for m, s, _g in steps)
		target = int(own + rng.uniform(0.2, 1.0) * load)
		due = wt.end_of(min(wt.cum(release) + target, wt.total))
		jobs.append(scheduling_core.Job(job, due, rng.choice((1, 2, 3)), release, rng.randint(0, 999)))
		previous = None
		for k, (where, (minutes, setup, gap)) in enumerate(zip(route, steps, strict=True)):
			op_id = f"{job}.{k}"
			after = (previous,) if previous else ()
			ops.append(scheduling_core.Op(op_id, job, where, minutes, setup, after, gap if previous else 0))
			previous = op_id
	return scheduling_core.Problem(START, calendars, tuple(jobs), tuple(ops), horizon_days=30)


def first_fit_by_priority(problem: scheduling_core.Problem) -> scheduling_core.Schedule:
	"""ERPNext's capacity planning: work orders by priority (then due date), each operation at the
	first time a unit is free, no optimisation."""
	prep = scheduling_core.prepare(problem)
	order = [j.id for j in sorted(problem.jobs, key=lambda j: (-j.weight, j.due, j.arrival, j.id))]
	return Decoder(prep).decode(order, "first fit by priority")


def _gap(value: float, optimum: float) -> float:
	if optimum <= 0:
		return 0.0 if value <= 1e-9 else float("inf")
	return (value - optimum) / optimum


def _cost(s: scheduling_core.Schedule) -> float:
	return s.total_weighted_tardiness + s.penalty


def run_families(seeds: int, limit: float = 10.0, proof: float = 30.0):
	print(f"\n## Small families ({seeds} seeds x 4 calendars per shop; ≤ 40 operations)\n")
	rows: dict[str, list[dict]] = {}
	for shop in SHOPS:
		for kind in CALENDARS:
			for seed in range(seeds):
				p = family_problem(shop, kind, seed)
				row = _family_row(p, kind, limit, proof)
				rows.setdefault(shop, []).append(row)
				rows.setdefault(f"calendar: {kind}", []).append(row)
				rows.setdefault("all", []).append(row)
	_family_table(rows)
	return rows["all"]


def _family_row(p, kind, limit, proof) -> dict:
	heuristic = scheduling_core.schedule(p)
	ours = scheduling_cpsat.solve(p, time_limit=limit, workers=2)
	reference = ours if ours.optimal else scheduling_cpsat.solve(p, time_limit=proof, workers=2)
	for s in (heuristic, ours, reference):
		assert scheduling_core.validate(p, s) == [], "infeasible schedule"
	row = dict(
		ops=len(p.ops),
		proven=reference.optimal,
		optimum=_cost(reference),
		ours=_cost(ours),
		heuristic=_cost(heuristic),
		first_fit=_cost(first_fit_by_priority(p)),
		seconds=ours.seconds,
		agrees=None,
	)
	if kind == "round the clock" and reference.optimal:
		textbook, _mk, proven = cp_sat_optimum(p, 20.0)
		row["agrees"] = proven and abs(textbook - row["optimum"]) < 1e-6
	return row


def _family_table(rows: dict[str, list[dict]]) -> None:
	print(
		"| family | instances | proven | ours ≤1 % | ≤5 % | ≤10 % | worst | heuristic alone ≤5 % | worst "
		"| mean s | ours vs first-fit by priority |"
	)
	print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	ordered = [k for k in rows if k in SHOPS] + [k for k in rows if k.startswith("calendar")] + ["all"]
	for name in ordered:
		items = rows[name]
		proven = [r for r in items if r["proven"]]
		gaps = [_gap(r["ours"], r["optimum"]) for r in proven]
		h_gaps = [_gap(r["heuristic"], r["optimum"]) for r in proven]

		def share(values, limit):
			return f"{sum(g <= limit + 1e-9 for g in values) / max(len(values), 1):.0%}"

		ours = sum(r["ours"] for r in items)
		first = sum(r["first_fit"] for r in items)
		print(
			f"| {name} | {len(items)} | {len(proven)} | {share(gaps, 0.01)} | {share(gaps, 0.05)} | "
			f"{share(gaps, 0.10)} | {max(gaps, default=0):.1%} | {share(h_gaps, 0.05)} | "
			f"{max(h_gaps, default=0):.1%} | {sum(r['seconds'] for r in items) / len(items):.2f} | "
			f"{1 - ours / first if first else 0:.0%} lower |"
		)
	checked = [r for r in rows["all"] if r["agrees"] is not None]
	print(
		f"\nRound the clock, checked against an independent CP-SAT model: "
		f"{sum(bool(r['agrees']) for r in checked)} of {len(checked)} optima agree."
	)


# =============================================================================== large plants


def run_large(sizes, limit: float = 10.0, daily: float = 5.0):
	print("\n## Large loaded plants (30 workstations, 90 days)\n")
	print(
		"| operations | limit s | engine | seconds | ours (days) | forward (days) | lower than forward "
		"| first-fit by priority (days) | lower than it | dropped that forward placed | left out, ours / forward |"
	)
	print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	results = []
	runs = [(n, limit) for n in sizes] + ([(5000, daily)] if 5000 in sizes else [])
	for n, seconds in runs:
		p = generate(n, seed=n)
		forward = scheduling_core.forward_schedule(p)
		first = first_fit_by_priority(p)
		ours = scheduling_cpsat.solve(p, time_limit=seconds, workers=2)
		assert scheduling_core.validate(p, ours) == [], "infeasible schedule"
		dropped = len(set(ours.unscheduled) - set(forward.unscheduled))
		lower = 1 - _cost(ours) / _cost(forward) if _cost(forward) else 0.0
		print(
			f"| {len(p.ops)} | {seconds:g} | {ours.engine} | {ours.seconds:.2f} | {_cost(ours) / 1440:,.0f} | "
			f"{_cost(forward) / 1440:,.0f} | {lower:.1%} | {_cost(first) / 1440:,.0f} | "
			f"{1 - _cost(ours) / _cost(first):.1%} | {dropped} | {len(ours.unscheduled)} / {len(forward.unscheduled)} |"
		)
		results.append((n, seconds, lower, ours.seconds, dropped))
	return results


def calibrate():
	p = generate(5000, seed=5000)
	began = time.process_time()
	s = scheduling_core.schedule(p, budget=500_000, time_limit=60)
	spent = time.process_time() - began
	print(f"{s.placed} operations placed in {spent:.2f} s CPU: {s.placed / spent:,.0f} a second")


def summary(small, large):
	proven = [r for r in small if r["proven"]]
	gaps = [_gap(r["ours"], r["optimum"]) for r in proven]
	within = sum(g <= 0.05 + 1e-9 for g in gaps) / max(len(gaps), 1)
	print("\n## Targets\n")
	print(
		f"- proven-optimal instances within 5 %: {within:.0%} (target ≥ 95 %); worst {max(gaps, default=0):.1%} (≤ 15 %)"
	)
	for n, seconds, lower, spent, dropped in large:
		print(
			f"- {n} operations at {seconds:g} s: {lower:.1%} below forward (≥ 30 %), {spent:.2f} s, {dropped} dropped"
		)


if __name__ == "__main__":
	parser = argparse.ArgumentParser()
	parser.add_argument("--quick", action="store_true")
	parser.add_argument("--calibrate", action="store_true")
	args = parser.parse_args()
	print(
		f"# bench_scheduler ({date.today()}, Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.1f})"
	)
	if args.calibrate:
		calibrate()
	elif args.quick:
		summary(run_families(1, proof=15.0), run_large([5000]))
	else:
		summary(run_families(2), run_large([5000, 10000, 20000]))

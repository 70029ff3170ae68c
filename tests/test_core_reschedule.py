"""order_tracking.core.reschedule: the checks of an operation moved by hand on the Gantt."""

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from order_tracking.core import reschedule as reschedule_core
from order_tracking.core import scheduling
from order_tracking.core.review import Calendar

SHOP = ((480, 720), (780, 1020))  # 08:00-12:00, 13:00-17:00
MONDAY = datetime(2026, 11, 23)


def cal(parallel=1, periods=SHOP, holidays=()):
	return Calendar.from_periods("Sewing", periods, parallel=parallel, holidays=frozenset(holidays))


def at(day, hh, mm=0):
	return MONDAY + timedelta(days=day, hours=hh, minutes=mm)


def move(start, minutes=60, **values):
	return reschedule_core.Move("op", values.pop("workstation", "Sewing"), start, minutes, **values)


def codes(check):
	return [v.code for v in check.violations]


def test_a_move_inside_working_hours_ends_after_its_working_minutes():
	check = reschedule_core.check_move(move(at(0, 9)), cal(), [])
	assert check.ok and check.end == at(0, 10)


def test_an_operation_pauses_over_the_lunch_break_and_the_night():
	assert reschedule_core.check_move(move(at(0, 11, 30)), cal(), []).end == at(0, 13, 30)
	assert reschedule_core.check_move(move(at(0, 16, 30)), cal(), []).end == at(1, 8, 30)


def test_a_start_outside_the_working_periods_is_refused():
	for start in (at(0, 7, 59), at(0, 12), at(0, 12, 30), at(0, 17), at(0, 22)):
		check = reschedule_core.check_move(move(start), cal(), [])
		assert codes(check) == [reschedule_core.OUTSIDE_WORKING_HOURS], start
		assert check.violations[0].at == start
	assert reschedule_core.check_move(move(at(0, 8)), cal(), []).ok
	assert reschedule_core.check_move(move(at(0, 13)), cal(), []).ok


def test_a_holiday_is_not_working_time_and_work_resumes_after_it():
	holiday = date(2026, 11, 24)
	assert codes(reschedule_core.check_move(move(at(1, 9)), cal(holidays=[holiday]), [])) == [
		reschedule_core.OUTSIDE_WORKING_HOURS
	]
	assert reschedule_core.check_move(move(at(0, 16, 30)), cal(holidays=[holiday]), []).end == at(2, 8, 30)


def test_a_workstation_without_working_hours_takes_nothing():
	check = reschedule_core.check_move(move(at(0, 9)), cal(periods=()), [])
	assert codes(check) == [reschedule_core.NO_WORKING_HOURS]
	assert codes(reschedule_core.check_move(move(at(0, 9)), None, [])) == [reschedule_core.NO_WORKING_HOURS]


def test_capacity_counts_the_operations_running_beside_it_against_the_units():
	a = reschedule_core.Slot("a", at(0, 9), at(0, 11))
	b = reschedule_core.Slot("b", at(0, 9, 30), at(0, 10, 30))
	one = reschedule_core.check_move(move(at(0, 10)), cal(parallel=1), [a])
	assert codes(one) == [reschedule_core.OVER_CAPACITY] and one.violations[0].other == "a"
	assert reschedule_core.check_move(move(at(0, 10)), cal(parallel=2), [a]).ok
	two = reschedule_core.check_move(move(at(0, 10)), cal(parallel=2), [a, b])
	assert codes(two) == [reschedule_core.OVER_CAPACITY]
	assert (two.violations[0].count, two.violations[0].other) == (2, "a, b")
	# touching is not overlapping; the operation itself is not a booking against it
	assert reschedule_core.check_move(move(at(0, 11)), cal(), [a]).ok
	assert reschedule_core.check_move(
		move(at(0, 8)), cal(), [reschedule_core.Slot("x", at(0, 9), at(0, 10))]
	).ok
	assert reschedule_core.check_move(
		move(at(0, 9)), cal(), [reschedule_core.Slot("op", at(0, 9), at(0, 10))]
	).ok


def test_two_bookings_one_after_the_other_need_only_one_unit_beside_it():
	a = reschedule_core.Slot("a", at(0, 9), at(0, 10))
	b = reschedule_core.Slot("b", at(0, 10), at(0, 11))
	assert reschedule_core.check_move(move(at(0, 9), minutes=120), cal(parallel=2), [a, b]).ok
	assert codes(reschedule_core.check_move(move(at(0, 9), minutes=120), cal(parallel=1), [a, b])) == [
		reschedule_core.OVER_CAPACITY
	]


def test_routing_order_before_the_previous_ends_and_after_the_next_begins():
	previous = (reschedule_core.Slot("cut", at(0, 8), at(0, 10)),)
	following = (reschedule_core.Slot("press", at(0, 14), at(0, 15)),)
	ok = reschedule_core.check_move(move(at(0, 10), previous=previous, next=following), cal(), [])
	assert ok.ok
	early = reschedule_core.check_move(move(at(0, 9), previous=previous, next=following), cal(), [])
	assert codes(early) == [reschedule_core.BEFORE_PREVIOUS]
	assert (early.violations[0].other, early.violations[0].at) == ("cut", at(0, 10))
	late = reschedule_core.check_move(move(at(0, 13, 30), previous=previous, next=following), cal(), [])
	assert codes(late) == [reschedule_core.AFTER_NEXT]
	assert (late.violations[0].other, late.violations[0].at) == ("press", at(0, 14))
	# the transfer gap between operations counts
	assert codes(reschedule_core.check_move(move(at(0, 10), previous=previous, gap=15), cal(), [])) == [
		reschedule_core.BEFORE_PREVIOUS
	]


def test_the_past_and_a_workstation_it_may_not_use_are_refused():
	check = reschedule_core.check_move(move(at(0, 9), not_before=at(0, 10)), cal(), [])
	assert codes(check) == [reschedule_core.IN_THE_PAST]
	wrong = reschedule_core.check_move(
		move(at(0, 9), workstation="Press", allowed_workstations=("Sewing",)), cal(), []
	)
	assert codes(wrong) == [reschedule_core.WRONG_WORKSTATION]


def test_every_broken_rule_is_reported_at_once():
	check = reschedule_core.check_move(
		move(at(0, 12, 30), previous=(reschedule_core.Slot("cut", at(0, 13), at(0, 14)),)),
		cal(),
		[reschedule_core.Slot("a", at(0, 13), at(0, 15))],
	)
	assert set(codes(check)) == {
		reschedule_core.OUTSIDE_WORKING_HOURS,
		reschedule_core.OVER_CAPACITY,
		reschedule_core.BEFORE_PREVIOUS,
	}


def test_beyond_the_horizon():
	check = reschedule_core.check_move(move(at(0, 9), minutes=10_000), cal(), [], horizon_days=5)
	assert codes(check) == [reschedule_core.BEYOND_HORIZON] and check.end is None


def test_working_minutes_of_a_slot():
	assert reschedule_core.working_minutes(cal(), at(0, 11), at(0, 14)) == 120
	assert reschedule_core.working_minutes(cal(), at(0, 16), at(1, 9)) == 120


def test_routing_neighbours_group_operations_sharing_a_sequence_id():
	steps = [
		reschedule_core.RoutingStep("cut", 1),
		reschedule_core.RoutingStep("sew-a", 2, 2),
		reschedule_core.RoutingStep("sew-b", 3, 2),
		reschedule_core.RoutingStep("press", 4, 3),
	]
	assert reschedule_core.routing_neighbours(steps, "cut") == ([], ["sew-a", "sew-b"])
	assert reschedule_core.routing_neighbours(steps, "sew-b") == (["cut"], ["press"])
	assert reschedule_core.routing_neighbours(steps, "press") == (["sew-a", "sew-b"], [])
	# without sequence ids each operation is its own step
	plain = [reschedule_core.RoutingStep(f"o{k}", k) for k in (3, 1, 2)]
	assert reschedule_core.routing_neighbours(plain, "o2") == (["o1"], ["o3"])
	assert reschedule_core.routing_neighbours(plain, "missing") == ([], [])


@given(
	st.lists(st.tuples(st.integers(0, 600), st.integers(1, 240)), max_size=8),
	st.integers(0, 600),
	st.integers(1, 240),
)
def test_peak_overlap_matches_a_minute_by_minute_count(bookings, start, length):
	slots = [reschedule_core.Slot(f"b{k}", at(0, 0, a), at(0, 0, a + n)) for k, (a, n) in enumerate(bookings)]
	s, e = at(0, 0, start), at(0, 0, start + length)
	count, running = reschedule_core.peak_overlap(slots, s, e)
	expected = max(
		(sum(1 for a, n in bookings if a <= m < a + n) for m in range(start, start + length)), default=0
	)
	assert count == expected == len(running)


@given(st.integers(0, 6), st.integers(0, 23 * 60 + 59), st.integers(1, 2000))
def test_a_valid_move_runs_exactly_its_working_minutes(day, minute, minutes):
	start = at(day, 0, minute)
	check = reschedule_core.check_move(move(start, minutes=minutes), cal(holidays=[date(2026, 11, 29)]), [])
	if check.ok:
		assert (
			reschedule_core.working_minutes(cal(holidays=[date(2026, 11, 29)]), start, check.end) == minutes
		)


def test_routing_groups_are_the_steps_in_order():
	steps = [
		reschedule_core.RoutingStep("b", 2, 5),
		reschedule_core.RoutingStep("a", 1),
		reschedule_core.RoutingStep("c", 3, 5),
		reschedule_core.RoutingStep("d", 4, 5),
	]
	assert reschedule_core.routing_groups(steps) == [["a"], ["b", "c", "d"]]
	assert reschedule_core.routing_groups([]) == []


# ------------------------------------------------------------------ against the scheduler's own validation

GAP = 10
POOLS = (("A",), ("B",), ("A", "B"))


def shop_problem(chains) -> scheduling.Problem:
	"""Jobs of operations in routing order on A (one unit) and B (two units, a holiday on day 2)."""
	calendars = {
		"A": Calendar.from_periods("A", SHOP),
		"B": Calendar.from_periods(
			"B", ((420, 720), (780, 960)), parallel=2, holidays=frozenset({date(2026, 11, 25)})
		),
	}
	jobs, ops = [], []
	for j, chain in enumerate(chains):
		jobs.append(scheduling.Job(f"j{j}", due=3 * 1440))
		previous = ()
		for k, (pool, minutes) in enumerate(chain):
			op = f"j{j}.{k}"
			ops.append(
				scheduling.Op(op, f"j{j}", POOLS[pool], minutes, after=previous, gap=GAP if previous else 0)
			)
			previous = (op,)
	return scheduling.Problem(MONDAY, calendars, tuple(jobs), tuple(ops), horizon_days=30)


def moved(
	problem: scheduling.Problem,
	schedule: scheduling.Schedule,
	op: str,
	workstation: str,
	start: int,
	end: int,
):
	"""The schedule with one operation moved, each workstation's units given again earliest start
	first (interval colouring: as few units as the most operations at once)."""
	placements = dict(schedule.placements)
	placements[op] = replace(placements[op], workstation=workstation, unit=0, start=start, end=end)
	by_ws = defaultdict(list)
	for p in placements.values():
		by_ws[p.workstation].append(p)
	for items in by_ws.values():
		free: list[int] = []
		for p in sorted(items, key=lambda p: (p.start, p.end, p.op)):
			unit = next((u for u, e in enumerate(free) if e <= p.start), None)
			if unit is None:
				unit = len(free)
				free.append(0)
			free[unit] = p.end
			placements[p.op] = replace(p, unit=unit)
	return scheduling.summarise(
		scheduling.prepare(problem), placements, dict(schedule.unscheduled), "moved", 0
	)


chains = st.lists(
	st.lists(st.tuples(st.integers(0, 2), st.integers(10, 300)), min_size=1, max_size=3),
	min_size=1,
	max_size=5,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains, st.data())
def test_a_move_is_accepted_exactly_when_the_schedulers_validation_accepts_the_result(chains, data):
	problem = shop_problem(chains)
	schedule = scheduling.schedule(problem, budget=200)
	assert scheduling.validate(problem, schedule) == []
	ops = {o.id: o for o in problem.ops}
	op = data.draw(st.sampled_from(sorted(schedule.placements)))
	o = ops[op]
	workstation = data.draw(st.sampled_from(o.workstations))
	placed = schedule.placements
	# anywhere, or close to where the routing binds (the previous operation's end plus the gap)
	near = [placed[a].end + d for a in o.after for d in range(-3, GAP + 3)]
	start = data.draw(st.one_of(st.integers(0, 6 * 1440), *([st.sampled_from(near)] if near else [])))
	at_ = lambda m: problem.start + timedelta(minutes=m)  # noqa: E731
	move = reschedule_core.Move(
		op,
		workstation,
		at_(start),
		o.minutes + o.setup,
		allowed_workstations=o.workstations,
		previous=tuple(reschedule_core.Slot(a, at_(placed[a].start), at_(placed[a].end)) for a in o.after),
		next=tuple(
			reschedule_core.Slot(s.id, at_(placed[s.id].start), at_(placed[s.id].end))
			for s in problem.ops
			if op in s.after
		),
		gap=GAP,
	)
	bookings = [
		reschedule_core.Slot(p.op, at_(p.start), at_(p.end))
		for p in placed.values()
		if p.workstation == workstation and p.op != op
	]
	check = reschedule_core.check_move(move, problem.calendars[workstation], bookings, horizon_days=20)
	assert check.end is not None
	end = int((check.end - problem.start).total_seconds() // 60)
	problems = scheduling.validate(problem, moved(problem, schedule, op, workstation, start, end))
	assert check.ok == (problems == []), (check.violations, problems)

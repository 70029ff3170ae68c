"""order_tracking.core.reschedule: the checks of an operation moved by hand on the Gantt."""

from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from order_tracking.core import reschedule as M
from order_tracking.core.review import Calendar

SHOP = ((480, 720), (780, 1020))  # 08:00-12:00, 13:00-17:00
MONDAY = datetime(2026, 11, 23)


def cal(parallel=1, periods=SHOP, holidays=()):
	return Calendar.from_periods("Sewing", periods, parallel=parallel, holidays=frozenset(holidays))


def at(day, hh, mm=0):
	return MONDAY + timedelta(days=day, hours=hh, minutes=mm)


def move(start, minutes=60, **values):
	return M.Move("op", values.pop("workstation", "Sewing"), start, minutes, **values)


def codes(check):
	return [v.code for v in check.violations]


def test_a_move_inside_working_hours_ends_after_its_working_minutes():
	check = M.check_move(move(at(0, 9)), cal(), [])
	assert check.ok and check.end == at(0, 10)


def test_an_operation_pauses_over_the_lunch_break_and_the_night():
	assert M.check_move(move(at(0, 11, 30)), cal(), []).end == at(0, 13, 30)
	assert M.check_move(move(at(0, 16, 30)), cal(), []).end == at(1, 8, 30)


def test_a_start_outside_the_working_periods_is_refused():
	for start in (at(0, 7, 59), at(0, 12), at(0, 12, 30), at(0, 17), at(0, 22)):
		check = M.check_move(move(start), cal(), [])
		assert codes(check) == [M.OUTSIDE_WORKING_HOURS], start
		assert check.violations[0].at == start
	assert M.check_move(move(at(0, 8)), cal(), []).ok
	assert M.check_move(move(at(0, 13)), cal(), []).ok


def test_a_holiday_is_not_working_time_and_work_resumes_after_it():
	holiday = date(2026, 11, 24)
	assert codes(M.check_move(move(at(1, 9)), cal(holidays=[holiday]), [])) == [M.OUTSIDE_WORKING_HOURS]
	assert M.check_move(move(at(0, 16, 30)), cal(holidays=[holiday]), []).end == at(2, 8, 30)


def test_a_workstation_without_working_hours_takes_nothing():
	check = M.check_move(move(at(0, 9)), cal(periods=()), [])
	assert codes(check) == [M.NO_WORKING_HOURS]
	assert codes(M.check_move(move(at(0, 9)), None, [])) == [M.NO_WORKING_HOURS]


def test_capacity_counts_the_operations_running_beside_it_against_the_units():
	a = M.Slot("a", at(0, 9), at(0, 11))
	b = M.Slot("b", at(0, 9, 30), at(0, 10, 30))
	one = M.check_move(move(at(0, 10)), cal(parallel=1), [a])
	assert codes(one) == [M.OVER_CAPACITY] and one.violations[0].other == "a"
	assert M.check_move(move(at(0, 10)), cal(parallel=2), [a]).ok
	two = M.check_move(move(at(0, 10)), cal(parallel=2), [a, b])
	assert codes(two) == [M.OVER_CAPACITY]
	assert (two.violations[0].count, two.violations[0].other) == (2, "a, b")
	# touching is not overlapping; the operation itself is not a booking against it
	assert M.check_move(move(at(0, 11)), cal(), [a]).ok
	assert M.check_move(move(at(0, 8)), cal(), [M.Slot("x", at(0, 9), at(0, 10))]).ok
	assert M.check_move(move(at(0, 9)), cal(), [M.Slot("op", at(0, 9), at(0, 10))]).ok


def test_two_bookings_one_after_the_other_need_only_one_unit_beside_it():
	a = M.Slot("a", at(0, 9), at(0, 10))
	b = M.Slot("b", at(0, 10), at(0, 11))
	assert M.check_move(move(at(0, 9), minutes=120), cal(parallel=2), [a, b]).ok
	assert codes(M.check_move(move(at(0, 9), minutes=120), cal(parallel=1), [a, b])) == [M.OVER_CAPACITY]


def test_routing_order_before_the_previous_ends_and_after_the_next_begins():
	previous = (M.Slot("cut", at(0, 8), at(0, 10)),)
	following = (M.Slot("press", at(0, 14), at(0, 15)),)
	ok = M.check_move(move(at(0, 10), previous=previous, next=following), cal(), [])
	assert ok.ok
	early = M.check_move(move(at(0, 9), previous=previous, next=following), cal(), [])
	assert codes(early) == [M.BEFORE_PREVIOUS]
	assert (early.violations[0].other, early.violations[0].at) == ("cut", at(0, 10))
	late = M.check_move(move(at(0, 13, 30), previous=previous, next=following), cal(), [])
	assert codes(late) == [M.AFTER_NEXT]
	assert (late.violations[0].other, late.violations[0].at) == ("press", at(0, 14))
	# the transfer gap between operations counts
	assert codes(M.check_move(move(at(0, 10), previous=previous, gap=15), cal(), [])) == [M.BEFORE_PREVIOUS]


def test_the_past_and_a_workstation_it_may_not_use_are_refused():
	check = M.check_move(move(at(0, 9), not_before=at(0, 10)), cal(), [])
	assert codes(check) == [M.IN_THE_PAST]
	wrong = M.check_move(move(at(0, 9), workstation="Press", allowed_workstations=("Sewing",)), cal(), [])
	assert codes(wrong) == [M.WRONG_WORKSTATION]


def test_every_broken_rule_is_reported_at_once():
	check = M.check_move(
		move(at(0, 12, 30), previous=(M.Slot("cut", at(0, 13), at(0, 14)),)),
		cal(),
		[M.Slot("a", at(0, 13), at(0, 15))],
	)
	assert set(codes(check)) == {M.OUTSIDE_WORKING_HOURS, M.OVER_CAPACITY, M.BEFORE_PREVIOUS}


def test_beyond_the_horizon():
	check = M.check_move(move(at(0, 9), minutes=10_000), cal(), [], horizon_days=5)
	assert codes(check) == [M.BEYOND_HORIZON] and check.end is None


def test_working_minutes_of_a_slot():
	assert M.working_minutes(cal(), at(0, 11), at(0, 14)) == 120
	assert M.working_minutes(cal(), at(0, 16), at(1, 9)) == 120


def test_routing_neighbours_group_operations_sharing_a_sequence_id():
	steps = [
		M.RoutingStep("cut", 1),
		M.RoutingStep("sew-a", 2, 2),
		M.RoutingStep("sew-b", 3, 2),
		M.RoutingStep("press", 4, 3),
	]
	assert M.routing_neighbours(steps, "cut") == ([], ["sew-a", "sew-b"])
	assert M.routing_neighbours(steps, "sew-b") == (["cut"], ["press"])
	assert M.routing_neighbours(steps, "press") == (["sew-a", "sew-b"], [])
	# without sequence ids each operation is its own step
	plain = [M.RoutingStep(f"o{k}", k) for k in (3, 1, 2)]
	assert M.routing_neighbours(plain, "o2") == (["o1"], ["o3"])
	assert M.routing_neighbours(plain, "missing") == ([], [])


@given(
	st.lists(st.tuples(st.integers(0, 600), st.integers(1, 240)), max_size=8),
	st.integers(0, 600),
	st.integers(1, 240),
)
def test_peak_overlap_matches_a_minute_by_minute_count(bookings, start, length):
	slots = [M.Slot(f"b{k}", at(0, 0, a), at(0, 0, a + n)) for k, (a, n) in enumerate(bookings)]
	s, e = at(0, 0, start), at(0, 0, start + length)
	count, running = M.peak_overlap(slots, s, e)
	expected = max(
		(sum(1 for a, n in bookings if a <= m < a + n) for m in range(start, start + length)), default=0
	)
	assert count == expected == len(running)


@given(st.integers(0, 6), st.integers(0, 23 * 60 + 59), st.integers(1, 2000))
def test_a_valid_move_runs_exactly_its_working_minutes(day, minute, minutes):
	start = at(day, 0, minute)
	check = M.check_move(move(start, minutes=minutes), cal(holidays=[date(2026, 11, 29)]), [])
	if check.ok:
		assert M.working_minutes(cal(holidays=[date(2026, 11, 29)]), start, check.end) == minutes


def test_routing_groups_are_the_steps_in_order():
	steps = [
		M.RoutingStep("b", 2, 5),
		M.RoutingStep("a", 1),
		M.RoutingStep("c", 3, 5),
		M.RoutingStep("d", 4, 5),
	]
	assert M.routing_groups(steps) == [["a"], ["b", "c", "d"]]
	assert M.routing_groups([]) == []

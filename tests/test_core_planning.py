"""order_tracking.core.planning: plan periods, capacity tables, families, allocation, shop floor."""

from datetime import date, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_tracking.core import planning as planning_core
from order_tracking.core.review import Calendar

MON = date(2026, 11, 23)  # a Monday


def cal(name="WS", periods=((480, 720), (780, 1020)), parallel=1, holidays=()):
	return Calendar.from_periods(name, periods, parallel=parallel, holidays=frozenset(holidays))


# ------------------------------------------------------------------ periods


def test_quarter_month_and_week_ranges():
	assert planning_core.period_range(planning_core.QUARTER, date(2026, 11, 23)) == (
		date(2026, 10, 1),
		date(2026, 12, 31),
	)
	assert planning_core.period_range(planning_core.QUARTER, date(2027, 2, 28)) == (
		date(2027, 1, 1),
		date(2027, 3, 31),
	)
	assert planning_core.period_range(planning_core.MONTH, date(2028, 2, 10)) == (
		date(2028, 2, 1),
		date(2028, 2, 29),
	)
	assert planning_core.period_range(planning_core.MONTH, date(2026, 12, 31)) == (
		date(2026, 12, 1),
		date(2026, 12, 31),
	)
	# a week plan starts on the Monday of its week and covers whole weeks
	assert planning_core.period_range(planning_core.WEEK, date(2026, 11, 26), weeks=2) == (
		MON,
		date(2026, 12, 6),
	)
	assert planning_core.period_range(planning_core.WEEK, MON, weeks=3) == (MON, date(2026, 12, 13))
	with pytest.raises(ValueError):
		planning_core.period_range(planning_core.WEEK, MON, weeks=4)
	with pytest.raises(ValueError):
		planning_core.period_range("Fortnight", MON)


def test_labels():
	assert (
		planning_core.period_label(planning_core.QUARTER, date(2026, 10, 1), date(2026, 12, 31)) == "2026-Q4"
	)
	assert planning_core.period_label(planning_core.MONTH, date(2026, 11, 1), date(2026, 11, 30)) == "2026-11"
	assert planning_core.period_label(planning_core.WEEK, MON, MON + timedelta(days=6)) == "2026-W48"
	assert planning_core.period_label(planning_core.WEEK, MON, MON + timedelta(days=13)) == "2026-W48…W49"
	# ISO weeks across the new year
	assert planning_core.week_label(date(2026, 12, 31)) == "2026-W53"
	assert planning_core.week_label(date(2027, 1, 4)) == "2027-W01"


def test_buckets_of_a_quarter_are_its_months_and_of_a_month_its_clipped_weeks():
	q = planning_core.buckets(planning_core.QUARTER, date(2026, 10, 1), date(2026, 12, 31))
	assert [b.label for b in q] == ["2026-10", "2026-11", "2026-12"]
	assert q[1].start == date(2026, 11, 1) and q[1].end == date(2026, 11, 30)
	m = planning_core.buckets(planning_core.MONTH, date(2026, 11, 1), date(2026, 11, 30))
	assert m[0] == planning_core.Bucket("2026-W44", date(2026, 11, 1), date(2026, 11, 1))  # Sunday the 1st
	assert m[-1] == planning_core.Bucket("2026-W49", date(2026, 11, 30), date(2026, 11, 30))
	assert sum(b.days() for b in m) == 30
	w = planning_core.buckets(planning_core.WEEK, MON, MON + timedelta(days=13))
	assert [b.days() for b in w] == [7, 7]
	assert planning_core.bucket_of(w, MON + timedelta(days=8)).label == "2026-W49"
	assert planning_core.bucket_of(w, MON - timedelta(days=1)) is None


@given(
	st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
	st.sampled_from(planning_core.PERIOD_TYPES),
)
def test_buckets_tile_the_period_exactly(day, period_type):
	start, end = planning_core.period_range(period_type, day, weeks=2)
	bs = planning_core.buckets(period_type, start, end)
	assert bs[0].start == start and bs[-1].end == end
	for a, b in pairwise(bs):
		assert b.start == a.end + timedelta(days=1)
	assert start <= day <= end or period_type == planning_core.WEEK and start <= day


# ------------------------------------------------------------------ capacity


def test_bucket_capacity_counts_units_and_skips_holidays():
	week = planning_core.Bucket("W", MON, MON + timedelta(days=6))
	assert planning_core.bucket_capacity(cal(), week) == 7 * 480
	assert (
		planning_core.bucket_capacity(cal(parallel=2, holidays=[MON, MON + timedelta(days=6)]), week)
		== 5 * 480 * 2
	)


def test_capacity_table_sums_days_into_buckets_and_flags_overload():
	bs = planning_core.buckets(planning_core.WEEK, MON, MON + timedelta(days=13))
	rows = planning_core.capacity_table(
		{"A": cal("A"), "B": cal("B")},
		bs,
		committed={"A": {MON: 300.0}},
		planned={"A": {MON + timedelta(days=1): 3200.0, MON + timedelta(days=8): 60.0}},
		reserved={"A": {"2026-W48": 120.0}},
	)
	a1 = next(r for r in rows if r.workstation == "A" and r.bucket.label == "2026-W48")
	assert (a1.capacity, a1.committed, a1.planned, a1.reserved) == (3360, 300, 3200, 120)
	assert a1.load == 3500 and a1.over and a1.utilisation_pct == pytest.approx(104.2)
	a2 = next(r for r in rows if r.workstation == "A" and r.bucket.label == "2026-W49")
	assert a2.planned == 60 and not a2.over
	b1 = next(r for r in rows if r.workstation == "B" and r.bucket.label == "2026-W48")
	assert b1.load == 0 and b1.utilisation_pct == 0
	# no capacity at all: loaded means 100 %
	assert planning_core.CapacityRow("X", bs[0], 0, 10, 0).utilisation_pct == 100.0


def test_working_minutes_by_day_follow_the_calendar():
	c = cal(holidays=[MON + timedelta(days=1)])
	start = datetime(2026, 11, 23, 11, 0)
	end = datetime(2026, 11, 25, 9, 30)
	# Monday 11:00-12:00 and 13:00-17:00, Tuesday a holiday, Wednesday 08:00-09:30
	assert planning_core.working_minutes_by_day(c, start, end) == {MON: 300, MON + timedelta(days=2): 90}
	assert (
		planning_core.working_minutes_by_day(
			c, datetime(2026, 11, 23, 12, 10), datetime(2026, 11, 23, 12, 50)
		)
		== {}
	)


# ------------------------------------------------------------------ families


def test_family_table_counts_qty_where_the_work_ends_and_minutes_where_they_fall():
	bs = planning_core.buckets(planning_core.WEEK, MON, MON + timedelta(days=13))
	rows = planning_core.family_table(
		[
			("Shoes", 10, {MON: 100.0, MON + timedelta(days=7): 50.0}),
			("Shoes", 5, {MON + timedelta(days=2): 30.0}),
			("Boots", 3, {MON + timedelta(days=9): 20.0}),
		],
		bs,
	)
	got = {(r.family, r.bucket.label): (r.qty, r.minutes) for r in rows}
	assert got == {
		("Boots", "2026-W49"): (3, 20),
		("Shoes", "2026-W48"): (5, 130),
		("Shoes", "2026-W49"): (10, 50),
	}


def test_a_lower_plan_shows_what_the_higher_one_reserved_for_its_days():
	month = planning_core.buckets(planning_core.MONTH, date(2026, 11, 1), date(2026, 11, 30))
	# the month plan reserved 700 minutes of shoes in week 48 (7 days: 100 a day) and boots in week 49
	parent = [
		planning_core.FamilyRow("Shoes", next(b for b in month if b.label == "2026-W48"), 10, 700),
		planning_core.FamilyRow("Boots", next(b for b in month if b.label == "2026-W49"), 4, 350),
	]
	week = planning_core.buckets(planning_core.WEEK, MON, MON + timedelta(days=6))
	rows = planning_core.against_parent([planning_core.FamilyRow("Shoes", week[0], 8, 900)], parent, week)
	shoes = next(r for r in rows if r.family == "Shoes")
	assert shoes.parent_minutes == 700 and shoes.difference == 200
	assert [r.family for r in rows] == ["Shoes"]  # boots were reserved for another week
	# a family the higher plan reserved here that this plan does not commit shows with nothing
	rows = planning_core.against_parent([], parent, week)
	assert [(r.family, r.minutes, r.parent_minutes) for r in rows] == [("Shoes", 0, 700)]


# ------------------------------------------------------------------ allocation


def test_stock_first_then_production_then_outsourcing_within_the_share():
	lines = [
		planning_core.LineFacts("stock", qty=10, stock_cover=10, minutes=100, tardiness=0),
		planning_core.LineFacts("part", qty=10, stock_cover=4, minutes=60, tardiness=0),
		planning_core.LineFacts("late-big", qty=10, stock_cover=0, minutes=500, tardiness=600, weight=1),
		planning_core.LineFacts("late-small", qty=10, stock_cover=0, minutes=100, tardiness=300, weight=2),
		planning_core.LineFacts("on-time", qty=10, stock_cover=0, minutes=100, tardiness=0),
	]
	got = planning_core.allocate(
		lines, capacity_minutes=2000, outsource_share_pct=20
	)  # 400 minutes may go out
	assert got["stock"] == planning_core.Allocation(planning_core.FROM_STOCK, 10, 0)
	assert got["part"] == planning_core.Allocation(planning_core.PRODUCTION, 4, 6)
	# late-small: 600 weighted per 100 minutes (6/min) beats late-big (600 per 500, 1.2/min) and fits
	assert got["late-small"].allocation == planning_core.OUTSOURCE
	assert got["late-big"].allocation == planning_core.PRODUCTION  # would exceed the 400 minutes
	assert got["on-time"].allocation == planning_core.PRODUCTION


def test_the_planners_choice_stays_and_counts_against_the_share():
	lines = [
		planning_core.LineFacts(
			"chosen", qty=5, stock_cover=0, minutes=300, tardiness=0, fixed=planning_core.OUTSOURCE
		),
		planning_core.LineFacts("late", qty=5, stock_cover=0, minutes=200, tardiness=100),
		planning_core.LineFacts(
			"skip", qty=5, stock_cover=5, minutes=10, tardiness=0, fixed=planning_core.SKIP
		),
	]
	got = planning_core.allocate(lines, capacity_minutes=2000, outsource_share_pct=20)
	assert got["chosen"] == planning_core.Allocation(planning_core.OUTSOURCE, 0, 5)
	assert got["late"].allocation == planning_core.PRODUCTION  # 300 + 200 > 400
	assert got["skip"] == planning_core.Allocation(planning_core.SKIP, 5, 0)


@given(
	st.lists(
		st.tuples(
			st.floats(0, 100), st.floats(0, 100), st.floats(0, 1000), st.floats(0, 5000), st.floats(0.5, 5)
		),
		max_size=30,
	),
	st.floats(0, 100000),
	st.floats(0, 100),
)
def test_allocation_never_exceeds_the_share_and_splits_qty_exactly(raw, capacity, share):
	lines = [planning_core.LineFacts(str(i), q, c, m, t, w) for i, (q, c, m, t, w) in enumerate(raw)]
	got = planning_core.allocate(lines, capacity, share)
	out = sum(line.minutes for line in lines if got[line.id].allocation == planning_core.OUTSOURCE)
	assert out <= capacity * share / 100 + 1e-6
	for line in lines:
		a = got[line.id]
		assert a.from_stock_qty + a.production_qty == pytest.approx(line.qty)
		assert a.from_stock_qty <= line.qty + 1e-9
		if a.allocation == planning_core.OUTSOURCE:
			assert line.tardiness > 0


# ------------------------------------------------------------------ shop floor


def test_dispatch_list_per_workstation_in_running_order():
	t = datetime(2026, 11, 23, 8, 0)
	ops = [
		planning_core.ScheduledOp("b", "Press", t + timedelta(hours=2), t + timedelta(hours=3)),
		planning_core.ScheduledOp("a", "Press", t, t + timedelta(hours=1), started=True),
		planning_core.ScheduledOp("done", "Press", t, t + timedelta(minutes=5), completed=True),
		planning_core.ScheduledOp("later", "Press", t + timedelta(days=3), t + timedelta(days=3, hours=1)),
		planning_core.ScheduledOp("c", "Cut", t + timedelta(hours=1), t + timedelta(hours=2)),
		planning_core.ScheduledOp(
			"overnight", "Cut", t - timedelta(hours=10), t + timedelta(minutes=30), started=True
		),
	]
	got = planning_core.dispatch_list(ops, t - timedelta(hours=8), t + timedelta(days=2))
	assert {ws: [o.id for o in items] for ws, items in got.items()} == {
		"Cut": ["overnight", "c"],
		"Press": ["a", "b"],
	}


def test_late_when_the_scheduled_end_and_grace_have_passed_and_not_complete():
	end = datetime(2026, 11, 23, 12, 0)
	op = planning_core.OperationProgress("x", qty=10, completed_qty=4, planned_end=end)
	assert not planning_core.is_late(op, end + timedelta(minutes=20), grace_minutes=30)
	assert planning_core.is_late(op, end + timedelta(minutes=31), grace_minutes=30)
	assert not planning_core.is_late(
		planning_core.OperationProgress("x", 10, 10, end), end + timedelta(days=1)
	)
	assert not planning_core.is_late(
		planning_core.OperationProgress("x", 10, 0, None), end + timedelta(days=1)
	)
	assert planning_core.operation_pct(op) == 40.0
	assert planning_core.operation_pct(planning_core.OperationProgress("x", 0, 0, None)) == 100.0


def test_attainment_per_workstation():
	end = datetime(2026, 11, 24, 17, 0)
	ops = [
		planning_core.PlannedOperation(
			"1", "Press", 60, 10, end, completed_qty=10, actual_minutes=70, completed_at=end
		),
		planning_core.PlannedOperation(
			"2",
			"Press",
			30,
			5,
			end,
			completed_qty=5,
			actual_minutes=20,
			completed_at=end + timedelta(hours=1),
		),
		planning_core.PlannedOperation("3", "Cut", 45, 8, end, completed_qty=2, actual_minutes=15),
	]
	rows = {r.workstation: r for r in planning_core.attainment(ops)}
	press = rows["Press"]
	assert (press.planned_minutes, press.actual_minutes, press.planned_qty, press.completed_qty) == (
		90,
		90,
		15,
		15,
	)
	assert press.qty_pct == 100 and press.on_time_pct == 50 and press.late == ["2"]
	cut = rows["Cut"]
	assert cut.qty_pct == 25 and cut.on_time_pct == 0 and cut.late == ["3"]


def test_priority_weights_and_due_minutes():
	assert [planning_core.priority_weight(p) for p in ("Low", "Normal", "High", "Urgent", None, "Odd")] == [
		1,
		2,
		3,
		5,
		2,
		2,
	]
	start = datetime(2026, 11, 23)
	assert planning_core.end_of_day_minutes(date(2026, 11, 23), start) == 1440
	assert planning_core.end_of_day_minutes(date(2026, 11, 25), start) == 3 * 1440


def test_late_operations_longest_late_first_with_minutes_past_the_end():
	end = datetime(2026, 11, 23, 10, 0)
	ops = [
		planning_core.OperationProgress("jc-1", 10, 2, end),  # 90 minutes late at 11:30
		planning_core.OperationProgress("jc-2", 10, 0, end - timedelta(hours=2)),  # 210 minutes
		planning_core.OperationProgress("jc-3", 10, 10, end - timedelta(hours=5)),  # done: never late
		planning_core.OperationProgress(
			"jc-4", 10, 0, end + timedelta(minutes=80)
		),  # 10 minutes: within grace
		planning_core.OperationProgress("jc-5", 10, 0, None),  # not scheduled
	]
	late = planning_core.late_operations(ops, end + timedelta(minutes=90), grace_minutes=30)
	assert [(op.id, minutes) for op, minutes in late] == [("jc-2", 210), ("jc-1", 90)]
	assert planning_core.late_operations(ops, end - timedelta(hours=3)) == []


@given(
	st.lists(
		st.tuples(st.floats(0, 100), st.floats(0, 100), st.integers(-600, 600)),
		max_size=8,
	),
	st.integers(0, 120),
)
def test_late_operations_are_exactly_those_is_late_says(rows, grace):
	now = datetime(2026, 11, 23, 12, 0)
	ops = [
		planning_core.OperationProgress(f"jc-{i}", q, c, now + timedelta(minutes=m))
		for i, (q, c, m) in enumerate(rows)
	]
	late = planning_core.late_operations(ops, now, grace)
	assert {op.id for op, _m in late} == {op.id for op in ops if planning_core.is_late(op, now, grace)}
	assert all(minutes > grace for _op, minutes in late) or not late
	assert [m for _op, m in late] == sorted((m for _op, m in late), reverse=True)

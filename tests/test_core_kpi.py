"""order_tracking.core.kpi: percentiles, on-time delivery, fill rate, cycle time, periods, buckets."""

import itertools
import statistics
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_tracking.core import kpi as kpi_core
from order_tracking.core import stages as stages_core

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)

# ------------------------------------------------------------------ percentiles


def test_percentile_interpolates_between_closest_ranks():
	values = [15, 20, 35, 40, 50]
	assert kpi_core.percentile(values, 0) == 15
	assert kpi_core.percentile(values, 100) == 50
	assert kpi_core.percentile(values, 50) == 35
	# rank (5-1)*0.4 = 1.6: 20 + 0.6 * (35 - 20)
	assert kpi_core.percentile(values, 40) == pytest.approx(29)
	# rank 3.6: 40 + 0.6 * 10
	assert kpi_core.percentile(values, 90) == pytest.approx(46)


def test_percentile_of_unsorted_input_and_of_one_value():
	assert kpi_core.percentile([3, 1, 2], 50) == 2
	assert kpi_core.percentile([7], 90) == 7
	assert kpi_core.percentile([], 50) is None


def test_median_of_even_count_is_the_mean_of_the_middle_two():
	assert kpi_core.median([1, 2, 3, 10]) == 2.5


@pytest.mark.parametrize("p", [-1, 100.5])
def test_percentile_outside_0_100_is_refused(p):
	with pytest.raises(ValueError):
		kpi_core.percentile([1, 2], p)


@given(st.lists(finite, min_size=1, max_size=60), st.floats(min_value=0, max_value=100))
def test_percentile_lies_within_the_sample_and_matches_statistics(values, p):
	result = kpi_core.percentile(values, p)
	assert min(values) - 1e-6 <= result <= max(values) + 1e-6
	assert kpi_core.median(values) == pytest.approx(statistics.median(values), rel=1e-9, abs=1e-6)


@given(st.lists(finite, min_size=2, max_size=40), st.floats(0, 100), st.floats(0, 100))
def test_percentile_is_monotone_in_p(values, p, q):
	lo, hi = sorted((p, q))
	assert kpi_core.percentile(values, lo) <= kpi_core.percentile(values, hi) + 1e-6


def test_percentile_matches_statistics_quantiles_inclusive():
	values = [2.5, 1, 8, 4, 4, 9, 11, 0.5, 7, 3]
	deciles = statistics.quantiles(values, n=10, method="inclusive")
	assert kpi_core.percentile(values, 90) == pytest.approx(deciles[8])
	assert kpi_core.percentile(values, 10) == pytest.approx(deciles[0])


def test_describe_ignores_missing_values():
	d = kpi_core.describe([4, None, 1, 3, None, 2])
	assert (d.count, d.mean, d.median, d.minimum, d.maximum) == (4, 2.5, 2.5, 1, 4)
	assert d.p90 == pytest.approx(3.7)


def test_describe_scaled_equals_describe_of_scaled_values():
	minutes = [2880, None, 1440, 720, 4320, 30]
	in_days = kpi_core.describe(minutes, scale=1 / 1440)
	converted = kpi_core.describe([m / 1440 if m is not None else None for m in minutes])
	for field in ("count", "mean", "median", "p90", "minimum", "maximum"):
		assert getattr(in_days, field) == pytest.approx(getattr(converted, field))
	assert kpi_core.describe_sorted(sorted(m for m in minutes if m is not None), 1 / 1440) == in_days


def test_describe_of_nothing_is_all_none():
	assert kpi_core.describe([None, None]) == kpi_core.Distribution(0, None, None, None, None, None)


def test_pct_rounds_and_has_no_value_without_a_base():
	assert kpi_core.pct(1, 3) == 33.3
	assert kpi_core.pct(2, 3, digits=2) == 66.67
	assert kpi_core.pct(5, 0) is None
	assert kpi_core.pct(0, 4) == 0


# ------------------------------------------------------------------ on-time delivery

PROMISED = date(2026, 11, 20)


def test_on_time_is_on_or_before_the_promised_date():
	assert kpi_core.is_on_time(PROMISED, PROMISED) is True
	assert kpi_core.is_on_time(PROMISED - timedelta(days=3), PROMISED) is True
	assert kpi_core.is_on_time(PROMISED + timedelta(days=1), PROMISED) is False
	assert kpi_core.is_on_time(None, PROMISED) is None
	assert kpi_core.is_on_time(PROMISED, None) is None


def test_days_late_is_zero_for_early_deliveries():
	assert kpi_core.days_late(PROMISED + timedelta(days=4), PROMISED) == 4
	assert kpi_core.days_late(PROMISED - timedelta(days=4), PROMISED) == 0


def test_on_time_tally_of_orders():
	tally = kpi_core.OnTimeTally()
	for offset in (-2, 0, 3, 5, None):
		tally.add(None if offset is None else PROMISED + timedelta(days=offset), PROMISED)
	tally.add(PROMISED, None)  # no promise: not counted
	assert (tally.delivered, tally.on_time, tally.late, tally.days_late) == (4, 2, 2, 8)
	assert tally.on_time_pct == 50.0
	assert tally.average_days_late == 4.0


def test_on_time_tally_merges_counts_from_sql():
	tally = kpi_core.OnTimeTally().merge(3, 2, 7).merge(1, 1, 0).merge(None, None, None)
	assert (tally.delivered, tally.on_time, tally.days_late) == (4, 3, 7)
	assert tally.on_time_pct == 75.0
	assert tally.average_days_late == 7.0


def test_empty_tally_has_no_rates():
	tally = kpi_core.OnTimeTally()
	assert tally.on_time_pct is None and tally.average_days_late is None


@given(st.lists(st.one_of(st.none(), st.integers(-30, 30)), max_size=50))
def test_tally_merged_in_parts_equals_tally_of_the_whole(offsets):
	whole, first, second = kpi_core.OnTimeTally(), kpi_core.OnTimeTally(), kpi_core.OnTimeTally()
	half = len(offsets) // 2
	for i, offset in enumerate(offsets):
		delivered = None if offset is None else PROMISED + timedelta(days=offset)
		whole.add(delivered, PROMISED)
		(first if i < half else second).add(delivered, PROMISED)
	merged = kpi_core.OnTimeTally().merge(first.delivered, first.on_time, first.days_late)
	merged.merge(second.delivered, second.on_time, second.days_late)
	assert merged == whole
	assert whole.on_time + whole.late == whole.delivered == sum(o is not None for o in offsets)


# ------------------------------------------------------------------ fill rate


def test_fill_rate_caps_over_delivery():
	assert kpi_core.fill_rate(8, 10) == 80.0
	assert kpi_core.fill_rate(12, 10) == 100.0
	assert kpi_core.fill_rate(-1, 10) == 0.0
	assert kpi_core.fill_rate(5, 0) is None


def test_filled_and_open_qty_of_a_line():
	assert kpi_core.filled_qty(12, 10) == 10
	assert kpi_core.filled_qty(4, 10) == 4
	assert kpi_core.open_qty(10, 4) == 6
	assert kpi_core.open_qty(10, 12) == 0


def test_fulfilment_tally_merges_rows_and_gives_rates():
	tally = kpi_core.FulfilmentTally()
	tally.merge({"lines": 3, "lines_complete": 1, "ordered_qty": 30, "filled_qty": 15, "open_qty": 15})
	tally.merge(
		{"lines": 1, "lines_complete": 1, "ordered_qty": 10, "filled_qty": 10, "orders": 2, "unknown": 9}
	)
	tally.merge({"orders_due": 4, "orders_on_time_in_full": 3, "open_value": 150.5, "lines": None})
	assert (tally.lines, tally.lines_complete, tally.orders) == (4, 2, 2)
	assert tally.fill_rate == 62.5
	assert tally.line_fill_rate == 50.0
	assert tally.otif_pct == 75.0
	assert tally.open_value == 150.5


def test_fulfilment_tally_without_lines_has_no_rates():
	tally = kpi_core.FulfilmentTally()
	assert (tally.fill_rate, tally.line_fill_rate, tally.otif_pct) == (None, None, None)


# ------------------------------------------------------------------ cycle time

T0 = datetime(2026, 11, 1, 8, 0)


def test_segments_follow_the_stages_and_are_named_by_their_fields():
	steps = [(s.start, s.end) for s in kpi_core.STEPS]
	assert steps[0] == (stages_core.RECEIVED, stages_core.APPROVED)
	assert steps[-1] == (stages_core.BILLED, stages_core.PAID)
	for (_a, b), (c, _d) in itertools.pairwise(steps):
		assert b == c, "each step starts where the previous ended"
	assert [s.key for s in kpi_core.TOTALS] == ["received_to_delivered", "delivered_to_paid"]
	assert kpi_core.STEPS[0].key == "received_to_approved"
	assert kpi_core.STEPS[2].key == "planned_to_production_started"
	assert len({s.key for s in kpi_core.SEGMENTS}) == len(kpi_core.SEGMENTS)
	assert set(kpi_core.STAGE_DATE_FIELDS) == set(stages_core.PROGRESS_STAGES)


def test_elapsed_days_are_fractional_and_never_negative():
	assert kpi_core.elapsed_days(T0, T0 + timedelta(days=2, hours=12)) == 2.5
	assert kpi_core.elapsed_days(T0, T0 - timedelta(days=1)) == 0
	assert kpi_core.elapsed_days(None, T0) is None
	assert kpi_core.elapsed_days(T0, None) is None


def test_seconds_to_days():
	assert kpi_core.seconds_to_days(86400 * 3) == 3
	assert kpi_core.seconds_to_days(-5) == 0
	assert kpi_core.seconds_to_days(None) is None


def test_cycle_days_from_stage_dates_by_stage_or_field():
	by_stage = {stages_core.RECEIVED: T0, stages_core.DELIVERED: T0 + timedelta(days=12)}
	by_field = {"received_at": T0, "delivered_at": T0 + timedelta(days=12), "paid_at": None}
	total = kpi_core.TOTALS[0]
	assert kpi_core.cycle_days(by_stage, total) == 12
	assert kpi_core.cycle_days(by_field, total) == 12
	assert kpi_core.cycle_days(by_field, kpi_core.TOTALS[1]) is None


def test_cycle_time_stats_per_segment():
	step = kpi_core.STEPS[0]
	samples = [{step.key: d} for d in (1, 2, 3, 4, 10)] + [{step.key: None}, {}]
	stats = kpi_core.cycle_time_stats(samples, [step, kpi_core.TOTALS[0]])
	assert stats[step.key].count == 5
	assert stats[step.key].median == 3
	assert stats[step.key].p90 == pytest.approx(7.6)
	assert stats[step.key].mean == 4
	assert stats[kpi_core.TOTALS[0].key].count == 0


@given(st.lists(st.integers(0, 60 * 86400), min_size=1, max_size=30))
def test_stage_steps_add_up_to_the_total_for_an_order_reaching_every_stage(gaps):
	# an order whose stages are reached one after another: the steps from Received to Delivered
	# sum to the total Received -> Delivered
	dates, at = {}, T0
	for i, stage in enumerate(stages_core.PROGRESS_STAGES):
		if i:
			at = at + timedelta(seconds=gaps[i % len(gaps)])
		dates[stage] = at
	goods = [
		s
		for s in kpi_core.STEPS
		if stages_core.stage_index(s.end) <= stages_core.stage_index(stages_core.DELIVERED)
	]
	assert sum(kpi_core.cycle_days(dates, s) for s in goods) == pytest.approx(
		kpi_core.cycle_days(dates, kpi_core.TOTALS[0])
	)


# ------------------------------------------------------------------ periods and buckets


@pytest.mark.parametrize(
	"periodicity, start, label",
	[
		("Weekly", date(2026, 11, 16), "2026-W47"),
		("Monthly", date(2026, 11, 1), "2026-11"),
		("Quarterly", date(2026, 10, 1), "2026-Q4"),
		("Yearly", date(2026, 1, 1), "2026"),
	],
)
def test_period_start_and_label(periodicity, start, label):
	d = date(2026, 11, 19)
	assert kpi_core.period_start(d, periodicity) == start
	assert kpi_core.period_start(datetime(2026, 11, 19, 23, 59), periodicity) == start
	assert kpi_core.period_label(start, periodicity) == label


def test_unknown_periodicity_is_refused():
	with pytest.raises(ValueError):
		kpi_core.period_start(date(2026, 1, 1), "Daily")
	with pytest.raises(ValueError):
		kpi_core.period_label(date(2026, 1, 1), "Fortnightly")


def test_periods_cover_the_range_with_empty_months_across_a_year_end():
	months = kpi_core.periods(date(2026, 11, 15), date(2027, 2, 3))
	assert [kpi_core.period_label(m) for m in months] == ["2026-11", "2026-12", "2027-01", "2027-02"]
	assert kpi_core.periods(date(2026, 2, 1), date(2026, 1, 1)) == []
	quarters = kpi_core.periods(date(2026, 2, 1), date(2026, 12, 31), "Quarterly")
	assert [kpi_core.period_label(q, "Quarterly") for q in quarters] == [
		"2026-Q1",
		"2026-Q2",
		"2026-Q3",
		"2026-Q4",
	]


@given(
	st.dates(date(2000, 1, 1), date(2040, 12, 31)),
	st.integers(0, 800),
	st.sampled_from(kpi_core.PERIODICITIES),
)
def test_every_day_of_the_range_falls_in_exactly_one_listed_period(start, length, periodicity):
	end = start + timedelta(days=length)
	starts = kpi_core.periods(start, end, periodicity)
	assert starts == sorted(set(starts))
	for offset in range(0, length + 1, 13):
		d = start + timedelta(days=offset)
		p = kpi_core.period_start(d, periodicity)
		assert p in starts and p <= d < kpi_core.next_period(p, periodicity)


def test_age_buckets_and_labels():
	buckets = kpi_core.age_buckets()
	assert [b.label for b in buckets] == ["0-30", "31-60", "61-90", "> 90"]
	assert kpi_core.age_bucket(0).label == "0-30"
	assert kpi_core.age_bucket(30).label == "0-30"
	assert kpi_core.age_bucket(31).label == "31-60"
	assert kpi_core.age_bucket(400).label == "> 90"
	assert kpi_core.age_bucket(-3).label == "0-30"
	assert [b.label for b in kpi_core.age_buckets((7,))] == ["0-7", "> 7"]


@pytest.mark.parametrize("edges", [(60, 30), (30, 30), (-1, 10)])
def test_age_edges_must_increase(edges):
	with pytest.raises(ValueError):
		kpi_core.age_buckets(edges)


@given(st.integers(-10, 1000))
def test_an_age_falls_in_its_bucket(days):
	bucket = kpi_core.age_bucket(days)
	d = max(days, 0)
	assert bucket.low <= d and (bucket.high is None or d <= bucket.high)


def test_top_n_keeps_the_largest_first():
	rows = [("a", 5), ("b", None), ("c", 9), ("d", 5)]
	assert kpi_core.top_n(rows, lambda r: r[1], 3) == [("c", 9), ("a", 5), ("d", 5)]
	assert kpi_core.top_n(rows, lambda r: r[1], 0) == []


def test_a_series_of_one_point_is_a_bar_not_an_empty_line():
	assert kpi_core.series_chart_type(0) == "bar"
	assert kpi_core.series_chart_type(1) == "bar"
	assert kpi_core.series_chart_type(2) == "line"
	assert kpi_core.series_chart_type(12) == "line"

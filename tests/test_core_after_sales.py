"""core.after_sales: what a rating and a complaint must be, when a complaint's SLA is breached,
and the satisfaction figures."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_tracking.core import after_sales as core

NOW = datetime(2026, 12, 7, 12, 0)


@pytest.mark.parametrize("value", [1, 5, "3", " 4 ", 2.0])
def test_ratings_from_one_to_five(value):
	assert core.parse_rating(value) == int(float(str(value).strip()))


@pytest.mark.parametrize("value", [0, 6, "0", "6", "4.5", 4.5, "five", "", None, True, [], "-1"])
def test_anything_else_is_refused(value):
	with pytest.raises(core.AfterSalesError) as e:
		core.parse_rating(value)
	assert e.value.code == core.RATING_INVALID


@given(st.integers())
def test_integers_accepted_exactly_in_range(n):
	if 1 <= n <= 5:
		assert core.parse_rating(n) == n
	else:
		with pytest.raises(core.AfterSalesError):
			core.parse_rating(n)


def test_comment_trimmed_optional_and_bounded():
	assert core.clean_comment(None) == ""
	assert core.clean_comment("  fine  ") == "fine"
	assert core.clean_comment("x" * core.MAX_COMMENT_LENGTH) == "x" * core.MAX_COMMENT_LENGTH
	with pytest.raises(core.AfterSalesError) as e:
		core.clean_comment("x" * (core.MAX_COMMENT_LENGTH + 1))
	assert (e.value.code, e.value.limit) == (core.COMMENT_TOO_LONG, core.MAX_COMMENT_LENGTH)


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t"])
def test_complaint_needs_text(text):
	with pytest.raises(core.AfterSalesError) as e:
		core.clean_complaint(text)
	assert e.value.code == core.COMPLAINT_REQUIRED


def test_complaint_subject_is_the_order_and_first_line_cut_to_fit():
	assert core.complaint_subject("SO-1", "Wrong size\nTwo pairs") == "SO-1: Wrong size"
	long = core.complaint_subject("SO-1", "y" * 500)
	assert len(long) == core.MAX_SUBJECT_LENGTH and long.endswith("…")


def test_attachment_over_the_limit_names_it_in_megabytes():
	limit = 10 * 1024 * 1024
	core.check_attachment_size(limit, limit)
	with pytest.raises(core.AfterSalesError) as e:
		core.check_attachment_size(20 * 1024 * 1024, limit)
	assert (e.value.code, e.value.limit) == (core.ATTACHMENT_TOO_LARGE, 10)


def test_delivered_orders_only():
	assert core.is_delivered("Delivered", None) and core.is_delivered("Paid", None)
	assert core.is_delivered("Closed", NOW)
	assert not core.is_delivered("Shipped", None)
	assert not core.is_delivered("Cancelled", NOW)


def test_sla_breached_when_open_and_failed_or_overdue():
	past, future = NOW - timedelta(minutes=1), NOW + timedelta(hours=1)
	assert core.sla_breached("Open", "Resolution Due", past, NOW)
	assert core.sla_breached("Replied", "Failed", None, NOW)
	assert not core.sla_breached("Open", "Resolution Due", future, NOW)
	assert not core.sla_breached("Open", None, None, NOW)
	assert not core.sla_breached("Resolved", "Failed", past, NOW)
	assert not core.sla_breached("Closed", None, past, NOW)


def test_satisfaction_figures():
	s = core.satisfaction(orders=4, ratings=2, rating_total=7, complaints=1)
	assert (s.mean_rating, s.complaints_per_100) == (3.5, 25.0)
	none = core.satisfaction(orders=0, ratings=0, rating_total=0, complaints=0)
	assert (none.mean_rating, none.complaints_per_100) == (None, None)

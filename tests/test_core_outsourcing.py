"""order_tracking.core.outsourcing: what is out with a supplier, receipts, status, performance."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_tracking.core import outsourcing as O

DUE = date(2026, 11, 30)


def test_a_receipt_takes_from_what_is_being_made_and_rework_stays_out():
	line = O.Line(qty=10, sent=10)
	assert (line.being_made, line.pending) == (10, 10)
	r = O.Receipt(accepted=6, rejected=1, rework=2)
	assert O.check_receipt(line, r) is None
	line = O.apply_receipt(line, r)
	assert (line.accepted, line.rejected, line.fresh_received, line.rework_out) == (6, 1, 9, 2)
	assert (line.being_made, line.pending) == (1, 3)
	back = O.Receipt(accepted=1, rework=1, is_rework=True)  # one reworked back, one needs more work
	assert O.check_receipt(line, back) is None
	line = O.apply_receipt(line, back)
	assert (line.accepted, line.rework_out, line.pending) == (7, 1, 2)


def test_more_than_is_out_of_its_kind_is_refused():
	line = O.Line(qty=10, sent=10, accepted=6, rejected=1, fresh_received=9, rework_out=2)
	assert O.check_receipt(line, O.Receipt(accepted=2)) == "exceeds_out"  # only 1 still being made
	assert O.check_receipt(line, O.Receipt(accepted=3, is_rework=True)) == "exceeds_out"  # 2 out for rework
	assert O.check_receipt(line, O.Receipt()) == "nothing"
	assert O.check_receipt(line, O.Receipt(accepted=-1, rejected=2)) == "negative"
	assert O.check_receipt(O.Line(qty=5), O.Receipt(accepted=1)) == "exceeds_out"  # nothing sent yet


def test_cancelling_a_receipt_restores_the_line():
	line = O.Line(qty=8, sent=8, accepted=2, fresh_received=2)
	r = O.Receipt(accepted=3, rejected=1, rework=2)
	assert O.apply_receipt(O.apply_receipt(line, r), r, cancel=True) == line
	rw = O.Receipt(accepted=1, is_rework=True)
	after = O.apply_receipt(O.apply_receipt(line, r), rw)
	assert O.apply_receipt(after, rw, cancel=True) == O.apply_receipt(line, r)


@given(
	st.integers(1, 50),
	st.lists(
		st.tuples(st.integers(0, 10), st.integers(0, 10), st.integers(0, 10), st.booleans()), max_size=15
	),
)
def test_taken_receipts_never_bring_back_more_than_was_sent(qty, attempts):
	line = O.Line(qty=qty, sent=qty)
	for a, r, w, is_rework in attempts:
		receipt = O.Receipt(a, r, w, is_rework)
		if O.check_receipt(line, receipt) is None:
			line = O.apply_receipt(line, receipt)
		assert line.accepted + line.rejected + line.rework_out + line.being_made == pytest.approx(qty)
		assert min(line.being_made, line.rework_out, line.pending) >= 0
		assert line.accepted + line.rejected <= qty


def test_status_follows_the_lines():
	assert O.order_status([O.Line(5)], docstatus=0) == O.DRAFT
	assert O.order_status([O.Line(5)], docstatus=1) == O.TO_SEND
	assert O.order_status([O.Line(5, sent=5)], docstatus=1) == O.SENT
	assert O.order_status([O.Line(5, sent=5, accepted=2, fresh_received=2)], 1) == O.PARTLY_RETURNED
	assert O.order_status([O.Line(5, sent=5, fresh_received=2, rework_out=2)], 1) == O.PARTLY_RETURNED
	assert O.order_status([O.Line(5, sent=5, accepted=4, rejected=1, fresh_received=5)], 1) == O.RETURNED
	assert O.order_status([O.Line(5, sent=5)], docstatus=1, closed=True) == O.CLOSED
	assert O.order_status([O.Line(5, sent=5)], docstatus=2) == O.CANCELLED


def test_lateness_and_daily_reminders():
	assert O.is_late(DUE, date(2026, 12, 1), 1) and not O.is_late(DUE, DUE, 1)
	assert not O.is_late(DUE, date(2026, 12, 5), 0)
	assert O.days_late(DUE, date(2026, 12, 3)) == 3 and O.days_late(DUE, date(2026, 11, 1)) == 0
	today = date(2026, 12, 2)
	assert O.should_remind(DUE, today, 2, None)
	assert O.should_remind(DUE, today, 2, date(2026, 12, 1))
	assert not O.should_remind(DUE, today, 2, today)
	assert not O.should_remind(DUE, today, 0, None)


def test_materials_for_units():
	assert O.materials_for({"leather": 0.5, "thread": 2.0, "nothing": 0.0}, 4) == {
		"leather": 2.0,
		"thread": 8.0,
	}


def test_supplier_performance():
	facts = [
		O.ReturnFact("A", "Stitching", accepted=8, rejected=2, amount=40, returned_on=DUE, due=DUE),
		O.ReturnFact(
			"A", "Stitching", accepted=5, rejected=0, amount=25, returned_on=date(2026, 12, 3), due=DUE
		),
		O.ReturnFact(
			"B", "Uppers", accepted=10, rejected=0, amount=120, returned_on=date(2026, 11, 20), due=None
		),
	]
	a, b = O.supplier_performance(facts)
	assert (a.supplier, a.subject, a.received, a.accepted, a.rejected, a.receipts) == (
		"A",
		"Stitching",
		15,
		13,
		2,
		2,
	)
	assert a.reject_pct == 13.3 and a.on_time_pct == 66.7 and a.average_delay_days == 3.0
	assert a.cost_per_unit == pytest.approx(65 / 13, abs=1e-4)
	assert (b.on_time_pct, b.average_delay_days, b.cost_per_unit) == (100.0, 0.0, 12.0)
	assert O.supplier_performance([]) == []


def test_late_returns_add_up_an_orders_lines_and_put_the_longest_late_first():
	today = date(2026, 12, 10)
	returns = [
		O.OpenReturn("OUT-1", "Stitchers", date(2026, 12, 8), 3),
		O.OpenReturn("OUT-1", "Stitchers", date(2026, 12, 8), 2),  # another line of OUT-1
		O.OpenReturn("OUT-2", "Soles Ltd", date(2026, 12, 1), 4),
		O.OpenReturn("OUT-3", "Soles Ltd", date(2026, 12, 10), 4),  # due today: not late yet
		O.OpenReturn("OUT-4", "Soles Ltd", date(2026, 12, 1), 0),  # all back
		O.OpenReturn("OUT-5", "Soles Ltd", None, 4),  # no due date
	]
	late = O.late_returns(returns, today)
	assert [(r.outsourcing_order, r.pending, days) for r, days in late] == [("OUT-2", 4, 9), ("OUT-1", 5, 2)]
	assert O.late_returns(returns, date(2026, 12, 1)) == []

"""order_tracking.core.outsourcing: what is out with a supplier, receipts, status, performance."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_tracking.core import outsourcing as outsourcing_core

DUE = date(2026, 11, 30)


def test_a_receipt_takes_from_what_is_being_made_and_rework_stays_out():
	line = outsourcing_core.Line(qty=10, sent=10)
	assert (line.being_made, line.pending) == (10, 10)
	r = outsourcing_core.Receipt(accepted=6, rejected=1, rework=2)
	assert outsourcing_core.check_receipt(line, r) is None
	line = outsourcing_core.apply_receipt(line, r)
	assert (line.accepted, line.rejected, line.fresh_received, line.rework_out) == (6, 1, 9, 2)
	assert (line.being_made, line.pending) == (1, 3)
	back = outsourcing_core.Receipt(
		accepted=1, rework=1, is_rework=True
	)  # one reworked back, one needs more work
	assert outsourcing_core.check_receipt(line, back) is None
	line = outsourcing_core.apply_receipt(line, back)
	assert (line.accepted, line.rework_out, line.pending) == (7, 1, 2)


def test_more_than_is_out_of_its_kind_is_refused():
	line = outsourcing_core.Line(qty=10, sent=10, accepted=6, rejected=1, fresh_received=9, rework_out=2)
	assert (
		outsourcing_core.check_receipt(line, outsourcing_core.Receipt(accepted=2)) == "exceeds_out"
	)  # only 1 still being made
	assert (
		outsourcing_core.check_receipt(line, outsourcing_core.Receipt(accepted=3, is_rework=True))
		== "exceeds_out"
	)  # 2 out for rework
	assert outsourcing_core.check_receipt(line, outsourcing_core.Receipt()) == "nothing"
	assert (
		outsourcing_core.check_receipt(line, outsourcing_core.Receipt(accepted=-1, rejected=2)) == "negative"
	)
	assert (
		outsourcing_core.check_receipt(outsourcing_core.Line(qty=5), outsourcing_core.Receipt(accepted=1))
		== "exceeds_out"
	)  # nothing sent yet


def test_cancelling_a_receipt_restores_the_line():
	line = outsourcing_core.Line(qty=8, sent=8, accepted=2, fresh_received=2)
	r = outsourcing_core.Receipt(accepted=3, rejected=1, rework=2)
	assert outsourcing_core.apply_receipt(outsourcing_core.apply_receipt(line, r), r, cancel=True) == line
	rw = outsourcing_core.Receipt(accepted=1, is_rework=True)
	after = outsourcing_core.apply_receipt(outsourcing_core.apply_receipt(line, r), rw)
	assert outsourcing_core.apply_receipt(after, rw, cancel=True) == outsourcing_core.apply_receipt(line, r)


@given(
	st.integers(1, 50),
	st.lists(
		st.tuples(st.integers(0, 10), st.integers(0, 10), st.integers(0, 10), st.booleans()), max_size=15
	),
)
def test_taken_receipts_never_bring_back_more_than_was_sent(qty, attempts):
	line = outsourcing_core.Line(qty=qty, sent=qty)
	for a, r, w, is_rework in attempts:
		receipt = outsourcing_core.Receipt(a, r, w, is_rework)
		if outsourcing_core.check_receipt(line, receipt) is None:
			line = outsourcing_core.apply_receipt(line, receipt)
		assert line.accepted + line.rejected + line.rework_out + line.being_made == pytest.approx(qty)
		assert min(line.being_made, line.rework_out, line.pending) >= 0
		assert line.accepted + line.rejected <= qty


def test_status_follows_the_lines():
	assert outsourcing_core.order_status([outsourcing_core.Line(5)], docstatus=0) == outsourcing_core.DRAFT
	assert outsourcing_core.order_status([outsourcing_core.Line(5)], docstatus=1) == outsourcing_core.TO_SEND
	assert (
		outsourcing_core.order_status([outsourcing_core.Line(5, sent=5)], docstatus=1)
		== outsourcing_core.SENT
	)
	assert (
		outsourcing_core.order_status([outsourcing_core.Line(5, sent=5, accepted=2, fresh_received=2)], 1)
		== outsourcing_core.PARTLY_RETURNED
	)
	assert (
		outsourcing_core.order_status([outsourcing_core.Line(5, sent=5, fresh_received=2, rework_out=2)], 1)
		== outsourcing_core.PARTLY_RETURNED
	)
	assert (
		outsourcing_core.order_status(
			[outsourcing_core.Line(5, sent=5, accepted=4, rejected=1, fresh_received=5)], 1
		)
		== outsourcing_core.RETURNED
	)
	assert (
		outsourcing_core.order_status([outsourcing_core.Line(5, sent=5)], docstatus=1, closed=True)
		== outsourcing_core.CLOSED
	)
	assert (
		outsourcing_core.order_status([outsourcing_core.Line(5, sent=5)], docstatus=2)
		== outsourcing_core.CANCELLED
	)


def test_lateness_and_daily_reminders():
	assert outsourcing_core.is_late(DUE, date(2026, 12, 1), 1) and not outsourcing_core.is_late(DUE, DUE, 1)
	assert not outsourcing_core.is_late(DUE, date(2026, 12, 5), 0)
	assert (
		outsourcing_core.days_late(DUE, date(2026, 12, 3)) == 3
		and outsourcing_core.days_late(DUE, date(2026, 11, 1)) == 0
	)
	today = date(2026, 12, 2)
	assert outsourcing_core.should_remind(DUE, today, 2, None)
	assert outsourcing_core.should_remind(DUE, today, 2, date(2026, 12, 1))
	assert not outsourcing_core.should_remind(DUE, today, 2, today)
	assert not outsourcing_core.should_remind(DUE, today, 0, None)


def test_materials_for_units():
	assert outsourcing_core.materials_for({"leather": 0.5, "thread": 2.0, "nothing": 0.0}, 4) == {
		"leather": 2.0,
		"thread": 8.0,
	}


def test_supplier_performance():
	facts = [
		outsourcing_core.ReturnFact(
			"A", "Stitching", accepted=8, rejected=2, amount=40, returned_on=DUE, due=DUE
		),
		outsourcing_core.ReturnFact(
			"A", "Stitching", accepted=5, rejected=0, amount=25, returned_on=date(2026, 12, 3), due=DUE
		),
		outsourcing_core.ReturnFact(
			"B", "Uppers", accepted=10, rejected=0, amount=120, returned_on=date(2026, 11, 20), due=None
		),
	]
	a, b = outsourcing_core.supplier_performance(facts)
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
	assert outsourcing_core.supplier_performance([]) == []


def test_supplier_reject_pct_counts_the_quality_inspections_of_returns():
	facts = [outsourcing_core.ReturnFact("A", "Stitching", 9, 1, 45, returned_on=DUE, due=DUE)]
	inspections = [
		outsourcing_core.InspectionFact("A", "Stitching", qty=5, rejected=True),
		outsourcing_core.InspectionFact("A", "Stitching", qty=5, rejected=False),
		# ERPNext's own subcontracting, with no Outsourcing Receipt: a row of inspections only
		outsourcing_core.InspectionFact("C", "Soles", qty=4, rejected=True),
	]
	a, c = outsourcing_core.supplier_performance(facts, inspections)
	# 1 rejected at the receipt + 5 in an inspection, over 10 received + 10 inspected
	assert (a.received, a.inspected, a.inspection_rejected, a.reject_pct) == (10, 10, 5, 30.0)
	assert (a.on_time_pct, a.receipts) == (100.0, 1)
	assert (c.supplier, c.received, c.receipts, c.reject_pct, c.on_time_pct) == ("C", 0, 0, 100.0, 0.0)
	# without inspections the figure is the receipts' alone, as before
	[alone] = outsourcing_core.supplier_performance(facts)
	assert alone.reject_pct == 10.0


def test_late_returns_add_up_an_orders_lines_and_put_the_longest_late_first():
	today = date(2026, 12, 10)
	returns = [
		outsourcing_core.OpenReturn("OUT-1", "Stitchers", date(2026, 12, 8), 3),
		outsourcing_core.OpenReturn("OUT-1", "Stitchers", date(2026, 12, 8), 2),  # another line of OUT-1
		outsourcing_core.OpenReturn("OUT-2", "Soles Ltd", date(2026, 12, 1), 4),
		outsourcing_core.OpenReturn("OUT-3", "Soles Ltd", date(2026, 12, 10), 4),  # due today: not late yet
		outsourcing_core.OpenReturn("OUT-4", "Soles Ltd", date(2026, 12, 1), 0),  # all back
		outsourcing_core.OpenReturn("OUT-5", "Soles Ltd", None, 4),  # no due date
	]
	late = outsourcing_core.late_returns(returns, today)
	assert [(r.outsourcing_order, r.pending, days) for r, days in late] == [("OUT-2", 4, 9), ("OUT-1", 5, 2)]
	assert outsourcing_core.late_returns(returns, date(2026, 12, 1)) == []

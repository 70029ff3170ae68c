"""Settlement arithmetic (order_tracking.core.settlement)."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from order_tracking.core import settlement as settlement_core

RULES = settlement_core.Rules(
	reject_deduction_pct=50, late_penalty_pct_per_day=2, late_penalty_cap_pct=10, grace_days=1
)


def test_a_line_earns_its_accepted_qty_less_rejects_and_lateness():
	a = settlement_core.line_amounts(
		settlement_core.ReceiptLine(accepted_qty=4, rejected_qty=1, rate=2.5, days_late=3), RULES
	)
	assert (a.amount, a.reject_deduction, a.late_penalty, a.net) == (10.0, 1.25, 0.4, 8.35)


def test_grace_days_and_the_cap_limit_the_late_penalty():
	on_time = settlement_core.line_amounts(settlement_core.ReceiptLine(4, 0, 2.5, days_late=1), RULES)
	assert on_time.late_penalty == 0  # within the grace day
	very_late = settlement_core.line_amounts(settlement_core.ReceiptLine(4, 0, 2.5, days_late=60), RULES)
	assert very_late.late_penalty == 1.0  # capped at 10 % of 10.00
	never = settlement_core.line_amounts(
		settlement_core.ReceiptLine(4, 3, 2.5, days_late=9), settlement_core.Rules()
	)
	assert (never.reject_deduction, never.late_penalty, never.net) == (0, 0, 10.0)


def test_statement_totals_add_adjustments_both_ways():
	lines = [
		settlement_core.line_amounts(settlement_core.ReceiptLine(4, 1, 2.5, 3), RULES),
		settlement_core.line_amounts(settlement_core.ReceiptLine(10, 0, 1.2, 0), RULES),
	]
	t = settlement_core.statement_totals(lines, [-0.35, 2])
	assert (t.gross, t.reject_deductions, t.late_penalties, t.adjustments) == (22.0, 1.25, 0.4, 1.65)
	assert t.net == 22.0


def test_invoice_merges_lines_of_one_purchase_order_line_and_discounts_the_rest():
	t = settlement_core.StatementTotals(
		gross=22.0, reject_deductions=1.25, late_penalties=0.4, adjustments=-0.35
	)
	plan = settlement_core.invoice_plan(
		[("po-1", 4, 2.5), ("po-2", 10, 1.2), ("po-1", 2, 2.5), ("po-3", 0, 9)], t
	)
	assert sorted((x.key, x.qty, x.rate) for x in plan.lines) == [("po-1", 6, 2.5), ("po-2", 10, 1.2)]
	assert (plan.discount, plan.extra_charge) == (7.0, 0.0)  # 27.00 billed, 20.00 to pay
	up = settlement_core.invoice_plan([("po-1", 2, 2.5)], settlement_core.StatementTotals(5, 0, 0, 3))
	assert (up.discount, up.extra_charge, up.net) == (0.0, 3.0, 8.0)


@settings(max_examples=200, deadline=None)
@given(
	st.lists(
		st.tuples(
			st.sampled_from(["a", "b", "c"]),
			st.integers(0, 50),
			st.integers(0, 10),
			st.decimals(min_value="0.01", max_value="99.99", places=2),
			st.integers(0, 30),
		),
		min_size=1,
		max_size=12,
	),
	st.lists(st.decimals(min_value="-20", max_value="20", places=2), max_size=3),
)
def test_the_invoice_always_comes_to_the_statements_net_amount(rows, adjustments):
	rules = settlement_core.Rules(
		reject_deduction_pct=30, late_penalty_pct_per_day=1.5, late_penalty_cap_pct=25, grace_days=2
	)
	amounts = [
		settlement_core.line_amounts(settlement_core.ReceiptLine(acc, rej, float(rate), late), rules)
		for _, acc, rej, rate, late in rows
	]
	totals = settlement_core.statement_totals(amounts, [float(a) for a in adjustments])
	plan = settlement_core.invoice_plan(
		[(key, acc, float(rate)) for key, acc, _rej, rate, _late in rows], totals
	)
	assert abs(plan.net - totals.net) < 0.006
	assert plan.discount >= 0 and plan.extra_charge >= 0
	assert not (plan.discount and plan.extra_charge)


def test_customer_statement_runs_the_balance_and_sorts_by_date():
	entries = [
		settlement_core.LedgerEntry(date(2026, 11, 20), "Payment Entry", "PE-1", 0, 300),
		settlement_core.LedgerEntry(date(2026, 11, 3), "Sales Invoice", "SI-1", 1000, 0),
		settlement_core.LedgerEntry(date(2026, 11, 10), "Sales Invoice", "SI-2", 0, 100, is_return=True),
		settlement_core.LedgerEntry(date(2026, 11, 12), "Journal Entry", "JV-1", 5, 0),
	]
	s = settlement_core.account_statement(200, entries)
	assert [r.entry.voucher_no for r in s.rows] == ["SI-1", "SI-2", "JV-1", "PE-1"]
	assert [r.kind for r in s.rows] == [
		settlement_core.INVOICE,
		settlement_core.CREDIT_NOTE,
		settlement_core.OTHER,
		settlement_core.PAYMENT,
	]
	assert [r.balance for r in s.rows] == [1200, 1100, 1105, 805]
	assert (s.invoiced, s.credited, s.other, s.paid, s.closing) == (1000, 100, 5, 300, 805)
	assert settlement_core.account_statement(50, []).closing == 50


def test_order_cost_margin_and_its_percentage():
	c = settlement_core.OrderCost(material=40, labour=45, overhead=9, outsourcing=10, freight=6, revenue=200)
	assert (c.total, c.margin, c.margin_pct) == (110, 90, 45.0)
	assert settlement_core.OrderCost(material=5).margin_pct == 0.0  # no revenue yet: no percentage
	assert (
		settlement_core.OrderCost(material=1, revenue=2) + settlement_core.OrderCost(labour=3, revenue=4)
	) == settlement_core.OrderCost(material=1, labour=3, revenue=6)


def test_time_cost_splits_labour_from_the_rest_of_the_hour_rate():
	assert settlement_core.time_cost(90, hour_rate=36, labour_rate=30) == (45.0, 9.0)
	assert settlement_core.time_cost(60, hour_rate=0, labour_rate=0) == (0.0, 0.0)
	assert settlement_core.time_cost(60, hour_rate=10, labour_rate=25) == (
		10.0,
		0.0,
	)  # labour never above the whole rate


@given(
	st.floats(0, 1e6, allow_nan=False),
	st.dictionaries(st.sampled_from("abcdef"), st.floats(0, 1e4, allow_nan=False), min_size=1),
)
def test_split_shares_add_up_to_the_amount(amount, weights):
	shares = settlement_core.split(amount, weights)
	assert set(shares) == set(weights)
	assert abs(sum(shares.values()) - amount) <= 1e-6 * max(amount, 1)


def test_returnable_qty():
	assert settlement_core.returnable_qty(10, 3) == 7
	assert settlement_core.returnable_qty(10, 12) == 0
	assert settlement_core.returnable_qty(10, -1) == 10


DUE = date(2026, 11, 10)


def test_receivable_is_overdue_past_its_due_date_and_the_grace():
	overdue = settlement_core.receivable_overdue_days
	assert overdue("Overdue", 500.0, DUE, date(2026, 11, 20), grace_days=3) == 10
	assert overdue("Overdue", 500.0, DUE, date(2026, 11, 13), grace_days=3) is None  # within the grace
	assert overdue("Overdue", 500.0, DUE, date(2026, 11, 14), grace_days=3) == 4
	assert overdue("Overdue", 500.0, DUE, date(2026, 11, 11)) == 1
	assert overdue("Overdue", 500.0, DUE, DUE) is None  # due today


def test_a_stored_status_from_before_the_due_date_still_counts_but_paid_and_unbilled_never():
	overdue = settlement_core.receivable_overdue_days
	today = date(2026, 11, 20)
	assert overdue("Unpaid", 500.0, DUE, today) == 10
	assert overdue("Partly Paid", 20.0, DUE, today) == 10
	assert overdue("Paid", 500.0, DUE, today) is None
	assert overdue("Not Billed", 500.0, DUE, today) is None
	assert overdue(None, 500.0, DUE, today) is None
	assert overdue("Overdue", 0.0, DUE, today) is None  # nothing outstanding any more
	assert overdue("Overdue", 0.004, DUE, today) is None  # less than a cent
	assert overdue("Overdue", 500.0, None, today) is None


@given(st.integers(-30, 60), st.integers(0, 30))
def test_overdue_days_exceed_the_grace_exactly_when_overdue(days_since_due, grace):
	today = date.fromordinal(DUE.toordinal() + days_since_due)
	days = settlement_core.receivable_overdue_days("Unpaid", 100.0, DUE, today, grace)
	assert (days is not None) == (days_since_due > grace)
	assert days in (None, days_since_due)

"""order_tracking.core.tracking: stage, progress and ETA from an order's facts."""

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from order_tracking.core import stages as stages_core
from order_tracking.core.tracking import (
	OrderHeader,
	Progress,
	derive_order_state,
	derive_stage,
	estimate_eta,
	paid_amount,
	reached_stages,
)

TODAY = date(2026, 11, 22)


def header(**kw):
	base = dict(
		docstatus=1,
		status="To Deliver and Bill",
		promised_date=TODAY + timedelta(days=10),
		ordered_qty=10,
		manufacture_qty=10,
		grand_total=1000,
	)
	base.update(kw)
	return OrderHeader(**base)


# ------------------------------------------------------------------ stages, case by case


def test_draft_order_is_received():
	assert derive_stage(header(docstatus=0, status="Draft"), Progress()) == stages_core.RECEIVED


def test_draft_with_pending_review_is_under_review():
	assert derive_stage(header(docstatus=0, review_status="Pending"), Progress()) == stages_core.UNDER_REVIEW


def test_rejected_review_goes_back_to_received():
	assert derive_stage(header(docstatus=0, review_status="Rejected"), Progress()) == stages_core.RECEIVED


def test_approved_review_on_draft_is_approved():
	assert derive_stage(header(docstatus=0, review_status="Approved"), Progress()) == stages_core.APPROVED


def test_submitted_without_work_orders_is_approved():
	assert derive_stage(header(), Progress()) == stages_core.APPROVED


def test_partly_planned_is_still_approved():
	assert derive_stage(header(), Progress(planned_qty=6)) == stages_core.APPROVED


def test_fully_planned_is_planned():
	assert derive_stage(header(), Progress(planned_qty=10)) == stages_core.PLANNED


def test_started_production_is_in_production():
	assert derive_stage(header(), Progress(planned_qty=10, started_qty=4)) == stages_core.IN_PRODUCTION


def test_all_produced_is_ready_to_ship():
	assert (
		derive_stage(header(), Progress(planned_qty=10, started_qty=10, produced_qty=10))
		== stages_core.READY_TO_SHIP
	)


def test_bought_in_order_is_ready_once_submitted():
	"""Nothing to make: planning and production do not apply."""
	assert derive_stage(header(manufacture_qty=0), Progress()) == stages_core.READY_TO_SHIP


def test_partly_shipped_stays_ready_to_ship():
	p = Progress(planned_qty=10, produced_qty=10, shipped_qty=4)
	assert derive_stage(header(), p) == stages_core.READY_TO_SHIP


def test_shipped_from_stock_implies_earlier_physical_stages():
	"""Goods on the road were made, even when no work order exists."""
	assert derive_stage(header(), Progress(shipped_qty=10)) == stages_core.SHIPPED


def test_delivered_billed_paid_in_sequence():
	h = header()
	assert derive_stage(h, Progress(shipped_qty=10, delivered_qty=10)) == stages_core.DELIVERED
	assert (
		derive_stage(h, Progress(shipped_qty=10, delivered_qty=10, billed_amount=1000)) == stages_core.BILLED
	)
	assert (
		derive_stage(h, Progress(shipped_qty=10, delivered_qty=10, billed_amount=1000, paid_amount=1000))
		== stages_core.PAID
	)


def test_billed_in_advance_stays_in_production():
	p = Progress(planned_qty=10, started_qty=10, billed_amount=1000, paid_amount=1000)
	assert derive_stage(header(), p) == stages_core.IN_PRODUCTION


def test_partly_paid_is_billed():
	p = Progress(shipped_qty=10, delivered_qty=10, billed_amount=1000, paid_amount=999.9)
	assert derive_stage(header(), p) == stages_core.BILLED


def test_cent_rounding_counts_as_paid():
	p = Progress(shipped_qty=10, delivered_qty=10, billed_amount=1000, paid_amount=999.996)
	assert derive_stage(header(), p) == stages_core.PAID


def test_zero_value_order_is_paid_once_delivered():
	p = Progress(shipped_qty=10, delivered_qty=10)
	assert derive_stage(header(grand_total=0), p) == stages_core.PAID


def test_cancelled_and_closed_override_everything():
	p = Progress(shipped_qty=10, delivered_qty=10)
	assert derive_stage(header(docstatus=2, status="Cancelled"), p) == stages_core.CANCELLED
	assert derive_stage(header(status="Closed"), p) == stages_core.CLOSED


def test_on_hold_keeps_stage_and_flags():
	state = derive_order_state(header(status="On Hold"), Progress(planned_qty=10), TODAY)
	assert state.stage == stages_core.PLANNED
	assert state.on_hold


def test_order_without_qty_never_ships():
	assert derive_stage(header(ordered_qty=0, manufacture_qty=0), Progress()) == stages_core.READY_TO_SHIP


# ------------------------------------------------------------------ progress and ETA


def test_percentages_are_capped_and_rounded():
	state = derive_order_state(
		header(), Progress(produced_qty=12, shipped_qty=3.333, billed_amount=250, paid_amount=100), TODAY
	)
	assert state.produced_pct == 100.0
	assert state.shipped_pct == 33.33
	assert state.billed_pct == 25.0
	assert state.paid_pct == 10.0


def test_nothing_to_make_counts_as_produced_once_submitted():
	assert derive_order_state(header(manufacture_qty=0), Progress(), TODAY).produced_pct == 100.0
	assert derive_order_state(header(docstatus=0, manufacture_qty=0), Progress(), TODAY).produced_pct == 0.0


def test_eta_is_promised_date_when_on_time():
	state = derive_order_state(header(), Progress(), TODAY)
	assert state.eta == TODAY + timedelta(days=10)
	assert state.delay_days == 0


def test_eta_follows_late_production_plus_transit():
	p = Progress(planned_qty=10, production_due=TODAY + timedelta(days=15))
	state = derive_order_state(header(), p, TODAY, transit_days=2)
	assert state.eta == TODAY + timedelta(days=17)
	assert state.delay_days == 7


def test_overdue_order_eta_is_today_and_delay_grows():
	h = header(promised_date=TODAY - timedelta(days=3))
	state = derive_order_state(h, Progress(), TODAY)
	assert state.eta == TODAY
	assert state.delay_days == 3
	assert derive_order_state(h, Progress(), TODAY + timedelta(days=1)).delay_days == 4


def test_shipped_eta_is_ship_date_plus_transit():
	p = Progress(shipped_qty=10, last_shipped_on=TODAY)
	assert estimate_eta(header(), p, stages_core.SHIPPED, TODAY, transit_days=3) == TODAY + timedelta(days=3)


def test_delivered_eta_is_delivery_date_and_delay_is_measured():
	h = header(promised_date=TODAY - timedelta(days=5))
	p = Progress(
		shipped_qty=10,
		delivered_qty=10,
		last_shipped_on=TODAY - timedelta(days=2),
		last_delivered_on=TODAY - timedelta(days=2),
	)
	state = derive_order_state(h, p, TODAY)
	assert state.eta == TODAY - timedelta(days=2)
	assert state.delay_days == 3


def test_cancelled_order_has_no_eta_and_no_delay():
	state = derive_order_state(
		header(docstatus=2, promised_date=TODAY - timedelta(days=9)), Progress(), TODAY
	)
	assert state.eta is None
	assert state.delay_days == 0


def test_paid_amount_counts_unallocated_advances_once():
	assert paid_amount(0, 300, 0) == 300  # advance only
	assert paid_amount(1000, 1000, 1000) == 1000  # advance allocated to the paid invoice
	assert paid_amount(700, 300, 0) == 1000  # advance left unallocated
	assert paid_amount(300, 300, 300) == 300


# ------------------------------------------------------------------ properties

dates = st.one_of(st.none(), st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)))
qty = st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False)

progress_parts = st.builds(
	Progress,
	planned_qty=qty,
	started_qty=qty,
	produced_qty=qty,
	shipped_qty=qty,
	delivered_qty=qty,
	billed_amount=qty,
	paid_amount=qty,
	production_due=dates,
	last_shipped_on=dates,
	last_delivered_on=dates,
)
headers = st.builds(
	OrderHeader,
	docstatus=st.sampled_from([0, 1, 2]),
	status=st.sampled_from(["Draft", "To Deliver and Bill", "On Hold", "Closed", "Completed"]),
	promised_date=dates,
	ordered_qty=qty,
	manufacture_qty=qty,
	grand_total=qty,
	review_status=st.sampled_from([None, "Pending", "Approved", "Rejected"]),
)


def _exact(parts):
	"""Integer-valued copies, so that float rounding cannot make sums order-dependent."""
	return [
		Progress(
			**{
				f: (round(getattr(p, f)) if isinstance(getattr(p, f), float) else getattr(p, f))
				for f in p.__dataclass_fields__
			}
		)
		for p in parts
	]


@settings(max_examples=300, deadline=None)
@given(headers, st.lists(progress_parts, max_size=8), st.randoms(use_true_random=False))
def test_state_does_not_depend_on_the_order_documents_arrive_in(h, parts, rnd):
	parts = _exact(parts)
	shuffled = parts[:]
	rnd.shuffle(shuffled)
	a = derive_order_state(h, Progress.total(parts), TODAY)
	b = derive_order_state(h, Progress.total(shuffled), TODAY)
	assert a == b


@settings(max_examples=300, deadline=None)
@given(headers, st.lists(progress_parts, min_size=1, max_size=8), st.data())
def test_cancelling_a_document_rolls_the_state_back(h, parts, data):
	"""A cancelled document stops contributing: the state is what it was without it."""
	parts = _exact(parts)
	i = data.draw(st.integers(min_value=0, max_value=len(parts) - 1))
	rest = parts[:i] + parts[i + 1 :]
	submitted = derive_order_state(h, Progress.total(parts), TODAY)
	cancelled = derive_order_state(h, Progress.total(rest), TODAY)
	# the cancelled state is exactly the state of the remaining documents, in any order ...
	assert cancelled == derive_order_state(h, Progress.total(list(reversed(rest))), TODAY)
	# ... and never further along than with the document
	assert stages_core.stage_index(cancelled.stage) <= stages_core.stage_index(submitted.stage)
	for name in ("shipped_qty", "delivered_qty", "billed_amount", "paid_amount"):
		assert getattr(cancelled, name) <= getattr(submitted, name)


@settings(max_examples=300, deadline=None)
@given(headers, progress_parts)
def test_state_is_total_and_in_vocabulary(h, p):
	state = derive_order_state(h, p, TODAY)
	assert state.stage in stages_core.STAGES
	for pct in (state.produced_pct, state.shipped_pct, state.delivered_pct, state.billed_pct, state.paid_pct):
		assert 0.0 <= pct <= 100.0
	assert state.delay_days >= 0
	if state.eta and state.stage not in (
		stages_core.CANCELLED,
		stages_core.CLOSED,
		stages_core.DELIVERED,
		stages_core.BILLED,
		stages_core.PAID,
	):
		assert state.eta >= TODAY


@settings(max_examples=300, deadline=None)
@given(headers, progress_parts, progress_parts)
def test_more_progress_never_moves_an_order_back(h, p, extra):
	"""Adding documents (not cancelling) never gives an earlier stage."""
	before = derive_stage(h, p)
	after = derive_stage(h, p + extra)
	assert stages_core.stage_index(after) >= stages_core.stage_index(before)


@settings(max_examples=200, deadline=None)
@given(headers, progress_parts)
def test_reached_stages_are_a_prefix_up_to_the_stage(h, p):
	stage = derive_stage(h, p)
	if stage in stages_core.TERMINAL_STAGES:
		return
	reached = reached_stages(h, p)
	for s in stages_core.PROGRESS_STAGES[: stages_core.stage_index(stage) + 1]:
		assert reached[s]


def test_every_permutation_of_a_real_order_gives_the_same_state():
	"""An order's documents: two work orders, a delivery in two parts, an invoice, two payments."""
	h = header(ordered_qty=10, manufacture_qty=10, grand_total=1000)
	docs = [
		Progress(planned_qty=6, started_qty=6, produced_qty=6, production_due=TODAY),
		Progress(planned_qty=4, started_qty=4, produced_qty=4, production_due=TODAY + timedelta(days=1)),
		Progress(shipped_qty=6, delivered_qty=6, last_shipped_on=TODAY, last_delivered_on=TODAY),
		Progress(shipped_qty=4, delivered_qty=4, last_shipped_on=TODAY + timedelta(days=2)),
		Progress(billed_amount=1000),
		Progress(paid_amount=400),
		Progress(paid_amount=600),
	]
	states = {derive_order_state(h, Progress.total(perm), TODAY) for perm in itertools.permutations(docs)}
	assert len(states) == 1
	assert states.pop().stage == stages_core.PAID


def test_stage_vocabulary_is_fixed():
	assert stages_core.STAGES == (
		"Received",
		"Under Review",
		"Approved",
		"Planned",
		"In Production",
		"Ready to Ship",
		"Shipped",
		"Delivered",
		"Billed",
		"Paid",
		"Closed",
		"Cancelled",
	)
	with pytest.raises(ValueError):
		stages_core.stage_index("Lost")


# --------------------------------------------------------------------------- money and stage dates

PAY_DAY = date(2026, 11, 23)


def test_payment_status_follows_invoices_and_due_dates():
	from order_tracking.core.tracking import payment_status

	assert payment_status(100, Progress(), PAY_DAY) == "Not Billed"
	assert payment_status(100, Progress(paid_amount=30), PAY_DAY) == "Not Billed"  # an advance only
	billed = Progress(billed_amount=100, outstanding_amount=100, payment_due=PAY_DAY)
	assert payment_status(100, billed, PAY_DAY) == "Unpaid"  # due today is not overdue
	assert payment_status(100, billed + Progress(paid_amount=40), PAY_DAY) == "Partly Paid"
	late = Progress(
		billed_amount=100, outstanding_amount=60, paid_amount=40, payment_due=PAY_DAY - timedelta(days=1)
	)
	assert payment_status(100, late, PAY_DAY) == "Overdue"
	assert payment_status(100, Progress(billed_amount=100, paid_amount=100), PAY_DAY) == "Paid"
	assert payment_status(100, Progress(billed_amount=100, paid_amount=99.999), PAY_DAY) == "Paid"


def test_outstanding_invoices_keep_the_earliest_due_date():
	a = Progress(outstanding_amount=10, payment_due=date(2026, 12, 1))
	b = Progress(outstanding_amount=5, payment_due=date(2026, 11, 20))
	assert (a + b).payment_due == date(2026, 11, 20)
	assert (a + Progress()).payment_due == date(2026, 12, 1)


def test_order_state_carries_payment_and_returns():
	h = header(grand_total=100)
	p = Progress(
		delivered_qty=10,
		shipped_qty=10,
		billed_amount=100,
		outstanding_amount=100,
		returned_qty=2,
		payment_due=PAY_DAY - timedelta(days=3),
	)
	state = derive_order_state(h, p, today=PAY_DAY)
	assert (state.payment_status, state.outstanding_amount, state.returned_qty) == ("Overdue", 100, 2)
	assert state.payment_due == PAY_DAY - timedelta(days=3)
	paid = derive_order_state(
		h, Progress(delivered_qty=10, billed_amount=100, paid_amount=100), today=PAY_DAY
	)
	assert (paid.payment_status, paid.payment_due) == ("Paid", None)
	draft = derive_order_state(header(docstatus=0, grand_total=100), Progress(), today=PAY_DAY)
	assert draft.payment_status == "Not Billed"


def _at(day: int, hour: int = 9):
	from datetime import datetime

	return datetime(2026, 11, day, hour)


def test_stage_dates_use_the_first_event_of_the_stage_or_a_later_one():
	from order_tracking.core.tracking import stage_dates

	events = {
		stages_core.RECEIVED: _at(1),
		stages_core.APPROVED: _at(2),
		stages_core.IN_PRODUCTION: _at(5),
		stages_core.SHIPPED: _at(9),
	}
	dates = stage_dates(events, stages_core.SHIPPED)
	assert dates[stages_core.RECEIVED] == _at(1)
	assert dates[stages_core.UNDER_REVIEW] == _at(2)  # passed in the same step as the approval
	assert dates[stages_core.PLANNED] == dates[stages_core.IN_PRODUCTION] == _at(5)
	assert dates[stages_core.READY_TO_SHIP] == dates[stages_core.SHIPPED] == _at(9)
	assert dates[stages_core.DELIVERED] is None and dates[stages_core.PAID] is None  # not reached


def test_stage_dates_ignore_money_in_advance_and_stages_not_reached():
	from order_tracking.core.tracking import stage_dates

	events = {
		stages_core.RECEIVED: _at(1),
		stages_core.APPROVED: _at(1),
		stages_core.BILLED: _at(2),
		stages_core.IN_PRODUCTION: _at(4),
		stages_core.DELIVERED: _at(10),
	}
	dates = stage_dates(events, stages_core.DELIVERED)
	assert (
		dates[stages_core.SHIPPED] == dates[stages_core.DELIVERED] == _at(10)
	)  # not the advance invoice's day
	assert dates[stages_core.BILLED] is None
	billed = stage_dates(events, stages_core.BILLED)
	assert billed[stages_core.BILLED] == _at(10)  # billed in advance: billed once delivered
	# a stage is never dated after a later one (an approval logged before the order's first event)
	out_of_order = stage_dates(
		{stages_core.RECEIVED: _at(5), stages_core.APPROVED: _at(3)}, stages_core.APPROVED
	)
	assert out_of_order[stages_core.RECEIVED] == out_of_order[stages_core.APPROVED] == _at(3)
	assert all(v is None for v in stage_dates(events, stages_core.CANCELLED).values())
	assert stage_dates(events, stages_core.CLOSED)[stages_core.DELIVERED] == _at(10)


def test_stage_dates_are_carried_from_refresh_to_refresh():
	from order_tracking.core.tracking import carry_stage_dates, stage_dates

	timeline = stage_dates({stages_core.RECEIVED: _at(1)}, stages_core.RECEIVED)
	first = carry_stage_dates(None, None, stages_core.RECEIVED, _at(1), timeline)
	assert first[stages_core.RECEIVED] == _at(1)
	# submitted on the 2nd: approved (and passed review) then
	approved = carry_stage_dates(first, stages_core.RECEIVED, stages_core.APPROVED, _at(2), timeline)
	assert (
		approved[stages_core.RECEIVED],
		approved[stages_core.UNDER_REVIEW],
		approved[stages_core.APPROVED],
	) == (_at(1), _at(2), _at(2))
	# the last quantity made on the 8th: ready then, not when the first one was
	ready = carry_stage_dates(approved, stages_core.APPROVED, stages_core.READY_TO_SHIP, _at(8), timeline)
	assert ready[stages_core.READY_TO_SHIP] == _at(8) and ready[stages_core.APPROVED] == _at(2)
	# a cancelled delivery takes the order back: the later stages lose their dates
	shipped = carry_stage_dates(ready, stages_core.READY_TO_SHIP, stages_core.SHIPPED, _at(9), timeline)
	back = carry_stage_dates(shipped, stages_core.SHIPPED, stages_core.READY_TO_SHIP, _at(10), timeline)
	assert back[stages_core.SHIPPED] is None and back[stages_core.READY_TO_SHIP] == _at(8)
	# an event logged with an earlier time never dates a stage before the one before it
	late_logged = carry_stage_dates(back, stages_core.READY_TO_SHIP, stages_core.SHIPPED, _at(3), timeline)
	assert late_logged[stages_core.SHIPPED] == _at(8)
	assert all(
		v is None
		for v in carry_stage_dates(
			back, stages_core.READY_TO_SHIP, stages_core.CANCELLED, _at(11), timeline
		).values()
	)
	closed = carry_stage_dates(back, stages_core.READY_TO_SHIP, stages_core.CLOSED, _at(12), timeline)
	assert closed[stages_core.READY_TO_SHIP] == _at(8) and closed[stages_core.SHIPPED] is None

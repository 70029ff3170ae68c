"""The customer's view of an order: timeline in the customer's words, progress, pages, order
requests and tracking tokens."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_tracking.core import portal as P
from order_tracking.core import stages as S

T0 = datetime(2026, 11, 2, 8, 0)


def ev(minutes, event, doctype=None, name=None, qty=0.0, cancel=False):
	return P.Event(T0 + timedelta(minutes=minutes), event, doctype, name, qty, cancel)


def test_internal_work_is_summarised_and_never_named():
	events = [
		ev(0, "Order Received", "Sales Order", "SO-1"),
		ev(1, "Review Started", "Order Review", "OR-1"),
		ev(2, "Review Rejected", "Order Review", "OR-1"),
		ev(3, "Review Started", "Order Review", "OR-2"),
		ev(4, "Review Approved", "Order Review", "OR-2"),
		ev(5, "Order Submitted", "Sales Order", "SO-1"),
		ev(60, "Materials Issued", "Stock Entry", "STE-1"),
		ev(61, "Operation Completed", "Job Card", "JC-1"),
		ev(62, "Operation Late", "Job Card", "JC-2"),
		ev(63, "Produced", "Stock Entry", "STE-2", qty=4),
		ev(64, "Produced", "Stock Entry", "STE-3", qty=6),
		ev(60 * 24 + 5, "Operation Completed", "Job Card", "JC-3"),
		ev(60 * 48, "Shipped", "Delivery Note", "DN-1", qty=10),
	]
	timeline = P.customer_timeline(events)
	assert [t.kind for t in timeline] == [
		P.RECEIVED,
		P.UNDER_REVIEW,
		P.APPROVED,
		P.CONFIRMED,
		P.PRODUCED,
		P.IN_PRODUCTION,
		P.SHIPPED,
	]
	assert timeline[4].qty == 10 and timeline[4].count == 4
	named = {(t.reference_doctype, t.reference_name) for t in timeline if t.reference_name}
	assert named == {("Sales Order", "SO-1"), ("Delivery Note", "DN-1")}


def test_a_cancelled_document_drops_out_with_its_cancellation():
	events = [
		ev(0, "Shipped", "Delivery Note", "DN-1", qty=5),
		ev(1, "Cancelled", "Delivery Note", "DN-1", qty=5, cancel=True),
		ev(2, "Shipped", "Delivery Note", "DN-2", qty=5),
		ev(3, "Order Cancelled", "Sales Order", "SO-1", cancel=True),
	]
	timeline = P.customer_timeline(events)
	assert [(t.kind, t.reference_name) for t in timeline] == [(P.SHIPPED, "DN-2"), (P.CANCELLED, None)]


@given(
	st.lists(
		st.sampled_from(sorted(P.PRODUCTION_EVENTS | {"Operation Late", "Review Rejected"})), max_size=30
	)
)
def test_internal_events_never_reach_the_customer_by_name(names):
	timeline = P.customer_timeline([ev(i, n, "Job Card", f"JC-{i}") for i, n in enumerate(names)])
	assert all(t.reference_name is None for t in timeline)
	assert all(t.kind in (P.IN_PRODUCTION, P.PRODUCED) for t in timeline)


def test_stage_progress_grows_along_the_life_of_the_order():
	values = [P.stage_progress(s) for s in S.PROGRESS_STAGES]
	assert values == sorted(values) and values[-1] == 100 and values[0] > 0
	assert P.stage_progress(S.CANCELLED) == 0
	assert P.stage_progress(S.CLOSED) == 100
	assert all(P.stage_tone(s) != "" for s in S.STAGES)


@given(st.integers(-5, 500), st.integers(0, 5000))
def test_page_bounds_stay_within_the_pages(page, total):
	b = P.page_bounds(page, total)
	assert 1 <= b.page <= b.pages
	assert b.start == (b.page - 1) * P.PAGE_LENGTH
	assert b.start <= max(total - 1, 0)


def test_page_bounds_of_garbage_is_the_first_page():
	assert P.page_bounds("x", 100).page == 1
	assert P.page_bounds(None, 0).pages == 1


def test_request_items_by_our_code_or_the_customers():
	items = P.request_items(
		[
			{"code_type": "item_code", "code": " SHOE ", "qty": "3"},
			{"code": "CUST-1", "qty": 2},
			{"code": "", "qty": ""},
		]
	)
	assert items == [{"item_code": "SHOE", "qty": "3"}, {"customer_item_code": "CUST-1", "qty": 2}]


@pytest.mark.parametrize(
	"rows, code",
	[("x", "not_a_list"), ([], "no_items"), ([{"code": "", "qty": ""}], "no_items"), (["x"], "not_a_list")],
)
def test_request_items_refuses_what_is_not_an_order(rows, code):
	with pytest.raises(P.RequestError) as e:
		P.request_items(rows)
	assert e.value.code == code


def test_request_items_caps_the_lines():
	with pytest.raises(P.RequestError):
		P.request_items([{"code": "A", "qty": 1}] * (P.MAX_REQUEST_LINES + 1))


def test_references_keep_customers_apart_and_come_back():
	a = P.portal_external_ref("Cust A", "PO-1")
	b = P.portal_external_ref("Cust B", "PO-1")
	assert a != b
	assert P.customer_reference(a, "Cust A") == "PO-1"
	assert P.customer_reference("PO-9", "Cust A") == "PO-9"
	assert P.clean_reference("  PO  1 ") == "PO 1"
	for bad in ("", None, "x" * (P.MAX_REFERENCE_LENGTH + 1), "PO\x00"):
		with pytest.raises(P.RequestError):
			P.clean_reference(bad)


def test_tokens_are_long_random_and_recognised():
	tokens = {P.new_token() for _ in range(200)}
	assert len(tokens) == 200
	assert all(P.is_well_formed_token(t) for t in tokens)
	assert all(len(t) * 6 >= 128 for t in tokens)
	for bad in (None, "", "short", "x" * 31, "x" * 33, "../../etc/passwd" + "x" * 16, 42):
		assert not P.is_well_formed_token(bad)

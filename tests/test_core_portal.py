"""The customer's view of an order: timeline in the customer's words, progress, pages, order
requests and tracking tokens."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_tracking.core import portal
from order_tracking.core import stages

T0 = datetime(2026, 11, 2, 8, 0)


def ev(minutes, event, doctype=None, name=None, qty=0.0, cancel=False):
	return portal.Event(T0 + timedelta(minutes=minutes), event, doctype, name, qty, cancel)


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
	timeline = portal.customer_timeline(events)
	assert [t.kind for t in timeline] == [
		portal.RECEIVED,
		portal.UNDER_REVIEW,
		portal.APPROVED,
		portal.CONFIRMED,
		portal.PRODUCED,
		portal.IN_PRODUCTION,
		portal.SHIPPED,
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
	timeline = portal.customer_timeline(events)
	assert [(t.kind, t.reference_name) for t in timeline] == [
		(portal.SHIPPED, "DN-2"),
		(portal.CANCELLED, None),
	]


@given(
	st.lists(
		st.sampled_from(sorted(portal.PRODUCTION_EVENTS | {"Operation Late", "Review Rejected"})), max_size=30
	)
)
def test_internal_events_never_reach_the_customer_by_name(names):
	timeline = portal.customer_timeline([ev(i, n, "Job Card", f"JC-{i}") for i, n in enumerate(names)])
	assert all(t.reference_name is None for t in timeline)
	assert all(t.kind in (portal.IN_PRODUCTION, portal.PRODUCED) for t in timeline)


def test_stage_progress_grows_along_the_life_of_the_order():
	values = [portal.stage_progress(s) for s in stages.PROGRESS_STAGES]
	assert values == sorted(values) and values[-1] == 100 and values[0] > 0
	assert portal.stage_progress(stages.CANCELLED) == 0
	assert portal.stage_progress(stages.CLOSED) == 100
	assert all(portal.stage_tone(s) != "" for s in stages.STAGES)


@given(st.integers(-5, 500), st.integers(0, 5000))
def test_page_bounds_stay_within_the_pages(page, total):
	b = portal.page_bounds(page, total)
	assert 1 <= b.page <= b.pages
	assert b.start == (b.page - 1) * portal.PAGE_LENGTH
	assert b.start <= max(total - 1, 0)


def test_page_bounds_of_garbage_is_the_first_page():
	assert portal.page_bounds("x", 100).page == 1
	assert portal.page_bounds(None, 0).pages == 1


def test_request_items_by_our_code_or_the_customers():
	items = portal.request_items(
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
	with pytest.raises(portal.RequestError) as e:
		portal.request_items(rows)
	assert e.value.code == code


def test_request_items_caps_the_lines():
	with pytest.raises(portal.RequestError):
		portal.request_items([{"code": "A", "qty": 1}] * (portal.MAX_REQUEST_LINES + 1))


def test_references_keep_customers_apart_and_come_back():
	a = portal.portal_external_ref("Cust A", "PO-1")
	b = portal.portal_external_ref("Cust B", "PO-1")
	assert a != b
	assert portal.customer_reference(a, "Cust A") == "PO-1"
	assert portal.customer_reference("PO-9", "Cust A") == "PO-9"
	assert portal.clean_reference("  PO  1 ") == "PO 1"
	for bad in ("", None, "x" * (portal.MAX_REFERENCE_LENGTH + 1), "PO\x00"):
		with pytest.raises(portal.RequestError):
			portal.clean_reference(bad)


def test_tokens_are_long_random_and_recognised():
	tokens = {portal.new_token() for _ in range(200)}
	assert len(tokens) == 200
	assert all(portal.is_well_formed_token(t) for t in tokens)
	assert all(len(t) * 6 >= 128 for t in tokens)
	for bad in (None, "", "short", "x" * 31, "x" * 33, "../../etc/passwd" + "x" * 16, 42):
		assert not portal.is_well_formed_token(bad)

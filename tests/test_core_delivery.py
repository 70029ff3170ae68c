"""order_tracking.core.delivery: webhook signature and body, shipment state, exception rules."""

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from order_tracking.core import delivery as delivery_core
from order_tracking.core import stages
from order_tracking.core.review import ItemSupply
from order_tracking.core.tracking import OrderHeader, Progress, derive_order_state

SECRET = "s3cret-s3cret-s3cret"
NOW = 1_800_000_000.0
TODAY = date(2026, 11, 23)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def body(**values):
	base = {
		"carrier": "SF",
		"event_id": "E-1",
		"waybill": "SF123",
		"status": "In Transit",
		"at": "2026-11-23T10:00:00+08:00",
	}
	base.update(values)
	return base


# ------------------------------------------------------------------ signature


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
	import hashlib
	import hmac

	raw = b'{"a": 1}'
	expected = hmac.new(SECRET.encode(), b"1800000000." + raw, hashlib.sha256).hexdigest()
	assert delivery_core.sign(SECRET, 1800000000, raw) == "sha256=" + expected


def test_a_fresh_correct_signature_passes():
	raw = json.dumps(body()).encode()
	sig = delivery_core.sign(SECRET, int(NOW), raw)
	assert delivery_core.check_signature(SECRET, str(int(NOW)), sig, raw, NOW) is None
	# upper-case hex and surrounding blanks are the same signature
	assert (
		delivery_core.check_signature(SECRET, f" {int(NOW)} ", "sha256=" + sig[7:].upper(), raw, NOW) is None
	)


@pytest.mark.parametrize(
	"timestamp,signature,expected",
	[
		(None, "sha256=00", delivery_core.MISSING_HEADERS),
		(str(int(NOW)), None, delivery_core.MISSING_HEADERS),
		("yesterday", "sha256=00", delivery_core.BAD_TIMESTAMP),
		("-5", "sha256=00", delivery_core.BAD_TIMESTAMP),
		(str(int(NOW) - 301), "sha256=00", delivery_core.STALE_TIMESTAMP),
		(str(int(NOW) + 301), "sha256=00", delivery_core.STALE_TIMESTAMP),
		(str(int(NOW)), "md5=00", delivery_core.BAD_SIGNATURE),
		(str(int(NOW)), "sha256=00", delivery_core.BAD_SIGNATURE),
	],
)
def test_refusals(timestamp, signature, expected):
	assert delivery_core.check_signature(SECRET, timestamp, signature, b"{}", NOW) == expected


def test_timestamp_at_the_edge_of_five_minutes_passes():
	raw = b"{}"
	for ts in (int(NOW) - 300, int(NOW) + 300):
		assert (
			delivery_core.check_signature(SECRET, str(ts), delivery_core.sign(SECRET, ts, raw), raw, NOW)
			is None
		)


def test_signature_covers_body_timestamp_and_secret():
	raw = json.dumps(body()).encode()
	ts = str(int(NOW))
	sig = delivery_core.sign(SECRET, ts, raw)
	assert delivery_core.check_signature(SECRET, ts, sig, raw + b" ", NOW) == delivery_core.BAD_SIGNATURE
	assert (
		delivery_core.check_signature(SECRET, str(int(NOW) + 1), sig, raw, NOW) == delivery_core.BAD_SIGNATURE
	)
	assert (
		delivery_core.check_signature("another-secret-value", ts, sig, raw, NOW)
		== delivery_core.BAD_SIGNATURE
	)
	assert delivery_core.check_signature("", ts, sig, raw, NOW) == delivery_core.MISSING_HEADERS


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512), st.text(min_size=1, max_size=40))
def test_any_body_signed_with_the_secret_verifies_and_no_other_secret_does(raw, other):
	ts = str(int(NOW))
	sig = delivery_core.sign(SECRET, ts, raw)
	assert delivery_core.check_signature(SECRET, ts, sig, raw, NOW) is None
	if other != SECRET:
		assert delivery_core.check_signature(other, ts, sig, raw, NOW) == delivery_core.BAD_SIGNATURE


# ------------------------------------------------------------------ body


def test_valid_event_with_time_zone_is_converted_to_the_site_zone():
	event = delivery_core.validate_event(
		body(at="2026-11-23T02:00:00Z", expected_arrival="2026-11-25", location="Shanghai", detail="ok"),
		SHANGHAI,
	)
	assert event.at == datetime(2026, 11, 23, 10, 0)
	assert event.at.tzinfo is None
	assert event.expected_arrival == datetime(2026, 11, 25)
	assert (event.location, event.detail) == ("Shanghai", "ok")


def test_naive_time_is_taken_as_site_time_and_numeric_event_id_as_text():
	event = delivery_core.validate_event(body(at="2026-11-23 10:00:00", event_id=77), SHANGHAI)
	assert event.at == datetime(2026, 11, 23, 10, 0)
	assert event.event_id == "77"


@pytest.mark.parametrize(
	"values,code,field",
	[
		({"carrier": ""}, delivery_core.REQUIRED, "carrier"),
		({"event_id": None}, delivery_core.REQUIRED, "event_id"),
		({"waybill": "  "}, delivery_core.REQUIRED, "waybill"),
		({"status": None}, delivery_core.REQUIRED, "status"),
		({"at": None}, delivery_core.REQUIRED, "at"),
		({"waybill": 12}, delivery_core.NOT_TEXT, "waybill"),
		({"event_id": True}, delivery_core.NOT_TEXT, "event_id"),
		({"event_id": "x" * 141}, delivery_core.TOO_LONG, "event_id"),
		({"detail": "x" * 2001}, delivery_core.TOO_LONG, "detail"),
		({"at": "tomorrow"}, delivery_core.NOT_DATETIME, "at"),
		({"at": 1700000000}, delivery_core.NOT_DATETIME, "at"),
		({"expected_arrival": "soon"}, delivery_core.NOT_DATETIME, "expected_arrival"),
		({"status": "Lost in Space"}, delivery_core.UNKNOWN_STATUS, "status"),
		({"status": "delivered"}, delivery_core.UNKNOWN_STATUS, "status"),
	],
)
def test_invalid_bodies_name_the_field(values, code, field):
	with pytest.raises(delivery_core.PayloadError) as e:
		delivery_core.validate_event(body(**values), SHANGHAI)
	assert (e.value.code, e.value.field) == (code, field)


@pytest.mark.parametrize(
	"raw,code",
	[
		(b"", delivery_core.NOT_OBJECT),
		(b"{oops", delivery_core.NOT_JSON),
		(b"[1]", delivery_core.NOT_OBJECT),
		(b"\xff", delivery_core.NOT_JSON),
	],
)
def test_bodies_that_are_not_json_objects(raw, code):
	with pytest.raises(delivery_core.PayloadError) as e:
		delivery_core.parse_json_object(raw)
	assert e.value.code == code


def test_every_status_has_a_tracking_status_and_a_timeline_event():
	assert set(delivery_core.TRACKING_STATUS) == set(delivery_core.CARRIER_STATUSES)
	assert set(delivery_core.TIMELINE_EVENTS) == set(delivery_core.CARRIER_STATUSES)
	assert set(delivery_core.TRACKING_STATUS.values()) <= {"In Progress", "Delivered", "Returned", "Lost"}
	assert delivery_core.TIMELINE_STAGES[delivery_core.DELIVERED] == stages.DELIVERED
	assert delivery_core.TRACKING_STATUS[delivery_core.RETURNED] == "Returned"


def test_older_events_do_not_replace_newer_ones():
	t = datetime(2026, 11, 23, 10)
	assert delivery_core.is_newer(t, None)
	assert delivery_core.is_newer(t, t)
	assert not delivery_core.is_newer(t - timedelta(minutes=1), t)


def test_tracking_url_from_template():
	assert (
		delivery_core.tracking_url("https://x.example/t?no={waybill}", "SF1") == "https://x.example/t?no=SF1"
	)
	assert delivery_core.tracking_url(None, "SF1") is None


# ------------------------------------------------------------------ exception rules


def test_overdue_at_risk_and_on_time():
	promised = TODAY + timedelta(days=5)
	assert delivery_core.schedule_exception(stages.PLANNED, TODAY - timedelta(days=1), TODAY, TODAY) == (
		delivery_core.OVERDUE,
		1,
	)
	assert delivery_core.schedule_exception(
		stages.SHIPPED, promised, promised + timedelta(days=2), TODAY
	) == (delivery_core.AT_RISK, 2)
	assert delivery_core.schedule_exception(stages.PLANNED, promised, promised, TODAY) is None
	assert (
		delivery_core.schedule_exception(stages.PLANNED, TODAY, TODAY, TODAY) is None
	)  # due today: not yet late
	assert delivery_core.schedule_exception(stages.PLANNED, None, TODAY, TODAY) is None


@pytest.mark.parametrize(
	"stage",
	[
		stages.RECEIVED,
		stages.UNDER_REVIEW,
		stages.DELIVERED,
		stages.BILLED,
		stages.PAID,
		stages.CLOSED,
		stages.CANCELLED,
	],
)
def test_orders_not_committed_or_already_delivered_are_not_late(stage):
	assert delivery_core.schedule_exception(stage, TODAY - timedelta(days=30), TODAY, TODAY) is None


def test_material_shortage_counts_supply_arriving_by_the_promised_date():
	promised = TODAY + timedelta(days=10)
	supply = {
		"leather": ItemSupply(5, [(TODAY + timedelta(days=3), 3), (TODAY + timedelta(days=20), 10)]),
		"sole": ItemSupply(10),
		"glue": ItemSupply(0),
	}
	short = delivery_core.material_shortages({"leather": 10, "sole": 10, "glue": 2}, supply, promised)
	assert [(s.item_code, s.available, s.shortage, s.covered_on) for s in short] == [
		("glue", 0, 2, None),
		("leather", 8, 2, TODAY + timedelta(days=20)),
	]
	assert delivery_core.material_shortages({"sole": 10}, supply, promised) == []


def test_negative_stock_is_no_supply():
	assert delivery_core.material_shortages({"x": 1}, {"x": ItemSupply(-5)}, TODAY)[0].available == 0


def test_shipment_exception_statuses():
	assert delivery_core.is_shipment_exception(
		delivery_core.EXCEPTION
	) and delivery_core.is_shipment_exception(delivery_core.FAILED_ATTEMPT)
	assert not any(
		delivery_core.is_shipment_exception(s)
		for s in (delivery_core.IN_TRANSIT, delivery_core.DELIVERED, delivery_core.RETURNED, None)
	)


# ------------------------------------------------------------------ open, update, resolve


def spec(kind, so, detail="", **kw):
	return delivery_core.ExceptionSpec(kind, so, detail, **kw)


def row(name, kind, so, detail="", **kw):
	kw.setdefault("owner_role", delivery_core.OWNER_ROLES[kind])
	return delivery_core.OpenException(name, kind, so, detail=detail, **kw)


def test_plan_opens_updates_resolves_and_leaves_other_kinds_alone():
	kinds = [delivery_core.AT_RISK, delivery_core.OVERDUE]
	wanted = [
		spec(delivery_core.OVERDUE, "SO-1", "late"),
		spec(delivery_core.AT_RISK, "SO-2", "new detail"),
		spec(delivery_core.OVERDUE, "SO-4"),
	]
	existing = [
		row("e1", delivery_core.OVERDUE, "SO-1", "late"),  # unchanged
		row(
			"e2", delivery_core.AT_RISK, "SO-2", "old detail", status=delivery_core.ACKNOWLEDGED
		),  # detail changes
		row("e3", delivery_core.AT_RISK, "SO-3"),  # condition cleared
		row("e4", delivery_core.LATE_OPERATION, "SO-3"),  # another detector's
	]
	changes = delivery_core.plan_exception_changes(wanted, existing, kinds)
	assert [(s.kind, s.sales_order, s.owner_role) for s in changes.to_open] == [
		(delivery_core.OVERDUE, "SO-4", "Order Clerk")
	]
	assert [(old.name, new.detail) for old, new in changes.to_update] == [("e2", "new detail")]
	assert [e.name for e in changes.to_resolve] == ["e3"]
	assert changes.orders() == {"SO-2", "SO-3", "SO-4"}


def test_specs_of_one_order_and_kind_are_merged_and_duplicate_rows_resolved():
	wanted = [
		spec(
			delivery_core.SHIPMENT_EXCEPTION,
			"SO-1",
			"parcel A",
			reference_doctype="Shipment",
			reference_name="SH-1",
		),
		spec(
			delivery_core.SHIPMENT_EXCEPTION,
			"SO-1",
			"parcel B",
			reference_doctype="Shipment",
			reference_name="SH-2",
		),
	]
	existing = [
		row("a", delivery_core.SHIPMENT_EXCEPTION, "SO-1"),
		row("b", delivery_core.SHIPMENT_EXCEPTION, "SO-1"),
	]
	changes = delivery_core.plan_exception_changes(wanted, existing, [delivery_core.SHIPMENT_EXCEPTION])
	assert changes.to_open == []
	assert [(old.name, new.detail, new.reference_name) for old, new in changes.to_update] == [
		("a", "parcel A\nparcel B", "SH-1")
	]
	assert [e.name for e in changes.to_resolve] == ["b"]


def test_wanted_kinds_a_scan_does_not_own_are_ignored():
	changes = delivery_core.plan_exception_changes(
		[spec(delivery_core.LATE_OPERATION, "SO-1")], [], [delivery_core.OVERDUE]
	)
	assert not changes


KIND = st.sampled_from(delivery_core.KINDS[:4])
ORDER = st.sampled_from(["SO-1", "SO-2", "SO-3"])
DETAIL = st.sampled_from(["", "a", "b"])


@settings(max_examples=300, deadline=None)
@given(
	st.lists(st.tuples(KIND, ORDER, DETAIL), max_size=12),
	st.lists(st.tuples(KIND, ORDER, DETAIL), max_size=12),
)
def test_applying_the_plan_leaves_exactly_the_wanted_open_and_a_second_plan_changes_nothing(want, have):
	kinds = delivery_core.KINDS[:4]
	wanted = [spec(k, so, d) for k, so, d in want]
	existing = [row(f"e{i}", k, so, d) for i, (k, so, d) in enumerate(have)]
	changes = delivery_core.plan_exception_changes(wanted, existing, kinds)

	# apply it as the scan does
	resolved = {e.name for e in changes.to_resolve}
	updated = {old.name: new for old, new in changes.to_update}
	after = []
	for e in existing:
		if e.name in resolved:
			continue
		new = updated.get(e.name)
		after.append(row(e.name, e.kind, e.sales_order, new.detail) if new else e)
	after += [row(f"n{i}", s.kind, s.sales_order, s.detail) for i, s in enumerate(changes.to_open)]

	keys = [(e.sales_order, e.kind) for e in after]
	assert len(keys) == len(set(keys)), "one unresolved exception per order and kind"
	assert set(keys) == {(so, k) for k, so, _d in want}
	again = delivery_core.plan_exception_changes(wanted, after, kinds)
	assert not again, again


# ------------------------------------------------------------------ ETA from the carrier


def test_carrier_eta_is_the_eta_of_a_shipped_order():
	header = OrderHeader(
		docstatus=1, promised_date=TODAY + timedelta(days=2), ordered_qty=10, grand_total=100
	)
	shipped = Progress(shipped_qty=10, last_shipped_on=TODAY, carrier_eta=TODAY + timedelta(days=5))
	state = derive_order_state(header, shipped, today=TODAY, transit_days=1)
	assert (state.stage, state.eta, state.delay_days) == (stages.SHIPPED, TODAY + timedelta(days=5), 3)
	without = derive_order_state(
		header, Progress(shipped_qty=10, last_shipped_on=TODAY), today=TODAY, transit_days=1
	)
	assert without.eta == TODAY + timedelta(days=1)


def test_carrier_eta_of_a_part_on_the_road_moves_the_eta_of_an_order_not_fully_shipped():
	header = OrderHeader(
		docstatus=1, promised_date=TODAY + timedelta(days=2), ordered_qty=10, grand_total=100
	)
	partial = Progress(shipped_qty=5, last_shipped_on=TODAY, carrier_eta=TODAY + timedelta(days=4))
	assert derive_order_state(header, partial, today=TODAY).eta == TODAY + timedelta(days=4)


def test_carrier_eta_in_the_past_is_today():
	header = OrderHeader(docstatus=1, promised_date=TODAY, ordered_qty=10, grand_total=100)
	late = Progress(shipped_qty=10, last_shipped_on=TODAY, carrier_eta=TODAY - timedelta(days=3))
	assert derive_order_state(header, late, today=TODAY).eta == TODAY


def test_timezone_aware_parse_without_site_zone_keeps_utc_wall_time():
	assert delivery_core.parse_datetime("2026-11-23T02:00:00+00:00", None) == datetime(2026, 11, 23, 2, 0)
	assert delivery_core.parse_datetime("2026-11-23T02:00:00+01:00", timezone.utc) == datetime(
		2026, 11, 23, 1, 0
	)


def test_which_carrier_events_change_the_orders_state():
	assert delivery_core.changes_order_state("In Progress", "In Progress", expected_arrival=True)
	assert not delivery_core.changes_order_state("In Progress", "In Progress", expected_arrival=False)
	assert not delivery_core.changes_order_state(None, "In Progress", expected_arrival=False)
	assert delivery_core.changes_order_state("In Progress", "Delivered", expected_arrival=False)
	assert delivery_core.changes_order_state("Delivered", "In Progress", expected_arrival=False)
	assert delivery_core.changes_order_state("", "Returned", expected_arrival=False)

"""order_tracking.core.delivery: webhook signature and body, shipment state, exception rules."""

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from order_tracking.core import delivery as D
from order_tracking.core import stages as S
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
	assert D.sign(SECRET, 1800000000, raw) == "sha256=" + expected


def test_a_fresh_correct_signature_passes():
	raw = json.dumps(body()).encode()
	sig = D.sign(SECRET, int(NOW), raw)
	assert D.check_signature(SECRET, str(int(NOW)), sig, raw, NOW) is None
	# upper-case hex and surrounding blanks are the same signature
	assert D.check_signature(SECRET, f" {int(NOW)} ", "sha256=" + sig[7:].upper(), raw, NOW) is None


@pytest.mark.parametrize(
	"timestamp,signature,expected",
	[
		(None, "sha256=00", D.MISSING_HEADERS),
		(str(int(NOW)), None, D.MISSING_HEADERS),
		("yesterday", "sha256=00", D.BAD_TIMESTAMP),
		("-5", "sha256=00", D.BAD_TIMESTAMP),
		(str(int(NOW) - 301), "sha256=00", D.STALE_TIMESTAMP),
		(str(int(NOW) + 301), "sha256=00", D.STALE_TIMESTAMP),
		(str(int(NOW)), "md5=00", D.BAD_SIGNATURE),
		(str(int(NOW)), "sha256=00", D.BAD_SIGNATURE),
	],
)
def test_refusals(timestamp, signature, expected):
	assert D.check_signature(SECRET, timestamp, signature, b"{}", NOW) == expected


def test_timestamp_at_the_edge_of_five_minutes_passes():
	raw = b"{}"
	for ts in (int(NOW) - 300, int(NOW) + 300):
		assert D.check_signature(SECRET, str(ts), D.sign(SECRET, ts, raw), raw, NOW) is None


def test_signature_covers_body_timestamp_and_secret():
	raw = json.dumps(body()).encode()
	ts = str(int(NOW))
	sig = D.sign(SECRET, ts, raw)
	assert D.check_signature(SECRET, ts, sig, raw + b" ", NOW) == D.BAD_SIGNATURE
	assert D.check_signature(SECRET, str(int(NOW) + 1), sig, raw, NOW) == D.BAD_SIGNATURE
	assert D.check_signature("another-secret-value", ts, sig, raw, NOW) == D.BAD_SIGNATURE
	assert D.check_signature("", ts, sig, raw, NOW) == D.MISSING_HEADERS


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512), st.text(min_size=1, max_size=40))
def test_any_body_signed_with_the_secret_verifies_and_no_other_secret_does(raw, other):
	ts = str(int(NOW))
	sig = D.sign(SECRET, ts, raw)
	assert D.check_signature(SECRET, ts, sig, raw, NOW) is None
	if other != SECRET:
		assert D.check_signature(other, ts, sig, raw, NOW) == D.BAD_SIGNATURE


# ------------------------------------------------------------------ body


def test_valid_event_with_time_zone_is_converted_to_the_site_zone():
	event = D.validate_event(
		body(at="2026-11-23T02:00:00Z", expected_arrival="2026-11-25", location="Shanghai", detail="ok"),
		SHANGHAI,
	)
	assert event.at == datetime(2026, 11, 23, 10, 0)
	assert event.at.tzinfo is None
	assert event.expected_arrival == datetime(2026, 11, 25)
	assert (event.location, event.detail) == ("Shanghai", "ok")


def test_naive_time_is_taken_as_site_time_and_numeric_event_id_as_text():
	event = D.validate_event(body(at="2026-11-23 10:00:00", event_id=77), SHANGHAI)
	assert event.at == datetime(2026, 11, 23, 10, 0)
	assert event.event_id == "77"


@pytest.mark.parametrize(
	"values,code,field",
	[
		({"carrier": ""}, D.REQUIRED, "carrier"),
		({"event_id": None}, D.REQUIRED, "event_id"),
		({"waybill": "  "}, D.REQUIRED, "waybill"),
		({"status": None}, D.REQUIRED, "status"),
		({"at": None}, D.REQUIRED, "at"),
		({"waybill": 12}, D.NOT_TEXT, "waybill"),
		({"event_id": True}, D.NOT_TEXT, "event_id"),
		({"event_id": "x" * 141}, D.TOO_LONG, "event_id"),
		({"detail": "x" * 2001}, D.TOO_LONG, "detail"),
		({"at": "tomorrow"}, D.NOT_DATETIME, "at"),
		({"at": 1700000000}, D.NOT_DATETIME, "at"),
		({"expected_arrival": "soon"}, D.NOT_DATETIME, "expected_arrival"),
		({"status": "Lost in Space"}, D.UNKNOWN_STATUS, "status"),
		({"status": "delivered"}, D.UNKNOWN_STATUS, "status"),
	],
)
def test_invalid_bodies_name_the_field(values, code, field):
	with pytest.raises(D.PayloadError) as e:
		D.validate_event(body(**values), SHANGHAI)
	assert (e.value.code, e.value.field) == (code, field)


@pytest.mark.parametrize(
	"raw,code", [(b"", D.NOT_OBJECT), (b"{oops", D.NOT_JSON), (b"[1]", D.NOT_OBJECT), (b"\xff", D.NOT_JSON)]
)
def test_bodies_that_are_not_json_objects(raw, code):
	with pytest.raises(D.PayloadError) as e:
		D.parse_json_object(raw)
	assert e.value.code == code


def test_every_status_has_a_tracking_status_and_a_timeline_event():
	assert set(D.TRACKING_STATUS) == set(D.CARRIER_STATUSES)
	assert set(D.TIMELINE_EVENTS) == set(D.CARRIER_STATUSES)
	assert set(D.TRACKING_STATUS.values()) <= {"In Progress", "Delivered", "Returned", "Lost"}
	assert D.TIMELINE_STAGES[D.DELIVERED] == S.DELIVERED
	assert D.TRACKING_STATUS[D.RETURNED] == "Returned"


def test_older_events_do_not_replace_newer_ones():
	t = datetime(2026, 11, 23, 10)
	assert D.is_newer(t, None)
	assert D.is_newer(t, t)
	assert not D.is_newer(t - timedelta(minutes=1), t)


def test_tracking_url_from_template():
	assert D.tracking_url("https://x.example/t?no={waybill}", "SF1") == "https://x.example/t?no=SF1"
	assert D.tracking_url(None, "SF1") is None


# ------------------------------------------------------------------ exception rules


def test_overdue_at_risk_and_on_time():
	promised = TODAY + timedelta(days=5)
	assert D.schedule_exception(S.PLANNED, TODAY - timedelta(days=1), TODAY, TODAY) == (D.OVERDUE, 1)
	assert D.schedule_exception(S.SHIPPED, promised, promised + timedelta(days=2), TODAY) == (D.AT_RISK, 2)
	assert D.schedule_exception(S.PLANNED, promised, promised, TODAY) is None
	assert D.schedule_exception(S.PLANNED, TODAY, TODAY, TODAY) is None  # due today: not yet late
	assert D.schedule_exception(S.PLANNED, None, TODAY, TODAY) is None


@pytest.mark.parametrize(
	"stage", [S.RECEIVED, S.UNDER_REVIEW, S.DELIVERED, S.BILLED, S.PAID, S.CLOSED, S.CANCELLED]
)
def test_orders_not_committed_or_already_delivered_are_not_late(stage):
	assert D.schedule_exception(stage, TODAY - timedelta(days=30), TODAY, TODAY) is None


def test_material_shortage_counts_supply_arriving_by_the_promised_date():
	promised = TODAY + timedelta(days=10)
	supply = {
		"leather": ItemSupply(5, [(TODAY + timedelta(days=3), 3), (TODAY + timedelta(days=20), 10)]),
		"sole": ItemSupply(10),
		"glue": ItemSupply(0),
	}
	short = D.material_shortages({"leather": 10, "sole": 10, "glue": 2}, supply, promised)
	assert [(s.item_code, s.available, s.shortage, s.covered_on) for s in short] == [
		("glue", 0, 2, None),
		("leather", 8, 2, TODAY + timedelta(days=20)),
	]
	assert D.material_shortages({"sole": 10}, supply, promised) == []


def test_negative_stock_is_no_supply():
	assert D.material_shortages({"x": 1}, {"x": ItemSupply(-5)}, TODAY)[0].available == 0


def test_shipment_exception_statuses():
	assert D.is_shipment_exception(D.EXCEPTION) and D.is_shipment_exception(D.FAILED_ATTEMPT)
	assert not any(D.is_shipment_exception(s) for s in (D.IN_TRANSIT, D.DELIVERED, D.RETURNED, None))


# ------------------------------------------------------------------ open, update, resolve


def spec(kind, so, detail="", **kw):
	return D.ExceptionSpec(kind, so, detail, **kw)


def row(name, kind, so, detail="", **kw):
	kw.setdefault("owner_role", D.OWNER_ROLES[kind])
	return D.OpenException(name, kind, so, detail=detail, **kw)


def test_plan_opens_updates_resolves_and_leaves_other_kinds_alone():
	kinds = [D.AT_RISK, D.OVERDUE]
	wanted = [spec(D.OVERDUE, "SO-1", "late"), spec(D.AT_RISK, "SO-2", "new detail"), spec(D.OVERDUE, "SO-4")]
	existing = [
		row("e1", D.OVERDUE, "SO-1", "late"),  # unchanged
		row("e2", D.AT_RISK, "SO-2", "old detail", status=D.ACKNOWLEDGED),  # detail changes
		row("e3", D.AT_RISK, "SO-3"),  # condition cleared
		row("e4", D.LATE_OPERATION, "SO-3"),  # another detector's
	]
	changes = D.plan_exception_changes(wanted, existing, kinds)
	assert [(s.kind, s.sales_order, s.owner_role) for s in changes.to_open] == [
		(D.OVERDUE, "SO-4", "Order Clerk")
	]
	assert [(old.name, new.detail) for old, new in changes.to_update] == [("e2", "new detail")]
	assert [e.name for e in changes.to_resolve] == ["e3"]
	assert changes.orders() == {"SO-2", "SO-3", "SO-4"}


def test_specs_of_one_order_and_kind_are_merged_and_duplicate_rows_resolved():
	wanted = [
		spec(D.SHIPMENT_EXCEPTION, "SO-1", "parcel A", reference_doctype="Shipment", reference_name="SH-1"),
		spec(D.SHIPMENT_EXCEPTION, "SO-1", "parcel B", reference_doctype="Shipment", reference_name="SH-2"),
	]
	existing = [row("a", D.SHIPMENT_EXCEPTION, "SO-1"), row("b", D.SHIPMENT_EXCEPTION, "SO-1")]
	changes = D.plan_exception_changes(wanted, existing, [D.SHIPMENT_EXCEPTION])
	assert changes.to_open == []
	assert [(old.name, new.detail, new.reference_name) for old, new in changes.to_update] == [
		("a", "parcel A\nparcel B", "SH-1")
	]
	assert [e.name for e in changes.to_resolve] == ["b"]


def test_wanted_kinds_a_scan_does_not_own_are_ignored():
	changes = D.plan_exception_changes([spec(D.LATE_OPERATION, "SO-1")], [], [D.OVERDUE])
	assert not changes


KIND = st.sampled_from(D.KINDS[:4])
ORDER = st.sampled_from(["SO-1", "SO-2", "SO-3"])
DETAIL = st.sampled_from(["", "a", "b"])


@settings(max_examples=300, deadline=None)
@given(
	st.lists(st.tuples(KIND, ORDER, DETAIL), max_size=12),
	st.lists(st.tuples(KIND, ORDER, DETAIL), max_size=12),
)
def test_applying_the_plan_leaves_exactly_the_wanted_open_and_a_second_plan_changes_nothing(want, have):
	kinds = D.KINDS[:4]
	wanted = [spec(k, so, d) for k, so, d in want]
	existing = [row(f"e{i}", k, so, d) for i, (k, so, d) in enumerate(have)]
	changes = D.plan_exception_changes(wanted, existing, kinds)

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
	again = D.plan_exception_changes(wanted, after, kinds)
	assert not again, again


# ------------------------------------------------------------------ ETA from the carrier


def test_carrier_eta_is_the_eta_of_a_shipped_order():
	header = OrderHeader(
		docstatus=1, promised_date=TODAY + timedelta(days=2), ordered_qty=10, grand_total=100
	)
	shipped = Progress(shipped_qty=10, last_shipped_on=TODAY, carrier_eta=TODAY + timedelta(days=5))
	state = derive_order_state(header, shipped, today=TODAY, transit_days=1)
	assert (state.stage, state.eta, state.delay_days) == (S.SHIPPED, TODAY + timedelta(days=5), 3)
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
	assert D.parse_datetime("2026-11-23T02:00:00+00:00", None) == datetime(2026, 11, 23, 2, 0)
	assert D.parse_datetime("2026-11-23T02:00:00+01:00", timezone.utc) == datetime(2026, 11, 23, 1, 0)


def test_which_carrier_events_change_the_orders_state():
	assert D.changes_order_state("In Progress", "In Progress", expected_arrival=True)
	assert not D.changes_order_state("In Progress", "In Progress", expected_arrival=False)
	assert not D.changes_order_state(None, "In Progress", expected_arrival=False)
	assert D.changes_order_state("In Progress", "Delivered", expected_arrival=False)
	assert D.changes_order_state("Delivered", "In Progress", expected_arrival=False)
	assert D.changes_order_state("", "Returned", expected_arrival=False)

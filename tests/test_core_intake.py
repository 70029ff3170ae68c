"""order_tracking.core.intake: the shape of an incoming order and the checks that need no site."""

from datetime import date

import pytest

from order_tracking.core import intake as intake_core


def payload(**kw):
	base = {
		"channel": "API",
		"external_ref": "PO-1",
		"customer": "ACME",
		"delivery_date": "2026-12-20",
		"transaction_date": "2026-11-22",
		"items": [{"item_code": "SHOE-1", "qty": 10, "rate": 25.5}],
	}
	base.update(kw)
	return base


def test_parses_a_complete_order():
	order = intake_core.parse_order_payload(payload())
	assert order.channel == "API"
	assert order.external_ref == "PO-1"
	assert order.delivery_date == date(2026, 12, 20)
	assert order.transaction_date == date(2026, 11, 22)
	assert order.lines == [intake_core.IntakeLine(row=1, item_code="SHOE-1", qty=10.0, rate=25.5)]
	assert order.errors == []


def test_strings_are_trimmed_and_blank_means_missing():
	order = intake_core.parse_order_payload(
		payload(external_ref="  PO-2 ", customer="  ", items=[{"customer_item_code": " X1 ", "qty": "3"}])
	)
	assert order.external_ref == "PO-2"
	assert order.customer is None
	assert order.lines[0].customer_item_code == "X1"
	assert order.lines[0].qty == 3.0


def test_channel_defaults_and_must_be_known():
	assert (
		intake_core.parse_order_payload(payload(channel=None), default_channel="Portal").channel == "Portal"
	)
	with pytest.raises(intake_core.MalformedOrder) as e:
		intake_core.parse_order_payload(payload(channel="Fax"))
	assert e.value.code == "unknown_channel"
	assert e.value.args_ == ("Fax",)


@pytest.mark.parametrize("items", [None, [], {}, "abc", 5])
def test_an_order_without_a_list_of_items_is_malformed(items):
	with pytest.raises(intake_core.MalformedOrder) as e:
		intake_core.parse_order_payload(payload(items=items))
	assert e.value.code == "no_items"


@pytest.mark.parametrize("body", [None, [], "text", 3])
def test_a_payload_that_is_not_an_object_is_malformed(body):
	with pytest.raises(intake_core.MalformedOrder) as e:
		intake_core.parse_order_payload(body)
	assert e.value.code == "not_an_object"


def test_an_item_that_is_not_an_object_is_malformed():
	with pytest.raises(intake_core.MalformedOrder) as e:
		intake_core.parse_order_payload(payload(items=[{"item_code": "A", "qty": 1}, "B"]))
	assert (e.value.code, e.value.args_) == ("item_not_object", (2,))


def test_unreadable_numbers_and_dates_are_line_errors_not_malformed():
	order = intake_core.parse_order_payload(
		payload(
			delivery_date="20/12/2026",
			items=[
				{"item_code": "A", "qty": "ten"},
				{"item_code": "B", "qty": 1, "rate": "NaN"},
				{"item_code": "C", "qty": True},
			],
		)
	)
	assert {(e.row, e.field, e.code) for e in order.errors} == {
		(None, "delivery_date", intake_core.INVALID_DATE),
		(1, "qty", intake_core.NOT_A_NUMBER),
		(2, "rate", intake_core.NOT_A_NUMBER),
		(3, "qty", intake_core.NOT_A_NUMBER),
	}
	assert order.delivery_date is None
	assert order.lines[0].qty is None


def test_parse_date_accepts_dates_datetimes_and_iso_strings():
	from datetime import datetime

	assert intake_core.parse_date("2026-01-02") == date(2026, 1, 2)
	assert intake_core.parse_date("2026-01-02 10:00:00") == date(2026, 1, 2)
	assert intake_core.parse_date(datetime(2026, 1, 2, 5)) == date(2026, 1, 2)
	assert intake_core.parse_date("") is None
	with pytest.raises(ValueError):
		intake_core.parse_date("2026-13-01")


def line(row=1, **kw):
	base = dict(item_code="A", qty=1.0)
	base.update(kw)
	return intake_core.IntakeLine(row=row, **base)


def codes(errors):
	return sorted((e.row or 0, e.field, e.code) for e in errors)


def test_valid_intake_has_no_errors():
	assert (
		intake_core.check_intake(date(2026, 1, 1), date(2026, 1, 5), [line(), line(2, qty=0.5, rate=0)]) == []
	)


def test_quantity_must_be_given_and_positive():
	errors = intake_core.check_intake(
		date(2026, 1, 1), date(2026, 1, 5), [line(qty=None), line(2, qty=0), line(3, qty=-2)]
	)
	assert codes(errors) == [
		(1, "qty", intake_core.REQUIRED),
		(2, "qty", intake_core.QTY_NOT_POSITIVE),
		(3, "qty", intake_core.QTY_NOT_POSITIVE),
	]
	assert errors[2].args == (-2,)


def test_negative_rate_is_refused_zero_is_left_to_the_price_list():
	errors = intake_core.check_intake(date(2026, 1, 1), date(2026, 1, 5), [line(rate=-1), line(2, rate=0)])
	assert codes(errors) == [(1, "rate", intake_core.RATE_NEGATIVE)]


def test_every_line_needs_an_item():
	errors = intake_core.check_intake(
		date(2026, 1, 1),
		date(2026, 1, 5),
		[line(item_code=None), line(2, item_code=None, customer_item_code="X")],
	)
	assert codes(errors) == [(1, "item_code", intake_core.ITEM_MISSING)]


def test_delivery_date_is_required_and_not_before_the_order():
	assert codes(intake_core.check_intake(date(2026, 1, 1), None, [line()])) == [
		(0, "delivery_date", intake_core.REQUIRED)
	]
	errors = intake_core.check_intake(date(2026, 1, 5), date(2026, 1, 1), [line()])
	assert codes(errors) == [(0, "delivery_date", intake_core.DELIVERY_BEFORE_ORDER)]
	assert errors[0].args == (date(2026, 1, 1), date(2026, 1, 5))
	# same day is fine
	assert intake_core.check_intake(date(2026, 1, 5), date(2026, 1, 5), [line()]) == []


def test_line_delivery_date_not_before_the_order():
	errors = intake_core.check_intake(
		date(2026, 1, 5),
		date(2026, 1, 9),
		[line(delivery_date=date(2026, 1, 4)), line(2, delivery_date=date(2026, 1, 5))],
	)
	assert codes(errors) == [(1, "delivery_date", intake_core.LINE_DELIVERY_BEFORE_ORDER)]

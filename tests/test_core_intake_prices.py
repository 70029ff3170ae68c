"""order_tracking.core.intake_prices: an intake line's rate picked from the price list's prices
of all its items, as ERPNext's get_price_list_rate_for picks it for one line."""

from datetime import date

from order_tracking.core.intake_prices import ItemPrice, PricedLine, price_list_rate

ON = date(2026, 11, 20)


def line(**kw):
	base = {"item_code": "SHOE", "uom": "Nos", "stock_uom": "Nos", "qty": 12.0, "conversion_factor": 1.0}
	base.update(kw)
	return PricedLine(**base)


def test_general_price_of_the_item_in_its_uom():
	prices = [ItemPrice("SHOE", 10.0, "Nos"), ItemPrice("BOOT", 99.0, "Nos")]
	assert price_list_rate(prices, line(), "ACME", ON) == 10.0
	assert price_list_rate(prices, line(item_code="SANDAL"), "ACME", ON) is None


def test_customer_price_wins_over_the_general_one():
	prices = [ItemPrice("SHOE", 10.0, "Nos"), ItemPrice("SHOE", 8.0, "Nos", customer="ACME")]
	assert price_list_rate(prices, line(), "ACME", ON) == 8.0
	assert price_list_rate(prices, line(), "OTHER", ON) == 10.0


def test_customer_price_needs_a_qty_filling_its_packing_unit():
	prices = [ItemPrice("SHOE", 10.0, "Nos"), ItemPrice("SHOE", 8.0, "Nos", customer="ACME", packing_unit=5)]
	# ERPNext does not fall back to the general price then: the line has no price
	assert price_list_rate(prices, line(qty=12.0), "ACME", ON) is None
	assert price_list_rate(prices, line(qty=15.0), "ACME", ON) == 8.0
	assert price_list_rate(prices, line(qty=None), "ACME", ON) is None


def test_validity_and_latest_valid_from_first():
	prices = [
		ItemPrice("SHOE", 10.0, "Nos", valid_from=date(2026, 1, 1)),
		ItemPrice("SHOE", 11.0, "Nos", valid_from=date(2026, 6, 1)),
		ItemPrice("SHOE", 12.0, "Nos", valid_from=date(2027, 1, 1)),
		ItemPrice("SHOE", 9.0, "Nos", valid_upto=date(2026, 3, 1)),
	]
	assert price_list_rate(prices, line(), None, ON) == 11.0
	assert price_list_rate(prices, line(), None, date(2026, 2, 1)) == 10.0
	assert price_list_rate(prices, line(), None, None) == 12.0


def test_other_uom_falls_back_to_the_stock_uom_price_times_the_factor():
	prices = [ItemPrice("SHOE", 10.0, "Nos")]
	assert price_list_rate(prices, line(uom="Box", conversion_factor=6.0), None, ON) == 60.0
	prices.append(ItemPrice("SHOE", 50.0, "Box"))
	assert price_list_rate(prices, line(uom="Box", conversion_factor=6.0), None, ON) == 50.0
	# a price without UOM serves every UOM, multiplied by the factor
	assert (
		price_list_rate([ItemPrice("SHOE", 10.0)], line(uom="Box", conversion_factor=6.0), None, ON) == 60.0
	)


def test_batch_and_supplier_prices_are_not_an_intake_lines():
	prices = [ItemPrice("SHOE", 7.0, "Nos", batch_no="B1"), ItemPrice("SHOE", 6.0, "Nos", supplier="SUP")]
	assert price_list_rate(prices, line(), "ACME", ON) is None

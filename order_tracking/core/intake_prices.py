"""An intake line's rate from its price list, picked from all the list's prices of the intake's
items read at once (one query for every line), the way ERPNext's `get_price_list_rate_for`
picks it one line at a time:

1. the customer's own price of the item in the line's UOM (or without UOM), valid on the order
   date, latest `valid_from` first; kept only when there is a quantity and it is a multiple of
   the price's packing unit (else the line has no price);
2. otherwise the price without customer or supplier, in the line's UOM, then in the stock UOM;
3. a price in another UOM than the line's is multiplied by the line's conversion factor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

EARLIEST = date(2000, 1, 1)
LATEST = date(2500, 12, 31)


@dataclass(frozen=True)
class ItemPrice:
	item_code: str
	rate: float
	uom: str | None = None
	customer: str | None = None
	supplier: str | None = None
	batch_no: str | None = None
	valid_from: date | None = None
	valid_upto: date | None = None
	packing_unit: float = 0.0


@dataclass(frozen=True)
class PricedLine:
	item_code: str
	uom: str
	stock_uom: str
	qty: float | None
	conversion_factor: float = 1.0


def _candidates(
	prices: Iterable[ItemPrice], item_code: str, uom: str, customer: str | None, on: date | None
) -> list[ItemPrice]:
	found = [
		p
		for p in prices
		if p.item_code == item_code
		and (p.uom or "") in ("", uom)
		and not p.batch_no
		and ((p.customer or "") == customer if customer else not (p.customer or p.supplier))
		and (on is None or ((p.valid_from or EARLIEST) <= on <= (p.valid_upto or LATEST)))
	]
	# ERPNext's order: valid_from desc, then uom desc (NULLs last in a descending sort)
	found.sort(key=lambda p: (p.valid_from or date.min, p.uom or ""), reverse=True)
	return found


def price_list_rate(
	prices: Iterable[ItemPrice], line: PricedLine, customer: str | None, on: date | None
) -> float | None:
	"""The line's rate from the price list's `prices`, or None when it has none for the line."""
	prices = list(prices)
	chosen = None
	first = _candidates(prices, line.item_code, line.uom, customer, on)
	if first:
		# a party's price (or, without a customer, the first general one) needs a quantity that
		# fills its packing unit
		unit = first[0].packing_unit
		if line.qty and (not unit or line.qty % unit == 0):
			chosen = first[0]
	else:
		general = _candidates(prices, line.item_code, line.uom, None, on)
		if not general and line.uom != line.stock_uom:
			general = _candidates(prices, line.item_code, line.stock_uom, None, on)
		chosen = general[0] if general else None
	if chosen is None:
		return None
	if chosen.uom == line.uom:
		return chosen.rate
	return chosen.rate * (line.conversion_factor or 1.0)

"""REST methods of settlement (all need an authenticated desk user with the rights named).

- `return_lines` (GET `?delivery_note=&sales_order=`): the lines of a delivery that can still come
  back, with what was delivered and returned — read permission on the Delivery Note.
- `refresh_order_cost` (POST `{"sales_order"}`): compute an order's cost and margin now — read
  permission on the Sales Order and level-1 read on Order Tracker (the roles that see costs).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt

from order_tracking.core import settlement as settlement_core
from order_tracking.order_tracking.arguments import required_arguments
from order_tracking.settlement import order_cost, returns


@frappe.whitelist(methods=["GET"])
@required_arguments
def return_lines(delivery_note: str, sales_order: str | None = None) -> list[dict]:
	frappe.has_permission("Delivery Note", "read", delivery_note, throw=True)
	lines, returned = returns.delivery_lines(delivery_note, sales_order)
	out = []
	for x in lines.values():
		left = settlement_core.returnable_qty(flt(x.qty), returned.get(x.name, 0.0))
		if left > 0:
			out.append(
				{
					"item_code": x.item_code,
					"item_name": x.item_name,
					"qty": left,
					"delivered_qty": flt(x.qty),
					"returned_qty": returned.get(x.name, 0.0),
					"rate": flt(x.rate),
					"amount": left * flt(x.rate),
					"warehouse": x.warehouse,
					"dn_detail": x.name,
					"so_detail": x.so_detail,
					"stock_uom": x.stock_uom,
				}
			)
	return out


@frappe.whitelist(methods=["POST"])
@required_arguments
def refresh_order_cost(sales_order: str) -> dict:
	frappe.has_permission("Sales Order", "read", sales_order, throw=True)
	if 1 not in frappe.get_meta("Order Tracker").get_permlevel_access("read"):
		frappe.throw(_("Not permitted to see order costs"), frappe.PermissionError)
	costs = order_cost.refresh_order_costs([sales_order])
	c = costs.get(sales_order)
	if not c:
		frappe.throw(_("Sales Order {0} does not exist").format(sales_order), frappe.DoesNotExistError)
	return {
		"material": settlement_core.money(c.material),
		"labour": settlement_core.money(c.labour),
		"overhead": settlement_core.money(c.overhead),
		"outsourcing": settlement_core.money(c.outsourcing),
		"freight": settlement_core.money(c.freight),
		"total": c.total,
		"revenue": settlement_core.money(c.revenue),
		"margin": c.margin,
		"margin_pct": c.margin_pct,
	}

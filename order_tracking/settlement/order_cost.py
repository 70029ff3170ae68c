"""Order cost: material (stock ledger value consumed by the order's work orders and by its
subcontracting receipts, and of what was delivered from stock), labour and overhead (job card time
at the workstations' hour rates), outsourcing (its purchase invoices, and receipts not yet invoiced
at their rates), freight (its shipments' freight cost) against revenue (its sales invoices, or the
order's value before any) — computed in batches with a fixed number of queries by `order_costs`,
stored on the tracker by a background job after the documents that change it
(`queue_cost_refresh`), daily for recent orders (`refresh_recent_costs`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import frappe
from frappe.query_builder.functions import Coalesce, Sum
from frappe.utils import flt, now_datetime

from order_tracking.core import stages
from order_tracking.core.settlement import OrderCost, money, split, time_cost
from order_tracking.utils import after_commit_for

# adds a part of an order's cost: add(order, material=…, labour=…, …)
AddCost = Callable[..., None]


def order_costs(sales_orders) -> dict[str, OrderCost]:
	"""The cost and revenue of each order in company currency, in a fixed number of queries."""
	names = sorted({n for n in sales_orders if n})
	if not names:
		return {}
	headers = _order_headers(names)
	names = [n for n in names if n in headers]
	if not names:
		return {}
	parts: dict[str, OrderCost] = defaultdict(OrderCost)

	def add(order: str, **values):
		parts[order] = parts[order] + OrderCost(**values)

	order_of_wo, made = _work_orders(names)
	if order_of_wo:
		_add_consumed_materials(add, order_of_wo, made)
		_add_job_card_time(add, order_of_wo)
	_add_subcontracted_materials(add, names)
	_add_invoiced_outsourcing(add, names)
	_add_received_outsourcing(add, names)
	_add_delivered_from_stock(add, names, made)
	_add_freight(add, names, headers)
	_add_revenue(add, names, headers)
	return {name: parts[name] for name in names}


def _order_headers(names: list[str]) -> dict:
	so = frappe.qb.DocType("Sales Order")
	return {
		r.name: r
		for r in frappe.qb.from_(so)
		.select(so.name, so.base_net_total)
		.where(so.name.isin(names))
		.run(as_dict=True)
	}


def _work_orders(names: list[str]) -> tuple[dict[str, str], dict[str, set[str]]]:
	"""The work orders of each order (and the items they make: consumed sub-assemblies are not
	material)."""
	wo = frappe.qb.DocType("Work Order")
	work_orders = (
		frappe.qb.from_(wo)
		.select(
			wo.name, Coalesce(wo.sales_order, wo.made_for_sales_order).as_("sales_order"), wo.production_item
		)
		.where((wo.docstatus == 1) & (wo.sales_order.isin(names) | wo.made_for_sales_order.isin(names)))
		.run(as_dict=True)
	)
	order_of_wo = {w.name: w.sales_order for w in work_orders}
	made: dict[str, set[str]] = defaultdict(set)
	for w in work_orders:
		made[w.sales_order].add(w.production_item)
	return order_of_wo, made


def _add_consumed_materials(add: AddCost, order_of_wo: dict[str, str], made: dict[str, set[str]]) -> None:
	"""Raw materials consumed by the work orders (stock ledger value)."""
	sle = frappe.qb.DocType("Stock Ledger Entry")
	se = frappe.qb.DocType("Stock Entry")
	for work_order, item_code, value in (
		frappe.qb.from_(sle)
		.join(se)
		.on(se.name == sle.voucher_no)
		.select(se.work_order, sle.item_code, Sum(sle.stock_value_difference))
		.where(
			(sle.voucher_type == "Stock Entry")
			& (sle.is_cancelled == 0)
			& (sle.actual_qty < 0)
			& se.work_order.isin(list(order_of_wo))
			& se.purpose.isin(["Manufacture", "Material Consumption for Manufacture"])
			& (se.docstatus == 1)
		)
		.groupby(se.work_order, sle.item_code)
		.run()
	):
		order = order_of_wo[work_order]
		if item_code not in made[order]:
			add(order, material=-flt(value))


def _add_job_card_time(add: AddCost, order_of_wo: dict[str, str]) -> None:
	"""Labour and overhead: time logged on the job cards at the workstations' hour rates."""
	jc = frappe.qb.DocType("Job Card")
	ws = frappe.qb.DocType("Workstation")
	for work_order, minutes, card_rate, hour_rate, labour_rate in (
		frappe.qb.from_(jc)
		.left_join(ws)
		.on(ws.name == jc.workstation)
		.select(jc.work_order, Sum(jc.total_time_in_mins), jc.hour_rate, ws.hour_rate, ws.hour_rate_labour)
		.where(jc.work_order.isin(list(order_of_wo)) & (jc.docstatus < 2))
		.groupby(jc.work_order, jc.workstation, jc.hour_rate, ws.hour_rate, ws.hour_rate_labour)
		.run()
	):
		# the workstation's rates (labour and the rest); the card's own rate if it has none
		labour, overhead = time_cost(flt(minutes), flt(hour_rate) or flt(card_rate), flt(labour_rate))
		add(order_of_wo[work_order], labour=labour, overhead=overhead)


def _add_subcontracted_materials(add: AddCost, names: list[str]) -> None:
	"""Materials a subcontractor used for the order (subcontracting receipts)."""
	poi = frappe.qb.DocType("Purchase Order Item")
	scri = frappe.qb.DocType("Subcontracting Receipt Item")
	for order, value in (
		frappe.qb.from_(scri)
		.join(poi)
		.on(poi.name == scri.purchase_order_item)
		.select(poi.sales_order, Sum(scri.rm_supp_cost))
		.where(poi.sales_order.isin(names) & (scri.docstatus == 1))
		.groupby(poi.sales_order)
		.run()
	):
		add(order, material=flt(value))


def _add_invoiced_outsourcing(add: AddCost, names: list[str]) -> None:
	"""Outsourcing invoiced on its purchase orders."""
	poi = frappe.qb.DocType("Purchase Order Item")
	po = frappe.qb.DocType("Purchase Order")
	pii = frappe.qb.DocType("Purchase Invoice Item")
	for order, value in (
		frappe.qb.from_(pii)
		.join(poi)
		.on(poi.name == pii.po_detail)
		.join(po)
		.on(po.name == poi.parent)
		.select(poi.sales_order, Sum(pii.base_net_amount))
		.where(
			poi.sales_order.isin(names) & (pii.docstatus == 1) & (Coalesce(po.outsourcing_order, "") != "")
		)
		.groupby(poi.sales_order)
		.run()
	):
		add(order, outsourcing=flt(value))


def _add_received_outsourcing(add: AddCost, names: list[str]) -> None:
	"""Outsourcing received but not yet invoiced (in no statement), at the receipts' rates."""
	poi = frappe.qb.DocType("Purchase Order Item")
	po = frappe.qb.DocType("Purchase Order")
	r = frappe.qb.DocType("Outsourcing Receipt")
	ri = frappe.qb.DocType("Outsourcing Receipt Item")
	order_item = frappe.qb.DocType("Outsourcing Order Item")
	for order, amount, rate in (
		frappe.qb.from_(ri)
		.join(r)
		.on(r.name == ri.parent)
		.left_join(order_item)
		.on(order_item.name == ri.order_item)
		.left_join(poi)
		.on(poi.name == order_item.purchase_order_item)
		.left_join(po)
		.on(po.name == poi.parent)
		.select(ri.sales_order, Sum(ri.amount), po.conversion_rate)
		.where(ri.sales_order.isin(names) & (r.docstatus == 1) & (Coalesce(r.supplier_statement, "") == ""))
		.groupby(ri.sales_order, po.conversion_rate)
		.run()
	):
		add(order, outsourcing=flt(amount) * (flt(rate) or 1))


def _add_delivered_from_stock(add: AddCost, names: list[str], made: dict[str, set[str]]) -> None:
	"""Goods delivered from stock (what the order's own work orders made is costed above)."""
	sle = frappe.qb.DocType("Stock Ledger Entry")
	dni = frappe.qb.DocType("Delivery Note Item")
	for order, item_code, value in (
		frappe.qb.from_(sle)
		.join(dni)
		.on(dni.name == sle.voucher_detail_no)
		.select(dni.against_sales_order, sle.item_code, Sum(sle.stock_value_difference))
		.where(
			(sle.voucher_type == "Delivery Note")
			& (sle.is_cancelled == 0)
			& dni.against_sales_order.isin(names)
		)
		.groupby(dni.against_sales_order, sle.item_code)
		.run()
	):
		if item_code not in made[order]:
			add(order, material=-flt(value))


def _add_freight(add: AddCost, names: list[str], headers: dict) -> None:
	"""Freight: each shipment's cost shared over its delivery notes by value, then over their
	orders."""
	by_shipment: dict[str, dict] = {}
	for shipment, freight, delivery_note, dn_total, order, value in _shipments(names):
		s = by_shipment.setdefault(shipment, {"freight": flt(freight), "notes": {}})
		note = s["notes"].setdefault(delivery_note, {"total": flt(dn_total), "orders": {}})
		note["orders"][order] = note["orders"].get(order, 0.0) + flt(value)
	for s in by_shipment.values():
		weights = {n: v["total"] or sum(v["orders"].values()) for n, v in s["notes"].items()}
		for note, share in split(s["freight"], weights).items():
			for order, part in split(share, s["notes"][note]["orders"]).items():
				if order in headers:
					add(order, freight=part)


def _shipments(names: list[str]) -> list[tuple]:
	"""The submitted shipments with freight that carry any of these orders: per delivery note and
	order, the note's total and the order's value on it."""
	sh = frappe.qb.DocType("Shipment")
	sdn = frappe.qb.DocType("Shipment Delivery Note")
	dni = frappe.qb.DocType("Delivery Note Item")
	return (
		frappe.qb.from_(sdn)
		.join(sh)
		.on(sh.name == sdn.parent)
		.join(dni)
		.on(dni.parent == sdn.delivery_note)
		.select(
			sh.name,
			sh.freight_cost,
			sdn.delivery_note,
			sdn.grand_total,
			dni.against_sales_order,
			Sum(dni.base_net_amount),
		)
		.where((sh.docstatus == 1) & (sdn.parenttype == "Shipment") & (Coalesce(sh.freight_cost, 0) > 0))
		.where(
			sh.name.isin(
				frappe.qb.from_(sdn)
				.join(dni)
				.on(dni.parent == sdn.delivery_note)
				.select(sdn.parent)
				.where(dni.against_sales_order.isin(names) & (sdn.parenttype == "Shipment"))
			)
		)
		.groupby(sh.name, sh.freight_cost, sdn.delivery_note, sdn.grand_total, dni.against_sales_order)
		.run()
	)


def _add_revenue(add: AddCost, names: list[str], headers: dict) -> None:
	"""Revenue: what was invoiced (credit notes take off), or the order's value before any
	invoice."""
	sii = frappe.qb.DocType("Sales Invoice Item")
	invoiced = dict(
		frappe.qb.from_(sii)
		.select(sii.sales_order, Sum(sii.base_net_amount))
		.where(sii.sales_order.isin(names) & (sii.docstatus == 1))
		.groupby(sii.sales_order)
		.run()
	)
	has_invoice = set(
		frappe.qb.from_(sii)
		.select(sii.sales_order)
		.where(sii.sales_order.isin(names) & (sii.docstatus == 1))
		.distinct()
		.run(pluck=True)
	)
	for name in names:
		revenue = flt(invoiced.get(name)) if name in has_invoice else flt(headers[name].base_net_total)
		add(name, revenue=revenue)


def refresh_order_costs(sales_orders, commit: bool = False) -> dict[str, OrderCost]:
	"""Compute and store the cost of these orders on their trackers."""
	costs = order_costs(sales_orders)
	if not costs:
		return {}
	trackers = set(frappe.get_all("Order Tracker", filters={"name": ("in", list(costs))}, pluck="name"))
	currencies = dict(
		frappe.get_all(
			"Sales Order",
			filters={"name": ("in", list(costs))},
			fields=["name", "company"],
			as_list=True,
		)
	)
	now = now_datetime()
	for name, c in costs.items():
		if name not in trackers:
			continue
		frappe.db.set_value(
			"Order Tracker",
			name,
			{
				"cost_currency": frappe.get_cached_value("Company", currencies[name], "default_currency"),
				"material_cost": money(c.material),
				"labour_cost": money(c.labour),
				"overhead_cost": money(c.overhead),
				"outsourcing_cost": money(c.outsourcing),
				"freight_cost": money(c.freight),
				"total_cost": c.total,
				"revenue": money(c.revenue),
				"margin": c.margin,
				"margin_pct": c.margin_pct,
				"cost_updated_at": now,
			},
			update_modified=False,
		)
	if commit:
		# a background job (or the daily one, batch by batch) owns its transaction
		frappe.db.commit()  # nosemgrep
	return costs


def refresh_order_costs_job(sales_orders):
	refresh_order_costs(sales_orders, commit=True)


def queue_cost_refresh(sales_orders) -> None:
	"""The cost of these orders is computed again in the background once this transaction commits
	(one job for everything the request touched)."""
	after_commit_for("order_cost_pending", sales_orders, _enqueue_costs)


def _enqueue_costs(orders: list[str]) -> None:
	frappe.enqueue(
		"order_tracking.settlement.order_cost.refresh_order_costs_job", queue="short", sales_orders=orders
	)


def refresh_recent_costs(days: int = 1, batch_size: int = 500) -> int:
	"""Daily: costs of every order whose tracker changed lately, in case a job was lost."""
	since = frappe.utils.add_days(now_datetime(), -days)
	names = frappe.get_all(
		"Order Tracker",
		filters={"refreshed_at": (">=", since), "stage": ("!=", stages.CANCELLED)},
		pluck="name",
	)
	for i in range(0, len(names), batch_size):
		refresh_order_costs(names[i : i + batch_size], commit=True)
	return len(names)


def on_purchase_invoice(doc, method=None):
	"""A purchase invoice of outsourcing changes the cost of the orders it was for."""
	details = [d.po_detail for d in doc.items if d.po_detail]
	if not details:
		return
	orders = frappe.get_all(
		"Purchase Order Item", filters={"name": ("in", details)}, pluck="sales_order", distinct=True
	)
	queue_cost_refresh(orders)

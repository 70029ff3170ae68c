"""Order review: the material supply a Sales Order's check nets against — stock not reserved for
production, purchase orders and material requests by date (`material_supply`,
`supply_by_company`), the order's own reservations, and what earlier reviewed orders claimed."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import frappe
from frappe.query_builder.functions import Coalesce, Sum
from frappe.utils import flt, getdate

from order_tracking.core import review as review_rules

# ------------------------------------------------------------------------------ supply


def own_reservations(so) -> dict[str, float]:
	"""What a submitted order itself reserves of its items (not a claim against it)."""
	reserved: dict[str, float] = defaultdict(float)
	for d in so.items:
		reserved[d.item_code] += max(flt(d.stock_qty) - flt(d.delivered_qty) * flt(d.conversion_factor), 0)
	return dict(reserved)


def material_supply(
	company: str, items: set[str], own: dict[str, float] | None = None
) -> dict[str, review_rules.ItemSupply]:
	"""Per item, over the company's warehouses: stock not reserved (for production, for
	subcontracting, for other orders — except `own`, what the orders being checked reserve
	themselves), then purchase orders still to be received and material requests still to be
	ordered, each on its date. Undated supply in Bin.projected_qty is not used: the dated documents
	behind it are counted on their dates instead."""
	items = list(items)
	if not items:
		return {}
	on_hand, receipts = supply_by_company(items, [company])
	stock = {code: on_hand.get((code, company), 0.0) for code in items}
	for item_code, qty in (own or {}).items():
		if (item_code, company) in on_hand:
			stock[item_code] += qty
	return {code: review_rules.ItemSupply(stock[code], receipts.get((code, company), [])) for code in items}


def supply_by_company(items: list[str], companies: list[str]):
	"""Per (item, company): stock on hand not reserved, and the dated receipts — open purchase order
	lines and material requests not yet ordered. Three queries for any number of items and
	companies."""
	b = frappe.qb.DocType("Bin")
	wh = frappe.qb.DocType("Warehouse")
	on_hand = {
		(r.item_code, r.company): flt(r.qty)
		for r in frappe.qb.from_(b)
		.join(wh)
		.on(wh.name == b.warehouse)
		.select(
			b.item_code,
			wh.company,
			Sum(
				b.actual_qty
				- b.reserved_qty
				- b.reserved_qty_for_production
				- b.reserved_qty_for_sub_contract
				- Coalesce(b.reserved_qty_for_production_plan, 0)
			).as_("qty"),
		)
		.where(b.item_code.isin(items) & wh.company.isin(companies or [""]))
		.groupby(b.item_code, wh.company)
		.run(as_dict=True)
	}

	receipts: dict[tuple[str, str], list[tuple[date, float]]] = defaultdict(list)
	po = frappe.qb.DocType("Purchase Order")
	poi = frappe.qb.DocType("Purchase Order Item")
	for r in (
		frappe.qb.from_(poi)
		.join(po)
		.on(po.name == poi.parent)
		.select(
			poi.item_code,
			po.company,
			Coalesce(poi.expected_delivery_date, poi.schedule_date).as_("on"),
			((poi.qty - poi.received_qty) * poi.conversion_factor).as_("qty"),
		)
		.where(poi.item_code.isin(items) & (po.docstatus == 1) & po.company.isin(companies or [""]))
		.where(
			po.status.notin(("Closed", "On Hold", "Completed", "Delivered")) & (poi.received_qty < poi.qty)
		)
		.run(as_dict=True)
	):
		receipts[(r.item_code, r.company)].append((getdate(r.on), flt(r.qty)))

	mr = frappe.qb.DocType("Material Request")
	mri = frappe.qb.DocType("Material Request Item")
	for r in (
		frappe.qb.from_(mri)
		.join(mr)
		.on(mr.name == mri.parent)
		.select(
			mri.item_code,
			mr.company,
			mri.schedule_date.as_("on"),
			(mri.stock_qty - mri.ordered_qty * mri.conversion_factor).as_("qty"),
		)
		.where(mri.item_code.isin(items) & (mr.docstatus == 1) & mr.company.isin(companies or [""]))
		.where(mr.material_request_type.isin(("Purchase", "Manufacture")))
		.where(
			mr.status.notin(
				("Stopped", "Cancelled", "Ordered", "Received", "Transferred", "Issued", "Manufactured")
			)
		)
		.run(as_dict=True)
	):
		if flt(r.qty) > 0:
			receipts[(r.item_code, r.company)].append((getdate(r.on), flt(r.qty)))
	return on_hand, receipts


def _earlier_claims(so, due: date, exclude_review: str | None) -> dict[str, float]:
	"""What approved reviews of other orders, due no later than this one and not yet in
	production (their work orders would reserve the materials themselves), already claim."""
	rv = frappe.qb.DocType("Order Review")
	tr = frappe.qb.DocType("Order Tracker")
	rows = (
		frappe.qb.from_(rv)
		.join(tr)
		.on(tr.name == rv.sales_order)
		.select(rv.material_claims)
		.where((rv.docstatus == 1) & (rv.sales_order != so.name) & (rv.promised_date <= due))
		.where(tr.stage.isin(("Under Review", "Approved")) & (rv.company == so.company))
		.where(rv.name != (exclude_review or ""))
		.run(as_dict=True)
	)
	claims: dict[str, float] = defaultdict(float)
	for r in rows:
		for item_code, qty in json.loads(r.material_claims or "{}").items():
			claims[item_code] += flt(qty)
	return dict(claims)

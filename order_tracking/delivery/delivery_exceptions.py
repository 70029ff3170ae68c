"""Delivery's order exceptions (TR-3): the detectors of late orders (Overdue, At Risk), shipment
exceptions and material shortages, registered in hooks (`order_exception_detectors`) and run by
the kernel's scan (`order_tracking.order_tracking.exceptions`).
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import flt, getdate

from order_tracking.core import delivery, stages
from order_tracking.core.review import ItemSupply
from order_tracking.order_tracking.exceptions import (
	ORDER_EXCEPTION,
	ScanFacts,
	exception_detector,
	format_qty,
)
from order_tracking.order_tracking.review import supply_by_company


class OrderExceptionError(frappe.ValidationError):
	pass


@exception_detector(delivery.AT_RISK, delivery.OVERDUE)
def detect_late_orders(sales_orders: list[str], facts: ScanFacts) -> list[delivery.ExceptionSpec]:
	"""Overdue: the promised date has passed and the order is not delivered. At Risk: its ETA
	(production, carrier) is after the promised date. From the trackers alone: no query."""
	specs = []
	for so in sales_orders:
		t = facts.trackers[so]
		promised = getdate(t.promised_date) if t.promised_date else None
		eta = getdate(t.eta) if t.eta else None
		late = delivery.schedule_exception(t.stage, promised, eta, facts.today)
		if not late:
			continue
		kind, _days = late
		if kind == delivery.OVERDUE:
			detail = _("Promised for {0}; not delivered yet (stage {1})").format(
				_format_date(promised), _(t.stage, context="Order Tracker")
			)
		else:
			detail = _("Expected on {0}, after the promised date {1}").format(
				_format_date(eta), _format_date(promised)
			)
		specs.append(
			delivery.ExceptionSpec(kind, so, detail, reference_doctype="Sales Order", reference_name=so)
		)
	return specs


@exception_detector(delivery.SHIPMENT_EXCEPTION)
def detect_shipment_exceptions(sales_orders: list[str], facts: ScanFacts) -> list[delivery.ExceptionSpec]:
	"""A Shipment of the order whose latest carrier event is an exception or a failed delivery
	attempt (one query)."""
	candidates = [so for so in sales_orders if facts.trackers[so].stage not in stages.TERMINAL_STAGES]
	if not candidates:
		return []
	sh = frappe.qb.DocType("Shipment")
	sdn = frappe.qb.DocType("Shipment Delivery Note")
	dni = frappe.qb.DocType("Delivery Note Item")
	rows = (
		frappe.qb.from_(dni)
		.join(sdn)
		.on((sdn.delivery_note == dni.parent) & (sdn.parenttype == "Shipment"))
		.join(sh)
		.on(sh.name == sdn.parent)
		.select(
			dni.against_sales_order,
			sh.name,
			sh.carrier,
			sh.awb_number,
			sh.carrier_status,
			sh.carrier_status_at,
			sh.tracking_status_info,
		)
		.distinct()
		.where(dni.against_sales_order.isin(candidates) & (sh.docstatus == 1))
		.where(sh.carrier_status.isin(list(delivery.TROUBLE_STATUSES)))
		.orderby(sh.name)
		.run(as_dict=True)
	)
	return [
		delivery.ExceptionSpec(
			delivery.SHIPMENT_EXCEPTION,
			r.against_sales_order,
			_("Shipment {0} ({1} {2}): {3}").format(
				r.name, r.carrier or "", r.awb_number or "", r.tracking_status_info or r.carrier_status
			),
			reference_doctype="Shipment",
			reference_name=r.name,
		)
		for r in rows
	]


@exception_detector(delivery.MATERIAL_SHORTAGE)
def detect_material_shortages(sales_orders: list[str], facts: ScanFacts) -> list[delivery.ExceptionSpec]:
	"""Orders not yet in production whose latest approved review's materials are not covered by
	the promised date any more: what each material needs, against stock on hand now (not
	reserved by others), purchase orders and material requests arriving by then. Six queries."""
	candidates = [
		so
		for so in sales_orders
		if facts.trackers[so].stage in delivery.MATERIAL_STAGES and facts.trackers[so].promised_date
	]
	if not candidates:
		return []
	rv = frappe.qb.DocType("Order Review")
	reviews = {}
	for r in (
		frappe.qb.from_(rv)
		.select(rv.name, rv.sales_order)
		.where(rv.sales_order.isin(candidates) & (rv.docstatus == 1))
		.orderby(rv.creation)
		.run(as_dict=True)
	):
		reviews[r.sales_order] = r.name  # the latest wins
	if not reviews:
		return []
	res = frappe.qb.DocType("Order Review Result")
	needs: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
	review_order = {name: so for so, name in reviews.items()}
	for r in (
		frappe.qb.from_(res)
		.select(res.parent, res.item_code, res.required_qty)
		.where(res.parent.isin(list(review_order)) & (res.parenttype == "Order Review"))
		.where((res.check == "Material") & res.item_code.isnotnull() & (res.required_qty > 0))
		.run(as_dict=True)
	):
		needs[review_order[r.parent]][r.item_code] += flt(r.required_qty)
	if not needs:
		return []
	items = sorted({i for n in needs.values() for i in n})
	companies = sorted({facts.trackers[so].company for so in needs if facts.trackers[so].company})
	supply = _material_supply(items, companies, list(needs))

	specs = []
	for so, order_needs in sorted(needs.items()):
		t = facts.trackers[so]
		promised = getdate(t.promised_date)
		own = supply["own"].get(so, {})
		order_supply = {
			item: ItemSupply(
				supply["on_hand"].get((item, t.company), 0.0) + own.get(item, 0.0),
				list(supply["receipts"].get((item, t.company), [])),
			)
			for item in order_needs
		}
		short = delivery.material_shortages(order_needs, order_supply, promised)
		if not short:
			continue
		lines = [
			_("{0}: {1} short on {2}; supply covers it on {3}").format(
				s.item_code, format_qty(s.shortage), _format_date(promised), _format_date(s.covered_on)
			)
			if s.covered_on
			else _("{0}: {1} short on {2}; no supply covers it").format(
				s.item_code, format_qty(s.shortage), _format_date(promised)
			)
			for s in short
		]
		specs.append(
			delivery.ExceptionSpec(
				delivery.MATERIAL_SHORTAGE,
				so,
				"\n".join(lines),
				reference_doctype="Order Review",
				reference_name=reviews[so],
			)
		)
	return specs


def _material_supply(items: list[str], companies: list[str], sales_orders: list[str]) -> dict:
	"""Per (item, company): stock on hand not reserved, and dated receipts (open purchase orders,
	material requests); per order: what its own work orders reserve (given back to it)."""
	on_hand, receipts = supply_by_company(items, companies)
	wo = frappe.qb.DocType("Work Order")
	woi = frappe.qb.DocType("Work Order Item")
	own: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
	for r in (
		frappe.qb.from_(woi)
		.join(wo)
		.on(wo.name == woi.parent)
		.select(wo.sales_order, woi.item_code, (woi.required_qty - woi.transferred_qty).as_("qty"))
		.where(wo.sales_order.isin(sales_orders) & (wo.docstatus == 1) & woi.item_code.isin(items))
		.where(wo.status.isin(("Not Started", "In Process")) & (woi.parenttype == "Work Order"))
		.run(as_dict=True)
	):
		own[r.sales_order][r.item_code] += max(flt(r.qty), 0.0)
	return {"on_hand": on_hand, "receipts": receipts, "own": own}


def _format_date(value) -> str:
	return frappe.format(value, {"fieldtype": "Date"}) if value else ""


def on_sales_order_trash(doc, method=None):
	"""A deleted (draft or cancelled) order takes its exceptions with it, like its timeline."""
	frappe.db.delete(ORDER_EXCEPTION, {"sales_order": doc.name})

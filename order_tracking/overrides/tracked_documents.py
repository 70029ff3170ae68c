"""doc_events of the ERPNext documents that move an order.

Each handler finds the Sales Orders a document belongs to (from the document in memory, or with
one or two queries whatever its number of lines), writes one Order Event per order — on submit,
and again on cancel as a cancellation with negated quantities — and refreshes those orders'
trackers. Nothing here depends on the order in which documents arrive: the tracker is derived
again from the documents each time (see `order_tracking.order_tracking.tracking`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import frappe
from frappe.query_builder.functions import Sum
from frappe.utils import flt, get_datetime, getdate, now_datetime

from order_tracking.core import stages as S
from order_tracking.order_tracking.tracking import EventSpec, record_events, refresh_trackers, tracking_paused


def on_submit(doc, method=None):
	_record(doc, cancelled=False)


def on_cancel(doc, method=None):
	_record(doc, cancelled=True)


OWN_LINKING_DOCTYPES = (
	"Order Plan",
	"Daily Schedule",
	"Order Tracker",
	"Outsourcing Order",
	"Outsourcing Receipt",
)


def ignore_own_links(doc, method=None):
	"""`before_cancel`: a plan, a daily schedule or a tracker naming this document does not stop
	its cancellation (they keep the link as history) — but a work order whose operation is on an
	open Outsourcing Order stays, as a Sales Order with one does."""
	if doc.doctype == "Work Order":
		from order_tracking.outsourcing.outsourced_work_orders import check_work_order_not_outsourced

		check_work_order_not_outsourced(doc.name)
	doc.ignore_linked_doctypes = (*(doc.get("ignore_linked_doctypes") or ()), *OWN_LINKING_DOCTYPES)


def on_update_after_submit(doc, method=None):
	"""A Shipment marked Completed confirms delivery; other changes only refresh."""
	if tracking_paused() or doc.doctype != "Shipment":
		return
	orders = _orders_of_delivery_notes([r.delivery_note for r in doc.shipment_delivery_note])
	if doc.has_value_changed("freight_cost"):
		from order_tracking.settlement.order_cost import queue_cost_refresh

		queue_cost_refresh(orders)
	if doc.has_value_changed("status") and doc.status == "Completed":
		record_events(
			[
				EventSpec(
					so,
					S.DELIVERED,
					"Shipment Delivered",
					"Shipment",
					doc.name,
					qty=qty,
					remarks=doc.awb_number,
				)
				for so, (qty, _amount) in orders.items()
			]
		)
	elif orders:
		refresh_trackers(orders)


def _record(doc, cancelled: bool):
	if tracking_paused():
		return
	specs = document_events(doc)
	if not specs:
		return
	if cancelled:
		specs = [_as_cancellation(spec, doc) for spec in specs]
	record_events(specs)
	if doc.doctype in COST_DOCTYPES:
		from order_tracking.settlement.order_cost import queue_cost_refresh

		queue_cost_refresh({s.sales_order for s in specs})


# documents that change what an order cost or earned
COST_DOCTYPES = frozenset(
	{"Stock Entry", "Job Card", "Subcontracting Receipt", "Delivery Note", "Shipment", "Sales Invoice"}
)


def document_events(doc) -> list[EventSpec]:
	"""The events a submitted document writes (the backfill uses this too)."""
	resolver = RESOLVERS.get(doc.doctype)
	if not resolver:
		return []
	specs = resolver(doc)
	at = _document_time(doc)
	for spec in specs:
		spec.reference_doctype = spec.reference_doctype or doc.doctype
		spec.reference_name = spec.reference_name or doc.name
		spec.at = spec.at or at
	return specs


def _as_cancellation(spec: EventSpec, doc) -> EventSpec:
	if doc.doctype == "Sales Order":
		spec.stage, spec.event = S.CANCELLED, "Order Cancelled"
	else:
		spec.event = "Cancelled"
	spec.qty = -flt(spec.qty)
	spec.amount = -flt(spec.amount)
	spec.is_cancellation = True
	spec.at = now_datetime()
	return spec


def _document_time(doc):
	"""When the document says it happened: its posting date and time; a document dated today
	without a time (Payment Entry) happened now."""
	if not doc.get("posting_date"):
		return now_datetime()
	if doc.get("posting_time"):
		return get_datetime(f"{doc.posting_date} {doc.posting_time}")
	if getdate(doc.posting_date) == getdate():
		return now_datetime()
	return get_datetime(doc.posting_date)


# --------------------------------------------------------------------------------------------
# resolvers: document -> events, one per Sales Order it touches


def _sales_order(doc) -> list[EventSpec]:
	return [
		EventSpec(
			doc.name,
			S.APPROVED,
			"Order Submitted",
			qty=doc.total_qty,
			amount=doc.grand_total,
			planned_at=doc.delivery_date,
		)
	]


def _work_order(doc) -> list[EventSpec]:
	sales_order = doc.sales_order or doc.get("made_for_sales_order")
	if not sales_order:
		return []
	return [
		EventSpec(
			sales_order,
			S.PLANNED,
			"Production Planned",
			qty=doc.qty,
			planned_at=doc.planned_end_date,
			remarks=doc.production_item if not doc.sales_order else None,
		)
	]


def order_of_work_order(work_order: str | None) -> str | None:
	"""The order a work order is for: its Sales Order, or the one an Order Plan made its
	sub-assembly for."""
	if not work_order:
		return None
	values = frappe.db.get_value("Work Order", work_order, ["sales_order", "made_for_sales_order"])
	return (values[0] or values[1]) if values else None


def _job_card(doc) -> list[EventSpec]:
	sales_order = order_of_work_order(doc.work_order)
	if not sales_order:
		return []
	return [
		EventSpec(
			sales_order,
			S.IN_PRODUCTION,
			"Operation Completed",
			qty=doc.total_completed_qty,
			planned_at=doc.expected_end_date,
			remarks=doc.operation,
		)
	]


STOCK_ENTRY_EVENTS = {
	"Material Transfer for Manufacture": "Materials Issued",
	"Material Consumption for Manufacture": "Materials Consumed",
	"Manufacture": "Produced",
	"Send to Subcontractor": "Materials Sent to Subcontractor",
}


def _stock_entry(doc) -> list[EventSpec]:
	event = STOCK_ENTRY_EVENTS.get(doc.purpose)
	if not event:
		return []
	if doc.work_order:
		sales_order = order_of_work_order(doc.work_order)
		if not sales_order:
			return []
		qty = doc.fg_completed_qty if doc.purpose == "Manufacture" else 0
		return [EventSpec(sales_order, S.IN_PRODUCTION, event, qty=qty)]
	if doc.get("subcontracting_order"):
		orders = _orders_of_subcontracting_orders([doc.subcontracting_order])
		return [EventSpec(so, S.IN_PRODUCTION, event) for so in orders]
	return []


def _purchase_order(doc) -> list[EventSpec]:
	totals = _group(doc.items, "sales_order", "stock_qty", "amount")
	event = "Subcontracted" if doc.get("is_subcontracted") else "Purchase Ordered"
	return [
		EventSpec(so, S.PLANNED, event, qty=qty, amount=amount, planned_at=doc.schedule_date)
		for so, (qty, amount) in totals.items()
	]


def _subcontracting_order(doc) -> list[EventSpec]:
	orders = _orders_of_subcontracting_orders([doc.name])
	return [
		EventSpec(so, S.PLANNED, "Subcontracting Order Placed", planned_at=doc.schedule_date) for so in orders
	]


def _subcontracting_receipt(doc) -> list[EventSpec]:
	sco_items = [d.subcontracting_order_item for d in doc.items if d.get("subcontracting_order_item")]
	if not sco_items:
		return []
	po_item_of = dict(
		frappe.get_all(
			"Subcontracting Order Item",
			filters={"name": ("in", sco_items)},
			fields=["name", "purchase_order_item"],
			as_list=True,
		)
	)
	order_of = _orders_of_purchase_order_items([i for i in po_item_of.values() if i])
	qty_by_order: dict[str, float] = defaultdict(float)
	for d in doc.items:
		so = order_of.get(po_item_of.get(d.get("subcontracting_order_item")))
		if so:
			qty_by_order[so] += flt(d.qty)
	return [
		EventSpec(so, S.IN_PRODUCTION, "Subcontracted Goods Received", qty=qty)
		for so, qty in qty_by_order.items()
	]


def _delivery_note(doc) -> list[EventSpec]:
	totals = _group(doc.items, "against_sales_order", "stock_qty", "amount")
	event = "Goods Returned" if doc.is_return else "Shipped"
	return [EventSpec(so, S.SHIPPED, event, qty=qty, amount=amount) for so, (qty, amount) in totals.items()]


def _shipment(doc) -> list[EventSpec]:
	orders = _orders_of_delivery_notes([r.delivery_note for r in doc.shipment_delivery_note])
	return [
		EventSpec(
			so, S.SHIPPED, "Shipment Booked", qty=qty, planned_at=doc.pickup_date, remarks=doc.awb_number
		)
		for so, (qty, _amount) in orders.items()
	]


def _sales_invoice(doc) -> list[EventSpec]:
	totals = _group(doc.items, "sales_order", "stock_qty", "net_amount")
	event = "Credit Note Issued" if doc.is_return else "Invoiced"
	return [EventSpec(so, S.BILLED, event, qty=qty, amount=amount) for so, (qty, amount) in totals.items()]


def _payment_entry(doc) -> list[EventSpec]:
	if doc.payment_type != "Receive" or doc.party_type != "Customer":
		return []
	amounts: dict[str, float] = defaultdict(float)
	invoices: dict[str, float] = defaultdict(float)
	for ref in doc.references:
		if ref.reference_doctype == "Sales Order":
			amounts[ref.reference_name] += flt(ref.allocated_amount)
		elif ref.reference_doctype == "Sales Invoice":
			invoices[ref.reference_name] += flt(ref.allocated_amount)
	if invoices:
		sii = frappe.qb.DocType("Sales Invoice Item")
		si = frappe.qb.DocType("Sales Invoice")
		rows = (
			frappe.qb.from_(sii)
			.join(si)
			.on(si.name == sii.parent)
			.select(sii.parent, sii.sales_order, Sum(sii.net_amount).as_("net"), si.net_total)
			.where(sii.parent.isin(list(invoices)) & sii.sales_order.isnotnull() & (sii.sales_order != ""))
			.groupby(sii.parent, sii.sales_order)
			.run(as_dict=True)
		)
		for r in rows:
			if flt(r.net_total):
				amounts[r.sales_order] += invoices[r.parent] * flt(r.net) / flt(r.net_total)
	return [
		EventSpec(so, S.PAID, "Payment Received", amount=amount) for so, amount in amounts.items() if amount
	]


RESOLVERS: dict[str, Callable] = {
	"Sales Order": _sales_order,
	"Work Order": _work_order,
	"Job Card": _job_card,
	"Stock Entry": _stock_entry,
	"Purchase Order": _purchase_order,
	"Subcontracting Order": _subcontracting_order,
	"Subcontracting Receipt": _subcontracting_receipt,
	"Delivery Note": _delivery_note,
	"Shipment": _shipment,
	"Sales Invoice": _sales_invoice,
	"Payment Entry": _payment_entry,
}


# --------------------------------------------------------------------------------------------
# helpers


def _group(rows, link_field: str, qty_field: str, amount_field: str) -> dict[str, tuple[float, float]]:
	totals: dict[str, list[float]] = {}
	for row in rows:
		so = row.get(link_field)
		if so:
			t = totals.setdefault(so, [0.0, 0.0])
			t[0] += flt(row.get(qty_field))
			t[1] += flt(row.get(amount_field))
	return {so: (qty, amount) for so, (qty, amount) in totals.items()}


def _orders_of_delivery_notes(delivery_notes: list[str]) -> dict[str, tuple[float, float]]:
	if not delivery_notes:
		return {}
	rows = frappe.get_all(
		"Delivery Note Item",
		filters={"parent": ("in", delivery_notes), "parenttype": "Delivery Note"},
		fields=["against_sales_order", "stock_qty", "amount"],
	)
	return _group(rows, "against_sales_order", "stock_qty", "amount")


def _orders_of_purchase_order_items(po_items: list[str]) -> dict[str, str]:
	if not po_items:
		return {}
	return dict(
		frappe.get_all(
			"Purchase Order Item",
			filters={"name": ("in", po_items), "sales_order": ("is", "set")},
			fields=["name", "sales_order"],
			as_list=True,
		)
	)


def _orders_of_subcontracting_orders(subcontracting_orders: list[str]) -> list[str]:
	purchase_orders = frappe.get_all(
		"Subcontracting Order", filters={"name": ("in", subcontracting_orders)}, pluck="purchase_order"
	)
	if not purchase_orders:
		return []
	return sorted(
		set(
			frappe.get_all(
				"Purchase Order Item",
				filters={"parent": ("in", purchase_orders), "sales_order": ("is", "set")},
				pluck="sales_order",
			)
		)
	)

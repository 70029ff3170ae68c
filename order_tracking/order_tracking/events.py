"""The order's timeline: the Order Event vocabulary, the one writer of Order Events, and the
resolvers that say which events a submitted ERPNext document writes (one per Sales Order it
touches, found from the document in memory or with one or two queries whatever its number of
lines). The doc_events handlers (`order_tracking.overrides.tracked_documents`) and the backfill
use the resolvers; every stage writes its events through `insert_events` (usually by way of
`tracking.record_events`, which refreshes the trackers too).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import frappe
from frappe.integrations.doctype.webhook import run_webhooks
from frappe.query_builder.functions import Sum
from frappe.query_builder.utils import PseudoColumn
from frappe.utils import flt, get_datetime, getdate, now_datetime

from order_tracking.core import stages

ORDER_EVENT = "Order Event"

# What the app's own hooks write as `event` (users may add events of their own words).
EVENTS = (
	"Order Received",
	"Order Submitted",
	"Order Cancelled",
	"Delivery Date Changed",
	"Order Closed",
	"Order Put on Hold",
	"Order Re-opened",
	"Production Planned",
	"Operation Completed",
	"Materials Issued",
	"Materials Consumed",
	"Produced",
	"Materials Sent to Subcontractor",
	"Purchase Ordered",
	"Subcontracted",
	"Subcontracting Order Placed",
	"Subcontracted Goods Received",
	"Shipped",
	"Goods Returned",
	"Shipment Booked",
	"Shipment Delivered",
	"Invoiced",
	"Credit Note Issued",
	"Payment Received",
	"Cancelled",
	"Review Started",
	"Review Submitted for Approval",
	"Review Rejected",
	"Review Approved",
	"Review Cancelled",
	"Operation Late",
	"Operation Rescheduled",
	"Outsourced",
	"Sent to Supplier",
	"Returned from Supplier",
	"Outsourcing Return Late",
	"Customer Return",
	# Delivery: carrier events (core.delivery.TIMELINE_EVENTS) and order exceptions
	"Picked Up by Carrier",
	"In Transit",
	"Out for Delivery",
	"Delivered by Carrier",
	"Delivery Attempt Failed",
	"Carrier Exception",
	"Returned by Carrier",
	"Exception Opened",
	"Exception Resolved",
	# Quality: inspections and holds (core.quality.EVENTS)
	"Inspection Passed",
	"Inspection Failed",
	"Final Inspection Passed",
	"Final Inspection Failed",
	"Quality Hold Released",
	# After Sales: the customer's word after delivery
	"Order Rated",
	"Complaint Raised",
	"Complaint Answered",
	"Complaint Resolved",
)


@dataclass
class EventSpec:
	"""One thing that happened to an order, before it is written as an Order Event."""

	sales_order: str
	stage: str
	event: str
	reference_doctype: str | None = None
	reference_name: str | None = None
	qty: float = 0.0
	amount: float = 0.0
	at: datetime | None = None
	planned_at: datetime | date | None = None
	source: str = "Document"
	is_cancellation: bool = False
	remarks: str | None = None


# --------------------------------------------------------------------------------------------
# the writer


def insert_events(specs: list[EventSpec], orders: dict, bulk: bool = False) -> list[str]:
	"""Append one Order Event per spec, with its order's customer and currency from
	`orders[spec.sales_order]` (a Sales Order's or tracker's values; none when the order is not
	there). Returns the events' names.

	One by one by default, without validation round-trips (the hooks build them from submitted
	documents); Frappe's Webhooks on Order Event still fire for each. `bulk`: all of them in one
	query, named by the doctype's own sequence as frappe's autoincrement naming does, no webhooks
	(the exception scan's timeline events); returns no names."""
	if bulk:
		_bulk_insert_events(specs, orders)
		return []
	return [_insert_event(spec, orders.get(spec.sales_order) or {}) for spec in specs]


def _event_values(spec: EventSpec, order) -> dict:
	return {
		"sales_order": spec.sales_order,
		"customer": order.get("customer"),
		"stage": spec.stage,
		"event": spec.event,
		"is_cancellation": int(spec.is_cancellation),
		"occurred_at": get_datetime(spec.at) if spec.at else now_datetime(),
		"planned_at": get_datetime(spec.planned_at) if spec.planned_at else None,
		"source": spec.source,
		"user": frappe.session.user,
		"reference_doctype": spec.reference_doctype,
		"reference_name": spec.reference_name,
		"qty": spec.qty,
		"amount": spec.amount,
		"currency": order.get("currency"),
		"remarks": spec.remarks,
	}


def _insert_event(spec: EventSpec, order) -> str:
	event = frappe.get_doc({"doctype": ORDER_EVENT, **_event_values(spec, order)})
	event.db_insert()
	# written without the document hooks (speed); Frappe's Webhooks on Order Event still fire
	event.flags.in_insert = True
	run_webhooks(event, "after_insert")
	return event.name


def _bulk_insert_events(specs: list[EventSpec], orders: dict):
	if not specs:
		return
	sequence = frappe.scrub(ORDER_EVENT) + "_id_seq"
	now = now_datetime()
	user = frappe.session.user
	rows = []
	for spec in specs:
		values = _event_values(spec, orders.get(spec.sales_order) or {})
		# the doctype's own sequence, as frappe's autoincrement naming uses it
		rows.append((PseudoColumn(f"nextval(`{sequence}`)"), now, now, user, user, *values.values()))
	columns = ["name", "creation", "modified", "owner", "modified_by", *values]
	frappe.db.bulk_insert(ORDER_EVENT, columns, rows)


# --------------------------------------------------------------------------------------------
# document -> events


def document_events(doc) -> list[EventSpec]:
	"""The events a submitted document writes (the doc_events handlers and the backfill)."""
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
			stages.APPROVED,
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
			stages.PLANNED,
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
			stages.IN_PRODUCTION,
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
		return [EventSpec(sales_order, stages.IN_PRODUCTION, event, qty=qty)]
	if doc.get("subcontracting_order"):
		orders = _orders_of_subcontracting_orders([doc.subcontracting_order])
		return [EventSpec(so, stages.IN_PRODUCTION, event) for so in orders]
	return []


def _purchase_order(doc) -> list[EventSpec]:
	totals = _group(doc.items, "sales_order", "stock_qty", "amount")
	event = "Subcontracted" if doc.get("is_subcontracted") else "Purchase Ordered"
	return [
		EventSpec(so, stages.PLANNED, event, qty=qty, amount=amount, planned_at=doc.schedule_date)
		for so, (qty, amount) in totals.items()
	]


def _subcontracting_order(doc) -> list[EventSpec]:
	orders = _orders_of_subcontracting_orders([doc.name])
	return [
		EventSpec(so, stages.PLANNED, "Subcontracting Order Placed", planned_at=doc.schedule_date)
		for so in orders
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
		EventSpec(so, stages.IN_PRODUCTION, "Subcontracted Goods Received", qty=qty)
		for so, qty in qty_by_order.items()
	]


def _delivery_note(doc) -> list[EventSpec]:
	totals = _group(doc.items, "against_sales_order", "stock_qty", "amount")
	event = "Goods Returned" if doc.is_return else "Shipped"
	return [
		EventSpec(so, stages.SHIPPED, event, qty=qty, amount=amount) for so, (qty, amount) in totals.items()
	]


def _shipment(doc) -> list[EventSpec]:
	orders = orders_of_delivery_notes([r.delivery_note for r in doc.shipment_delivery_note])
	return [
		EventSpec(
			so, stages.SHIPPED, "Shipment Booked", qty=qty, planned_at=doc.pickup_date, remarks=doc.awb_number
		)
		for so, (qty, _amount) in orders.items()
	]


def _sales_invoice(doc) -> list[EventSpec]:
	totals = _group(doc.items, "sales_order", "stock_qty", "net_amount")
	event = "Credit Note Issued" if doc.is_return else "Invoiced"
	return [
		EventSpec(so, stages.BILLED, event, qty=qty, amount=amount) for so, (qty, amount) in totals.items()
	]


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
		EventSpec(so, stages.PAID, "Payment Received", amount=amount)
		for so, amount in amounts.items()
		if amount
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


def orders_of_delivery_notes(delivery_notes: list[str]) -> dict[str, tuple[float, float]]:
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

"""doc_events of the ERPNext documents that move an order.

Each handler finds the Sales Orders a document belongs to (from the document in memory, or with
one or two queries whatever its number of lines), writes one Order Event per order — on submit,
and again on cancel as a cancellation with negated quantities — and refreshes those orders'
trackers. Nothing here depends on the order in which documents arrive: the tracker is derived
again from the documents each time (see `order_tracking.order_tracking.tracking`).
"""

from __future__ import annotations

from frappe.utils import flt, now_datetime

from order_tracking.core import stages
from order_tracking.order_tracking.events import EventSpec, document_events, orders_of_delivery_notes
from order_tracking.order_tracking.settings import tracking_paused
from order_tracking.order_tracking.tracking import record_events, refresh_trackers


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
	orders = orders_of_delivery_notes([r.delivery_note for r in doc.shipment_delivery_note])
	if doc.has_value_changed("freight_cost"):
		from order_tracking.settlement.order_cost import queue_cost_refresh

		queue_cost_refresh(orders)
	if doc.has_value_changed("status") and doc.status == "Completed":
		record_events(
			[
				EventSpec(
					so,
					stages.DELIVERED,
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


def _as_cancellation(spec: EventSpec, doc) -> EventSpec:
	if doc.doctype == "Sales Order":
		spec.stage, spec.event = stages.CANCELLED, "Order Cancelled"
	else:
		spec.event = "Cancelled"
	spec.qty = -flt(spec.qty)
	spec.amount = -flt(spec.amount)
	spec.is_cancellation = True
	spec.at = now_datetime()
	return spec

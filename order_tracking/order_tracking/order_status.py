"""Where an order stands, as its tracker, timeline and stages show it: the read model behind
`order_tracking.api.tracking.get_order_status`, the customer portal's order page and the
tracking link. Callers check that the user may read the order.

`order_status(sales_order)` answers
`{"sales_order", "customer", "stage", "on_hold", "progress": {...}, "promised_date", "eta",
"delay_days", "plan": {...} | null, "operations": [...], "events": [...]}`, plus what the stage
modules add (hooks: `order_status_sections`, each `fn(sales_order) -> dict`; delivery's
`exceptions` and `shipments`).
"""

from __future__ import annotations

import frappe
from frappe import _

from order_tracking.core.intake import CHANNELS
from order_tracking.order_tracking.order_facts import gather_order_facts
from order_tracking.order_tracking.tracking import (
	TRACKER_OPERATION_FIELDS,
	compute_order_states,
	tracker_values,
)

EVENT_LIMIT = 1000
PROGRESS_FIELDS = (
	"ordered_qty",
	"manufacture_qty",
	"produced_qty",
	"produced_pct",
	"shipped_qty",
	"shipped_pct",
	"delivered_qty",
	"delivered_pct",
	"currency",
	"grand_total",
	"billed_amount",
	"billed_pct",
	"paid_amount",
	"paid_pct",
	"outsourced_qty",
	"outsourced_returned_qty",
	"returned_qty",
	"outstanding_amount",
	"payment_status",
	"payment_due",
)
TRACKER_FIELDS = (
	"customer",
	"stage",
	"on_hold",
	"promised_date",
	"eta",
	"delay_days",
	"order_plan",
	"planned_start",
	"planned_end",
	*PROGRESS_FIELDS,
)
# the operations as the tracker stores them
OPERATION_FIELDS = TRACKER_OPERATION_FIELDS


def resolve_order(order: str) -> str | None:
	"""The Sales Order meant by a Sales Order name, an intake name or `channel:external_ref`."""
	order = (order or "").strip()
	if not order:
		return None
	if frappe.db.exists("Sales Order", order):
		return order
	intake = frappe.db.get_value("Order Intake", order, "sales_order")
	if intake:
		return intake
	channel, sep, external_ref = order.partition(":")
	if sep and channel in CHANNELS and external_ref:
		return frappe.db.get_value(
			"Order Intake", {"channel": channel, "external_ref": external_ref}, "sales_order"
		)
	return None


def order_status(sales_order: str) -> dict:
	tracker = frappe.db.get_value("Order Tracker", sales_order, TRACKER_FIELDS, as_dict=True)
	if tracker:
		operations = frappe.get_all(
			"Order Tracker Operation",
			filters={"parent": sales_order, "parenttype": "Order Tracker"},
			fields=list(OPERATION_FIELDS),
			order_by="idx asc",
		)
	else:
		# not tracked yet (tracking paused, backfill pending): derive it now, store nothing
		facts = gather_order_facts([sales_order])
		state = compute_order_states(facts)[sales_order]
		tracker = frappe._dict(tracker_values(facts[sales_order], state))
		operations = facts[sales_order].info.get("operations", [])
	events = frappe.get_all(
		"Order Event",
		filters={"sales_order": sales_order},
		fields=[
			"occurred_at",
			"stage",
			"event",
			"reference_doctype",
			"reference_name",
			"qty",
			"amount",
			"is_cancellation",
		],
		order_by="occurred_at asc, name asc",
		limit=EVENT_LIMIT,
	)
	return {
		"sales_order": sales_order,
		"customer": tracker.customer,
		"stage": tracker.stage,
		"on_hold": bool(tracker.on_hold),
		"progress": {f: tracker.get(f) for f in PROGRESS_FIELDS},
		"promised_date": tracker.promised_date,
		"eta": tracker.eta,
		"delay_days": tracker.delay_days,
		"plan": {
			"order_plan": tracker.order_plan,
			"planned_start": tracker.planned_start,
			"planned_end": tracker.planned_end,
		}
		if tracker.order_plan or tracker.planned_start
		else None,
		"operations": [{f: op.get(f) for f in OPERATION_FIELDS} for op in operations],
		"events": [
			{
				"at": e.occurred_at,
				"stage": e.stage,
				"event": e.event,
				"label": _(e.event, context="Order Event"),
				"reference_doctype": e.reference_doctype,
				"reference_name": e.reference_name,
				"qty": e.qty,
				"amount": e.amount,
				"is_cancellation": bool(e.is_cancellation),
			}
			for e in events
		],
		**stage_sections(sales_order),
	}


def stage_sections(sales_order: str) -> dict:
	"""What the stage modules add to an order's status (hooks: `order_status_sections`)."""
	sections: dict = {}
	for path in frappe.get_hooks("order_status_sections"):
		sections.update(frappe.get_attr(path)(sales_order))
	return sections

"""Where an order stands, as its tracker, timeline and stages show it: the read model behind
`order_tracking.api.tracking.get_order_status`, the customer portal's order page and the
tracking link. Callers check that the user may read the order.

`order_status(sales_order)` answers
`{"sales_order", "customer", "stage", "on_hold", "progress": {...}, "promised_date", "eta",
"delay_days", "plan": {...} | null, "operations": [...], "events": [...]}`, plus what the stage
modules add (hooks: `order_status_sections`, each `fn(sales_order) -> dict`; delivery's
`shipments`), and the order's open `exceptions`.

Three queries for a tracked order: its Sales Order header joined with the tracker and the
tracker's operations (`read_order`: also what the permission check reads), the timeline with
the open exceptions (one UNION), and each stage section's own (delivery: its shipments).
"""

from __future__ import annotations

import frappe
from frappe import _

from order_tracking.core.delivery import OPEN_KEY
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


class OrderRead(frappe._dict):
	"""One order as `read_order` found it: `sales_order`, `header` (the Sales Order's name, owner,
	docstatus and link fields: what its permission check reads), `tracker` (None when the order
	is not tracked yet) and the tracker's `operations`."""


def resolve_order(order: str) -> str | None:
	"""The Sales Order meant by a Sales Order name, an intake name or `channel:external_ref`."""
	read = read_order(order)
	return read.sales_order if read else None


def read_order(order: str) -> OrderRead | None:
	"""The order meant by `order` (a Sales Order name, an intake name or `channel:external_ref`)
	with its tracker and operations: one query when `order` is a Sales Order name."""
	order = (order or "").strip()
	if not order:
		return None
	read = _read_sales_order(order)
	if read:
		return read
	sales_order = frappe.db.get_value("Order Intake", order, "sales_order")
	channel, sep, external_ref = order.partition(":")
	if not sales_order and sep and channel in CHANNELS and external_ref:
		sales_order = frappe.db.get_value(
			"Order Intake", {"channel": channel, "external_ref": external_ref}, "sales_order"
		)
	return _read_sales_order(sales_order) if sales_order else None


def header_fields() -> list[str]:
	"""The Sales Order fields its permission check reads: name, owner and every link field."""
	meta = frappe.get_meta("Sales Order")
	return ["name", "owner", "docstatus", *(f.fieldname for f in meta.get_link_fields())]


def _read_sales_order(sales_order: str) -> OrderRead | None:
	"""The Sales Order's header joined with its tracker and the tracker's operations (one row per
	operation): a primary-key or parent-index lookup on each table."""
	so = frappe.qb.DocType("Sales Order")
	tr = frappe.qb.DocType("Order Tracker")
	op = frappe.qb.DocType("Order Tracker Operation")
	headers = header_fields()
	rows = (
		frappe.qb.from_(so)
		.left_join(tr)
		.on(tr.name == so.name)
		.left_join(op)
		.on((op.parent == tr.name) & (op.parenttype == "Order Tracker"))
		.select(
			*(so[f].as_(f"h_{f}") for f in headers),
			tr.name.as_("t_name"),
			*(tr[f].as_(f"t_{f}") for f in TRACKER_FIELDS),
			op.name.as_("o_name"),
			*(op[f].as_(f"o_{f}") for f in OPERATION_FIELDS),
		)
		.where(so.name == sales_order)
		.orderby(op.idx)
		.run(as_dict=True)
	)
	if not rows:
		return None
	first = rows[0]
	return OrderRead(
		sales_order=first.h_name,
		header=frappe._dict({f: first[f"h_{f}"] for f in headers}),
		tracker=frappe._dict({f: first[f"t_{f}"] for f in TRACKER_FIELDS}) if first.t_name else None,
		operations=[frappe._dict({f: r[f"o_{f}"] for f in OPERATION_FIELDS}) for r in rows if r.o_name],
	)


# The order's timeline (its first EVENT_LIMIT events) and its open exceptions (at most 100) in
# one query: each part an index lookup on `sales_order`.
TIMELINE_QUERY = """
(select 0 as part, occurred_at as at, name as seq, stage, event, reference_doctype,
	reference_name, qty, amount, is_cancellation, null as exception, null as detail,
	null as owner_role
from `tabOrder Event` where sales_order = %(so)s
order by occurred_at asc, name asc limit 1000)
union all
(select 1, opened_at, 0, kind, status, reference_doctype, reference_name, null, null, null,
	name, detail, owner_role
from `tabOrder Exception` where sales_order = %(so)s and open_key = %(open)s
order by opened_at asc limit 100)
order by part, at, seq
"""


def timeline(sales_order: str) -> tuple[list[dict], list[dict]]:
	"""The order's events and its open exceptions, as `order_status` answers them."""
	# one UNION ALL of events and open exceptions (the status read's 3-query budget); parameters bound
	rows = frappe.db.sql(TIMELINE_QUERY, {"so": sales_order, "open": OPEN_KEY}, as_dict=True)  # nosemgrep
	events = [
		{
			"at": e.at,
			"stage": e.stage,
			"event": e.event,
			"label": _(e.event, context="Order Event"),
			"reference_doctype": e.reference_doctype,
			"reference_name": e.reference_name,
			"qty": e.qty,
			"amount": e.amount,
			"is_cancellation": bool(e.is_cancellation),
		}
		for e in rows
		if e.part == 0
	]
	# desk users see each exception's detail and owner; portal customers its kind and since when
	internal = frappe.session.user != "Guest" and (
		frappe.get_cached_value("User", frappe.session.user, "user_type") == "System User"
	)
	exceptions = [
		{
			"kind": e.stage,
			"label": _(e.stage, context="Order Exception"),
			"status": e.event,
			"opened_at": e.at,
			**(
				{
					"name": e.exception,
					"detail": e.detail,
					"owner_role": e.owner_role,
					"reference_doctype": e.reference_doctype,
					"reference_name": e.reference_name,
				}
				if internal
				else {}
			),
		}
		for e in rows
		if e.part == 1
	]
	return events, exceptions


def order_status(sales_order: str, read: OrderRead | None = None) -> dict:
	"""Where the order stands; `read` is its `read_order` when the caller has it already."""
	read = read or _read_sales_order(sales_order)
	tracker = read.tracker if read else None
	operations = read.operations if read else []
	if not tracker:
		# not tracked yet (tracking paused, backfill pending): derive it now, store nothing
		facts = gather_order_facts([sales_order])
		state = compute_order_states(facts)[sales_order]
		tracker = frappe._dict(tracker_values(facts[sales_order], state))
		operations = facts[sales_order].info.get("operations", [])
	events, exceptions = timeline(sales_order)
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
		"events": events,
		"exceptions": exceptions,
		**stage_sections(sales_order),
	}


def stage_sections(sales_order: str) -> dict:
	"""What the stage modules add to an order's status (hooks: `order_status_sections`)."""
	sections: dict = {}
	for path in frappe.get_hooks("order_status_sections"):
		sections.update(frappe.get_attr(path)(sales_order))
	return sections

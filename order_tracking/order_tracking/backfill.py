"""Build trackers and timelines for orders that existed before the app (or while tracking was
paused): in batches, in a background job, with progress on Order Tracking Settings and in the
desk's progress bar. Safe to run again: an event already on the timeline is not written twice."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt, now_datetime

from order_tracking.order_tracking.events import EventSpec, document_events, insert_events
from order_tracking.order_tracking.settings import SETTINGS
from order_tracking.order_tracking.tracking import lock_trackers_afresh, refresh_trackers

JOB_ID = "order_tracking_backfill"
BATCH_SIZE = 200

# Where each tracked document keeps its Sales Order: (doctype, child table, link field).
# Documents reached only through another document (Job Card, Stock Entry, Shipment ...) are
# found through the document they hang on.
DIRECT_LINKS = (
	("Work Order", None, "sales_order"),
	("Purchase Order", "Purchase Order Item", "sales_order"),
	("Delivery Note", "Delivery Note Item", "against_sales_order"),
	("Sales Invoice", "Sales Invoice Item", "sales_order"),
)


@frappe.whitelist(methods=["POST"])
def enqueue_backfill() -> dict:
	"""Start (or join) the background rebuild of every order's tracker and timeline."""
	frappe.has_permission("Order Tracking Settings", "write", throw=True)
	_enqueue()
	_set_progress(_("Queued"), 0, 0)
	return {"job_id": JOB_ID}


def run_backfill(
	batch_size: int = BATCH_SIZE, with_events: bool = True, progress=None, commit: bool = True
) -> int:
	"""Rebuild every Sales Order's tracker (and timeline), committing per batch (unless `commit`
	is off, when the caller owns the transaction)."""
	total = frappe.db.count("Sales Order")
	done = 0
	last = ""
	_set_progress(_("Running"), 0, total)
	while True:
		names = frappe.get_all(
			"Sales Order", filters={"name": (">", last)}, order_by="name asc", limit=batch_size, pluck="name"
		)
		if not names:
			break
		if commit:
			lock_trackers_afresh(names)
		if with_events:
			backfill_events(names)
		refresh_trackers(names)
		done += len(names)
		last = names[-1]
		_set_progress(_("Running"), done, total)
		if progress:
			progress(done, total)
		if commit:
			# Long background job, one commit per batch
			frappe.db.commit()  # nosemgrep
	_set_progress(_("Completed"), done, total, finished=True)
	if commit:
		# Long background job, final commit
		frappe.db.commit()  # nosemgrep
	return done


def backfill_events(sales_orders: list[str]) -> int:
	"""Write the events that submitted documents of these orders would have written."""
	existing = {
		(r.sales_order, r.reference_doctype, r.reference_name, r.event)
		for r in frappe.get_all(
			"Order Event",
			filters={"sales_order": ("in", sales_orders)},
			fields=["sales_order", "reference_doctype", "reference_name", "event"],
		)
	}
	headers = {
		r.name: r
		for r in frappe.get_all(
			"Sales Order",
			filters={"name": ("in", sales_orders)},
			fields=[
				"name",
				"customer",
				"currency",
				"docstatus",
				"creation",
				"order_intake",
				"total_qty",
				"grand_total",
				"delivery_date",
			],
		)
	}
	specs: list[EventSpec] = []
	for so in headers.values():
		specs.append(
			EventSpec(
				so.name,
				"Received",
				"Order Received",
				"Order Intake" if so.order_intake else "Sales Order",
				so.order_intake or so.name,
				qty=flt(so.total_qty),
				amount=flt(so.grand_total),
				at=so.creation,
				planned_at=so.delivery_date,
				source="Backfill",
			)
		)
	for doctype, name in _submitted_documents(sales_orders):
		doc = frappe.get_doc(doctype, name)
		for spec in document_events(doc):
			spec.source = "Backfill"
			specs.append(spec)

	written = 0
	for spec in specs:
		key = (spec.sales_order, spec.reference_doctype, spec.reference_name, spec.event)
		so = headers.get(spec.sales_order)
		if key in existing or not so:
			continue
		existing.add(key)
		insert_events([spec], {so.name: so})
		written += 1
	return written


def _submitted_documents(sales_orders: list[str]) -> list[tuple[str, str]]:
	"""(doctype, name) of every submitted document that moves these orders, oldest first per type."""
	docs, work_orders, delivery_notes, purchase_orders = _linked_directly(sales_orders)
	if work_orders:
		docs += _of_work_orders(work_orders)
	if purchase_orders:
		docs += _of_purchase_orders(purchase_orders)
	if delivery_notes:
		docs += _shipments_of(delivery_notes)
	invoices = [n for d, n in docs if d == "Sales Invoice"]
	docs += _payments_of(sales_orders, invoices)
	return list(dict.fromkeys(docs))


def _linked_directly(
	sales_orders: list[str],
) -> tuple[list[tuple[str, str]], list[str], list[str], list[str]]:
	"""The orders themselves and the documents naming them (DIRECT_LINKS); with the work orders,
	delivery notes and purchase orders among them."""
	docs: list[tuple[str, str]] = [
		("Sales Order", n)
		for n in frappe.get_all(
			"Sales Order", filters={"name": ("in", sales_orders), "docstatus": 1}, pluck="name"
		)
	]
	work_orders: list[str] = []
	delivery_notes: list[str] = []
	purchase_orders: list[str] = []
	for doctype, child, link in DIRECT_LINKS:
		if child:
			names = frappe.get_all(
				child,
				filters={link: ("in", sales_orders), "parenttype": doctype, "docstatus": 1},
				pluck="parent",
				distinct=True,
			)
		else:
			names = frappe.get_all(
				doctype, filters={link: ("in", sales_orders), "docstatus": 1}, pluck="name"
			)
		names = sorted(set(names))
		docs += [(doctype, n) for n in names]
		if doctype == "Work Order":
			work_orders = names
		elif doctype == "Delivery Note":
			delivery_notes = names
		elif doctype == "Purchase Order":
			purchase_orders = names
	return docs, work_orders, delivery_notes, purchase_orders


def _of_work_orders(work_orders: list[str]) -> list[tuple[str, str]]:
	docs: list[tuple[str, str]] = []
	for doctype in ("Job Card", "Stock Entry"):
		docs += [
			(doctype, n)
			for n in frappe.get_all(
				doctype,
				filters={"work_order": ("in", work_orders), "docstatus": 1},
				order_by="creation asc",
				pluck="name",
			)
		]
	return docs


def _of_purchase_orders(purchase_orders: list[str]) -> list[tuple[str, str]]:
	"""Subcontracting orders of these purchase orders, their receipts and stock entries."""
	scos = frappe.get_all(
		"Subcontracting Order",
		filters={"purchase_order": ("in", purchase_orders), "docstatus": 1},
		pluck="name",
	)
	docs = [("Subcontracting Order", n) for n in scos]
	if scos:
		docs += [
			("Subcontracting Receipt", n)
			for n in frappe.get_all(
				"Subcontracting Receipt Item",
				filters={"subcontracting_order": ("in", scos), "docstatus": 1},
				pluck="parent",
				distinct=True,
			)
		]
		docs += [
			("Stock Entry", n)
			for n in frappe.get_all(
				"Stock Entry",
				filters={"subcontracting_order": ("in", scos), "docstatus": 1},
				pluck="name",
			)
		]
	return docs


def _shipments_of(delivery_notes: list[str]) -> list[tuple[str, str]]:
	return [
		("Shipment", n)
		for n in frappe.get_all(
			"Shipment Delivery Note",
			filters={"delivery_note": ("in", delivery_notes), "parenttype": "Shipment", "docstatus": 1},
			pluck="parent",
			distinct=True,
		)
	]


def _payments_of(sales_orders: list[str], invoices: list[str]) -> list[tuple[str, str]]:
	payment_refs = frappe.get_all(
		"Payment Entry Reference",
		filters={
			"parenttype": "Payment Entry",
			"docstatus": 1,
			"reference_doctype": ("in", ("Sales Order", "Sales Invoice")),
			"reference_name": ("in", sales_orders + invoices),
		},
		pluck="parent",
		distinct=True,
	)
	return [("Payment Entry", n) for n in sorted(set(payment_refs))]


def _set_progress(status: str, done: int, total: int, finished: bool = False):
	percent = round(100 * done / total, 1) if total else (100.0 if finished else 0.0)
	values = {
		"backfill_status": status,
		"backfill_processed": done,
		"backfill_total": total,
		"backfill_progress": percent,
	}
	if finished:
		values["backfill_finished_at"] = now_datetime()
	frappe.db.set_single_value(SETTINGS, values)
	frappe.publish_progress(percent, title=_("Rebuilding order trackers"), description=f"{done} / {total}")


def after_install_backfill():
	"""On install into a site that already has orders, build their trackers in the background."""
	if frappe.db.count("Sales Order"):
		_enqueue()


def resume_interrupted_backfill():
	"""Scheduled (every few minutes): a backfill that was queued or running but whose job is gone —
	its worker killed, Redis restarted empty — starts again (it is safe to run again: no event is
	written twice). A job whose worker died stays "started" until its heartbeat expires; RQ's
	clean-up moves it to the failed jobs first."""
	from rq.registry import StartedJobRegistry

	from frappe.utils.background_jobs import get_queue, is_job_enqueued

	status = frappe.db.get_single_value(SETTINGS, "backfill_status")
	if status not in {"Queued", "Running", _("Queued"), _("Running")}:
		return False
	queue = get_queue("long")
	StartedJobRegistry(queue.name, connection=queue.connection).cleanup()
	if is_job_enqueued(JOB_ID):
		return False
	_enqueue()
	return True


def _enqueue():
	frappe.enqueue(
		"order_tracking.order_tracking.backfill.run_backfill",
		queue="long",
		timeout=4 * 3600,
		job_id=JOB_ID,
		deduplicate=True,
		enqueue_after_commit=True,
	)

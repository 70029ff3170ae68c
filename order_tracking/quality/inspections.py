"""Quality Inspections on the order (issue 23): what an inspection is about, its Order Event, and
the order's quality roll-up on its tracker.

- `validate` (doc_events): sets the inspection's order, work order, operation, supplier and whether
  it is the order's final inspection (custom fields `ot_*`, order_tracking.custom_fields), from its
  reference document — a Job Card, Stock Entry, Delivery Note, Purchase Receipt, Subcontracting
  Receipt or Sales Invoice — with one or two queries.
- `on_submit` / `on_cancel`: the order's quality roll-up (`refresh_quality`), one Order Event
  ("Inspection Passed", "Final Inspection Failed" …; a cancellation negates it), the tracker
  refreshed, and the *Quality Hold* exception opened or resolved (order_tracking.quality.hold).
- `refresh_quality(orders)`: inspected, accepted, rejected, rework and process-loss qty and
  first-pass yield per order and per operation (core.quality), stored on the trackers; three
  queries whatever the number of orders, inspections or job cards. The trackers' ordinary refresh
  reads no inspection: the per-operation figures travel in the tracker's `quality_operations`,
  which that refresh reads with the fields it reads already.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import flt, get_datetime, now_datetime

from order_tracking.core import quality, stages
from order_tracking.custom_fields import (
	QI_FINAL,
	QI_FIRST,
	QI_OPERATION,
	QI_SALES_ORDER,
	QI_SUPPLIER,
	QI_WORK_ORDER,
)
from order_tracking.order_tracking.events import EventSpec, order_of_work_order
from order_tracking.order_tracking.settings import tracking_paused
from order_tracking.order_tracking.tracking import record_events, refresh_trackers

QUALITY_INSPECTION = "Quality Inspection"


# --------------------------------------------------------------------------------------------
# doc_events


def validate(doc, method=None):
	"""What the inspection is about, from its reference document."""
	subject = inspection_subject(doc.reference_type, doc.reference_name, doc.item_code, doc.inspection_type)
	doc.set(QI_SALES_ORDER, subject.get("sales_order"))
	doc.set(QI_WORK_ORDER, subject.get("work_order"))
	doc.set(QI_OPERATION, subject.get("operation"))
	doc.set(QI_SUPPLIER, subject.get("supplier"))
	doc.set(QI_FINAL, int(bool(subject.get("final"))))
	doc.set(QI_FIRST, int(not _inspected_before(doc)))


def _inspected_before(doc) -> bool:
	"""Whether the same lot (reference, item) has a submitted inspection already."""
	return bool(
		frappe.db.exists(
			QUALITY_INSPECTION,
			{
				"reference_type": doc.reference_type,
				"reference_name": doc.reference_name,
				"item_code": doc.item_code,
				"docstatus": 1,
				"name": ("!=", doc.name or ""),
			},
		)
	)


def on_submit(doc, method=None):
	_inspection_changed(doc, cancelled=False)


def on_cancel(doc, method=None):
	_inspection_changed(doc, cancelled=True)


def _inspection_changed(doc, cancelled: bool):
	sales_order = doc.get(QI_SALES_ORDER)
	if not sales_order or tracking_paused():
		return
	from order_tracking.quality.hold import sync_quality_holds

	final = bool(doc.get(QI_FINAL))
	rejected = doc.status == quality.REJECTED
	spec = EventSpec(
		sales_order,
		stages.READY_TO_SHIP if doc.reference_type == "Delivery Note" else stages.IN_PRODUCTION,
		"Cancelled" if cancelled else quality.timeline_event(final, rejected),
		"Quality Inspection",
		doc.name,
		qty=-flt(doc.sample_size) if cancelled else flt(doc.sample_size),
		at=now_datetime(),
		is_cancellation=cancelled,
		remarks=" · ".join(x for x in (doc.item_code, doc.get(QI_OPERATION), doc.status) if x),
	)
	had_tracker = refresh_quality([sales_order])
	record_events([spec])
	if not had_tracker:  # the tracker was made just now: its quality, then its operations again
		refresh_quality([sales_order])
		refresh_trackers([sales_order])
	sync_quality_holds([sales_order])


# --------------------------------------------------------------------------------------------
# what an inspection is about


def inspection_subject(
	reference_type: str, reference_name: str, item_code: str, inspection_type: str
) -> dict:
	"""{sales_order, work_order, operation, supplier, final} of an inspection's reference."""
	if not (reference_type and reference_name):
		return {}
	resolver = SUBJECTS.get(reference_type)
	return resolver(reference_name, item_code, inspection_type) if resolver else {}


def _job_card(name: str, item_code: str, inspection_type: str) -> dict:
	card = frappe.db.get_value("Job Card", name, ["work_order", "operation"], as_dict=True)
	if not card or not card.work_order:
		return {}
	wop = frappe.qb.DocType("Work Order Operation")
	last = (
		frappe.qb.from_(wop)
		.select(wop.operation)
		.where((wop.parent == card.work_order) & (wop.parenttype == "Work Order"))
		.orderby(wop.idx, order=frappe.qb.desc)
		.limit(1)
		.run(pluck=True)
	)
	return {
		"sales_order": order_of_work_order(card.work_order),
		"work_order": card.work_order,
		"operation": card.operation,
		"final": quality.is_final_inspection(
			"Job Card", inspection_type, bool(last) and last[0] == card.operation
		),
	}


def _outsourcing_return(outsourcing_order: str, item_code: str) -> dict:
	"""An inspection of what came back on an Outsourcing Order's return: its supplier, and the
	order, work order and operation of the order's line of that item."""
	order = frappe.qb.DocType("Outsourcing Order")
	line = frappe.qb.DocType("Outsourcing Order Item")
	rows = (
		frappe.qb.from_(order)
		.join(line)
		.on(line.parent == order.name)
		.select(
			order.supplier,
			order.sales_order,
			line.sales_order.as_("line_order"),
			line.work_order,
			line.operation,
		)
		.where((order.name == outsourcing_order) & (line.item_code == item_code))
		.orderby(line.idx)
		.limit(1)
		.run(as_dict=True)
	)
	if not rows:
		return {"supplier": frappe.db.get_value("Outsourcing Order", outsourcing_order, "supplier")}
	r = rows[0]
	sales_order = r.line_order or r.sales_order
	if not sales_order and r.work_order:
		sales_order = order_of_work_order(r.work_order)
	return {
		"sales_order": sales_order,
		"work_order": r.work_order,
		"operation": r.operation,
		"supplier": r.supplier,
	}


def _stock_entry(name: str, item_code: str, inspection_type: str) -> dict:
	entry = frappe.db.get_value(
		"Stock Entry", name, ["work_order", "purpose", "supplier", "outsourcing_order"], as_dict=True
	)
	if entry and entry.outsourcing_order:
		return _outsourcing_return(entry.outsourcing_order, item_code)
	if not entry or not entry.work_order:
		return {}
	return {
		"sales_order": order_of_work_order(entry.work_order),
		"work_order": entry.work_order,
		"supplier": entry.supplier,
		# the finishing entry: what the work order produced
		"final": entry.purpose == "Manufacture"
		and quality.is_final_inspection("Stock Entry", inspection_type),
	}


def _line_order(doctype: str, name: str, item_code: str, order_field: str) -> str | None:
	orders = frappe.get_all(
		doctype,
		filters={"parent": name, "item_code": item_code, order_field: ("is", "set")},
		pluck=order_field,
		order_by="idx asc",
		limit=1,
	)
	return orders[0] if orders else None


def _delivery_note(name: str, item_code: str, inspection_type: str) -> dict:
	return {
		"sales_order": _line_order("Delivery Note Item", name, item_code, "against_sales_order"),
		"final": quality.is_final_inspection("Delivery Note", inspection_type),
	}


def _sales_invoice(name: str, item_code: str, inspection_type: str) -> dict:
	return {"sales_order": _line_order("Sales Invoice Item", name, item_code, "sales_order")}


def _purchase_receipt(name: str, item_code: str, inspection_type: str) -> dict:
	return {
		"sales_order": _line_order("Purchase Receipt Item", name, item_code, "sales_order"),
		"supplier": frappe.db.get_value("Purchase Receipt", name, "supplier"),
	}


def _subcontracting_receipt(name: str, item_code: str, inspection_type: str) -> dict:
	"""An outsourcing return: the order of the purchase order line the subcontracted item is for."""
	scr = frappe.qb.DocType("Subcontracting Receipt")
	scri = frappe.qb.DocType("Subcontracting Receipt Item")
	scoi = frappe.qb.DocType("Subcontracting Order Item")
	poi = frappe.qb.DocType("Purchase Order Item")
	rows = (
		frappe.qb.from_(scri)
		.join(scr)
		.on(scr.name == scri.parent)
		.left_join(scoi)
		.on(scoi.name == scri.subcontracting_order_item)
		.left_join(poi)
		.on(poi.name == scoi.purchase_order_item)
		.select(poi.sales_order, scr.supplier)
		.where((scri.parent == name) & (scri.item_code == item_code))
		.orderby(scri.idx)
		.limit(1)
		.run(as_dict=True)
	)
	return {"sales_order": rows[0].sales_order, "supplier": rows[0].supplier} if rows else {}


SUBJECTS = {
	"Job Card": _job_card,
	"Stock Entry": _stock_entry,
	"Delivery Note": _delivery_note,
	"Sales Invoice": _sales_invoice,
	"Purchase Receipt": _purchase_receipt,
	"Subcontracting Receipt": _subcontracting_receipt,
}


# --------------------------------------------------------------------------------------------
# the roll-up


def order_inspections(sales_orders: Iterable[str]) -> dict[str, list[quality.Inspection]]:
	"""The submitted inspections of each order (one query)."""
	names = sorted(set(sales_orders))
	qi = frappe.qb.DocType(QUALITY_INSPECTION)
	rows = (
		frappe.qb.from_(qi)
		.select(
			qi.name,
			qi.reference_type,
			qi.reference_name,
			qi.item_code,
			qi.status,
			qi.sample_size,
			qi.inspection_type,
			qi.modified,
			qi[QI_SALES_ORDER].as_("sales_order"),
			qi[QI_WORK_ORDER].as_("work_order"),
			qi[QI_OPERATION].as_("operation"),
			qi[QI_FINAL].as_("final"),
			qi[QI_SUPPLIER].as_("supplier"),
		)
		.where(qi[QI_SALES_ORDER].isin(names or [""]) & (qi.docstatus == 1))
		.run(as_dict=True)
	)
	result: dict[str, list[quality.Inspection]] = defaultdict(list)
	for r in rows:
		result[r.sales_order].append(as_inspection(r))
	return result


def as_inspection(r) -> quality.Inspection:
	return quality.Inspection(
		name=r.name,
		reference_type=r.reference_type or "",
		reference_name=r.reference_name or "",
		item_code=r.item_code or "",
		status=r.status or "",
		qty=flt(r.sample_size),
		at=get_datetime(r.modified),
		inspection_type=r.inspection_type or "",
		work_order=r.work_order,
		operation=r.operation,
		is_final=bool(r.final),
		supplier=r.supplier,
	)


def process_losses(sales_orders: list[str]) -> dict[str, dict[tuple[str, str], float]]:
	"""Per order, the process loss of its submitted job cards per (work order, operation)."""
	jc = frappe.qb.DocType("Job Card")
	wo = frappe.qb.DocType("Work Order")
	rows = (
		frappe.qb.from_(jc)
		.join(wo)
		.on(wo.name == jc.work_order)
		.select(
			wo.sales_order,
			wo.made_for_sales_order,
			jc.work_order,
			jc.operation,
			Sum(jc.process_loss_qty).as_("loss"),
		)
		.where(wo.sales_order.isin(sales_orders) | wo.made_for_sales_order.isin(sales_orders))
		.where((jc.docstatus == 1) & (jc.process_loss_qty > 0))
		.groupby(wo.sales_order, wo.made_for_sales_order, jc.work_order, jc.operation)
		.run(as_dict=True)
	)
	result: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
	for r in rows:
		order = r.made_for_sales_order or r.sales_order
		result[order][(r.work_order, r.operation)] = flt(r.loss)
	return result


def refresh_quality(sales_orders: Iterable[str]) -> bool:
	"""Store each order's quality roll-up on its tracker; False when a tracker is missing."""
	names = sorted({n for n in sales_orders if n})
	if not names:
		return True
	trackers = {
		t.name: t
		for t in frappe.get_all(
			"Order Tracker", filters={"name": ("in", names)}, fields=["name", "quality_released_at"]
		)
	}
	inspections = order_inspections(names)
	losses = process_losses(names)
	for name in trackers:
		frappe.db.set_value(
			"Order Tracker",
			name,
			quality_values(
				inspections.get(name, []), losses.get(name, {}), trackers[name].quality_released_at
			),
			update_modified=False,
		)
	return len(trackers) == len(names)


def quality_values(inspections: list[quality.Inspection], losses: dict, released_at=None) -> dict:
	"""The tracker's quality fields from an order's inspections and process loss."""
	totals = quality.roll_up(inspections, sum(losses.values()))
	by_operation = quality.roll_up_by_operation(inspections, losses)
	hold = quality.quality_hold(inspections, get_datetime(released_at) if released_at else None)
	return {
		"inspected_qty": totals.inspected_qty,
		"accepted_qty": totals.accepted_qty,
		"rejected_qty": totals.rejected_qty,
		"rework_qty": totals.rework_qty,
		"process_loss_qty": totals.process_loss_qty,
		"first_pass_yield": totals.first_pass_yield or 0,
		"quality_hold": int(hold.on_hold),
		"quality_hold_inspection": hold.inspection,
		"quality_hold_reason": hold_reason(hold) if hold.on_hold else None,
		"quality_operations": quality.encode_operation_quality(by_operation),
	}


def hold_reason(hold: quality.HoldState) -> str:
	return _("Final inspection {0} of item {1} was rejected").format(hold.inspection, hold.reason)


def add_indexes():
	"""The Order Quality report reads inspections by date (install.add_indexes)."""
	frappe.db.add_index(QUALITY_INSPECTION, ["report_date"])
	# the report's defects: the rejected readings first, then their inspections by name
	frappe.db.add_index("Quality Inspection Reading", ["status", "parent"])

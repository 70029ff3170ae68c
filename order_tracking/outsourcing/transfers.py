"""Stock moved for outsourcing: what an order sends to the supplier's warehouse, and the plain
transfers receipts make (work in progress back, rejected goods out for rework and back)."""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe import _
from frappe.utils import flt, getdate, now_datetime

from order_tracking.core import outsourcing, stages
from order_tracking.order_tracking.tracking import EventSpec, record_events
from order_tracking.outsourcing.order_state import (
	ITEM_TABLE,
	MATERIAL_TABLE,
	ORDER,
	OutsourcingError,
	qty_by_order,
	refresh_order,
)
from order_tracking.outsourcing.orders import outsourcing_workstation
from order_tracking.outsourcing.purchase_documents import material_sources


def send(doc) -> str:
	"""Send what goes out to the supplier's warehouse; the order is then Sent."""
	if doc.docstatus != 1 or flt(doc.sent_qty) > outsourcing.EPS:
		frappe.throw(_("{0} is not waiting to be sent").format(doc.name), exc=OutsourcingError)
	if doc.outsourcing_type == outsourcing.OPERATION:
		se = frappe.new_doc("Stock Entry")
		se.update(
			{
				"stock_entry_type": "Material Transfer",
				"purpose": "Material Transfer",
				"company": doc.company,
				"outsourcing_order": doc.name,
			}
		)
		for m in doc.materials:
			se.append("items", transfer_row(m.item_code, m.qty, m.source_warehouse, doc.supplier_warehouse))
		if not se.items:
			frappe.throw(
				_("{0} has nothing to send: its work orders have no materials").format(doc.name),
				exc=OutsourcingError,
			)
		se.submit()
		cards = [d.job_card for d in doc.items if d.job_card]
		if cards:
			frappe.db.set_value(
				"Job Card",
				{"name": ("in", cards)},
				"workstation",
				outsourcing_workstation(),
				update_modified=False,
			)
	else:
		from erpnext.controllers.subcontracting_controller import make_rm_stock_entry

		se = make_rm_stock_entry(doc.subcontracting_order, rm_items=_supplied_items(doc))
		se = frappe.get_doc(se) if isinstance(se, dict) else se
		se.outsourcing_order = doc.name
		se.submit()
	mark_all_sent(doc, now_datetime())
	doc.db_set("send_stock_entry", se.name, update_modified=False)
	refresh_order(doc)
	record_events(
		[
			EventSpec(
				so,
				stages.IN_PRODUCTION,
				"Sent to Supplier",
				ORDER,
				doc.name,
				qty=qty,
				planned_at=doc.due_date,
				remarks=doc.supplier_name,
			)
			for so, qty in qty_by_order(doc.items, "qty").items()
		]
	)
	return se.name


def mark_all_sent(doc, now: datetime) -> None:
	"""Every line and material of the order sent in full: two queries whatever their number."""
	for table in (ITEM_TABLE, MATERIAL_TABLE):
		t = frappe.qb.DocType(table)
		query = frappe.qb.update(t).set(t.sent_qty, t.qty)
		if table == ITEM_TABLE:
			query = query.set(t.sent_at, now)
		query.where((t.parent == doc.name) & (t.parenttype == ORDER)).run()
	for d in doc.items:
		d.sent_qty, d.sent_at = d.qty, now
	for m in doc.materials:
		m.sent_qty = m.qty


def _supplied_items(doc) -> list[frappe._dict]:
	"""The subcontracting order's supplied items, each from the warehouse the order's materials
	table names (ERPNext would take them from the finished good's warehouse of the line)."""
	source = material_sources(doc)
	sco = frappe.get_doc("Subcontracting Order", doc.subcontracting_order)
	return [
		frappe._dict(
			s.as_dict(), warehouse=source.get((s.reference_name, s.rm_item_code)) or s.reserve_warehouse
		)
		for s in sco.supplied_items
	]


def transfer(moves, order, at: datetime) -> str:
	se = frappe.new_doc("Stock Entry")
	se.update(
		{
			"stock_entry_type": "Material Transfer",
			"purpose": "Material Transfer",
			"company": order.company,
			"outsourcing_order": order.name,
		}
	)
	for item_code, qty, source, target in moves:
		se.append("items", transfer_row(item_code, qty, source, target))
	post_at(se, at)
	se.submit()
	return se.name


def transfer_row(item_code: str, qty: float, source: str | None, target: str | None) -> dict:
	uom = frappe.get_cached_value("Item", item_code, "stock_uom")
	return {
		"item_code": item_code,
		"qty": qty,
		"transfer_qty": qty,
		"uom": uom,
		"stock_uom": uom,
		"conversion_factor": 1,
		"s_warehouse": source,
		"t_warehouse": target,
	}


def post_at(doc, at: datetime):
	if getdate(at) != getdate() or abs((now_datetime() - at).total_seconds()) > 60:
		doc.set_posting_time = 1
		doc.posting_date = getdate(at)
		doc.posting_time = at.strftime("%H:%M:%S")

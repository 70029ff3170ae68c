"""What an Outsourcing Receipt makes in ERPNext, and undoes when cancelled.

An **Outsourcing Receipt** records what came back (accepted, rejected, back for rework). Goods come
back on a Subcontracting Receipt (first returns) or as transfers (reworked goods); an operation's
work in progress comes back as a transfer and what was accepted is logged on its job card.
Cancelling a receipt cancels what it made.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.utils import flt, get_datetime

from order_tracking.core import outsourcing
from order_tracking.order_tracking.settings import get_settings
from order_tracking.outsourcing.order_state import (
	ITEM_TABLE,
	ORDER,
	OWN_LINKS,
	RECEIPT,
	OutsourcingError,
	line_of,
	set_line_values,
)
from order_tracking.outsourcing.orders import outsourcing_workstation
from order_tracking.outsourcing.transfers import post_at, transfer

RECEIPT_ITEM = "Outsourcing Receipt Item"


def receipt_of(d, is_rework: bool) -> outsourcing.Receipt:
	return outsourcing.Receipt(flt(d.accepted_qty), flt(d.rejected_qty), flt(d.rework_qty), bool(is_rework))


def make_receipt(order: str):
	"""A draft receipt of everything out with the supplier (the kind asked: first returns, or
	returns of reworked goods when nothing else is out)."""
	doc = frappe.get_doc(ORDER, order)
	receipt = frappe.new_doc(RECEIPT)
	receipt.outsourcing_order = order
	lines = [(d, line_of(d)) for d in doc.items]
	rework = not any(s.being_made > outsourcing.EPS for _d, s in lines) and any(
		s.rework_out > outsourcing.EPS for _d, s in lines
	)
	receipt.is_rework = int(rework)
	for d, s in lines:
		out = s.rework_out if rework else s.being_made
		if out > outsourcing.EPS:
			receipt.append("items", {"order_item": d.name, "accepted_qty": out})
	receipt.set_from_order()
	return receipt


def receive(order, receipt, lines: dict, at: datetime) -> None:
	"""What came back, into ERPNext: an operation's work in progress and its job cards, or goods."""
	if order.outsourcing_type == outsourcing.OPERATION:
		_receive_operations(order, receipt, lines, at)
	else:
		_receive_goods(order, receipt, lines, at)


def undo(receipt) -> None:
	"""Everything this receipt made, cancelled last first; its job card time logs taken off."""
	for doctype, name in (
		("Stock Entry", receipt.rework_stock_entry),
		("Stock Entry", receipt.return_stock_entry),
		("Subcontracting Receipt", receipt.subcontracting_receipt),
	):
		if name and frappe.db.get_value(doctype, name, "docstatus") == 1:
			d = frappe.get_doc(doctype, name)
			d.ignore_linked_doctypes = OWN_LINKS
			d.cancel()
	for d in receipt.items:
		if d.job_card:
			_undo_job_card(receipt, d)


def _rejected_warehouse(needed: float) -> str | None:
	"""Settings' rejected-goods warehouse; refused when something rejected has nowhere to go."""
	rejected_wh = get_settings().get("outsourcing_rejected_warehouse")
	if flt(needed) > outsourcing.EPS and not rejected_wh:
		frappe.throw(
			_("Set the Rejected Warehouse for outsourcing in Order Tracking Settings"), exc=OutsourcingError
		)
	return rejected_wh


def _receive_goods(order, receipt, lines, at: datetime):
	rejected_wh = _rejected_warehouse(flt(receipt.total_rejected) + flt(receipt.total_rework))
	if not receipt.is_rework:
		from erpnext.subcontracting.doctype.subcontracting_order.subcontracting_order import (
			make_subcontracting_receipt,
		)

		scr = make_subcontracting_receipt(order.subcontracting_order)
		# several order lines may share one subcontracting line: their quantities add up
		by_sco_item: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
		for d in receipt.items:
			totals = by_sco_item[lines[d.order_item].subcontracting_order_item]
			totals[0] += flt(d.accepted_qty)
			totals[1] += flt(d.rejected_qty) + flt(d.rework_qty)
		keep = []
		for item in scr.items:
			if item.subcontracting_order_item not in by_sco_item:
				continue
			item.qty, item.rejected_qty = by_sco_item[item.subcontracting_order_item]
			if item.rejected_qty:
				item.rejected_warehouse = rejected_wh
			if item.qty or item.rejected_qty:
				keep.append(item)
		scr.set("items", keep)
		scr.outsourcing_receipt = receipt.name
		post_at(scr, at)
		scr.submit()
		receipt.db_set("subcontracting_receipt", scr.name, update_modified=False)
		rework = [
			(lines[d.order_item], flt(d.rework_qty))
			for d in receipt.items
			if flt(d.rework_qty) > outsourcing.EPS
		]
		if rework:
			se = transfer(
				[(r.item_code, qty, rejected_wh, order.supplier_warehouse) for r, qty in rework], order, at
			)
			receipt.db_set("rework_stock_entry", se, update_modified=False)
	else:
		moves = []
		for d in receipt.items:
			row = lines[d.order_item]
			if flt(d.accepted_qty):
				moves.append((row.item_code, flt(d.accepted_qty), order.supplier_warehouse, row.fg_warehouse))
			if flt(d.rejected_qty):
				moves.append((row.item_code, flt(d.rejected_qty), order.supplier_warehouse, rejected_wh))
		if moves:
			receipt.db_set("return_stock_entry", transfer(moves, order, at), update_modified=False)


def _receive_operations(order, receipt, lines, at: datetime):
	"""The work in progress of what came back returns from the supplier's warehouse — accepted to
	where it came from, rejected to the rejected-goods warehouse of Settings; what was accepted is
	logged on its job card, completed when all of it is back."""
	rejected_wh = _rejected_warehouse(receipt.total_rejected)
	moves = []
	for d in receipt.items:
		row = lines[d.order_item]
		if not flt(row.qty):
			continue
		for m in order.materials:
			if m.order_item != row.name:
				continue
			per_unit = flt(m.qty) / flt(row.qty)
			if flt(d.accepted_qty) > outsourcing.EPS:
				moves.append(
					(
						m.item_code,
						per_unit * flt(d.accepted_qty),
						order.supplier_warehouse,
						m.source_warehouse,
					)
				)
			if flt(d.rejected_qty) > outsourcing.EPS:
				moves.append(
					(m.item_code, per_unit * flt(d.rejected_qty), order.supplier_warehouse, rejected_wh)
				)
	if moves:
		receipt.db_set("return_stock_entry", transfer(moves, order, at), update_modified=False)
	logged = {}
	for d in receipt.items:
		if flt(d.accepted_qty) > outsourcing.EPS:
			logged[d.name] = _log_job_card(d, lines[d.order_item], at)
	set_line_values(RECEIPT_ITEM, logged)


def _log_job_card(d, row, at: datetime) -> dict:
	"""What was accepted logged on the line's job card (submitted when all is back); returns the
	receipt line's values to write (the time log, whether it submitted the card)."""
	card = frappe.get_doc("Job Card", row.job_card)
	start = max(
		[get_datetime(row.sent_at or at), *(get_datetime(t.to_time) for t in card.time_logs if t.to_time)]
	)
	if start >= at:
		start = at - timedelta(minutes=1)
	card.workstation = outsourcing_workstation()
	card.append("time_logs", {"from_time": start, "to_time": at, "completed_qty": flt(d.accepted_qty)})
	card.save()
	d.job_card_time_log = card.time_logs[-1].name
	if flt(card.total_completed_qty) >= flt(card.for_quantity) - outsourcing.EPS:
		card.submit()
		d.job_card_submitted = 1
	return {"job_card_time_log": d.job_card_time_log, "job_card_submitted": d.job_card_submitted or 0}


def _undo_job_card(receipt, d):
	card = frappe.get_doc("Job Card", d.job_card)
	if d.job_card_submitted and card.docstatus == 1:
		card.ignore_linked_doctypes = OWN_LINKS
		card.cancel()
		amended = frappe.copy_doc(card)
		amended.docstatus = 0
		amended.amended_from = card.name
		amended.set("time_logs", [t for t in amended.time_logs if not _is_receipt_log(t, receipt, d)])
		amended.insert()
		frappe.db.set_value(ITEM_TABLE, d.order_item, "job_card", amended.name, update_modified=False)
		d.db_set("job_card", amended.name, update_modified=False)
	elif card.docstatus == 0:
		card.set("time_logs", [t for t in card.time_logs if not _is_receipt_log(t, receipt, d)])
		card.save()


def _is_receipt_log(log, receipt, d) -> bool:
	"""The time log this receipt line wrote (an amended card copies it under a new name)."""
	if log.name == d.job_card_time_log:
		return True
	at = get_datetime(f"{receipt.posting_date} {receipt.posting_time or '00:00:00'}")
	return get_datetime(log.to_time) == at and flt(log.completed_qty) == flt(d.accepted_qty)

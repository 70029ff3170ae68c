"""The state of an Outsourcing Order from its lines: the lines read under lock, their totals,
pending and status written back, and closing an order (nothing more expected).

The order's line quantities are read and written under row locks: two receipts at the same time
never take back more than is out.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.utils import flt, getdate

from order_tracking.core import outsourcing

ORDER = "Outsourcing Order"
RECEIPT = "Outsourcing Receipt"
ITEM_TABLE = "Outsourcing Order Item"
MATERIAL_TABLE = "Outsourcing Order Material"
# the app's own records never stop it cancelling what it made
OWN_LINKS = ("Outsourcing Order", "Outsourcing Receipt", "Order Tracker", "Order Plan", "Daily Schedule")
LINE_FIELDS = ("qty", "sent_qty", "accepted_qty", "rejected_qty", "fresh_received_qty", "rework_out_qty")


class OutsourcingError(frappe.ValidationError):
	pass


def lock_lines(order: str) -> dict[str, frappe._dict]:
	"""The order's lines as committed now, locked until this transaction ends (a plain read could
	see an older snapshot: a concurrent receipt may have committed in between)."""
	item = frappe.qb.DocType(ITEM_TABLE)
	rows = (
		frappe.qb.from_(item)
		.select(
			item.name,
			item.idx,
			*(item[f] for f in LINE_FIELDS),
			item.rate,
			item.job_card,
			item.work_order,
			item.sales_order,
			item.item_code,
			item.operation,
			item.fg_warehouse,
			item.sent_at,
			item.subcontracting_order_item,
		)
		.where((item.parent == order) & (item.parenttype == ORDER))
		.for_update()
		.run(as_dict=True)
	)
	return {r.name: r for r in rows}


def set_line_values(table: str, values: dict[str, dict]) -> None:
	"""Write each row's own values (row name -> {field: value}) in one query, whatever the number
	of rows: `CASE name WHEN … THEN … END` per field."""
	if not values:
		return
	t = frappe.qb.DocType(table)
	query = frappe.qb.update(t)
	for field in sorted({f for row in values.values() for f in row}):
		case = Case()
		for name, row in values.items():
			if field in row:
				case = case.when(t.name == name, row[field])
		query = query.set(t[field], case.else_(t[field]))
	query.where(t.name.isin(list(values))).run()


def line_of(row) -> outsourcing.Line:
	return outsourcing.Line(*(flt(row.get(f)) for f in LINE_FIELDS))


def qty_by_order(rows, field: str) -> dict[str, float]:
	result: dict[str, float] = defaultdict(float)
	for d in rows:
		if d.get("sales_order") and flt(d.get(field)):
			result[d.sales_order] += flt(d.get(field))
	return dict(result)


def refresh_order(order, lines: list | None = None) -> str:
	"""Totals, pending and status from the lines (written straight: they change after submit).
	`order` is the Outsourcing Order or its name; `lines` its lines as just written, if at hand."""
	doc = (
		order
		if not isinstance(order, str)
		else frappe.db.get_value(ORDER, order, ["name", "docstatus", "status", "due_date"], as_dict=True)
	)
	name = doc.name
	lines = [line_of(d) for d in (lines if lines is not None else doc.items)]
	t = outsourcing.totals(lines)
	status = outsourcing.order_status(lines, doc.docstatus, closed=doc.status == outsourcing.CLOSED)
	last = frappe.db.get_value(RECEIPT, {"outsourcing_order": name, "docstatus": 1}, "max(posting_date)")
	values = {
		"sent_qty": t.get("sent", 0),
		"accepted_qty": t.get("accepted", 0),
		"rejected_qty": t.get("rejected", 0),
		"pending_qty": t.get("pending", 0),
		"status": status,
		"last_return_on": last,
		"is_late": int(
			outsourcing.is_late(getdate(doc.due_date), getdate(), t.get("pending", 0))
			and status not in (outsourcing.CLOSED, outsourcing.CANCELLED)
		),
	}
	frappe.db.set_value(ORDER, name, values, update_modified=False)
	return status


def close(doc) -> None:
	"""Nothing more is expected: job cards of what came back are completed (the rest a process
	loss), the subcontracting and purchase orders closed."""
	if doc.docstatus != 1 or doc.status in (outsourcing.CLOSED, outsourcing.CANCELLED):
		frappe.throw(_("{0} cannot be closed now").format(doc.name), exc=OutsourcingError)
	if doc.outsourcing_type == outsourcing.OPERATION:
		for d in doc.items:
			card = frappe.get_doc("Job Card", d.job_card)
			if card.docstatus == 0 and flt(card.total_completed_qty) > outsourcing.EPS:
				card.save()  # sets the process loss of what did not come back
				card.submit()
	else:
		from erpnext.buying.doctype.purchase_order.purchase_order import update_status as update_po_status
		from erpnext.subcontracting.doctype.subcontracting_order.subcontracting_order import (
			update_subcontracting_order_status,
		)

		if doc.subcontracting_order:
			update_subcontracting_order_status(doc.subcontracting_order, "Closed")
		if doc.purchase_order:
			update_po_status("Closed", doc.purchase_order)
	frappe.db.set_value(ORDER, doc.name, "status", outsourcing.CLOSED, update_modified=False)

"""Order returns (RT-1): what an Order Return reads and makes beyond itself — goods back through
ERPNext's return Delivery Note, then a credit note (refund), a replacement delivery (exchange) or a
work order (rework), each through ERPNext's own return mappers; cancelling undoes them, last first.
The return's own checks and steps are on its controller.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import flt

from order_tracking.settlement.common import OWN_LINKS, SettlementError

RETURN = "Order Return"


def fill_return(doc) -> None:
	"""Each line from the delivery it returns: delivered, already returned, rate, warehouse."""
	if not doc.delivery_note:
		return
	dn = frappe.db.get_value(
		"Delivery Note", doc.delivery_note, ["docstatus", "is_return", "customer", "company"], as_dict=True
	)
	if not dn:
		frappe.throw(_("Delivery Note {0} does not exist").format(doc.delivery_note), exc=SettlementError)
	if dn.docstatus != 1 or dn.is_return:
		frappe.throw(
			_("Delivery Note {0} must be a submitted delivery (not a return)").format(doc.delivery_note),
			exc=SettlementError,
		)
	lines, returned = delivery_lines(doc.delivery_note, doc.sales_order)
	if not lines:
		frappe.throw(
			_("Delivery Note {0} delivered nothing of {1}").format(doc.delivery_note, doc.sales_order),
			exc=SettlementError,
		)
	for d in doc.items:
		line = lines.get(d.dn_detail) if d.dn_detail else None
		if not line:
			candidates = [r for r in lines.values() if r.item_code == d.item_code]
			if not candidates:
				frappe.throw(
					_("Row {0}: {1} was not delivered with {2}").format(
						d.idx, d.item_code, doc.delivery_note
					),
					exc=SettlementError,
				)
			line = candidates[0]
		d.update(
			{
				"dn_detail": line.name,
				"so_detail": line.so_detail,
				"item_code": line.item_code,
				"delivered_qty": flt(line.qty),
				"returned_qty": returned.get(line.name, 0.0),
				"rate": flt(line.rate),
				"amount": flt(d.qty) * flt(line.rate),
				"warehouse": line.warehouse,
				"stock_uom": line.stock_uom,
			}
		)
	doc.total_qty = sum(flt(d.qty) for d in doc.items)
	doc.total_amount = sum(flt(d.amount) for d in doc.items)


def delivery_lines(delivery_note: str, sales_order: str | None = None):
	"""The lines of a delivery (of one order, if given) by name, in their order, and what has come
	back of each so far."""
	lines = {
		r.name: r
		for r in frappe.get_all(
			"Delivery Note Item",
			filters={"parent": delivery_note, "parenttype": "Delivery Note"},
			fields=[
				"name",
				"item_code",
				"item_name",
				"stock_qty",
				"qty",
				"rate",
				"warehouse",
				"so_detail",
				"against_sales_order",
				"stock_uom",
				"conversion_factor",
			],
			order_by="idx asc",
		)
	}
	if sales_order:
		lines = {k: r for k, r in lines.items() if r.against_sales_order == sales_order}
	return lines, _returned_qty(list(lines))


def _returned_qty(dn_details: list[str]) -> dict[str, float]:
	dni = frappe.qb.DocType("Delivery Note Item")
	dn = frappe.qb.DocType("Delivery Note")
	return {
		detail: -flt(qty)
		for detail, qty in frappe.qb.from_(dni)
		.join(dn)
		.on(dn.name == dni.parent)
		.select(dni.dn_detail, Sum(dni.qty))
		.where(dni.dn_detail.isin(dn_details or [""]) & (dn.docstatus == 1) & (dn.is_return == 1))
		.groupby(dni.dn_detail)
		.run()
	}


def make_return_delivery_note(doc):
	from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return

	ret = make_sales_return(doc.delivery_note)
	wanted = {d.dn_detail: d for d in doc.items}
	ret.items = [i for i in ret.items if i.dn_detail in wanted]
	for i in ret.items:
		d = wanted[i.dn_detail]
		i.qty = -flt(d.qty)
		i.stock_qty = -flt(d.qty) * flt(i.conversion_factor or 1)
		if doc.return_warehouse:
			i.warehouse = doc.return_warehouse
	ret.order_return = doc.name
	ret.posting_date = doc.posting_date
	ret.set_posting_time = 1
	ret.flags.ignore_permissions = True  # the return's submitter was checked on the return
	ret.insert()
	ret.submit()
	return ret


def make_credit_note(doc):
	"""A credit note against the invoice that billed the returned lines (nothing billed: none)."""
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

	so_details = {d.so_detail: d for d in doc.items if d.so_detail}
	sii = frappe.qb.DocType("Sales Invoice Item")
	si = frappe.qb.DocType("Sales Invoice")
	billed = (
		frappe.qb.from_(sii)
		.join(si)
		.on(si.name == sii.parent)
		.select(sii.parent, sii.name, sii.so_detail, sii.qty)
		.where(sii.so_detail.isin(list(so_details) or [""]) & (si.docstatus == 1) & (si.is_return == 0))
		.orderby(si.posting_date, order=frappe.qb.desc)
		.run(as_dict=True)
	)
	if not billed:
		return None
	invoice = billed[0].parent
	credit = make_sales_return(invoice)
	wanted = {b.name: so_details[b.so_detail] for b in billed if b.parent == invoice}
	credit.items = [i for i in credit.items if i.sales_invoice_item in wanted]
	for i in credit.items:
		i.qty = -min(flt(wanted[i.sales_invoice_item].qty), abs(flt(i.qty)))
	credit.update_stock = 0  # the goods came back on the return delivery note
	# it pays back the invoice it credits (ERPNext keeps it on the credit note itself when that
	# invoice has less outstanding: money to refund)
	credit.update_outstanding_for_self = 0
	credit.order_return = doc.name
	credit.posting_date = doc.posting_date
	credit.set_posting_time = 1
	credit.flags.ignore_permissions = True
	credit.insert()
	credit.submit()
	return credit


def make_replacement_delivery(doc):
	"""The same goods going out again: a draft Delivery Note from the Sales Order (the return made
	the order's lines deliverable again), for the warehouse to pick and submit."""
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

	dn = make_delivery_note(doc.sales_order)
	wanted = {d.so_detail: d for d in doc.items}
	dn.items = [i for i in dn.items if i.so_detail in wanted]
	for i in dn.items:
		i.qty = flt(wanted[i.so_detail].qty)
	dn.order_return = doc.name
	dn.flags.ignore_permissions = True
	dn.insert()
	return dn


def make_rework_order(doc):
	"""A Work Order that makes the returned goods good again (draft, for the planner)."""
	item = doc.items[0]
	bom = frappe.db.get_value(
		"BOM", {"item": item.item_code, "is_active": 1, "is_default": 1, "docstatus": 1}, "name"
	)
	if not bom:
		frappe.throw(
			_("Row {0}: {1} has no default BOM to rework it with").format(item.idx, item.item_code),
			exc=SettlementError,
		)
	if len({d.item_code for d in doc.items}) > 1:
		frappe.throw(_("Rework: one item per return (make a return per item)"), exc=SettlementError)
	wo = frappe.new_doc("Work Order")
	wo.update(
		{
			"production_item": item.item_code,
			"bom_no": bom,
			"qty": doc.total_qty,
			"company": doc.company,
			"sales_order": doc.sales_order,
			"order_return": doc.name,
			"fg_warehouse": doc.return_warehouse or item.warehouse,
		}
	)
	wo.flags.ignore_permissions = True
	wo.set_work_order_operations()
	wo.insert()
	return wo


def cancel_made_documents(doc) -> None:
	"""Undo what the return made, last first: submitted documents are cancelled, drafts deleted."""
	for field, doctype in (
		("credit_note", "Sales Invoice"),
		("new_delivery_note", "Delivery Note"),
		("work_order", "Work Order"),
		("return_delivery_note", "Delivery Note"),
	):
		name = doc.get(field)
		docstatus = frappe.db.get_value(doctype, name, "docstatus") if name else None
		if docstatus == 1:
			d = frappe.get_doc(doctype, name)
			d.flags.ignore_permissions = True
			d.ignore_linked_doctypes = OWN_LINKS
			d.cancel()
		elif docstatus == 0:
			doc.db_set(field, None, update_modified=False)
			frappe.delete_doc(doctype, name, ignore_permissions=True)


def on_delivery_note_submit(doc, method=None):
	"""A replacement delivery going out completes its exchange."""
	if doc.get("order_return") and not doc.is_return:
		frappe.db.set_value(RETURN, doc.order_return, "status", "Completed", update_modified=False)


def on_stock_entry_submit(doc, method=None):
	"""A rework order finished completes its return."""
	if doc.purpose != "Manufacture" or not doc.work_order:
		return
	order_return, status, produced, qty = frappe.db.get_value(
		"Work Order", doc.work_order, ["order_return", "status", "produced_qty", "qty"]
	)
	if order_return and flt(produced) >= flt(qty):
		frappe.db.set_value(RETURN, order_return, "status", "Completed", update_modified=False)

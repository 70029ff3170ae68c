"""Supplier statements (ST-2, ST-3): what a Supplier Statement (对账单) reads and writes beyond
itself.

The supplier's outsourcing receipts of a period, at the outsourcing orders' rates, less the reject
deductions and late penalties of the rules in Order Tracking Settings, plus or minus adjustments
with a reason (`get_receipts`, `fill_statement`); once the supplier has confirmed it, submitting it
makes one **Purchase Invoice** for the net amount, against the purchase order lines the receipts
belong to (so ERPNext's billed quantities move: `make_purchase_invoice`). A receipt line is in one
submitted statement only: a unique index holds the line while its statement is submitted, so even
two statements submitted at the same moment cannot both take it (`settle_receipts`). Cancelling
the statement cancels its invoice and frees its receipts (`cancel_purchase_invoice`,
`release_receipts`). The statement's own checks are on its controller.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce
from frappe.utils import cint, flt, get_link_to_form

from order_tracking.core.settlement import (
	ReceiptLine,
	Rules,
	StatementTotals,
	invoice_plan,
	line_amounts,
	statement_totals,
)
from order_tracking.order_tracking.settings import get_settings
from order_tracking.settlement.common import OWN_LINKS, SettlementError

STATEMENT = "Supplier Statement"
STATEMENT_RECEIPT = "Supplier Statement Receipt"


def rules() -> Rules:
	s = get_settings()
	return Rules(
		reject_deduction_pct=flt(s.get("reject_deduction_pct")),
		late_penalty_pct_per_day=flt(s.get("late_penalty_pct_per_day")),
		late_penalty_cap_pct=flt(s.get("late_penalty_cap_pct")),
		grace_days=cint(s.get("late_grace_days")),
	)


def _receipt_lines(filters) -> list[frappe._dict]:
	"""Submitted outsourcing receipt lines with what a statement needs of them, in one query."""
	r = frappe.qb.DocType("Outsourcing Receipt")
	ri = frappe.qb.DocType("Outsourcing Receipt Item")
	oi = frappe.qb.DocType("Outsourcing Order Item")
	oo = frappe.qb.DocType("Outsourcing Order")
	query = (
		frappe.qb.from_(ri)
		.join(r)
		.on(r.name == ri.parent)
		.left_join(oi)
		.on(oi.name == ri.order_item)
		.left_join(oo)
		.on(oo.name == r.outsourcing_order)
		.select(
			ri.name.as_("receipt_item"),
			r.name.as_("outsourcing_receipt"),
			r.posting_date,
			r.outsourcing_order,
			r.supplier,
			r.company,
			r.currency,
			r.docstatus,
			r.days_late,
			r.supplier_statement,
			ri.item_code,
			ri.operation,
			ri.sales_order,
			ri.accepted_qty,
			ri.rejected_qty,
			ri.rate,
			oi.purchase_order_item,
			oo.purchase_order,
		)
		.where(ri.parenttype == "Outsourcing Receipt")
		.orderby(r.posting_date)
		.orderby(r.name)
		.orderby(ri.idx)
	)
	return query.where(filters(r, ri)).run(as_dict=True)


def get_receipts(doc) -> int:
	"""Fill the statement with the supplier's receipts of the period not yet in a submitted
	statement (and its material purchase receipts to reconcile). Returns the number of lines."""
	if not (doc.supplier and doc.company and doc.from_date and doc.to_date):
		frappe.throw(_("Set the Supplier, Company, From Date and To Date first"), exc=SettlementError)
	lines = _receipt_lines(
		lambda r, ri: (
			(r.docstatus == 1)
			& (r.supplier == doc.supplier)
			& (r.company == doc.company)
			& (r.posting_date >= doc.from_date)
			& (r.posting_date <= doc.to_date)
			& (Coalesce(r.supplier_statement, "") == "")
			& ((ri.accepted_qty > 0) | (ri.rejected_qty > 0))
		)
	)
	currencies = {x.currency for x in lines}
	if len(currencies) == 1:
		doc.currency = currencies.pop()  # the receipts' currency
	else:  # several: those in the statement's currency (the company's unless chosen)
		doc.currency = doc.currency or frappe.get_cached_value("Company", doc.company, "default_currency")
		lines = [x for x in lines if x.currency == doc.currency]
	doc.set("receipts", [])
	for x in lines:
		doc.append("receipts", {"outsourcing_receipt": x.outsourcing_receipt, "receipt_item": x.receipt_item})
	fill_statement(doc)
	_fill_purchases(doc)
	return len(doc.receipts)


def fill_statement(doc) -> None:
	"""Every line and total from the receipts as they are in the database (never from the
	request), with the rules of today's settings. A row naming only a receipt stands for all its
	lines."""
	if not doc.currency and doc.company:
		doc.currency = frappe.get_cached_value("Company", doc.company, "default_currency")
	bare = [d.outsourcing_receipt for d in doc.receipts if not d.receipt_item]
	if bare:
		found = _receipt_lines(
			lambda r, ri: r.name.isin(bare) & ((ri.accepted_qty > 0) | (ri.rejected_qty > 0))
		)
		rows = []
		for d in doc.receipts:
			if d.receipt_item:
				rows.append({"outsourcing_receipt": d.outsourcing_receipt, "receipt_item": d.receipt_item})
			else:
				rows.extend(
					{"outsourcing_receipt": x.outsourcing_receipt, "receipt_item": x.receipt_item}
					for x in found
					if x.outsourcing_receipt == d.outsourcing_receipt
				)
		doc.set("receipts", rows)
	wanted = [d.receipt_item for d in doc.receipts]
	lines = {x.receipt_item: x for x in _receipt_lines(lambda r, ri: ri.name.isin(wanted))} if wanted else {}
	the_rules = rules()
	amounts = []
	for d in doc.receipts:
		x = lines.get(d.receipt_item)
		if not x:
			frappe.throw(
				_("Row {0}: {1} has no such line").format(d.idx, d.outsourcing_receipt), exc=SettlementError
			)
		a = line_amounts(
			ReceiptLine(flt(x.accepted_qty), flt(x.rejected_qty), flt(x.rate), cint(x.days_late)), the_rules
		)
		amounts.append(a)
		d.update(
			{
				"outsourcing_receipt": x.outsourcing_receipt,
				"posting_date": x.posting_date,
				"outsourcing_order": x.outsourcing_order,
				"item_code": x.item_code,
				"operation": x.operation,
				"sales_order": x.sales_order,
				"accepted_qty": flt(x.accepted_qty),
				"rejected_qty": flt(x.rejected_qty),
				"rate": flt(x.rate),
				"amount": a.amount,
				"days_late": cint(x.days_late),
				"reject_deduction": a.reject_deduction,
				"late_penalty": a.late_penalty,
				"net_amount": a.net,
				"purchase_order": x.purchase_order,
				"purchase_order_item": x.purchase_order_item,
			}
		)
		d._line = x
	totals = statement_totals(amounts, [flt(a.amount) for a in doc.adjustments])
	doc.update(
		{
			"total_accepted_qty": sum(flt(d.accepted_qty) for d in doc.receipts),
			"total_rejected_qty": sum(flt(d.rejected_qty) for d in doc.receipts),
			"gross_amount": totals.gross,
			"reject_deduction": totals.reject_deductions,
			"late_penalty": totals.late_penalties,
			"adjustment_amount": totals.adjustments,
			"net_amount": totals.net,
		}
	)


def settle_receipts(doc) -> None:
	"""Hold the statement's receipt lines (one statement per line, by the unique index) and mark
	the receipts settled."""
	child = frappe.qb.DocType(STATEMENT_RECEIPT)
	try:
		frappe.qb.update(child).set(child.settled_receipt_item, child.receipt_item).where(
			(child.parent == doc.name) & (child.parenttype == STATEMENT)
		).run()
	except Exception as e:
		if not frappe.db.is_duplicate_entry(e):
			raise
		taken = _settled_elsewhere(doc)
		frappe.throw(
			_("{0} is already in the submitted statement {1}").format(
				taken[0], get_link_to_form(STATEMENT, taken[1])
			)
			if taken
			else _("A receipt of this statement is already in another submitted statement"),
			exc=SettlementError,
		)
	receipt = frappe.qb.DocType("Outsourcing Receipt")
	frappe.qb.update(receipt).set(receipt.supplier_statement, doc.name).where(
		receipt.name.isin(list({d.outsourcing_receipt for d in doc.receipts}))
	).run()


def _settled_elsewhere(doc) -> tuple[str, str] | None:
	child = frappe.qb.DocType(STATEMENT_RECEIPT)
	row = (
		frappe.qb.from_(child)
		.select(child.outsourcing_receipt, child.parent)
		.where(
			child.settled_receipt_item.isin([d.receipt_item for d in doc.receipts])
			& (child.parent != doc.name)
		)
		.limit(1)
		.run()
	)
	return tuple(row[0]) if row else None


def release_receipts(doc) -> None:
	child = frappe.qb.DocType(STATEMENT_RECEIPT)
	frappe.qb.update(child).set(child.settled_receipt_item, None).where(
		(child.parent == doc.name) & (child.parenttype == STATEMENT)
	).run()
	receipt = frappe.qb.DocType("Outsourcing Receipt")
	frappe.qb.update(receipt).set(receipt.supplier_statement, None).where(
		receipt.supplier_statement == doc.name
	).run()


def make_purchase_invoice(doc):
	"""One submitted Purchase Invoice for the statement's net amount: each purchase order line at
	its rate for the accepted quantity, the deductions as a discount on the net total (or an
	upward adjustment as one more line)."""
	plan = _invoice_plan(doc)
	po_items = _purchase_order_items(plan)
	fallback_item = get_settings().get("outsourcing_service_item")
	pi = _new_purchase_invoice(doc, po_items)
	_append_invoice_lines(pi, plan, po_items, fallback_item)
	if plan.extra_charge:
		_append_adjustment_line(pi, doc, plan, fallback_item)
	if plan.discount:
		pi.apply_discount_on = "Net Total"
		pi.discount_amount = plan.discount
	pi.flags.ignore_permissions = True  # the statement's submitter was checked on the statement
	pi.insert()
	pi.submit()
	if abs(flt(pi.net_total) - flt(doc.net_amount)) > 0.01:
		frappe.throw(
			_("The purchase invoice comes to {0}, not the statement's {1}").format(
				pi.net_total, doc.net_amount
			),
			exc=SettlementError,
		)
	return pi


def _invoice_plan(doc):
	"""The invoice's lines (per purchase order line) and its discount or extra charge."""
	totals = StatementTotals(
		gross=flt(doc.gross_amount),
		reject_deductions=flt(doc.reject_deduction),
		late_penalties=flt(doc.late_penalty),
		adjustments=flt(doc.adjustment_amount),
	)
	return invoice_plan(
		[(d.purchase_order_item or "", flt(d.accepted_qty), flt(d.rate)) for d in doc.receipts], totals
	)


def _purchase_order_items(plan) -> dict:
	"""The submitted purchase order lines the invoice's lines are for, by name."""
	return {
		r.name: r
		for r in frappe.get_all(
			"Purchase Order Item",
			filters={"name": ("in", [x.key for x in plan.lines] or [""]), "docstatus": 1},
			fields=[
				"name",
				"parent",
				"item_code",
				"uom",
				"conversion_factor",
				"cost_center",
				"expense_account",
				"project",
			],
		)
	}


def _new_purchase_invoice(doc, po_items: dict):
	"""The invoice's header: the statement's supplier, company, dates and currency."""
	pi = frappe.new_doc("Purchase Invoice")
	pi.update(
		{
			"company": doc.company,
			"supplier": doc.supplier,
			"posting_date": doc.posting_date,
			"set_posting_time": 1,
			"bill_no": doc.name,
			"bill_date": doc.to_date,
			"currency": doc.currency,
			"supplier_statement": doc.name,
			"ignore_pricing_rule": 1,
			"remarks": _("Supplier statement {0}: {1} to {2}").format(doc.name, doc.from_date, doc.to_date),
		}
	)
	if doc.currency == frappe.get_cached_value("Company", doc.company, "default_currency"):
		pi.conversion_rate = 1
	if po_items:
		# the price list of the purchase orders, as ERPNext's own Purchase Order → Invoice mapping
		# copies it: without it every line would look up the price list's exchange rate again
		pi.update(
			frappe.db.get_value(
				"Purchase Order",
				next(iter(po_items.values())).parent,
				["buying_price_list", "price_list_currency", "plc_conversion_rate"],
				as_dict=True,
			)
			or {}
		)
	return pi


def _append_invoice_lines(pi, plan, po_items: dict, fallback_item: str | None) -> None:
	"""A line per purchase order line, at its rate for the accepted quantity."""
	for line in plan.lines:
		po = po_items.get(line.key)
		# a receipt of an order made before its purchase order was linked: the default service
		row = {"item_code": po.item_code if po else fallback_item, "qty": line.qty, "rate": line.rate}
		if po:
			row.update(
				{
					"purchase_order": po.parent,
					"po_detail": po.name,
					"uom": po.uom,
					"conversion_factor": po.conversion_factor or 1,
					"cost_center": po.cost_center,
					"project": po.project,
				}
			)
			if po.expense_account:
				row["expense_account"] = po.expense_account
		pi.append("items", {k: v for k, v in row.items() if v is not None})


def _append_adjustment_line(pi, doc, plan, fallback_item: str | None) -> None:
	"""An upward adjustment as one more line, of Settings' adjustment item."""
	item = get_settings().get("statement_adjustment_item") or fallback_item
	if not item:
		frappe.throw(
			_("Set the Adjustment Item (or a default Outsourcing Service Item) in Order Tracking Settings"),
			exc=SettlementError,
		)
	pi.append(
		"items",
		{
			"item_code": item,
			"qty": 1,
			"rate": plan.extra_charge,
			"description": _("Adjustments of {0}").format(doc.name),
		},
	)


def cancel_purchase_invoice(doc) -> None:
	if (
		doc.purchase_invoice
		and frappe.db.get_value("Purchase Invoice", doc.purchase_invoice, "docstatus") == 1
	):
		pi = frappe.get_doc("Purchase Invoice", doc.purchase_invoice)
		pi.ignore_linked_doctypes = OWN_LINKS
		pi.flags.ignore_permissions = True
		pi.cancel()


def _fill_purchases(doc) -> None:
	"""The supplier's material purchase receipts of the period, with what is billed of them."""
	pr = frappe.qb.DocType("Purchase Receipt")
	rows = (
		frappe.qb.from_(pr)
		.select(pr.name, pr.posting_date, pr.grand_total, pr.per_billed, pr.status)
		.where(
			(pr.supplier == doc.supplier)
			& (pr.company == doc.company)
			& (pr.docstatus == 1)
			& (pr.is_return == 0)
			& (pr.posting_date >= doc.from_date)
			& (pr.posting_date <= doc.to_date)
		)
		.orderby(pr.posting_date)
		.run(as_dict=True)
	)
	invoices: dict[str, set[str]] = defaultdict(set)
	if rows:
		pii = frappe.qb.DocType("Purchase Invoice Item")
		for receipt, invoice in (
			frappe.qb.from_(pii)
			.select(pii.purchase_receipt, pii.parent)
			.where(pii.purchase_receipt.isin([r.name for r in rows]) & (pii.docstatus == 1))
			.distinct()
			.run()
		):
			invoices[receipt].add(invoice)
	doc.set("purchases", [])
	for r in rows:
		doc.append(
			"purchases",
			{
				"purchase_receipt": r.name,
				"posting_date": r.posting_date,
				"grand_total": r.grand_total,
				"per_billed": r.per_billed,
				"purchase_invoices": ", ".join(sorted(invoices.get(r.name, ()))),
				"status": r.status,
			},
		)

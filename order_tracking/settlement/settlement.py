"""Settlement on ERPNext's own documents (ST-1 … ST-3, RT-1).

- **Supplier Statement** (对账单): the supplier's outsourcing receipts of a period, at the
  outsourcing orders' rates, less the reject deductions and late penalties of the rules in Order
  Tracking Settings, plus or minus adjustments with a reason; once the supplier has confirmed it,
  submitting it makes one **Purchase Invoice** for the net amount, against the purchase order lines
  the receipts belong to (so ERPNext's billed quantities move). A receipt line is in one submitted
  statement only: a unique index holds the line while its statement is submitted, so even two
  statements submitted at the same moment cannot both take it. Cancelling the statement cancels its
  invoice and frees its receipts.
- **Order cost**: material (stock ledger value consumed by the order's work orders and by its
  subcontracting receipts, and of what was delivered from stock), labour and overhead (job card
  time at the workstations' hour rates), outsourcing (its purchase invoices, and receipts not yet
  invoiced at their rates), freight (its shipments' freight cost) against revenue (its sales
  invoices, or the order's value before any) — computed in batches with a fixed number of queries
  by `order_costs`, stored on the tracker by a background job after the documents that change it.
- **Order Return**: goods back through ERPNext's return Delivery Note, then a credit note
  (refund), a replacement delivery (exchange) or a work order (rework).
- **Overdue receivables**: `detect_overdue_receivables` (the hourly exception scan) opens an
  *Overdue Receivable* Order Exception for the Settlement Accountant when an order's money is
  past its due date plus the grace in Settings, and resolves it once paid.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, Sum
from frappe.utils import cint, flt, fmt_money, get_link_to_form, getdate, now_datetime

from order_tracking.core import delivery as D
from order_tracking.core import settlement as C
from order_tracking.core import stages as ST
from order_tracking.delivery.delivery import ScanFacts, exception_detector
from order_tracking.order_tracking.tracking import EventSpec, get_settings, record_events

STATEMENT = "Supplier Statement"
STATEMENT_RECEIPT = "Supplier Statement Receipt"
RETURN = "Order Return"
# the app's own records never stop it cancelling what it made
OWN_LINKS = (
	"Supplier Statement",
	"Order Return",
	"Order Tracker",
	"Outsourcing Receipt",
	"Outsourcing Order",
)


class SettlementError(frappe.ValidationError):
	pass


# =============================================================================== supplier statements


def rules() -> C.Rules:
	s = get_settings()
	return C.Rules(
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
		lambda r, ri: (r.docstatus == 1)
		& (r.supplier == doc.supplier)
		& (r.company == doc.company)
		& (r.posting_date >= doc.from_date)
		& (r.posting_date <= doc.to_date)
		& (Coalesce(r.supplier_statement, "") == "")
		& ((ri.accepted_qty > 0) | (ri.rejected_qty > 0))
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
		a = C.line_amounts(
			C.ReceiptLine(flt(x.accepted_qty), flt(x.rejected_qty), flt(x.rate), cint(x.days_late)), the_rules
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
	totals = C.statement_totals(amounts, [flt(a.amount) for a in doc.adjustments])
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


def validate_statement(doc) -> None:
	if doc.from_date and doc.to_date and getdate(doc.from_date) > getdate(doc.to_date):
		frappe.throw(
			_("From Date {0} is after To Date {1}").format(doc.from_date, doc.to_date), exc=SettlementError
		)
	fill_statement(doc)
	seen = {}
	for d in doc.receipts:
		x = d._line
		if x.receipt_item in seen:
			frappe.throw(
				_("Row {0}: {1} is already in row {2}").format(
					d.idx, x.outsourcing_receipt, seen[x.receipt_item]
				),
				exc=SettlementError,
			)
		seen[x.receipt_item] = d.idx
		if x.docstatus != 1:
			frappe.throw(
				_("Row {0}: {1} is not submitted").format(d.idx, x.outsourcing_receipt), exc=SettlementError
			)
		if x.supplier != doc.supplier or x.company != doc.company:
			frappe.throw(
				_("Row {0}: {1} is a receipt of {2} for {3}, not of this supplier and company").format(
					d.idx, x.outsourcing_receipt, x.supplier, x.company
				),
				exc=SettlementError,
			)
		if x.supplier_statement and x.supplier_statement != doc.name:
			frappe.throw(
				_("Row {0}: {1} is already settled by {2}").format(
					d.idx, x.outsourcing_receipt, get_link_to_form(STATEMENT, x.supplier_statement)
				),
				exc=SettlementError,
			)
		if x.currency != doc.currency:
			frappe.throw(
				_("Row {0}: {1} is in {2}, the statement in {3}").format(
					d.idx, x.outsourcing_receipt, x.currency, doc.currency
				),
				exc=SettlementError,
			)
	for a in doc.adjustments:
		if not flt(a.amount):
			frappe.throw(_("Adjustments row {0}: Amount cannot be zero").format(a.idx), exc=SettlementError)
	if flt(doc.net_amount) < 0:
		frappe.throw(
			_("Net Amount {0} is below zero: the deductions are more than the supplier earned").format(
				doc.net_amount
			),
			exc=SettlementError,
		)
	if doc.docstatus == 0:
		doc.status = "Confirmed" if doc.supplier_confirmed else "Draft"


def check_before_submit(doc) -> None:
	if not doc.receipts:
		frappe.throw(_("Receipts: add the receipts to settle (Get Receipts)"), exc=SettlementError)
	if cint(get_settings().get("require_supplier_confirmation")) and not doc.supplier_confirmed:
		frappe.throw(
			_("Confirmed by the Supplier: the supplier must confirm the statement before it is invoiced"),
			exc=SettlementError,
		)
	if doc.supplier_confirmed and not doc.confirmed_by:
		frappe.throw(_("Confirmed By: who at the supplier confirmed it"), exc=SettlementError)


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
	totals = C.StatementTotals(
		gross=flt(doc.gross_amount),
		reject_deductions=flt(doc.reject_deduction),
		late_penalties=flt(doc.late_penalty),
		adjustments=flt(doc.adjustment_amount),
	)
	plan = C.invoice_plan(
		[(d.purchase_order_item or "", flt(d.accepted_qty), flt(d.rate)) for d in doc.receipts], totals
	)
	po_items = {
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
	fallback_item = get_settings().get("outsourcing_service_item")
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
	if plan.extra_charge:
		item = get_settings().get("statement_adjustment_item") or fallback_item
		if not item:
			frappe.throw(
				_(
					"Set the Adjustment Item (or a default Outsourcing Service Item) in Order Tracking Settings"
				),
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


# =============================================================================== order cost


def order_costs(sales_orders) -> dict[str, C.OrderCost]:
	"""The cost and revenue of each order in company currency, in a fixed number of queries."""
	names = sorted({n for n in sales_orders if n})
	if not names:
		return {}
	so = frappe.qb.DocType("Sales Order")
	headers = {
		r.name: r
		for r in frappe.qb.from_(so)
		.select(so.name, so.base_net_total)
		.where(so.name.isin(names))
		.run(as_dict=True)
	}
	names = [n for n in names if n in headers]
	if not names:
		return {}
	parts: dict[str, C.OrderCost] = defaultdict(C.OrderCost)

	def add(order: str, **values):
		parts[order] = parts[order] + C.OrderCost(**values)

	# work orders of each order (and the items they make: consumed sub-assemblies are not material)
	wo = frappe.qb.DocType("Work Order")
	work_orders = (
		frappe.qb.from_(wo)
		.select(
			wo.name, Coalesce(wo.sales_order, wo.made_for_sales_order).as_("sales_order"), wo.production_item
		)
		.where((wo.docstatus == 1) & (wo.sales_order.isin(names) | wo.made_for_sales_order.isin(names)))
		.run(as_dict=True)
	)
	order_of_wo = {w.name: w.sales_order for w in work_orders}
	made: dict[str, set[str]] = defaultdict(set)
	for w in work_orders:
		made[w.sales_order].add(w.production_item)

	if order_of_wo:
		# raw materials consumed by the work orders (stock ledger value)
		sle = frappe.qb.DocType("Stock Ledger Entry")
		se = frappe.qb.DocType("Stock Entry")
		for work_order, item_code, value in (
			frappe.qb.from_(sle)
			.join(se)
			.on(se.name == sle.voucher_no)
			.select(se.work_order, sle.item_code, Sum(sle.stock_value_difference))
			.where(
				(sle.voucher_type == "Stock Entry")
				& (sle.is_cancelled == 0)
				& (sle.actual_qty < 0)
				& se.work_order.isin(list(order_of_wo))
				& se.purpose.isin(["Manufacture", "Material Consumption for Manufacture"])
				& (se.docstatus == 1)
			)
			.groupby(se.work_order, sle.item_code)
			.run()
		):
			order = order_of_wo[work_order]
			if item_code not in made[order]:
				add(order, material=-flt(value))

		# labour and overhead: time logged on the job cards at the workstations' hour rates
		jc = frappe.qb.DocType("Job Card")
		ws = frappe.qb.DocType("Workstation")
		for work_order, minutes, card_rate, hour_rate, labour_rate in (
			frappe.qb.from_(jc)
			.left_join(ws)
			.on(ws.name == jc.workstation)
			.select(
				jc.work_order, Sum(jc.total_time_in_mins), jc.hour_rate, ws.hour_rate, ws.hour_rate_labour
			)
			.where(jc.work_order.isin(list(order_of_wo)) & (jc.docstatus < 2))
			.groupby(jc.work_order, jc.workstation, jc.hour_rate, ws.hour_rate, ws.hour_rate_labour)
			.run()
		):
			# the workstation's rates (labour and the rest); the card's own rate if it has none
			labour, overhead = C.time_cost(flt(minutes), flt(hour_rate) or flt(card_rate), flt(labour_rate))
			add(order_of_wo[work_order], labour=labour, overhead=overhead)

	poi = frappe.qb.DocType("Purchase Order Item")
	po = frappe.qb.DocType("Purchase Order")
	# materials a subcontractor used for the order (subcontracting receipts)
	scri = frappe.qb.DocType("Subcontracting Receipt Item")
	for order, value in (
		frappe.qb.from_(scri)
		.join(poi)
		.on(poi.name == scri.purchase_order_item)
		.select(poi.sales_order, Sum(scri.rm_supp_cost))
		.where(poi.sales_order.isin(names) & (scri.docstatus == 1))
		.groupby(poi.sales_order)
		.run()
	):
		add(order, material=flt(value))

	# outsourcing: invoiced on its purchase orders, and received but not yet invoiced
	pii = frappe.qb.DocType("Purchase Invoice Item")
	for order, value in (
		frappe.qb.from_(pii)
		.join(poi)
		.on(poi.name == pii.po_detail)
		.join(po)
		.on(po.name == poi.parent)
		.select(poi.sales_order, Sum(pii.base_net_amount))
		.where(
			poi.sales_order.isin(names) & (pii.docstatus == 1) & (Coalesce(po.outsourcing_order, "") != "")
		)
		.groupby(poi.sales_order)
		.run()
	):
		add(order, outsourcing=flt(value))
	r = frappe.qb.DocType("Outsourcing Receipt")
	ri = frappe.qb.DocType("Outsourcing Receipt Item")
	oi = frappe.qb.DocType("Outsourcing Order Item")
	for order, amount, rate in (
		frappe.qb.from_(ri)
		.join(r)
		.on(r.name == ri.parent)
		.left_join(oi)
		.on(oi.name == ri.order_item)
		.left_join(poi)
		.on(poi.name == oi.purchase_order_item)
		.left_join(po)
		.on(po.name == poi.parent)
		.select(ri.sales_order, Sum(ri.amount), po.conversion_rate)
		.where(ri.sales_order.isin(names) & (r.docstatus == 1) & (Coalesce(r.supplier_statement, "") == ""))
		.groupby(ri.sales_order, po.conversion_rate)
		.run()
	):
		add(order, outsourcing=flt(amount) * (flt(rate) or 1))

	# goods delivered from stock (what the order's own work orders made is costed above)
	sle = frappe.qb.DocType("Stock Ledger Entry")
	dni = frappe.qb.DocType("Delivery Note Item")
	for order, item_code, value in (
		frappe.qb.from_(sle)
		.join(dni)
		.on(dni.name == sle.voucher_detail_no)
		.select(dni.against_sales_order, sle.item_code, Sum(sle.stock_value_difference))
		.where(
			(sle.voucher_type == "Delivery Note")
			& (sle.is_cancelled == 0)
			& dni.against_sales_order.isin(names)
		)
		.groupby(dni.against_sales_order, sle.item_code)
		.run()
	):
		if item_code not in made[order]:
			add(order, material=-flt(value))

	# freight: each shipment's cost shared over its delivery notes by value, then over their orders
	sh = frappe.qb.DocType("Shipment")
	sdn = frappe.qb.DocType("Shipment Delivery Note")
	shipments = (
		frappe.qb.from_(sdn)
		.join(sh)
		.on(sh.name == sdn.parent)
		.join(dni)
		.on(dni.parent == sdn.delivery_note)
		.select(
			sh.name,
			sh.freight_cost,
			sdn.delivery_note,
			sdn.grand_total,
			dni.against_sales_order,
			Sum(dni.base_net_amount),
		)
		.where((sh.docstatus == 1) & (sdn.parenttype == "Shipment") & (Coalesce(sh.freight_cost, 0) > 0))
		.where(
			sh.name.isin(
				frappe.qb.from_(sdn)
				.join(dni)
				.on(dni.parent == sdn.delivery_note)
				.select(sdn.parent)
				.where(dni.against_sales_order.isin(names) & (sdn.parenttype == "Shipment"))
			)
		)
		.groupby(sh.name, sh.freight_cost, sdn.delivery_note, sdn.grand_total, dni.against_sales_order)
		.run()
	)
	by_shipment: dict[str, dict] = {}
	for shipment, freight, delivery_note, dn_total, order, value in shipments:
		s = by_shipment.setdefault(shipment, {"freight": flt(freight), "notes": {}})
		note = s["notes"].setdefault(delivery_note, {"total": flt(dn_total), "orders": {}})
		note["orders"][order] = note["orders"].get(order, 0.0) + flt(value)
	for s in by_shipment.values():
		weights = {n: v["total"] or sum(v["orders"].values()) for n, v in s["notes"].items()}
		for note, share in C.split(s["freight"], weights).items():
			for order, part in C.split(share, s["notes"][note]["orders"]).items():
				if order in headers:
					add(order, freight=part)

	# revenue: what was invoiced (credit notes take off), or the order's value before any invoice
	sii = frappe.qb.DocType("Sales Invoice Item")
	invoiced = dict(
		frappe.qb.from_(sii)
		.select(sii.sales_order, Sum(sii.base_net_amount))
		.where(sii.sales_order.isin(names) & (sii.docstatus == 1))
		.groupby(sii.sales_order)
		.run()
	)
	has_invoice = set(
		frappe.qb.from_(sii)
		.select(sii.sales_order)
		.where(sii.sales_order.isin(names) & (sii.docstatus == 1))
		.distinct()
		.run(pluck=True)
	)
	for name in names:
		revenue = flt(invoiced.get(name)) if name in has_invoice else flt(headers[name].base_net_total)
		add(name, revenue=revenue)
	return {name: parts[name] for name in names}


def refresh_order_costs(sales_orders, commit: bool = False) -> dict[str, C.OrderCost]:
	"""Compute and store the cost of these orders on their trackers."""
	costs = order_costs(sales_orders)
	if not costs:
		return {}
	trackers = set(frappe.get_all("Order Tracker", filters={"name": ("in", list(costs))}, pluck="name"))
	currencies = dict(
		frappe.get_all(
			"Sales Order",
			filters={"name": ("in", list(costs))},
			fields=["name", "company"],
			as_list=True,
		)
	)
	now = now_datetime()
	for name, c in costs.items():
		if name not in trackers:
			continue
		frappe.db.set_value(
			"Order Tracker",
			name,
			{
				"cost_currency": frappe.get_cached_value("Company", currencies[name], "default_currency"),
				"material_cost": C.money(c.material),
				"labour_cost": C.money(c.labour),
				"overhead_cost": C.money(c.overhead),
				"outsourcing_cost": C.money(c.outsourcing),
				"freight_cost": C.money(c.freight),
				"total_cost": c.total,
				"revenue": C.money(c.revenue),
				"margin": c.margin,
				"margin_pct": c.margin_pct,
				"cost_updated_at": now,
			},
			update_modified=False,
		)
	if commit:
		# a background job (or the daily one, batch by batch) owns its transaction
		frappe.db.commit()  # nosemgrep
	return costs


def refresh_order_costs_job(sales_orders):
	refresh_order_costs(sales_orders, commit=True)


def queue_cost_refresh(sales_orders) -> None:
	"""The cost of these orders is computed again in the background once this transaction commits
	(one job for everything the request touched)."""
	orders = {n for n in sales_orders if n}
	if not orders:
		return
	pending = frappe.flags.order_cost_pending
	if pending is None:
		pending = frappe.flags.order_cost_pending = set()
		frappe.db.after_commit.add(_enqueue_pending_costs)
		frappe.db.after_rollback.add(_forget_pending_costs)
	pending.update(orders)


def _enqueue_pending_costs():
	orders = sorted(frappe.flags.order_cost_pending or ())
	frappe.flags.order_cost_pending = None
	if orders:
		frappe.enqueue(
			"order_tracking.settlement.settlement.refresh_order_costs_job", queue="short", sales_orders=orders
		)


def _forget_pending_costs():
	frappe.flags.order_cost_pending = None


def refresh_recent_costs(days: int = 1, batch_size: int = 500) -> int:
	"""Daily: costs of every order whose tracker changed lately, in case a job was lost."""
	since = frappe.utils.add_days(now_datetime(), -days)
	names = frappe.get_all(
		"Order Tracker", filters={"refreshed_at": (">=", since), "stage": ("!=", ST.CANCELLED)}, pluck="name"
	)
	for i in range(0, len(names), batch_size):
		refresh_order_costs(names[i : i + batch_size], commit=True)
	return len(names)


def on_purchase_invoice(doc, method=None):
	"""A purchase invoice of outsourcing changes the cost of the orders it was for."""
	details = [d.po_detail for d in doc.items if d.po_detail]
	if not details:
		return
	orders = frappe.get_all(
		"Purchase Order Item", filters={"name": ("in", details)}, pluck="sales_order", distinct=True
	)
	queue_cost_refresh(orders)


# =============================================================================== order returns


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


def validate_return(doc) -> None:
	if not doc.items:
		frappe.throw(_("Items: add what comes back"), exc=SettlementError)
	so = frappe.db.get_value(
		"Sales Order", doc.sales_order, ["docstatus", "customer", "company"], as_dict=True
	)
	if not so or so.docstatus != 1:
		frappe.throw(_("Sales Order {0} must be submitted").format(doc.sales_order), exc=SettlementError)
	fill_return(doc)
	seen = set()
	for d in doc.items:
		if d.dn_detail in seen:
			frappe.throw(
				_("Row {0}: {1} is already in another row").format(d.idx, d.item_code), exc=SettlementError
			)
		seen.add(d.dn_detail)
		if flt(d.qty) <= 0:
			frappe.throw(
				_("Row {0}: Qty to Return must be more than zero").format(d.idx), exc=SettlementError
			)
		left = C.returnable_qty(flt(d.delivered_qty), flt(d.returned_qty))
		if flt(d.qty) > left + 1e-9:
			frappe.throw(
				_(
					"Row {0}: Qty to Return {1} is more than the {2} of {3} delivered and not yet returned"
				).format(d.idx, flt(d.qty), flt(left), d.item_code),
				exc=SettlementError,
			)
	if doc.docstatus == 0:
		doc.status = "Draft"


def process_return(doc) -> None:
	"""On submit: the goods come back on a return Delivery Note; then the decision's documents."""
	ret = _return_delivery_note(doc)
	doc.db_set("return_delivery_note", ret.name, update_modified=False)
	status = "Completed"
	if doc.decision == "Refund":
		credit = _credit_note(doc)
		if credit:
			doc.db_set("credit_note", credit.name, update_modified=False)
	elif doc.decision == "Exchange":
		dn = _replacement_delivery(doc)
		doc.db_set("new_delivery_note", dn.name, update_modified=False)
		status = "Awaiting Redelivery"
	elif doc.decision == "Rework":
		wo = _rework_order(doc)
		doc.db_set("work_order", wo.name, update_modified=False)
		status = "In Rework"
	doc.db_set("status", status, update_modified=False)
	record_events(
		[
			EventSpec(
				doc.sales_order,
				ST.DELIVERED,
				"Customer Return",
				RETURN,
				doc.name,
				qty=-flt(doc.total_qty),
				amount=-flt(doc.total_amount),
				remarks=f"{_(doc.reason)}: {_(doc.decision)}",
			)
		]
	)


def _return_delivery_note(doc):
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


def _credit_note(doc):
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


def _replacement_delivery(doc):
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


def _rework_order(doc):
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


def cancel_return(doc) -> None:
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
	doc.db_set("status", "Cancelled", update_modified=False)
	record_events(
		[
			EventSpec(
				doc.sales_order,
				ST.DELIVERED,
				"Cancelled",
				RETURN,
				doc.name,
				qty=flt(doc.total_qty),
				amount=flt(doc.total_amount),
				is_cancellation=True,
			)
		]
	)


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


# =============================================================================== overdue receivables


@exception_detector(D.OVERDUE_RECEIVABLE)
def detect_overdue_receivables(sales_orders: list[str], facts: ScanFacts) -> list[D.ExceptionSpec]:
	"""Orders whose invoices still await money past their due date plus Settings' grace days
	(`receivable_overdue_days`), when Settings say to remind of overdue receivables: an *Overdue
	Receivable* exception for the Settlement Accountant, resolved once the money is in. From the
	trackers alone: no query."""
	settings = get_settings()
	if not cint(settings.get("remind_overdue_receivables")):
		return []
	grace = cint(settings.get("receivable_grace_days"))
	specs = []
	for so in sales_orders:
		t = facts.trackers[so]
		if t.stage == ST.CANCELLED:
			continue
		due = getdate(t.payment_due) if t.payment_due else None
		days = C.receivable_overdue_days(t.payment_status, flt(t.outstanding_amount), due, facts.today, grace)
		if days is None:
			continue
		specs.append(
			D.ExceptionSpec(
				D.OVERDUE_RECEIVABLE,
				so,
				_("{0} outstanding, due on {1} ({2} days overdue)").format(
					fmt_money(flt(t.outstanding_amount), currency=t.currency),
					frappe.format(due, {"fieldtype": "Date"}),
					days,
				),
				reference_doctype="Sales Order",
				reference_name=so,
			)
		)
	return specs

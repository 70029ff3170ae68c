# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Customer Statement (对账单): what a customer owed at the start of a period, every invoice,
payment, credit note and journal entry of the period with the balance after it, and what it owes
at the end — from the general ledger (company currency), as the customer's receivable account
sees it. Printed with its own format (customer_statement.html)."""

from __future__ import annotations

from collections import defaultdict
from typing import TypedDict

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import flt, getdate

from order_tracking.core import kpi, settlement


class Filters(TypedDict, total=False):
	company: str
	customer: str
	from_date: str
	to_date: str


KIND_LABELS = {
	settlement.INVOICE: "Invoice",
	settlement.PAYMENT: "Payment",
	settlement.CREDIT_NOTE: "Credit Note",
	settlement.OTHER: "Other",
}


def execute(filters: Filters | None = None):
	filters = frappe._dict(filters or {})
	for field, label in (
		("company", _("Company")),
		("customer", _("Customer")),
		("from_date", _("From Date")),
		("to_date", _("To Date")),
	):
		if not filters.get(field):
			frappe.throw(_("{0} is required").format(label))
	start, end = getdate(filters.from_date), getdate(filters.to_date)
	if start > end:
		frappe.throw(_("From Date {0} is after To Date {1}").format(start, end))
	statement, details = statement_of(filters.company, filters.customer, start, end)
	currency = frappe.get_cached_value("Company", filters.company, "default_currency")
	return columns(), rows(statement, details, currency), None, chart(statement), summary(statement, currency)


def statement_of(company: str, customer: str, start, end) -> tuple[settlement.AccountStatement, dict]:
	gl = frappe.qb.DocType("GL Entry")
	party = (
		(gl.party_type == "Customer")
		& (gl.party == customer)
		& (gl.company == company)
		& (gl.is_cancelled == 0)
	)
	opening = (
		frappe.qb.from_(gl)
		.select(Sum(gl.debit) - Sum(gl.credit))
		.where(party & (gl.posting_date < start))
		.run()
	)[0][0]
	entries = (
		frappe.qb.from_(gl)
		.select(
			gl.posting_date,
			gl.voucher_type,
			gl.voucher_no,
			Sum(gl.debit).as_("debit"),
			Sum(gl.credit).as_("credit"),
		)
		.where(party & (gl.posting_date >= start) & (gl.posting_date <= end))
		.groupby(gl.posting_date, gl.voucher_type, gl.voucher_no)
		.run(as_dict=True)
	)
	invoices = [e.voucher_no for e in entries if e.voucher_type == "Sales Invoice"]
	details: dict[str, frappe._dict] = {}
	orders: dict[str, set[str]] = defaultdict(set)
	if invoices:
		si = frappe.qb.DocType("Sales Invoice")
		sii = frappe.qb.DocType("Sales Invoice Item")
		for r in (
			frappe.qb.from_(si)
			.select(si.name, si.is_return, si.due_date, si.outstanding_amount, si.return_against)
			.where(si.name.isin(invoices))
			.run(as_dict=True)
		):
			details[r.name] = r
		for parent, order in (
			frappe.qb.from_(sii)
			.select(sii.parent, sii.sales_order)
			.where(sii.parent.isin(invoices))
			.distinct()
			.run()
		):
			if order:
				orders[parent].add(order)
	statement = settlement.account_statement(
		flt(opening),
		[
			settlement.LedgerEntry(
				posting_date=getdate(e.posting_date),
				voucher_type=e.voucher_type,
				voucher_no=e.voucher_no,
				debit=flt(e.debit),
				credit=flt(e.credit),
				is_return=bool(details.get(e.voucher_no, {}).get("is_return")),
			)
			for e in entries
		],
	)
	for name, d in details.items():
		d.orders = ", ".join(sorted(orders.get(name, ())))
	return statement, details


def columns() -> list[dict]:
	return [
		{"label": _("Posting Date"), "fieldname": "posting_date", "fieldtype": "Date", "width": 100},
		{"label": _("Entry"), "fieldname": "kind", "fieldtype": "Data", "width": 110},
		{
			"label": _("Voucher Type"),
			"fieldname": "voucher_type",
			"fieldtype": "Link",
			"options": "DocType",
			"width": 120,
		},
		{
			"label": _("Voucher No"),
			"fieldname": "voucher_no",
			"fieldtype": "Dynamic Link",
			"options": "voucher_type",
			"width": 170,
		},
		{"label": _("Sales Orders"), "fieldname": "orders", "fieldtype": "Data", "width": 170},
		{
			"label": _("Invoiced"),
			"fieldname": "debit",
			"fieldtype": "Currency",
			"options": "currency",
			"width": 120,
		},
		{
			"label": _("Paid or Credited"),
			"fieldname": "credit",
			"fieldtype": "Currency",
			"options": "currency",
			"width": 130,
		},
		{
			"label": _("Balance"),
			"fieldname": "balance",
			"fieldtype": "Currency",
			"options": "currency",
			"width": 130,
		},
		{"label": _("Due Date"), "fieldname": "due_date", "fieldtype": "Date", "width": 100},
		{
			"label": _("Outstanding"),
			"fieldname": "outstanding",
			"fieldtype": "Currency",
			"options": "currency",
			"width": 120,
		},
		{
			"label": _("Currency"),
			"fieldname": "currency",
			"fieldtype": "Link",
			"options": "Currency",
			"hidden": 1,
		},
	]


def rows(statement: settlement.AccountStatement, details: dict, currency: str) -> list[dict]:
	out = [{"kind": _("Opening Balance"), "balance": statement.opening, "currency": currency, "is_total": 1}]
	for r in statement.rows:
		d = details.get(r.entry.voucher_no) or {}
		out.append(
			{
				"posting_date": r.entry.posting_date,
				"kind": _(KIND_LABELS[r.kind]),
				"voucher_type": r.entry.voucher_type,
				"voucher_no": r.entry.voucher_no,
				"orders": d.get("orders"),
				"debit": r.entry.debit,
				"credit": r.entry.credit,
				"balance": r.balance,
				"due_date": d.get("due_date") if r.kind == settlement.INVOICE else None,
				"outstanding": d.get("outstanding_amount") if r.kind == settlement.INVOICE else None,
				"currency": currency,
			}
		)
	out.append(
		{"kind": _("Closing Balance"), "balance": statement.closing, "currency": currency, "is_total": 1}
	)
	return out


def chart(statement: settlement.AccountStatement) -> dict | None:
	if not statement.rows:
		return None
	balance_by_day: dict = {}
	for r in statement.rows:
		balance_by_day[r.entry.posting_date] = r.balance
	return {
		"data": {
			"labels": [str(d) for d in balance_by_day],
			"datasets": [{"name": _("Balance"), "values": list(balance_by_day.values())}],
		},
		"type": kpi.series_chart_type(len(balance_by_day)),
		"fieldtype": "Currency",
	}


def summary(statement: settlement.AccountStatement, currency: str) -> list[dict]:
	return [
		{
			"label": _("Opening Balance"),
			"value": statement.opening,
			"datatype": "Currency",
			"currency": currency,
		},
		{
			"label": _("Invoiced"),
			"value": statement.invoiced,
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Blue",
		},
		{
			"label": _("Paid"),
			"value": statement.paid,
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Green",
		},
		{
			"label": _("Credit Notes"),
			"value": statement.credited,
			"datatype": "Currency",
			"currency": currency,
		},
		{
			"label": _("Closing Balance"),
			"value": statement.closing,
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Red" if statement.closing > settlement.CENT else "Green",
		},
	]

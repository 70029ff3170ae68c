# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Supplier Performance: per supplier and operation (or item made), from the receipts of the
period: on-time return %, reject %, average delay of what came back late, cost per accepted unit."""

from __future__ import annotations

from typing import TypedDict

import frappe
from frappe import _
from frappe.utils import add_months, flt, getdate, nowdate

from order_tracking.core import outsourcing


class Filters(TypedDict, total=False):
	company: str
	supplier: str
	from_date: str
	to_date: str


def execute(filters: Filters | None = None):
	filters = frappe._dict(filters or {})
	start = getdate(filters.get("from_date") or add_months(nowdate(), -3))
	end = getdate(filters.get("to_date") or nowdate())
	receipt = frappe.qb.DocType("Outsourcing Receipt")
	item = frappe.qb.DocType("Outsourcing Receipt Item")
	query = (
		frappe.qb.from_(item)
		.join(receipt)
		.on(receipt.name == item.parent)
		.select(
			receipt.name,
			receipt.supplier,
			receipt.posting_date,
			receipt.due_date,
			item.item_code,
			item.operation,
			item.accepted_qty,
			item.rejected_qty,
			item.rework_qty,
			item.amount,
		)
		.where((receipt.docstatus == 1) & receipt.posting_date[start:end])
		.limit(100000)
	)
	for field in ("company", "supplier"):
		if filters.get(field):
			query = query.where(receipt[field] == filters[field])
	allowed = set(
		frappe.get_list(
			"Outsourcing Receipt",
			filters={"docstatus": 1, "posting_date": ["between", [start, end]]},
			pluck="name",
			limit=0,
		)
	)
	facts = [
		outsourcing.ReturnFact(
			r.supplier,
			r.operation or r.item_code,
			flt(r.accepted_qty),
			flt(r.rejected_qty) + flt(r.rework_qty),
			flt(r.amount),
			getdate(r.posting_date),
			getdate(r.due_date) if r.due_date else None,
		)
		for r in query.run(as_dict=True)
		if r.name in allowed
	]
	rows = outsourcing.supplier_performance(facts)
	data = [
		{
			"supplier": p.supplier,
			"subject": p.subject,
			"receipts": p.receipts,
			"received": p.received,
			"accepted": p.accepted,
			"rejected": p.rejected,
			"reject_pct": p.reject_pct,
			"on_time_pct": p.on_time_pct,
			"average_delay_days": p.average_delay_days,
			"cost_per_unit": p.cost_per_unit,
		}
		for p in rows
	]
	return columns(), data, None, chart(rows), summary(rows)


def columns():
	return [
		{
			"label": _("Supplier"),
			"fieldname": "supplier",
			"fieldtype": "Link",
			"options": "Supplier",
			"width": 160,
		},
		{"label": _("Operation or Item"), "fieldname": "subject", "fieldtype": "Data", "width": 160},
		{"label": _("Receipts"), "fieldname": "receipts", "fieldtype": "Int", "width": 80},
		{"label": _("Received"), "fieldname": "received", "fieldtype": "Float", "width": 90},
		{"label": _("Accepted"), "fieldname": "accepted", "fieldtype": "Float", "width": 90},
		{"label": _("Rejected"), "fieldname": "rejected", "fieldtype": "Float", "width": 90},
		{"label": _("Reject %"), "fieldname": "reject_pct", "fieldtype": "Percent", "width": 90},
		{"label": _("On Time %"), "fieldname": "on_time_pct", "fieldtype": "Percent", "width": 90},
		{
			"label": _("Average Delay (Days)"),
			"fieldname": "average_delay_days",
			"fieldtype": "Float",
			"width": 120,
		},
		{"label": _("Cost per Unit"), "fieldname": "cost_per_unit", "fieldtype": "Currency", "width": 110},
	]


def chart(rows):
	if not rows:
		return None
	labels = [f"{p.supplier} · {p.subject}" for p in rows]
	return {
		"data": {
			"labels": labels,
			"datasets": [
				{"name": _("On Time %"), "values": [p.on_time_pct for p in rows]},
				{"name": _("Reject %"), "values": [p.reject_pct for p in rows]},
			],
		},
		"type": "bar",
		"title": _("On time and rejected, by supplier"),
	}


def summary(rows):
	received = sum(p.received for p in rows)
	on_time = sum(p.on_time for p in rows)
	rejected = sum(p.rejected for p in rows)
	return [
		{"label": _("Received"), "value": received, "datatype": "Float"},
		{
			"label": _("On Time %"),
			"value": round(on_time / received * 100, 1) if received else 0,
			"datatype": "Percent",
		},
		{
			"label": _("Reject %"),
			"value": round(rejected / received * 100, 1) if received else 0,
			"datatype": "Percent",
		},
	]

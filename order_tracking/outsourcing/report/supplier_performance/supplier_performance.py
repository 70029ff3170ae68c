# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Supplier Performance: per supplier and operation (or item made), from the receipts of the
period: on-time return %, reject %, average delay of what came back late, cost per accepted unit.
The reject % counts the submitted Quality Inspections of the supplier's returns too (those whose
*Supplier* the app set: a Subcontracting Receipt's, a Purchase Receipt's or a Stock Entry's), for
a user who may read Quality Inspections: rejected at receipt and in inspection over all judged."""

from __future__ import annotations

from typing import TypedDict

import frappe
from frappe import _
from frappe.utils import add_months, flt, getdate, nowdate

from order_tracking.core import outsourcing
from order_tracking.custom_fields import QI_OPERATION, QI_SUPPLIER


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
	rows = outsourcing.supplier_performance(facts, inspection_facts(filters, start, end))
	data = [
		{
			"supplier": p.supplier,
			"subject": p.subject,
			"receipts": p.receipts,
			"received": p.received,
			"accepted": p.accepted,
			"rejected": p.rejected,
			"inspected": p.inspected,
			"inspection_rejected": p.inspection_rejected,
			"reject_pct": p.reject_pct,
			"on_time_pct": p.on_time_pct,
			"average_delay_days": p.average_delay_days,
			"cost_per_unit": p.cost_per_unit,
		}
		for p in rows
	]
	return columns(), data, None, chart(rows), summary(rows)


def inspection_facts(filters, start, end) -> list[outsourcing.InspectionFact]:
	"""The period's submitted inspections of what suppliers returned, as far as the user may read
	Quality Inspections (the report's other readers see the receipts' figures alone)."""
	if not frappe.has_permission("Quality Inspection", "read"):
		return []
	conditions = {"docstatus": 1, QI_SUPPLIER: ["is", "set"], "report_date": ["between", [start, end]]}
	if filters.get("supplier"):
		conditions[QI_SUPPLIER] = filters.supplier
	rows = frappe.get_list(
		"Quality Inspection",
		filters=conditions,
		fields=[QI_SUPPLIER, QI_OPERATION, "item_code", "sample_size", "status"],
		limit=0,
	)
	return [
		outsourcing.InspectionFact(
			r[QI_SUPPLIER], r[QI_OPERATION] or r.item_code, flt(r.sample_size), r.status == "Rejected"
		)
		for r in rows
	]


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
		{"label": _("Inspected"), "fieldname": "inspected", "fieldtype": "Float", "width": 90},
		{
			"label": _("Rejected in Inspection"),
			"fieldname": "inspection_rejected",
			"fieldtype": "Float",
			"width": 110,
		},
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
	rejected = sum(p.rejected + p.inspection_rejected for p in rows)
	judged = received + sum(p.inspected for p in rows)
	return [
		{"label": _("Received"), "value": received, "datatype": "Float"},
		{
			"label": _("On Time %"),
			"value": round(on_time / received * 100, 1) if received else 0,
			"datatype": "Percent",
		},
		{
			"label": _("Reject %"),
			"value": round(rejected / judged * 100, 1) if judged else 0,
			"datatype": "Percent",
		},
	]

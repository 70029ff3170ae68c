# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Outsourcing Status: what is out with suppliers — per line of every open outsourcing order:
sent, back, out for rework, pending, due and days late."""

from __future__ import annotations

from collections import defaultdict
from typing import TypedDict

import frappe
from frappe import _
from frappe.utils import flt, getdate

from order_tracking.core import outsourcing
from order_tracking.report_links import readable_links


class Filters(TypedDict, total=False):
	company: str
	supplier: str
	outsourcing_type: str
	late_only: int
	include_closed: int


def execute(filters: Filters | None = None):
	filters = frappe._dict(filters or {})
	order = frappe.qb.DocType("Outsourcing Order")
	item = frappe.qb.DocType("Outsourcing Order Item")
	query = (
		frappe.qb.from_(item)
		.join(order)
		.on(order.name == item.parent)
		.select(
			order.name.as_("outsourcing_order"),
			order.outsourcing_type,
			order.supplier,
			order.status,
			order.due_date,
			item.item_code,
			item.operation,
			item.sales_order,
			item.work_order,
			item.qty,
			item.sent_qty,
			item.accepted_qty,
			item.rejected_qty,
			item.rework_out_qty,
			item.pending_qty,
		)
		.where(order.docstatus == 1)
		.orderby(order.due_date)
		.orderby(order.name)
		.orderby(item.idx)
		.limit(5000)
	)
	if not filters.get("include_closed"):
		query = query.where(
			order.status.isin((outsourcing.TO_SEND, outsourcing.SENT, outsourcing.PARTLY_RETURNED))
		)
	for field in ("company", "supplier", "outsourcing_type"):
		if filters.get(field):
			query = query.where(order[field] == filters[field])
	allowed = set(frappe.get_list("Outsourcing Order", filters={"docstatus": 1}, pluck="name", limit=0))
	today = getdate()
	data = []
	for r in query.run(as_dict=True):
		if r.outsourcing_order not in allowed:
			continue
		r.days_late = (
			outsourcing.days_late(getdate(r.due_date), today) if flt(r.pending_qty) > outsourcing.EPS else 0
		)
		if filters.get("late_only") and not r.days_late:
			continue
		data.append(r)
	return readable_links(columns()), data, None, chart(data), summary(data)


def columns():
	return [
		{
			"label": _("Outsourcing Order"),
			"fieldname": "outsourcing_order",
			"fieldtype": "Link",
			"options": "Outsourcing Order",
			"width": 140,
		},
		{"label": _("Outsourcing Type"), "fieldname": "outsourcing_type", "fieldtype": "Data", "width": 110},
		{
			"label": _("Supplier"),
			"fieldname": "supplier",
			"fieldtype": "Link",
			"options": "Supplier",
			"width": 150,
		},
		{"label": _("Status"), "fieldname": "status", "fieldtype": "Data", "width": 110},
		{"label": _("Item"), "fieldname": "item_code", "fieldtype": "Link", "options": "Item", "width": 140},
		{
			"label": _("Operation"),
			"fieldname": "operation",
			"fieldtype": "Link",
			"options": "Operation",
			"width": 110,
		},
		{
			"label": _("Sales Order"),
			"fieldname": "sales_order",
			"fieldtype": "Link",
			"options": "Sales Order",
			"width": 130,
		},
		{
			"label": _("Work Order"),
			"fieldname": "work_order",
			"fieldtype": "Link",
			"options": "Work Order",
			"width": 130,
		},
		{"label": _("Qty"), "fieldname": "qty", "fieldtype": "Float", "width": 80},
		{"label": _("Sent"), "fieldname": "sent_qty", "fieldtype": "Float", "width": 80},
		{"label": _("Accepted"), "fieldname": "accepted_qty", "fieldtype": "Float", "width": 90},
		{"label": _("Rejected"), "fieldname": "rejected_qty", "fieldtype": "Float", "width": 80},
		{"label": _("Out for Rework"), "fieldname": "rework_out_qty", "fieldtype": "Float", "width": 100},
		{"label": _("Pending"), "fieldname": "pending_qty", "fieldtype": "Float", "width": 80},
		{"label": _("Return Due"), "fieldname": "due_date", "fieldtype": "Date", "width": 100},
		{"label": _("Days Late"), "fieldname": "days_late", "fieldtype": "Int", "width": 80},
	]


def chart(data):
	pending: dict[str, float] = defaultdict(float)
	for r in data:
		pending[r.supplier] += flt(r.pending_qty)
	if not pending:
		return None
	suppliers = sorted(pending)
	return {
		"data": {
			"labels": suppliers,
			"datasets": [{"name": _("Pending"), "values": [pending[s] for s in suppliers]}],
		},
		"type": "bar",
		"title": _("Pending with each supplier"),
	}


def summary(data):
	orders = {r.outsourcing_order for r in data}
	late = {r.outsourcing_order for r in data if r.days_late}
	return [
		{"label": _("Open Orders"), "value": len(orders), "datatype": "Int"},
		{"label": _("Pending"), "value": sum(flt(r.pending_qty) for r in data), "datatype": "Float"},
		{
			"label": _("Late Orders"),
			"value": len(late),
			"datatype": "Int",
			"indicator": "Red" if late else "Green",
		},
	]

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

"""Order Quality (issue 23): the orders' submitted Quality Inspections by order, item, operation,
supplier or month — inspected, accepted and rejected qty, first-pass yield (what passed at its lot's
first inspection, `ot_first_inspection`) and the rejected readings by parameter.

Two grouped queries whatever the number of inspections (the inspections, and their rejected
readings), over `report_date` BETWEEN the period's dates (indexed: order_tracking.quality.add_indexes).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TypedDict

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_months, flt, getdate

from order_tracking.core import quality
from order_tracking.custom_fields import QI_FIRST, QI_OPERATION, QI_SALES_ORDER, QI_SUPPLIER

GROUPS = {
	"Sales Order": QI_SALES_ORDER,
	"Item": "item_code",
	"Operation": QI_OPERATION,
	"Supplier": QI_SUPPLIER,
	"Month": "report_date",
}
LINKS = {"Sales Order": "Sales Order", "Item": "Item", "Operation": "Operation", "Supplier": "Supplier"}


class OrderQualityFilters(TypedDict, total=False):
	company: str
	from_date: str
	to_date: str
	group_by: str
	sales_order: str
	item_code: str
	supplier: str


def execute(filters: OrderQualityFilters | None = None):
	return OrderQuality(frappe._dict(filters or {})).run()


class OrderQuality:
	def __init__(self, filters):
		self.filters = filters
		self.group_by = filters.get("group_by") or "Sales Order"
		if self.group_by not in GROUPS:
			frappe.throw(
				_("Group By must be one of {0}").format(", ".join(_(g) for g in GROUPS)), title=_("Group By")
			)
		self.to_date = getdate(filters.get("to_date")) if filters.get("to_date") else getdate()
		self.from_date = (
			getdate(filters.get("from_date")) if filters.get("from_date") else add_months(self.to_date, -1)
		)
		if self.from_date > self.to_date:
			frappe.throw(_("From Date {0} is after To Date {1}").format(self.from_date, self.to_date))

	def run(self):
		rows = self.rows()
		return self.columns(), rows, None, self.chart(rows), self.summary(rows)

	def conditions(self, qi):
		condition = (qi.docstatus == 1) & qi.report_date.between(self.from_date, self.to_date)
		condition &= qi[QI_SALES_ORDER].isnotnull()
		for field, column in (
			("company", "company"),
			("sales_order", QI_SALES_ORDER),
			("item_code", "item_code"),
			("supplier", QI_SUPPLIER),
		):
			if self.filters.get(field):
				condition &= qi[column] == self.filters.get(field)
		return condition

	def rows(self) -> list[dict]:
		qi = frappe.qb.DocType("Quality Inspection")
		key = qi[GROUPS[self.group_by]]
		rejected = Case().when(qi.status == quality.REJECTED, qi.sample_size).else_(0)
		first = Case().when(qi[QI_FIRST] == 1, qi.sample_size).else_(0)
		first_good = (
			Case().when((qi[QI_FIRST] == 1) & (qi.status != quality.REJECTED), qi.sample_size).else_(0)
		)
		totals = (
			frappe.qb.from_(qi)
			.select(
				key.as_("key"),
				Count(qi.name).as_("inspections"),
				Sum(qi.sample_size).as_("inspected"),
				Sum(rejected).as_("rejected"),
				Sum(first).as_("first"),
				Sum(first_good).as_("first_good"),
			)
			.where(self.conditions(qi))
			.groupby(key)
			.run(as_dict=True)
		)
		defects = self.defects(qi, key)
		grouped: dict = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0])
		for r in totals:
			k = self.key_of(r.key)
			for i, value in enumerate((r.inspections, r.inspected, r.rejected, r.first, r.first_good)):
				grouped[k][i] += flt(value)
		result = []
		for k, (count, inspected, rejected_qty, first_qty, good) in sorted(
			grouped.items(), key=lambda x: str(x[0])
		):
			result.append(
				{
					"key": k,
					"inspections": int(count),
					"inspected_qty": inspected,
					"accepted_qty": inspected - rejected_qty,
					"rejected_qty": rejected_qty,
					"rejected_pct": round(100 * rejected_qty / inspected, 2) if inspected else 0,
					"first_pass_yield": quality.first_pass_yield(good, first_qty) or 0,
					"defects": ", ".join(
						f"{spec} ({n})" for spec, n in defects.get(k, Counter()).most_common()
					),
				}
			)
		return result

	def key_of(self, value):
		if self.group_by == "Month":
			return getdate(value).strftime("%Y-%m") if value else ""
		return value or ""

	def defects(self, qi, key) -> dict:
		"""Rejected readings by parameter, per group."""
		reading = frappe.qb.DocType("Quality Inspection Reading")
		rows = (
			frappe.qb.from_(reading)
			.join(qi)
			.on(qi.name == reading.parent)
			.select(key.as_("key"), reading.specification, Count(reading.name).as_("n"))
			.where(self.conditions(qi) & (reading.status == quality.REJECTED))
			.where(reading.parenttype == "Quality Inspection")
			.groupby(key, reading.specification)
			.run(as_dict=True)
		)
		result: dict = defaultdict(Counter)
		for r in rows:
			result[self.key_of(r.key)][r.specification] += int(r.n)
		return result

	def columns(self) -> list[dict]:
		link = LINKS.get(self.group_by)
		return [
			{
				"fieldname": "key",
				"label": _(self.group_by),
				"fieldtype": "Link" if link else "Data",
				"options": link,
				"width": 180,
			},
			{"fieldname": "inspections", "label": _("Inspections"), "fieldtype": "Int", "width": 100},
			{"fieldname": "inspected_qty", "label": _("Inspected Qty"), "fieldtype": "Float", "width": 120},
			{"fieldname": "accepted_qty", "label": _("Accepted Qty"), "fieldtype": "Float", "width": 120},
			{"fieldname": "rejected_qty", "label": _("Rejected Qty"), "fieldtype": "Float", "width": 120},
			{"fieldname": "rejected_pct", "label": _("Rejected %"), "fieldtype": "Percent", "width": 100},
			{
				"fieldname": "first_pass_yield",
				"label": _("First-Pass Yield"),
				"fieldtype": "Percent",
				"width": 120,
			},
			{"fieldname": "defects", "label": _("Defects by Parameter"), "fieldtype": "Data", "width": 260},
		]

	def chart(self, rows):
		top = sorted(rows, key=lambda r: -r["rejected_qty"])[:10]
		if not top:
			return None
		return {
			"data": {
				"labels": [str(r["key"]) for r in top],
				"datasets": [{"name": _("Rejected Qty"), "values": [r["rejected_qty"] for r in top]}],
			},
			"type": "bar",
		}

	def summary(self, rows):
		inspected = sum(r["inspected_qty"] for r in rows)
		rejected = sum(r["rejected_qty"] for r in rows)
		return [
			{"label": _("Inspected Qty"), "value": inspected, "datatype": "Float"},
			{
				"label": _("Rejected Qty"),
				"value": rejected,
				"datatype": "Float",
				"indicator": "Red" if rejected else "Green",
			},
			{
				"label": _("Rejected %"),
				"value": round(100 * rejected / inspected, 2) if inspected else 0,
				"datatype": "Percent",
			},
		]

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Order Profitability: revenue, cost by kind (material, labour, overhead, outsourcing, freight),
margin and margin % of the orders of a period — per order, customer or month of the order date —
from the cost and margin the tracker keeps (computed by `settlement.order_cost`, company currency).

Cost fields are at permission level 1: only the roles that may read them run this report. Orders
whose cost has not been computed yet are left out and counted in the summary."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Count, DateFormat, Max, Sum

from order_tracking.core import kpi
from order_tracking.order_tracking import order_kpis

GROUP_BY = (order_kpis.GROUP_SALES_ORDER, order_kpis.GROUP_CUSTOMER, order_kpis.GROUP_MONTH)
COSTS = ("material_cost", "labour_cost", "overhead_cost", "outsourcing_cost", "freight_cost")
AMOUNTS = ("revenue", *COSTS, "total_cost", "margin")
COST_PERMLEVEL = 1
TOP = 10


@frappe.read_only()
def execute(filters: order_kpis.KpiFilters | None = None):
	check_cost_access()
	return OrderProfitability(filters).run()


def check_cost_access():
	"""Cost and margin are readable by the roles holding permission level 1 on Order Tracker."""
	if COST_PERMLEVEL not in frappe.get_meta("Order Tracker").get_permlevel_access("read"):
		frappe.throw(
			_("Not permitted to read order cost and margin"),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


class OrderProfitability:
	def __init__(self, filters: order_kpis.KpiFilters | None):
		self.filters = order_kpis.parse_filters(filters, GROUP_BY, order_kpis.GROUP_CUSTOMER)
		self.currency = order_kpis.company_currency(self.filters)
		self.t = order_kpis.tracker()

	def run(self):
		data = [self.figures(r) for r in self.rows()]
		return self.columns(), data, None, self.chart(data), self.summary(self.totals(), self.uncosted())

	def rows(self):
		t = self.t
		group_by = self.filters.group_by
		if group_by == order_kpis.GROUP_SALES_ORDER:
			# a tracker per order: its own figures, no grouping (tens of thousands of rows)
			query = frappe.qb.from_(t).select(
				t.sales_order, t.customer, t.customer_name, t.transaction_date, *(t[f] for f in AMOUNTS)
			)
			query = order_kpis.restrict(query.where(t.cost_updated_at.isnotnull()), t, self.filters)
			rows = query.run(as_dict=True)
			rows.sort(key=lambda r: (-(r.margin or 0), r.sales_order))
			return rows
		if group_by == order_kpis.GROUP_CUSTOMER:
			keys, extra = [t.customer], [Max(t.customer_name).as_("customer_name")]
		else:
			keys, extra = [DateFormat(t.transaction_date, "%Y-%m").as_("period")], []
		query = (
			frappe.qb.from_(t)
			.select(*keys, *extra, Count("*").as_("orders"), *(Sum(t[f]).as_(f) for f in AMOUNTS))
			.where(t.cost_updated_at.isnotnull())
			.groupby(*keys)
		)
		rows = order_kpis.restrict(query, t, self.filters).run(as_dict=True)
		if group_by == order_kpis.GROUP_MONTH:
			rows.sort(key=lambda r: r.period)
		else:
			rows.sort(key=lambda r: (-(r.margin or 0), r.customer or ""))
		return rows

	def totals(self) -> dict:
		t = self.t
		query = frappe.qb.from_(t).select(Count("*").as_("orders"), *(Sum(t[f]).as_(f) for f in AMOUNTS))
		query = order_kpis.restrict(query.where(t.cost_updated_at.isnotnull()), t, self.filters)
		total = query.run(as_dict=True)[0]
		return {f: total[f] or 0 for f in ("orders", *AMOUNTS)}

	def uncosted(self) -> int:
		t = self.t
		query = frappe.qb.from_(t).select(Count("*")).where(t.cost_updated_at.isnull())
		return order_kpis.restrict(query, t, self.filters).run()[0][0]

	def figures(self, r) -> dict:
		"""The row with its margin % and currency (in place: there may be one per order)."""
		r.margin_pct = kpi.pct(r.margin or 0, r.revenue or 0)
		r.currency = self.currency
		return r

	def columns(self):
		def currency(label, fieldname, width=120):
			return {
				"label": label,
				"fieldname": fieldname,
				"fieldtype": "Currency",
				"options": "currency",
				"width": width,
			}

		first = order_kpis.group_column(self.filters.group_by)
		if self.filters.group_by == order_kpis.GROUP_SALES_ORDER:
			first += [
				*order_kpis.group_column(order_kpis.GROUP_CUSTOMER, 140),
				{"label": _("Date"), "fieldname": "transaction_date", "fieldtype": "Date", "width": 100},
			]
		else:
			first.append({"label": _("Orders"), "fieldname": "orders", "fieldtype": "Int", "width": 80})
		return [
			*first,
			currency(_("Revenue"), "revenue", 130),
			currency(_("Material Cost"), "material_cost"),
			currency(_("Labour Cost"), "labour_cost"),
			currency(_("Overhead Cost"), "overhead_cost"),
			currency(_("Outsourcing Cost"), "outsourcing_cost"),
			currency(_("Freight Cost"), "freight_cost"),
			currency(_("Total Cost"), "total_cost", 130),
			currency(_("Margin"), "margin", 130),
			{"label": _("Margin %"), "fieldname": "margin_pct", "fieldtype": "Percent", "width": 90},
			{**order_kpis.link(_("Currency"), "currency", "Currency", 80), "hidden": 1},
		]

	def chart(self, data: list[dict]):
		if not data:
			return None
		if self.filters.group_by == order_kpis.GROUP_MONTH:
			labels = [r["period"] for r in data]
			rows = data
		else:
			rows = data[:TOP]  # sorted by margin
			labels = [r.get("sales_order") or r.get("customer_name") or r.get("customer") for r in rows]
		return {
			"data": {
				"labels": labels,
				"datasets": [
					{"name": _("Revenue"), "values": [r["revenue"] or 0 for r in rows]},
					{"name": _("Total Cost"), "values": [r["total_cost"] or 0 for r in rows]},
					{"name": _("Margin"), "values": [r["margin"] or 0 for r in rows]},
				],
			},
			"type": "bar",
			"fieldtype": "Currency",
			"title": _("Revenue, cost and margin"),
		}

	def summary(self, total: dict, uncosted: int):
		def money(label, value, indicator=None):
			return {
				"label": label,
				"value": value,
				"datatype": "Currency",
				"currency": self.currency,
				"indicator": indicator,
			}

		margin_pct = kpi.pct(total["margin"], total["revenue"]) or 0
		return [
			{"label": _("Orders"), "value": total["orders"], "datatype": "Int"},
			money(_("Revenue"), total["revenue"], "Blue"),
			money(_("Total Cost"), total["total_cost"]),
			money(_("Margin"), total["margin"], "Green" if total["margin"] >= 0 else "Red"),
			{"label": _("Margin %"), "value": margin_pct, "datatype": "Percent"},
			{"label": _("Orders Without Cost"), "value": uncosted, "datatype": "Int"},
		]

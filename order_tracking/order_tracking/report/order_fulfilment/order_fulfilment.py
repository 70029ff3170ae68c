# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Order Fulfilment: how much of what was ordered has been delivered (fill rate by quantity and by
line) and what is still to deliver (the backlog, in quantity and in company-currency value) — by
month of the order date, customer or item group.

Every submitted line of a not-cancelled order counts for the fill rate, an over-delivery no more
than its ordered quantity; the backlog is what is left on lines of orders not closed."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, DateFormat, Max, Sum

from order_tracking.core import kpi, stages
from order_tracking.order_tracking import order_kpis

GROUP_BY = (order_kpis.GROUP_MONTH, order_kpis.GROUP_CUSTOMER, order_kpis.GROUP_ITEM_GROUP)
TOP = 10


@frappe.read_only()
def execute(filters: order_kpis.KpiFilters | None = None):
	return OrderFulfilment(filters).run()


class OrderFulfilment:
	def __init__(self, filters: order_kpis.KpiFilters | None):
		self.filters = order_kpis.parse_filters(filters, GROUP_BY, order_kpis.GROUP_MONTH)
		self.currency = order_kpis.company_currency(self.filters)

	def run(self):
		rows = self.tallies()
		total = kpi.FulfilmentTally()
		for _key, tally in rows:
			total.merge(tally.__dict__)
		if self.filters.group_by == order_kpis.GROUP_ITEM_GROUP:
			# an order with lines of several groups counts once in the total
			total.orders = self.order_count()
		data = [{**key, **self.figures(tally)} for key, tally in rows]
		return self.columns(), data, None, self.chart(data), self.summary(total)

	# ---------------------------------------------------------------- query

	def tallies(self) -> list[tuple[dict, kpi.FulfilmentTally]]:
		t, soi = order_kpis.tracker(), order_kpis.sales_order_item()
		group_by = self.filters.group_by
		delivered = order_kpis.Greatest(soi.delivered_qty, 0)
		is_open = t.stage != stages.CLOSED
		open_qty = Case().when(is_open, order_kpis.Greatest(soi.qty - delivered, 0)).else_(0)
		if group_by == order_kpis.GROUP_CUSTOMER:
			keys, extra = [t.customer], [Max(t.customer_name).as_("customer_name")]
		elif group_by == order_kpis.GROUP_ITEM_GROUP:
			keys, extra = [soi.item_group], []
		else:
			keys, extra = [DateFormat(t.transaction_date, "%Y-%m").as_("period")], []
		if group_by == order_kpis.GROUP_ITEM_GROUP:
			orders = Count(t.name).distinct().as_("orders")
		else:
			# an order lies in one month and with one customer: count its first line, which is
			# cheaper than COUNT(DISTINCT) over the lines of every order
			orders = Sum(Case().when(soi.idx == 1, 1).else_(0)).as_("orders")
		query = (
			frappe.qb.from_(t)
			.join(soi)
			.on(soi.parent == t.name)
			.where((soi.parenttype == "Sales Order") & (soi.docstatus == 1))
			.select(
				*keys,
				*extra,
				orders,
				Count("*").as_("lines"),
				Sum(Case().when(delivered >= soi.qty, 1).else_(0)).as_("lines_complete"),
				Sum(soi.qty).as_("ordered_qty"),
				Sum(order_kpis.Least(delivered, soi.qty)).as_("filled_qty"),
				Sum(open_qty).as_("open_qty"),
				Sum(open_qty * soi.base_net_rate).as_("open_value"),
			)
			.groupby(*keys)
		)
		rows = order_kpis.restrict(query, t, self.filters).run(as_dict=True)
		if group_by == order_kpis.GROUP_MONTH:
			rows.sort(key=lambda r: r.period or "")
		else:
			rows.sort(key=lambda r: (-(r.open_value or 0), str(r.get("customer") or r.get("item_group"))))
		out = []
		for r in rows:
			if group_by == order_kpis.GROUP_CUSTOMER:
				key = {"customer": r.customer, "customer_name": r.customer_name}
			elif group_by == order_kpis.GROUP_ITEM_GROUP:
				key = {"item_group": r.item_group}
			else:
				key = {"period": r.period}
			out.append((key, kpi.FulfilmentTally().merge(r)))
		return out

	def order_count(self) -> int:
		t = order_kpis.tracker()
		return order_kpis.restrict(frappe.qb.from_(t).select(Count("*")), t, self.filters).run()[0][0]

	# ---------------------------------------------------------------- output

	def figures(self, tally: kpi.FulfilmentTally) -> dict:
		return {
			"orders": tally.orders,
			"lines": tally.lines,
			"ordered_qty": tally.ordered_qty,
			"filled_qty": tally.filled_qty,
			"fill_rate": tally.fill_rate,
			"line_fill_rate": tally.line_fill_rate,
			"open_qty": tally.open_qty,
			"open_value": tally.open_value,
			"currency": self.currency,
		}

	def columns(self):
		def currency(label, fieldname):
			return {
				"label": label,
				"fieldname": fieldname,
				"fieldtype": "Currency",
				"options": "currency",
				"width": 130,
			}

		return [
			*order_kpis.group_column(self.filters.group_by),
			{"label": _("Orders"), "fieldname": "orders", "fieldtype": "Int", "width": 80},
			{"label": _("Lines"), "fieldname": "lines", "fieldtype": "Int", "width": 80},
			{"label": _("Ordered Qty"), "fieldname": "ordered_qty", "fieldtype": "Float", "width": 110},
			{"label": _("Delivered Qty"), "fieldname": "filled_qty", "fieldtype": "Float", "width": 110},
			{"label": _("Fill Rate %"), "fieldname": "fill_rate", "fieldtype": "Percent", "width": 100},
			{
				"label": _("Lines Delivered in Full %"),
				"fieldname": "line_fill_rate",
				"fieldtype": "Percent",
				"width": 120,
			},
			{"label": _("Backlog Qty"), "fieldname": "open_qty", "fieldtype": "Float", "width": 110},
			currency(_("Backlog Value"), "open_value"),
			{**order_kpis.link(_("Currency"), "currency", "Currency", 80), "hidden": 1},
		]

	def chart(self, data: list[dict]):
		if not data:
			return None
		if self.filters.group_by == order_kpis.GROUP_MONTH:
			return {
				"data": {
					"labels": [r["period"] for r in data],
					"datasets": [{"name": _("Fill Rate %"), "values": [r["fill_rate"] or 0 for r in data]}],
				},
				"type": kpi.series_chart_type(len(data)),
				"fieldtype": "Percent",
				"title": _("Fill rate by month"),
			}
		field = "customer" if self.filters.group_by == order_kpis.GROUP_CUSTOMER else "item_group"
		top = kpi.top_n(data, lambda r: r["open_value"], TOP)
		return {
			"data": {
				"labels": [r[field] for r in top],
				"datasets": [{"name": _("Backlog Value"), "values": [r["open_value"] for r in top]}],
			},
			"type": "bar",
			"fieldtype": "Currency",
			"title": _("Largest backlogs"),
		}

	def summary(self, total: kpi.FulfilmentTally):
		return [
			{"label": _("Orders"), "value": total.orders, "datatype": "Int"},
			{
				"label": _("Fill Rate %"),
				"value": total.fill_rate or 0,
				"datatype": "Percent",
				"indicator": "Green" if (total.fill_rate or 0) >= 95 else "Orange",
			},
			{
				"label": _("Lines Delivered in Full %"),
				"value": total.line_fill_rate or 0,
				"datatype": "Percent",
			},
			{"label": _("Backlog Qty"), "value": total.open_qty, "datatype": "Float"},
			{
				"label": _("Backlog Value"),
				"value": total.open_value,
				"datatype": "Currency",
				"currency": self.currency,
				"indicator": "Blue",
			},
		]

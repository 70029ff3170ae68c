# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Customer Analysis: who orders what and how they are served — per customer (or customer group):
orders, order value in company currency, average order, share of the period's value, on-time
delivery of their delivered orders, what they owe and how many of their orders are overdue, and
their last order date. Orders of the period by order date; cancelled ones never count."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Max, Sum

from order_tracking.core import after_sales, kpi
from order_tracking.order_tracking import order_kpis

GROUP_CUSTOMER_GROUP = "Customer Group"
GROUP_BY = (order_kpis.GROUP_CUSTOMER, GROUP_CUSTOMER_GROUP)
TOP = 10


@frappe.read_only()
def execute(filters: order_kpis.KpiFilters | None = None):
	return CustomerAnalysis(filters).run()


class CustomerAnalysis:
	def __init__(self, filters: order_kpis.KpiFilters | None):
		self.filters = order_kpis.parse_filters(filters, GROUP_BY, order_kpis.GROUP_CUSTOMER)
		self.currency = order_kpis.company_currency(self.filters)

	def run(self):
		rows = self.rows()
		total_value = sum(r.order_value or 0 for r in rows)
		total = kpi.OnTimeTally()
		for r in rows:
			total.merge(r.delivered, r.on_time, r.days_late)
		data = [self.figures(r, total_value) for r in rows]
		return self.columns(), data, None, self.chart(data), self.summary(data, total_value, total)

	def rows(self):
		t = order_kpis.tracker()
		so = frappe.qb.DocType("Sales Order")
		customer = frappe.qb.DocType("Customer")
		delivered_on = order_kpis.delivered_on(t)
		counted = t.delivered_at.isnotnull() & t.promised_date.isnotnull()
		if self.filters.group_by == GROUP_CUSTOMER_GROUP:
			keys = [customer.customer_group]
			extra = [Count(t.customer).distinct().as_("customers")]
		else:
			keys = [t.customer]
			extra = [
				Max(t.customer_name).as_("customer_name"),
				Max(customer.customer_group).as_("customer_group"),
			]
		query = (
			frappe.qb.from_(t)
			.join(so)
			.on(so.name == t.sales_order)
			.left_join(customer)
			.on(customer.name == t.customer)
			.select(
				*keys,
				*extra,
				Count("*").as_("orders"),
				Sum(so.base_grand_total).as_("order_value"),
				Sum(Case().when(counted, 1).else_(0)).as_("delivered"),
				Sum(Case().when(counted & (delivered_on <= t.promised_date), 1).else_(0)).as_("on_time"),
				Sum(
					Case()
					.when(
						counted & (delivered_on > t.promised_date),
						order_kpis.DateDiff(delivered_on, t.promised_date),
					)
					.else_(0)
				).as_("days_late"),
				Sum(t.outstanding_amount * so.conversion_rate).as_("outstanding"),
				Sum(Case().when(t.payment_status == "Overdue", 1).else_(0)).as_("overdue_orders"),
				Max(t.transaction_date).as_("last_order_date"),
				# after delivery: the customer's ratings and complaints (After Sales)
				Sum(Case().when(t.customer_rating > 0, 1).else_(0)).as_("ratings"),
				Sum(t.customer_rating).as_("rating_total"),
				Sum(t.complaints).as_("complaints"),
			)
			.groupby(*keys)
		)
		rows = order_kpis.restrict(query, t, self.filters).run(as_dict=True)
		rows.sort(key=lambda r: (-(r.order_value or 0), str(r.get("customer") or r.get("customer_group"))))
		return rows

	def figures(self, r, total_value: float) -> dict:
		tally = kpi.OnTimeTally().merge(r.delivered, r.on_time, r.days_late)
		out = {
			"customer_group": r.customer_group,
			"orders": r.orders,
			"order_value": r.order_value or 0,
			"average_order_value": (r.order_value or 0) / r.orders if r.orders else 0,
			"share_pct": kpi.pct(r.order_value or 0, total_value),
			"delivered": tally.delivered,
			"on_time_pct": tally.on_time_pct,
			"outstanding": r.outstanding or 0,
			"overdue_orders": r.overdue_orders,
			"last_order_date": r.last_order_date,
			"currency": self.currency,
			**self.satisfaction(r),
		}
		if self.filters.group_by == GROUP_CUSTOMER_GROUP:
			out["customers"] = r.customers
		else:
			out.update(customer=r.customer, customer_name=r.customer_name)
		return out

	@staticmethod
	def satisfaction(r) -> dict:
		figures = after_sales.satisfaction(
			r.orders or 0, int(r.ratings or 0), float(r.rating_total or 0), int(r.complaints or 0)
		)
		return {
			"ratings": figures.ratings,
			"mean_rating": figures.mean_rating,
			"complaints": figures.complaints,
			"complaints_per_100": figures.complaints_per_100,
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

		group = order_kpis.link(_("Customer Group"), "customer_group", "Customer Group", 150)
		if self.filters.group_by == GROUP_CUSTOMER_GROUP:
			first = [
				group,
				{"label": _("Customers"), "fieldname": "customers", "fieldtype": "Int", "width": 100},
			]
		else:
			first = [*order_kpis.group_column(order_kpis.GROUP_CUSTOMER), group]
		return [
			*first,
			{"label": _("Orders"), "fieldname": "orders", "fieldtype": "Int", "width": 80},
			currency(_("Order Value"), "order_value"),
			currency(_("Average Order Value"), "average_order_value"),
			{"label": _("Share %"), "fieldname": "share_pct", "fieldtype": "Percent", "width": 90},
			{"label": _("Delivered Orders"), "fieldname": "delivered", "fieldtype": "Int", "width": 120},
			{"label": _("On-Time %"), "fieldname": "on_time_pct", "fieldtype": "Percent", "width": 100},
			currency(_("Outstanding"), "outstanding"),
			{"label": _("Overdue Orders"), "fieldname": "overdue_orders", "fieldtype": "Int", "width": 110},
			{
				"label": _("Last Order Date"),
				"fieldname": "last_order_date",
				"fieldtype": "Date",
				"width": 110,
			},
			{"label": _("Ratings"), "fieldname": "ratings", "fieldtype": "Int", "width": 80},
			{
				"label": _("Mean Rating"),
				"fieldname": "mean_rating",
				"fieldtype": "Float",
				"precision": 2,
				"width": 100,
			},
			{"label": _("Complaints"), "fieldname": "complaints", "fieldtype": "Int", "width": 100},
			{
				"label": _("Complaints per 100 Orders"),
				"fieldname": "complaints_per_100",
				"fieldtype": "Float",
				"precision": 2,
				"width": 120,
			},
			{**order_kpis.link(_("Currency"), "currency", "Currency", 80), "hidden": 1},
		]

	def chart(self, data: list[dict]):
		if not data:
			return None
		top = data[:TOP]  # sorted by value
		field = "customer_group" if self.filters.group_by == GROUP_CUSTOMER_GROUP else "customer"
		return {
			"data": {
				"labels": [r.get("customer_name") or r[field] for r in top],
				"datasets": [{"name": _("Order Value"), "values": [r["order_value"] for r in top]}],
			},
			"type": "bar",
			"fieldtype": "Currency",
			"title": _("Largest customers by order value"),
		}

	def summary(self, data: list[dict], total_value: float, total: kpi.OnTimeTally):
		orders = sum(r["orders"] for r in data)
		top_value = sum(r["order_value"] for r in data[:TOP])
		return [
			{"label": _("Orders"), "value": orders, "datatype": "Int"},
			{
				"label": _("Order Value"),
				"value": total_value,
				"datatype": "Currency",
				"currency": self.currency,
				"indicator": "Blue",
			},
			{
				"label": _("Top 10 Share %"),
				"value": kpi.pct(top_value, total_value) or 0,
				"datatype": "Percent",
			},
			{"label": _("On-Time %"), "value": total.on_time_pct or 0, "datatype": "Percent"},
			{
				"label": _("Outstanding"),
				"value": sum(r["outstanding"] for r in data),
				"datatype": "Currency",
				"currency": self.currency,
				"indicator": "Red",
			},
			*self.satisfaction_summary(data, orders),
		]

	@staticmethod
	def satisfaction_summary(data: list[dict], orders: int) -> list[dict]:
		ratings = sum(r["ratings"] for r in data)
		total = after_sales.satisfaction(
			orders,
			ratings,
			sum((r["mean_rating"] or 0) * r["ratings"] for r in data),
			sum(r["complaints"] for r in data),
		)
		return [
			{
				"label": _("Mean Rating"),
				"value": total.mean_rating or 0,
				"datatype": "Float",
				"indicator": "Green",
			},
			{
				"label": _("Complaints per 100 Orders"),
				"value": total.complaints_per_100 or 0,
				"datatype": "Float",
			},
		]

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""On-Time Delivery: of the delivered orders, the share delivered on or before their promised date,
and how late the late ones were — by month, customer or item group.

An order counts once it has reached Delivered (a closed order too, when it had); its delivery date
is the tracker's ETA, which for a delivered order is its last delivery. Orders without a promised
date are not counted. By item group, an order counts in every group it has a line of."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Max, Sum

from order_tracking.core import kpi
from order_tracking.order_tracking import order_kpis

GROUP_BY = (order_kpis.GROUP_MONTH, order_kpis.GROUP_CUSTOMER, order_kpis.GROUP_ITEM_GROUP)
BASED_ON = {"Order Date": "transaction_date", "Delivery Date": "eta"}


class Filters(order_kpis.KpiFilters, total=False):
	based_on: str


@frappe.read_only()
def execute(filters: Filters | None = None):
	return OnTimeDelivery(filters).run()


class OnTimeDelivery:
	def __init__(self, filters: Filters | None):
		self.filters = order_kpis.parse_filters(filters, GROUP_BY, order_kpis.GROUP_MONTH)
		based_on = self.filters.get("based_on") or "Order Date"
		if based_on not in BASED_ON:
			frappe.throw(_("Based On must be Order Date or Delivery Date"), title=_("Invalid Filters"))
		self.date_field = BASED_ON[based_on]
		self.t = order_kpis.tracker()

	def run(self):
		by_month = self.tally_by_month()
		group_by = self.filters.group_by
		if group_by == order_kpis.GROUP_MONTH:
			groups = [
				({"period": order_kpis.period_label(m)}, tally) for m, tally in sorted(by_month.items())
			]
		elif group_by == order_kpis.GROUP_CUSTOMER:
			groups = self.tally_by_customer()
		else:
			groups = self.tally_by_item_group()
		total = kpi.OnTimeTally()
		for tally in by_month.values():
			total.merge(tally.delivered, tally.on_time, tally.days_late)
		data = [{**key, **self.figures(tally)} for key, tally in groups]
		return self.columns(), data, None, self.chart(by_month), self.summary(total)

	# ---------------------------------------------------------------- queries

	def measures(self, query):
		"""Delivered orders, on time, and days late of the late ones, per group of `query`."""
		on_time, days_late = self.order_measures()
		return query.select(
			Count("*").as_("delivered"), Sum(on_time).as_("on_time"), Sum(days_late).as_("days_late")
		)

	def order_measures(self):
		t = self.t
		delivered_on = order_kpis.delivered_on(t)
		on_time = Case().when(delivered_on <= t.promised_date, 1).else_(0)
		days_late = (
			Case()
			.when(delivered_on > t.promised_date, order_kpis.DateDiff(delivered_on, t.promised_date))
			.else_(0)
		)
		return on_time, days_late

	def delivered(self, query):
		t = self.t
		query = order_kpis.restrict(query, t, self.filters, self.date_field)
		return query.where(t.delivered_at.isnotnull() & t.promised_date.isnotnull())

	def tally_by_month(self) -> dict:
		t = self.t
		day = t[self.date_field]
		query = self.measures(self.delivered(frappe.qb.from_(t)).select(day.as_("day")).groupby(day))
		months: dict = {}
		for start, rows in order_kpis.month_rows(query.run(as_dict=True), "day").items():
			tally = kpi.OnTimeTally()
			for r in rows:
				tally.merge(r.delivered, r.on_time, r.days_late)
			months[start] = tally
		return months

	def tally_by_customer(self):
		t = self.t
		query = self.measures(
			self.delivered(frappe.qb.from_(t))
			.select(t.customer, Max(t.customer_name).as_("customer_name"))
			.groupby(t.customer)
		)
		rows = query.run(as_dict=True)
		rows.sort(key=lambda r: (-r.delivered, r.customer))
		return [
			(
				{"customer": r.customer, "customer_name": r.customer_name},
				kpi.OnTimeTally().merge(r.delivered, r.on_time, r.days_late),
			)
			for r in rows
		]

	def tally_by_item_group(self):
		"""Each order once per item group it has lines of: the database sums per combination of
		item groups the tracker keeps (a few hundred rows), each combination counts in its groups."""
		t = self.t
		query = self.measures(self.delivered(frappe.qb.from_(t)).select(t.item_groups).groupby(t.item_groups))
		tallies: dict[str, kpi.OnTimeTally] = {}
		for r in query.run(as_dict=True):
			for item_group in order_kpis.split_item_groups(r.item_groups):
				tally = tallies.setdefault(item_group, kpi.OnTimeTally())
				tally.merge(r.delivered, r.on_time, r.days_late)
		groups = sorted(tallies.items(), key=lambda g: (-g[1].delivered, g[0]))
		return [({"item_group": item_group}, tally) for item_group, tally in groups]

	# ---------------------------------------------------------------- output

	@staticmethod
	def figures(tally: kpi.OnTimeTally) -> dict:
		return {
			"delivered": tally.delivered,
			"on_time": tally.on_time,
			"late": tally.late,
			"on_time_pct": tally.on_time_pct,
			"average_days_late": tally.average_days_late,
		}

	def columns(self):
		return [
			*order_kpis.group_column(self.filters.group_by),
			{"label": _("Delivered Orders"), "fieldname": "delivered", "fieldtype": "Int", "width": 120},
			{"label": _("On Time"), "fieldname": "on_time", "fieldtype": "Int", "width": 90},
			{"label": _("Late"), "fieldname": "late", "fieldtype": "Int", "width": 80},
			{"label": _("On-Time %"), "fieldname": "on_time_pct", "fieldtype": "Percent", "width": 100},
			{
				"label": _("Average Days Late"),
				"fieldname": "average_days_late",
				"fieldtype": "Float",
				"precision": 1,
				"width": 130,
			},
		]

	@staticmethod
	def chart(by_month: dict):
		months = sorted(m for m, tally in by_month.items() if tally.delivered)
		if not months:
			return None
		return {
			"data": {
				"labels": [order_kpis.period_label(m) for m in months],
				"datasets": [{"name": _("On-Time %"), "values": [by_month[m].on_time_pct for m in months]}],
			},
			"type": kpi.series_chart_type(len(months)),
			"fieldtype": "Percent",
			"title": _("On-Time Delivery % by month"),
		}

	@staticmethod
	def summary(total: kpi.OnTimeTally):
		return [
			{"label": _("Delivered Orders"), "value": total.delivered, "datatype": "Int"},
			{
				"label": _("On-Time %"),
				"value": total.on_time_pct or 0,
				"datatype": "Percent",
				"indicator": "Green" if (total.on_time_pct or 0) >= 90 else "Orange",
			},
			{"label": _("Late"), "value": total.late, "datatype": "Int", "indicator": "Red"},
			{"label": _("Average Days Late"), "value": total.average_days_late or 0, "datatype": "Float"},
		]


@frappe.whitelist()
@frappe.read_only()
def on_time_this_month(filters: str | dict | None = None) -> dict:
	"""Number card: On-Time % of the orders delivered this month (by their delivery date)."""
	from frappe.utils import get_first_day, nowdate

	if not frappe.get_cached_doc("Report", "On-Time Delivery").is_permitted():
		frappe.throw(_("Not permitted to see On-Time Delivery"), frappe.PermissionError)
	try:
		filters = frappe.parse_json(filters) if isinstance(filters, str) else (filters or {})
	except ValueError:
		frappe.throw(_("Filters must be JSON"), title=_("Invalid Request"))
	if isinstance(filters, list):  # a card's filters: [[doctype, field, operator, value], ...]
		filters = {f[1]: f[3] for f in filters if isinstance(f, list) and len(f) >= 4 and f[2] == "="}
	if not isinstance(filters, dict):
		frappe.throw(_("Filters must be JSON"), title=_("Invalid Request"))
	report = OnTimeDelivery(
		{
			"company": filters.get("company"),
			"from_date": get_first_day(nowdate()),
			"to_date": nowdate(),
			"based_on": "Delivery Date",
			"group_by": order_kpis.GROUP_MONTH,
		}
	)
	total = kpi.OnTimeTally()
	for tally in report.tally_by_month().values():
		total.merge(tally.delivered, tally.on_time, tally.days_late)
	return {"value": total.on_time_pct or 0, "fieldtype": "Percent"}

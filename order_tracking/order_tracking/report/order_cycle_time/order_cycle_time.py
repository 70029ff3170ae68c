# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Order Cycle Time: how many days orders spend between stages — Received → Approved, Approved →
Planned, … Billed → Paid, and in total Received → Delivered and Delivered → Paid — as count, mean,
median and 90th percentile, from the dates the tracker records for each stage; over all orders or
by customer, item group or month (of the order date).

An order counts for a step once it has reached both of its stages; a closed order keeps the steps
it made. By item group, an order counts in every group it has a line of."""

from __future__ import annotations

from pypika.terms import LiteralValue

import frappe
from frappe import _
from frappe.query_builder import CustomFunction
from frappe.query_builder.functions import Count, DateFormat, GroupConcat

from order_tracking.core import kpi
from order_tracking.order_tracking import order_kpis

GROUP_BY = (
	order_kpis.GROUP_NONE,
	order_kpis.GROUP_CUSTOMER,
	order_kpis.GROUP_ITEM_GROUP,
	order_kpis.GROUP_MONTH,
)
STAGE_FIELDS = tuple(kpi.STAGE_DATE_FIELDS.values())
MINUTES_PER_DAY = 1440
# A month of one group's orders, ten segments, about seven characters a value (or a year of an item
# group's order names): far below this.
GROUP_CONCAT_MAX = 16 * 1024 * 1024
TimestampDiff = CustomFunction("TIMESTAMPDIFF", ["unit", "start", "end"])
Greatest = CustomFunction("GREATEST", ["a", "b"])


@frappe.read_only()
def execute(filters: order_kpis.KpiFilters | None = None):
	return OrderCycleTime(filters).run()


def segment_label(segment: kpi.Segment) -> str:
	return f"{_(segment.start)} → {_(segment.end)}"


class OrderCycleTime:
	def __init__(self, filters: order_kpis.KpiFilters | None):
		self.filters = order_kpis.parse_filters(filters, GROUP_BY, order_kpis.GROUP_NONE)
		self.t = order_kpis.tracker()

	def run(self):
		group_by = self.filters.group_by
		if group_by == order_kpis.GROUP_ITEM_GROUP:
			by_group, orders, overall, total_orders = self.by_item_group()
		else:
			by_group, orders = self.merged(self.samples(group_by), group_by)
			overall, total_orders = self.merged_groups(by_group), orders
		lists = overall.get((), {s.key: [] for s in kpi.SEGMENTS})
		total = {s.key: self.describe(lists[s.key]) for s in kpi.SEGMENTS}
		if group_by == order_kpis.GROUP_NONE:
			data = [self.figures(s, total[s.key]) for s in kpi.SEGMENTS]
		else:
			data = []
			for key in sorted(by_group, key=self.sort_key(orders)):
				for segment in kpi.SEGMENTS:
					d = self.describe(by_group[key][segment.key])
					data.append({**self.group_fields(key), **self.figures(segment, d)})
		return (
			self.columns(),
			data,
			None,
			self.chart(total),
			self.summary(total, sum(total_orders.values())),
		)

	# ---------------------------------------------------------------- query

	def samples(self, group_by: str):
		"""Per group (and month of the order date, or combination of item groups): for each
		segment, the minutes every order took, as one comma-separated list (the database computes
		the differences and joins them, so a few hundred rows travel instead of one per order)."""
		t = self.t
		if group_by == order_kpis.GROUP_CUSTOMER:
			keys = [t.customer, t.customer_name]
		elif group_by == order_kpis.GROUP_ITEM_GROUP:
			keys = [t.item_groups]
		else:
			keys = []
		month = DateFormat(t.transaction_date, "%Y-%m").as_("month")
		if group_by != order_kpis.GROUP_ITEM_GROUP:
			keys.append(month)
		fields = [*keys, Count("*").as_("orders")]
		fields += [GroupConcat(self.minutes(s)).as_(s.key) for s in kpi.SEGMENTS]
		query = frappe.qb.from_(t).select(*fields).groupby(*keys)
		query = order_kpis.restrict(query, t, self.filters).where(t.received_at.isnotnull())
		order_kpis.allow_long_group_concat(GROUP_CONCAT_MAX)
		return query.run(as_dict=True)

	def minutes(self, segment: kpi.Segment):
		"""Minutes from the segment's start to its end (NULL until both are reached: GROUP_CONCAT
		leaves it out); a stage date recorded before the one it follows counts as no time."""
		t = self.t
		return Greatest(
			TimestampDiff(LiteralValue("MINUTE"), t[segment.start_field], t[segment.end_field]), 0
		)

	def by_item_group(self):
		"""By item group an order counts in each group it has lines of, and once in the totals:
		the rows are per combination of item groups the trackers keep."""
		by_group: dict[tuple, dict[str, list[int]]] = {}
		orders: dict[tuple, int] = {}
		every = {s.key: [] for s in kpi.SEGMENTS}
		total_orders = 0
		for row in self.samples(order_kpis.GROUP_ITEM_GROUP):
			total_orders += row.orders
			groups = [(g,) for g in order_kpis.split_item_groups(row.item_groups)]
			for key in groups:
				orders[key] = orders.get(key, 0) + row.orders
			for s in kpi.SEGMENTS:
				values = self.parse(row[s.key])
				every[s.key].extend(values)
				for key in groups:
					by_group.setdefault(key, {x.key: [] for x in kpi.SEGMENTS})[s.key].extend(values)
		return by_group, orders, {(): every}, {(): total_orders}

	@staticmethod
	def parse(joined: str | None) -> list[int]:
		return [int(m) for m in joined.split(",")] if joined else []

	def merged(self, rows, group_by: str):
		"""The minutes of each segment per group, and the number of orders per group."""
		out: dict[tuple, dict[str, list[int]]] = {}
		orders: dict[tuple, int] = {}
		for row in rows:
			key = self.group_key(row, group_by)
			lists = out.setdefault(key, {s.key: [] for s in kpi.SEGMENTS})
			orders[key] = orders.get(key, 0) + row.orders
			for s in kpi.SEGMENTS:
				lists[s.key].extend(self.parse(row[s.key]))
		return out, orders

	@staticmethod
	def describe(minutes: list[int]) -> kpi.Distribution:
		"""Days from minutes, sorting the list in place (it is not used again)."""
		minutes.sort()
		return kpi.describe_sorted(minutes, 1 / MINUTES_PER_DAY)

	@staticmethod
	def merged_groups(by_group):
		lists = {s.key: [] for s in kpi.SEGMENTS}
		for group in by_group.values():
			for key, values in group.items():
				lists[key].extend(values)
		return {(): lists}

	# ---------------------------------------------------------------- grouping

	@staticmethod
	def group_key(row, group_by: str) -> tuple:
		if group_by == order_kpis.GROUP_CUSTOMER:
			return (row.customer, row.customer_name)
		if group_by == order_kpis.GROUP_ITEM_GROUP:
			return (row.item_group,)
		if group_by == order_kpis.GROUP_MONTH:
			return (row.month,)
		return ()

	def sort_key(self, orders: dict[tuple, int]):
		if self.filters.group_by == order_kpis.GROUP_MONTH:
			return lambda key: key
		return lambda key: (-orders[key], str(key[0]))

	def group_fields(self, key: tuple) -> dict:
		group_by = self.filters.group_by
		if group_by == order_kpis.GROUP_CUSTOMER:
			return {"customer": key[0], "customer_name": key[1]}
		if group_by == order_kpis.GROUP_ITEM_GROUP:
			return {"item_group": key[0]}
		if group_by == order_kpis.GROUP_MONTH:
			return {"period": key[0]}
		return {}

	@staticmethod
	def figures(segment: kpi.Segment, d: kpi.Distribution) -> dict:
		def days(value):
			return round(value, 1) if value is not None else None

		return {
			"segment": segment_label(segment),
			"segment_key": segment.key,
			"is_total": int(segment.total),
			"orders": d.count,
			"mean_days": days(d.mean),
			"median_days": days(d.median),
			"p90_days": days(d.p90),
		}

	# ---------------------------------------------------------------- output

	def columns(self):
		return [
			*order_kpis.group_column(self.filters.group_by),
			{"label": _("Stage"), "fieldname": "segment", "fieldtype": "Data", "width": 220},
			{"label": _("Orders"), "fieldname": "orders", "fieldtype": "Int", "width": 90},
			{
				"label": _("Mean (Days)"),
				"fieldname": "mean_days",
				"fieldtype": "Float",
				"precision": 1,
				"width": 110,
			},
			{
				"label": _("Median (Days)"),
				"fieldname": "median_days",
				"fieldtype": "Float",
				"precision": 1,
				"width": 120,
			},
			{
				"label": _("P90 (Days)"),
				"fieldname": "p90_days",
				"fieldtype": "Float",
				"precision": 1,
				"width": 110,
			},
		]

	@staticmethod
	def chart(total: dict[str, kpi.Distribution]):
		steps = [s for s in kpi.STEPS if total[s.key].count]
		if not steps:
			return None
		return {
			"data": {
				"labels": [segment_label(s) for s in steps],
				"datasets": [
					{"name": _("Median (Days)"), "values": [round(total[s.key].median, 1) for s in steps]},
					{"name": _("P90 (Days)"), "values": [round(total[s.key].p90, 1) for s in steps]},
				],
			},
			"type": "bar",
			"title": _("Days per stage"),
		}

	@staticmethod
	def summary(total: dict[str, kpi.Distribution], orders: int):
		to_delivery, to_cash = (total[s.key] for s in kpi.TOTALS)
		return [
			{"label": _("Orders"), "value": orders, "datatype": "Int"},
			{
				"label": _("Median Days to Delivery"),
				"value": round(to_delivery.median or 0, 1),
				"datatype": "Float",
			},
			{
				"label": _("P90 Days to Delivery"),
				"value": round(to_delivery.p90 or 0, 1),
				"datatype": "Float",
			},
			{
				"label": _("Median Days Delivery to Payment"),
				"value": round(to_cash.median or 0, 1),
				"datatype": "Float",
			},
		]

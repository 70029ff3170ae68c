# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Capacity Load: per workstation and week, the hours of work scheduled on it — open job cards at
their scheduled times, operations of open work orders without a card at their planned times — against
the hours its calendar gives (working hours x units, holidays off)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TypedDict

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, getdate, nowdate

from order_tracking.core import planning
from order_tracking.order_tracking import review as review_data


class Filters(TypedDict, total=False):
	company: str
	from_date: str
	weeks: int
	workstation: str


def execute(filters: Filters | None = None):
	return CapacityLoad(frappe._dict(filters or {})).run()


class CapacityLoad:
	def __init__(self, filters):
		self.filters = filters
		if not filters.get("company"):
			frappe.throw(_("Company is required"), title=_("Missing Filter"))
		weeks = min(max(cint(filters.get("weeks")) or 4, 1), 26)
		self.start = planning.week_start(getdate(filters.get("from_date") or nowdate()))
		self.end = self.start + timedelta(days=7 * weeks - 1)
		self.buckets = planning.buckets(planning.WEEK, self.start, self.end)

	def run(self):
		blocks = self.scheduled_work()
		stations = {b[0] for b in blocks}
		if self.filters.get("workstation"):
			stations = {self.filters.workstation}
		else:
			stations |= set(
				frappe.get_all(
					"Workstation", filters={"company": ("in", [self.filters.company, "", None])}, pluck="name"
				)
				if frappe.get_meta("Workstation").has_field("company")
				else frappe.get_all("Workstation", pluck="name")
			)
		calendars, _load = review_data.workstation_capacity(self.filters.company, stations, set(), self.start)
		calendars = {c.workstation: c for c in calendars if c.workstation in stations}
		minutes: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
		for ws, start, end in blocks:
			if ws in calendars:
				for day, m in planning.working_minutes_by_day(calendars[ws], start, end).items():
					minutes[ws][day] += m
		rows = planning.capacity_table(calendars, self.buckets, minutes, {})
		return self.columns(), self.data(rows), None, self.chart(rows), self.summary(rows)

	def scheduled_work(self) -> list[tuple[str, datetime, datetime]]:
		"""(workstation, start, end) of open work in the window."""
		window_start = datetime.combine(self.start, datetime.min.time())
		window_end = datetime.combine(self.end + timedelta(days=1), datetime.min.time())
		jc = frappe.qb.DocType("Job Card")
		wo = frappe.qb.DocType("Work Order")
		wop = frappe.qb.DocType("Work Order Operation")
		cards = (
			frappe.qb.from_(jc)
			.select(jc.operation_id, jc.workstation, jc.expected_start_date, jc.expected_end_date)
			.where((jc.company == self.filters.company) & (jc.docstatus == 0))
			.where(jc.status.notin(("Completed", "Cancelled")))
			.where((jc.expected_start_date < window_end) & (jc.expected_end_date > window_start))
			.run(as_dict=True)
		)
		blocks = [
			(c.workstation, get_datetime(c.expected_start_date), get_datetime(c.expected_end_date))
			for c in cards
			if c.workstation
		]
		with_card = {c.operation_id for c in cards}
		for op in (
			frappe.qb.from_(wop)
			.join(wo)
			.on(wo.name == wop.parent)
			.select(wop.name, wop.workstation, wop.planned_start_time, wop.planned_end_time)
			.where((wo.company == self.filters.company) & (wo.docstatus == 1))
			.where(wo.status.isin(("Not Started", "In Process")) & (wop.status != "Completed"))
			.where((wop.planned_start_time < window_end) & (wop.planned_end_time > window_start))
			.run(as_dict=True)
		):
			if op.name not in with_card and op.workstation:
				blocks.append(
					(op.workstation, get_datetime(op.planned_start_time), get_datetime(op.planned_end_time))
				)
		return blocks

	def columns(self):
		cols = [
			{
				"label": _("Workstation"),
				"fieldname": "workstation",
				"fieldtype": "Link",
				"options": "Workstation",
				"width": 180,
			}
		]
		for b in self.buckets:
			key = b.label.replace("-", "_").lower()
			cols += [
				{
					"label": _("{0} Capacity (h)").format(b.label),
					"fieldname": f"{key}_capacity",
					"fieldtype": "Float",
					"width": 110,
				},
				{
					"label": _("{0} Load (h)").format(b.label),
					"fieldname": f"{key}_load",
					"fieldtype": "Float",
					"width": 100,
				},
				{
					"label": _("{0} Utilisation").format(b.label),
					"fieldname": f"{key}_pct",
					"fieldtype": "Percent",
					"width": 100,
				},
			]
		return cols

	def data(self, rows):
		by_ws: dict[str, dict] = {}
		for r in rows:
			key = r.bucket.label.replace("-", "_").lower()
			row = by_ws.setdefault(r.workstation, {"workstation": r.workstation})
			row[f"{key}_capacity"] = round(r.capacity / 60, 2)
			row[f"{key}_load"] = round(r.load / 60, 2)
			row[f"{key}_pct"] = r.utilisation_pct
		return [by_ws[ws] for ws in sorted(by_ws)]

	def chart(self, rows):
		stations = sorted({r.workstation for r in rows})
		return {
			"data": {
				"labels": stations,
				"datasets": [
					{
						"name": b.label,
						"values": [
							next(
								(r.utilisation_pct for r in rows if r.workstation == ws and r.bucket == b), 0
							)
							for ws in stations
						],
					}
					for b in self.buckets
				],
			},
			"type": "bar",
			"title": _("Utilisation by workstation and week (%)"),
		}

	def summary(self, rows):
		peak = max(rows, key=lambda r: r.utilisation_pct, default=None)
		over = sum(1 for r in rows if r.over)
		return [
			{
				"label": _("Load (Hours)"),
				"value": round(sum(r.load for r in rows) / 60, 1),
				"datatype": "Float",
			},
			{
				"label": _("Peak Utilisation"),
				"value": f"{peak.utilisation_pct}% ({peak.workstation}, {peak.bucket.label})"
				if peak
				else "-",
				"datatype": "Data",
				"indicator": "Red" if peak and peak.over else "Green",
			},
			{
				"label": _("Overloaded Workstation-Weeks"),
				"value": over,
				"datatype": "Int",
				"indicator": "Red" if over else "Green",
			},
		]

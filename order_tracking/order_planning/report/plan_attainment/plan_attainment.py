# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Plan Attainment: what submitted week plans scheduled against what the shop floor did — per
plan and workstation: scheduled and worked hours, planned and completed quantity, and operations
completed by their scheduled end."""

from __future__ import annotations

from collections import defaultdict
from typing import TypedDict

import frappe
from frappe import _
from frappe.query_builder.functions import Max
from frappe.utils import flt, get_datetime, getdate

from order_tracking.core import planning
from order_tracking.report_links import readable_links


class Filters(TypedDict, total=False):
	company: str
	order_plan: str
	from_date: str
	to_date: str


def execute(filters: Filters | None = None):
	return PlanAttainment(frappe._dict(filters or {})).run()


class PlanAttainment:
	def __init__(self, filters):
		self.filters = filters

	def plans(self) -> list[str]:
		if self.filters.get("order_plan"):
			frappe.has_permission("Order Plan", "read", self.filters.order_plan, throw=True)
			return [self.filters.order_plan]
		conditions = {"docstatus": 1, "period_type": "Week"}
		if self.filters.get("company"):
			conditions["company"] = self.filters.company
		if self.filters.get("from_date"):
			conditions["to_date"] = (">=", getdate(self.filters.from_date))
		if self.filters.get("to_date"):
			conditions["from_date"] = ("<=", getdate(self.filters.to_date))
		return frappe.get_list(
			"Order Plan", filters=conditions, pluck="name", order_by="from_date desc", limit=200
		)

	def run(self):
		plans = self.plans()
		if not plans:
			return readable_links(self.columns()), [], None, None, []
		ops = frappe.get_all(
			"Order Plan Operation",
			filters={
				"parent": ("in", plans),
				"parenttype": "Order Plan",
				"work_order": ("is", "set"),
				"operation": ("is", "set"),  # a work order of a BOM without operations has none
			},
			fields=["parent", "workstation", "minutes", "qty", "planned_end", "job_card", "work_order"],
		)
		cards = self.job_cards([o.job_card for o in ops if o.job_card])
		by_plan: dict[str, list[planning.PlannedOperation]] = defaultdict(list)
		for o in ops:
			card = cards.get(o.job_card) or frappe._dict()
			by_plan[o.parent].append(
				planning.PlannedOperation(
					o.job_card or o.work_order,
					o.workstation,
					flt(o.minutes),
					flt(o.qty),
					get_datetime(o.planned_end),
					completed_qty=flt(card.get("completed_qty")),
					actual_minutes=flt(card.get("minutes")),
					completed_at=get_datetime(card["completed_at"]) if card.get("completed_at") else None,
				)
			)
		data = []
		totals = planning.AttainmentRow(_("Total"))
		for plan in plans:
			for row in planning.attainment(by_plan.get(plan, [])):
				data.append(self.row(plan, row))
				for f in (
					"planned_minutes",
					"actual_minutes",
					"planned_qty",
					"completed_qty",
					"operations",
					"completed_on_time",
				):
					setattr(totals, f, getattr(totals, f) + getattr(row, f))
		return readable_links(self.columns()), data, None, self.chart(data), self.summary(totals)

	def job_cards(self, names: list[str]) -> dict[str, dict]:
		if not names:
			return {}
		jc = frappe.qb.DocType("Job Card")
		tl = frappe.qb.DocType("Job Card Time Log")
		last_log = dict(
			frappe.qb.from_(tl)
			.select(tl.parent, Max(tl.to_time))
			.where(tl.parent.isin(names) & (tl.parenttype == "Job Card") & (tl.completed_qty > 0))
			.groupby(tl.parent)
			.run()
		)
		result = {}
		for c in (
			frappe.qb.from_(jc)
			.select(jc.name, jc.total_completed_qty, jc.total_time_in_mins, jc.for_quantity, jc.docstatus)
			.where(jc.name.isin(names))
			.run(as_dict=True)
		):
			done = flt(c.total_completed_qty) >= flt(c.for_quantity) - planning.EPS
			result[c.name] = {
				"completed_qty": flt(c.total_completed_qty),
				"minutes": flt(c.total_time_in_mins),
				"completed_at": last_log.get(c.name) if done else None,
			}
		return result

	def row(self, plan, r: planning.AttainmentRow):
		return {
			"order_plan": plan,
			"workstation": r.workstation,
			"planned_hours": round(r.planned_minutes / 60, 2),
			"actual_hours": round(r.actual_minutes / 60, 2),
			"planned_qty": r.planned_qty,
			"completed_qty": r.completed_qty,
			"qty_pct": r.qty_pct,
			"operations": r.operations,
			"on_time": r.completed_on_time,
			"on_time_pct": r.on_time_pct,
		}

	def columns(self):
		return [
			{
				"label": _("Order Plan"),
				"fieldname": "order_plan",
				"fieldtype": "Link",
				"options": "Order Plan",
				"width": 150,
			},
			{
				"label": _("Workstation"),
				"fieldname": "workstation",
				"fieldtype": "Link",
				"options": "Workstation",
				"width": 160,
			},
			{
				"label": _("Scheduled (Hours)"),
				"fieldname": "planned_hours",
				"fieldtype": "Float",
				"width": 120,
			},
			{"label": _("Worked (Hours)"), "fieldname": "actual_hours", "fieldtype": "Float", "width": 120},
			{"label": _("Planned Qty"), "fieldname": "planned_qty", "fieldtype": "Float", "width": 110},
			{"label": _("Completed Qty"), "fieldname": "completed_qty", "fieldtype": "Float", "width": 110},
			{"label": _("Qty Attained"), "fieldname": "qty_pct", "fieldtype": "Percent", "width": 110},
			{"label": _("Operations"), "fieldname": "operations", "fieldtype": "Int", "width": 100},
			{"label": _("Done by Scheduled End"), "fieldname": "on_time", "fieldtype": "Int", "width": 140},
			{"label": _("On Time"), "fieldname": "on_time_pct", "fieldtype": "Percent", "width": 100},
		]

	def chart(self, data):
		if not data:
			return None
		labels = [f"{d['order_plan']} · {d['workstation']}" for d in data]
		return {
			"data": {
				"labels": labels,
				"datasets": [
					{"name": _("Scheduled (Hours)"), "values": [d["planned_hours"] for d in data]},
					{"name": _("Worked (Hours)"), "values": [d["actual_hours"] for d in data]},
				],
			},
			"type": "bar",
			"title": _("Scheduled against worked hours"),
		}

	def summary(self, totals: planning.AttainmentRow):
		return [
			{"label": _("Qty Attained"), "value": totals.qty_pct, "datatype": "Percent"},
			{
				"label": _("Operations Done by Scheduled End"),
				"value": totals.on_time_pct,
				"datatype": "Percent",
				"indicator": "Green" if totals.on_time_pct >= 90 else "Orange",
			},
			{
				"label": _("Worked (Hours)"),
				"value": round(totals.actual_minutes / 60, 1),
				"datatype": "Float",
			},
		]

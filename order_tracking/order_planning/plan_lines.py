"""The lines of an Order Plan (the seeds' 订单计划): approved orders' lines still to deliver that
no plan of the same period has committed (`pending_lines`, `committed_elsewhere`)."""

from __future__ import annotations

from datetime import date

import frappe
from frappe.query_builder.functions import Sum
from frappe.utils import cint, flt, getdate

from order_tracking.core import planning
from order_tracking.order_planning.shop_floor import PLAN

PRIORITY_ORDER = ("Low", "Normal", "High", "Urgent")
SO_NOT_PLANNABLE = ("Closed", "On Hold", "Completed")
MAX_LINES = 2000


def plan_period(plan) -> tuple[date, date]:
	return planning.period_range(plan.period_type, getdate(plan.from_date), cint(plan.weeks) or 2)


def pending_lines(plan) -> list[frappe._dict]:
	"""Lines of submitted orders of the plan's company with something left to deliver, matching
	the plan's filters, not committed by another submitted plan of the same period type, and not
	already covered by work orders."""
	so = frappe.qb.DocType("Sales Order")
	soi = frappe.qb.DocType("Sales Order Item")
	item = frappe.qb.DocType("Item")
	query = (
		frappe.qb.from_(soi)
		.join(so)
		.on(so.name == soi.parent)
		.join(item)
		.on(item.name == soi.item_code)
		.select(
			soi.parent.as_("sales_order"),
			soi.name.as_("sales_order_item"),
			so.customer,
			soi.item_code,
			soi.item_name,
			item.item_group,
			soi.bom_no,
			(soi.stock_qty - soi.delivered_qty * soi.conversion_factor).as_("qty"),
			soi.stock_uom,
			soi.delivery_date,
			so.order_priority.as_("priority"),
		)
		.where((so.docstatus == 1) & (so.company == plan.company) & so.status.notin(SO_NOT_PLANNABLE))
		.where(
			(soi.parenttype == "Sales Order") & (soi.delivered_by_supplier == 0) & (item.is_stock_item == 1)
		)
		.where(soi.stock_qty > soi.delivered_qty * soi.conversion_factor)
		.orderby(soi.delivery_date)
		.orderby(soi.parent)
		.orderby(soi.idx)
		.limit(MAX_LINES)
	)
	if plan.customer:
		query = query.where(so.customer == plan.customer)
	if plan.item_group:
		groups = [plan.item_group, *frappe.db.get_descendants("Item Group", plan.item_group)]
		query = query.where(item.item_group.isin(groups))
	if plan.due_from or plan.due_to:
		query = query.where(
			soi.delivery_date[getdate(plan.due_from or "2000-01-01") : getdate(plan.due_to or "2999-12-31")]
		)
	if plan.min_priority:
		query = query.where(so.order_priority.isin(PRIORITY_ORDER[PRIORITY_ORDER.index(plan.min_priority) :]))
	rows = query.run(as_dict=True)
	if not rows:
		return []
	taken = committed_elsewhere(plan, [r.sales_order_item for r in rows])
	in_work = _work_order_qty([r.sales_order_item for r in rows])
	result = []
	for r in rows:
		if r.sales_order_item in taken:
			continue
		r.qty = flt(r.qty) - in_work.get(r.sales_order_item, 0.0)
		if r.qty > planning.EPS:
			r.priority = r.priority or "Normal"
			result.append(r)
	return result


def committed_elsewhere(plan, so_items: list[str]) -> dict[str, str]:
	"""Sales order lines that another submitted plan of the same period type has committed (week
	plans: any; month and quarter plans: those whose dates overlap), with that plan."""
	if not so_items:
		return {}
	op = frappe.qb.DocType(PLAN)
	opi = frappe.qb.DocType("Order Plan Item")
	start, end = plan_period(plan)
	query = (
		frappe.qb.from_(opi)
		.join(op)
		.on(op.name == opi.parent)
		.select(opi.sales_order_item, op.name)
		.where(opi.sales_order_item.isin(so_items) & (opi.parenttype == PLAN))
		.where((op.docstatus == 1) & (op.period_type == plan.period_type) & (op.name != (plan.name or "")))
		.where(opi.allocation != planning.SKIP)
	)
	if plan.period_type != planning.WEEK:
		query = query.where((op.from_date <= end) & (op.to_date >= start))
	return dict(query.run())


def _work_order_qty(so_items: list[str]) -> dict[str, float]:
	wo = frappe.qb.DocType("Work Order")
	return {
		row[0]: flt(row[1])
		for row in frappe.qb.from_(wo)
		.select(wo.sales_order_item, Sum(wo.qty))
		.where(wo.sales_order_item.isin(so_items) & (wo.docstatus == 1) & (wo.status != "Cancelled"))
		.groupby(wo.sales_order_item)
		.run()
	}

"""Order Tracker keeps the item groups of its order's lines (the KPI reports group by them without
reading every order's lines): fill them on trackers written before the field existed, in one
statement."""

import frappe
from frappe.query_builder.functions import IfNull

from order_tracking.order_tracking.order_kpis import Joined
from order_tracking.order_tracking.tracking import ITEM_GROUP_SEPARATOR


def execute():
	t = frappe.qb.DocType("Order Tracker")
	soi = frappe.qb.DocType("Sales Order Item")
	groups = (
		frappe.qb.from_(soi)
		.select(Joined(soi.item_group, ITEM_GROUP_SEPARATOR, order_by=soi.item_group).distinct())
		.where((soi.parent == t.sales_order) & (soi.parenttype == "Sales Order"))
	)
	frappe.qb.update(t).set(t.item_groups, IfNull(groups, "")).where(IfNull(t.item_groups, "") == "").run()

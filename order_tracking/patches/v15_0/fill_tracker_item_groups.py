"""Order Tracker keeps the item groups of its order's lines (the KPI reports group by them without
reading every order's lines): fill them on trackers written before the field existed, in one
statement."""

import frappe
from frappe.query_builder.custom import GROUP_CONCAT
from frappe.query_builder.functions import IfNull

from order_tracking.order_tracking.order_facts import ITEM_GROUP_SEPARATOR


class GroupsJoined(GROUP_CONCAT):
	"""GROUP_CONCAT(DISTINCT item_group ORDER BY item_group SEPARATOR '\\n') (MariaDB)."""

	def get_special_params_sql(self, **kwargs):
		return f"ORDER BY {self.args[0].get_sql(**kwargs)} SEPARATOR '{ITEM_GROUP_SEPARATOR}'"


def execute():
	t = frappe.qb.DocType("Order Tracker")
	soi = frappe.qb.DocType("Sales Order Item")
	groups = (
		frappe.qb.from_(soi)
		.select(GroupsJoined(soi.item_group).distinct())
		.where((soi.parent == t.sales_order) & (soi.parenttype == "Sales Order"))
	)
	frappe.qb.update(t).set(t.item_groups, IfNull(groups, "")).where(IfNull(t.item_groups, "") == "").run()

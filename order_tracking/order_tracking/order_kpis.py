"""What the order KPI reports share: their filters, the query over Order Tracker those filters
make, grouping by customer, item group or period, and the user's restrictions.

The reports aggregate in SQL (a fixed number of queries, whatever the number of orders) and hand
the per-group sums to `order_tracking.core.kpi` for rates, medians and periods.
"""

from __future__ import annotations

from datetime import date
from typing import TypedDict

from pypika.functions import Date

import frappe
from frappe import _
from frappe.query_builder import CustomFunction
from frappe.query_builder.functions import Coalesce
from frappe.utils import add_days, add_months, getdate, nowdate

from order_tracking.core import kpi
from order_tracking.order_tracking.order_facts import ITEM_GROUP_SEPARATOR

# Who may run the KPI reports (Order Profitability has its own, narrower list).
KPI_ROLES = (
	"Sales Manager",
	"Sales User",
	"Order Clerk",
	"Order Reviewer",
	"Production Planner",
	"Settlement Accountant",
	"Accounts User",
	"Accounts Manager",
	"System Manager",
)

GROUP_NONE = ""
GROUP_CUSTOMER = "Customer"
GROUP_ITEM_GROUP = "Item Group"
GROUP_MONTH = "Month"
GROUP_SALES_ORDER = "Sales Order"

DateDiff = CustomFunction("DATEDIFF", ["end", "start"])
UnixTimestamp = CustomFunction("UNIX_TIMESTAMP", ["at"])
Least = CustomFunction("LEAST", ["a", "b"])
Greatest = CustomFunction("GREATEST", ["a", "b"])


class KpiFilters(TypedDict, total=False):
	company: str
	from_date: str
	to_date: str
	customer: str
	customer_group: str
	item_group: str
	group_by: str


def parse_filters(filters: KpiFilters | dict | None, group_by: tuple[str, ...], default_group: str):
	"""Filters with their defaults (the last twelve months) and checked values."""
	filters = frappe._dict(filters or {})
	filters.to_date = getdate(filters.get("to_date") or nowdate())
	filters.from_date = getdate(filters.get("from_date") or add_days(add_months(filters.to_date, -12), 1))
	if filters.from_date > filters.to_date:
		frappe.throw(_("From Date must be before To Date"), title=_("Invalid Filters"))
	filters.group_by = filters.get("group_by") or default_group
	if filters.group_by not in group_by:
		frappe.throw(
			_("Group By must be one of {0}").format(", ".join(_(g) for g in group_by if g)),
			title=_("Invalid Filters"),
		)
	return filters


# Separators of lists the database joins, which no name or number contains (item group and order
# names may hold commas): ASCII's record and unit separators.
def split_item_groups(groups: str | None) -> list[str]:
	"""The item groups an Order Tracker keeps for its order's lines (`item_groups`, one per line)."""
	return groups.split(ITEM_GROUP_SEPARATOR) if groups else []


def allow_long_group_concat(length: int) -> None:
	"""Let GROUP_CONCAT return up to `length` bytes in this session (MariaDB's default is 1 kB)."""
	# a session setting, no data: frappe.qb has no SET statement; the value is a parameter
	frappe.db.sql("SET SESSION group_concat_max_len = %(length)s", {"length": int(length)})  # nosemgrep


def tracker():
	return frappe.qb.DocType("Order Tracker")


def sales_order_item():
	return frappe.qb.DocType("Sales Order Item")


def descendants(doctype: str, name: str) -> list[str]:
	"""`name` and every group below it in a tree doctype (Customer Group, Item Group)."""
	lft, rgt = frappe.db.get_value(doctype, name, ["lft", "rgt"]) or (None, None)
	if lft is None:
		return [name]
	table = frappe.qb.DocType(doctype)
	return (
		frappe.qb.from_(table)
		.select(table.name)
		.where((table.lft >= lft) & (table.rgt <= rgt))
		.run(pluck=True)
	)


def permitted(doctype: str) -> list[str] | None:
	"""The values of `doctype` the user's User Permissions allow on orders; None when unrestricted."""
	from frappe.core.doctype.user_permission.user_permission import get_user_permissions

	rules = get_user_permissions(frappe.session.user).get(doctype) or []
	allowed = [
		r.doc
		for r in rules
		if not r.get("applicable_for") or r.applicable_for in ("Sales Order", "Order Tracker")
	]
	return allowed or None


def restrict(query, t, filters, date_field: str = "transaction_date"):
	"""Apply the report filters and the user's User Permissions (on Company and Customer, as for
	Sales Orders) to a query over Order Tracker `t`. Cancelled orders never count."""
	query = query.where(t[date_field][filters.from_date : filters.to_date]).where(t.stage != "Cancelled")
	if filters.get("company"):
		query = query.where(t.company == filters.company)
	if filters.get("customer"):
		query = query.where(t.customer == filters.customer)
	if filters.get("customer_group"):
		customer = frappe.qb.DocType("Customer")
		in_group = (
			frappe.qb.from_(customer)
			.select(customer.name)
			.where(customer.customer_group.isin(descendants("Customer Group", filters.customer_group)))
		)
		query = query.where(t.customer.isin(in_group))
	if filters.get("item_group"):
		soi = frappe.qb.DocType("Sales Order Item").as_("soi_filter")
		with_group = (
			frappe.qb.from_(soi)
			.select(soi.parent)
			.where(soi.item_group.isin(descendants("Item Group", filters.item_group)))
			.where(soi.parenttype == "Sales Order")
		)
		query = query.where(t.name.isin(with_group))
	for doctype, field in (("Company", "company"), ("Customer", "customer")):
		allowed = permitted(doctype)
		if allowed is not None:
			query = query.where(t[field].isin(allowed))
	return query


def delivered_on(t):
	"""When the order was delivered: the tracker's ETA (the last delivery date once delivered), or
	the day it reached Delivered."""
	return Coalesce(t.eta, Date(t.delivered_at))


def company_currency(filters) -> str:
	company = filters.get("company") or frappe.defaults.get_user_default("Company")
	if company:
		return frappe.get_cached_value("Company", company, "default_currency")
	return frappe.db.get_default("currency")


def month_rows(rows, key: str, periodicity: str = "Monthly") -> dict[date, list]:
	"""Rows keyed by a date, gathered by the start of their period."""
	out: dict[date, list] = {}
	for row in rows:
		when = row.get(key)
		if when is None:
			continue
		out.setdefault(kpi.period_start(getdate(when), periodicity), []).append(row)
	return out


def period_label(start: date) -> str:
	return kpi.period_label(start, "Monthly")


def link(label: str, fieldname: str, doctype: str, width: int) -> dict:
	"""A Link column, or plain text for a user who may not read `doctype`: Frappe refuses a report
	whose link columns point to a doctype the user cannot read, and an Order Clerk or Production
	Planner reads orders without reading Customer or Item Group."""
	column = {"label": label, "fieldname": fieldname, "fieldtype": "Data", "width": width}
	if frappe.has_permission(doctype, "read"):
		column.update(fieldtype="Link", options=doctype)
	return column


def group_column(group_by: str, width: int = 180) -> list[dict]:
	"""The first column(s) of a grouped report."""
	if group_by == GROUP_CUSTOMER:
		return [
			link(_("Customer"), "customer", "Customer", width),
			{"label": _("Customer Name"), "fieldname": "customer_name", "fieldtype": "Data", "width": 160},
		]
	if group_by == GROUP_ITEM_GROUP:
		return [link(_("Item Group"), "item_group", "Item Group", width)]
	if group_by == GROUP_MONTH:
		return [{"label": _("Month"), "fieldname": "period", "fieldtype": "Data", "width": 100}]
	if group_by == GROUP_SALES_ORDER:
		return [link(_("Sales Order"), "sales_order", "Sales Order", width)]
	return []

"""Who a portal user acts for, and the permission rules the portal adds to the app's doctypes:
`permission_query_conditions` for those that carry a customer, `has_permission` of the tracking
link, and which doctypes `get_count` counts through `get_list`."""

from __future__ import annotations

import frappe

CUSTOMER_ROLE = "Customer"
TRACKING_LINK = "Order Tracking Link"


def portal_customers(user: str | None = None) -> list[str]:
	"""The enabled customers whose Portal Users table lists `user` (who has the Customer role)."""
	user = user or frappe.session.user
	if user in ("Guest", None) or CUSTOMER_ROLE not in frappe.get_roles(user):
		return []
	portal_user = frappe.qb.DocType("Portal User")
	customer = frappe.qb.DocType("Customer")
	return (
		frappe.qb.from_(portal_user)
		.join(customer)
		.on(customer.name == portal_user.parent)
		.select(portal_user.parent)
		.where(portal_user.parenttype == "Customer")
		.where(portal_user.parentfield == "portal_users")
		.where(portal_user.user == user)
		.where(customer.disabled == 0)
		.orderby(portal_user.parent)
	).run(pluck=True)


# the app's doctypes a portal user could list if a role gave them read access, by customer field
CUSTOMER_FIELD_DOCTYPES = ("Order Tracker", "Order Event", "Order Intake", "Order Review", TRACKING_LINK)


def customer_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""`permission_query_conditions` of the app's doctypes that carry a customer: a website user
	lists only the rows of the customers they are a portal user of (nothing when none)."""
	user = user or frappe.session.user
	if frappe.get_cached_value("User", user, "user_type") != "Website User":
		return ""
	customers = portal_customers(user)
	if not customers or doctype not in CUSTOMER_FIELD_DOCTYPES:
		return "1=0"
	values = ", ".join(frappe.db.escape(c) for c in customers)
	return f"`tab{doctype}`.`customer` in ({values})"


def has_customer_permission(doc, ptype: str = "read", user: str | None = None) -> bool | None:
	"""`has_permission` of the tracking link: a website user only for their customers' links."""
	user = user or frappe.session.user
	if frappe.get_cached_value("User", user, "user_type") != "Website User":
		return None
	return doc.get("customer") in portal_customers(user)


def guarded_doctype(doctype: str) -> bool:
	"""Sales Order and every doctype of this app (their child tables included)."""
	if doctype in ("Sales Order", "Sales Order Item"):
		return True
	from frappe.modules.utils import get_module_app

	module = frappe.db.get_value("DocType", doctype, "module")
	return bool(module) and get_module_app(module) == "order_tracking"

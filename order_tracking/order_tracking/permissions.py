"""Who may see an order's tracker and timeline: whoever may read its Sales Order.

Desk users go through ERPNext's own Sales Order permissions (roles, user permissions on
customer / company, sharing); portal users through ERPNext's website permission, which matches
the Sales Order's customer with the customers their contact belongs to."""

import frappe


def can_read_order(sales_order: str, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if not sales_order or user == "Guest":
		return False
	if frappe.has_permission("Sales Order", "read", sales_order, user=user):
		return True
	if frappe.get_cached_value("User", user, "user_type") == "Website User":
		from erpnext.controllers.website_list_for_contact import has_website_permission

		doc = frappe.get_doc("Sales Order", sales_order)
		return bool(has_website_permission(doc, "read", user))
	return False


def has_order_permission(doc, ptype: str = "read", user: str | None = None) -> bool | None:
	"""`has_permission` hook of Order Tracker and Order Event: deny when the order is not readable."""
	sales_order = doc.get("sales_order")
	if not sales_order:
		return None
	if not frappe.has_permission("Sales Order", "read", sales_order, user=user):
		return False
	return None

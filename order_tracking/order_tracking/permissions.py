"""Who may see an order's tracker and timeline: whoever may read its Sales Order.

Desk users go through ERPNext's own Sales Order permissions (roles, user permissions on
customer / company, sharing); portal users through ERPNext's website permission, which matches
the Sales Order's customer with the customers their contact belongs to."""

import frappe


def can_read_order(sales_order: str, user: str | None = None, header: dict | None = None) -> bool:
	"""Whether `user` may read the Sales Order. `header` (its name, owner, docstatus and link
	fields, as `order_status.read_order` reads them) spares loading the order: the check then
	costs no query unless the user's User Permissions restrict a doctype its lines link to."""
	user = user or frappe.session.user
	if not sales_order or user == "Guest":
		return False
	doc = permission_doc(sales_order, header, user)
	if frappe.has_permission("Sales Order", "read", doc, user=user):
		return True
	if frappe.get_cached_value("User", user, "user_type") == "Website User":
		from erpnext.controllers.website_list_for_contact import has_website_permission

		if isinstance(doc, str):
			doc = frappe.get_doc("Sales Order", sales_order)
		return bool(has_website_permission(doc, "read", user))
	return False


def permission_doc(sales_order: str, header: dict | None, user: str):
	"""The Sales Order as its permission check needs it: built from `header` when its lines cannot
	matter (no User Permission on a doctype the lines link to), else its name (frappe loads it)."""
	if not header or header.get("name") != sales_order:
		return sales_order
	from frappe.core.doctype.user_permission.user_permission import get_user_permissions

	restricted = get_user_permissions(user)
	if restricted:
		meta = frappe.get_meta("Sales Order")
		for table in meta.get_table_fields():
			for link in frappe.get_meta(table.options).get_link_fields():
				if link.options in restricted and not link.ignore_user_permissions:
					return sales_order
	return frappe.get_doc({**header, "doctype": "Sales Order"})


def has_order_permission(doc, ptype: str = "read", user: str | None = None) -> bool | None:
	"""`has_permission` hook of Order Tracker and Order Event: deny when the order is not readable."""
	sales_order = doc.get("sales_order")
	if not sales_order:
		return None
	if not frappe.has_permission("Sales Order", "read", sales_order, user=user):
		return False
	return None

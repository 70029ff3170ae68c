"""/my-orders/<order>: one order in the customer's words (route rule in hooks.py)."""

import frappe
from frappe import _

from order_tracking.after_sales.feedback import after_sales_view
from order_tracking.customer_portal import portal

no_cache = 1


def get_context(context):
	name = frappe.form_dict.name
	portal.require_own_order(name)
	context.order = portal.order_view(name)
	context.after_sales = after_sales_view(name)
	token = portal.active_tracking_token(name)
	context.tracking_url = portal.tracking_url(token) if token else None
	context.show_sidebar = True
	context.title = _("Order {0}").format(name)
	context.parents = [{"route": "my-orders", "title": _("My Orders")}]

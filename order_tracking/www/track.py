"""/track/<token>: an order read-only, without login, for whoever has its tracking link.

A malformed, unknown or revoked token gets the same 404; requests are rate-limited per IP."""

from urllib.parse import urlencode

import frappe
from frappe import _

from order_tracking.after_sales.feedback import after_sales_view
from order_tracking.customer_portal import portal

no_cache = 1


def get_context(context):
	sales_order = portal.order_for_token(frappe.form_dict.token)
	context.order = portal.order_view(sales_order, public=True)
	# the customer's portal users rate and complain here too; anyone else is offered the login
	context.after_sales = after_sales_view(sales_order, source="Link")
	if not context.after_sales and frappe.session.user == "Guest":
		context.after_sales_login_url = "/login?" + urlencode({"redirect-to": frappe.request.path})
	context.title = _("Order {0}").format(sales_order)
	context.metatags = {"robots": "noindex, nofollow"}

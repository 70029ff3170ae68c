"""/track/<token>: an order read-only, without login, for whoever has its tracking link.

A malformed, unknown or revoked token gets the same 404; requests are rate-limited per IP."""

import frappe
from frappe import _

from order_tracking.customer_portal import portal

no_cache = 1


def get_context(context):
	sales_order = portal.order_for_token(frappe.form_dict.token)
	context.order = portal.order_view(sales_order, public=True)
	context.title = _("Order {0}").format(sales_order)
	context.metatags = {"robots": "noindex, nofollow"}

"""/my-orders: the orders of the customers the user is a portal user of."""

from urllib.parse import urlencode

import frappe
from frappe import _

from order_tracking.customer_portal import portal

no_cache = 1


def get_context(context):
	form = frappe.form_dict
	context.update(portal.my_orders(search=form.q, stage=form.stage, page=form.page))
	context.show_sidebar = True
	context.title = _("My Orders")

	def page_url(page: int) -> str:
		query = {k: v for k, v in (("q", context.search), ("stage", context.stage), ("page", page)) if v}
		return "/my-orders?" + urlencode(query)

	bounds = context.page
	context.previous_url = page_url(bounds.page - 1) if bounds.has_previous else None
	context.next_url = page_url(bounds.page + 1) if bounds.has_next else None

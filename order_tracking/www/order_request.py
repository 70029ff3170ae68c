"""/order-request: a customer places an order; it becomes an Order Intake with channel Portal."""

import frappe
from frappe import _
from frappe.utils import add_days, today

from order_tracking.customer_portal import portal

no_cache = 1


def get_context(context):
	customers = portal.require_portal_customers()
	names = dict(
		frappe.get_all(
			"Customer", filters={"name": ["in", customers]}, fields=["name", "customer_name"], as_list=True
		)
	)
	context.customers = [{"name": c, "customer_name": names.get(c) or c} for c in customers]
	context.min_date = add_days(today(), 1)
	context.show_sidebar = True
	context.title = _("Order Request")

"""Helpers of the KPI report tests: a customer of their own, orders delivered and invoiced through
ERPNext's mappers, and stage dates set on the tracker where a test needs known durations."""

import frappe

from order_tracking.tests.utils import LACE, deliver, invoice, make_customer, make_order  # noqa: F401 (re-exported to the report tests)

REPORT_CUSTOMER = "_OT Report Customer"
OTHER_REPORT_CUSTOMER = "_OT Report Other Customer"


def make_report_customers():
	for name in (REPORT_CUSTOMER, OTHER_REPORT_CUSTOMER):
		make_customer(name)


def lace_order(qty=10, rate=10, customer=REPORT_CUSTOMER, lines=None):
	"""A bought-in order (ready to ship once submitted) of one or more lines of lace."""
	items = lines or [{"item_code": LACE, "qty": qty, "rate": rate}]
	return make_order(items=items, customer=customer)


def set_tracker(sales_order, **values):
	"""Dates a test needs (a promise in the past, days between stages) on the order's tracker."""
	frappe.db.set_value("Order Tracker", sales_order, values, update_modified=False)

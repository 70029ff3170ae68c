"""Helpers of the KPI report tests: a customer of their own, orders delivered and invoiced through
ERPNext's mappers, and stage dates set on the tracker where a test needs known durations."""

import frappe

from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note, make_sales_invoice

from order_tracking.tests.utils import LACE, make_order

REPORT_CUSTOMER = "_OT Report Customer"
OTHER_REPORT_CUSTOMER = "_OT Report Other Customer"


def make_report_customers():
	for name in (REPORT_CUSTOMER, OTHER_REPORT_CUSTOMER):
		if not frappe.db.exists("Customer", name):
			frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": name,
					"customer_group": "_Test Customer Group",
					"territory": "_Test Territory",
				}
			).insert()


def lace_order(qty=10, rate=10, customer=REPORT_CUSTOMER, lines=None):
	"""A bought-in order (ready to ship once submitted) of one or more lines of lace."""
	items = lines or [{"item_code": LACE, "qty": qty, "rate": rate}]
	return make_order(items=items, customer=customer)


def deliver(so, qtys=None):
	"""A Delivery Note of the whole order, or of `qtys` per line (a 0 leaves the line out)."""
	dn = make_delivery_note(so.name)
	if qtys is not None:
		dn.items = [row for row, qty in zip(dn.items, qtys, strict=True) if qty]
		for row, qty in zip(dn.items, [q for q in qtys if q], strict=True):
			row.qty = qty
	dn.insert()
	dn.submit()
	return dn


def invoice(so):
	si = make_sales_invoice(so.name)
	si.insert()
	si.submit()
	return si


def set_tracker(sales_order, **values):
	"""Dates a test needs (a promise in the past, days between stages) on the order's tracker."""
	frappe.db.set_value("Order Tracker", sales_order, values, update_modified=False)

"""Data for the portal's browser test (`scripts/browser_test.sh`), on a site where the integration
suite has run (it builds on that suite's `_Test Company` fixtures). Idempotent; commits.

    bench --site X execute order_tracking.tests.portal_fixtures.setup --kwargs "{'password': '...'}"

prints `{"user_a", "user_b", "password", "order_a", "order_b", "token", "delivered_a",
"delivered_token"}` as JSON (`delivered_a`: a delivered order of A not rated yet, made when there
is none, for the rating and complaint)."""

import json

import frappe

from order_tracking.tests.utils import (
	COMPANY,
	PRICE_LIST,
	SHOE,
	deliver,
	make_customer,
	make_fixtures,
	make_order,
	make_portal_user,
	set_settings,
)

USER_A = "portal-a@example.com"
USER_B = "portal-b@example.com"
# customers of their own: the committed orders never touch the integration suite's customers
CUSTOMER_A = "_OT Portal Customer A"
CUSTOMER_B = "_OT Portal Customer B"
CUSTOMER_ITEM_CODE = "PORTAL-SHOE-1"


def customer(name: str) -> str:
	return make_customer(name, default_currency="INR", default_price_list=PRICE_LIST)


def order_of(customer: str, marker: str) -> str:
	"""A submitted order of the customer, marked by its customer PO number (made once)."""
	name = frappe.db.get_value("Sales Order", {"customer": customer, "po_no": marker, "docstatus": 1})
	return name or make_order(customer=customer, po_no=marker).name


def unrated_delivered_order(customer: str) -> str:
	"""A delivered order of the customer without a rating (a new one once the last is rated)."""
	tracker = frappe.qb.DocType("Order Tracker")
	feedback = frappe.qb.DocType("Order Feedback")
	found = (
		frappe.qb.from_(tracker)
		.left_join(feedback)
		.on(feedback.sales_order == tracker.sales_order)
		.select(tracker.sales_order)
		.where(tracker.customer == customer)
		.where(tracker.stage == "Delivered")
		.where(feedback.name.isnull())
		.limit(1)
	).run(pluck=True)
	if found:
		return found[0]
	# its own customer PO number each time: ERPNext refuses a second order against the same one
	so = make_order(customer=customer, po_no=f"BROWSER-A-DELIVERED-{frappe.generate_hash(length=6)}")
	deliver(so)
	return so.name


def tracking_token(sales_order: str) -> str:
	token = frappe.db.get_value("Order Tracking Link", {"sales_order": sales_order, "revoked": 0}, "token")
	if token:
		return token
	return frappe.get_doc({"doctype": "Order Tracking Link", "sales_order": sales_order}).insert().token


def setup(password: str = "Portal-Test-2026!") -> dict:
	from order_tracking.customer_portal.doctype.order_tracking_link.order_tracking_link import (
		OrderTrackingLink,
	)

	frappe.set_user("Administrator")
	make_fixtures()
	set_settings(default_company=COMPANY, auto_convert=1)
	shoe = frappe.get_doc("Item", SHOE)
	if not any(d.ref_code == CUSTOMER_ITEM_CODE for d in shoe.customer_items):
		shoe.append("customer_items", {"customer_name": customer(CUSTOMER_A), "ref_code": CUSTOMER_ITEM_CODE})
		shoe.save()
	answer = {
		"user_a": make_portal_user(USER_A, customer(CUSTOMER_A), password),
		"user_b": make_portal_user(USER_B, customer(CUSTOMER_B), password),
		"password": password,
		"customer_item_code": CUSTOMER_ITEM_CODE,
		"order_a": order_of(CUSTOMER_A, "BROWSER-A"),
		"order_b": order_of(CUSTOMER_B, "BROWSER-B"),
	}
	token = frappe.db.get_value(
		"Order Tracking Link", {"sales_order": answer["order_a"], "revoked": 0}, "token"
	)
	if not token:
		link: OrderTrackingLink = frappe.get_doc(
			{"doctype": "Order Tracking Link", "sales_order": answer["order_a"]}
		).insert()
		token = link.token
	answer["token"] = token
	answer["delivered_a"] = unrated_delivered_order(customer(CUSTOMER_A))
	answer["delivered_token"] = tracking_token(answer["delivered_a"])
	frappe.db.commit()  # nosemgrep: a set-up command run once by the browser test script
	print(json.dumps(answer))
	return answer

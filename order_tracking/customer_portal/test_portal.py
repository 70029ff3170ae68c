# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""The customer portal for two customers: every path refuses the other customer's data."""

import secrets

import frappe
from frappe.utils import add_days, nowdate

from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note, make_sales_invoice

from order_tracking.customer_portal import portal
from order_tracking.tests.utils import (
	COMPANY,
	CUSTOMER,
	CUSTOMER_SHOE_CODE,
	OTHER_CUSTOMER,
	SHOE,
	FrappeTestCase,
	make_fixtures,
	make_order,
	make_portal_user,
	make_user,
	set_settings,
)

test_ignore = ["Sales Order", "Order Plan", "Work Order"]
# this module is not a doctype's: the records its fixtures link to, made as for a doctype test
test_dependencies = ["Customer", "Warehouse", "Item Group"]

USER_A = "ot-portal-a@example.com"
USER_B = "ot-portal-b@example.com"


def deliver_and_invoice(so):
	dn = make_delivery_note(so.name)
	dn.insert()
	dn.submit()
	si = make_sales_invoice(so.name)
	si.insert()
	si.submit()
	return dn, si


POST_METHODS = {"submit_order_request", "get_tracking_link", "revoke_tracking_link"}


def fake_request(method: str, path: str):
	"""A request of its own for each test (a fresh IP: rate limits count per IP)."""
	from werkzeug.test import EnvironBuilder
	from werkzeug.wrappers import Request

	frappe.local.request = Request(EnvironBuilder(method=method, path=path).get_environ())
	frappe.local.request_ip = frappe.flags.ot_test_ip


def call(cmd, **form):
	"""A whitelisted method as /api/method runs it: overrides applied, the user's rights checked."""
	from frappe.handler import execute_cmd

	fake_request("POST" if cmd.rsplit(".", 1)[-1] in POST_METHODS else "GET", f"/api/method/{cmd}")
	frappe.local.form_dict = frappe._dict(form, cmd=cmd)
	return execute_cmd(cmd)


def page_context(module, **form):
	fake_request("GET", f"/{module}")
	frappe.local.form_dict = frappe._dict(form)
	context = frappe._dict()
	frappe.get_module(f"order_tracking.www.{module}").get_context(context)
	return context


def render_page(path):
	"""The whole page as the web server answers it: request, context, Jinja, status."""
	from frappe.website.serve import get_response

	fake_request("GET", path)
	frappe.local.form_dict = frappe._dict()
	response = get_response(path.strip("/"))
	return response.status_code, response.get_data(as_text=True)


class TestCustomerPortal(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		make_portal_user(USER_A, CUSTOMER)
		make_portal_user(USER_B, OTHER_CUSTOMER)

	def setUp(self):
		frappe.set_user("Administrator")
		set_settings(default_company=COMPANY)
		frappe.flags.ot_test_ip = "10.{}.{}.{}".format(*(secrets.randbelow(250) + 1 for _ in range(3)))
		self.so_a = make_order(customer=CUSTOMER)
		self.so_b = make_order(customer=OTHER_CUSTOMER)
		self.dn_a, self.si_a = deliver_and_invoice(self.so_a)
		self.dn_b, self.si_b = deliver_and_invoice(self.so_b)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.form_dict = frappe._dict()
		if hasattr(frappe.local, "request"):
			del frappe.local.request
		frappe.local.request_ip = None  # as frappe.init leaves it

	# ---------------------------------------------------------------- pages

	def test_my_orders_lists_only_the_users_customers_orders(self):
		for user, own, other in ((USER_A, self.so_a, self.so_b), (USER_B, self.so_b, self.so_a)):
			frappe.set_user(user)
			context = page_context("my_orders")
			names = {o.sales_order for o in context.orders}
			self.assertIn(own.name, names)
			self.assertNotIn(other.name, names)
			# searching for the other customer's order finds nothing
			self.assertEqual(page_context("my_orders", q=other.name).orders, [])
			self.assertEqual(
				[o.sales_order for o in page_context("my_orders", q=own.name).orders], [own.name]
			)

	def test_my_orders_filters_by_stage_and_pages(self):
		frappe.set_user(USER_A)
		billed = page_context(
			"my_orders", stage=frappe.db.get_value("Order Tracker", self.so_a.name, "stage")
		)
		self.assertIn(self.so_a.name, {o.sales_order for o in billed.orders})
		self.assertEqual(page_context("my_orders", stage="Cancelled", q=self.so_a.name).orders, [])
		self.assertEqual(
			page_context("my_orders", page="999").page.page, page_context("my_orders").page.pages
		)

	def test_order_page_shows_own_order_in_customer_words(self):
		frappe.set_user(USER_A)
		context = page_context("my_order", name=self.so_a.name)
		order = context.order
		self.assertEqual(order["name"], self.so_a.name)
		documents = {(d["doctype"], d["name"]) for d in order["documents"]}
		self.assertEqual(
			documents,
			{
				("Sales Order", self.so_a.name),
				("Delivery Note", self.dn_a.name),
				("Sales Invoice", self.si_a.name),
			},
		)
		kinds = [t["kind"] for t in order["timeline"]]
		self.assertIn("shipped", kinds)
		self.assertIn("invoiced", kinds)
		for entry in order["timeline"]:
			self.assertIn(
				entry["reference_doctype"],
				(None, "Sales Order", "Delivery Note", "Shipment", "Sales Invoice"),
			)
		self.assertNotIn("total_cost", frappe.as_json(order))

	def test_order_page_refuses_another_customers_order_and_unknown_ones_alike(self):
		frappe.set_user(USER_A)
		messages = set()
		for name in (self.so_b.name, "SAL-ORD-NO-SUCH"):
			with self.assertRaises(frappe.PermissionError) as e:
				page_context("my_order", name=name)
			messages.add(str(e.exception).replace(name, "X"))
		self.assertEqual(len(messages), 1)

	def test_pages_need_a_portal_user(self):
		nobody = make_user("ot-portal-nobody@example.com", ["Customer"], user_type="Website User")
		frappe.set_user("Guest")
		self.assertRaises(frappe.PermissionError, page_context, "my_orders")
		self.assertRaises(frappe.PermissionError, page_context, "order_request")
		frappe.set_user(nobody)
		self.assertRaises(frappe.PermissionError, page_context, "my_orders")

	# ---------------------------------------------------------------- the security matrix

	def test_status_api_refuses_another_customers_order(self):
		frappe.set_user(USER_A)
		self.assertEqual(
			call("order_tracking.api.tracking.get_order_status", order=self.so_a.name)["sales_order"],
			self.so_a.name,
		)
		self.assertRaises(
			frappe.PermissionError, call, "order_tracking.api.tracking.get_order_status", order=self.so_b.name
		)

	def test_get_count_no_longer_counts_another_customers_rows(self):
		"""Frappe 15.75's frappe.client.get_count counted without a permission check."""
		cases = [
			("Order Event", {"sales_order": self.so_b.name}),
			("Order Tracker", {"customer": OTHER_CUSTOMER}),
			("Order Tracker Operation", {"parent": self.so_b.name}),
			("Order Intake", {"customer": OTHER_CUSTOMER}),
			("Sales Order", {"customer": OTHER_CUSTOMER}),
			("Sales Order Item", {"parent": self.so_b.name}),
		]
		self.assertGreater(
			call("frappe.client.get_count", doctype="Order Event", filters={"sales_order": self.so_b.name}), 0
		)
		frappe.set_user(USER_A)
		for doctype, filters in cases:
			with self.assertRaises(frappe.PermissionError, msg=doctype):
				call("frappe.client.get_count", doctype=doctype, filters=frappe.as_json(filters))
		# other doctypes keep Frappe's behaviour
		self.assertIsInstance(call("frappe.client.get_count", doctype="Currency"), int)

	def test_reading_another_customers_rows_through_the_client_api_is_refused(self):
		frappe.set_user(USER_A)
		for doctype, name in (
			("Order Tracker", self.so_b.name),
			("Sales Order", self.so_b.name),
			("Delivery Note", self.dn_b.name),
			("Sales Invoice", self.si_b.name),
		):
			with self.assertRaises(frappe.PermissionError, msg=f"get {doctype}"):
				call("frappe.client.get", doctype=doctype, name=name)
			with self.assertRaises(frappe.PermissionError, msg=f"get_value {doctype}"):
				call(
					"frappe.client.get_value",
					doctype=doctype,
					fieldname="name",
					filters=frappe.as_json({"name": name}),
				)
		for doctype in (
			"Order Tracker",
			"Order Event",
			"Order Intake",
			"Order Review",
			"Order Tracking Link",
		):
			with self.assertRaises(frappe.PermissionError, msg=f"get_list {doctype}"):
				call("frappe.client.get_list", doctype=doctype)

	def test_reports_refuse_a_portal_customer(self):
		"""Every report of the app — the KPI, customer-statement and planning ones read across
		customers — is refused to a portal user, whatever the filters say."""
		modules = frappe.get_all("Module Def", filters={"app_name": "order_tracking"}, pluck="name")
		reports = frappe.get_all("Report", filters={"module": ("in", modules)}, pluck="name")
		self.assertGreaterEqual(len(reports), 10)
		frappe.set_user(USER_A)
		for report in reports:
			for filters in ({"customer": OTHER_CUSTOMER, "company": COMPANY}, {"customer": CUSTOMER}):
				with self.assertRaises(frappe.PermissionError, msg=report):
					call("frappe.desk.query_report.run", report_name=report, filters=frappe.as_json(filters))
			with self.assertRaises(frappe.PermissionError, msg=report):
				call("frappe.desk.query_report.get_script", report_name=report)

	def test_query_conditions_keep_a_website_user_to_own_customers(self):
		"""Should a role ever give portal users read access, they still list only their own rows."""
		doctypes = ("Order Tracker", "Order Event", "Order Intake")
		try:
			for doctype in doctypes:
				frappe.get_doc(
					{
						"doctype": "Custom DocPerm",
						"parent": doctype,
						"parenttype": "DocType",
						"parentfield": "permissions",
						"role": "Customer",
						"permlevel": 0,
						"read": 1,
					}
				).insert()
				frappe.clear_cache(doctype=doctype)
			frappe.set_user(USER_A)
			trackers = set(frappe.get_list("Order Tracker", pluck="name", limit=0))
			self.assertIn(self.so_a.name, trackers)
			self.assertNotIn(self.so_b.name, trackers)
			self.assertEqual(
				set(frappe.get_list("Order Intake", pluck="customer", limit=0)) - {CUSTOMER}, set()
			)
			event_orders = set(frappe.get_list("Order Event", pluck="sales_order", limit=0))
			self.assertIn(self.so_a.name, event_orders)
			self.assertNotIn(self.so_b.name, event_orders)
			self.assertEqual(
				call(
					"frappe.client.get_count", doctype="Order Event", filters={"sales_order": self.so_b.name}
				),
				0,
			)
		finally:
			frappe.set_user("Administrator")
			for doctype in doctypes:
				frappe.db.delete("Custom DocPerm", {"parent": doctype, "role": "Customer"})
				frappe.clear_cache(doctype=doctype)

	def test_print_view_and_files_refuse_another_customers_documents(self):
		from frappe.www.printview import validate_print_permission

		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "ot-portal-b.txt",
				"content": b"B's drawing",
				"is_private": 1,
				"attached_to_doctype": "Sales Order",
				"attached_to_name": self.so_b.name,
			}
		).insert()
		frappe.set_user(USER_A)
		validate_print_permission(frappe.get_doc("Sales Order", self.so_a.name))
		for doc in (self.so_b, self.dn_b, self.si_b):
			self.assertRaises(
				frappe.PermissionError, validate_print_permission, frappe.get_doc(doc.doctype, doc.name)
			)
		self.assertFalse(frappe.get_doc("File", file.name).is_downloadable())

	def test_order_confirmation_prints_the_order(self):
		"""(Its PDF needs the site's web server for wkhtmltopdf: the browser test downloads it.)"""
		frappe.set_user(USER_A)
		html = frappe.get_print("Sales Order", self.so_a.name, portal.CONFIRMATION_FORMAT)
		self.assertIn(self.so_a.name, html)
		self.assertIn(SHOE, html)
		self.assertIn("Order Confirmation", html)

	def test_documents_download_only_the_orders_own_submitted_ones(self):
		frappe.set_user("Administrator")
		undelivered = make_order(customer=CUSTOMER)
		draft_dn = make_delivery_note(undelivered.name)
		draft_dn.insert()
		frappe.set_user(USER_A)
		for order, doctype, name in (
			(self.so_b.name, "Sales Order", self.so_b.name),
			(self.so_a.name, "Delivery Note", self.dn_b.name),  # another order's document under own order
			(self.so_a.name, "Sales Invoice", self.si_b.name),
			(undelivered.name, "Delivery Note", draft_dn.name),  # not submitted
			(self.so_a.name, "Order Tracker", self.so_a.name),  # not a customer document
		):
			self.assertRaises(
				frappe.PermissionError,
				call,
				"order_tracking.customer_portal.portal.download_document",
				order=order,
				doctype=doctype,
				name=name,
			)

	# ---------------------------------------------------------------- order requests

	def request(self, **values):
		args = {
			"reference": "PO-" + frappe.generate_hash(length=8),
			"delivery_date": add_days(nowdate(), 20),
			"items": frappe.as_json(
				[{"code_type": "customer_item_code", "code": CUSTOMER_SHOE_CODE, "qty": "12"}]
			),
			**values,
		}
		return call("order_tracking.customer_portal.portal.submit_order_request", **args)

	def test_order_request_becomes_an_intake_of_the_users_customer(self):
		frappe.set_user(USER_A)
		answer = self.request(reference="PO-A-1")
		self.assertEqual(set(answer), {"intake", "status", "sales_order", "errors"})
		self.assertEqual(
			answer["status"],
			"Converted",
			(
				answer,
				frappe.db.get_value(
					"Order Intake", answer["intake"], ["company", "order_currency", "price_list"]
				),
			),
		)
		intake = frappe.db.get_value(
			"Order Intake", answer["intake"], ["channel", "customer", "owner"], as_dict=True
		)
		self.assertEqual((intake.channel, intake.customer, intake.owner), ("Portal", CUSTOMER, USER_A))
		so = frappe.db.get_value(
			"Sales Order", answer["sales_order"], ["customer", "po_no", "docstatus"], as_dict=True
		)
		self.assertEqual((so.customer, so.po_no, so.docstatus), (CUSTOMER, "PO-A-1", 0))
		self.assertEqual(
			frappe.db.get_value("Sales Order Item", {"parent": answer["sales_order"]}, "item_code"), SHOE
		)
		self.assertIn(answer["sales_order"], {o.sales_order for o in page_context("my_orders").orders})
		# the same order number again: the first intake, nothing new
		again = self.request(reference="PO-A-1")
		self.assertEqual((again["status"], again["intake"]), ("Duplicate", answer["intake"]))
		# another customer's identical order number is another order
		frappe.set_user(USER_B)
		other = self.request(
			reference="PO-A-1", items=frappe.as_json([{"code_type": "item_code", "code": SHOE, "qty": 3}])
		)
		self.assertEqual(other["status"], "Converted", other)
		self.assertNotEqual(other["intake"], answer["intake"])
		self.assertNotIn(answer["sales_order"], {o.sales_order for o in page_context("my_orders").orders})

	def test_rejected_order_request_is_listed_with_its_reasons(self):
		frappe.set_user(USER_A)
		answer = self.request(
			items=frappe.as_json([{"code_type": "customer_item_code", "code": "NO-SUCH-CODE", "qty": 5}])
		)
		self.assertEqual(answer["status"], "Rejected")
		self.assertEqual(frappe.local.response.http_status_code, 422)
		self.assertTrue(answer["errors"])
		requests = page_context("my_orders").requests
		mine = [r for r in requests if r["status"] == "Rejected"]
		self.assertTrue(mine)
		self.assertTrue(any("NO-SUCH-CODE" in e for r in mine for e in r["errors"]))
		frappe.set_user(USER_B)
		self.assertFalse(
			any("NO-SUCH-CODE" in e for r in page_context("my_orders").requests for e in r["errors"])
		)

	def test_order_request_for_another_customer_is_refused_and_stores_nothing(self):
		frappe.set_user(USER_A)
		before = frappe.db.count("Order Intake")
		self.assertRaises(frappe.PermissionError, self.request, customer=OTHER_CUSTOMER)
		self.assertRaises(frappe.ValidationError, self.request, reference="")
		self.assertRaises(frappe.ValidationError, self.request, items="[]")
		self.assertEqual(frappe.db.count("Order Intake"), before)

	# ---------------------------------------------------------------- tracking links

	def test_tracking_link_opens_the_order_without_login_until_revoked(self):
		frappe.set_user(USER_A)
		url = call("order_tracking.customer_portal.portal.get_tracking_link", order=self.so_a.name)["url"]
		token = url.rsplit("/", 1)[1]
		self.assertGreaterEqual(len(token), 32)
		self.assertEqual(
			call("order_tracking.customer_portal.portal.get_tracking_link", order=self.so_a.name)["url"], url
		)
		self.assertRaises(
			frappe.PermissionError,
			call,
			"order_tracking.customer_portal.portal.get_tracking_link",
			order=self.so_b.name,
		)
		frappe.set_user("Guest")
		context = page_context("track", token=token)
		self.assertEqual(context.order["name"], self.so_a.name)
		self.assertNotIn("documents", context.order)
		self.assertNotIn("money", context.order)
		self.assertIsNone(context.order["customer_name"])

		frappe.set_user(USER_B)
		self.assertRaises(
			frappe.PermissionError,
			call,
			"order_tracking.customer_portal.portal.revoke_tracking_link",
			order=self.so_a.name,
		)
		frappe.set_user(USER_A)
		call("order_tracking.customer_portal.portal.revoke_tracking_link", order=self.so_a.name)
		frappe.set_user("Guest")
		messages = set()
		for candidate in (token, "x" * 32, "not a token"):
			with self.assertRaises(frappe.DoesNotExistError) as e:
				page_context("track", token=candidate)
			messages.add(str(e.exception))
		self.assertEqual(len(messages), 1)
		frappe.set_user(USER_A)
		new_url = call("order_tracking.customer_portal.portal.get_tracking_link", order=self.so_a.name)["url"]
		self.assertNotEqual(new_url, url)

	def test_pages_render_whole_as_served(self):
		frappe.set_user(USER_A)
		token = call("order_tracking.customer_portal.portal.get_tracking_link", order=self.so_a.name)[
			"url"
		].rsplit("/", 1)[1]
		for url in ("/my-orders", f"/my-orders/{self.so_a.name}", "/order-request"):
			status, html = render_page(url)
			self.assertEqual(status, 200, url)
			self.assertNotIn("Uncaught Server Exception", html, url)
		self.assertIn(self.dn_a.name, render_page(f"/my-orders/{self.so_a.name}")[1])
		frappe.set_user("Guest")
		status, html = render_page(f"/track/{token}")
		self.assertEqual(status, 200)
		self.assertIn(self.so_a.name, html)
		self.assertNotIn(self.si_a.name, html)

	def test_tracking_links_are_rate_limited_per_ip(self):
		frappe.set_user("Guest")
		for _ in range(portal.TRACK_LIMIT_PER_MINUTE):
			self.assertRaises(frappe.DoesNotExistError, page_context, "track", token="y" * 32)
		self.assertRaises(frappe.RateLimitExceededError, page_context, "track", token="y" * 32)

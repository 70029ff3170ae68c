# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""After delivery, on real documents: a portal user of the customer rates a delivered order once
and raises complaints (ERPNext Issues) against it; the order's tracker, timeline and exceptions
follow; other customers' users, undelivered orders and bad input are refused with nothing written."""

import io
import secrets

import frappe
from frappe.utils import add_to_date, now_datetime

from order_tracking.after_sales import feedback, feedback_request
from order_tracking.core.delivery import COMPLAINT_SLA_BREACHED
from order_tracking.custom_fields import ISSUE_DELIVERY_NOTE, ISSUE_SALES_ORDER, NO_FEEDBACK_REQUEST
from order_tracking.order_tracking.exceptions import scan_order_exceptions
from order_tracking.order_tracking.report.customer_analysis.customer_analysis import execute
from order_tracking.tests.utils import (
	COMPANY,
	CUSTOMER,
	OTHER_CUSTOMER,
	FrappeTestCase,
	deliver,
	events,
	make_customer,
	make_fixtures,
	make_order,
	make_portal_user,
	set_settings,
	tracker,
)

test_ignore = ["Sales Order", "Order Plan", "Work Order"]
test_dependencies = ["Customer", "Warehouse", "Item Group", "Email Account"]

USER_A = "ot-aftersales-a@example.com"
USER_B = "ot-aftersales-b@example.com"
USER_C = "ot-aftersales-c@example.com"
REPORT_CUSTOMER = "_OT After Sales Customer"
RATE = "order_tracking.after_sales.feedback.rate_order"
COMPLAIN = "order_tracking.after_sales.complaints.raise_complaint"


def call(cmd, files=None, **form):
	"""A whitelisted method as /api/method runs it (POST, multipart when files come with it)."""
	from werkzeug.test import EnvironBuilder
	from werkzeug.wrappers import Request

	from frappe.handler import execute_cmd

	data = {name: (io.BytesIO(content), filename) for name, (filename, content) in (files or {}).items()}
	builder = EnvironBuilder(method="POST", path=f"/api/method/{cmd}", data=data or None)
	frappe.local.request = Request(builder.get_environ())
	frappe.local.request_ip = frappe.flags.ot_test_ip
	frappe.local.form_dict = frappe._dict(form, cmd=cmd)
	return execute_cmd(cmd)


class TestAfterSales(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		make_portal_user(USER_A, CUSTOMER)
		make_portal_user(USER_B, OTHER_CUSTOMER)

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint("after_sales")
		set_settings(default_company=COMPANY, scan_exceptions=1)
		frappe.flags.ot_test_ip = "10.{}.{}.{}".format(*(secrets.randbelow(250) + 1 for _ in range(3)))
		self.so = make_order(customer=CUSTOMER)
		self.dn = deliver(self.so)
		self.open_so = make_order(customer=CUSTOMER)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.form_dict = frappe._dict()
		if hasattr(frappe.local, "request"):
			del frappe.local.request
		frappe.local.request_ip = None
		frappe.db.rollback(save_point="after_sales")

	def assert_refused(self, status, cmd, **form):
		with self.assertRaises(frappe.PermissionError if status == 403 else Exception) as ctx:
			call(cmd, **form)
		self.assertEqual(ctx.exception.http_status_code, status)
		frappe.clear_messages()
		return ctx.exception

	# ---------------------------------------------------------------- ratings

	def test_rating_a_delivered_order_once(self):
		frappe.set_user(USER_A)
		answer = call(RATE, sales_order=self.so.name, rating="4", comment="  Good shoes, late box  ")
		self.assertEqual((answer["rating"], answer["comment"]), (4, "Good shoes, late box"))
		# a second rating, from the tracking link's page too, is refused and changes nothing
		self.assert_refused(409, RATE, sales_order=self.so.name, rating="1", source="Link")
		frappe.set_user("Administrator")
		stored = frappe.get_all(
			"Order Feedback", filters={"sales_order": self.so.name}, fields=["rating", "customer", "source"]
		)
		self.assertEqual([(r.rating, r.customer, r.source) for r in stored], [(4, CUSTOMER, "Portal")])
		self.assertEqual(tracker(self.so.name).customer_rating, 4)
		rated = events(self.so.name, event="Order Rated")
		self.assertEqual([(e.qty, e.reference_doctype) for e in rated], [(4, "Order Feedback")])

	def test_rating_refused_for_other_customer_undelivered_or_out_of_range(self):
		frappe.set_user(USER_B)
		self.assert_refused(403, RATE, sales_order=self.so.name, rating="5")
		frappe.set_user(USER_A)
		refused = self.assert_refused(417, RATE, sales_order=self.open_so.name, rating="5")
		self.assertIn("not been delivered", str(refused))
		for bad in ("0", "6", "4.5", "five", ""):
			self.assertIn("1 to 5", str(self.assert_refused(417, RATE, sales_order=self.so.name, rating=bad)))
		self.assert_refused(417, RATE, sales_order=self.so.name, rating="3", comment="x" * 2001)
		self.assert_refused(417, RATE, sales_order=self.so.name, rating="3", source="Desk")
		frappe.set_user("Administrator")
		self.assertFalse(
			frappe.db.count("Order Feedback", {"sales_order": ["in", [self.so.name, self.open_so.name]]})
		)
		self.assertEqual(tracker(self.so.name).customer_rating, 0)

	def test_customers_see_only_their_own_rating(self):
		frappe.set_user(USER_A)
		call(RATE, sales_order=self.so.name, rating="2", comment="Soles came loose")
		view = feedback.after_sales_view(self.so.name)
		self.assertEqual((view["rating"]["rating"], view["delivered"]), (2, True))
		frappe.set_user(USER_B)
		self.assertIsNone(feedback.after_sales_view(self.so.name))
		frappe.set_user("Guest")
		self.assertIsNone(feedback.after_sales_view(self.so.name, source="Link"))
		# a website user cannot list ratings, not even their own, through the REST list
		frappe.set_user(USER_A)
		self.assertRaises(frappe.PermissionError, frappe.get_list, "Order Feedback")

	# ---------------------------------------------------------------- complaints

	def test_complaint_is_an_issue_on_the_orders_timeline_with_our_answer(self):
		frappe.set_user(USER_A)
		answer = call(COMPLAIN, sales_order=self.so.name, description="Two pairs have the wrong size")
		frappe.set_user("Administrator")
		issue = frappe.get_doc("Issue", answer["name"])
		self.assertEqual(
			(issue.get(ISSUE_SALES_ORDER), issue.get(ISSUE_DELIVERY_NOTE), issue.customer, issue.status),
			(self.so.name, self.dn.name, CUSTOMER, "Open"),
		)
		self.assertEqual(issue.raised_by, USER_A)
		self.assertTrue(issue.via_customer_portal)
		self.assertEqual(
			[e.reference_name for e in events(self.so.name, event="Complaint Raised")], [issue.name]
		)
		self.assertEqual((tracker(self.so.name).open_complaints, tracker(self.so.name).complaints), (1, 1))

		issue.resolution_details = "<p>We send two new pairs today.</p>"
		issue.status = "Resolved"
		issue.save()
		self.assertEqual(
			[e.reference_name for e in events(self.so.name, event="Complaint Resolved")], [issue.name]
		)
		self.assertEqual((tracker(self.so.name).open_complaints, tracker(self.so.name).complaints), (0, 1))
		frappe.set_user(USER_A)
		[shown] = feedback.after_sales_view(self.so.name)["complaints"]
		self.assertEqual(
			(shown["text"], shown["resolution"], shown["is_open"]),
			("Two pairs have the wrong size", "We send two new pairs today.", False),
		)
		frappe.set_user(USER_B)
		self.assertIsNone(feedback.after_sales_view(self.so.name))

	def test_an_email_reply_on_the_issue_answers_the_complaint_once_a_customer_word(self):
		frappe.set_user(USER_A)
		raised = call(COMPLAIN, sales_order=self.so.name, description="The left shoe squeaks")
		frappe.set_user("Administrator")

		def mail(sent_or_received, content):
			frappe.get_doc(
				{
					"doctype": "Communication",
					"communication_type": "Communication",
					"communication_medium": "Email",
					"sent_or_received": sent_or_received,
					"subject": "Re: squeak",
					"content": content,
					"sender": USER_A if sent_or_received == "Received" else "support@example.com",
					"recipients": "support@example.com" if sent_or_received == "Received" else USER_A,
					"reference_doctype": "Issue",
					"reference_name": raised["name"],
				}
			).insert(ignore_permissions=True)

		def answered():
			return [e.reference_name for e in events(self.so.name, event="Complaint Answered")]

		mail("Sent", "<p>Please send us a photo of the sole.</p>")
		self.assertEqual(answered(), [raised["name"]])
		self.assertEqual(frappe.db.get_value("Issue", raised["name"], "status"), "Open")
		mail("Sent", "<p>And the order number, please.</p>")  # no new word of the customer's
		self.assertEqual(len(answered()), 1)
		mail("Received", "Here is the photo")
		mail("Sent", "<p>Thank you: a new pair is on its way.</p>")
		self.assertEqual(len(answered()), 2)
		frappe.set_user(USER_A)
		[shown] = feedback.after_sales_view(self.so.name)["complaints"]
		self.assertEqual(
			[a["text"] for a in shown["answers"]],
			[
				"Please send us a photo of the sole.",
				"And the order number, please.",
				"Thank you: a new pair is on its way.",
			],
		)

	def test_complaint_refused_without_text_too_large_or_not_ours(self):
		frappe.set_user(USER_A)
		refused = self.assert_refused(417, COMPLAIN, sales_order=self.so.name, description="   ")
		self.assertIn("text is required", str(refused))
		twenty_mb = ("photo.jpg", b"\0" * (20 * 1024 * 1024))
		with self.assertRaises(feedback.AfterSalesError) as ctx:
			call(COMPLAIN, files={"attachment": twenty_mb}, sales_order=self.so.name, description="Broken")
		self.assertIn("too large", str(ctx.exception))
		frappe.clear_messages()
		self.assert_refused(417, COMPLAIN, sales_order=self.open_so.name, description="Where is it?")
		frappe.set_user(USER_B)
		self.assert_refused(403, COMPLAIN, sales_order=self.so.name, description="Not mine")
		frappe.set_user("Administrator")
		self.assertFalse(
			frappe.db.count("Issue", {ISSUE_SALES_ORDER: ["in", [self.so.name, self.open_so.name]]})
		)
		self.assertFalse(frappe.db.count("File", {"attached_to_doctype": "Issue", "file_name": "photo.jpg"}))

	def test_a_corrupt_image_is_refused_with_its_name_and_nothing_is_written(self):
		frappe.set_user(USER_A)
		with self.assertRaises(feedback.AfterSalesError) as ctx:
			call(
				COMPLAIN,
				files={"attachment": ("heel.jpg", b"\xff\xd8\xff\xe0 not the rest of a JPEG")},
				sales_order=self.so.name,
				description="The heel came off",
			)
		self.assertIn("heel.jpg", str(ctx.exception))
		self.assertIn("not a readable image", str(ctx.exception))
		frappe.clear_messages()
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.count("Issue", {ISSUE_SALES_ORDER: self.so.name}))
		self.assertFalse(frappe.db.count("File", {"file_name": "heel.jpg"}))

	def test_complaint_with_a_small_attachment_keeps_it_private_on_the_issue(self):
		frappe.set_user(USER_A)
		answer = call(
			COMPLAIN,
			files={"attachment": ("sole.pdf", b"%PDF-1.4 the sole, photographed")},
			sales_order=self.so.name,
			description="Sole",
		)
		frappe.set_user("Administrator")
		files = frappe.get_all(
			"File",
			filters={"attached_to_doctype": "Issue", "attached_to_name": answer["name"]},
			fields=["file_name", "is_private"],
		)
		self.assertEqual([(f.file_name, f.is_private) for f in files], [("sole.pdf", 1)])

	def test_breached_complaint_sla_opens_an_exception_until_resolved(self):
		frappe.set_user(USER_A)
		answer = call(COMPLAIN, sales_order=self.so.name, description="Colour is wrong")
		frappe.set_user("Administrator")
		scan = lambda: scan_order_exceptions([self.so.name], kinds=[COMPLAINT_SLA_BREACHED], commit=False)  # noqa: E731
		scan()
		self.assertFalse(self.open_exceptions())
		# the resolution time passes without an answer (the Issue as ERPNext's SLA would have set it)
		frappe.db.set_value(
			"Issue", answer["name"], "sla_resolution_by", add_to_date(now_datetime(), hours=-2)
		)
		scan()
		[exc] = self.open_exceptions()
		self.assertEqual(
			(exc.reference_doctype, exc.reference_name, exc.owner_role),
			("Issue", answer["name"], "Sales User"),
		)
		# an agreement ERPNext marked Failed counts too, the time aside
		frappe.db.set_value(
			"Issue", answer["name"], {"sla_resolution_by": None, "agreement_status": "Failed"}
		)
		scan()
		self.assertEqual(len(self.open_exceptions()), 1)
		issue = frappe.get_doc("Issue", answer["name"])
		issue.status = "Closed"
		issue.save()
		scan()
		self.assertFalse(self.open_exceptions())

	def open_exceptions(self):
		return frappe.get_all(
			"Order Exception",
			filters={
				"sales_order": self.so.name,
				"kind": COMPLAINT_SLA_BREACHED,
				"status": ["!=", "Resolved"],
			},
			fields=["reference_doctype", "reference_name", "owner_role"],
		)

	# ---------------------------------------------------------------- feedback e-mail and report

	def test_feedback_request_once_per_order_unless_the_customer_opted_out(self):
		from order_tracking.customer_portal import test_notifications

		set_settings(notify_delivery=1)
		frappe.db.set_value("Email Account", "_Test Email Account 1", "default_outgoing", 1)
		frappe.db.set_value(
			"Customer", CUSTOMER, {"email_id": "buyer@ot-customer.example.com", NO_FEEDBACK_REQUEST: 0}
		)
		self.assertTrue(feedback_request.request_feedback(self.so.name, CUSTOMER))
		self.assertFalse(feedback_request.request_feedback(self.so.name, CUSTOMER))
		[mail] = [m for m in test_notifications.queued(self.so.name) if "How was your order" in m.subject]
		token = frappe.db.get_value(
			"Order Tracking Link", {"sales_order": self.so.name, "revoked": 0}, "token"
		)
		self.assertIn(f"/track/{token}", mail.body)
		self.assertIn(f"/my-orders/{self.so.name}", mail.body)
		other = make_order(customer=CUSTOMER)
		deliver(other)
		frappe.db.set_value("Customer", CUSTOMER, NO_FEEDBACK_REQUEST, 1)
		self.assertFalse(feedback_request.request_feedback(other.name, CUSTOMER))

	def test_customer_analysis_shows_satisfaction_and_complaints_per_100_orders(self):
		# a customer of its own: four orders, two delivered and rated 5 and 2, one complaint
		make_customer(REPORT_CUSTOMER)
		make_portal_user(USER_C, REPORT_CUSTOMER)
		orders = [make_order(customer=REPORT_CUSTOMER) for _ in range(4)]
		for so in orders[:2]:
			deliver(so)
		frappe.set_user(USER_C)
		call(RATE, sales_order=orders[0].name, rating="5")
		call(RATE, sales_order=orders[1].name, rating="2")
		call(COMPLAIN, sales_order=orders[1].name, description="Scuffed")
		frappe.set_user("Administrator")
		_columns, data, _m, _chart, summary = execute({"company": COMPANY, "customer": REPORT_CUSTOMER})
		[row] = data
		self.assertEqual(
			(row["orders"], row["ratings"], row["mean_rating"], row["complaints"], row["complaints_per_100"]),
			(4, 2, 3.5, 1, 25.0),
		)
		figures = {s["label"]: s["value"] for s in summary}
		self.assertEqual((figures["Mean Rating"], figures["Complaints per 100 Orders"]), (3.5, 25.0))

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""The order mailbox on a real IMAP server (pymap on loopback) with an SMTP sink for the
answers: real MIME mails are delivered into the INBOX, Frappe's own pull job fetches them, and
the intakes, orders and answers are checked. Frappe's pull commits each mail, so every test
uses its own senders and Message-IDs."""

import email
import email.header
import io
import unittest

import frappe
from frappe.email.doctype.email_account.email_account import EmailAccount, pull
from frappe.utils import add_days, add_to_date, getdate, now_datetime, nowdate
from frappe.utils.background_jobs import get_job, is_job_enqueued

from order_tracking.customer_portal import email_intake_jobs
from order_tracking.tests import mail_servers
from order_tracking.tests.mail_servers import MailServers, make_mail
from order_tracking.tests.utils import (
	COMPANY,
	CUSTOMER,
	CUSTOMER_SHOE_CODE,
	LACE,
	OTHER_CUSTOMER,
	SHOE,
	FrappeTestCase,
	make_fixtures,
	set_settings,
)

ACCOUNT = "_OT Order Mailbox"
BUYER = "buyer@harbour-test.example.com"
ZH_DOMAIN = "zh-shoes.example.com"

test_ignore = ["Sales Order"]


def make_account(servers: MailServers) -> str:
	if frappe.db.exists("Email Account", ACCOUNT):
		frappe.delete_doc("Email Account", ACCOUNT, force=True)
	frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": ACCOUNT,
			"email_id": mail_servers.MAILBOX_USER,
			"password": mail_servers.MAILBOX_PASSWORD,
			"enable_incoming": 1,
			"use_imap": 1,
			"email_server": "127.0.0.1",
			"incoming_port": servers.imap_port,
			"use_ssl": 0,
			"use_starttls": 0,
			"email_sync_option": "UNSEEN",
			"initial_sync_count": "250",
			"create_contact": 0,  # an unknown sender leaves nothing behind
			"imap_folder": [{"folder_name": "INBOX"}],
			"enable_outgoing": 1,
			"smtp_server": "127.0.0.1",
			"smtp_port": servers.smtp_port,
			"use_tls": 0,
			"no_smtp_authentication": 1,
			"track_email_status": 0,
		}
	).insert(ignore_permissions=True)
	return ACCOUNT


def add_contact(customer: str, address: str):
	if frappe.db.exists("Contact Email", {"email_id": address}):
		return
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": address.split("@")[0],
			"email_ids": [{"email_id": address, "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	)
	contact.insert(ignore_permissions=True)


def csv_file(text: str, name: str = "order.csv"):
	return (name, text.encode(), "text/csv")


def xlsx_file(rows: list[list], name: str = "order.xlsx"):
	from openpyxl import Workbook

	workbook = Workbook()
	sheet = workbook.active
	for row in rows:
		sheet.append(row)
	buffer = io.BytesIO()
	workbook.save(buffer)
	return (name, buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def intake_of(message) -> frappe._dict | None:
	return frappe.db.get_value(
		"Order Intake",
		{"channel": "E-mail", "external_ref": message["Message-ID"].strip("<>")},
		["name", "status", "customer", "sales_order", "rejection_reason", "delivery_date"],
		as_dict=True,
	)


def errors_of(intake: str) -> list[str]:
	return frappe.get_all("Order Intake Error", filters={"parent": intake}, pluck="message", order_by="idx")


class TestEmailIntake(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		reason = mail_servers.missing()
		if reason:
			raise unittest.SkipTest(reason)
		make_fixtures()
		cls.servers = MailServers().start()
		make_account(cls.servers)
		add_contact(CUSTOMER, BUYER)
		frappe.db.set_value("Customer", OTHER_CUSTOMER, {"order_email_domain": ZH_DOMAIN, "language": "zh"})
		frappe.db.set_value("Customer", CUSTOMER, "language", "en")
		values = {
			"auto_convert": 1,
			"default_company": COMPANY,
			"intake_email_account": ACCOUNT,
			"email_answer_sender": 1,
			"email_attachment_max_kb": 10,
			"email_sender_hourly_limit": 0,
			"create_review_from_intake": 0,
		}
		settings = frappe.get_single("Order Tracking Settings")
		cls.saved_settings = {key: settings.get(key) for key in values}
		set_settings(**values)
		# Frappe's pull commits per mail: the fixtures must be committed before it
		frappe.db.commit()  # nosemgrep
		frappe.flags.testing_email = True

	@classmethod
	def tearDownClass(cls):
		frappe.flags.testing_email = False
		if getattr(cls, "servers", None):
			cls.servers.stop()
			frappe.db.set_value("Email Account", ACCOUNT, "enable_incoming", 0)
			set_settings(**cls.saved_settings)
			# the mailbox off for the suites after this one
			frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		self.servers.answers.clear()

	# ------------------------------------------------------------------ helpers

	def pull_and_send(self, *messages):
		self.servers.deliver(*messages)
		pull(now=True)  # Frappe's scheduler job, run in this process
		# the orders and answers: the background job the pull queued, run in this process
		email_intake_jobs.finish_pending_intakes()
		self.send_queued_mail()

	@staticmethod
	def send_queued_mail():
		# this run's answers only: answers an earlier run left queued on the site went through
		# ERPNext's test Email Account, whose server does not resolve
		recent = add_to_date(now_datetime(), minutes=-30)
		queued = {"status": "Not Sent", "reference_doctype": "Order Intake", "creation": (">", recent)}
		for name in frappe.get_all("Email Queue", filters=queued, pluck="name"):
			frappe.get_doc("Email Queue", name).send()

	def answers_to(self, message) -> list[email.message.Message]:
		found = []
		for answer in self.servers.answers:
			parsed = email.message_from_bytes(answer["data"])
			if parsed["In-Reply-To"] and parsed["In-Reply-To"].strip("<> ") == message["Message-ID"].strip(
				"<>"
			):
				found.append(parsed)
		return found

	@staticmethod
	def text(answer) -> str:
		subject = str(email.header.make_header(email.header.decode_header(answer["Subject"])))
		parts = [subject]
		for part in answer.walk():
			if part.get_content_maintype() == "text":
				parts.append(part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8"))
		return "\n".join(parts)

	# ------------------------------------------------------------------ good mails

	def test_csv_xlsx_and_text_mails_become_orders_answered_in_the_thread(self):
		due = add_days(nowdate(), 20)
		csv_mail = make_mail(
			BUYER,
			"PO 4711 boots",
			"Please find our order attached.",
			attachments=[
				csv_file(
					f"Customer's Item Code (Items),Quantity (Items),Delivery Date\n{CUSTOMER_SHOE_CODE},12,{due}\n"
				)
			],
		)
		xlsx_mail = make_mail(
			BUYER,
			"Order No. X-9",
			"see sheet",
			attachments=[xlsx_file([["Item Code", "Quantity", "Delivery Date"], [LACE, 40, getdate(due)]])],
		)
		text_mail = make_mail(
			f"caigou@{ZH_DOMAIN}",
			"订单号：ZH-77 急单",
			f"您好，\n请安排以下订单：\n{SHOE}，5，{due}\n{LACE}, 8\n谢谢\n-- \n王经理",
		)
		self.pull_and_send(csv_mail, xlsx_mail, text_mail)

		for message, customer, po_no in (
			(csv_mail, CUSTOMER, "4711"),
			(xlsx_mail, CUSTOMER, "X-9"),
			(text_mail, OTHER_CUSTOMER, "ZH-77"),
		):
			intake = intake_of(message)
			self.assertIsNotNone(intake, message["Subject"])
			self.assertEqual(intake.status, "Converted", errors_of(intake.name))
			self.assertEqual(intake.customer, customer)
			so = frappe.get_doc("Sales Order", intake.sales_order)
			self.assertEqual(so.order_intake, intake.name)
			self.assertEqual(so.po_no, po_no)
			self.assertEqual(getdate(so.delivery_date), getdate(due))
			# the mail is the intake's Communication
			comm = frappe.db.get_value(
				"Communication",
				{"message_id": message["Message-ID"].strip("<>")},
				["name", "reference_doctype", "reference_name"],
				as_dict=True,
			)
			self.assertEqual((comm.reference_doctype, comm.reference_name), ("Order Intake", intake.name))
			answers = self.answers_to(message)
			self.assertEqual(len(answers), 1, message["Subject"])
			text = self.text(answers[0])
			self.assertIn(intake.sales_order, text)
			self.assertIn("/track/", text)

		self.assertEqual(
			[
				(i.item_code, i.qty)
				for i in frappe.get_doc("Sales Order", intake_of(csv_mail).sales_order).items
			],
			[(SHOE, 12)],
		)
		text_so = frappe.get_doc("Sales Order", intake_of(text_mail).sales_order)
		self.assertEqual([(i.item_code, i.qty) for i in text_so.items], [(SHOE, 5), (LACE, 8)])
		# the CSV kept as the mail's attachment (Frappe renames a file name already taken)
		comm = frappe.db.get_value("Communication", {"message_id": csv_mail["Message-ID"].strip("<>")})
		files = frappe.get_all(
			"File",
			filters={"attached_to_doctype": "Communication", "attached_to_name": comm},
			pluck="name",
		)
		self.assertEqual(len(files), 1)
		self.assertIn(CUSTOMER_SHOE_CODE, frappe.safe_decode(frappe.get_doc("File", files[0]).get_content()))
		# the Chinese customer is answered in Chinese, the English one in English
		self.assertIn("已接受", self.text(self.answers_to(text_mail)[0]))
		self.assertIn("accepted", self.text(self.answers_to(csv_mail)[0]))

	def test_a_mail_pulled_twice_is_one_intake_with_one_answer(self):
		message = make_mail(BUYER, "PO 5000", f"{SHOE}, 3, {add_days(nowdate(), 10)}")
		self.pull_and_send(message)
		first = intake_of(message)
		self.assertEqual(first.status, "Converted")
		# the sender's server delivers it again, and the mailbox is pulled again
		self.pull_and_send(message)
		pull(now=True)
		self.assertEqual(
			frappe.db.count("Order Intake", {"external_ref": message["Message-ID"].strip("<>")}), 1
		)
		self.assertEqual(len(self.answers_to(message)), 1)
		self.assertEqual(frappe.db.count("Sales Order", {"order_intake": first.name}), 1)

	def test_the_pull_writes_the_intake_and_a_background_job_its_order_and_answer(self):
		due = add_days(nowdate(), 15)
		message = make_mail(BUYER, "PO 6100", f"{SHOE}, 4, {due}")
		self.servers.deliver(message)
		pull(now=True)
		intake = intake_of(message)
		# the pull made the intake, validated with its lines, and no order or answer yet
		self.assertEqual(intake.status, "New", errors_of(intake.name))
		self.assertIsNone(intake.sales_order)
		self.assertEqual(frappe.db.count("Order Intake Item", {"parent": intake.name}), 1)
		self.assertIn(intake.name, email_intake_jobs.pending_intakes(limit=1000))
		self.assertTrue(is_job_enqueued(email_intake_jobs.JOB_ID))
		self.send_queued_mail()
		self.assertEqual(self.answers_to(message), [])

		# the job was lost (a worker killed, Redis flushed): the scheduler's check queues it again
		get_job(email_intake_jobs.JOB_ID).delete()
		self.assertFalse(is_job_enqueued(email_intake_jobs.JOB_ID))
		email_intake_jobs.enqueue_if_pending()
		self.assertTrue(is_job_enqueued(email_intake_jobs.JOB_ID))

		email_intake_jobs.finish_pending_intakes()
		self.send_queued_mail()
		intake = intake_of(message)
		self.assertEqual(intake.status, "Converted")
		self.assertEqual(frappe.db.get_value("Sales Order", intake.sales_order, "po_no"), "6100")
		self.assertNotIn(intake.name, email_intake_jobs.pending_intakes(limit=1000))
		answers = self.answers_to(message)
		self.assertEqual(len(answers), 1)
		self.assertIn(intake.sales_order, self.text(answers[0]))
		self.assertIn("/track/", self.text(answers[0]))
		# a second run (two jobs, a scheduler's) finds nothing to do: no second order, no second answer
		email_intake_jobs.finish_pending_intakes()
		email_intake_jobs.finish_intake(intake.name)
		self.send_queued_mail()
		self.assertEqual(len(self.answers_to(message)), 1)
		self.assertEqual(frappe.db.count("Sales Order", {"order_intake": intake.name}), 1)

	def test_the_answer_goes_through_the_order_mailbox_whatever_account_the_process_cached(self):
		# Frappe caches outgoing accounts per process and answers any sender with a cached default:
		# a job that sent a Notification first would have sent the answer through another server
		elsewhere = EmailAccount.from_record(
			{
				"email_id": "noreply@elsewhere.invalid",
				"smtp_server": "smtp.elsewhere.invalid",
				"enable_outgoing": 1,
			}
		)
		frappe.local.outgoing_email_account = {"default": elsewhere}
		try:
			message = make_mail(BUYER, "PO 6300", f"{SHOE}, 2, {add_days(nowdate(), 15)}")
			self.pull_and_send(message)
		finally:
			frappe.local.outgoing_email_account = {}
		intake = intake_of(message)
		queued = frappe.get_all(
			"Email Queue", filters={"reference_name": intake.name}, fields=["email_account", "status"]
		)
		self.assertEqual([(q.email_account, q.status) for q in queued], [(ACCOUNT, "Sent")])
		self.assertEqual(len(self.answers_to(message)), 1)

	def test_an_intake_takes_the_settings_company_not_the_pulling_users_default(self):
		other = frappe.db.get_value("Company", {"name": ("!=", COMPANY)}, "name")
		if not other:
			self.skipTest("needs a second company")
		before = frappe.defaults.get_user_default("company")
		frappe.defaults.set_user_default("company", other)
		try:
			message = make_mail(BUYER, "PO 6200", f"{SHOE}, 1, {add_days(nowdate(), 15)}")
			self.pull_and_send(message)
		finally:
			frappe.defaults.set_user_default("company", before or "")
		intake = intake_of(message)
		self.assertEqual(frappe.db.get_value("Order Intake", intake.name, "company"), COMPANY)
		self.assertEqual(frappe.db.get_value("Sales Order", intake.sales_order, "company"), COMPANY)

	# ------------------------------------------------------------------ bad mails

	def test_an_unknown_sender_gets_a_rejected_intake_and_nothing_else(self):
		sender = f"stranger-{frappe.generate_hash(length=6)}@nowhere.example.org"
		message = make_mail(sender, "PO 1", f"{SHOE}, 3, {add_days(nowdate(), 10)}")
		self.pull_and_send(message)
		intake = intake_of(message)
		self.assertEqual(intake.status, "Rejected")
		self.assertIsNone(intake.customer)
		self.assertIn(sender, intake.rejection_reason)
		self.assertIsNone(intake.sales_order)
		self.assertFalse(frappe.db.exists("Contact Email", {"email_id": sender}))
		self.assertEqual(self.answers_to(message), [])

	def test_bad_mails_are_rejected_with_their_reason_and_the_mailbox_goes_on(self):
		due = add_days(nowdate(), 10)
		no_lines = make_mail(BUYER, "Hello", "Just saying hello, no order today.")
		pdf = make_mail(
			BUYER, "PO 7", "attached", attachments=[("order.pdf", b"%PDF-1.4 ...", "application/pdf")]
		)
		big = make_mail(
			BUYER, "PO 8", "", attachments=[csv_file("Item Code,Quantity\n" + f"{SHOE},1\n" * 1500)]
		)
		formula = make_mail(BUYER, "PO 9", "", attachments=[csv_file(f"Item Code,Quantity\n{SHOE},=2*3\n")])
		unknown_column = make_mail(
			BUYER,
			"PO 10",
			"",
			attachments=[xlsx_file([["Item Code", "Quantity", "Colour"], [SHOE, 2, "red"]])],
		)
		xlsx_formula = make_mail(
			BUYER, "PO 13", "", attachments=[xlsx_file([["Item Code", "Quantity"], [SHOE, "=2*3"]])]
		)
		bad_line = make_mail(BUYER, "PO 11", f"{SHOE}, 0, {due}\nNO-SUCH-ITEM, 4, {due}")
		good = make_mail(BUYER, "PO 12", f"{SHOE}, 2, {due}")
		self.pull_and_send(no_lines, pdf, big, formula, unknown_column, xlsx_formula, bad_line, good)

		expected = {
			no_lines: "no order lines",
			pdf: "order.pdf is not a CSV or XLSX",
			big: "KB allowed",
			formula: "holds a formula",
			unknown_column: "Unknown column Colour",
			xlsx_formula: "Row 2, column Quantity holds a formula",
		}
		for message, reason in expected.items():
			intake = intake_of(message)
			self.assertEqual(intake.status, "Rejected", message["Subject"])
			self.assertIn(reason, intake.rejection_reason)
			self.assertIsNone(intake.sales_order)
			self.assertFalse(frappe.db.exists("Order Intake Item", {"parent": intake.name}))
			answers = self.answers_to(message)
			self.assertEqual(len(answers), 1)
			self.assertIn(reason, self.text(answers[0]))

		intake = intake_of(bad_line)
		self.assertEqual(intake.status, "Rejected")
		errors = errors_of(intake.name)
		self.assertTrue(any(e.startswith("Row 1: Quantity") for e in errors), errors)
		self.assertTrue(any(e.startswith("Row 2: Customer's Item Code") for e in errors), errors)
		self.assertIn("Row 2: Customer's Item Code", self.text(self.answers_to(bad_line)[0]))
		# one bad mail never blocks the next
		self.assertEqual(intake_of(good).status, "Converted")

	def test_a_flood_from_one_sender_becomes_one_summary_under_the_rate_limit(self):
		sender = f"bomb-{frappe.generate_hash(length=6)}@harbour-test.example.com"
		add_contact(CUSTOMER, sender)
		set_settings(email_sender_hourly_limit=3)
		# read by the pull, which commits per mail
		frappe.db.commit()  # nosemgrep
		due = add_days(nowdate(), 10)
		try:
			mails = [make_mail(sender, f"PO F{i}", f"{SHOE}, 1, {due}") for i in range(40)]
			# another customer's orders arrive in the middle of the flood
			others = [make_mail(BUYER, f"PO NF{i}", f"{LACE}, 2, {due}") for i in range(3)]
			self.pull_and_send(*mails[:10], others[0], *mails[10:25], others[1], *mails[25:], others[2])
		finally:
			set_settings(email_sender_hourly_limit=0)
			frappe.db.commit()  # nosemgrep
		intakes = [intake_of(m) for m in mails]
		self.assertEqual([i.status for i in intakes[:3]], ["Converted"] * 3)
		self.assertEqual(intakes[3].status, "Rejected")
		self.assertIn("more than 3 mails within an hour", intakes[3].rejection_reason)
		self.assertEqual(intakes[4:], [None] * 36)
		# every mail is kept as a Communication; only the three orders are answered
		self.assertEqual(
			frappe.db.count("Communication", {"sender": sender, "sent_or_received": "Received"}), 40
		)
		self.assertEqual(sum(len(self.answers_to(m)) for m in mails), 3)
		# the mailbox was not blocked: the other customer's mails are orders, each answered
		for message in others:
			self.assertEqual(intake_of(message).status, "Converted", message["Subject"])
			self.assertEqual(len(self.answers_to(message)), 1)

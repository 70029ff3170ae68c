# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Customer e-mails about their order (confirmation, shipment, delay, delivery): queued through
the module's Notifications in the customer's language, switched off per customer and per kind,
and never twice for the same event."""

import email
import json
from email.header import decode_header, make_header
from unittest.mock import patch

import frappe
from frappe.utils import add_days, getdate, nowdate

from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

from order_tracking.customer_portal import notifications as notifications_module
from order_tracking.customer_portal.notifications import in_language
from order_tracking.customer_portal.portal import active_tracking_token, order_for_token, tracking_url
from order_tracking.order_tracking.tracking import refresh_trackers
from order_tracking.tests.delivery_fixtures import (
	TRACKING_PAGE,
	make_delivery_fixtures,
	new_waybill,
	ready_order,
	rollback_test,
	ship,
)
from order_tracking.tests.utils import CUSTOMER, FrappeTestCase, set_settings

test_ignore = ["Sales Order"]
test_dependencies = ["Customer", "Warehouse", "Item Group", "Email Account"]

CONTACT_EMAIL = "buyer@ot-customer.example.com"
ORDER_EMAIL = "orders-desk@ot-customer.example.com"


def queued(sales_order: str) -> list[frappe._dict]:
	"""The e-mails queued about an order: subject and body decoded, recipients, attachments."""
	rows = frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": "Sales Order", "reference_name": sales_order},
		fields=["name", "message", "attachments"],
		order_by="creation asc, name asc",
	)
	mails = []
	for row in rows:
		message = email.message_from_string(row.message)
		body = "".join(
			part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
			for part in message.walk()
			if part.get_content_type() == "text/html"
		)
		mails.append(
			frappe._dict(
				subject=str(make_header(decode_header(message["Subject"]))),
				body=body,
				recipients=frappe.get_all(
					"Email Queue Recipient", filters={"parent": row.name}, pluck="recipient"
				),
				attachments=json.loads(row.attachments or "[]"),
			)
		)
	return mails


def logged(sales_order: str, kind: str | None = None) -> list[str]:
	filters = {"sales_order": sales_order, **({"kind": kind} if kind else {})}
	return frappe.get_all(notifications_module.LOG, filters=filters, pluck="event_key", order_by="name asc")


def zh(source: str) -> str:
	return frappe.translate.get_all_translations("zh").get(source, "")


class TestCustomerNotifications(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_delivery_fixtures()

	def setUp(self):
		frappe.db.savepoint("notification_test")
		set_settings(
			pause_tracking=0,
			delivery_confirmation="Delivery Note",
			transit_days=0,
			notify_order_confirmation=1,
			notify_shipment=1,
			notify_delay=1,
			notify_delivery=1,
			delay_notice_step_days=7,
		)
		self.set_customer(language="en")
		# Frappe's test account (its test records) sends: the queue is all these tests look at
		frappe.db.set_value("Email Account", "_Test Email Account 1", "default_outgoing", 1)

	def tearDown(self):
		rollback_test("notification_test")

	def set_customer(self, language="en", opted_out=0):
		"""The customer's language, switch and primary contact (with an e-mail)."""
		contact = frappe.db.get_value("Customer", CUSTOMER, "customer_primary_contact")
		if not contact:
			contact = (
				frappe.get_doc(
					{
						"doctype": "Contact",
						"first_name": "Buyer",
						"email_ids": [{"email_id": CONTACT_EMAIL, "is_primary": 1}],
						"links": [{"link_doctype": "Customer", "link_name": CUSTOMER}],
						"is_primary_contact": 1,
					}
				)
				.insert()
				.name
			)
		frappe.db.set_value(
			"Customer",
			CUSTOMER,
			{
				"language": language,
				notifications_module.OPT_OUT_FIELD: opted_out,
				"customer_primary_contact": contact,
				"email_id": CONTACT_EMAIL,
			},
		)

	# ------------------------------------------------------------------ confirmation

	def test_confirmation_in_chinese_with_the_order_confirmation_attached(self):
		self.set_customer(language="zh")
		so = ready_order()
		mails = queued(so.name)
		self.assertEqual(len(mails), 1)
		mail = mails[0]
		self.assertEqual(mail.recipients, [CONTACT_EMAIL])
		self.assertTrue(zh("Order Confirmation {0}"))
		self.assertEqual(mail.subject, zh("Order Confirmation {0}").format(so.name))
		self.assertIn(zh("Kind regards,"), mail.body)
		self.assertEqual(len(mail.attachments), 1)
		attachment = mail.attachments[0]
		self.assertEqual(
			(attachment["doctype"], attachment["name"], attachment["print_format"], attachment["lang"]),
			("Sales Order", so.name, "Order Confirmation", "zh"),
		)
		# what the queue renders into the PDF: the Order Confirmation in the customer's language
		with in_language(attachment["lang"]):
			printed = frappe.get_print("Sales Order", so.name, attachment["print_format"])
		self.assertIn(zh("Order Confirmation"), printed)
		self.assertIn(zh("We confirm your order as follows."), printed)
		# on the order's timeline and in the log
		self.assertTrue(
			frappe.db.exists(
				"Communication",
				{"reference_doctype": "Sales Order", "reference_name": so.name, "sent_or_received": "Sent"},
			)
		)
		self.assertEqual(logged(so.name, notifications_module.CONFIRMATION), [so.name])

	def test_confirmation_in_english_to_the_orders_own_contact_email(self):
		so = ready_order_with_email(ORDER_EMAIL)
		mails = queued(so.name)
		self.assertEqual([m.subject for m in mails], [f"Order Confirmation {so.name}"])
		self.assertEqual(mails[0].recipients, [ORDER_EMAIL])
		self.assertEqual(mails[0].attachments[0]["lang"], "en")

	def test_recipient_falls_back_to_the_customers_primary_contact(self):
		so = ready_order()
		so.contact_email = None
		self.assertEqual(notifications_module.order_recipient(so), CONTACT_EMAIL)
		frappe.db.set_value("Customer", CUSTOMER, "email_id", None)
		self.assertEqual(notifications_module.order_recipient(so), CONTACT_EMAIL)  # from the Contact itself

	def test_language_choice(self):
		self.assertEqual(notifications_module.notification_language("zh"), "zh")
		self.assertEqual(notifications_module.notification_language("zh-TW"), "zh-TW")
		self.assertEqual(notifications_module.notification_language("de"), "en")
		self.assertEqual(notifications_module.notification_language("en"), "en")

	# ------------------------------------------------------------------ switches

	def test_nothing_for_a_customer_who_opted_out(self):
		self.set_customer(language="zh", opted_out=1)
		so = ready_order()
		refresh_trackers([so.name], today=getdate(add_days(nowdate(), 30)))
		ship(so)
		self.assertEqual(queued(so.name), [])
		self.assertEqual(logged(so.name), [])

	def test_each_kind_switched_off_in_the_settings(self):
		set_settings(notify_order_confirmation=0, notify_shipment=0, notify_delivery=0)
		so = ready_order()
		self.assertEqual(queued(so.name), [])
		ship(so)
		self.assertEqual(queued(so.name), [])
		# the delay e-mail is still on
		other = ready_order()
		refresh_trackers([other.name], today=getdate(add_days(nowdate(), 30)))
		self.assertEqual([m.subject for m in queued(other.name)], [f"Your order {other.name} is delayed"])

	def test_a_disabled_notification_sends_nothing(self):
		frappe.db.set_value("Notification", "Customer Order Confirmation", "enabled", 0)
		so = ready_order()
		self.assertEqual(queued(so.name), [])

	# ------------------------------------------------------------------ once per event

	def test_the_same_event_is_announced_once(self):
		so = ready_order()
		# a second submit path, a re-save after submit, the tracker refreshed again
		notifications_module.on_sales_order_submit(frappe.get_doc("Sales Order", so.name))
		self.assertFalse(notifications_module.notify(so.name, notifications_module.CONFIRMATION, so.name))
		so.reload()
		so.save()
		refresh_trackers([so.name])
		self.assertEqual(len(queued(so.name)), 1)
		self.assertEqual(logged(so.name), [so.name])

	def test_the_log_is_unique_per_order_kind_and_event(self):
		so = ready_order()
		values = {"sales_order": so.name, "kind": notifications_module.CONFIRMATION, "event_key": so.name}
		frappe.db.savepoint("duplicate_log")
		with self.assertRaises(frappe.UniqueValidationError):
			frappe.get_doc({"doctype": notifications_module.LOG, **values}).db_insert()
		frappe.db.rollback(save_point="duplicate_log")
		# a concurrent request past the quick check: the unique index turns it away quietly
		with patch.object(frappe.db, "exists", return_value=False):
			self.assertFalse(notifications_module.claim(values))
		self.assertEqual(logged(so.name), [so.name])
		self.assertTrue(notifications_module.claim({**values, "kind": notifications_module.DELIVERY}))

	# ------------------------------------------------------------------ shipment

	def test_shipment_with_carrier_waybill_and_tracking_link(self):
		so = ready_order()
		waybill = new_waybill()
		shipment = ship(so, waybill=waybill)
		mails = [m for m in queued(so.name) if m.subject == f"Your order {so.name} has been shipped"]
		self.assertEqual(len(mails), 1)
		body = mails[0].body
		self.assertIn(shipment.carrier, body)
		self.assertIn(waybill, body)
		self.assertIn(TRACKING_PAGE.replace("{waybill}", waybill).replace("&", "&amp;"), body)
		# the order's own tracking page too, made for the e-mail: it opens this order without login
		token = active_tracking_token(so.name)
		self.assertTrue(token)
		self.assertIn(f'href="{tracking_url(token)}"', body)
		self.assertIn(f"/track/{token}", body)
		self.assertEqual(order_for_token(token), so.name)
		self.assertIn(shipment.name, logged(so.name, notifications_module.SHIPMENT))
		# submitted again by another path: not announced again
		notifications_module.on_shipment_submit(shipment)
		self.assertEqual(
			len([m for m in queued(so.name) if m.subject == f"Your order {so.name} has been shipped"]), 1
		)

	# ------------------------------------------------------------------ delay

	def test_delay_when_the_eta_moves_later(self):
		self.set_customer(language="zh")
		so = ready_order(days=10)
		late = getdate(add_days(nowdate(), 20))
		refresh_trackers([so.name], today=late)
		refresh_trackers([so.name], today=late)  # the daily refresh again: same ETA
		delay_subject = zh("Your order {0} is delayed").format(so.name)
		self.assertTrue(zh("Your order {0} is delayed"))
		delays = [m for m in queued(so.name) if m.subject == delay_subject]
		self.assertEqual(len(delays), 1)
		self.assertIn(f"{late.year}年{late.month}月{late.day}日", delays[0].body)  # the new ETA, in Chinese
		self.assertIn(zh("Days Late"), delays[0].body)
		self.assertEqual(logged(so.name, notifications_module.DELAY), [getdate(late).isoformat()])
		# a day or two later: within the step, not announced again
		refresh_trackers([so.name], today=getdate(add_days(nowdate(), 22)))
		self.assertEqual(logged(so.name, notifications_module.DELAY), [late.isoformat()])
		# a week later again: a new event
		later = getdate(add_days(nowdate(), 30))
		refresh_trackers([so.name], today=later)
		self.assertEqual(len([m for m in queued(so.name) if m.subject == delay_subject]), 2)
		self.assertEqual(logged(so.name, notifications_module.DELAY), [late.isoformat(), later.isoformat()])

	def test_no_delay_while_on_time(self):
		so = ready_order(days=10)
		refresh_trackers([so.name], today=getdate(add_days(nowdate(), 5)))
		self.assertEqual(logged(so.name, notifications_module.DELAY), [])

	# ------------------------------------------------------------------ delivery

	def test_delivery_once(self):
		so = ready_order()
		dn = make_delivery_note(so.name)
		dn.insert()
		dn.submit()
		refresh_trackers([so.name])
		subject = f"Your order {so.name} has been delivered"
		self.assertEqual(len([m for m in queued(so.name) if m.subject == subject]), 1)
		self.assertEqual(logged(so.name, notifications_module.DELIVERY), [so.name])


def ready_order_with_email(contact_email: str):
	"""A ready order whose own contact e-mail differs from the customer's primary contact."""
	from order_tracking.tests.utils import LACE, make_order

	so = make_order(
		items=[{"item_code": LACE, "qty": 4, "rate": 5, "delivery_date": add_days(nowdate(), 10)}],
		submit=False,
	)
	so.contact_email = contact_email
	so.save()
	so.submit()
	return so

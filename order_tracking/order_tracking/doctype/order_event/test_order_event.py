# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import frappe

from order_tracking.order_tracking.doctype.order_event.order_event import OrderEventImmutableError
from order_tracking.tests.utils import (
	CUSTOMER,
	FrappeTestCase,
	events,
	make_fixtures,
	make_order,
	make_user,
	tracker,
)

# ERPNext's Sales Order test records pull in the whole accounting graph, down to the Payment
# Gateway of the separate `payments` app; these tests make their own orders.
test_ignore = ["Sales Order"]

# The README's webhook body: one JSON object per timeline event
WEBHOOK_JSON = """{
  "event_id": "{{ doc.name }}",
  "sales_order": "{{ doc.sales_order }}",
  "customer": "{{ doc.customer }}",
  "stage": "{{ doc.stage }}",
  "event": "{{ doc.event }}",
  "occurred_at": "{{ doc.occurred_at }}",
  "reference_doctype": "{{ doc.reference_doctype or '' }}",
  "reference_name": "{{ doc.reference_name or '' }}",
  "is_cancellation": {{ doc.is_cancellation }}
}"""


class TestOrderEvent(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()

	def tearDown(self):
		frappe.set_user("Administrator")

	def manual_event(self, so, **kwargs):
		return frappe.get_doc(
			{
				"doctype": "Order Event",
				"sales_order": so,
				"stage": "Approved",
				"event": "Customer called about the colour",
				**kwargs,
			}
		).insert()

	def test_manual_event_joins_the_timeline_and_becomes_the_last_event(self):
		so = make_order()
		event = self.manual_event(so.name, occurred_at=frappe.utils.add_to_date(None, hours=1))
		self.assertEqual(event.source, "Manual")
		self.assertEqual(event.customer, so.customer)
		self.assertEqual(event.user, "Administrator")
		t = tracker(so.name)
		self.assertEqual(str(t.last_event), str(event.name))
		self.assertEqual(t.last_event_label, "Customer called about the colour")

	def test_events_cannot_be_changed_or_deleted(self):
		so = make_order()
		event = frappe.get_doc("Order Event", events(so.name)[0].name)
		event.remarks = "rewritten history"
		self.assertRaises(OrderEventImmutableError, event.save)
		self.assertRaises(OrderEventImmutableError, frappe.delete_doc, "Order Event", event.name)

	def test_events_are_read_with_the_rights_of_their_sales_order(self):
		so = make_order()
		event_name = events(so.name)[0].name
		user = make_user("ot-restricted@example.com", ["Sales User"])
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": user,
				"allow": "Customer",
				"for_value": "_Test Customer",
				"apply_to_all_doctypes": 1,
			}
		).insert(ignore_if_duplicate=True)
		frappe.set_user(user)
		self.assertFalse(frappe.has_permission("Sales Order", "read", so.name))
		self.assertFalse(frappe.has_permission("Order Event", "read", event_name))
		self.assertFalse(frappe.has_permission("Order Tracker", "read", so.name))
		frappe.set_user("Administrator")
		self.assertTrue(frappe.has_permission("Order Event", "read", event_name, user="Administrator"))


class _Receiver(BaseHTTPRequestHandler):
	received: ClassVar[list] = []

	def do_POST(self):
		body = self.rfile.read(int(self.headers["Content-Length"]))
		self.received.append((dict(self.headers), body))
		self.send_response(200)
		self.end_headers()
		self.wfile.write(b"{}")

	def log_message(self, *args):
		pass


class TestOrderEventWebhook(FrappeTestCase):
	"""The README's recipe: Frappe's own Webhook on Order Event, signed with its HMAC secret, lets a
	customer's system follow its orders."""

	SECRET = "ot-webhook-secret"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		cls.server = HTTPServer(("127.0.0.1", 0), _Receiver)
		threading.Thread(target=cls.server.serve_forever, daemon=True).start()
		cls.webhook = frappe.get_doc(
			{
				"doctype": "Webhook",
				"__newname": "Order events to the customer " + frappe.generate_hash(length=6),
				"webhook_doctype": "Order Event",
				"webhook_docevent": "after_insert",
				"request_url": f"http://127.0.0.1:{cls.server.server_address[1]}/order-events",
				"request_method": "POST",
				"request_structure": "JSON",
				"condition": "doc.customer == '" + CUSTOMER + "'",
				"webhook_json": WEBHOOK_JSON,
				"enable_security": 1,
				"webhook_secret": cls.SECRET,
			}
		).insert()
		frappe.db.commit()  # nosemgrep
		cls.orders = []

	@classmethod
	def tearDownClass(cls):
		cls.server.shutdown()
		frappe.delete_doc("Webhook", cls.webhook.name, force=True)
		for so in cls.orders:
			frappe.db.delete("Order Event", {"sales_order": so})
			frappe.db.delete("Order Tracker", {"name": so})
			frappe.db.delete("Sales Order Item", {"parent": so})
			frappe.db.delete("Sales Order", {"name": so})
		frappe.db.delete("Webhook Request Log", {"webhook": cls.webhook.name})
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def test_each_event_reaches_the_receiver_signed(self):
		_Receiver.received.clear()
		so = make_order()
		self.orders.append(so.name)
		frappe.db.commit()  # nosemgrep — Frappe sends webhooks after the commit
		names = frappe.get_all("Order Event", filters={"sales_order": so.name}, pluck="name")
		self.assertTrue(names)
		got = {}
		for headers, body in _Receiver.received:
			expected = base64.b64encode(
				hmac.new(self.SECRET.encode(), body, hashlib.sha256).digest()
			).decode()
			self.assertEqual(headers["X-Frappe-Webhook-Signature"], expected)
			payload = json.loads(body)
			got[payload["event_id"]] = payload
		self.assertEqual(set(got), {str(n) for n in names})
		one = got[str(names[0])]
		self.assertEqual(one["sales_order"], so.name)
		self.assertEqual(one["customer"], so.customer)
		self.assertEqual(one["stage"], frappe.db.get_value("Order Event", names[0], "stage"))

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe

from order_tracking.order_tracking.doctype.order_event.order_event import OrderEventImmutableError
from order_tracking.tests.utils import FrappeTestCase, events, make_fixtures, make_order, make_user, tracker

# ERPNext's Sales Order test records pull in the whole accounting graph, down to the Payment
# Gateway of the separate `payments` app; these tests make their own orders.
test_ignore = ["Sales Order"]


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

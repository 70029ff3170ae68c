# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.utils import flt, nowdate

from order_tracking.tests.utils import (
	FG_WAREHOUSE,
	LACE,
	SHOE,
	STORES,
	FrappeTestCase,
	deliver,
	events,
	invoice,
	make_fixtures,
	make_order,
	make_user,
	set_settings,
	stock_qty,
	tracker,
)

test_ignore = ["Sales Order", "Order Plan", "Work Order", "Delivery Note", "Sales Invoice"]


def order_return(so, dn, decision, qty, reason="Damaged", **values):
	doc = frappe.new_doc("Order Return")
	doc.update(
		{
			"sales_order": so.name,
			"delivery_note": dn.name,
			"reason": reason,
			"decision": decision,
			"posting_date": nowdate(),
			**values,
		}
	)
	doc.append("items", {"item_code": dn.items[0].item_code, "qty": qty, "dn_detail": dn.items[0].name})
	return doc


class TestOrderReturn(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		set_settings(pause_tracking=0, delivery_confirmation="Delivery Note")

	def setUp(self):
		frappe.db.savepoint("order_return_test")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="order_return_test")

	def test_refund_takes_the_goods_back_and_credits_what_was_billed(self):
		so = make_order([{"item_code": LACE, "qty": 10, "rate": 10}])
		dn = deliver(so)
		si = invoice(so)
		before = stock_qty(LACE, STORES)
		ret = order_return(so, dn, "Refund", 3, return_warehouse=STORES)
		ret.insert()
		self.assertEqual(
			(ret.items[0].delivered_qty, ret.items[0].returned_qty, ret.total_amount), (10, 0, 30)
		)
		ret.submit()
		ret.reload()
		self.assertEqual(ret.status, "Completed")

		back = frappe.get_doc("Delivery Note", ret.return_delivery_note)
		self.assertEqual((back.is_return, back.return_against, back.docstatus), (1, dn.name, 1))
		self.assertEqual([(i.item_code, flt(i.qty), i.warehouse) for i in back.items], [(LACE, -3, STORES)])
		self.assertAlmostEqual(stock_qty(LACE, STORES) - before, 3)

		credit = frappe.get_doc("Sales Invoice", ret.credit_note)
		self.assertEqual((credit.is_return, credit.return_against, credit.docstatus), (1, si.name, 1))
		self.assertEqual(flt(credit.net_total), -30)
		receivable = frappe.db.get_value(
			"GL Entry",
			{"voucher_no": credit.name, "party_type": "Customer", "is_cancelled": 0},
			"sum(credit) - sum(debit)",
		)
		self.assertEqual(flt(receivable), flt(-credit.grand_total))
		self.assertEqual(
			flt(frappe.db.get_value("Sales Invoice", si.name, "outstanding_amount")),
			flt(si.grand_total + credit.grand_total),
		)

		t = tracker(so.name)
		self.assertEqual(t.returned_qty, 3)
		self.assertIn(("Customer Return", ret.name), [(e.event, e.reference_name) for e in events(so.name)])

		# never more back than went out
		more = order_return(so, dn, "Refund", 8)
		self.assertRaisesRegex(frappe.ValidationError, "more than the 7", more.insert)

		# cancelling gives it all back: credit note and return cancelled, stock and tracker as before
		ret.cancel()
		self.assertEqual(frappe.db.get_value("Sales Invoice", credit.name, "docstatus"), 2)
		self.assertEqual(frappe.db.get_value("Delivery Note", back.name, "docstatus"), 2)
		self.assertAlmostEqual(stock_qty(LACE, STORES) - before, 0)
		self.assertEqual(tracker(so.name).returned_qty, 0)

	def test_refund_of_goods_not_yet_billed_makes_no_credit_note(self):
		so = make_order([{"item_code": LACE, "qty": 4, "rate": 10}])
		dn = deliver(so)
		ret = order_return(so, dn, "Refund", 4, reason="Customer Changed Mind")
		ret.insert()
		ret.submit()
		ret.reload()
		self.assertIsNone(ret.credit_note)
		self.assertEqual(ret.status, "Completed")
		self.assertEqual(flt(frappe.db.get_value("Sales Order Item", so.items[0].name, "delivered_qty")), 0)

	def test_exchange_sends_the_same_goods_again(self):
		so = make_order([{"item_code": LACE, "qty": 5, "rate": 10}])
		dn = deliver(so)
		before = stock_qty(LACE, FG_WAREHOUSE)
		ret = order_return(so, dn, "Exchange", 2, reason="Wrong Item")
		ret.insert()
		ret.submit()
		ret.reload()
		self.assertEqual(ret.status, "Awaiting Redelivery")
		self.assertAlmostEqual(stock_qty(LACE, FG_WAREHOUSE) - before, 2)
		again = frappe.get_doc("Delivery Note", ret.new_delivery_note)
		self.assertEqual((again.docstatus, again.order_return), (0, ret.name))
		self.assertEqual(
			[(i.item_code, flt(i.qty), i.against_sales_order) for i in again.items], [(LACE, 2, so.name)]
		)
		again.submit()
		self.assertEqual(frappe.db.get_value("Order Return", ret.name, "status"), "Completed")
		self.assertAlmostEqual(stock_qty(LACE, FG_WAREHOUSE) - before, 0)
		self.assertEqual(flt(frappe.db.get_value("Sales Order Item", so.items[0].name, "delivered_qty")), 5)

	def test_rework_makes_a_work_order_for_the_returned_goods(self):
		so = make_order([{"item_code": SHOE, "qty": 3, "rate": 100}])
		dn = deliver(so)
		ret = order_return(so, dn, "Rework", 1, reason="Quality")
		ret.insert()
		ret.submit()
		ret.reload()
		self.assertEqual(ret.status, "In Rework")
		wo = frappe.get_doc("Work Order", ret.work_order)
		self.assertEqual(
			(wo.production_item, flt(wo.qty), wo.sales_order, wo.order_return, wo.docstatus),
			(SHOE, 1, so.name, ret.name, 0),
		)
		ret.cancel()
		self.assertFalse(frappe.db.exists("Work Order", wo.name))  # a draft: deleted with its return

	def test_bad_returns_are_refused_with_the_field_named(self):
		so = make_order([{"item_code": LACE, "qty": 5, "rate": 10}])
		other = make_order([{"item_code": LACE, "qty": 5, "rate": 10}])
		dn = deliver(so)
		zero = order_return(so, dn, "Refund", 0)
		self.assertRaisesRegex(frappe.ValidationError, "Qty to Return", zero.insert)
		wrong = order_return(other, dn, "Refund", 1)
		self.assertRaisesRegex(frappe.ValidationError, "delivered nothing of", wrong.insert)
		self.assertFalse(frappe.db.exists("Order Return", {"sales_order": ("in", [so.name, other.name])}))

	def test_only_sales_and_settlement_roles_return_orders(self):
		so = make_order([{"item_code": LACE, "qty": 2, "rate": 10}])
		dn = deliver(so)
		planner = make_user("ot-planner-ret@example.com", ["Production Planner"])
		frappe.set_user(planner)
		self.assertRaises(frappe.PermissionError, order_return(so, dn, "Refund", 1).insert)

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

"""Overdue receivables (ST-1) as Order Exceptions: opened for the Settlement Accountant past the
due date and the grace days, by the hourly scan of every order (billed ones too), resolved once
the money is in; nothing when Settings do not ask for reminders."""

import frappe
from frappe.utils import add_days, fmt_money, getdate, nowdate

from order_tracking.core import delivery
from order_tracking.order_tracking.doctype.order_tracker.test_order_tracker import collect, deliver, invoice
from order_tracking.order_tracking.exceptions import scan_order_exceptions
from order_tracking.order_tracking.tracking import refresh_trackers
from order_tracking.tests.utils import (
	LACE,
	FrappeTestCase,
	make_fixtures,
	make_order,
	make_user,
	set_settings,
	tracker,
)

test_ignore = ["Sales Order"]

ACCOUNTANT = "ot-accountant@example.com"


def overdue_receivables(so):
	return frappe.get_all(
		"Order Exception",
		filters={"sales_order": so, "kind": delivery.OVERDUE_RECEIVABLE},
		fields=["name", "status", "owner_role", "reference_doctype", "reference_name", "detail"],
	)


class TestOverdueReceivables(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		make_user(ACCOUNTANT, ["Settlement Accountant", "Accounts User"])

	def setUp(self):
		frappe.db.savepoint("overdue_receivables")
		set_settings(remind_overdue_receivables=1, receivable_grace_days=3)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="overdue_receivables")
		frappe.clear_document_cache("Order Tracking Settings", "Order Tracking Settings")

	def billed_order(self, paid=30):
		so = make_order(items=[{"item_code": LACE, "qty": 10, "rate": 10}])
		deliver(so)
		si = invoice(so)
		if paid:
			collect(si, amount=paid)
		return so, si

	def fall_due(self, si, days_ago):
		frappe.db.set_value("Sales Invoice", si.name, "due_date", add_days(nowdate(), -days_ago))

	def scan(self, so, **kwargs):
		return scan_order_exceptions([so.name], kinds=[delivery.OVERDUE_RECEIVABLE], commit=False, **kwargs)

	def test_overdue_money_opens_an_exception_for_the_accountant_until_it_is_paid(self):
		so, si = self.billed_order()
		self.assertEqual(self.scan(so).opened, 0)  # not due yet
		self.fall_due(si, 2)
		refresh_trackers([so.name])
		self.assertEqual(tracker(so.name).payment_status, "Overdue")
		self.assertEqual(self.scan(so).opened, 0)  # within the three grace days

		self.fall_due(si, 5)
		refresh_trackers([so.name])
		self.assertEqual(tracker(so.name).stage, "Billed")
		# the hourly scan of every order finds it although its goods are long delivered
		result = scan_order_exceptions(kinds=[delivery.OVERDUE_RECEIVABLE], commit=False)
		self.assertGreaterEqual(result.opened, 1)
		(exc,) = overdue_receivables(so.name)
		self.assertEqual(
			(exc.status, exc.owner_role, exc.reference_doctype, exc.reference_name),
			("Open", "Settlement Accountant", "Sales Order", so.name),
		)
		self.assertIn("5 days overdue", exc.detail)
		t = tracker(so.name)
		self.assertIn(fmt_money(t.outstanding_amount, currency=t.currency), exc.detail)
		self.assertTrue(
			frappe.db.exists(
				"Notification Log",
				{"for_user": ACCOUNTANT, "document_type": "Order Exception", "document_name": exc.name},
			)
		)
		self.assertIn(delivery.OVERDUE_RECEIVABLE, tracker(so.name).open_exceptions)
		self.assertTrue(
			frappe.db.exists(
				"Order Event",
				{"sales_order": so.name, "event": "Exception Opened", "reference_name": exc.name},
			)
		)
		again = self.scan(so)  # run twice: nothing new
		self.assertEqual((again.opened, again.updated, again.resolved), (0, 0, 0))

		collect(si)  # the rest comes in: resolved by the payment's submit, not the next scan
		self.assertEqual(tracker(so.name).payment_status, "Paid")
		self.assertEqual([e.status for e in overdue_receivables(so.name)], ["Resolved"])
		self.assertFalse(tracker(so.name).open_exceptions)
		self.assertEqual(self.scan(so).resolved, 0)

	def test_the_payment_entry_resolves_the_exception_at_once_and_its_cancel_reopens_at_the_scan(self):
		so, si = self.billed_order(paid=0)
		self.fall_due(si, 10)
		refresh_trackers([so.name])
		self.assertEqual(self.scan(so).opened, 1)
		(opened,) = overdue_receivables(so.name)

		part = collect(si, amount=40)  # part of it: still overdue, what is owed now stated
		(exc,) = overdue_receivables(so.name)
		self.assertEqual((exc.name, exc.status), (opened.name, "Open"))
		t = tracker(so.name)
		self.assertIn(fmt_money(t.outstanding_amount, currency=t.currency), exc.detail)

		rest = collect(si)
		self.assertEqual(frappe.db.get_value("Order Exception", exc.name, "status"), "Resolved")
		self.assertFalse(tracker(so.name).open_exceptions)
		self.assertTrue(
			frappe.db.exists(
				"Order Event",
				{"sales_order": so.name, "event": "Exception Resolved", "reference_name": exc.name},
			)
		)

		rest.reload()
		rest.cancel()  # the money is owed again: the next scan opens a new exception
		self.assertEqual(part.docstatus, 1)
		self.assertEqual(self.scan(so).opened, 1)
		self.assertEqual(sorted(e.status for e in overdue_receivables(so.name)), ["Open", "Resolved"])

	def test_a_tracker_stored_unpaid_before_the_due_date_passed_is_overdue_all_the_same(self):
		so, si = self.billed_order(paid=0)
		self.assertEqual(tracker(so.name).payment_status, "Unpaid")
		due = getdate(si.due_date)
		self.assertEqual(self.scan(so, today=getdate(add_days(due, 3))).opened, 0)
		self.assertEqual(self.scan(so, today=getdate(add_days(due, 4))).opened, 1)
		self.assertIn("4 days overdue", overdue_receivables(so.name)[0].detail)

	def test_nothing_is_raised_unless_settings_ask_for_reminders(self):
		set_settings(remind_overdue_receivables=0)
		so, si = self.billed_order()
		self.fall_due(si, 30)
		refresh_trackers([so.name])
		self.assertEqual(self.scan(so).opened, 0)
		self.assertEqual(overdue_receivables(so.name), [])

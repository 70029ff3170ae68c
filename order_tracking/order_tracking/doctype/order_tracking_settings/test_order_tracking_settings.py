# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from unittest.mock import patch

import frappe

from order_tracking.custom_fields import get_custom_fields
from order_tracking.order_tracking import backfill
from order_tracking.order_tracking.backfill import enqueue_backfill, run_backfill
from order_tracking.tests.utils import (
	LACE,
	FrappeTestCase,
	events,
	make_fixtures,
	make_order,
	make_user,
	set_settings,
)

# ERPNext's Sales Order test records pull in the whole accounting graph, down to the Payment
# Gateway of the separate `payments` app; these tests make their own orders.
test_ignore = ["Sales Order"]


class TestOrderTrackingSettings(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()

	def test_install_added_the_sales_order_fields(self):
		meta = frappe.get_meta("Sales Order")
		for field in get_custom_fields()["Sales Order"]:
			self.assertTrue(meta.has_field(field["fieldname"]), field["fieldname"])
		self.assertTrue(meta.get_field("order_stage").in_list_view)

	def test_roles_exist(self):
		for role in (
			"Order Clerk",
			"Order Reviewer",
			"Production Planner",
			"Outsourcing Manager",
			"Settlement Accountant",
		):
			self.assertTrue(frappe.db.exists("Role", role), role)

	def test_backfill_reports_progress_on_the_settings(self):
		set_settings(pause_tracking=1)
		try:
			so = make_order(items=[{"item_code": LACE, "qty": 2, "rate": 5}])
		finally:
			set_settings(pause_tracking=0)
		self.assertFalse(events(so.name))
		done = run_backfill(batch_size=50, commit=False)
		self.assertEqual(done, frappe.db.count("Sales Order"))
		settings = frappe.get_single("Order Tracking Settings")
		self.assertEqual(settings.backfill_status, "Completed")
		self.assertEqual(settings.backfill_processed, done)
		self.assertEqual(settings.backfill_progress, 100)
		self.assertEqual(frappe.db.get_value("Order Tracker", so.name, "stage"), "Ready to Ship")
		self.assertEqual([e.event for e in events(so.name)], ["Order Received", "Order Submitted"])

	def test_an_interrupted_backfill_is_started_again(self):
		queued = []
		with patch.object(backfill, "_enqueue", lambda: queued.append(backfill.JOB_ID)):
			with patch("frappe.utils.background_jobs.is_job_enqueued", return_value=False):
				frappe.db.set_single_value("Order Tracking Settings", "backfill_status", "Completed")
				self.assertFalse(backfill.resume_interrupted_backfill())
				self.assertEqual(queued, [])
				# running, but no job queued or started: its worker died
				frappe.db.set_single_value("Order Tracking Settings", "backfill_status", "Running")
				self.assertTrue(backfill.resume_interrupted_backfill())
				self.assertEqual(queued, [backfill.JOB_ID])
			with patch("frappe.utils.background_jobs.is_job_enqueued", return_value=True):
				# its job is still there: nothing started twice
				self.assertFalse(backfill.resume_interrupted_backfill())
				self.assertEqual(queued, [backfill.JOB_ID])
		self.assertIn(
			"order_tracking.order_tracking.backfill.resume_interrupted_backfill",
			frappe.get_hooks("scheduler_events")["all"],
		)

	def test_only_managers_start_a_rebuild(self):
		frappe.set_user(make_user("ot-clerk-2@example.com", ["Order Clerk"]))
		try:
			self.assertRaises(frappe.PermissionError, enqueue_backfill)
		finally:
			frappe.set_user("Administrator")

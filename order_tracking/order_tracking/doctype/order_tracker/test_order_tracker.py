# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import threading

import frappe
from frappe.utils import add_days, nowdate

from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

from order_tracking.order_tracking.order_facts import gather_order_facts
from order_tracking.order_tracking.tracking import refresh_trackers
from order_tracking.overrides import tracked_documents
from order_tracking.patches.v15_0 import fill_tracker_item_groups
from order_tracking.tests.utils import (
	LACE,
	SHOE,
	FrappeTestCase,
	deliver,
	events,
	invoice,
	make_fixtures,
	make_order,
	make_portal_user,
	make_user,
	make_work_order,
	set_settings,
	tracker,
	work_order_entry,
)


def collect(si, amount=None):
	pe = get_payment_entry("Sales Invoice", si.name)
	pe.reference_no = f"OT-{si.name}"
	pe.reference_date = nowdate()
	if amount is not None:
		pe.paid_amount = pe.received_amount = amount
		pe.references[0].allocated_amount = amount
	pe.insert()
	pe.submit()
	return pe


# ERPNext's Sales Order test records pull in the whole accounting graph, down to the Payment
# Gateway of the separate `payments` app; these tests make their own orders.
test_ignore = ["Sales Order", "Order Plan", "Work Order"]


class TestOrderTracker(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		set_settings(pause_tracking=0, delivery_confirmation="Delivery Note", transit_days=0)

	def test_draft_order_is_received_with_an_event(self):
		so = make_order(submit=False)
		t = tracker(so.name)
		self.assertEqual(t.stage, "Received")
		self.assertEqual(t.ordered_qty, 10)
		self.assertEqual(frappe.db.get_value("Sales Order", so.name, "order_stage"), "Received")
		self.assertEqual([e.event for e in events(so.name)], ["Order Received"])

	def test_whole_life_of_an_order_moves_the_tracker(self):
		so = make_order()
		self.assertEqual(tracker(so.name).stage, "Approved")

		wo = make_work_order(so)
		self.assertEqual(tracker(so.name).stage, "Planned")

		work_order_entry(wo, "Material Transfer for Manufacture", 10)
		self.assertEqual(tracker(so.name).stage, "In Production")

		work_order_entry(wo, "Manufacture", 4)
		t = tracker(so.name)
		self.assertEqual(t.stage, "In Production")
		self.assertEqual(t.produced_pct, 40)

		work_order_entry(wo, "Manufacture", 6)
		self.assertEqual(tracker(so.name).stage, "Ready to Ship")

		deliver(so, [4])
		t = tracker(so.name)
		self.assertEqual(t.stage, "Ready to Ship")
		self.assertEqual(t.shipped_pct, 40)

		so.reload()
		deliver(so)
		t = tracker(so.name)
		self.assertEqual(t.stage, "Delivered")
		self.assertEqual(t.delivered_qty, 10)

		si = invoice(so)
		t = tracker(so.name)
		self.assertEqual(t.stage, "Billed")
		self.assertEqual(t.billed_pct, 100)

		pe = collect(si, amount=300)
		t = tracker(so.name)
		self.assertEqual(t.stage, "Billed")
		self.assertAlmostEqual(t.paid_amount, 300, places=2)

		pe2 = collect(frappe.get_doc("Sales Invoice", si.name))
		t = tracker(so.name)
		self.assertEqual(t.stage, "Paid")
		self.assertEqual(t.paid_pct, 100)

		# a cancel is an event too, and rolls the state back
		pe2.reload()
		pe2.cancel()
		t = tracker(so.name)
		self.assertEqual(t.stage, "Billed")
		self.assertAlmostEqual(t.paid_amount, 300, places=2)
		cancellations = events(so.name, is_cancellation=1)
		self.assertEqual(
			[(e.reference_name, e.event, e.stage) for e in cancellations], [(pe2.name, "Cancelled", "Paid")]
		)
		self.assertLess(cancellations[0].amount, 0)

		timeline = [(e.stage, e.event) for e in events(so.name)]
		for expected in [
			("Received", "Order Received"),
			("Approved", "Order Submitted"),
			("Planned", "Production Planned"),
			("In Production", "Materials Issued"),
			("In Production", "Produced"),
			("Shipped", "Shipped"),
			("Billed", "Invoiced"),
			("Paid", "Payment Received"),
			("Paid", "Cancelled"),
		]:
			self.assertIn(expected, timeline)
		self.assertEqual(frappe.db.get_value("Sales Order", so.name, "order_stage"), "Billed")
		self.assertEqual(pe.docstatus, 1)

	def test_payment_status_returns_and_stage_dates(self):
		so = make_order(items=[{"item_code": LACE, "qty": 10, "rate": 10}])
		dn = deliver(so)
		t = tracker(so.name)
		self.assertEqual((t.stage, t.payment_status, t.outstanding_amount), ("Delivered", "Not Billed", 0))
		si = invoice(so)
		t = tracker(so.name)
		self.assertEqual((t.payment_status, t.outstanding_amount), ("Unpaid", si.grand_total))
		self.assertEqual(str(t.payment_due), str(si.due_date))
		collect(si, amount=30)
		t = tracker(so.name)
		self.assertEqual(t.payment_status, "Partly Paid")
		self.assertAlmostEqual(t.outstanding_amount, si.grand_total - 30, places=2)
		# the invoice falls due: the daily refresh sees it overdue
		frappe.db.set_value("Sales Invoice", si.name, "due_date", add_days(nowdate(), -2))
		refresh_trackers([so.name])
		t = tracker(so.name)
		self.assertEqual((t.payment_status, str(t.payment_due)), ("Overdue", add_days(nowdate(), -2)))

		from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return

		ret = make_sales_return(dn.name)
		ret.items[0].qty = -3
		ret.insert()
		ret.submit()
		t = tracker(so.name)
		self.assertEqual(t.returned_qty, 3)

		# each stage reached is dated, in order; stages not reached are not
		reached = [
			t.received_at,
			t.approved_at,
			t.planned_at,
			t.ready_at,
			t.shipped_at,
			t.delivered_at,
			t.billed_at,
		]
		self.assertTrue(all(reached), reached)
		self.assertEqual(reached, sorted(reached))
		self.assertIsNone(t.paid_at)
		collect(frappe.get_doc("Sales Invoice", si.name))
		t = tracker(so.name)
		self.assertEqual((t.payment_status, t.outstanding_amount, t.payment_due), ("Paid", 0, None))
		self.assertIsNotNone(t.paid_at)

	def test_bought_in_order_is_ready_to_ship_once_submitted(self):
		so = make_order(items=[{"item_code": LACE, "qty": 50, "rate": 5}])
		t = tracker(so.name)
		self.assertEqual(t.stage, "Ready to Ship")
		self.assertEqual(t.manufacture_qty, 0)

	def test_mixed_order_needs_production_of_the_made_lines_only(self):
		so = make_order(
			items=[{"item_code": SHOE, "qty": 5, "rate": 100}, {"item_code": LACE, "qty": 50, "rate": 5}]
		)
		self.assertEqual(tracker(so.name).manufacture_qty, 5)
		groups = sorted({frappe.db.get_value("Item", i, "item_group") for i in (SHOE, LACE)})
		self.assertEqual(tracker(so.name).item_groups, "\n".join(groups))
		# trackers written before the field existed get it from the patch
		frappe.db.set_value("Order Tracker", so.name, "item_groups", None)
		fill_tracker_item_groups.execute()
		self.assertEqual(tracker(so.name).item_groups, "\n".join(groups))
		wo = make_work_order(so)
		work_order_entry(wo, "Material Transfer for Manufacture", 5)
		work_order_entry(wo, "Manufacture", 5)
		t = tracker(so.name)
		self.assertEqual(t.stage, "Ready to Ship")
		self.assertEqual(t.produced_pct, 100)

	def test_cancelling_a_work_order_rolls_planning_back(self):
		so = make_order()
		wo = make_work_order(so)
		self.assertEqual(tracker(so.name).stage, "Planned")
		wo.reload()
		wo.cancel()
		self.assertEqual(tracker(so.name).stage, "Approved")
		self.assertTrue(events(so.name, reference_name=wo.name, is_cancellation=1))

	def test_shipment_confirms_delivery_when_configured(self):
		set_settings(delivery_confirmation="Shipment Completed")
		try:
			so = make_order(items=[{"item_code": LACE, "qty": 5, "rate": 5}])
			dn = deliver(so)
			self.assertEqual(tracker(so.name).stage, "Shipped")
			shipment = make_shipment(dn)
			self.assertEqual(tracker(so.name).stage, "Shipped")
			shipment.status = "Completed"  # what a carrier integration does
			shipment.flags.ignore_validate_update_after_submit = True
			shipment.save()
			t = tracker(so.name)
			self.assertEqual(t.stage, "Delivered")
			self.assertIn("Shipment Delivered", [e.event for e in events(so.name)])
		finally:
			set_settings(delivery_confirmation="Delivery Note")

	def test_closing_and_reopening_the_order(self):
		from order_tracking.overrides.sales_order import update_status

		so = make_order()
		update_status("Closed", so.name)
		self.assertEqual(tracker(so.name).stage, "Closed")
		update_status("Draft", so.name)
		self.assertEqual(tracker(so.name).stage, "Approved")
		self.assertEqual(
			[
				e.event
				for e in events(so.name, reference_doctype="Sales Order")
				if e.event.startswith("Order ")
			][-2:],
			["Order Closed", "Order Re-opened"],
		)

	def test_cancelled_order(self):
		so = make_order()
		so.reload()
		so.cancel()
		self.assertEqual(tracker(so.name).stage, "Cancelled")
		self.assertIn(("Cancelled", "Order Cancelled"), [(e.stage, e.event) for e in events(so.name)])

	def test_delay_and_eta_follow_late_production(self):
		so = make_order()
		wo = make_work_order(so)
		wo.db_set("expected_delivery_date", add_days(so.delivery_date, 5))
		refresh_trackers([so.name])
		t = tracker(so.name)
		self.assertEqual(str(t.eta), str(add_days(so.delivery_date, 5)))
		self.assertEqual(t.delay_days, 5)
		self.assertTrue(t.is_delayed)

	def test_deleting_a_draft_order_removes_its_trail(self):
		so = make_order(submit=False)
		self.assertTrue(frappe.db.exists("Order Tracker", so.name))
		frappe.delete_doc("Sales Order", so.name)
		self.assertFalse(frappe.db.exists("Order Tracker", so.name))
		self.assertFalse(events(so.name))

	def test_paused_tracking_writes_nothing_and_backfill_rebuilds(self):
		from order_tracking.order_tracking.backfill import backfill_events

		set_settings(pause_tracking=1)
		try:
			so = make_order(items=[{"item_code": LACE, "qty": 5, "rate": 5}])
			deliver(so)
			self.assertFalse(frappe.db.exists("Order Tracker", so.name))
			self.assertFalse(events(so.name))
		finally:
			set_settings(pause_tracking=0)

		written = backfill_events([so.name])
		refresh_trackers([so.name])
		self.assertEqual(written, 3)  # received, submitted, shipped
		self.assertEqual(tracker(so.name).stage, "Delivered")
		self.assertEqual({e.source for e in events(so.name)}, {"Backfill"})
		# running it again writes nothing twice
		self.assertEqual(backfill_events([so.name]), 0)

	def test_purchase_order_for_the_order_is_on_its_timeline(self):
		from erpnext.buying.doctype.purchase_order.test_purchase_order import create_purchase_order

		so = make_order(items=[{"item_code": LACE, "qty": 8, "rate": 5}])
		if not frappe.db.exists("Supplier", "_OT Supplier"):
			frappe.get_doc(
				{
					"doctype": "Supplier",
					"supplier_name": "_OT Supplier",
					"supplier_group": "All Supplier Groups",
				}
			).insert()
		po = create_purchase_order(item_code=LACE, qty=8, supplier="_OT Supplier", do_not_save=True)
		po.items[0].sales_order = so.name
		po.items[0].sales_order_item = so.items[0].name
		po.insert()
		po.submit()
		[event] = events(so.name, reference_doctype="Purchase Order")
		self.assertEqual((event.stage, event.event, event.qty), ("Planned", "Purchase Ordered", 8))
		po.reload()
		po.cancel()
		self.assertEqual(len(events(so.name, reference_doctype="Purchase Order", is_cancellation=1)), 1)

	def test_daily_refresh_moves_eta_and_delay_with_the_calendar(self):
		from order_tracking.order_tracking.tracking import refresh_open_trackers

		so = make_order()
		frappe.db.set_value("Sales Order", so.name, "delivery_date", add_days(nowdate(), -4))
		self.assertEqual(tracker(so.name).delay_days, 0)  # nothing told the tracker yet
		refresh_open_trackers(commit=False)
		t = tracker(so.name)
		self.assertEqual((t.delay_days, t.is_delayed, str(t.eta)), (4, 1, nowdate()))

	def test_hook_queries_do_not_grow_with_lines(self):
		"""What the app adds to a Delivery Note submit costs the same for 2 and for 20 lines."""

		def hook_queries(lines):
			so = make_order(items=[{"item_code": LACE, "qty": 1, "rate": 5} for _ in range(lines)])
			dn = make_delivery_note(so.name)
			dn.insert()
			dn.submit()
			return count_queries(lambda: tracked_documents.on_submit(dn))

		self.assertEqual(hook_queries(2), hook_queries(20))

	def test_facts_of_many_orders_take_a_fixed_number_of_queries(self):
		orders = [make_order().name for _ in range(3)]
		one = count_queries(lambda: gather_order_facts(orders[:1]))
		three = count_queries(lambda: gather_order_facts(orders))
		self.assertEqual(one, three)


def count_queries(fn) -> int:
	calls = 0
	original = frappe.db.sql

	def counting(*args, **kwargs):
		nonlocal calls
		calls += 1
		return original(*args, **kwargs)

	frappe.db.sql = counting
	try:
		fn()
	finally:
		frappe.db.sql = original
	return calls


def make_shipment(dn):
	from erpnext.stock.doctype.shipment.test_shipment import create_test_shipment

	shipment = create_test_shipment([dn])
	shipment.submit()
	return shipment


class TestStaleSnapshot(FrappeTestCase):
	"""A refresh whose snapshot is older than another writer's commit (REPEATABLE READ: a
	request's snapshot starts at its first read) is refreshed again after its commit."""

	def test_a_tracker_written_from_older_facts_is_refreshed_again_after_commit(self):
		make_fixtures()
		set_settings(pause_tracking=0)
		so = make_order(submit=False)
		promised = add_days(nowdate(), 40)
		# the other writer works in its own connection, so this order must be committed
		frappe.db.commit()  # nosemgrep
		try:
			frappe.db.get_value("Sales Order", so.name, "delivery_date")  # this snapshot starts here
			site = frappe.local.site
			failures = []

			def other_writer():
				frappe.init(site=site)
				frappe.connect()
				try:
					frappe.db.set_value("Sales Order", so.name, "delivery_date", promised)
					refresh_trackers([so.name])
					frappe.db.commit()  # nosemgrep (the other request's commit)
				except Exception as e:
					failures.append(repr(e))
				finally:
					frappe.destroy()

			thread = threading.Thread(target=other_writer)
			thread.start()
			thread.join(timeout=60)
			self.assertEqual(failures, [])
			# this refresh still reads the old promised date from its snapshot, and writes it
			refresh_trackers([so.name])
			self.assertNotEqual(str(tracker(so.name).promised_date), promised)
			frappe.db.commit()  # nosemgrep (the request ends; its after-commit refresh runs)
			frappe.db.rollback()  # a fresh snapshot
			self.assertEqual(str(tracker(so.name).promised_date), promised)
		finally:
			frappe.db.rollback()
			frappe.delete_doc("Sales Order", so.name, force=True)
			frappe.db.commit()  # nosemgrep (remove the committed order)


class TestOrderStatusAPI(FrappeTestCase):
	"""GET order_tracking.api.tracking.get_order_status"""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		set_settings(pause_tracking=0, delivery_confirmation="Delivery Note")

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_status_by_sales_order_intake_or_channel_reference(self):
		from order_tracking.api.intake import submit_order
		from order_tracking.api.tracking import get_order_status

		ref = frappe.generate_hash(length=8)
		answer = submit_order(
			channel="Portal",
			external_ref=ref,
			customer="_OT Customer",
			company="_Test Company",
			delivery_date=add_days(nowdate(), 12),
			items=[{"item_code": LACE, "qty": 6}],
		)
		self.assertEqual(answer["status"], "Converted", answer["errors"])
		so = frappe.get_doc("Sales Order", answer["sales_order"])
		so.submit()
		deliver(so, [2])

		by_order = get_order_status(so.name)
		self.assertEqual(get_order_status(answer["intake"]), by_order)
		self.assertEqual(get_order_status(f"Portal:{ref}"), by_order)

		self.assertTrue(
			{"sales_order", "customer", "stage", "progress", "promised_date", "eta", "delay_days", "events"}
			<= set(by_order)
		)
		self.assertEqual(by_order["sales_order"], so.name)
		self.assertEqual(by_order["customer"], so.customer)
		self.assertEqual(by_order["stage"], "Ready to Ship")
		self.assertEqual(by_order["progress"]["ordered_qty"], 6)
		self.assertEqual(by_order["progress"]["shipped_qty"], 2)
		self.assertAlmostEqual(by_order["progress"]["shipped_pct"], 33.33, places=2)
		self.assertEqual(str(by_order["promised_date"]), str(so.delivery_date))
		self.assertEqual(
			[(e["stage"], e["event"], e["reference_doctype"]) for e in by_order["events"]],
			[
				("Received", "Order Received", "Order Intake"),
				("Under Review", "Review Started", "Order Review"),
				("Approved", "Order Submitted", "Sales Order"),
				("Shipped", "Shipped", "Delivery Note"),
			],
		)
		for event in by_order["events"]:
			self.assertTrue(
				{"at", "stage", "event", "reference_doctype", "reference_name", "qty"} <= set(event)
			)
		self.assertEqual(by_order["events"][-1]["qty"], 2)

	def test_no_read_permission_gives_403_without_a_hint(self):
		from order_tracking.api.tracking import get_order_status

		so = make_order()
		frappe.set_user(make_user("ot-outsider@example.com", ["Order Clerk"]))
		messages = []
		for order in (so.name, "SAL-ORD-DOES-NOT-EXIST", "API:no-such-ref"):
			with self.assertRaises(frappe.PermissionError) as e:
				get_order_status(order)
			self.assertEqual(e.exception.http_status_code, 403)
			messages.append(str(e.exception).replace(order, "X"))
		self.assertEqual(len(set(messages)), 1)

	def test_user_permissions_of_a_sales_user_decide_the_status_read(self):
		"""The status read checks the order's header without loading it, and loads it when a User
		Permission restricts a doctype its lines link to: both must refuse what ERPNext refuses."""
		from frappe.permissions import add_user_permission

		from order_tracking.api.tracking import get_order_status

		lace = [{"item_code": LACE, "qty": 1, "rate": 5}]
		own = make_order(customer="_OT Customer", items=lace)
		other = make_order(customer="_OT Other Customer", items=lace)
		shoe = make_order(customer="_OT Customer", items=[{"item_code": SHOE, "qty": 1, "rate": 50}])
		user = make_user("ot-restricted-sales@example.com", ["Sales User"])
		add_user_permission("Customer", "_OT Customer", user)
		frappe.set_user(user)
		self.assertEqual(get_order_status(own.name)["sales_order"], own.name)
		self.assertEqual(get_order_status(shoe.name)["sales_order"], shoe.name)
		with self.assertRaises(frappe.PermissionError) as e:
			get_order_status(other.name)
		self.assertEqual(e.exception.http_status_code, 403)
		frappe.set_user("Administrator")
		add_user_permission("Item", LACE, user)  # restricts the lines: the order is loaded
		frappe.set_user(user)
		self.assertEqual(get_order_status(own.name)["sales_order"], own.name)
		self.assertFalse(frappe.has_permission("Sales Order", "read", shoe.name, user=user))
		self.assertRaises(frappe.PermissionError, get_order_status, shoe.name)
		self.assertRaises(frappe.PermissionError, get_order_status, other.name)

	def test_customer_on_the_portal_sees_only_own_orders(self):
		from order_tracking.api.tracking import get_order_status

		own = make_order(customer="_OT Customer")
		other = make_order(customer="_OT Other Customer")
		user = make_portal_user("ot-portal@example.com", "_OT Customer")
		frappe.set_user(user)
		self.assertEqual(get_order_status(own.name)["sales_order"], own.name)
		self.assertRaises(frappe.PermissionError, get_order_status, other.name)

	def test_order_without_tracker_is_derived_on_the_fly(self):
		from order_tracking.api.tracking import get_order_status

		so = make_order()
		frappe.db.delete("Order Tracker", {"name": so.name})
		status = get_order_status(so.name)
		self.assertEqual(status["stage"], "Approved")
		self.assertFalse(frappe.db.exists("Order Tracker", so.name))  # a GET stores nothing

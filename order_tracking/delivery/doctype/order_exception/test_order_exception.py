# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

"""Order exceptions (TR-3): each kind opens and resolves itself, the scan is safe to run twice
and at the same time, openings notify the owning role and go on the timeline, and a module can
plug in its own detector."""

import threading

import frappe
from frappe.model.workflow import apply_workflow
from frappe.tests.utils import patch_hooks
from frappe.utils import add_days, getdate, nowdate

from order_tracking.api.tracking import get_order_status
from order_tracking.core import delivery as delivery_core
from order_tracking.delivery.carrier_events import receive_carrier_event
from order_tracking.delivery.doctype.order_exception.order_exception import OrderExceptionError
from order_tracking.order_tracking.doctype.order_review.test_order_review import (
	BOOT,
	CLERK,
	GLUE,
	LEATHER,
	SOLE,
	THREAD,
	UPPER,
	boot_order,
	make_review_fixtures,
	purchase,
	review_of,
	set_stock,
)
from order_tracking.order_tracking.exceptions import exception_detector, scan_order_exceptions
from order_tracking.order_tracking.tracking import refresh_trackers
from order_tracking.tests.delivery_fixtures import (
	event_body,
	make_delivery_fixtures,
	ready_order,
	rollback_test,
	ship,
	signed,
)
from order_tracking.tests.utils import (
	FrappeTestCase,
	events,
	make_order,
	make_user,
	make_work_order,
	set_settings,
	tracker,
)

test_ignore = ["Sales Order"]

ORDER_CLERK = "ot-dl-clerk@example.com"
PLANNER = "ot-dl-planner@example.com"
STOCK_CLERK = "ot-dl-stock@example.com"

# what the test detector of late operations reports (a module registering its own detector)
LATE_OPERATIONS: dict[str, str] = {}


@exception_detector(delivery_core.LATE_OPERATION)
def detect_test_late_operations(sales_orders, facts):
	return [
		delivery_core.ExceptionSpec(
			delivery_core.LATE_OPERATION,
			so,
			LATE_OPERATIONS[so],
			reference_doctype="Sales Order",
			reference_name=so,
		)
		for so in sales_orders
		if so in LATE_OPERATIONS
	]


def open_exceptions(so):
	return {
		e.kind: e
		for e in frappe.get_all(
			"Order Exception",
			filters={"sales_order": so, "status": ("!=", "Resolved")},
			fields=[
				"name",
				"kind",
				"status",
				"detail",
				"owner_role",
				"reference_doctype",
				"reference_name",
				"open_key",
			],
		)
	}


def all_exceptions(so):
	return frappe.get_all(
		"Order Exception",
		filters={"sales_order": so},
		fields=["name", "kind", "status", "open_key", "resolution", "resolved_at"],
		order_by="creation asc",
	)


def notifications(user, so):
	return frappe.get_all(
		"Notification Log",
		filters={"for_user": user, "document_type": "Order Exception", "subject": ("like", f"%{so}%")},
		pluck="subject",
	)


class TestOrderExceptions(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_review_fixtures()
		make_delivery_fixtures()
		make_user(ORDER_CLERK, ["Order Clerk", "Sales User"])
		make_user(PLANNER, ["Production Planner"])
		make_user(STOCK_CLERK, ["Stock User"])

	def setUp(self):
		frappe.db.savepoint("order_exception_test")
		set_settings(
			pause_tracking=0, delivery_confirmation="Delivery Note", transit_days=0, review_required=0
		)
		LATE_OPERATIONS.clear()

	def tearDown(self):
		rollback_test("order_exception_test")

	def scan(self, *orders, today=None, kinds=None):
		return scan_order_exceptions(
			list(orders), kinds=kinds, commit=False, today=getdate(today) if today else None
		)

	def assertNoChange(self, result):
		self.assertEqual((result.opened, result.updated, result.resolved), (0, 0, 0))

	# ------------------------------------------------------------------ Overdue

	def test_overdue_opens_notifies_and_resolves_when_delivered(self):
		so = ready_order(days=3)
		self.assertNoChange(self.scan(so.name))
		later = add_days(nowdate(), 5)
		result = self.scan(so.name, today=later)
		self.assertEqual((result.opened, result.orders), (1, 1))
		overdue = open_exceptions(so.name)[delivery_core.OVERDUE]
		self.assertEqual(
			(
				overdue.status,
				overdue.owner_role,
				overdue.reference_doctype,
				overdue.reference_name,
				overdue.open_key,
			),
			("Open", "Order Clerk", "Sales Order", so.name, "Open"),
		)
		self.assertIn(frappe.format(getdate(add_days(nowdate(), 3)), {"fieldtype": "Date"}), overdue.detail)
		# on the timeline, on the tracker, in the status API, and to the order clerks
		self.assertEqual(
			[e.event for e in events(so.name, reference_doctype="Order Exception")], ["Exception Opened"]
		)
		t = tracker(so.name)
		self.assertEqual((t.open_exceptions, t.open_exception_count), ("Overdue", 1))
		self.assertEqual(t.last_event_label, "Order Exception: Exception Opened")
		status = get_order_status(so.name)
		self.assertEqual([(e["kind"], e["status"]) for e in status["exceptions"]], [("Overdue", "Open")])
		self.assertIn("detail", status["exceptions"][0])
		self.assertEqual(notifications(ORDER_CLERK, so.name), [f"Overdue: {so.name}"])
		self.assertEqual(notifications(PLANNER, so.name), [])

		# the scan run again changes nothing
		self.assertNoChange(self.scan(so.name, today=later))
		self.assertEqual(len(all_exceptions(so.name)), 1)
		self.assertEqual(len(events(so.name, reference_doctype="Order Exception")), 1)

		# delivered: resolved by itself
		from order_tracking.order_tracking.doctype.order_tracker.test_order_tracker import deliver

		deliver(so)
		self.assertEqual(tracker(so.name).stage, "Delivered")
		result = self.scan(so.name, today=later)
		self.assertEqual(result.resolved, 1)
		[row] = all_exceptions(so.name)
		self.assertEqual((row.status, row.open_key), ("Resolved", row.name))
		self.assertTrue(row.resolution and row.resolved_at)
		self.assertEqual(
			[e.event for e in events(so.name, reference_doctype="Order Exception")],
			["Exception Opened", "Exception Resolved"],
		)
		self.assertEqual(tracker(so.name).open_exception_count, 0)
		self.assertEqual(get_order_status(so.name)["exceptions"], [])
		self.assertNoChange(self.scan(so.name, today=later))

	# ------------------------------------------------------------------ At Risk

	def test_at_risk_follows_the_eta_and_resolves_when_it_is_back(self):
		from order_tracking.tests.utils import SHOE

		so = make_order(
			items=[{"item_code": SHOE, "qty": 10, "rate": 100, "delivery_date": add_days(nowdate(), 10)}]
		)
		wo = make_work_order(so)

		def production_ends(days):
			wo.db_set(
				{
					"expected_delivery_date": add_days(nowdate(), days),
					"planned_end_date": add_days(nowdate(), 1),
				}
			)
			refresh_trackers([so.name])

		production_ends(15)
		self.assertEqual(getdate(tracker(so.name).eta), getdate(add_days(nowdate(), 15)))
		self.assertEqual(self.scan(so.name).opened, 1)
		at_risk = open_exceptions(so.name)[delivery_core.AT_RISK]
		self.assertIn(frappe.format(getdate(add_days(nowdate(), 15)), {"fieldtype": "Date"}), at_risk.detail)
		self.assertNotIn(delivery_core.OVERDUE, open_exceptions(so.name))

		production_ends(20)  # later still: the same exception, its detail refreshed
		result = self.scan(so.name)
		self.assertEqual((result.opened, result.updated), (0, 1))
		updated = open_exceptions(so.name)[delivery_core.AT_RISK]
		self.assertEqual(updated.name, at_risk.name)
		self.assertIn(frappe.format(getdate(add_days(nowdate(), 20)), {"fieldtype": "Date"}), updated.detail)

		production_ends(8)  # back before the promised date
		self.assertEqual(self.scan(so.name).resolved, 1)
		self.assertEqual(open_exceptions(so.name), {})

	# ------------------------------------------------------------------ Material Shortage

	def approved_boot_order(self, qty=10, days=30):
		for item_code in (LEATHER, THREAD, SOLE, GLUE):
			set_stock(item_code, 1000)
		for item_code in (UPPER, BOOT):
			set_stock(item_code, 0)
		so = boot_order(qty, days=days)
		review = review_of(so)
		frappe.set_user(CLERK)
		apply_workflow(review, "Approve")
		frappe.set_user("Administrator")
		so.reload()
		so.submit()
		self.assertEqual(tracker(so.name).stage, "Approved")
		return so, review

	def test_material_shortage_from_the_review_refreshed_against_stock_and_supply(self):
		so, review = self.approved_boot_order(qty=10, days=30)
		promised = getdate(add_days(nowdate(), 30))
		self.assertNoChange(self.scan(so.name))

		set_stock(SOLE, 4)  # used elsewhere since the review
		self.assertEqual(self.scan(so.name).opened, 1)
		short = open_exceptions(so.name)[delivery_core.MATERIAL_SHORTAGE]
		self.assertEqual(
			(short.owner_role, short.reference_doctype, short.reference_name),
			("Production Planner", "Order Review", review.name),
		)
		self.assertIn(SOLE, short.detail)
		self.assertIn("no supply covers it", short.detail)
		self.assertEqual(notifications(PLANNER, so.name), [f"Material Shortage: {so.name}"])

		purchase(SOLE, 10, add_days(promised, 5))  # arrives too late: still short, now with a date
		result = self.scan(so.name)
		self.assertEqual((result.opened, result.updated), (0, 1))
		self.assertIn(
			frappe.format(getdate(add_days(promised, 5)), {"fieldtype": "Date"}),
			open_exceptions(so.name)[delivery_core.MATERIAL_SHORTAGE].detail,
		)

		purchase(SOLE, 10, add_days(nowdate(), 2))  # in time
		self.assertEqual(self.scan(so.name).resolved, 1)
		self.assertEqual(open_exceptions(so.name), {})

	def test_orders_in_production_are_not_checked_for_materials(self):
		so, _review = self.approved_boot_order()
		set_stock(SOLE, 0)
		wo = make_work_order(so, item_code=BOOT)
		wo.db_set({"status": "In Process", "material_transferred_for_manufacturing": 10})
		refresh_trackers([so.name])
		self.assertEqual(tracker(so.name).stage, "In Production")
		self.assertNoChange(self.scan(so.name))
		self.assertNotIn(delivery_core.MATERIAL_SHORTAGE, open_exceptions(so.name))

	# ------------------------------------------------------------------ Shipment Exception

	def test_shipment_exception_opens_with_the_carrier_event_and_resolves_when_it_moves_on(self):
		set_settings(delivery_confirmation="Carrier")
		so = ready_order(days=5)
		shipment = ship(so)

		def carrier_says(status, **values):
			receive_carrier_event(*signed(event_body(shipment.awb_number, status, **values)))

		carrier_says("Exception", detail="Parcel damaged", location="Hub 3")
		problem = open_exceptions(so.name)[delivery_core.SHIPMENT_EXCEPTION]
		self.assertEqual(
			(problem.reference_doctype, problem.reference_name, problem.owner_role),
			("Shipment", shipment.name, "Stock User"),
		)
		self.assertIn("Parcel damaged", problem.detail)
		self.assertEqual(notifications(STOCK_CLERK, so.name), [f"Shipment Exception: {so.name}"])
		self.assertNoChange(self.scan(so.name))

		carrier_says("Failed Attempt", detail="Nobody home")
		again = open_exceptions(so.name)[delivery_core.SHIPMENT_EXCEPTION]
		self.assertEqual(again.name, problem.name)
		self.assertIn("Nobody home", again.detail)

		carrier_says("Out for Delivery")
		self.assertEqual(open_exceptions(so.name), {})
		self.assertEqual(
			[e.event for e in events(so.name, reference_doctype="Order Exception")],
			["Exception Opened", "Exception Resolved"],
		)

	# ------------------------------------------------------------------ the scan

	def test_whole_scan_finds_watched_orders_and_orders_with_open_exceptions_twice_safely(self):
		late, on_time = ready_order(days=1), ready_order(days=20)
		later = add_days(nowdate(), 3)
		first = scan_order_exceptions(commit=False, today=getdate(later), batch_size=2)
		self.assertGreaterEqual(first.batches, 1)
		self.assertIn(delivery_core.OVERDUE, open_exceptions(late.name))
		self.assertEqual(open_exceptions(on_time.name), {})
		counts = frappe.db.count("Order Exception"), frappe.db.count("Order Event")
		second = scan_order_exceptions(commit=False, today=getdate(later), batch_size=2)
		self.assertNoChange(second)
		self.assertEqual((frappe.db.count("Order Exception"), frappe.db.count("Order Event")), counts)
		# an order that left the watched stages with an exception open is still visited, and resolved
		frappe.db.set_value("Order Tracker", late.name, "stage", "Closed")
		third = scan_order_exceptions(commit=False, today=getdate(later), batch_size=2)
		self.assertGreaterEqual(third.resolved, 1)
		self.assertEqual(open_exceptions(late.name), {})

	def test_scan_is_paused_with_tracking(self):
		from order_tracking.order_tracking.exceptions import enqueue_exception_scan

		set_settings(scan_exceptions=0)
		self.assertIsNone(enqueue_exception_scan())

	# ------------------------------------------------------------------ by hand

	def test_acknowledge_then_resolve_by_hand_and_the_scan_opens_a_new_one_if_it_persists(self):
		so = ready_order(days=1)
		later = add_days(nowdate(), 4)
		self.scan(so.name, today=later)
		doc = frappe.get_doc("Order Exception", open_exceptions(so.name)[delivery_core.OVERDUE].name)

		frappe.set_user(ORDER_CLERK)
		doc.acknowledge(note="Called the customer")
		frappe.set_user("Administrator")
		doc.reload()
		self.assertEqual(
			(doc.status, doc.acknowledged_by, doc.resolution),
			("Acknowledged", ORDER_CLERK, "Called the customer"),
		)
		self.assertNoChange(self.scan(so.name, today=later))  # stays acknowledged
		self.assertEqual(frappe.db.get_value("Order Exception", doc.name, "status"), "Acknowledged")
		self.assertRaises(OrderExceptionError, doc.acknowledge)

		doc.detail = "something else"
		self.assertRaises(OrderExceptionError, doc.save)
		doc.reload()

		frappe.set_user(ORDER_CLERK)
		doc.resolve(note="Customer agreed to a new date")
		frappe.set_user("Administrator")
		doc.reload()
		self.assertEqual((doc.status, doc.resolved_by, doc.open_key), ("Resolved", ORDER_CLERK, doc.name))
		self.assertEqual(tracker(so.name).open_exception_count, 0)
		self.assertEqual(events(so.name, reference_doctype="Order Exception")[-1].event, "Exception Resolved")
		self.assertRaises(OrderExceptionError, doc.resolve, note="again")

		# still overdue: the next scan opens a new one
		self.assertEqual(self.scan(so.name, today=later).opened, 1)
		self.assertNotEqual(open_exceptions(so.name)[delivery_core.OVERDUE].name, doc.name)

	def test_one_unresolved_exception_per_order_and_kind_in_the_database(self):
		so = ready_order()

		def insert():
			return frappe.get_doc(
				{
					"doctype": "Order Exception",
					"sales_order": so.name,
					"kind": delivery_core.OVERDUE,
					"detail": "x",
				}
			).insert(ignore_permissions=True)

		first = insert()
		self.assertEqual(first.open_key, "Open")
		self.assertRaises(frappe.UniqueValidationError, insert)
		frappe.clear_messages()
		first.resolve(note="done")
		second = insert()  # a resolved one does not count
		second.resolve(note="done")
		insert()
		self.assertEqual(frappe.db.count("Order Exception", {"sales_order": so.name}), 3)

	def test_read_with_the_rights_of_the_sales_order(self):
		so = ready_order(days=1)
		self.scan(so.name, today=add_days(nowdate(), 3))
		doc = frappe.get_doc("Order Exception", open_exceptions(so.name)[delivery_core.OVERDUE].name)
		self.assertTrue(frappe.has_permission("Order Exception", "read", doc, user=ORDER_CLERK))
		# a planner reads exceptions, but not of orders it may not read
		self.assertFalse(frappe.has_permission("Sales Order", "read", so.name, user=PLANNER))
		self.assertFalse(frappe.has_permission("Order Exception", "read", doc, user=PLANNER))

	# ------------------------------------------------------------------ pluggable detectors

	def test_a_module_registers_its_own_detector(self):
		so = ready_order(days=1)
		later = add_days(nowdate(), 3)
		self.scan(so.name, today=later)  # Overdue open
		hooks = {
			"order_exception_detectors": [
				*frappe.get_hooks("order_exception_detectors"),
				"order_tracking.delivery.doctype.order_exception.test_order_exception.detect_test_late_operations",
			]
		}
		with patch_hooks(hooks):
			LATE_OPERATIONS[so.name] = "Sewing is 2 days late"
			result = self.scan(so.name, today=later, kinds=[delivery_core.LATE_OPERATION])
			self.assertEqual(result.opened, 1)
			late = open_exceptions(so.name)[delivery_core.LATE_OPERATION]
			self.assertEqual((late.owner_role, late.detail), ("Production Planner", "Sewing is 2 days late"))
			self.assertIn(delivery_core.OVERDUE, open_exceptions(so.name))  # other kinds untouched
			self.assertEqual(notifications(PLANNER, so.name), [f"Late Operation: {so.name}"])
		# a kind no registered detector answers for is left alone
		own = [
			p
			for p in frappe.get_hooks("order_exception_detectors")
			if p.startswith("order_tracking.delivery.")
		]
		with patch_hooks({"order_exception_detectors": own}):
			self.assertNoChange(self.scan(so.name, today=later))
		self.assertIn(delivery_core.LATE_OPERATION, open_exceptions(so.name))
		with patch_hooks(hooks):
			LATE_OPERATIONS.clear()
			self.assertEqual(self.scan(so.name, today=later).resolved, 1)
		self.assertEqual(set(open_exceptions(so.name)), {delivery_core.OVERDUE})
		# planning's own detector answers for the kind too: it finds no late operation of the order
		with patch_hooks(hooks):
			LATE_OPERATIONS[so.name] = "Sewing is 3 days late"
			self.assertEqual(self.scan(so.name, today=later).opened, 1)
		LATE_OPERATIONS.clear()
		self.assertEqual(self.scan(so.name, today=later, kinds=[delivery_core.LATE_OPERATION]).resolved, 1)
		self.assertEqual(set(open_exceptions(so.name)), {delivery_core.OVERDUE})

	def test_a_detector_must_declare_its_kinds(self):
		with self.assertRaises(ValueError):
			exception_detector("Cosmic Rays")
		with patch_hooks(
			{"order_exception_detectors": ["order_tracking.tests.delivery_fixtures.ready_order"]}
		):
			self.assertRaises(frappe.ValidationError, self.scan, "SO-X")
		frappe.clear_messages()


class TestConcurrentScans(FrappeTestCase):
	"""Two scans of the same orders at once: one exception per order and kind, one timeline event."""

	def test_concurrent_scans_open_each_exception_once(self):
		make_delivery_fixtures()
		orders = [ready_order(days=1).name for _ in range(3)]
		# The competing scans run in their own connections
		frappe.db.commit()  # nosemgrep
		site = frappe.local.site
		later = getdate(add_days(nowdate(), 4))
		barrier = threading.Barrier(2)
		results, failures = [], []

		def worker():
			frappe.init(site=site)
			frappe.connect()
			frappe.flags.in_test = True  # notifications at once, not through the queue
			try:
				frappe.set_user("Administrator")
				barrier.wait(timeout=30)
				results.append(scan_order_exceptions(orders, today=later, batch_size=2))
			except Exception as e:
				failures.append(repr(e))
				frappe.db.rollback()
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=worker) for _ in range(2)]
		for t in threads:
			t.start()
		for t in threads:
			t.join(timeout=120)
		frappe.db.rollback()  # a fresh snapshot sees what the scans committed
		try:
			self.assertEqual(failures, [])
			self.assertEqual(sum(r.opened for r in results), 3)
			for so in orders:
				self.assertEqual(
					frappe.db.count(
						"Order Exception",
						{
							"sales_order": so,
							"kind": delivery_core.OVERDUE,
							"open_key": delivery_core.OPEN_KEY,
						},
					),
					1,
				)
				self.assertEqual(len(events(so, event="Exception Opened")), 1)
		finally:
			for so in orders:
				frappe.db.delete("Order Exception", {"sales_order": so})
				frappe.get_doc("Sales Order", so).cancel()
			# Remove what the scans committed
			frappe.db.commit()  # nosemgrep

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

"""Quality on the order (issue 23), on real ERPNext documents: Quality Inspections on a Job Card
and on a Delivery Note roll up to the tracker and its operations and reach the timeline; a rejected
final inspection holds the order for dispatch and opens a Quality Hold exception, which a later
accepted inspection or a Quality Manager's release (with a reason) resolves."""

import frappe

from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

from order_tracking.api.quality import release_quality_hold
from order_tracking.core import portal
from order_tracking.delivery.dispatch import DispatchError, dispatch_orders
from order_tracking.order_planning.test_traveller import ROUTED_SHOE, make_routed_shoe
from order_tracking.order_tracking.tracking import refresh_trackers
from order_tracking.quality.hold import QualityHoldError
from order_tracking.quality.report.order_quality.order_quality import execute as order_quality
from order_tracking.tests.delivery_fixtures import (
	CARRIER,
	PARCEL,
	make_delivery_fixtures,
	new_waybill,
	ready_order,
	rollback_test,
)
from order_tracking.tests.utils import (
	COMPANY,
	CUTTING,
	SEWING,
	FrappeTestCase,
	events,
	make_order,
	make_user,
	make_work_order,
	set_settings,
	tracker,
)

test_ignore = ["Sales Order", "Work Order", "Job Card", "Delivery Note"]

PARAMETER = "_OT Stitch Density"


def make_parameter():
	if not frappe.db.exists("Quality Inspection Parameter", PARAMETER):
		frappe.get_doc({"doctype": "Quality Inspection Parameter", "parameter": PARAMETER}).insert()


def inspect(
	reference_type, reference_name, item_code, status="Accepted", inspection_type="In Process", qty=2
):
	"""A submitted Quality Inspection with one manual reading of `status`."""
	qi = frappe.get_doc(
		{
			"doctype": "Quality Inspection",
			"inspection_type": inspection_type,
			"reference_type": reference_type,
			"reference_name": reference_name,
			"item_code": item_code,
			"sample_size": qty,
			"inspected_by": "Administrator",
			"report_date": frappe.utils.nowdate(),
			"readings": [{"specification": PARAMETER, "manual_inspection": 1, "status": status}],
		}
	)
	qi.insert()
	qi.submit()
	return qi


def open_holds(so):
	return frappe.get_all(
		"Order Exception",
		filters={"sales_order": so, "kind": "Quality Hold", "status": ("!=", "Resolved")},
		pluck="name",
	)


class TestQuality(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_routed_shoe()
		make_delivery_fixtures()
		make_parameter()
		make_user("_ot_quality@example.com", ["Quality Manager", "Sales User"])
		make_user("_ot_sales_only@example.com", ["Sales User"])
		frappe.db.set_single_value(
			"Stock Settings", "allow_to_make_quality_inspection_after_purchase_or_delivery", 1
		)

	def setUp(self):
		frappe.db.savepoint("quality_test")
		set_settings(pause_tracking=0, delivery_confirmation="Carrier", transit_days=2)

	def tearDown(self):
		rollback_test("quality_test")

	def work_order(self, qty=5):
		so = make_order(items=[{"item_code": ROUTED_SHOE, "qty": qty, "rate": 100}])
		wo = make_work_order(so, qty, item_code=ROUTED_SHOE)
		cards = {
			c.operation: c.name
			for c in frappe.get_all("Job Card", filters={"work_order": wo.name}, fields=["name", "operation"])
		}
		return so, wo, cards

	def test_job_card_inspections_roll_up_to_the_order_and_its_operations(self):
		so, wo, cards = self.work_order()
		first = inspect("Job Card", cards[CUTTING], ROUTED_SHOE, "Rejected", qty=2)
		self.assertEqual(first.ot_sales_order, so.name)
		self.assertEqual((first.ot_work_order, first.ot_operation), (wo.name, CUTTING))
		self.assertFalse(first.ot_final_inspection)  # Cutting is not the last operation
		inspect("Job Card", cards[CUTTING], ROUTED_SHOE, "Accepted", qty=2)  # after rework

		t = tracker(so.name)
		self.assertEqual((t.inspected_qty, t.accepted_qty, t.rejected_qty), (4, 2, 2))
		self.assertEqual(t.rework_qty, 0)  # the rejected lot was accepted at its second inspection
		self.assertEqual(t.first_pass_yield, 0)
		self.assertFalse(t.quality_hold)  # an in-process rejection holds nothing
		ops = {op.operation: op for op in t.operations}
		self.assertEqual((ops[CUTTING].inspected_qty, ops[CUTTING].rejected_qty), (4, 2))
		self.assertEqual(ops[SEWING].inspected_qty, 0)

		# the figures stay through the tracker's ordinary refresh, which reads no inspection
		refresh_trackers([so.name])
		ops = {op.operation: op for op in tracker(so.name).operations}
		self.assertEqual(ops[CUTTING].rejected_qty, 2)

		timeline = events(so.name, reference_doctype="Quality Inspection")
		self.assertEqual([e.event for e in timeline], ["Inspection Failed", "Inspection Passed"])

	def test_rejected_last_operation_is_final_and_work_still_to_do(self):
		so, _wo, cards = self.work_order()
		qi = inspect("Job Card", cards[SEWING], ROUTED_SHOE, "Rejected", qty=3)
		self.assertTrue(qi.ot_final_inspection)
		t = tracker(so.name)
		self.assertTrue(t.quality_hold)
		self.assertEqual(t.rework_qty, 3)
		self.assertEqual(len(open_holds(so.name)), 1)
		# cancelled: the hold and its exception go, the timeline says so
		qi.cancel()
		self.assertFalse(tracker(so.name).quality_hold)
		self.assertEqual(open_holds(so.name), [])
		self.assertEqual(tracker(so.name).rework_qty, 0)

	def test_refresh_queries_do_not_grow_with_inspections(self):
		"""The tracker's ordinary refresh reads no inspection: its queries are the same with one
		inspection or three."""
		so, _wo, cards = self.work_order()
		counts = []
		for _n in range(3):
			inspect("Job Card", cards[CUTTING], ROUTED_SHOE, "Accepted", qty=1)
			counts.append(self._queries(lambda: refresh_trackers([so.name])))
		self.assertEqual(len(set(counts)), 1, counts)

	def _queries(self, fn) -> int:
		calls = []
		original = frappe.db.sql

		def counting(*args, **kwargs):
			calls.append(args[0] if args else kwargs.get("query"))
			return original(*args, **kwargs)

		frappe.db.sql = counting
		try:
			fn()
		finally:
			frappe.db.sql = original
		return len(calls)

	def test_rejected_final_inspection_holds_dispatch_until_a_later_one_accepts(self):
		so = ready_order(qty=3)
		dn = make_delivery_note(so.name)
		dn.insert()
		rejected = inspect("Delivery Note", dn.name, dn.items[0].item_code, "Rejected", "Outgoing", qty=3)
		self.assertTrue(rejected.ot_final_inspection)
		t = tracker(so.name)
		self.assertTrue(t.quality_hold)
		self.assertIn(rejected.name, t.quality_hold_reason)
		holds = open_holds(so.name)
		self.assertEqual(len(holds), 1)
		self.assertEqual(frappe.db.get_value("Order Exception", holds[0], "owner_role"), "Quality Manager")

		shipments = frappe.db.count("Shipment")
		with self.assertRaises(DispatchError) as refused:
			dispatch_orders(
				[{"sales_order": so.name, "waybill": new_waybill()}],
				CARRIER,
				parcel_template=PARCEL,
				use_pick_list=False,
			)
		self.assertIn("quality hold", str(refused.exception))
		self.assertIn(rejected.name, str(refused.exception))
		self.assertEqual(frappe.db.count("Shipment"), shipments)

		inspect("Delivery Note", dn.name, dn.items[0].item_code, "Accepted", "Outgoing", qty=3)
		self.assertFalse(tracker(so.name).quality_hold)
		self.assertEqual(open_holds(so.name), [])
		self.assertEqual(frappe.db.get_value("Order Exception", holds[0], "status"), "Resolved")
		# the customer reads "final inspection passed", never the inspection's name
		rows = frappe.get_all(
			"Order Event",
			filters={"sales_order": so.name},
			fields=["occurred_at", "event", "reference_doctype", "reference_name", "qty", "is_cancellation"],
		)
		entries = portal.customer_timeline(
			[
				portal.Event(
					r.occurred_at,
					r.event,
					r.reference_doctype,
					r.reference_name,
					r.qty,
					bool(r.is_cancellation),
				)
				for r in rows
			]
		)
		self.assertIn(portal.FINAL_INSPECTION_PASSED, [e.kind for e in entries])
		self.assertNotIn(rejected.name, frappe.as_json([e.__dict__ for e in entries]))

	def held_order(self):
		so = ready_order(qty=2)
		dn = make_delivery_note(so.name)
		dn.insert()
		inspect("Delivery Note", dn.name, dn.items[0].item_code, "Rejected", "Outgoing", qty=2)
		self.assertTrue(tracker(so.name).quality_hold)
		return so

	def test_release_needs_a_reason_and_a_quality_manager(self):
		so = self.held_order()
		frappe.set_user("_ot_sales_only@example.com")
		with self.assertRaises(frappe.PermissionError):
			release_quality_hold(so.name, "looks fine to me")
		frappe.set_user("_ot_quality@example.com")
		with self.assertRaises(QualityHoldError):
			release_quality_hold(so.name, "   ")
		frappe.set_user("Administrator")
		self.assertTrue(tracker(so.name).quality_hold)  # nothing written
		self.assertEqual(len(open_holds(so.name)), 1)

		frappe.set_user("_ot_quality@example.com")
		result = release_quality_hold(so.name, "Customer accepts the shade difference in writing")
		frappe.set_user("Administrator")
		self.assertEqual(result["quality_hold"], 0)
		t = tracker(so.name)
		self.assertFalse(t.quality_hold)
		self.assertEqual(t.quality_release_reason, "Customer accepts the shade difference in writing")
		self.assertEqual(open_holds(so.name), [])
		version = frappe.get_all(
			"Version", filters={"ref_doctype": "Order Tracker", "docname": so.name}, fields=["data", "owner"]
		)
		self.assertEqual(len(version), 1)
		self.assertIn("Customer accepts the shade difference", version[0].data)
		self.assertEqual(version[0].owner, "_ot_quality@example.com")
		released = events(so.name, event="Quality Hold Released")
		self.assertEqual(len(released), 1)
		# released once: a second release is refused
		with self.assertRaises(QualityHoldError):
			release_quality_hold(so.name, "again")

	def test_order_quality_report(self):
		so, _wo, cards = self.work_order()
		inspect("Job Card", cards[CUTTING], ROUTED_SHOE, "Rejected", qty=2)
		inspect("Job Card", cards[SEWING], ROUTED_SHOE, "Accepted", qty=4)
		for group_by, key in (("Sales Order", so.name), ("Operation", CUTTING), ("Item", ROUTED_SHOE)):
			columns, data, *_rest = order_quality(
				frappe._dict(company=COMPANY, group_by=group_by, sales_order=so.name)
			)
			self.assertTrue(columns)
			rows = {r["key"]: r for r in data}
			self.assertIn(key, rows, (group_by, data))
		_c, data, _m, _chart, summary = order_quality(
			frappe._dict(company=COMPANY, group_by="Sales Order", sales_order=so.name)
		)
		row = data[0]
		self.assertEqual((row["inspected_qty"], row["rejected_qty"]), (6, 2))
		self.assertAlmostEqual(row["first_pass_yield"], 66.67, places=2)
		self.assertIn(PARAMETER, row["defects"])
		self.assertTrue(summary)

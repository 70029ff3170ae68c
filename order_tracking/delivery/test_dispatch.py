# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

"""Dispatch (DL-1): orders Ready to Ship become a Pick List, Delivery Notes, Packing Slips and
Shipments with the carrier and waybill — all or nothing."""

import frappe
from frappe.utils import add_days, nowdate

from order_tracking.api.dispatch import dispatch_orders
from order_tracking.delivery.dispatch import DispatchError
from order_tracking.tests.delivery_fixtures import (
	CARRIER,
	PARCEL,
	make_delivery_fixtures,
	new_waybill,
	ready_order,
	rollback_test,
)
from order_tracking.tests.utils import FrappeTestCase, events, make_order, make_user, set_settings, tracker

test_ignore = ["Sales Order"]


def documents_of(so):
	"""Every dispatch document that names the order."""
	dns = frappe.get_all(
		"Delivery Note Item", filters={"against_sales_order": so}, pluck="parent", distinct=True
	)
	return {
		"pick_lists": frappe.get_all(
			"Pick List Item", filters={"sales_order": so}, pluck="parent", distinct=True
		),
		"delivery_notes": dns,
		"packing_slips": frappe.get_all(
			"Packing Slip", filters={"delivery_note": ("in", dns or [""])}, pluck="name"
		),
		"shipments": frappe.get_all(
			"Shipment Delivery Note", filters={"delivery_note": ("in", dns or [""])}, pluck="parent"
		),
	}


class TestDispatch(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_delivery_fixtures()

	def setUp(self):
		frappe.db.savepoint("dispatch_test")
		set_settings(pause_tracking=0, delivery_confirmation="Carrier", transit_days=2)

	def tearDown(self):
		rollback_test("dispatch_test")

	def test_shipments_are_found_by_waybill_carrier_day_and_delivery_note_through_indexes(self):
		# install.add_indexes on install and migrate: ERPNext indexes only the child rows' parent
		for table, index in (
			("tabShipment", "awb_number_carrier_index"),
			("tabShipment", "carrier_pickup_date_index"),
			("tabShipment Delivery Note", "delivery_note_index"),
		):
			self.assertTrue(frappe.db.has_index(table, index), f"{table}: {index}")

	def test_batch_through_a_pick_list(self):
		first, second = ready_order(qty=3), ready_order(qty=5)
		waybills = [new_waybill(), new_waybill()]
		result = dispatch_orders(
			[
				{"sales_order": first.name, "waybill": waybills[0]},
				{"sales_order": second.name, "waybill": waybills[1], "weight": 7.5},
			],
			CARRIER,
			pickup_date=add_days(nowdate(), 1),
			parcel_template=PARCEL,
			use_pick_list=True,
		)
		self.assertTrue(result["pick_list"])
		pick_list = frappe.get_doc("Pick List", result["pick_list"])
		self.assertEqual(pick_list.docstatus, 1)
		self.assertEqual({row.sales_order for row in pick_list.locations}, {first.name, second.name})
		self.assertEqual([r["sales_order"] for r in result["orders"]], [first.name, second.name])
		for row, so, waybill, weight in zip(
			result["orders"], (first, second), waybills, (5, 7.5), strict=True
		):
			dn = frappe.get_doc("Delivery Note", row["delivery_note"])
			self.assertEqual(dn.docstatus, 1)
			self.assertEqual({d.against_sales_order for d in dn.items}, {so.name})
			self.assertEqual({d.against_pick_list for d in dn.items}, {pick_list.name})
			self.assertEqual(frappe.db.get_value("Packing Slip", row["packing_slip"], "docstatus"), 1)
			shipment = frappe.get_doc("Shipment", row["shipment"])
			self.assertEqual(
				(shipment.docstatus, shipment.carrier, shipment.awb_number, shipment.pickup_date),
				(1, CARRIER, waybill, frappe.utils.getdate(add_days(nowdate(), 1))),
			)
			self.assertEqual(shipment.tracking_url, f"https://track.example/ot?no={waybill}")
			self.assertEqual(row["tracking_url"], shipment.tracking_url)
			self.assertEqual([(p.weight, p.count) for p in shipment.shipment_parcel], [(weight, 1)])
			self.assertEqual([d.delivery_note for d in shipment.shipment_delivery_note], [dn.name])
			# the order is on the road: shipped, its ETA the pickup plus transit until the carrier says more
			self.assertEqual(tracker(so.name).stage, "Shipped")
			self.assertEqual(
				[e.event for e in events(so.name, reference_doctype="Shipment")], ["Shipment Booked"]
			)

	def test_without_pick_list(self):
		so = ready_order()
		result = dispatch_orders(
			[{"sales_order": so.name, "waybill": new_waybill()}],
			CARRIER,
			parcel_template=PARCEL,
			use_pick_list=False,
		)
		self.assertIsNone(result["pick_list"])
		self.assertEqual(documents_of(so.name)["pick_lists"], [])
		self.assertEqual(len(documents_of(so.name)["shipments"]), 1)

	def assertNothingWritten(self, orders, call):
		before = {so: documents_of(so) for so in orders}
		counts = [frappe.db.count(dt) for dt in ("Pick List", "Delivery Note", "Packing Slip", "Shipment")]
		self.assertRaises((DispatchError, frappe.ValidationError, frappe.PermissionError), call)
		frappe.clear_messages()
		self.assertEqual({so: documents_of(so) for so in orders}, before)
		self.assertEqual(
			[frappe.db.count(dt) for dt in ("Pick List", "Delivery Note", "Packing Slip", "Shipment")], counts
		)

	def test_bad_batches_are_refused_whole(self):
		ok, not_ready = ready_order(), make_order()  # shoes not made yet: Approved
		self.assertEqual(tracker(not_ready.name).stage, "Approved")
		waybill = new_waybill()

		def dispatch(rows, **kw):
			return lambda: dispatch_orders(
				rows, kw.pop("carrier", CARRIER), parcel_template=PARCEL, use_pick_list=True, **kw
			)

		self.assertNothingWritten(
			[ok.name, not_ready.name],
			dispatch(
				[
					{"sales_order": ok.name, "waybill": waybill},
					{"sales_order": not_ready.name, "waybill": new_waybill()},
				]
			),
		)
		self.assertNothingWritten([ok.name], dispatch([{"sales_order": ok.name, "waybill": "SF-NOT-OURS"}]))
		self.assertNothingWritten([ok.name], dispatch([{"sales_order": ok.name}]))
		self.assertNothingWritten(
			[ok.name], dispatch([{"sales_order": ok.name, "waybill": waybill}], carrier="_OT Nobody")
		)
		self.assertNothingWritten(
			[ok.name],
			dispatch(
				[{"sales_order": ok.name, "waybill": waybill}, {"sales_order": ok.name, "waybill": waybill}]
			),
		)
		self.assertNothingWritten([ok.name], lambda: dispatch_orders("not a list", CARRIER))
		# a waybill already on a Shipment of the carrier
		used = ready_order()
		dispatch_orders(
			[{"sales_order": used.name, "waybill": waybill}],
			CARRIER,
			parcel_template=PARCEL,
			use_pick_list=False,
		)
		self.assertNothingWritten([ok.name], dispatch([{"sales_order": ok.name, "waybill": waybill}]))

	def test_failure_half_way_rolls_back_the_documents_already_made(self):
		"""The second order's customer has no address: the first order's documents go too."""
		from order_tracking.tests.utils import LACE, OTHER_CUSTOMER

		first = ready_order()
		frappe.db.delete(
			"Dynamic Link", {"link_doctype": "Customer", "link_name": OTHER_CUSTOMER, "parenttype": "Address"}
		)
		second = make_order(
			items=[{"item_code": LACE, "qty": 2, "rate": 5, "delivery_date": add_days(nowdate(), 5)}],
			customer=OTHER_CUSTOMER,
		)
		with self.assertRaises(DispatchError) as e:
			dispatch_orders(
				[
					{"sales_order": first.name, "waybill": new_waybill()},
					{"sales_order": second.name, "waybill": new_waybill()},
				],
				CARRIER,
				parcel_template=PARCEL,
				use_pick_list=True,
			)
		self.assertIn(OTHER_CUSTOMER, str(e.exception))
		frappe.clear_messages()
		self.assertEqual(
			documents_of(first.name),
			{"pick_lists": [], "delivery_notes": [], "packing_slips": [], "shipments": []},
		)
		self.assertEqual(tracker(first.name).stage, "Ready to Ship")

	def test_needs_the_rights_to_make_the_documents(self):
		so = ready_order()
		viewer = make_user("ot-dl-viewer@example.com", ["Sales User"])
		frappe.set_user(viewer)
		self.assertRaises(
			frappe.PermissionError,
			dispatch_orders,
			[{"sales_order": so.name, "waybill": new_waybill()}],
			CARRIER,
		)

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Outsourcing with a factory's own data (issue 18): a work order with an operation at the
supplier, rejected work in progress, lines shipping from another warehouse than their
materials, unknown suppliers, and settings saved while other requests read them."""

import threading

import frappe
from frappe.utils import add_days, flt, nowdate

from order_tracking.outsourcing import orders, outsourced_work_orders, receipts
from order_tracking.tests.outsourcing_case import OUTSOURCING_TEST_IGNORE
from order_tracking.tests.utils import (
	COMPANY,
	FG_WAREHOUSE,
	LEATHER,
	PARTNER,
	PARTNER_WAREHOUSE,
	REJECTED_WAREHOUSE,
	SEWING,
	STITCHED_UPPER,
	STITCHING_SERVICE,
	STORES,
	FrappeTestCase,
	approve,
	make_order,
	make_outsourcing_fixtures,
	make_work_order,
	set_settings,
	stock_qty,
	work_order_entry,
)

test_ignore = OUTSOURCING_TEST_IGNORE

UNKNOWN_SUPPLIER = "_OT No Such Supplier"


class FactoryDataTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_outsourcing_fixtures()

	def setUp(self):
		frappe.db.savepoint("factory_data_test")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="factory_data_test")

	def upper_work_order(self, qty: int, transfer: bool = True):
		"""A Sales Order for stitched uppers and its submitted work order (materials issued or not),
		with the name of its sewing job card."""
		so = make_order([{"item_code": STITCHED_UPPER, "qty": qty, "rate": 40}])
		wo = make_work_order(so, item_code=STITCHED_UPPER)
		if transfer:
			work_order_entry(wo, "Material Transfer for Manufacture", qty)
		sewing = frappe.db.get_value("Job Card", {"work_order": wo.name, "operation": SEWING}, "name")
		return so, wo, sewing

	def sent(self, job_cards: list[str], rate: float = 2):
		order = orders.make_for_job_cards(job_cards, PARTNER, add_days(nowdate(), 5), rate=rate)
		approve(order)
		order.reload()
		order.send_to_supplier()
		order.reload()
		return order


class TestWorkOrderWithOutsourcedOperation(FactoryDataTestCase):
	def test_a_work_order_whose_operation_is_at_the_supplier_cannot_be_cancelled(self):
		_so, wo, sewing = self.upper_work_order(3, transfer=False)
		order = self.sent([sewing])
		wo.reload()
		with self.assertRaises(frappe.LinkExistsError) as e:
			wo.cancel()
		self.assertIn(order.name, str(e.exception))
		self.assertEqual(frappe.db.get_value("Work Order", wo.name, "docstatus"), 1)
		self.assertTrue(frappe.db.exists("Job Card", sewing))
		self.assertEqual(
			outsourced_work_orders.open_outsourcing_of_work_orders([wo.name]), {wo.name: order.name}
		)
		# once closed, the outsourcing order no longer holds the work order
		order.close()
		self.assertEqual(outsourced_work_orders.open_outsourcing_of_work_orders([wo.name]), {})
		wo.reload()
		wo.cancel()
		self.assertEqual(frappe.db.get_value("Work Order", wo.name, "docstatus"), 2)

	def test_a_job_card_name_freed_by_a_cancelled_work_order_is_not_taken_for_the_old_card(self):
		_so, wo, sewing = self.upper_work_order(2, transfer=False)
		draft = orders.make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 5), rate=2)
		wo.reload()
		wo.cancel()  # a draft outsourcing order does not hold it
		self.assertFalse(frappe.db.exists("Job Card", sewing))
		self.assertEqual(
			frappe.db.get_value("Outsourcing Order Item", {"parent": draft.name}, "job_card"), sewing
		)
		_other_so, other_wo, new_card = self.upper_work_order(2, transfer=False)
		self.assertEqual(new_card, sewing)  # Frappe gave the freed name to the new work order's card
		order = orders.make_for_job_cards([new_card], PARTNER, add_days(nowdate(), 5), rate=2)
		self.assertEqual((order.items[0].work_order, order.items[0].job_card), (other_wo.name, new_card))


class TestRejectedWorkInProgress(FactoryDataTestCase):
	def test_rejected_units_of_an_outsourced_operation_go_to_the_rejected_goods_warehouse(self):
		from order_tracking.tests.outsourcing_case import OutsourcingTestCase

		_so, _wo, sewing = OutsourcingTestCase.upper_work_order(self, 5)  # cut, materials issued
		order = self.sent([sewing])
		warehouses = (STORES, REJECTED_WAREHOUSE, PARTNER_WAREHOUSE)
		before = {wh: stock_qty(LEATHER, wh) for wh in warehouses}

		def moved():
			return {wh: flt(stock_qty(LEATHER, wh) - before[wh], 3) for wh in warehouses}

		receipt = receipts.make_receipt(order.name)
		receipt.items[0].accepted_qty, receipt.items[0].rejected_qty, receipt.items[0].rework_qty = 2, 2, 1
		receipt.insert()
		receipt.submit()
		# accepted back to work in progress, rejected to the rejected-goods warehouse, rework stays out
		self.assertEqual(moved(), {STORES: 2, REJECTED_WAREHOUSE: 2, PARTNER_WAREHOUSE: -4})
		rework = receipts.make_receipt(order.name)
		self.assertTrue(rework.is_rework)
		rework.items[0].accepted_qty, rework.items[0].rejected_qty = 0, 1
		rework.insert()
		rework.submit()
		self.assertEqual(moved(), {STORES: 2, REJECTED_WAREHOUSE: 3, PARTNER_WAREHOUSE: -5})
		# cancelling the receipt brings the rejected unit back to the supplier's
		rework.reload()
		rework.cancel()
		self.assertEqual(moved(), {STORES: 2, REJECTED_WAREHOUSE: 2, PARTNER_WAREHOUSE: -4})


class TestLineShippingFromAnotherWarehouse(FactoryDataTestCase):
	def test_a_whole_order_line_sends_its_materials_from_their_own_warehouse(self):
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 0)
		so = make_order([{"item_code": STITCHED_UPPER, "qty": 2, "rate": 40, "warehouse": FG_WAREHOUSE}])
		order = orders.make_for_order_line(so.items[0].name, PARTNER, add_days(nowdate(), 7), rate=12)
		self.assertEqual(order.items[0].fg_warehouse, FG_WAREHOUSE)
		self.assertEqual([(m.item_code, m.source_warehouse) for m in order.materials], [(LEATHER, STORES)])
		approve(order)
		order.reload()
		sco = frappe.get_doc("Subcontracting Order", order.subcontracting_order)
		self.assertEqual(
			[(s.rm_item_code, s.reserve_warehouse) for s in sco.supplied_items], [(LEATHER, STORES)]
		)
		before = stock_qty(LEATHER, STORES)
		order.send_to_supplier()
		se = frappe.get_doc(
			"Stock Entry", frappe.db.get_value("Outsourcing Order", order.name, "send_stock_entry")
		)
		self.assertEqual(
			[(d.item_code, d.s_warehouse, d.t_warehouse, flt(d.qty)) for d in se.items],
			[(LEATHER, STORES, PARTNER_WAREHOUSE, 2)],
		)
		self.assertEqual(flt(before - stock_qty(LEATHER, STORES)), 2)

	def test_a_semi_finished_part_sends_its_materials_from_their_own_warehouse(self):
		from order_tracking.tests.utils import BOOT, UPPER

		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 0)
		so = make_order([{"item_code": BOOT, "qty": 2, "rate": 100}])
		order = orders.make_for_order_line(
			so.items[0].name,
			PARTNER,
			add_days(nowdate(), 3),
			outsourcing_type="Semi-finished",
			item_code=UPPER,
			qty=2,
			rate=8,
		)
		approve(order)
		order.reload()
		order.send_to_supplier()
		se = frappe.get_doc(
			"Stock Entry", frappe.db.get_value("Outsourcing Order", order.name, "send_stock_entry")
		)
		self.assertEqual([(d.item_code, d.s_warehouse) for d in se.items], [(LEATHER, STORES)])

	def test_materials_from_several_warehouses_are_reserved_and_sent_from_each(self):
		from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry

		from order_tracking.tests.utils import BOOT, SOLE, UPPER

		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 0)
		make_stock_entry(item_code=UPPER, target=FG_WAREHOUSE, qty=2, basic_rate=20, company=COMPANY)
		so = make_order([{"item_code": BOOT, "qty": 2, "rate": 100}])
		order = orders.make_for_order_line(so.items[0].name, PARTNER, add_days(nowdate(), 7), rate=30)
		expected = sorted([(UPPER, FG_WAREHOUSE), (SOLE, STORES)])
		self.assertEqual(sorted((m.item_code, m.source_warehouse) for m in order.materials), expected)
		approve(order)
		order.reload()
		sco = frappe.get_doc("Subcontracting Order", order.subcontracting_order)
		self.assertEqual(sorted((s.rm_item_code, s.reserve_warehouse) for s in sco.supplied_items), expected)
		reserved = frappe.db.get_value(
			"Bin", {"item_code": SOLE, "warehouse": STORES}, "reserved_qty_for_sub_contract"
		)
		self.assertGreaterEqual(flt(reserved), 2)
		order.send_to_supplier()
		se = frappe.get_doc(
			"Stock Entry", frappe.db.get_value("Outsourcing Order", order.name, "send_stock_entry")
		)
		self.assertEqual(sorted((d.item_code, d.s_warehouse) for d in se.items), expected)


class TestUnknownSupplier(FactoryDataTestCase):
	def test_an_unknown_supplier_is_refused_by_name_and_nothing_is_saved(self):
		_so, wo, sewing = self.upper_work_order(2, transfer=False)
		with self.assertRaises(frappe.ValidationError) as e:
			orders.make_for_job_cards([sewing], UNKNOWN_SUPPLIER, add_days(nowdate(), 5), rate=2)
		self.assertIn(UNKNOWN_SUPPLIER, str(e.exception))
		self.assertIn("Supplier", str(e.exception))
		# as POST /api/resource/Outsourcing Order inserts it
		doc = frappe.get_doc(
			{
				"doctype": "Outsourcing Order",
				"outsourcing_type": "Operation",
				"company": COMPANY,
				"supplier": UNKNOWN_SUPPLIER,
				"due_date": add_days(nowdate(), 5),
				"supplier_warehouse": PARTNER_WAREHOUSE,
				"items": [
					{
						"item_code": STITCHED_UPPER,
						"operation": SEWING,
						"qty": 2,
						"work_order": wo.name,
						"job_card": sewing,
						"rate": 2,
					}
				],
			}
		)
		with self.assertRaises(frappe.ValidationError) as e:
			doc.insert()
		self.assertIn(UNKNOWN_SUPPLIER, str(e.exception))
		self.assertFalse(frappe.db.exists("Outsourcing Order", {"supplier": UNKNOWN_SUPPLIER}))
		so_line = make_order([{"item_code": STITCHED_UPPER, "qty": 2, "rate": 40}]).items[0].name
		with self.assertRaises(frappe.ValidationError):
			orders.make_for_order_line(so_line, UNKNOWN_SUPPLIER, add_days(nowdate(), 5), rate=2)

	def test_a_receipt_of_an_unknown_order_is_refused_by_name(self):
		receipt = frappe.get_doc(
			{
				"doctype": "Outsourcing Receipt",
				"outsourcing_order": "OSO-NO-SUCH-ORDER",
				"items": [{"order_item": "nothing", "accepted_qty": 1}],
			}
		)
		with self.assertRaises(frappe.LinkValidationError) as e:
			receipt.insert()
		self.assertIn("OSO-NO-SUCH-ORDER", str(e.exception))
		self.assertFalse(frappe.db.exists("Outsourcing Receipt", {"outsourcing_order": "OSO-NO-SUCH-ORDER"}))


class TestSettingsTakeEffectAtOnce(FrappeTestCase):
	"""A request whose transaction began before Settings were saved must not put the old values
	back for the requests after it."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_outsourcing_fixtures()
		set_settings(outsourcing_rejected_warehouse=None)
		# the reader runs in its own connection
		frappe.db.commit()  # nosemgrep

	@classmethod
	def tearDownClass(cls):
		set_settings(outsourcing_rejected_warehouse=REJECTED_WAREHOUSE)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def test_a_saved_setting_is_read_by_the_next_request_whatever_a_concurrent_request_read(self):
		from order_tracking.order_tracking.settings import get_settings

		site = frappe.local.site
		snapshot_taken, saved, done = threading.Event(), threading.Event(), threading.Event()
		seen, errors = [], []

		def old_request():
			frappe.init(site=site)
			frappe.connect()
			try:
				# the request's transaction began before the save (its snapshot is older)
				frappe.db.sql(
					"select value from `tabSingles` where doctype = 'Order Tracking Settings' limit 1"
				)
				snapshot_taken.set()
				saved.wait(timeout=30)
				seen.append(get_settings().outsourcing_rejected_warehouse)
				frappe.db.rollback()
			except Exception as e:
				errors.append(repr(e))
			finally:
				frappe.destroy()
				done.set()

		thread = threading.Thread(target=old_request)
		thread.start()
		self.assertTrue(snapshot_taken.wait(timeout=30))
		set_settings(outsourcing_rejected_warehouse=REJECTED_WAREHOUSE)
		frappe.db.commit()  # nosemgrep
		saved.set()
		self.assertTrue(done.wait(timeout=60))
		thread.join(timeout=10)
		self.assertEqual(errors, [])
		self.assertEqual(seen, [None])  # it read what it could see
		# the next request: a fresh request cache, a new transaction
		frappe.local.cache = {}
		frappe.db.rollback()
		self.assertEqual(get_settings().outsourcing_rejected_warehouse, REJECTED_WAREHOUSE)


class TestAgreedRate(FactoryDataTestCase):
	def buying_price(self, rate: float, supplier: str | None = None):
		price_list = frappe.db.get_value("Price List", {"buying": 1, "enabled": 1}, "name")
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": STITCHING_SERVICE,
				"price_list": price_list,
				"price_list_rate": rate,
				"supplier": supplier,
				"valid_from": add_days(nowdate(), -1),
			}
		).insert()

	def test_a_buying_price_for_any_supplier_is_the_rate_proposed(self):
		# an Item Price with no supplier keeps NULL there, which an `in ("", None)` filter never matched
		frappe.db.delete("Item Price", {"item_code": STITCHING_SERVICE})
		self.assertEqual(orders.last_rate(PARTNER, STITCHING_SERVICE), 0)
		self.buying_price(3.5)
		self.assertEqual(orders.last_rate(PARTNER, STITCHING_SERVICE), 3.5)

	def test_the_suppliers_own_price_comes_before_a_price_for_any_supplier(self):
		frappe.db.delete("Item Price", {"item_code": STITCHING_SERVICE})
		self.buying_price(3.5)
		self.buying_price(2.75, supplier=PARTNER)
		self.assertEqual(orders.last_rate(PARTNER, STITCHING_SERVICE), 2.75)


class TestOutsourceAnOperationOffers(FactoryDataTestCase):
	def test_a_job_card_out_with_a_supplier_is_not_offered_again(self):
		from order_tracking.api.outsourcing import outsourceable_job_cards

		_so, wo, sewing = self.upper_work_order(4)
		offered = outsourceable_job_cards(wo.name)
		self.assertIn(sewing, [c.name for c in offered["cards"]])
		open_cards = offered["open_cards"]
		self.sent([sewing])
		offered = outsourceable_job_cards(wo.name)
		self.assertNotIn(sewing, [c.name for c in offered["cards"]])
		self.assertEqual(offered["open_cards"], open_cards)  # the card is still open, only not offered

	def test_a_draft_outsourcing_order_holds_its_card_too(self):
		# the Outsourcing Order's own check refuses a card on a draft: the dialog must not offer it
		from order_tracking.api.outsourcing import outsourceable_job_cards

		_so, wo, sewing = self.upper_work_order(4)
		orders.make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 5), rate=2)
		self.assertNotIn(sewing, [c.name for c in outsourceable_job_cards(wo.name)["cards"]])

	def test_only_for_who_may_make_outsourcing_orders(self):
		from order_tracking.api.outsourcing import outsourceable_job_cards
		from order_tracking.tests.utils import make_user

		_so, wo, _sewing = self.upper_work_order(1, transfer=False)
		frappe.set_user(make_user("ot-offers-clerk@example.com", ["Order Clerk"]))
		with self.assertRaises(frappe.PermissionError):
			outsourceable_job_cards(wo.name)

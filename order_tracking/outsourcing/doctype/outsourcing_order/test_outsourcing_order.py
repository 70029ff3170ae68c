# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt


import frappe
from frappe.utils import add_days, flt, getdate, nowdate

from order_tracking.outsourcing import orders, receipts, reminders
from order_tracking.outsourcing.order_state import OutsourcingError
from order_tracking.tests.outsourcing_case import OUTSOURCING_TEST_IGNORE, OutsourcingTestCase
from order_tracking.tests.utils import (
	CUSTOMER,
	LEATHER,
	PARTNER,
	PARTNER_WAREHOUSE,
	SEWING,
	STITCHED_UPPER,
	STORES,
	FrappeTestCase,
	approve,
	make_order,
	make_outsourcing_fixtures,
	stock_qty,
	tracker,
)

test_ignore = OUTSOURCING_TEST_IGNORE


class TestOperationOutsourcing(OutsourcingTestCase):
	def test_an_operation_goes_out_and_comes_back_and_the_work_order_goes_on(self):
		so, wo, sewing = self.upper_work_order(6)
		before = stock_qty(LEATHER, PARTNER_WAREHOUSE)
		order = orders.make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 5), rate=2.5)
		self.assertEqual(order.outsourcing_type, "Operation")
		self.assertEqual(
			[(m.item_code, flt(m.qty), m.source_warehouse) for m in order.materials], [(LEATHER, 6, STORES)]
		)
		approve(order)
		order.reload()
		self.assertEqual(order.status, "To Send")
		po = frappe.get_doc("Purchase Order", order.purchase_order)
		self.assertEqual(
			[(i.item_code, flt(i.qty), flt(i.rate), i.sales_order) for i in po.items],
			[("_OT Stitching Service", 6, 2.5, so.name)],
		)

		order.send_to_supplier()
		order.reload()
		self.assertEqual(order.status, "Sent")
		self.assertAlmostEqual(stock_qty(LEATHER, PARTNER_WAREHOUSE) - before, 6)
		self.assertEqual(
			frappe.db.get_value("Job Card", sewing, "workstation"), orders.outsourcing_workstation()
		)
		t = tracker(so.name)
		self.assertEqual(t.outsourced_qty, 6)

		receipt = receipts.make_receipt(order.name)
		receipt.items[0].accepted_qty, receipt.items[0].rejected_qty, receipt.items[0].rework_qty = 4, 1, 1
		receipt.insert()
		receipt.submit()
		order.reload()
		line = order.items[0]
		self.assertEqual(
			(line.accepted_qty, line.rejected_qty, line.rework_out_qty, line.pending_qty), (4, 1, 1, 1)
		)
		self.assertEqual(order.status, "Partly Returned")
		self.assertAlmostEqual(stock_qty(LEATHER, PARTNER_WAREHOUSE) - before, 1)  # the rework unit stays out
		card = frappe.get_doc("Job Card", sewing)
		self.assertEqual((card.docstatus, card.total_completed_qty), (0, 4))

		rework = receipts.make_receipt(order.name)
		self.assertTrue(rework.is_rework)
		self.assertEqual(rework.items[0].accepted_qty, 1)
		rework.insert()
		rework.submit()
		order.reload()
		self.assertEqual(order.status, "Returned")  # five accepted, one back defective: nothing is out
		self.assertEqual(order.pending_qty, 0)
		self.assertAlmostEqual(stock_qty(LEATHER, PARTNER_WAREHOUSE) - before, 0)
		order.close()
		order.reload()
		self.assertEqual(order.status, "Closed")
		card.reload()
		self.assertEqual((card.docstatus, card.total_completed_qty, card.process_loss_qty), (1, 5, 1))
		self.assertEqual(frappe.db.get_value("Work Order Operation", card.operation_id, "completed_qty"), 5)
		t = tracker(so.name)
		self.assertEqual((t.outsourced_qty, t.outsourced_returned_qty), (6, 5))
		events = [
			e.event for e in frappe.get_all("Order Event", filters={"sales_order": so.name}, fields=["event"])
		]
		for event in ("Outsourced", "Sent to Supplier", "Returned from Supplier"):
			self.assertIn(event, events)

	def test_cancelling_a_receipt_gives_its_quantities_and_stock_back(self):
		so, wo, sewing = self.upper_work_order(4)
		before = stock_qty(LEATHER, PARTNER_WAREHOUSE)
		order = orders.make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 5), rate=2)
		approve(order)
		order.reload()
		order.send_to_supplier()
		receipt = receipts.make_receipt(order.name)
		receipt.insert()
		receipt.submit()
		card = frappe.get_doc("Job Card", sewing)
		self.assertEqual(card.docstatus, 1)  # all four back: the operation is complete
		receipt.reload()
		receipt.cancel()
		order.reload()
		self.assertEqual(
			(order.items[0].accepted_qty, order.items[0].pending_qty, order.status), (0, 4, "Sent")
		)
		self.assertAlmostEqual(stock_qty(LEATHER, PARTNER_WAREHOUSE) - before, 4)
		self.assertEqual(frappe.db.get_value("Stock Entry", receipt.return_stock_entry, "docstatus"), 2)
		new_card = order.items[0].job_card
		self.assertNotEqual(new_card, sewing)
		self.assertEqual(frappe.db.get_value("Job Card", sewing, "docstatus"), 2)
		self.assertEqual(frappe.db.get_value("Job Card", new_card, "total_completed_qty"), 0)
		# and it can be received again
		again = receipts.make_receipt(order.name)
		again.insert()
		again.submit()
		self.assertEqual(frappe.db.get_value("Job Card", new_card, "docstatus"), 1)

	def test_more_than_is_out_is_refused_and_nothing_is_written(self):
		so, wo, sewing = self.upper_work_order(3)
		order = orders.make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 5), rate=2)
		approve(order)
		order.reload()
		order.send_to_supplier()
		receipt = receipts.make_receipt(order.name)
		receipt.items[0].accepted_qty = 4
		with self.assertRaises(OutsourcingError) as e:
			receipt.insert()
		self.assertIn("3", str(e.exception))
		self.assertFalse(frappe.db.exists("Outsourcing Receipt", {"outsourcing_order": order.name}))
		with self.assertRaises(OutsourcingError):
			orders.make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 5), rate=2)  # already out


class TestGoodsOutsourcing(OutsourcingTestCase):
	def test_a_whole_order_is_made_outside_through_erpnext_subcontracting(self):
		from order_tracking.tests.utils import FG_WAREHOUSE, REJECTED_WAREHOUSE

		so = make_order([{"item_code": STITCHED_UPPER, "qty": 5, "rate": 40}])
		line = so.items[0]
		before = {
			"leather at partner": stock_qty(LEATHER, PARTNER_WAREHOUSE),
			"uppers at partner": stock_qty(STITCHED_UPPER, PARTNER_WAREHOUSE),
			"uppers in stock": stock_qty(STITCHED_UPPER, FG_WAREHOUSE),
			"uppers rejected": stock_qty(STITCHED_UPPER, REJECTED_WAREHOUSE),
		}

		def delta(key, item, warehouse):
			return stock_qty(item, warehouse) - before[key]

		order = orders.make_for_order_line(line.name, PARTNER, add_days(nowdate(), 7), rate=12)
		self.assertEqual(
			(order.outsourcing_type, order.items[0].item_code, order.items[0].qty),
			("Whole Order", STITCHED_UPPER, 5),
		)
		self.assertEqual([(m.item_code, flt(m.qty)) for m in order.materials], [(LEATHER, 5)])
		approve(order)
		order.reload()
		po = frappe.get_doc("Purchase Order", order.purchase_order)
		self.assertTrue(po.is_subcontracted)
		self.assertEqual(
			(po.items[0].item_code, po.items[0].fg_item, flt(po.items[0].fg_item_qty)),
			("_OT Making Service", STITCHED_UPPER, 5),
		)
		sco = frappe.get_doc("Subcontracting Order", order.subcontracting_order)
		self.assertEqual(
			(sco.docstatus, sco.items[0].item_code, flt(sco.items[0].qty)), (1, STITCHED_UPPER, 5)
		)
		self.assertTrue(frappe.db.get_value("Item", STITCHED_UPPER, "is_sub_contracted_item"))

		order.send_to_supplier()
		self.assertEqual(
			frappe.db.get_value(
				"Stock Entry",
				frappe.db.get_value("Outsourcing Order", order.name, "send_stock_entry"),
				"purpose",
			),
			"Send to Subcontractor",
		)
		self.assertAlmostEqual(delta("leather at partner", LEATHER, PARTNER_WAREHOUSE), 5)
		self.assertEqual(tracker(so.name).stage, "In Production")  # sent out: the order is being made

		receipt = receipts.make_receipt(order.name)
		receipt.items[0].accepted_qty, receipt.items[0].rejected_qty, receipt.items[0].rework_qty = 3, 1, 1
		receipt.insert()
		receipt.submit()
		scr = frappe.get_doc("Subcontracting Receipt", receipt.subcontracting_receipt)
		self.assertEqual(
			(flt(scr.items[0].qty), flt(scr.items[0].rejected_qty), scr.items[0].rejected_warehouse),
			(3, 2, REJECTED_WAREHOUSE),
		)
		# ERPNext's receipt consumes the supplied leather for the accepted uppers only: the two
		# rejected ones' leather stays booked at the supplier's
		self.assertAlmostEqual(delta("leather at partner", LEATHER, PARTNER_WAREHOUSE), 2)
		self.assertAlmostEqual(delta("uppers in stock", STITCHED_UPPER, FG_WAREHOUSE), 3)
		self.assertAlmostEqual(delta("uppers rejected", STITCHED_UPPER, REJECTED_WAREHOUSE), 1)
		self.assertAlmostEqual(
			delta("uppers at partner", STITCHED_UPPER, PARTNER_WAREHOUSE), 1
		)  # back for rework

		rework = receipts.make_receipt(order.name)
		self.assertTrue(rework.is_rework)
		rework.insert()
		rework.submit()
		self.assertAlmostEqual(delta("uppers at partner", STITCHED_UPPER, PARTNER_WAREHOUSE), 0)
		self.assertAlmostEqual(delta("uppers in stock", STITCHED_UPPER, FG_WAREHOUSE), 4)
		order.reload()
		self.assertEqual((order.status, order.accepted_qty, order.rejected_qty), ("Returned", 4, 1))
		t = tracker(so.name)
		self.assertEqual((t.produced_qty, t.outsourced_qty, t.outsourced_returned_qty), (4, 5, 4))

	def test_a_semi_finished_part_for_an_order_comes_back_to_its_warehouse(self):
		from order_tracking.tests.utils import BOOT, FG_WAREHOUSE, UPPER

		so = make_order([{"item_code": BOOT, "qty": 2, "rate": 100}])
		before = stock_qty(UPPER, FG_WAREHOUSE)
		order = orders.make_for_order_line(
			so.items[0].name,
			PARTNER,
			add_days(nowdate(), 3),
			outsourcing_type="Semi-finished",
			item_code=UPPER,
			qty=2,
			rate=8,
		)
		self.assertEqual(
			(order.items[0].item_code, order.items[0].sales_order, order.items[0].fg_warehouse),
			(UPPER, so.name, FG_WAREHOUSE),
		)
		approve(order)
		order.reload()
		order.send_to_supplier()
		receipt = receipts.make_receipt(order.name)
		receipt.insert()
		receipt.submit()
		self.assertAlmostEqual(stock_qty(UPPER, FG_WAREHOUSE) - before, 2)
		self.assertEqual(frappe.db.get_value("Outsourcing Order", order.name, "status"), "Returned")
		t = tracker(so.name)
		self.assertEqual((t.outsourced_qty, t.outsourced_returned_qty), (2, 2))
		self.assertEqual(t.produced_qty, 0)  # the boot itself is still to be made

	def test_the_plans_outsourcing_candidates_become_a_whole_order_order(self):
		from order_tracking.tests.utils import BOOT, make_plan, set_settings

		set_settings(outsource_share=60)
		try:
			big = make_order(
				[{"item_code": BOOT, "qty": 40, "rate": 100, "delivery_date": add_days(nowdate(), 1)}]
			)
			plan = make_plan(customer=CUSTOMER, submit=True)
			self.assertTrue(
				any(i.sales_order == big.name and i.allocation == "Outsource Candidate" for i in plan.items)
			)
			order = orders.make_from_plan(plan.name, PARTNER, add_days(nowdate(), 4))
			self.assertEqual(order.order_plan, plan.name)
			self.assertIn(big.name, [d.sales_order for d in order.items])
			with self.assertRaises(OutsourcingError):
				orders.make_from_plan(plan.name, PARTNER, add_days(nowdate(), 4))  # none left
		finally:
			set_settings(outsource_share=20)


class TestLateReturnsAndRules(OutsourcingTestCase):
	def test_late_returns_go_on_the_timeline_and_to_the_supplier_once_a_day(self):
		so, wo, sewing = TestOperationOutsourcing.upper_work_order(self, 2)
		order = orders.make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 1), rate=2)
		approve(order)
		order.reload()
		order.send_to_supplier()
		frappe.db.set_value("Email Account", "_Test Email Account 1", "default_outgoing", 1)
		later = add_days(nowdate(), 3)
		self.assertEqual(reminders.remind_late_returns(later, commit=False), [order.name])
		self.assertEqual(
			frappe.db.count("Order Event", {"sales_order": so.name, "event": "Outsourcing Return Late"}), 1
		)
		mail = frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": "Outsourcing Order", "reference_name": order.name},
			fields=["name", "message"],
		)
		self.assertEqual(len(mail), 1)
		self.assertIn("_OT Stitched Upper", mail[0].message)
		self.assertEqual(
			frappe.db.get_value("Email Queue Recipient", {"parent": mail[0].name}, "recipient"),
			"orders@partner-factory.example.com",
		)
		self.assertEqual(reminders.remind_late_returns(later, commit=False), [])  # never twice a day
		self.assertEqual(
			reminders.remind_late_returns(add_days(later, 1), commit=False), [order.name]
		)  # next day again
		self.assertTrue(frappe.db.get_value("Outsourcing Order", order.name, "is_late"))

	def test_a_late_return_opens_an_order_exception_until_the_goods_are_back(self):
		from order_tracking.core import delivery
		from order_tracking.order_tracking.exceptions import scan_order_exceptions

		so, wo, sewing = TestOperationOutsourcing.upper_work_order(self, 2)
		order = orders.make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 1), rate=2)
		approve(order)
		order.reload()
		order.send_to_supplier()

		def scan(today):
			return scan_order_exceptions(
				[so.name], kinds=[delivery.LATE_OUTSOURCING_RETURN], commit=False, today=getdate(today)
			)

		def late_return():
			return frappe.get_all(
				"Order Exception",
				filters={"sales_order": so.name, "kind": delivery.LATE_OUTSOURCING_RETURN},
				fields=["name", "status", "owner_role", "reference_doctype", "reference_name", "detail"],
			)

		self.assertEqual(scan(add_days(nowdate(), 1)).opened, 0)  # due back today: not late
		later = add_days(nowdate(), 3)
		self.assertEqual(scan(later).opened, 1)
		(exc,) = late_return()
		self.assertEqual(
			(exc.status, exc.owner_role, exc.reference_doctype, exc.reference_name),
			("Open", "Outsourcing Manager", "Outsourcing Order", order.name),
		)
		self.assertIn("2 days late", exc.detail)
		self.assertIn("2 still out", exc.detail)
		again = scan(later)
		self.assertEqual((again.opened, again.updated, again.resolved), (0, 0, 0))
		# the reminder of the supplier goes on as before, beside the exception
		self.assertEqual(reminders.remind_late_returns(later, commit=False), [order.name])

		receipt = receipts.make_receipt(order.name)
		receipt.items[0].accepted_qty = 1
		receipt.insert()
		receipt.submit()
		self.assertEqual(scan(later).updated, 1)  # one still out: the detail follows
		(exc,) = late_return()
		self.assertIn("1 still out", exc.detail)
		receipt = receipts.make_receipt(order.name)
		receipt.insert()
		receipt.submit()
		self.assertEqual(scan(later).resolved, 1)  # all back
		self.assertEqual([e.status for e in late_return()], ["Resolved"])

	def test_bad_input_is_named(self):
		so, wo, sewing = TestOperationOutsourcing.upper_work_order(self, 2)
		with self.assertRaises(OutsourcingError) as e:
			orders.make_for_job_cards([sewing], PARTNER, add_days(nowdate(), -1))
		self.assertIn("Return Due", str(e.exception))
		order = orders.make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 2))
		order.items[0].qty = 5
		with self.assertRaises(OutsourcingError) as e:
			order.save()
		self.assertIn("left on Job Card", str(e.exception))
		order.reload()
		order.supplier_warehouse = "Stores - _TC1"
		with self.assertRaises(OutsourcingError):
			order.save()
		order.reload()
		order.items[0].rate = 0
		order.save()
		with self.assertRaises(OutsourcingError) as e:
			approve(order)
		self.assertIn("Rate", str(e.exception))
		self.assertFalse(frappe.db.get_value("Outsourcing Order", order.name, "purchase_order"))

	def test_only_outsourcing_managers_approve(self):
		from frappe.model.workflow import apply_workflow

		from order_tracking.tests.utils import make_user

		so, wo, sewing = TestOperationOutsourcing.upper_work_order(self, 2)
		planner = make_user("ot-planner@example.com", ["Production Planner", "Manufacturing User"])
		manager = make_user(
			"ot-outsourcing@example.com",
			["Outsourcing Manager", "Manufacturing User", "Purchase User", "Stock User"],
		)
		frappe.set_user(planner)
		order = orders.make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 2), rate=3)
		apply_workflow(order, "Submit for Approval")
		with self.assertRaises(frappe.ValidationError):
			apply_workflow(frappe.get_doc("Outsourcing Order", order.name), "Approve")
		frappe.set_user(manager)
		apply_workflow(frappe.get_doc("Outsourcing Order", order.name), "Approve")
		self.assertEqual(frappe.db.get_value("Outsourcing Order", order.name, "docstatus"), 1)
		frappe.set_user("Administrator")
		seller = make_user("ot-seller@example.com", ["Sales User"])
		frappe.set_user(seller)
		from order_tracking.api.outsourcing import make_for_job_cards

		with self.assertRaises(frappe.PermissionError):
			make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 2))


class TestConcurrentReceipts(FrappeTestCase):
	"""Two receipts at the same time, each for everything that is out: one is taken, the other
	refused — never more back than was sent."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_outsourcing_fixtures()
		# the two requests run in their own connections
		frappe.db.commit()  # nosemgrep

	def test_two_receipts_at_once_never_take_back_more_than_was_sent(self):
		import threading

		so, wo, sewing = OutsourcingTestCase.upper_work_order(self, 3)
		order = orders.make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 5), rate=2)
		approve(order)
		order.reload()
		order.send_to_supplier()
		# the two requests run in their own connections
		frappe.db.commit()  # nosemgrep
		site = frappe.local.site
		barrier = threading.Barrier(2)
		taken, refused, errors = [], [], []

		def request():
			frappe.init(site=site)
			frappe.connect()
			try:
				frappe.set_user("Administrator")
				receipt = receipts.make_receipt(order.name)
				barrier.wait(timeout=30)
				receipt.insert()
				receipt.submit()
				# end of a simulated request
				frappe.db.commit()  # nosemgrep
				taken.append(receipt.name)
			except (OutsourcingError, frappe.QueryDeadlockError):
				# refused: by the check under the order's lock, or as MariaDB's deadlock victim (the
				# first receipts of a naming series at once) — either way rolled back whole
				frappe.db.rollback()
				refused.append(True)
			except Exception as e:
				import traceback

				frappe.db.rollback()
				errors.append(repr(e) + traceback.format_exc()[-2500:])
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=request) for _ in range(2)]
		for t in threads:
			t.start()
		for t in threads:
			t.join(timeout=120)
		try:
			self.assertEqual(errors, [])
			self.assertEqual((len(taken), len(refused)), (1, 1))
			line = frappe.db.get_value(
				"Outsourcing Order Item",
				{"parent": order.name},
				["sent_qty", "accepted_qty", "pending_qty"],
				as_dict=True,
			)
			self.assertEqual((line.sent_qty, line.accepted_qty, line.pending_qty), (3, 3, 0))
			self.assertEqual(
				frappe.db.count("Outsourcing Receipt", {"outsourcing_order": order.name, "docstatus": 1}), 1
			)
		finally:
			_undo_committed(order.name, so.name, wo.name)


def _undo_committed(order: str, sales_order: str, work_order: str):
	"""Cancel what the concurrency test had to commit, newest first."""
	own = ("Outsourcing Order", "Outsourcing Receipt", "Order Tracker", "Order Plan", "Daily Schedule")

	def cancel(doctype, name):
		doc = frappe.get_doc(doctype, name)
		if doc.docstatus == 1:
			doc.ignore_linked_doctypes = own
			doc.cancel()

	frappe.set_user("Administrator")
	for name in frappe.get_all(
		"Outsourcing Receipt", filters={"outsourcing_order": order, "docstatus": 1}, pluck="name"
	):
		cancel("Outsourcing Receipt", name)
	sent_with = frappe.db.get_value("Outsourcing Order", order, "send_stock_entry")
	if sent_with:
		# the order keeps its stock entry from being cancelled on its own: let go of it first
		frappe.db.set_value("Outsourcing Order", order, "send_stock_entry", None)
		cancel("Stock Entry", sent_with)
	frappe.db.set_value("Outsourcing Order Item", {"parent": order}, "sent_qty", 0)
	frappe.db.set_value("Outsourcing Order", order, "sent_qty", 0)
	cancel("Outsourcing Order", order)
	for name in frappe.get_all(
		"Stock Entry", filters={"work_order": work_order, "docstatus": 1}, pluck="name"
	):
		cancel("Stock Entry", name)
	for name in frappe.get_all("Job Card", filters={"work_order": work_order, "docstatus": 1}, pluck="name"):
		cancel("Job Card", name)
	cancel("Work Order", work_order)
	cancel("Sales Order", sales_order)
	frappe.db.commit()  # nosemgrep


class TestOutsourcingReports(OutsourcingTestCase):
	def test_status_and_supplier_performance(self):
		from order_tracking.outsourcing.report.outsourcing_status.outsourcing_status import execute as status
		from order_tracking.outsourcing.report.supplier_performance.supplier_performance import (
			execute as performance,
		)

		so, wo, sewing = self.upper_work_order(5)
		order = orders.make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 1), rate=3)
		order.transaction_date, order.due_date = add_days(nowdate(), -4), add_days(nowdate(), -2)
		order.save()
		approve(order)
		order.reload()
		order.send_to_supplier()
		_columns, data, _message, chart, summary = status({"supplier": PARTNER})
		row = next(r for r in data if r.outsourcing_order == order.name)
		self.assertEqual((row.pending_qty, row.days_late), (5, 2))
		self.assertTrue(chart)
		# 3 back two days late (one rejected), then 2 more
		receipt = receipts.make_receipt(order.name)
		receipt.items[0].accepted_qty, receipt.items[0].rejected_qty = 2, 1
		receipt.insert()
		receipt.submit()
		_columns, data, _message, chart, summary = performance(
			{"supplier": PARTNER, "from_date": add_days(nowdate(), -7)}
		)
		row = next(r for r in data if r["subject"] == SEWING)
		self.assertEqual((row["received"], row["accepted"], row["rejected"]), (3, 2, 1))
		self.assertAlmostEqual(row["reject_pct"], 33.3)
		self.assertEqual((row["on_time_pct"], row["average_delay_days"]), (0, 2))
		self.assertEqual(row["cost_per_unit"], 3)
		self.assertEqual(summary[1]["value"], 0)
		# an inspection of the return (its stock entry) that rejects a sample of 2 counts too:
		# 1 + 2 rejected of 3 received + 2 inspected
		from order_tracking.quality.test_quality import inspect, make_parameter

		make_parameter()
		receipt.reload()
		qi = inspect("Stock Entry", receipt.return_stock_entry, receipt.items[0].item_code, "Rejected")
		self.assertEqual((qi.ot_supplier, qi.ot_operation, qi.ot_sales_order), (PARTNER, SEWING, so.name))
		_columns, data, _message, chart, summary = performance(
			{"supplier": PARTNER, "from_date": add_days(nowdate(), -7)}
		)
		row = next(r for r in data if r["subject"] == SEWING)
		self.assertEqual((row["inspected"], row["inspection_rejected"], row["reject_pct"]), (2, 2, 60.0))
		self.assertEqual(summary[2]["value"], 60.0)
		_columns, data, _message, _chart, _summary = status({"supplier": PARTNER, "late_only": 1})
		self.assertEqual(next(r for r in data if r.outsourcing_order == order.name).pending_qty, 2)

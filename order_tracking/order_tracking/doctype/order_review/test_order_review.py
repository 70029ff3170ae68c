# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.model.workflow import WorkflowTransitionError, apply_workflow
from frappe.utils import add_days, getdate, nowdate

from order_tracking.api.review import make_order_review, rerun_order_review
from order_tracking.order_tracking.doctype.order_review.order_review import ReviewError
from order_tracking.tests.utils import (
	COMPANY,
	CUSTOMER,
	PRICE_LIST,
	STORES,
	FrappeTestCase,
	events,
	make_fixtures,
	make_order,
	make_user,
	set_settings,
	tracker,
)

# ERPNext's Sales Order test records pull in the whole accounting graph, down to the Payment
# Gateway of the separate `payments` app; these tests make their own orders.
test_ignore = ["Sales Order"]

BOOT = "_OT RV Boot"  # made: upper (sub-assembly), sole, kit (phantom)
UPPER = "_OT RV Upper"  # made: leather, thread
KIT = "_OT RV Kit"  # not a stock item: its glue is needed directly
LEATHER = "_OT RV Leather"
THREAD = "_OT RV Thread"
SOLE = "_OT RV Sole"
GLUE = "_OT RV Glue"
CUTTER = "_OT RV Cutter"  # 8 h a day
SEWER = "_OT RV Sewer"  # 4 h a day
HOLIDAYS = "_OT RV Holidays"
TERMS = "_OT RV 30 Days"
SUPPLIER = "_OT RV Supplier"
CLERK = "ot-rv-clerk@example.com"
REVIEWER = "ot-rv-reviewer@example.com"


def make_review_fixtures():
	from erpnext.stock.doctype.item.test_item import make_item

	make_fixtures()
	if not frappe.db.exists("Holiday List", HOLIDAYS):
		year = getdate().year
		hl = frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": HOLIDAYS,
				"from_date": f"{year}-01-01",
				"to_date": f"{year + 2}-12-31",
				"weekly_off": "Sunday",
			}
		)
		hl.get_weekly_off_dates()
		hl.insert()
	for name, hours in ((CUTTER, ("08:00:00", "16:00:00")), (SEWER, ("08:00:00", "12:00:00"))):
		if not frappe.db.exists("Workstation", name):
			ws = frappe.get_doc(
				{"doctype": "Workstation", "workstation_name": name, "holiday_list": HOLIDAYS}
			)
			ws.append("working_hours", {"start_time": hours[0], "end_time": hours[1], "enabled": 1})
			ws.insert()
	for op, ws in (("_OT RV Cutting", CUTTER), ("_OT RV Sewing", SEWER)):
		if not frappe.db.exists("Operation", op):
			frappe.get_doc({"doctype": "Operation", "name": op, "workstation": ws}).insert()

	for code in (LEATHER, THREAD, SOLE, GLUE):
		make_item(code, {"is_stock_item": 1, "valuation_rate": 5, "stock_uom": "Nos"})
	make_item(UPPER, {"is_stock_item": 1, "valuation_rate": 20, "stock_uom": "Nos"})
	make_item(KIT, {"is_stock_item": 0, "stock_uom": "Nos"})
	boot = make_item(BOOT, {"is_stock_item": 1, "is_sales_item": 1, "valuation_rate": 60, "stock_uom": "Nos"})
	if not any(d.company == COMPANY and d.default_warehouse for d in boot.item_defaults):
		boot.set("item_defaults", [{"company": COMPANY, "default_warehouse": STORES}])
		boot.save()

	make_bom(UPPER, [(LEATHER, 2), (THREAD, 5)], [("_OT RV Cutting", CUTTER, 6)], quantity=1)
	make_bom(KIT, [(GLUE, 1)], [])
	make_bom(BOOT, [(UPPER, 1), (SOLE, 1), (KIT, 1)], [("_OT RV Sewing", SEWER, 12)])

	if not frappe.db.exists("Item Price", {"item_code": BOOT, "price_list": PRICE_LIST}):
		frappe.get_doc(
			{"doctype": "Item Price", "item_code": BOOT, "price_list": PRICE_LIST, "price_list_rate": 200}
		).insert()
	if not frappe.db.exists("Payment Terms Template", TERMS):
		frappe.get_doc(
			{
				"doctype": "Payment Terms Template",
				"template_name": TERMS,
				"terms": [
					{
						"invoice_portion": 100,
						"credit_days": 30,
						"due_date_based_on": "Day(s) after invoice date",
					}
				],
			}
		).insert()
	if not frappe.db.exists("Supplier", SUPPLIER):
		frappe.get_doc(
			{"doctype": "Supplier", "supplier_name": SUPPLIER, "supplier_group": "All Supplier Groups"}
		).insert()
	make_user(CLERK, ["Order Clerk", "Sales User"])
	make_user(REVIEWER, ["Order Reviewer", "Sales User"])


def make_bom(item_code, materials, operations, quantity=1):
	if frappe.db.get_value("Item", item_code, "default_bom"):
		return
	bom = frappe.get_doc(
		{
			"doctype": "BOM",
			"item": item_code,
			"company": COMPANY,
			"quantity": quantity,
			"currency": "INR",
			"is_active": 1,
			"is_default": 1,
			"with_operations": 1 if operations else 0,
			"rm_cost_as_per": "Valuation Rate",
		}
	)
	for code, qty in materials:
		bom.append(
			"items",
			{"item_code": code, "qty": qty, "bom_no": frappe.db.get_value("Item", code, "default_bom")},
		)
	for op, ws, minutes in operations:
		bom.append("operations", {"operation": op, "workstation": ws, "time_in_mins": minutes})
	bom.insert()
	bom.submit()


def set_stock(item_code, qty):
	"""Make the item's stock in the stores exactly `qty`."""
	from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry

	current = frappe.db.get_value("Bin", {"item_code": item_code, "warehouse": STORES}, "actual_qty") or 0
	if qty > current:
		make_stock_entry(item_code=item_code, target=STORES, qty=qty - current, basic_rate=5, company=COMPANY)
	elif qty < current:
		make_stock_entry(item_code=item_code, source=STORES, qty=current - qty, company=COMPANY)


def purchase(item_code, qty, on):
	from erpnext.buying.doctype.purchase_order.test_purchase_order import create_purchase_order

	po = create_purchase_order(
		item_code=item_code, qty=qty, supplier=SUPPLIER, company=COMPANY, do_not_save=True
	)
	po.schedule_date = on
	for row in po.items:
		row.schedule_date = on
	po.insert()
	po.submit()
	return po


def boot_order(qty, days=30, rate=200):
	"""A draft order of boots with agreed payment terms."""
	so = make_order(
		items=[{"item_code": BOOT, "qty": qty, "rate": rate, "delivery_date": add_days(nowdate(), days)}],
		submit=False,
	)
	so.payment_terms_template = TERMS
	so.set("payment_schedule", [])
	so.save()
	return so


def review_of(so):
	return frappe.get_doc("Order Review", make_order_review(so.name))


def rows(review, check=None):
	return {(r.subject): r for r in review.results if check is None or r.check == check}


class TestOrderReview(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_review_fixtures()
		set_settings(
			review_required=0,
			create_review_from_intake=1,
			max_price_deviation=10,
			approval_amount=0,
			busy_utilisation=90,
			transit_days=0,
			pause_tracking=0,
		)

	def setUp(self):
		# each test starts from the same stock and leaves no approved review behind
		frappe.db.savepoint("order_review_test")
		for item_code in (LEATHER, THREAD, SOLE, GLUE):
			set_stock(item_code, 1000)
		for item_code in (UPPER, BOOT):
			set_stock(item_code, 0)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="order_review_test")

	# ------------------------------------------------------------------ pass

	def test_order_that_passes_is_approved_by_the_clerk(self):
		so = boot_order(10)
		review = review_of(so)
		self.assertEqual(review.result, "Pass", [(r.subject, r.result, r.detail) for r in review.results])
		self.assertFalse(review.approval_required)
		self.assertEqual(review.workflow_state, "Draft")
		materials = rows(review, "Material")
		# 10 boots: 10 uppers made from 20 leather and 50 thread; the kit is a phantom: its glue
		self.assertEqual(
			{k: v.required_qty for k, v in materials.items()},
			{LEATHER: 20, THREAD: 50, SOLE: 10, GLUE: 10},
		)
		capacity = rows(review, "Capacity")
		self.assertEqual(capacity[CUTTER].load_hours, 1.0)  # 10 uppers * 6 min
		self.assertEqual(capacity[SEWER].load_hours, 2.0)  # 10 boots * 12 min
		self.assertEqual(tracker(so.name).stage, "Under Review")

		frappe.set_user(CLERK)
		review = apply_workflow(review, "Approve")
		frappe.set_user("Administrator")
		self.assertEqual((review.docstatus, review.workflow_state), (1, "Approved"))
		self.assertEqual(review.reviewed_by, CLERK)
		self.assertEqual(tracker(so.name).stage, "Approved")
		self.assertEqual(
			[e.event for e in events(so.name, reference_doctype="Order Review")],
			["Review Started", "Review Approved"],
		)

	def test_sub_assemblies_in_stock_are_used_before_they_are_made(self):
		set_stock(UPPER, 4)
		review = review_of(boot_order(10))
		self.assertEqual(rows(review, "Material")[LEATHER].required_qty, 12)  # 6 uppers made
		self.assertEqual(rows(review, "Capacity")[CUTTER].load_hours, 0.6)

	# ------------------------------------------------------------------ warn

	def test_late_supply_warns_moves_production_and_needs_a_reviewer(self):
		set_stock(SOLE, 4)
		po = purchase(SOLE, 50, add_days(nowdate(), 40))
		so = boot_order(10, days=20)
		review = review_of(so)
		sole = rows(review, "Material")[SOLE]
		self.assertEqual(
			(sole.result, sole.shortage_qty, str(sole.supply_date)), ("Warn", 6, str(po.schedule_date))
		)
		# production starts when the soles arrive, after the due date: the work is late too
		self.assertEqual(rows(review, "Capacity")[SEWER].code, "capacity_late")
		self.assertEqual(review.result, "Fail")
		self.assertTrue(review.approval_required)
		self.assertEqual(str(review.materials_complete_on), str(po.schedule_date))
		self.assertEqual(str(review.proposed_date), str(review.earliest_feasible_date))
		self.assertGreater(getdate(review.proposed_date), getdate(review.promised_date))

		frappe.set_user(CLERK)
		# the clerk may approve only what needs no approval
		self.assertRaises(WorkflowTransitionError, apply_workflow, review, "Approve")
		review = apply_workflow(review, "Submit for Approval")
		self.assertEqual(review.workflow_state, "Pending Approval")
		frappe.set_user(REVIEWER)
		review.reload()
		review.apply_proposed_date = 1
		review.save()
		review = apply_workflow(review, "Approve")
		frappe.set_user("Administrator")
		self.assertEqual(review.docstatus, 1)
		so.reload()
		self.assertEqual(str(so.delivery_date), str(review.proposed_date))
		self.assertEqual(str(so.items[0].delivery_date), str(review.proposed_date))
		self.assertEqual(str(review.approved_delivery_date), str(review.proposed_date))
		self.assertNotEqual(str(review.promised_date), str(review.approved_delivery_date))

	# ------------------------------------------------------------------ fail

	def test_shortage_without_supply_price_and_credit_fail(self):
		set_stock(GLUE, 3)
		customer = frappe.get_doc("Customer", CUSTOMER)
		customer.set("credit_limits", [{"company": COMPANY, "credit_limit": 500}])
		customer.save()
		try:
			review = review_of(boot_order(10, rate=150))  # 25 % under the list price
		finally:
			customer.reload()
			customer.set("credit_limits", [])
			customer.save()
		order = rows(review, "Order")
		self.assertEqual(order[f"#1 {BOOT}"].result, "Fail")
		self.assertIn("25", order[f"#1 {BOOT}"].detail)
		self.assertEqual((order["credit"].result, order["credit"].code), ("Fail", "credit_exceeded"))
		glue = rows(review, "Material")[GLUE]
		self.assertEqual((glue.result, glue.shortage_qty), ("Fail", 7))
		self.assertIsNone(review.materials_complete_on)
		self.assertEqual(review.result, "Fail")
		self.assertEqual(review.approval_reason, "Some checks failed")

	def test_missing_payment_terms_fail(self):
		so = make_order(items=[{"item_code": BOOT, "qty": 1, "rate": 200}], submit=False)
		terms = rows(review_of(so), "Order")["terms"]
		self.assertEqual((terms.result, terms.code), ("Fail", "terms_missing"))

	def test_capacity_after_the_promised_date_proposes_a_date(self):
		# 100 boots: 20 h of sewing at 4 h a day (Sundays off) cannot be done in 2 days
		so = boot_order(100, days=2)
		review = review_of(so)
		sewer = rows(review, "Capacity")[SEWER]
		self.assertEqual((sewer.result, sewer.code), ("Fail", "capacity_late"))
		self.assertEqual(sewer.load_hours, 20)
		self.assertGreater(getdate(review.earliest_feasible_date), getdate(review.promised_date))
		self.assertEqual(str(review.proposed_date), str(review.earliest_feasible_date))
		self.assertEqual(str(sewer.supply_date), str(review.earliest_feasible_date))

	def test_committed_work_orders_take_capacity_first(self):
		from erpnext.manufacturing.doctype.work_order.test_work_order import make_wo_order_test_record

		before = rows(review_of(boot_order(5, days=60)), "Capacity")[SEWER]
		wo = make_wo_order_test_record(
			production_item=BOOT,
			qty=40,
			company=COMPANY,
			wip_warehouse=STORES,
			fg_warehouse=STORES,
			source_warehouse=STORES,
			stock_uom="Nos",
		)  # 8 h of sewing committed
		after = rows(review_of(boot_order(5, days=60)), "Capacity")[SEWER]
		self.assertGreater(after.utilisation_pct, before.utilisation_pct)
		self.assertGreater(getdate(after.supply_date), getdate(before.supply_date))
		self.assertEqual(wo.docstatus, 1)

	def test_a_stopped_work_order_holds_no_capacity(self):
		# the rule of the week plans and the daily schedule: its job cards wait, they take no hours
		from erpnext.manufacturing.doctype.work_order.test_work_order import make_wo_order_test_record
		from erpnext.manufacturing.doctype.work_order.work_order import stop_unstop

		before = rows(review_of(boot_order(5, days=60)), "Capacity")[SEWER]
		wo = make_wo_order_test_record(
			production_item=BOOT,
			qty=40,
			company=COMPANY,
			wip_warehouse=STORES,
			fg_warehouse=STORES,
			source_warehouse=STORES,
			stock_uom="Nos",
		)
		self.assertTrue(frappe.db.exists("Job Card", {"work_order": wo.name, "docstatus": 0}))
		stop_unstop(wo.name, "Stopped")
		after = rows(review_of(boot_order(5, days=60)), "Capacity")[SEWER]
		self.assertEqual(after.utilisation_pct, before.utilisation_pct)
		self.assertEqual(str(after.supply_date), str(before.supply_date))

	def test_earlier_approved_orders_claim_materials_first(self):
		set_stock(SOLE, 15)
		first = review_of(boot_order(10, days=10))
		apply_workflow(first, "Approve")
		second = review_of(boot_order(10, days=20))
		sole = rows(second, "Material")[SOLE]
		self.assertEqual((sole.available_qty, sole.shortage_qty), (5, 5))

	# ------------------------------------------------------------------ bad input

	def test_workstation_without_hours_or_holidays_is_named(self):
		ws = frappe.get_doc("Workstation", SEWER)
		ws.set("working_hours", [])
		ws.holiday_list = None
		ws.save()
		frappe.db.set_value("Company", COMPANY, "default_holiday_list", None)
		review = review_of(boot_order(2))
		found = {(r.code, r.result) for r in review.results if r.workstation == SEWER}
		self.assertIn(("no_working_hours", "Fail"), found)
		self.assertIn(("no_holiday_list", "Warn"), found)
		self.assertIsNone(review.earliest_feasible_date)

	def test_bought_in_item_is_netted_as_itself(self):
		from order_tracking.tests.utils import LACE

		so = make_order(
			items=[{"item_code": LACE, "qty": 3, "rate": 5}], submit=False, payment_terms_template=TERMS
		)
		review = review_of(so)
		self.assertEqual(list(rows(review, "Material")), [LACE])
		self.assertEqual(rows(review, "Capacity"), {})

	# ------------------------------------------------------------------ reject, re-run, approval rules

	def test_rejection_needs_a_reason_and_goes_back_to_the_clerk(self):
		from order_tracking.api.intake import submit_order

		set_stock(GLUE, 0)
		answer = submit_order(
			channel="API",
			external_ref=frappe.generate_hash(length=8),
			customer=CUSTOMER,
			company=COMPANY,
			delivery_date=add_days(nowdate(), 30),
			items=[{"item_code": BOOT, "qty": 2}],
		)
		intake = frappe.get_doc("Order Intake", answer["intake"])
		self.assertTrue(intake.order_review)
		review = frappe.get_doc("Order Review", intake.order_review)
		self.assertEqual(review.result, "Fail")
		review = apply_workflow(review, "Submit for Approval")
		frappe.set_user(REVIEWER)
		self.assertRaises(ReviewError, apply_workflow, review, "Reject")
		review.reload()
		review.rejection_reason = "No glue until the supplier confirms"
		review.save()
		review = apply_workflow(review, "Reject")
		frappe.set_user("Administrator")
		self.assertEqual(review.workflow_state, "Rejected")
		intake.reload()
		self.assertEqual(
			(intake.review_status, intake.rejection_reason),
			("Rejected", "No glue until the supplier confirms"),
		)
		self.assertTrue(
			frappe.db.exists(
				"Comment",
				{
					"reference_doctype": "Order Intake",
					"reference_name": intake.name,
					"comment_type": "Comment",
				},
			)
		)
		self.assertEqual(tracker(answer["sales_order"]).stage, "Received")
		rejected = events(answer["sales_order"], event="Review Rejected")
		self.assertEqual(len(rejected), 1)

	def test_rerun_gives_fresh_results_and_approved_reviews_do_not_change(self):
		set_stock(GLUE, 0)
		review = review_of(boot_order(4))
		self.assertEqual(rows(review, "Material")[GLUE].result, "Fail")
		set_stock(GLUE, 100)
		rerun_order_review(review.name)
		review.reload()
		self.assertEqual(rows(review, "Material")[GLUE].result, "Pass")
		apply_workflow(review, "Approve")
		self.assertRaises(ReviewError, rerun_order_review, review.name)

	def test_large_orders_need_approval_even_when_everything_passes(self):
		set_settings(approval_amount=1000)
		try:
			review = review_of(boot_order(10))  # 2 000
		finally:
			set_settings(approval_amount=0)
		self.assertEqual(review.result, "Pass")
		self.assertTrue(review.approval_required)
		self.assertEqual(review.approval_reason, "The order total is above the approval amount")

	def test_one_open_review_per_order(self):
		so = boot_order(1)
		first = review_of(so)
		self.assertEqual(review_of(so).name, first.name)
		self.assertRaises(
			ReviewError, frappe.get_doc({"doctype": "Order Review", "sales_order": so.name}).insert
		)

	def test_mandatory_review_blocks_submitting_the_order(self):
		set_settings(review_required=1)
		try:
			so = boot_order(2)
			with self.assertRaises(frappe.ValidationError) as e:
				so.submit()
			self.assertIn("Order Review", str(e.exception))
			apply_workflow(review_of(so), "Approve")
			so.reload()
			so.submit()
			self.assertEqual(so.docstatus, 1)
		finally:
			set_settings(review_required=0)

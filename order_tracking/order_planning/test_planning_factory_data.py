# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Planning with a factory's own data (issue 18): plans whose lines have sub-assembly work
orders, lines whose BOM has no operations, and stopped work orders."""

from datetime import datetime

import frappe
from frappe.utils import add_days, flt, now_datetime, nowdate

from order_tracking.order_planning import daily_schedule, plan_placement
from order_tracking.tests.planning_case import PlanTestCase, boot_order
from order_tracking.tests.utils import (
	BOOT,
	COMPANY,
	CUSTOMER,
	CUTTING_TABLE,
	SEWING_LINE,
	SLIPPER,
	STORES,
	UPPER,
	make_plan,
	tracker,
	work_order_entry,
)

test_ignore = ["Sales Order", "Order Plan", "Job Card", "Work Order", "Material Request"]


def plan_work_orders(plan: str, sales_order: str) -> dict[str, str]:
	"""The plan's work orders for one order, by item."""
	return dict(
		frappe.get_all(
			"Work Order",
			filters={"order_plan": plan, "made_for_sales_order": sales_order},
			fields=["production_item", "name"],
			as_list=True,
		)
	)


class TestCancellingPlansWithSubAssemblies(PlanTestCase):
	def test_a_plan_whose_lines_have_sub_assembly_work_orders_cancels_them_all(self):
		so = boot_order(qty=2)
		plan = make_plan(customer=CUSTOMER, submit=True)
		made = plan_work_orders(plan.name, so.name)
		self.assertEqual(set(made), {BOOT, UPPER})
		self.assertEqual(frappe.db.get_value("Work Order", made[UPPER], "parent_work_order"), made[BOOT])
		plan.reload()
		plan.cancel()
		plan.reload()
		self.assertEqual(plan.status, "Cancelled")
		for name in made.values():
			self.assertEqual(frappe.db.get_value("Work Order", name, "docstatus"), 2, name)
		self.assertNotIn(made[BOOT], plan.cancel_report or "")

	def test_a_started_sub_assembly_keeps_its_work_order_and_the_one_it_is_for(self):
		so = boot_order(qty=2)
		plan = make_plan(customer=CUSTOMER, submit=True)
		made = plan_work_orders(plan.name, so.name)
		upper = frappe.get_doc("Work Order", made[UPPER])
		for row in upper.required_items:  # the test items have no default warehouse of their own
			row.db_set("source_warehouse", STORES)
		work_order_entry(upper, "Material Transfer for Manufacture", 2)
		plan.reload()
		plan.cancel()  # no LinkExistsError: what stays is listed
		plan.reload()
		for name in made.values():
			self.assertEqual(frappe.db.get_value("Work Order", name, "docstatus"), 1, name)
			self.assertIn(name, plan.cancel_report)


class TestCancellingPlansWithOutsourcing(PlanTestCase):
	@classmethod
	def setUpClass(cls):
		from order_tracking.tests.utils import make_outsourcing_fixtures

		super().setUpClass()
		make_outsourcing_fixtures()

	def test_a_work_order_with_an_operation_on_an_outsourcing_order_stays_and_says_where(self):
		from order_tracking.outsourcing.orders import make_for_job_cards
		from order_tracking.tests.utils import PARTNER, approve

		so = boot_order(qty=2)
		plan = make_plan(customer=CUSTOMER, submit=True)
		made = plan_work_orders(plan.name, so.name)
		sewing = frappe.db.get_value("Job Card", {"work_order": made[BOOT]}, "name")
		order = make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 5), rate=2)
		approve(order)
		plan.reload()
		plan.cancel()  # not refused: the outsourced work order is listed as staying
		plan.reload()
		self.assertEqual(frappe.db.get_value("Work Order", made[BOOT], "docstatus"), 1)
		self.assertIn(made[BOOT], plan.cancel_report)
		self.assertIn(order.name, plan.cancel_report)
		self.assertEqual(frappe.db.get_value("Work Order", made[UPPER], "docstatus"), 2)
		self.assertTrue(frappe.db.exists("Job Card", sewing))


class TestLinesWithoutOperations(PlanTestCase):
	def test_a_line_whose_bom_has_no_operations_gets_its_work_order(self):
		so = boot_order(qty=3, item=SLIPPER)
		plan = make_plan(customer=CUSTOMER)
		line = next(i for i in plan.items if i.sales_order == so.name)
		self.assertEqual(line.allocation, "Production")
		self.assertTrue(any("has no operations" in (w.message or "") for w in plan.warnings))
		plan.submit()
		made = frappe.get_all(
			"Work Order",
			filters={"order_plan": plan.name, "sales_order": so.name},
			fields=["name", "production_item", "qty", "sales_order_item"],
		)
		self.assertEqual(
			[(w.production_item, flt(w.qty), w.sales_order_item) for w in made],
			[(SLIPPER, 3, line.sales_order_item)],
		)
		self.assertEqual(frappe.db.get_value("Order Plan Item", line.name, "work_order"), made[0].name)
		self.assertEqual(tracker(so.name).stage, "Planned")
		# the plan's load and attainment count only real operations
		from order_tracking.order_planning.report.plan_attainment.plan_attainment import execute

		_columns, data, *_rest = execute({"order_plan": plan.name})
		self.assertTrue(all(r.get("workstation") for r in data if r.get("workstation") != "Total"))


class TestStoppedWorkOrders(PlanTestCase):
	def test_stopped_work_orders_hold_no_capacity_in_a_week_plan_as_in_the_daily_schedule(self):
		from erpnext.manufacturing.doctype.work_order.work_order import stop_unstop

		so = boot_order(qty=2)
		plan = make_plan(customer=CUSTOMER, submit=True)
		made = plan_work_orders(plan.name, so.name)
		cards = frappe.get_all("Job Card", filters={"work_order": ("in", list(made.values()))}, pluck="name")
		self.assertEqual(len(cards), 2)
		now = now_datetime()
		horizon = datetime.combine(now.date(), datetime.min.time())

		def released():
			ids = {r["id"] for r in plan_placement.released_work([CUTTING_TABLE, SEWING_LINE], horizon, now)}
			return {c for c in cards if f"released:{c}" in ids}

		def scheduled():
			ops, _orders = daily_schedule.open_operations(COMPANY)
			return {o.job_card for o in ops if o.job_card in cards}

		self.assertEqual((released(), scheduled()), (set(cards), set(cards)))
		for name in made.values():
			stop_unstop(name, "Stopped")
		self.assertEqual((released(), scheduled()), (set(), set()))
		for name in made.values():
			stop_unstop(name, "Resumed")
		self.assertEqual((released(), scheduled()), (set(cards), set(cards)))

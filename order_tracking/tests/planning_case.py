"""The order-planning tests' base: the planning fixtures and settings once per class, each test
rolled back to a savepoint, and a boot order to plan (used by the plan, daily schedule,
factory-data and reschedule tests)."""

import frappe
from frappe.utils import add_days, nowdate

from order_tracking.tests.utils import (
	BOOT,
	CUSTOMER,
	FrappeTestCase,
	make_order,
	make_planning_fixtures,
	set_settings,
)


def boot_order(qty=4, days=12, customer=CUSTOMER, item=BOOT):
	return make_order(
		[{"item_code": item, "qty": qty, "rate": 100, "delivery_date": add_days(nowdate(), days)}],
		customer=customer,
	)


class PlanTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_planning_fixtures()
		set_settings(
			sub_assembly_work_orders=1,
			outsource_share=20,
			plan_background_threshold=50,
			late_operation_grace=30,
			schedule_days=2,
			planning_wip_warehouse=None,
		)

	def setUp(self):
		# every test plans only its own orders: what a test writes is undone after it
		frappe.db.savepoint("order_plan_test")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="order_plan_test")

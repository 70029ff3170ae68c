# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from datetime import timedelta

import frappe
from frappe.utils import get_datetime, now_datetime

from order_tracking.order_tracking.report.order_cycle_time.order_cycle_time import execute
from order_tracking.tests.reports import (
	OTHER_REPORT_CUSTOMER,
	REPORT_CUSTOMER,
	deliver,
	lace_order,
	make_report_customers,
	set_tracker,
)
from order_tracking.tests.utils import COMPANY, LACE, FrappeTestCase, make_fixtures, make_user

test_dependencies = ["Customer", "Territory", "Customer Group"]
test_ignore = ["Sales Order", "Order Plan", "Work Order"]

# days from receipt to delivery of three orders: median 4, 90th percentile 4 + (10 - 4) * 0.8
DAYS_TO_DELIVERY = (2, 4, 10)


class TestOrderCycleTime(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		make_report_customers()

	def setUp(self):
		frappe.db.savepoint("order_cycle_time")
		self.orders = []
		delivered_at = get_datetime(now_datetime().replace(microsecond=0))
		for i, days in enumerate(DAYS_TO_DELIVERY):
			# the first order has two lines of lace: it counts once for the item group
			lines = [{"item_code": LACE, "qty": 2, "rate": 10}] * (2 if i == 0 else 1)
			so = lace_order(lines=lines)
			deliver(so)
			received = delivered_at - timedelta(days=days)
			set_tracker(
				so.name,
				received_at=received,
				review_started_at=None,
				approved_at=received + timedelta(hours=12),
				delivered_at=delivered_at,
			)
			self.orders.append(so)
		# another customer's order: filtered out
		other = lace_order(customer=OTHER_REPORT_CUSTOMER)
		set_tracker(other.name, received_at=delivered_at - timedelta(days=30), delivered_at=delivered_at)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="order_cycle_time")

	def run_report(self, **filters):
		return execute({"company": COMPANY, "customer": REPORT_CUSTOMER, **filters})

	@staticmethod
	def segment(data, key):
		return next(r for r in data if r["segment_key"] == key)

	def test_days_per_stage_median_and_p90(self):
		columns, data, _m, chart, summary = self.run_report()
		total = self.segment(data, "received_to_delivered")
		self.assertEqual(
			(total["orders"], total["mean_days"], total["median_days"], total["p90_days"]),
			(3, 5.3, 4.0, 8.8),
		)
		approval = self.segment(data, "received_to_approved")
		self.assertEqual((approval["orders"], approval["median_days"]), (3, 0.5))
		figures = {s["label"]: s["value"] for s in summary}
		self.assertEqual(
			(figures["Orders"], figures["Median Days to Delivery"], figures["P90 Days to Delivery"]),
			(3, 4.0, 8.8),
		)
		self.assertIn("Median (Days)", [d["name"] for d in chart["data"]["datasets"]])
		self.assertIn("p90_days", [c["fieldname"] for c in columns])

	def test_by_item_group_counts_an_order_once(self):
		_c, data, _m, _chart, summary = self.run_report(group_by="Item Group")
		total = self.segment(data, "received_to_delivered")
		self.assertEqual(total["item_group"], frappe.db.get_value("Item", LACE, "item_group"))
		self.assertEqual((total["orders"], total["median_days"], total["p90_days"]), (3, 4.0, 8.8))
		self.assertEqual({s["label"]: s["value"] for s in summary}["Orders"], 3)

	def test_by_customer_and_month(self):
		_c, data, *_ = execute(
			{"company": COMPANY, "customer_group": "_Test Customer Group", "group_by": "Customer"}
		)
		mine = [
			r
			for r in data
			if r["customer"] == REPORT_CUSTOMER and r["segment_key"] == "received_to_delivered"
		]
		other = [
			r
			for r in data
			if r["customer"] == OTHER_REPORT_CUSTOMER and r["segment_key"] == "received_to_delivered"
		]
		self.assertEqual(mine[0]["median_days"], 4.0)
		self.assertEqual(other[0]["median_days"], 30.0)
		_c, by_month, *_ = self.run_report(group_by="Month")
		self.assertEqual({r["period"] for r in by_month}, {self.orders[0].transaction_date[:7]})

	def test_bad_filters_name_the_field(self):
		self.assertRaisesRegex(frappe.ValidationError, "Group By", self.run_report, group_by="Colour")
		self.assertRaisesRegex(
			frappe.ValidationError, "From Date", self.run_report, from_date="2026-02-01", to_date="2026-01-01"
		)

	def test_only_order_roles_run_it(self):
		from frappe.desk.query_report import run

		outsider = make_user("ot-report-outsider@example.com", ["Stock User"])
		planner = make_user("ot-report-planner@example.com", ["Production Planner"])
		filters = {"company": COMPANY, "customer": REPORT_CUSTOMER}
		frappe.set_user(outsider)
		self.assertRaises(
			frappe.PermissionError, run, "Order Cycle Time", filters, ignore_prepared_report=True
		)
		frappe.set_user(planner)
		result = run("Order Cycle Time", filters, ignore_prepared_report=True)["result"]
		self.assertEqual(self.segment(result, "received_to_delivered")["orders"], 3)
		# a planner does not read Item Group: the group is shown as text, not refused
		report = run("Order Cycle Time", {**filters, "group_by": "Item Group"}, ignore_prepared_report=True)
		self.assertEqual(self.segment(report["result"], "received_to_delivered")["orders"], 3)
		self.assertEqual(report["columns"][0]["fieldtype"], "Data")

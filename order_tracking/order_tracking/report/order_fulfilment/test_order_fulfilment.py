# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.utils import nowdate

from order_tracking.order_tracking.report.order_fulfilment.order_fulfilment import execute
from order_tracking.tests.reports import REPORT_CUSTOMER, deliver, lace_order, make_report_customers
from order_tracking.tests.utils import COMPANY, LACE, FrappeTestCase, make_fixtures, make_user

test_dependencies = ["Customer", "Territory", "Customer Group"]
test_ignore = ["Sales Order", "Order Plan", "Work Order"]


class TestOrderFulfilment(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		make_report_customers()

	def setUp(self):
		frappe.db.savepoint("order_fulfilment")
		# 6 of 10 delivered on the first line, nothing of the second (4 at 25): backlog 4 + 4
		self.partial = lace_order(
			lines=[{"item_code": LACE, "qty": 10, "rate": 10}, {"item_code": LACE, "qty": 4, "rate": 25}]
		)
		deliver(self.partial, qtys=[6, 0])
		# delivered in full
		self.full = lace_order(qty=6, rate=10)
		deliver(self.full)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="order_fulfilment")

	def run_report(self, **filters):
		return execute({"company": COMPANY, "customer": REPORT_CUSTOMER, **filters})

	def test_fill_rate_and_backlog(self):
		columns, data, _m, chart, summary = self.run_report(group_by="Customer")
		self.assertEqual(len(data), 1)
		row = data[0]
		self.assertEqual(
			(row["orders"], row["lines"], row["ordered_qty"], row["filled_qty"], row["open_qty"]),
			(2, 3, 20, 12, 8),
		)
		self.assertEqual((row["fill_rate"], row["line_fill_rate"]), (60.0, 33.3))
		self.assertEqual(row["open_value"], 4 * 10 + 4 * 25)
		figures = {s["label"]: s["value"] for s in summary}
		self.assertEqual((figures["Fill Rate %"], figures["Backlog Value"]), (60.0, 140))
		self.assertEqual(chart["data"]["datasets"][0]["values"], [140])
		self.assertIn("open_value", [c["fieldname"] for c in columns])

	def test_by_month_and_item_group(self):
		_c, by_month, _m, chart, _s = self.run_report(group_by="Month")
		self.assertEqual([(r["period"], r["fill_rate"]) for r in by_month], [(nowdate()[:7], 60.0)])
		# one month is a bar: a line of one point draws nothing
		self.assertEqual(chart["type"], "bar")
		_c, by_group, _m, _chart, summary = self.run_report(group_by="Item Group")
		self.assertEqual(by_group[0]["item_group"], frappe.db.get_value("Item", LACE, "item_group"))
		self.assertEqual((by_group[0]["orders"], by_group[0]["lines"]), (2, 3))
		self.assertEqual({s["label"]: s["value"] for s in summary}["Orders"], 2)

	def test_closed_order_leaves_the_backlog(self):
		from order_tracking.overrides.sales_order import update_status

		update_status("Closed", self.partial.name)
		_c, data, *_ = self.run_report(group_by="Customer")
		self.assertEqual((data[0]["open_qty"], data[0]["open_value"], data[0]["fill_rate"]), (0, 0, 60.0))

	def test_bad_filters_name_the_field(self):
		self.assertRaisesRegex(frappe.ValidationError, "Group By", self.run_report, group_by="Sales Order")
		self.assertRaisesRegex(
			frappe.ValidationError, "From Date", self.run_report, from_date="2026-02-01", to_date="2026-01-01"
		)

	def test_only_order_roles_run_it(self):
		from frappe.desk.query_report import run

		outsider = make_user("ot-report-outsider@example.com", ["Stock User"])
		clerk = make_user("ot-report-clerk@example.com", ["Order Clerk"])
		filters = {"company": COMPANY, "customer": REPORT_CUSTOMER, "group_by": "Customer"}
		frappe.set_user(outsider)
		self.assertRaises(
			frappe.PermissionError, run, "Order Fulfilment", filters, ignore_prepared_report=True
		)
		frappe.set_user(clerk)
		self.assertEqual(
			run("Order Fulfilment", filters, ignore_prepared_report=True)["result"][0]["lines"], 3
		)

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.utils import add_days, nowdate

from order_tracking.order_tracking.report.customer_analysis.customer_analysis import execute
from order_tracking.tests.reports import (
	OTHER_REPORT_CUSTOMER,
	REPORT_CUSTOMER,
	deliver,
	invoice,
	lace_order,
	make_report_customers,
	set_tracker,
)
from order_tracking.tests.utils import COMPANY, FrappeTestCase, make_fixtures, make_user

test_dependencies = ["Customer", "Territory", "Customer Group"]
test_ignore = ["Sales Order", "Order Plan", "Work Order"]


class TestCustomerAnalysis(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		make_report_customers()

	def setUp(self):
		frappe.db.savepoint("customer_analysis")
		# the customer: 300 delivered on time and invoiced, 100 delivered late, 200 open
		self.invoiced = lace_order(qty=30, rate=10)
		deliver(self.invoiced)
		self.invoice = invoice(self.invoiced)
		late = lace_order(qty=10, rate=10)
		deliver(late)
		set_tracker(late.name, promised_date=add_days(nowdate(), -2), eta=nowdate())
		lace_order(qty=20, rate=10)
		# the other customer: 100, open
		lace_order(qty=10, rate=10, customer=OTHER_REPORT_CUSTOMER)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="customer_analysis")

	def run_report(self, **filters):
		return execute({"company": COMPANY, "customer_group": "_Test Customer Group", **filters})

	def rows(self, data):
		return {r["customer"]: r for r in data if r["customer"] in (REPORT_CUSTOMER, OTHER_REPORT_CUSTOMER)}

	def test_orders_value_service_and_debt_per_customer(self):
		columns, data, _m, chart, summary = self.run_report(customer=REPORT_CUSTOMER)
		self.assertEqual(len(data), 1)
		row = data[0]
		self.assertEqual((row["customer"], row["orders"], row["delivered"]), (REPORT_CUSTOMER, 3, 2))
		self.assertAlmostEqual(
			row["order_value"], self.invoiced.base_grand_total * 2, places=2
		)  # 300 + 100 + 200
		self.assertAlmostEqual(row["average_order_value"], row["order_value"] / 3, places=2)
		self.assertEqual((row["on_time_pct"], row["share_pct"]), (50.0, 100.0))
		self.assertAlmostEqual(row["outstanding"], self.invoice.base_grand_total, places=2)
		self.assertEqual(str(row["last_order_date"]), nowdate())
		self.assertEqual(row["customer_group"], "_Test Customer Group")
		figures = {s["label"]: s["value"] for s in summary}
		self.assertEqual((figures["Orders"], figures["Top 10 Share %"]), (3, 100.0))
		self.assertEqual(chart["data"]["labels"], [REPORT_CUSTOMER])
		self.assertIn("share_pct", [c["fieldname"] for c in columns])

	def test_share_between_customers_and_by_group(self):
		_c, data, _m, _chart, summary = self.run_report()
		rows = self.rows(data)
		mine, other = rows[REPORT_CUSTOMER], rows[OTHER_REPORT_CUSTOMER]
		self.assertAlmostEqual(mine["order_value"], other["order_value"] * 6, places=2)
		# each one's share of the period's whole value (the site may hold far larger orders than
		# these, so the shares are checked against the total, not against each other once rounded)
		total = next(s["value"] for s in summary if s["label"] == "Order Value")
		self.assertAlmostEqual(sum(r["order_value"] for r in data), total, places=2)
		for row in (mine, other):
			self.assertEqual(row["share_pct"], round(row["order_value"] / total * 100, 1))
		self.assertGreaterEqual(mine["share_pct"], other["share_pct"])
		self.assertEqual((other["orders"], other["delivered"], other["on_time_pct"]), (1, 0, None))
		_c, groups, *_ = self.run_report(group_by="Customer Group")
		group = next(r for r in groups if r["customer_group"] == "_Test Customer Group")
		self.assertGreaterEqual(group["customers"], 2)
		self.assertGreaterEqual(group["orders"], 4)

	def test_bad_filters_name_the_field(self):
		self.assertRaisesRegex(frappe.ValidationError, "Group By", self.run_report, group_by="Item Group")

	def test_only_order_roles_run_it(self):
		from frappe.desk.query_report import run

		outsider = make_user("ot-report-outsider@example.com", ["Stock User"])
		sales = make_user("ot-report-sales@example.com", ["Sales User"])
		filters = {"company": COMPANY, "customer": REPORT_CUSTOMER}
		frappe.set_user(outsider)
		self.assertRaises(
			frappe.PermissionError, run, "Customer Analysis", filters, ignore_prepared_report=True
		)
		frappe.set_user(sales)
		self.assertEqual(
			run("Customer Analysis", filters, ignore_prepared_report=True)["result"][0]["orders"], 3
		)

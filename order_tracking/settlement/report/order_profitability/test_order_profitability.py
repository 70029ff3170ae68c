# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe

from order_tracking.settlement import order_cost
from order_tracking.settlement.report.order_profitability.order_profitability import execute
from order_tracking.tests.reports import REPORT_CUSTOMER, deliver, invoice, lace_order, make_report_customers
from order_tracking.tests.utils import COMPANY, FG_WAREHOUSE, LACE, FrappeTestCase, make_fixtures, make_user

test_dependencies = ["Customer", "Territory", "Customer Group"]
test_ignore = ["Sales Order", "Order Plan", "Work Order", "Delivery Note", "Sales Invoice"]


class TestOrderProfitability(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		make_report_customers()

	def setUp(self):
		from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry

		frappe.db.savepoint("order_profitability")
		make_stock_entry(item_code=LACE, target=FG_WAREHOUSE, qty=40, basic_rate=3, company=COMPANY)
		# two orders delivered from stock and invoiced, their cost computed by the settlement job
		self.orders = [lace_order(qty=10, rate=5), lace_order(qty=12, rate=5)]
		for so in self.orders:
			deliver(so)
			invoice(so)
		order_cost.refresh_order_costs([so.name for so in self.orders])
		# an order whose cost is not computed yet
		self.uncosted = lace_order(qty=1, rate=5)
		frappe.db.set_value("Order Tracker", self.uncosted.name, "cost_updated_at", None)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="order_profitability")

	def run_report(self, **filters):
		return execute({"company": COMPANY, "customer": REPORT_CUSTOMER, **filters})

	def trackers(self):
		return [
			frappe.db.get_value(
				"Order Tracker", so.name, ["revenue", "material_cost", "total_cost", "margin"], as_dict=True
			)
			for so in self.orders
		]

	def test_revenue_cost_and_margin_by_order_and_customer(self):
		trackers = self.trackers()
		self.assertEqual([t.revenue for t in trackers], [50, 60])
		self.assertTrue(all(t.material_cost > 0 for t in trackers), trackers)

		_c, by_order, *_ = self.run_report(group_by="Sales Order")
		self.assertEqual({r["sales_order"] for r in by_order}, {so.name for so in self.orders})
		for row in by_order:
			t = trackers[[so.name for so in self.orders].index(row["sales_order"])]
			self.assertEqual(
				(row["revenue"], row["material_cost"], row["margin"]), (t.revenue, t.material_cost, t.margin)
			)
			self.assertAlmostEqual(row["margin"], row["revenue"] - row["total_cost"], places=2)

		columns, data, _m, chart, summary = self.run_report(group_by="Customer")
		self.assertEqual(len(data), 1)
		row = data[0]
		cost = sum(t.total_cost for t in trackers)
		self.assertEqual((row["orders"], row["revenue"]), (2, 110))
		self.assertAlmostEqual(row["total_cost"], cost, places=2)
		self.assertAlmostEqual(row["margin"], 110 - cost, places=2)
		self.assertEqual(row["margin_pct"], round((110 - cost) / 110 * 100, 1))
		figures = {s["label"]: s["value"] for s in summary}
		self.assertEqual((figures["Orders"], figures["Revenue"], figures["Orders Without Cost"]), (2, 110, 1))
		self.assertEqual(chart["data"]["datasets"][0]["values"], [110])
		self.assertIn("margin_pct", [c["fieldname"] for c in columns])

	def test_bad_filters_name_the_field(self):
		self.assertRaisesRegex(frappe.ValidationError, "Group By", self.run_report, group_by="Item Group")

	def test_only_roles_that_read_costs_run_it(self):
		from frappe.desk.query_report import run

		sales = make_user("ot-report-sales@example.com", ["Sales User"])
		# reads costs but not customers: the customer column is plain text for them
		accountant = make_user("ot-report-accountant@example.com", ["Settlement Accountant"])
		filters = {"company": COMPANY, "customer": REPORT_CUSTOMER}
		frappe.set_user(sales)
		self.assertRaises(
			frappe.PermissionError, run, "Order Profitability", filters, ignore_prepared_report=True
		)
		self.assertRaises(frappe.PermissionError, self.run_report)
		frappe.set_user(accountant)
		report = run("Order Profitability", filters, ignore_prepared_report=True)
		self.assertEqual(report["result"][0]["revenue"], 110)
		self.assertEqual(report["columns"][0]["fieldtype"], "Data")

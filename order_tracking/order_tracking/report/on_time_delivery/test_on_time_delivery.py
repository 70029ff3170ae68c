# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.utils import add_days, nowdate

from order_tracking.order_tracking.report.on_time_delivery.on_time_delivery import (
	execute,
	on_time_this_month,
)
from order_tracking.tests.reports import (
	REPORT_CUSTOMER,
	deliver,
	lace_order,
	make_report_customers,
	set_tracker,
)
from order_tracking.tests.utils import COMPANY, LACE, FrappeTestCase, make_fixtures, make_user

test_dependencies = ["Customer", "Territory", "Customer Group"]
test_ignore = ["Sales Order", "Order Plan", "Work Order"]


class TestOnTimeDelivery(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		make_report_customers()

	def setUp(self):
		frappe.db.savepoint("on_time_delivery")
		# on time, two lines of the same item group (the order counts once in the group)
		self.on_time = lace_order(lines=[{"item_code": LACE, "qty": 4, "rate": 10}] * 2)
		deliver(self.on_time)
		# delivered today, promised three days ago
		self.late = lace_order()
		deliver(self.late)
		set_tracker(self.late.name, promised_date=add_days(nowdate(), -3), eta=nowdate())
		# not delivered: not counted
		lace_order()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="on_time_delivery")

	def run_report(self, **filters):
		return execute({"company": COMPANY, "customer": REPORT_CUSTOMER, **filters})

	def test_on_time_share_by_customer_item_group_and_month(self):
		expected = {"delivered": 2, "on_time": 1, "late": 1, "on_time_pct": 50.0, "average_days_late": 3.0}
		columns, data, _m, chart, summary = self.run_report(group_by="Customer")
		self.assertEqual(len(data), 1)
		self.assertEqual(data[0]["customer"], REPORT_CUSTOMER)
		self.assertEqual({k: data[0][k] for k in expected}, expected)
		self.assertEqual([c["fieldname"] for c in columns][:2], ["customer", "customer_name"])

		_c, by_group, *_ = self.run_report(group_by="Item Group")
		self.assertEqual(len(by_group), 1)
		self.assertEqual(by_group[0]["item_group"], frappe.db.get_value("Item", LACE, "item_group"))
		self.assertEqual({k: by_group[0][k] for k in expected}, expected)

		_c, by_month, _m, chart, summary = self.run_report(group_by="Month")
		self.assertEqual([r["period"] for r in by_month], [nowdate()[:7]])
		self.assertEqual(by_month[0]["on_time_pct"], 50.0)
		self.assertEqual(chart["data"]["datasets"][0]["values"], [50.0])
		figures = {s["label"]: s["value"] for s in summary}
		self.assertEqual((figures["Delivered Orders"], figures["On-Time %"], figures["Late"]), (2, 50.0, 1))

	def test_based_on_delivery_date_and_period(self):
		set_tracker(self.late.name, eta=add_days(nowdate(), -40), transaction_date=add_days(nowdate(), -50))
		_c, data, *_ = self.run_report(
			group_by="Customer", based_on="Delivery Date", from_date=add_days(nowdate(), -7)
		)
		self.assertEqual((data[0]["delivered"], data[0]["on_time"]), (1, 1))

	def test_number_card_value(self):
		value = on_time_this_month({"company": COMPANY})
		self.assertEqual(value["fieldtype"], "Percent")
		self.assertTrue(0 < value["value"] <= 100)

	def test_bad_filters_name_the_field(self):
		self.assertRaisesRegex(frappe.ValidationError, "Group By", self.run_report, group_by="Colour")
		self.assertRaisesRegex(frappe.ValidationError, "Based On", self.run_report, based_on="Invoice Date")
		self.assertRaisesRegex(
			frappe.ValidationError,
			"From Date",
			self.run_report,
			from_date=nowdate(),
			to_date=add_days(nowdate(), -1),
		)

	def test_only_order_roles_run_it(self):
		from frappe.desk.query_report import run

		outsider = make_user("ot-report-outsider@example.com", ["Stock User"])
		clerk = make_user("ot-report-clerk@example.com", ["Order Clerk"])
		filters = {"company": COMPANY, "customer": REPORT_CUSTOMER, "group_by": "Customer"}
		frappe.set_user(outsider)
		self.assertRaises(frappe.PermissionError, run, "On-Time Delivery", filters)
		self.assertRaises(frappe.PermissionError, on_time_this_month, {"company": COMPANY})
		frappe.set_user(clerk)
		self.assertEqual(run("On-Time Delivery", filters)["result"][0]["delivered"], 2)


class TestWorkspaceFigures(FrappeTestCase):
	"""The workspace's number cards and charts give figures on a real site."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		make_report_customers()

	def setUp(self):
		frappe.db.savepoint("workspace_figures")
		deliver(lace_order())  # delivered this month
		lace_order()  # open

	def tearDown(self):
		frappe.db.rollback(save_point="workspace_figures")

	def test_number_cards_and_charts(self):
		from frappe.desk.doctype.dashboard_chart.dashboard_chart import get as get_chart
		from frappe.desk.doctype.number_card.number_card import get_result

		workspace = frappe.get_doc("Workspace", "Order Tracking")
		self.assertEqual(
			[row.number_card_name for row in workspace.number_cards],
			[
				"Open Orders",
				"Delayed Orders",
				"Overdue Payments",
				"On-Time Delivery This Month",
				"Open Order Exceptions",
				"Mean Rating (Last 90 Days)",
				"Open Complaints",
				"Open Quality Holds",
			],
		)
		for row in workspace.number_cards:
			card = frappe.get_doc("Number Card", row.number_card_name)
			if card.type == "Custom":
				value = frappe.get_attr(card.method)(card.filters_json)["value"]
			else:
				value = get_result(card.as_json(), card.filters_json)
			self.assertIsInstance(value, int | float, card.name)
		for row in workspace.charts:
			chart = frappe.get_doc("Dashboard Chart", row.chart_name)
			if chart.chart_type == "Report":
				_c, _d, _m, config, _s = execute(frappe.parse_json(chart.filters_json))
				self.assertTrue(config is None or config["data"]["datasets"], chart.name)
			else:
				config = get_chart(chart=chart.as_json(), no_cache=1)
				self.assertTrue(config and sum(config["datasets"][0]["values"]) > 0, chart.name)

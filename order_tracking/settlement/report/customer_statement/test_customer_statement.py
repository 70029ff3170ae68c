# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.utils import add_days, add_months, get_first_day, nowdate

from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return
from erpnext.accounts.doctype.sales_invoice.test_sales_invoice import create_sales_invoice

from order_tracking.settlement.report.customer_statement.customer_statement import execute
from order_tracking.tests.utils import COMPANY, FG_WAREHOUSE, LACE, FrappeTestCase, make_fixtures, make_user

CUSTOMER = "_OT Statement Customer"


class TestCustomerStatement(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()

	def setUp(self):
		frappe.db.savepoint("customer_statement")
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": CUSTOMER,
				"customer_group": "_Test Customer Group",
				"territory": "_Test Territory",
			}
		).insert()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="customer_statement")

	def invoice(self, posting_date, qty, rate=100):
		return create_sales_invoice(
			customer=CUSTOMER,
			company=COMPANY,
			item_code=LACE,
			qty=qty,
			rate=rate,
			posting_date=posting_date,
			warehouse=FG_WAREHOUSE,
			cost_center="_Test Cost Center - _TC",
		)

	def test_opening_entries_of_the_period_and_closing(self):
		start = get_first_day(nowdate())
		self.invoice(add_months(start, -1), 1)  # before the period: the opening balance
		si = self.invoice(start, 3)
		pe = get_payment_entry("Sales Invoice", si.name)
		pe.posting_date = add_days(start, 1)
		pe.paid_amount = pe.received_amount = 150
		pe.references[0].allocated_amount = 150
		pe.reference_no, pe.reference_date = "OT-STMT", start
		pe.insert()
		pe.submit()
		credit = make_sales_return(si.name)
		credit.items[0].qty = -1
		credit.posting_date = add_days(start, 2)
		credit.set_posting_time = 1
		credit.insert()
		credit.submit()

		columns, data, _msg, chart, summary = execute(
			{"company": COMPANY, "customer": CUSTOMER, "from_date": start, "to_date": add_days(start, 27)}
		)
		figures = {s["label"]: s["value"] for s in summary}
		self.assertEqual(
			figures,
			{
				"Opening Balance": 100,
				"Invoiced": 300,
				"Paid": 150,
				"Credit Notes": 100,
				"Closing Balance": 150,
			},
		)
		entries = [(r["voucher_no"], r["debit"], r["credit"], r["balance"]) for r in data[1:-1]]
		self.assertEqual(
			entries, [(si.name, 300, 0, 400), (pe.name, 0, 150, 250), (credit.name, 0, 100, 150)]
		)
		self.assertEqual((data[0]["balance"], data[-1]["balance"]), (100, 150))
		self.assertEqual(chart["data"]["datasets"][0]["values"], [400, 250, 150])
		self.assertIn("fieldname", columns[0])

		# the period before sees only the first invoice
		_c, before, *_ = execute(
			{
				"company": COMPANY,
				"customer": CUSTOMER,
				"from_date": add_months(start, -1),
				"to_date": add_days(start, -1),
			}
		)
		self.assertEqual((before[0]["balance"], before[-1]["balance"]), (0, 100))

	def test_bad_filters_name_the_field(self):
		self.assertRaisesRegex(
			frappe.ValidationError,
			"Customer",
			execute,
			{"company": COMPANY, "from_date": nowdate(), "to_date": nowdate()},
		)
		self.assertRaisesRegex(
			frappe.ValidationError,
			"From Date",
			execute,
			{
				"company": COMPANY,
				"customer": CUSTOMER,
				"from_date": nowdate(),
				"to_date": add_days(nowdate(), -1),
			},
		)

	def test_only_accounting_and_sales_managers_run_it(self):
		from frappe.desk.query_report import run

		clerk = make_user("ot-stmt-clerk@example.com", ["Order Clerk"])
		accountant = make_user("ot-stmt-accountant@example.com", ["Settlement Accountant", "Accounts User"])
		frappe.set_user(clerk)
		filters = {"company": COMPANY, "customer": CUSTOMER, "from_date": nowdate(), "to_date": nowdate()}
		self.assertRaises(frappe.PermissionError, run, "Customer Statement", filters)
		frappe.set_user(accountant)
		self.assertEqual(run("Customer Statement", filters)["result"][0]["balance"], 0)

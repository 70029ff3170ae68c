"""A script report of the app runs for a role it is for even when one of its Link columns points
to a doctype the role cannot read (what the desk browser suite found: Frappe 15 refused Plan
Attainment to an Order Reviewer for its Workstation column)."""

import frappe
from frappe.desk.query_report import run

from order_tracking.report_links import readable_links
from order_tracking.tests.utils import FrappeTestCase, make_user

REVIEWER = "report-links-reviewer@example.com"
COLUMNS = [
	{"label": "Order Plan", "fieldname": "order_plan", "fieldtype": "Link", "options": "Order Plan"},
	{"label": "Workstation", "fieldname": "workstation", "fieldtype": "Link", "options": "Workstation"},
	{"label": "Hours", "fieldname": "hours", "fieldtype": "Float"},
]


class TestReportLinks(FrappeTestCase):
	def setUp(self):
		make_user(REVIEWER, ["Order Reviewer", "Sales User"])
		self.assertFalse(frappe.has_permission("Workstation", "read", user=REVIEWER))

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_a_link_the_user_cannot_read_becomes_text(self):
		frappe.set_user(REVIEWER)
		plan, workstation, hours = readable_links(COLUMNS)
		self.assertEqual((plan["fieldtype"], plan["options"]), ("Link", "Order Plan"))
		self.assertEqual(workstation["fieldtype"], "Data")
		self.assertNotIn("options", workstation)
		self.assertEqual(hours, COLUMNS[2])

	def test_links_stay_links_for_who_can_read_them(self):
		self.assertEqual(readable_links(COLUMNS), COLUMNS)

	def test_plan_attainment_runs_for_an_order_reviewer_with_a_workstation_row(self):
		company = frappe.db.get_value("Order Plan", {"docstatus": 1, "period_type": "Week"}, "company")
		if not company:
			self.skipTest("no submitted week plan on this site (load the demo)")
		frappe.set_user(REVIEWER)
		answer = run("Plan Attainment", filters={"company": company})
		if not answer["result"]:
			self.skipTest("no scheduled operation in the report's window on this site")
		self.assertTrue(answer["result"])
		workstation = next(c for c in answer["columns"] if c.get("fieldname") == "workstation")
		self.assertEqual(workstation["fieldtype"], "Data")

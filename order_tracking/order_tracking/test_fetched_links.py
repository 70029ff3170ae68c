"""A link to a record that does not exist is refused on every document of the app whose link has
fields fetched from it (Frappe 15 skips its own check there: the document would be saved with a
dangling supplier, order or item and fail later, far from the cause)."""

import frappe
from frappe.tests.utils import FrappeTestCase

from order_tracking.utils import check_fetched_links

MISSING = "No Such Record 4711"


class TestLinksHiddenByFetch(FrappeTestCase):
	def assert_refused(self, doc: dict, field_label: str):
		before = frappe.db.count(doc["doctype"])
		with self.assertRaises(frappe.LinkValidationError) as refused:
			frappe.get_doc(doc).insert()
		self.assertIn(field_label, str(refused.exception))
		self.assertIn(MISSING, str(refused.exception))
		self.assertEqual(frappe.db.count(doc["doctype"]), before)

	def test_every_app_document_with_a_fetched_link_is_covered(self):
		# the app's doctypes whose links Frappe would leave unchecked, read from their meta: each
		# one's controller must call the check (a new doctype with a fetch must not slip through)
		import inspect

		from frappe.modules import load_doctype_module

		covered = []
		for name in frappe.get_all(
			"DocType", filters={"module": ("in", MODULES), "istable": 0}, pluck="name"
		):
			meta = frappe.get_meta(name)
			metas = [meta] + [frappe.get_meta(t.options) for t in meta.get_table_fields()]
			if any(m.get_fields_to_fetch(df.fieldname) for m in metas for df in m.get_link_fields()):
				controller = inspect.getsource(load_doctype_module(name, meta.module))
				self.assertIn("check_fetched_links(self)", controller, name)
				covered.append(name)
		self.assertGreaterEqual(
			set(covered),
			{
				"Outsourcing Order",
				"Outsourcing Receipt",
				"Supplier Statement",
				"Order Return",
				"Order Intake",
			},
		)

	def test_supplier_statement_with_an_unknown_supplier(self):
		self.assert_refused(
			{
				"doctype": "Supplier Statement",
				"supplier": MISSING,
				"company": company(),
				"from_date": "2026-01-01",
				"to_date": "2026-01-31",
			},
			"Supplier",
		)

	def test_order_return_of_an_unknown_order(self):
		self.assert_refused({"doctype": "Order Return", "sales_order": MISSING}, "Sales Order")

	def test_outsourcing_receipt_of_an_unknown_order(self):
		self.assert_refused(
			{"doctype": "Outsourcing Receipt", "outsourcing_order": MISSING}, "Outsourcing Order"
		)

	def test_tracking_link_of_an_unknown_order(self):
		self.assert_refused({"doctype": "Order Tracking Link", "sales_order": MISSING}, "Sales Order")

	def test_an_unknown_item_on_a_row_names_the_row(self):
		doc = frappe.get_doc(
			{
				"doctype": "Order Return",
				"items": [{"item_code": "_Test Item", "qty": 1}, {"item_code": MISSING, "qty": 1}],
			}
		)
		with self.assertRaises(frappe.LinkValidationError) as refused:
			check_fetched_links(doc)
		self.assertIn("Row 2", str(refused.exception))
		self.assertIn(MISSING, str(refused.exception))

	def test_existing_links_pass_whatever_their_case(self):
		doc = frappe.get_doc({"doctype": "Order Return", "items": [{"item_code": "_test item", "qty": 1}]})
		check_fetched_links(doc)


MODULES = ["Order Tracking", "Order Planning", "Outsourcing", "Settlement", "Delivery", "Customer Portal"]


def company() -> str:
	return frappe.db.get_value("Company", {}, "name")

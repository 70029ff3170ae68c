"""Test set-up for the integration suite (`bench run-tests --app order_tracking`)."""

import frappe

try:  # v16
	from frappe.tests import IntegrationTestCase as FrappeTestCase
except ImportError:  # v15
	from frappe.tests.utils import FrappeTestCase

__all__ = ["FrappeTestCase", "before_tests"]


def before_tests():
	"""ERPNext's set-up (company, fiscal year, defaults), then this app's."""
	from erpnext.setup.utils import before_tests as erpnext_before_tests

	ensure_setup_wizard_records()
	erpnext_before_tests()
	settings = frappe.get_single("Order Tracking Settings")
	settings.update(
		{
			"pause_tracking": 0,
			"auto_convert": 1,
			"flag_cross_channel_duplicates": 1,
			"delivery_confirmation": "Delivery Note",
			"transit_days": 0,
			"review_required": 0,
			"create_review_from_intake": 1,
			"max_price_deviation": 10,
			"approval_amount": 0,
			"busy_utilisation": 90,
		}
	)
	settings.save()
	# Test set-up, like ERPNext's own before_tests
	frappe.db.commit()  # nosemgrep


def ensure_setup_wizard_records():
	"""The records Frappe's setup wizard installs at its end (genders, salutations …), which test
	records link to. ERPNext's before_tests runs the wizard only on a site without a Company, so a
	site whose company was made another way — or whose wizard was interrupted — lacks them."""
	if frappe.db.a_row_exists("Company") and not frappe.db.exists("Gender", "Female"):
		from frappe.desk.page.setup_wizard.install_fixtures import install

		install()


# --------------------------------------------------------------------------------------------
# Fixtures shared by the integration tests: built on ERPNext's _Test Company and its helpers.

COMPANY = "_Test Company"
STORES = "_Test Warehouse - _TC"
FG_WAREHOUSE = "_Test Warehouse 1 - _TC"
CUSTOMER = "_OT Customer"
OTHER_CUSTOMER = "_OT Other Customer"
PRICE_LIST = "_OT Selling"
SHOE = "_OT Shoe"  # made: BOM of leather and sole
LACE = "_OT Lace"  # bought in: no BOM
LEATHER = "_OT Leather"
SOLE = "_OT Sole"
CUSTOMER_SHOE_CODE = "CUST-SHOE-1"


def make_fixtures():
	"""Customers, items, BOM, prices and stock the tests share (idempotent)."""
	from erpnext.manufacturing.doctype.production_plan.test_production_plan import make_bom
	from erpnext.stock.doctype.item.test_item import make_item
	from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry

	if not frappe.db.exists("Price List", PRICE_LIST):
		frappe.get_doc(
			{
				"doctype": "Price List",
				"price_list_name": PRICE_LIST,
				"currency": "INR",
				"selling": 1,
				"enabled": 1,
			}
		).insert()
	for name in (CUSTOMER, OTHER_CUSTOMER):
		if not frappe.db.exists("Customer", name):
			frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": name,
					"customer_group": "_Test Customer Group",
					"territory": "_Test Territory",
					"default_currency": "INR",
					"default_price_list": PRICE_LIST,
				}
			).insert()

	for code in (LEATHER, SOLE):
		make_item(code, {"is_stock_item": 1, "valuation_rate": 10, "stock_uom": "Nos"})
	for code, rate in ((SHOE, 50), (LACE, 1)):
		item = make_item(
			code, {"is_stock_item": 1, "is_sales_item": 1, "stock_uom": "Nos", "valuation_rate": rate}
		)
		if not any(d.company == COMPANY and d.default_warehouse for d in item.item_defaults):
			item.set("item_defaults", [{"company": COMPANY, "default_warehouse": FG_WAREHOUSE}])
			item.save()
	shoe = frappe.get_doc("Item", SHOE)
	if not any(d.ref_code == CUSTOMER_SHOE_CODE for d in shoe.customer_items):
		shoe.append("customer_items", {"customer_name": CUSTOMER, "ref_code": CUSTOMER_SHOE_CODE})
		shoe.save()
	if not frappe.db.get_value("Item", SHOE, "default_bom"):
		make_bom(item=SHOE, raw_materials=[LEATHER, SOLE], currency="INR", company=COMPANY)

	for item_code, rate in ((SHOE, 100), (LACE, 5)):
		if not frappe.db.exists("Item Price", {"item_code": item_code, "price_list": PRICE_LIST}):
			frappe.get_doc(
				{
					"doctype": "Item Price",
					"item_code": item_code,
					"price_list": PRICE_LIST,
					"price_list_rate": rate,
				}
			).insert()

	for item_code, qty in ((LEATHER, 10000), (SOLE, 10000), (LACE, 10000)):
		if (
			frappe.db.get_value("Bin", {"item_code": item_code, "warehouse": STORES}, "actual_qty") or 0
		) < 1000:
			make_stock_entry(item_code=item_code, target=STORES, qty=qty, basic_rate=10, company=COMPANY)
	frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 1)


def make_order(items=None, submit=True, customer=CUSTOMER, **kwargs):
	"""A Sales Order through ERPNext's own test helper."""
	from erpnext.selling.doctype.sales_order.test_sales_order import make_sales_order

	items = items or [{"item_code": SHOE, "qty": 10, "rate": 100}]
	item_list = [
		{"warehouse": FG_WAREHOUSE, "delivery_date": frappe.utils.add_days(None, 10), **i} for i in items
	]
	return make_sales_order(
		customer=customer,
		company=COMPANY,
		currency="INR",
		selling_price_list=PRICE_LIST,
		item_list=item_list,
		do_not_submit=not submit,
		**kwargs,
	)


def make_work_order(so, qty=None, item_code=SHOE):
	from erpnext.manufacturing.doctype.work_order.test_work_order import make_wo_order_test_record

	row = next(i for i in so.items if i.item_code == item_code)
	return make_wo_order_test_record(
		production_item=item_code,
		qty=qty or row.stock_qty,
		sales_order=so.name,
		wip_warehouse=STORES,
		fg_warehouse=FG_WAREHOUSE,
		source_warehouse=STORES,
		stock_uom="Nos",
		company=COMPANY,
	)


def work_order_entry(work_order, purpose, qty):
	from erpnext.manufacturing.doctype.work_order.work_order import make_stock_entry

	se = frappe.get_doc(make_stock_entry(work_order.name, purpose, qty))
	se.insert()
	se.submit()
	return se


def tracker(sales_order):
	return frappe.get_doc("Order Tracker", sales_order)


def events(sales_order, **filters):
	return frappe.get_all(
		"Order Event",
		filters={"sales_order": sales_order, **filters},
		fields=[
			"name",
			"stage",
			"event",
			"reference_doctype",
			"reference_name",
			"qty",
			"amount",
			"is_cancellation",
			"source",
		],
		order_by="occurred_at asc, name asc",
	)


def set_settings(**values):
	settings = frappe.get_single("Order Tracking Settings")
	settings.update(values)
	settings.save()


def make_user(email, roles=(), **values):
	"""A test user with these roles (created once)."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				**values,
			}
		).insert()
	if roles:
		frappe.get_doc("User", email).add_roles(*roles)
	return email

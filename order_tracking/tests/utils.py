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
	leave_unmade_test_records()
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


# Frappe makes ERPNext's test records for every doctype a tested doctype links to, and on.
# The app's links to Issue (complaints: Issue -> Delivery Note) and Quality Inspection (the
# tracker) lead into ERPNext's accounting chain, which ends at Payment Gateway, a doctype of the
# payments app this bench does not have ("DocType Payment Gateway not found"). The app's tests
# make their own Issues and inspections, so those records are left unmade, as `test_ignore` does
# for a doctype's direct links.
UNMADE_TEST_RECORDS = ("Issue", "Quality Inspection", "Payment Gateway")


def leave_unmade_test_records():
	for doctype in UNMADE_TEST_RECORDS:
		frappe.local.test_objects.setdefault(doctype, [])


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
		make_customer(name, default_currency="INR", default_price_list=PRICE_LIST)

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


def make_portal_user(email, customer, password=None):
	"""A website user listed in the customer's Portal Users (ERPNext 15's portal rule)."""
	from frappe.utils.password import update_password

	make_user(email, ["Customer"], user_type="Website User", enabled=1)
	if password:
		update_password(email, password)
	customer_doc = frappe.get_doc("Customer", customer)
	if not any(p.user == email for p in customer_doc.get("portal_users", [])):
		customer_doc.append("portal_users", {"user": email})
		customer_doc.save()
	return email


# --------------------------------------------------------------------------------------------
# Planning fixtures: two workstations with calendars, a boot made of an upper (a sub-assembly
# with its own routing), items without routing or whose workstation has no hours, a material
# with no stock.

SHOP_HOLIDAYS = "_OT Shop Holidays"
CUTTING_TABLE = "_OT Cutting Table"  # one unit
SEWING_LINE = "_OT Sewing Line"  # two units
IDLE_PRESS = "_OT Idle Press"  # no working hours
CUTTING, SEWING, PRESSING = "_OT Cutting", "_OT Sewing", "_OT Pressing"
BOOT = "_OT Boot"  # Sewing 60 min, made of UPPER and SOLE
UPPER = "_OT Upper"  # Cutting 30 min, made of LEATHER
SLIPPER = "_OT Slipper"  # BOM without operations
PRESSED_SHOE = "_OT Pressed Shoe"  # its operation's workstation has no working hours
BUCKLED_BOOT = "_OT Buckled Boot"  # Sewing 60 min, needs 2 BUCKLE (never in stock)
BUCKLE = "_OT Buckle"
WIP_WAREHOUSE = "Work In Progress - _TC"


def make_planning_fixtures():
	from frappe.utils import add_days, getdate, nowdate

	from erpnext.stock.doctype.item.test_item import make_item

	make_fixtures()
	if not frappe.db.exists("Holiday List", SHOP_HOLIDAYS):
		hl = frappe.new_doc("Holiday List")
		hl.update(
			{
				"holiday_list_name": SHOP_HOLIDAYS,
				"from_date": add_days(nowdate(), -60),
				"to_date": add_days(nowdate(), 500),
				"weekly_off": "Sunday",
			}
		)
		hl.get_weekly_off_dates()
		hl.insert()
	elif getdate(frappe.db.get_value("Holiday List", SHOP_HOLIDAYS, "to_date")) < getdate(
		add_days(nowdate(), 200)
	):
		hl = frappe.get_doc("Holiday List", SHOP_HOLIDAYS)
		hl.to_date = add_days(nowdate(), 500)
		hl.weekly_off = "Sunday"
		hl.get_weekly_off_dates()
		hl.save()
	for name, units, hours in (
		(CUTTING_TABLE, 1, (("08:00:00", "12:00:00"), ("13:00:00", "17:00:00"))),
		(SEWING_LINE, 2, (("08:00:00", "12:00:00"), ("13:00:00", "17:00:00"))),
		(IDLE_PRESS, 1, ()),
	):
		if not frappe.db.exists("Workstation", name):
			ws = frappe.get_doc(
				{
					"doctype": "Workstation",
					"workstation_name": name,
					"production_capacity": units,
					"holiday_list": SHOP_HOLIDAYS,
					"hour_rate_labour": 30,
				}
			)
			for start, end in hours:
				ws.append("working_hours", {"start_time": start, "end_time": end, "enabled": 1})
			ws.insert()
	for operation, workstation in ((CUTTING, CUTTING_TABLE), (SEWING, SEWING_LINE), (PRESSING, IDLE_PRESS)):
		if not frappe.db.exists("Operation", operation):
			frappe.get_doc({"doctype": "Operation", "name": operation, "workstation": workstation}).insert()
	make_item(BUCKLE, {"is_stock_item": 1, "valuation_rate": 1, "stock_uom": "Nos", "is_purchase_item": 1})
	for code, sales in ((UPPER, 0), (BOOT, 1), (SLIPPER, 1), (PRESSED_SHOE, 1), (BUCKLED_BOOT, 1)):
		item = make_item(
			code, {"is_stock_item": 1, "is_sales_item": sales, "stock_uom": "Nos", "valuation_rate": 20}
		)
		if not any(d.company == COMPANY and d.default_warehouse for d in item.item_defaults):
			item.set("item_defaults", [{"company": COMPANY, "default_warehouse": FG_WAREHOUSE}])
			item.save()
	_routed_bom(UPPER, [(LEATHER, 1)], [(CUTTING, CUTTING_TABLE, 30)])
	_routed_bom(BOOT, [(UPPER, 1), (SOLE, 1)], [(SEWING, SEWING_LINE, 60)])
	_routed_bom(SLIPPER, [(LEATHER, 1)], [])
	_routed_bom(PRESSED_SHOE, [(LEATHER, 1)], [(PRESSING, IDLE_PRESS, 10)])
	_routed_bom(BUCKLED_BOOT, [(LEATHER, 1), (BUCKLE, 2)], [(SEWING, SEWING_LINE, 60)])
	for code in (BOOT, SLIPPER, PRESSED_SHOE, BUCKLED_BOOT):
		if not frappe.db.exists("Item Price", {"item_code": code, "price_list": PRICE_LIST}):
			frappe.get_doc(
				{"doctype": "Item Price", "item_code": code, "price_list": PRICE_LIST, "price_list_rate": 100}
			).insert()


def _routed_bom(item_code, materials, operations):
	if frappe.db.get_value("Item", item_code, "default_bom"):
		return
	bom = frappe.get_doc(
		{
			"doctype": "BOM",
			"item": item_code,
			"company": COMPANY,
			"quantity": 1,
			"is_active": 1,
			"is_default": 1,
			"currency": "INR",
			"with_operations": 1 if operations else 0,
			"rm_cost_as_per": "Valuation Rate",
		}
	)
	for material, qty in materials:
		row = {"item_code": material, "qty": qty}
		sub_bom = frappe.db.get_value("Item", material, "default_bom")
		if sub_bom:
			row["bom_no"] = sub_bom
		bom.append("items", row)
	for operation, workstation, minutes in operations:
		bom.append(
			"operations", {"operation": operation, "workstation": workstation, "time_in_mins": minutes}
		)
	bom.insert()
	bom.submit()


def make_plan(period_type="Week", submit=False, **values):
	"""An Order Plan of _Test Company from today, its lines fetched and scheduled."""
	from frappe.utils import nowdate

	plan = frappe.get_doc(
		{
			"doctype": "Order Plan",
			"company": COMPANY,
			"period_type": period_type,
			"from_date": nowdate(),
			"weeks": 2 if period_type == "Week" else 0,
			**values,
		}
	)
	plan.get_orders()
	plan.insert()
	if submit:
		plan.submit()
	return plan


# --------------------------------------------------------------------------------------------
# Outsourcing fixtures: a partner factory with a contact, its warehouse and a rejected-goods
# warehouse, service items, and an upper stitched on the sewing line (cut first).

PARTNER = "_OT Partner Factory"
PARTNER_EMAIL = "orders@partner-factory.example.com"
PARTNER_WAREHOUSE = "_OT Partner Stock - _TC"
REJECTED_WAREHOUSE = "_OT Rejected - _TC"
STITCHING_SERVICE = "_OT Stitching Service"
MAKING_SERVICE = "_OT Making Service"
STITCHED_UPPER = "_OT Stitched Upper"  # Cutting 10 min, Sewing 20 min, made of LEATHER


def make_outsourcing_fixtures():
	from erpnext.stock.doctype.item.test_item import make_item

	make_planning_fixtures()
	if not frappe.db.exists("Supplier", PARTNER):
		frappe.get_doc(
			{
				"doctype": "Supplier",
				"supplier_name": PARTNER,
				"supplier_group": "All Supplier Groups",
				"supplier_type": "Company",
			}
		).insert()
	if not frappe.db.exists("Contact", {"email_id": PARTNER_EMAIL}):
		contact = frappe.get_doc(
			{"doctype": "Contact", "first_name": "Partner Orders", "is_primary_contact": 1}
		)
		contact.append("email_ids", {"email_id": PARTNER_EMAIL, "is_primary": 1})
		contact.append("links", {"link_doctype": "Supplier", "link_name": PARTNER})
		contact.insert()
	for name in (PARTNER_WAREHOUSE, REJECTED_WAREHOUSE):
		if not frappe.db.exists("Warehouse", name):
			frappe.get_doc(
				{
					"doctype": "Warehouse",
					"warehouse_name": name.rsplit(" - ", 1)[0],
					"company": COMPANY,
					"parent_warehouse": "All Warehouses - _TC",
				}
			).insert()
	for code in (STITCHING_SERVICE, MAKING_SERVICE):
		make_item(code, {"is_stock_item": 0, "is_purchase_item": 1, "stock_uom": "Nos"})
	frappe.db.set_value("Operation", SEWING, "outsourcing_service_item", STITCHING_SERVICE)
	for code in (LEATHER, SOLE):
		item = frappe.get_doc("Item", code)
		if not any(d.company == COMPANY and d.default_warehouse for d in item.item_defaults):
			item.set("item_defaults", [{"company": COMPANY, "default_warehouse": STORES}])
			item.save()
	item = make_item(
		STITCHED_UPPER, {"is_stock_item": 1, "is_sales_item": 1, "stock_uom": "Nos", "valuation_rate": 15}
	)
	if not any(d.company == COMPANY and d.default_warehouse for d in item.item_defaults):
		item.set("item_defaults", [{"company": COMPANY, "default_warehouse": FG_WAREHOUSE}])
		item.save()
	_routed_bom(STITCHED_UPPER, [(LEATHER, 1)], [(CUTTING, CUTTING_TABLE, 10), (SEWING, SEWING_LINE, 20)])
	if not frappe.db.exists("Item Price", {"item_code": STITCHED_UPPER, "price_list": PRICE_LIST}):
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": STITCHED_UPPER,
				"price_list": PRICE_LIST,
				"price_list_rate": 40,
			}
		).insert()
	set_settings(
		outsourcing_service_item=MAKING_SERVICE,
		outsourcing_supplier_warehouse=PARTNER_WAREHOUSE,
		outsourcing_rejected_warehouse=REJECTED_WAREHOUSE,
		remind_late_returns=1,
	)


def stock_qty(item_code, warehouse):
	return frappe.db.get_value("Bin", {"item_code": item_code, "warehouse": warehouse}, "actual_qty") or 0.0


def approve(doc):
	"""Through the Outsourcing Approval workflow, as an Outsourcing Manager would."""
	from frappe.model.workflow import apply_workflow

	return apply_workflow(doc, "Approve")


def make_customer(name: str, **values) -> str:
	"""A customer of the test company's groups, made once."""
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_group": "_Test Customer Group",
				"territory": "_Test Territory",
				**values,
			}
		).insert()
	return name


def deliver(so, qtys=None):
	"""A Delivery Note of the whole order, or of `qtys` per line (a 0 leaves the line out)."""
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

	dn = make_delivery_note(so.name)
	if qtys is not None:
		dn.items = [row for row, qty in zip(dn.items, qtys, strict=True) if qty]
		for row, qty in zip(dn.items, [q for q in qtys if q], strict=True):
			row.qty = qty
	dn.insert()
	dn.submit()
	return dn


def invoice(so):
	"""A Sales Invoice of what the order has not billed yet, submitted."""
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

	si = make_sales_invoice(so.name)
	si.insert()
	si.submit()
	return si

"""A small demo data set: a shoe factory (the seeds' example) with customers, items with BOMs
and operations, workstations, and a few orders at different stages. Idempotent: running it
again adds nothing that is already there.

`bench --site ot.localhost order-tracking-demo`
"""

from __future__ import annotations

import frappe
from frappe.utils import add_days, getdate, now_datetime, nowdate

COMPANY = "Sunrise Footwear"
ABBR = "SF"
HOLIDAY_LIST = "Sunrise Footwear Holidays"
PRICE_LIST = "Sunrise Footwear Selling"
CURRENCY = "CNY"
CUSTOMERS = {
	"Harbour Shoes Ltd": {"customer_group": "Commercial", "territory": "All Territories"},
	"Mountain Outfitters": {"customer_group": "Commercial", "territory": "All Territories"},
}
WORKSTATIONS = {  # name: hourly rate
	"Cutting Table": 40,
	"Stitching Line": 55,
	"Lasting Machine": 60,
	"Sole Press": 50,
	"Finishing Bench": 35,
}
OPERATIONS = {  # operation: workstation
	"Cutting": "Cutting Table",
	"Stitching": "Stitching Line",
	"Lasting": "Lasting Machine",
	"Sole Attaching": "Sole Press",
	"Finishing": "Finishing Bench",
}
RAW_MATERIALS = {  # item: (uom, valuation rate)
	"Leather Hide": ("Square Meter", 30.0),
	"Lining Fabric": ("Nos", 4.0),
	"Waxed Thread": ("Meter", 0.05),
	"Rubber Outsole": ("Nos", 6.0),
	"Foam Insole": ("Nos", 2.0),
	"Cotton Laces": ("Nos", 0.3),
}
# item: (rate, raw materials {item: qty}, operations [(operation, minutes)], customer item codes)
PRODUCTS = {
	"Oxford Upper": (
		0,
		{"Leather Hide": 0.5, "Lining Fabric": 1, "Waxed Thread": 2},
		[("Cutting", 6), ("Stitching", 12)],
		{},
	),
	"Classic Oxford": (
		120.0,
		{"Oxford Upper": 1, "Rubber Outsole": 1, "Foam Insole": 1, "Cotton Laces": 1},
		[("Lasting", 10), ("Sole Attaching", 8), ("Finishing", 5)],
		{"Harbour Shoes Ltd": "HS-OX-01"},
	),
	"Trail Runner": (
		95.0,
		{"Leather Hide": 0.3, "Lining Fabric": 1, "Rubber Outsole": 1, "Foam Insole": 1, "Cotton Laces": 1},
		[("Cutting", 5), ("Stitching", 10), ("Sole Attaching", 8), ("Finishing", 4)],
		{"Mountain Outfitters": "MO-TR"},
	),
}


def load_demo() -> list[str]:
	company = ensure_company()
	ensure_holiday_list(company)
	ensure_workstations()
	ensure_customers()
	ensure_items(company)
	ensure_stock(company)
	orders = ensure_orders(company)
	return [f"Demo company: {company}", *(f"{label}: {name}" for label, name in orders)]


# ------------------------------------------------------------------ masters


def ensure_company() -> str:
	if frappe.db.exists("Company", COMPANY):
		return COMPANY
	if not frappe.db.a_row_exists("Company"):
		from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

		year = getdate().year
		setup_complete(
			{
				"currency": CURRENCY,
				"full_name": "Demo Admin",
				"company_name": COMPANY,
				"timezone": "Asia/Shanghai",
				"company_abbr": ABBR,
				"industry": "Manufacturing",
				"country": "China",
				"fy_start_date": f"{year}-01-01",
				"fy_end_date": f"{year}-12-31",
				"language": "english",
				"company_tagline": "Shoes made to order",
				"email": "demo@example.com",
				"password": "demo",
				"chart_of_accounts": "Standard",
			}
		)
	else:
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": COMPANY,
				"abbr": ABBR,
				"default_currency": CURRENCY,
				"country": "China",
				"chart_of_accounts": "Standard",
			}
		).insert()
	ensure_fiscal_year()
	return COMPANY


def ensure_fiscal_year():
	from erpnext.accounts.utils import get_fiscal_year

	for date in (nowdate(), add_days(nowdate(), 120)):
		try:
			get_fiscal_year(date, company=COMPANY)
		except Exception:
			year = getdate(date).year
			fy = frappe.get_doc(
				{
					"doctype": "Fiscal Year",
					"year": f"{year} (Demo)",
					"year_start_date": f"{year}-01-01",
					"year_end_date": f"{year}-12-31",
				}
			)
			fy.append("companies", {"company": COMPANY})
			fy.insert(ignore_if_duplicate=True)


def ensure_holiday_list(company: str):
	if not frappe.db.exists("Holiday List", HOLIDAY_LIST):
		year = getdate().year
		hl = frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": HOLIDAY_LIST,
				"from_date": f"{year}-01-01",
				"to_date": f"{year + 1}-12-31",
				"weekly_off": "Sunday",
			}
		)
		hl.get_weekly_off_dates()
		hl.insert()
	frappe.db.set_value("Company", company, "default_holiday_list", HOLIDAY_LIST)


def ensure_workstations():
	for name, rate in WORKSTATIONS.items():
		if not frappe.db.exists("Workstation", name):
			ws = frappe.get_doc(
				{
					"doctype": "Workstation",
					"workstation_name": name,
					"hour_rate_labour": rate,
					"holiday_list": HOLIDAY_LIST,
					"production_capacity": 1,
				}
			)
			ws.append("working_hours", {"start_time": "08:00:00", "end_time": "12:00:00", "enabled": 1})
			ws.append("working_hours", {"start_time": "13:00:00", "end_time": "17:00:00", "enabled": 1})
			ws.insert()
	for operation, workstation in OPERATIONS.items():
		if not frappe.db.exists("Operation", operation):
			frappe.get_doc({"doctype": "Operation", "name": operation, "workstation": workstation}).insert()


def _warehouse(kind: str) -> str:
	return f"{kind} - {ABBR}"


def ensure_items(company: str):
	for item_code, (uom, rate) in RAW_MATERIALS.items():
		_make_item(
			item_code, "Raw Material", uom, is_purchase=1, is_sales=0, valuation_rate=rate, company=company
		)
		_item_price(item_code, "Standard Buying", rate)
	for item_code, (rate, materials, operations, customer_codes) in PRODUCTS.items():
		item = _make_item(
			item_code,
			"Products" if rate else "Sub Assemblies",
			"Nos",
			is_purchase=0,
			is_sales=1 if rate else 0,
			company=company,
		)
		for customer, code in customer_codes.items():
			if not any(d.ref_code == code for d in item.customer_items):
				item.append("customer_items", {"customer_name": customer, "ref_code": code})
				item.save()
		if rate:
			_item_price(item_code, PRICE_LIST, rate)
		if not frappe.db.get_value("Item", item_code, "default_bom"):
			_make_bom(item_code, materials, operations, company)


def _make_item(item_code, group, uom, is_purchase, is_sales, company, valuation_rate=0):
	if frappe.db.exists("Item", item_code):
		return frappe.get_doc("Item", item_code)
	if not frappe.db.exists("Item Group", group):
		frappe.get_doc(
			{"doctype": "Item Group", "item_group_name": group, "parent_item_group": "All Item Groups"}
		).insert()
	return frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": item_code,
			"item_name": item_code,
			"item_group": group,
			"stock_uom": uom,
			"is_stock_item": 1,
			"include_item_in_manufacturing": 1,
			"is_purchase_item": is_purchase,
			"is_sales_item": is_sales,
			"valuation_rate": valuation_rate,
			"item_defaults": [{"company": company, "default_warehouse": _warehouse("Stores")}],
		}
	).insert()


def _item_price(item_code, price_list, rate):
	if not frappe.db.exists("Item Price", {"item_code": item_code, "price_list": price_list}):
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": item_code,
				"price_list": price_list,
				"price_list_rate": rate,
			}
		).insert()


def _make_bom(item_code, materials, operations, company):
	bom = frappe.get_doc(
		{
			"doctype": "BOM",
			"item": item_code,
			"company": company,
			"quantity": 1,
			"is_active": 1,
			"is_default": 1,
			"currency": frappe.get_cached_value("Company", company, "default_currency"),
			"with_operations": 1,
			"rm_cost_as_per": "Valuation Rate",
		}
	)
	for material, qty in materials.items():
		bom.append("items", {"item_code": material, "qty": qty})
	for operation, minutes in operations:
		bom.append(
			"operations",
			{"operation": operation, "workstation": OPERATIONS[operation], "time_in_mins": minutes},
		)
	bom.insert()
	bom.submit()


def ensure_customers():
	if not frappe.db.exists("Price List", PRICE_LIST):
		frappe.get_doc(
			{
				"doctype": "Price List",
				"price_list_name": PRICE_LIST,
				"currency": CURRENCY,
				"selling": 1,
				"enabled": 1,
			}
		).insert()
	for name, values in CUSTOMERS.items():
		if not frappe.db.exists("Customer", name):
			if not frappe.db.exists("Customer Group", values["customer_group"]):
				values = {**values, "customer_group": "All Customer Groups"}
			frappe.get_doc(
				{"doctype": "Customer", "customer_name": name, "customer_type": "Company", **values}
			).insert()
		frappe.db.set_value(
			"Customer", name, {"default_currency": CURRENCY, "default_price_list": PRICE_LIST}
		)


def ensure_stock(company: str):
	"""Raw materials for a few hundred pairs, once."""
	if frappe.db.exists("Stock Entry", {"remarks": "Order Tracking demo opening stock", "docstatus": 1}):
		return
	se = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": company,
			"remarks": "Order Tracking demo opening stock",
			"to_warehouse": _warehouse("Stores"),
		}
	)
	for item_code, (_uom, rate) in RAW_MATERIALS.items():
		se.append(
			"items",
			{"item_code": item_code, "qty": 1000, "basic_rate": rate, "t_warehouse": _warehouse("Stores")},
		)
	se.insert()
	se.submit()


# ------------------------------------------------------------------ orders at several stages


def ensure_orders(company: str) -> list[tuple[str, str]]:
	from order_tracking.api.intake import submit_order

	orders = []
	delivery = add_days(nowdate(), 21)

	received = submit_order(
		channel="API",
		external_ref="DEMO-HS-1001",
		customer="Harbour Shoes Ltd",
		delivery_date=delivery,
		company=company,
		items=[{"customer_item_code": "HS-OX-01", "qty": 120}],
	)
	_expect_converted(received)
	orders.append(("Received (draft from the API)", received["sales_order"]))

	rejected = submit_order(
		channel="E-mail",
		external_ref="DEMO-MAIL-7",
		customer="Mountain Outfitters",
		delivery_date=delivery,
		company=company,
		items=[{"item_code": "Trail Runner", "qty": 40}, {"item_code": "Hiking Boot", "qty": 10}],
	)
	frappe.local.response.pop("http_status_code", None)
	orders.append(("Rejected intake (unknown item)", rejected["intake"]))

	approved = _submitted_order(company, "DEMO-MO-2001", "Mountain Outfitters", "Trail Runner", 60, delivery)
	orders.append(("Approved", approved.name))

	planned = _submitted_order(
		company, "DEMO-HS-1002", "Harbour Shoes Ltd", "Classic Oxford", 80, add_days(nowdate(), 14)
	)
	_work_order(planned, company)
	orders.append(("Planned", planned.name))

	in_production = _submitted_order(
		company, "DEMO-HS-1003", "Harbour Shoes Ltd", "Trail Runner", 30, add_days(nowdate(), 7)
	)
	wo = _work_order(in_production, company)
	_stock_entry(wo, "Material Transfer for Manufacture", 30)
	orders.append(("In Production", in_production.name))

	paid = _submitted_order(
		company, "DEMO-MO-2002", "Mountain Outfitters", "Trail Runner", 10, add_days(nowdate(), 3)
	)
	if paid.per_delivered < 100:
		wo = _work_order(paid, company)
		_stock_entry(wo, "Material Transfer for Manufacture", 10)
		_complete_job_cards(wo)
		_stock_entry(wo, "Manufacture", 10)
		_deliver_bill_and_collect(paid)
	orders.append(("Paid", paid.name))
	return orders


def _submitted_order(company, external_ref, customer, item_code, qty, delivery_date):
	from order_tracking.api.intake import submit_order

	answer = submit_order(
		channel="Desk",
		external_ref=external_ref,
		customer=customer,
		delivery_date=str(delivery_date),
		company=company,
		items=[{"item_code": item_code, "qty": qty}],
	)
	_expect_converted(answer)
	so = frappe.get_doc("Sales Order", answer["sales_order"])
	if so.docstatus == 0:
		for item in so.items:
			item.warehouse = _warehouse("Finished Goods")
		so.save()
		so.submit()
	return so


def _expect_converted(answer):
	if not answer.get("sales_order"):
		raise frappe.ValidationError(f"demo intake {answer['intake']} was not converted: {answer['errors']}")


def _work_order(so, company):
	existing = frappe.db.get_value("Work Order", {"sales_order": so.name, "docstatus": 1}, "name")
	if existing:
		return frappe.get_doc("Work Order", existing)
	item = so.items[0]
	wo = frappe.get_doc(
		{
			"doctype": "Work Order",
			"production_item": item.item_code,
			"bom_no": frappe.db.get_value("Item", item.item_code, "default_bom"),
			"qty": item.stock_qty,
			"company": company,
			"sales_order": so.name,
			"sales_order_item": item.name,
			"wip_warehouse": _warehouse("Work In Progress"),
			"fg_warehouse": _warehouse("Finished Goods"),
			"source_warehouse": _warehouse("Stores"),
			"planned_start_date": now_datetime(),
			"use_multi_level_bom": 1,
		}
	)
	wo.get_items_and_operations_from_bom()
	wo.insert()
	wo.submit()
	return wo


def _stock_entry(wo, purpose, qty):
	from erpnext.manufacturing.doctype.work_order.work_order import make_stock_entry

	wo.reload()
	done = wo.produced_qty if purpose == "Manufacture" else wo.material_transferred_for_manufacturing
	if done >= qty:
		return None

	se = frappe.get_doc(make_stock_entry(wo.name, purpose, qty))
	se.insert()
	se.submit()
	return se


def _complete_job_cards(wo):
	start = now_datetime()
	for name in frappe.get_all(
		"Job Card",
		filters={"work_order": wo.name, "docstatus": 0},
		order_by="sequence_id asc, creation asc",
		pluck="name",
	):
		jc = frappe.get_doc("Job Card", name)
		jc.append(
			"time_logs",
			{
				"from_time": start,
				"to_time": frappe.utils.add_to_date(start, minutes=30),
				"completed_qty": jc.for_quantity,
			},
		)
		jc.save()
		jc.submit()


def _deliver_bill_and_collect(so):
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note, make_sales_invoice

	dn = make_delivery_note(so.name)
	dn.insert()
	dn.submit()
	si = make_sales_invoice(so.name)
	si.insert()
	si.submit()
	pe = get_payment_entry("Sales Invoice", si.name)
	pe.reference_no = f"DEMO-{si.name}"
	pe.reference_date = nowdate()
	pe.insert()
	pe.submit()

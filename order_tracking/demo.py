"""A small demo data set: a shoe factory (the seeds' example) with customers, items with BOMs
and operations, workstations with working hours, and orders at several stages.

`bench --site ot.localhost order-tracking-demo`

The demo is a list of steps, each committed on its own and each safe to run again: a second run
adds nothing, a run after a failure picks up at the step that failed, and a run after the test
suite (ERPNext's test set-up deletes every Item Price) puts back what the tests removed.

Dates follow the calendar of the day it runs: the paid order was made over past working days —
materials issued, each operation logged on its workstation after the one before it, within the
workstation's working hours and never on a holiday — then delivered, invoiced and paid; the
other orders are current.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import add_days, getdate, nowdate

COMPANY = "Sunrise Footwear"
ABBR = "SF"
HOLIDAY_LIST = "Sunrise Footwear Holidays"
PRICE_LIST = "Sunrise Footwear Selling"
CURRENCY = "CNY"
OPENING_STOCK_REMARK = "Order Tracking demo opening stock"
HISTORY_DAYS = 60  # how far back the demo's history reaches (opening stock)
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
WORKING_HOURS = (("08:00:00", "12:00:00"), ("13:00:00", "17:00:00"))
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

# The orders, by the reference their channel sent, and the stage each one shows once loaded.
PAID = "DEMO-MO-2002"
IN_PRODUCTION = "DEMO-HS-1003"
PLANNED = "DEMO-HS-1002"
APPROVED = "DEMO-MO-2001"
UNDER_REVIEW = "DEMO-HS-1001"
REJECTED = "DEMO-MAIL-7"
EXPECTED_STAGES = {
	UNDER_REVIEW: "Under Review",
	APPROVED: "Approved",
	PLANNED: "Planned",
	IN_PRODUCTION: "In Production",
	PAID: "Paid",
}


@dataclass(frozen=True)
class Step:
	label: str
	run: Callable[[], str]


class DemoFailureInjected(Exception):
	pass


class DemoIncomplete(Exception):
	"""A step failed: what was done stays (each step is committed), the failed step left nothing."""

	def __init__(self, done: list[str], failed: str, remaining: list[str], error: BaseException):
		self.done, self.failed, self.remaining, self.error = done, failed, remaining, error
		super().__init__(f"{failed}: {error}")


def demo_steps() -> list[Step]:
	# the later stages of an order's life, one file per theme (they import this module's helpers)
	from order_tracking import demo_delivery, demo_outsourcing
	from order_tracking import demo_order_steps as order_steps

	return [
		Step("Company, fiscal years and ERPNext set-up", ensure_company),
		Step("Holiday list", ensure_holiday_list),
		Step("Workstations and operations", ensure_workstations),
		Step("Customers and price list", ensure_customers),
		Step("Items, BOMs and prices", ensure_items),
		Step("Opening stock", ensure_stock),
		Step("Paid order (made, delivered, invoiced, paid)", order_steps.ensure_paid_order),
		Step("Order in production", order_steps.ensure_order_in_production),
		Step("Planned order (week plan)", order_steps.ensure_planned_order),
		Step("Approved order", order_steps.ensure_approved_order),
		Step("Supplier, service items and Subcontracting BOMs", demo_outsourcing.ensure_outsourcing_masters),
		Step("Operation out at a supplier", demo_outsourcing.ensure_operation_out),
		Step("Semi-finished order returned with a reject", demo_outsourcing.ensure_semi_finished_returned),
		Step("Supplier statement and its purchase invoice", demo_outsourcing.ensure_supplier_statement),
		Step("Carrier, parcel and addresses", demo_delivery.ensure_carrier),
		Step("Shipped orders with carrier events", demo_delivery.ensure_shipped_orders),
		Step("Open order exception (the app's scan)", demo_delivery.ensure_open_exception),
		Step("Order return of a delivered order", demo_delivery.ensure_order_return),
		# after every order with work left: the schedule plans all of it
		Step("Today's schedule", order_steps.ensure_daily_schedule),
		Step("Order under review (API intake)", order_steps.ensure_order_under_review),
		Step("Rejected intake (e-mail)", order_steps.ensure_rejected_intake),
	]


def load_demo(report: Callable[[str], None] | None = None) -> list[str]:
	"""Run every step, committing after each. Raises `DemoIncomplete` naming what was done, the
	step that failed (rolled back) and what is left; running again completes it."""
	report = report or (lambda line: None)
	steps = demo_steps()
	# CI proves that a failed step leaves nothing behind and that a re-run completes the demo
	fail_at = os.environ.get("OT_DEMO_FAIL_AT")
	done: list[str] = []
	lines: list[str] = []
	for i, step in enumerate(steps):
		try:
			result = step.run()
			if fail_at and step.label.startswith(fail_at):
				raise DemoFailureInjected(_("failure injected after the step's work (OT_DEMO_FAIL_AT)"))
		except Exception as e:
			frappe.db.rollback()
			raise DemoIncomplete(done, step.label, [s.label for s in steps[i + 1 :]], e) from e
		# each step is a unit of its own: a later failure must not take it back
		frappe.db.commit()  # nosemgrep
		line = f"[{i + 1}/{len(steps)}] {step.label}: {result}"
		done.append(step.label)
		lines.append(line)
		report(line)
	return lines


def demo_orders() -> dict[str, str]:
	"""Sales Order of each demo reference that has one."""
	return dict(
		frappe.get_all(
			"Order Intake",
			filters={"external_ref": ("in", list(EXPECTED_STAGES)), "sales_order": ("is", "set")},
			fields=["external_ref", "sales_order"],
			as_list=True,
		)
	)


# ------------------------------------------------------------------ masters


def ensure_company() -> str:
	if not frappe.db.exists("Company", COMPANY):
		if not frappe.db.a_row_exists("Company"):
			_run_setup_wizard()
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
	years = ensure_fiscal_years()
	return f"{COMPANY}; fiscal years {', '.join(years)}"


def _run_setup_wizard():
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


def ensure_fiscal_years() -> list[str]:
	"""A fiscal year of the company for every date the demo posts on (its history and the next months)."""
	from erpnext.accounts.utils import FiscalYearError, get_fiscal_year

	names = []
	for date in (add_days(nowdate(), -HISTORY_DAYS - 10), nowdate(), add_days(nowdate(), 120)):
		try:
			names.append(get_fiscal_year(date, company=COMPANY)[0])
			continue
		except FiscalYearError:
			pass
		year = getdate(date).year
		name = frappe.db.get_value(
			"Fiscal Year", {"year_start_date": f"{year}-01-01", "year_end_date": f"{year}-12-31"}
		)
		if name:
			fy = frappe.get_doc("Fiscal Year", name)
		else:
			fy = frappe.new_doc("Fiscal Year")
			fy.year = str(year) if not frappe.db.exists("Fiscal Year", str(year)) else f"{year} (Demo)"
			fy.year_start_date, fy.year_end_date = f"{year}-01-01", f"{year}-12-31"
		if fy.companies and not any(c.company == COMPANY for c in fy.companies):
			fy.append("companies", {"company": COMPANY})
		fy.save()
		names.append(fy.name)
	return sorted(set(names))


def ensure_holiday_list() -> str:
	"""Sundays off, from before the demo's history to well after its due dates."""
	start = getdate(add_days(nowdate(), -HISTORY_DAYS - 10))
	end = getdate(add_days(nowdate(), 400))
	exists = frappe.db.exists("Holiday List", HOLIDAY_LIST)
	if exists:
		hl = frappe.get_doc("Holiday List", HOLIDAY_LIST)
	else:
		hl = frappe.new_doc("Holiday List")
		hl.holiday_list_name = HOLIDAY_LIST
	from_date, to_date = getdate(hl.from_date or start), getdate(hl.to_date or end)
	if not exists or start < from_date or end > to_date:
		hl.from_date, hl.to_date = min(start, from_date), max(end, to_date)
		hl.weekly_off = "Sunday"
		hl.get_weekly_off_dates()  # adds the Sundays not yet listed
		hl.save()
	frappe.db.set_value("Company", COMPANY, "default_holiday_list", HOLIDAY_LIST)
	return f"{HOLIDAY_LIST}, {hl.from_date} to {hl.to_date}"


def ensure_workstations() -> str:
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
			for start, end in WORKING_HOURS:
				ws.append("working_hours", {"start_time": start, "end_time": end, "enabled": 1})
			ws.insert()
	for operation, workstation in OPERATIONS.items():
		if not frappe.db.exists("Operation", operation):
			frappe.get_doc({"doctype": "Operation", "name": operation, "workstation": workstation}).insert()
	return f"{len(WORKSTATIONS)} workstations, {len(OPERATIONS)} operations"


def demo_warehouse(kind: str) -> str:
	return f"{kind} - {ABBR}"


def ensure_items() -> str:
	for item_code, (uom, rate) in RAW_MATERIALS.items():
		_make_item(item_code, "Raw Material", uom, is_purchase=1, is_sales=0, valuation_rate=rate)
		_item_price(item_code, "Standard Buying", rate)
	for item_code, (rate, materials, operations, customer_codes) in PRODUCTS.items():
		item = _make_item(
			item_code,
			"Products" if rate else "Sub Assemblies",
			"Nos",
			is_purchase=0,
			is_sales=1 if rate else 0,
		)
		for customer, code in customer_codes.items():
			if not any(d.ref_code == code for d in item.customer_items):
				item.append("customer_items", {"customer_name": customer, "ref_code": code})
				item.save()
		if rate:
			_item_price(item_code, PRICE_LIST, rate)
		if not frappe.db.get_value("Item", item_code, "default_bom"):
			_make_bom(item_code, materials, operations)
	return f"{len(RAW_MATERIALS)} materials, {len(PRODUCTS)} made items with BOMs, prices"


def _make_item(item_code, group, uom, is_purchase, is_sales, valuation_rate=0):
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
			"item_defaults": [{"company": COMPANY, "default_warehouse": demo_warehouse("Stores")}],
		}
	).insert()


def _item_price(item_code, price_list, rate):
	"""A price valid over the demo's whole history (orders are dated in the past)."""
	valid_from = getdate(add_days(nowdate(), -HISTORY_DAYS))
	existing = frappe.db.get_value(
		"Item Price", {"item_code": item_code, "price_list": price_list}, ["name", "valid_from"], as_dict=True
	)
	if not existing:
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": item_code,
				"price_list": price_list,
				"price_list_rate": rate,
				"valid_from": valid_from,
			}
		).insert()
	elif existing.valid_from and getdate(existing.valid_from) > valid_from:
		frappe.db.set_value("Item Price", existing.name, "valid_from", valid_from)


def _make_bom(item_code, materials, operations):
	bom = frappe.get_doc(
		{
			"doctype": "BOM",
			"item": item_code,
			"company": COMPANY,
			"quantity": 1,
			"is_active": 1,
			"is_default": 1,
			"currency": CURRENCY,
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


def ensure_customers() -> str:
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
	return ", ".join(CUSTOMERS)


def ensure_stock() -> str:
	"""Raw materials for a few hundred pairs, received before the demo's history begins."""
	existing = frappe.db.get_value(
		"Stock Entry", {"remarks": OPENING_STOCK_REMARK, "docstatus": 1}, ["name", "posting_date"]
	)
	if existing:
		return f"{existing[0]} of {existing[1]}"
	on = add_days(nowdate(), -HISTORY_DAYS)
	se = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": COMPANY,
			"remarks": OPENING_STOCK_REMARK,
			"to_warehouse": demo_warehouse("Stores"),
			"set_posting_time": 1,
			"posting_date": on,
			"posting_time": "08:00:00",
		}
	)
	for item_code, (_uom, rate) in RAW_MATERIALS.items():
		se.append(
			"items",
			{
				"item_code": item_code,
				"qty": 1000,
				"basic_rate": rate,
				"t_warehouse": demo_warehouse("Stores"),
			},
		)
	se.insert()
	se.submit()
	return f"{se.name} of {on}"

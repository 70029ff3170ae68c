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

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.utils import add_days, get_datetime, get_time, getdate, now_datetime, nowdate

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

	return [
		Step("Company, fiscal years and ERPNext set-up", ensure_company),
		Step("Holiday list", ensure_holiday_list),
		Step("Workstations and operations", ensure_workstations),
		Step("Customers and price list", ensure_customers),
		Step("Items, BOMs and prices", ensure_items),
		Step("Opening stock", ensure_stock),
		Step("Paid order (made, delivered, invoiced, paid)", ensure_paid_order),
		Step("Order in production", ensure_order_in_production),
		Step("Planned order (week plan)", ensure_planned_order),
		Step("Approved order", ensure_approved_order),
		Step("Supplier, service items and Subcontracting BOMs", demo_outsourcing.ensure_outsourcing_masters),
		Step("Operation out at a supplier", demo_outsourcing.ensure_operation_out),
		Step("Semi-finished order returned with a reject", demo_outsourcing.ensure_semi_finished_returned),
		Step("Supplier statement and its purchase invoice", demo_outsourcing.ensure_supplier_statement),
		Step("Carrier, parcel and addresses", demo_delivery.ensure_carrier),
		Step("Shipped orders with carrier events", demo_delivery.ensure_shipped_orders),
		Step("Open order exception (the app's scan)", demo_delivery.ensure_open_exception),
		Step("Order return of a delivered order", demo_delivery.ensure_order_return),
		# after every order with work left: the schedule plans all of it
		Step("Today's schedule", ensure_daily_schedule),
		Step("Order under review (API intake)", ensure_order_under_review),
		Step("Rejected intake (e-mail)", ensure_rejected_intake),
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


def _warehouse(kind: str) -> str:
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
			"item_defaults": [{"company": COMPANY, "default_warehouse": _warehouse("Stores")}],
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
			"to_warehouse": _warehouse("Stores"),
			"set_posting_time": 1,
			"posting_date": on,
			"posting_time": "08:00:00",
		}
	)
	for item_code, (_uom, rate) in RAW_MATERIALS.items():
		se.append(
			"items",
			{"item_code": item_code, "qty": 1000, "basic_rate": rate, "t_warehouse": _warehouse("Stores")},
		)
	se.insert()
	se.submit()
	return f"{se.name} of {on}"


# ------------------------------------------------------------------ the shop floor's calendar


def working_periods(workstation: str, day) -> list[tuple[datetime, datetime]]:
	"""The workstation's working hours on `day`; none on a holiday of its holiday list."""
	ws = frappe.get_cached_doc("Workstation", workstation)
	holiday_list = ws.holiday_list or frappe.get_cached_value("Company", COMPANY, "default_holiday_list")
	day = getdate(day)
	if holiday_list and frappe.db.exists("Holiday", {"parent": holiday_list, "holiday_date": day}):
		return []
	periods = []
	for row in sorted(ws.working_hours, key=lambda r: get_time(r.start_time)):
		if row.enabled and row.start_time and row.end_time:
			start = datetime.combine(day, get_time(row.start_time))
			end = datetime.combine(day, get_time(row.end_time))
			if end > start:
				periods.append((start, end))
	return periods


def shop_floor_logs(start: datetime, workstation: str, minutes: float) -> list[tuple[datetime, datetime]]:
	"""Time logs of `minutes` of work on `workstation` from `start`: within its working hours,
	split across breaks and days, holidays skipped."""
	logs: list[tuple[datetime, datetime]] = []
	remaining = minutes
	day = getdate(start)
	for _day in range(400):
		for period_start, period_end in working_periods(workstation, day):
			begin = max(period_start, start)
			if begin >= period_end:
				continue
			end = min(period_end, begin + timedelta(minutes=remaining))
			logs.append((begin, end))
			remaining -= (end - begin).total_seconds() / 60
			if remaining <= 1e-6:
				return logs
		day = add_days(day, 1)
	frappe.throw(_("Workstation {0} has no working hours in the next 400 days").format(workstation))


def production_start(minutes: float, workstation: str) -> datetime:
	"""The start of a past working day far enough back for `minutes` of work, one operation after
	another, to end before today (with a working day to spare)."""
	day = getdate(nowdate())
	collected = 0.0
	spare = None
	for _day in range(400):
		day = add_days(day, -1)
		periods = working_periods(workstation, day)
		if not periods:
			continue
		day_minutes = sum((e - s).total_seconds() / 60 for s, e in periods)
		if spare is None:
			spare = day_minutes  # the day before today stays free
		collected += day_minutes
		if collected - spare >= minutes:
			return periods[0][0]
	frappe.throw(_("Workstation {0} has too few working hours in the last 400 days").format(workstation))


# ------------------------------------------------------------------ orders at several stages


def ensure_paid_order() -> str:
	"""Ordered some days ago, made over past working days, delivered, invoiced and paid."""
	existing = demo_orders().get(PAID)
	if existing and frappe.db.get_value("Sales Order", existing, "per_billed") >= 100:
		so = frappe.get_doc("Sales Order", existing)
		if _outstanding(so) <= 0:
			return f"{so.name} (already paid)"

	qty = 10
	item_code = "Trail Runner"
	bom_minutes = sum(m for _op, m in PRODUCTS[item_code][2]) * qty
	first_workstation = OPERATIONS[PRODUCTS[item_code][2][0][0]]
	start = production_start(bom_minutes, first_workstation)
	so = _submitted_order(
		PAID,
		"Mountain Outfitters",
		item_code,
		qty,
		delivery_date=add_days(nowdate(), 3),
		transaction_date=add_days(getdate(start), -2),
	)
	wo = _work_order(so, planned_start=start)
	_stock_entry(wo, "Material Transfer for Manufacture", qty, at=start - timedelta(minutes=15))
	finished = _log_job_cards(wo, start)
	_stock_entry(wo, "Manufacture", qty, at=finished + timedelta(minutes=10))
	shipped_at = min(finished + timedelta(hours=1), now_datetime() - timedelta(minutes=5))
	_deliver_bill_and_collect(so, shipped_at)
	return f"{so.name}: made {getdate(start)} to {getdate(finished)}, delivered, invoiced and paid"


def ensure_order_in_production() -> str:
	so = _submitted_order(IN_PRODUCTION, "Harbour Shoes Ltd", "Trail Runner", 30, add_days(nowdate(), 7))
	wo = _work_order(so)
	_stock_entry(wo, "Material Transfer for Manufacture", 30)
	return f"{so.name}: {wo.name}, materials issued"


def ensure_planned_order() -> str:
	"""Planned through a week plan: work orders for the shoe and its upper at the schedule's times."""
	so = _submitted_order(PLANNED, "Harbour Shoes Ltd", "Classic Oxford", 80, add_days(nowdate(), 14))
	existing = frappe.db.get_value(
		"Work Order", {"sales_order": so.name, "docstatus": 1}, ["name", "order_plan"], as_dict=True
	)
	if existing and not existing.order_plan:
		# planned before the demo planned through a week plan (an earlier version of the app)
		return f"{so.name}: work order {existing.name}"
	plan = existing.order_plan if existing else None
	if not plan:
		doc = frappe.get_doc(
			{
				"doctype": "Order Plan",
				"company": COMPANY,
				"period_type": "Week",
				"weeks": 2,
				"from_date": nowdate(),
				"customer": "Harbour Shoes Ltd",
				"due_from": so.delivery_date,
				"due_to": so.delivery_date,
			}
		)
		doc.get_orders()
		doc.insert()
		doc.submit()
		plan = doc.name
	work_orders = frappe.get_all("Work Order", filters={"order_plan": plan, "docstatus": 1}, pluck="name")
	return f"{so.name}: {plan}, work orders {', '.join(sorted(work_orders))}"


def ensure_daily_schedule() -> str:
	from order_tracking.order_planning.daily_schedule import build_daily_schedule

	doc = build_daily_schedule(COMPANY)
	return f"{doc.name}: {doc.operations_count} operations on {doc.workstations_count} workstations"


def ensure_approved_order() -> str:
	so = _submitted_order(APPROVED, "Mountain Outfitters", "Trail Runner", 60, add_days(nowdate(), 21))
	return so.name


def ensure_order_under_review() -> str:
	answer = _intake(
		"API",
		UNDER_REVIEW,
		"Harbour Shoes Ltd",
		add_days(nowdate(), 21),
		[{"customer_item_code": "HS-OX-01", "qty": 120}],
	)
	_expect_converted(answer)
	return f"{answer['sales_order']} from intake {answer['intake']} (draft, review pending)"


def ensure_rejected_intake() -> str:
	answer = _intake(
		"E-mail",
		REJECTED,
		"Mountain Outfitters",
		add_days(nowdate(), 21),
		[{"item_code": "Trail Runner", "qty": 40}, {"item_code": "Hiking Boot", "qty": 10}],
	)
	frappe.local.response.pop("http_status_code", None)
	return f"{answer['intake']} ({len(answer['errors'])} error: unknown item Hiking Boot)"


def _intake(channel, external_ref, customer, delivery_date, items, transaction_date=None) -> dict:
	from order_tracking.order_tracking.intake import convert_intake, submit_order

	answer = submit_order(
		channel=channel,
		external_ref=external_ref,
		customer=customer,
		delivery_date=str(delivery_date),
		transaction_date=str(transaction_date) if transaction_date else None,
		company=COMPANY,
		items=items,
	)
	if answer["status"] == "New" or (answer["status"] == "Duplicate" and not answer["sales_order"]):
		# automatic conversion is off (Order Tracking Settings): convert as a clerk would
		if frappe.db.get_value("Order Intake", answer["intake"], "status") != "Rejected":
			answer = convert_intake(answer["intake"])
	return answer


def _submitted_order(external_ref, customer, item_code, qty, delivery_date, transaction_date=None):
	answer = _intake(
		"Desk",
		external_ref,
		customer,
		delivery_date,
		[{"item_code": item_code, "qty": qty}],
		transaction_date=transaction_date,
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
		frappe.throw(
			_("Demo intake {0} was not converted: {1}").format(
				answer["intake"], "; ".join(e["message"] for e in answer["errors"])
			)
		)


def _work_order(so, planned_start: datetime | None = None):
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
			"company": COMPANY,
			"sales_order": so.name,
			"sales_order_item": item.name,
			"wip_warehouse": _warehouse("Work In Progress"),
			"fg_warehouse": _warehouse("Finished Goods"),
			"source_warehouse": _warehouse("Stores"),
			"planned_start_date": planned_start or now_datetime(),
			"use_multi_level_bom": 1,
		}
	)
	wo.get_items_and_operations_from_bom()
	wo.insert()
	wo.submit()
	return wo


def _stock_entry(wo, purpose, qty, at: datetime | None = None):
	from erpnext.manufacturing.doctype.work_order.work_order import make_stock_entry

	wo.reload()
	done = wo.produced_qty if purpose == "Manufacture" else wo.material_transferred_for_manufacturing
	if done >= qty:
		return None
	se = frappe.get_doc(make_stock_entry(wo.name, purpose, qty))
	if at:
		_post_at(se, at)
	se.insert()
	se.submit()
	return se


def _post_at(doc, at: datetime):
	doc.set_posting_time = 1
	doc.posting_date = getdate(at)
	doc.posting_time = at.strftime("%H:%M:%S")


def _log_job_cards(wo, start: datetime) -> datetime:
	"""Log and submit the work order's job cards one operation after another, each within its
	workstation's working hours; returns when the last one ended."""
	cards = frappe.get_all(
		"Job Card",
		filters={"work_order": wo.name, "docstatus": ("<", 2)},
		fields=["name", "docstatus"],
		order_by="sequence_id asc, creation asc, name asc",
	)
	cursor = start
	for card in cards:
		jc = frappe.get_doc("Job Card", card.name)
		if card.docstatus == 1:
			cursor = max([cursor, *(get_datetime(t.to_time) for t in jc.time_logs if t.to_time)])
			continue
		operation = next(op for op in wo.operations if op.name == jc.operation_id)
		minutes = float(operation.time_in_mins) * float(jc.for_quantity) / float(wo.qty)
		logs = shop_floor_logs(cursor, jc.workstation, minutes)
		jc.set("time_logs", [])
		total = sum((e - s).total_seconds() for s, e in logs)
		given = 0.0
		for i, (log_start, log_end) in enumerate(logs):
			if i == len(logs) - 1:
				qty = float(jc.for_quantity) - given
			else:
				qty = math.floor(float(jc.for_quantity) * (log_end - log_start).total_seconds() / total)
			given += qty
			jc.append("time_logs", {"from_time": log_start, "to_time": log_end, "completed_qty": qty})
		jc.save()
		jc.submit()
		cursor = logs[-1][1]
	return cursor


def _outstanding(so) -> float:
	return sum(
		frappe.get_all(
			"Sales Invoice",
			filters={"docstatus": 1, "name": ("in", _invoices_of(so.name))},
			pluck="outstanding_amount",
		)
	)


def _invoices_of(sales_order: str) -> list[str]:
	return frappe.get_all(
		"Sales Invoice Item",
		filters={"sales_order": sales_order, "docstatus": 1},
		pluck="parent",
		distinct=True,
	) or [""]


def _deliver_bill_and_collect(so, at: datetime):
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note, make_sales_invoice

	so.reload()
	if so.per_delivered < 100:
		dn = make_delivery_note(so.name)
		_post_at(dn, at)
		dn.insert()
		dn.submit()
	so.reload()
	if so.per_billed < 100:
		si = make_sales_invoice(so.name)
		_post_at(si, at)
		si.due_date = None
		si.set_missing_values()
		si.insert()
		si.submit()
	for invoice in frappe.get_all(
		"Sales Invoice",
		filters={"name": ("in", _invoices_of(so.name)), "outstanding_amount": (">", 0)},
		pluck="name",
	):
		pe = get_payment_entry("Sales Invoice", invoice)
		pe.reference_no = f"DEMO-{invoice}"
		pe.reference_date = nowdate()
		pe.insert()
		pe.submit()

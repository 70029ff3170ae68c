"""The demo's orders at several stages (steps of `order_tracking.demo.demo_steps`) and the shop
floor they are made on: each operation logged on its workstation after the one before it, within
the workstation's working hours and never on a holiday."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.utils import add_days, get_datetime, get_time, getdate, now_datetime, nowdate

from order_tracking.demo import (
	APPROVED,
	COMPANY,
	IN_PRODUCTION,
	OPERATIONS,
	PAID,
	PLANNED,
	PRODUCTS,
	REJECTED,
	UNDER_REVIEW,
	demo_orders,
	demo_warehouse,
)

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
			item.warehouse = demo_warehouse("Finished Goods")
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
			"wip_warehouse": demo_warehouse("Work In Progress"),
			"fg_warehouse": demo_warehouse("Finished Goods"),
			"source_warehouse": demo_warehouse("Stores"),
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

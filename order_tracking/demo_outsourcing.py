"""The demo's outsourcing (steps of `order_tracking.demo.demo_steps`): a supplier with the
service items it is paid for and ERPNext Subcontracting BOMs (finished good ↔ service item), so
that the desk's outsourcing dialogs (Sales Order → Create → Outsourcing Order, Work Order →
Outsource an Operation) make orders on the demo as shipped; then an operation out at the
supplier, a semi-finished part back with a reject, and the supplier's statement invoiced — all
through the app's own functions (those its REST methods and dialogs call) and its approval
workflow.

Each step is committed on its own by `load_demo` and safe to run again: what exists is kept.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import add_days, getdate, nowdate

from order_tracking import demo, demo_order_steps
from order_tracking.demo_delivery import log_job_cards

SUPPLIER = "Eastside Stitching Co."
SUPPLIER_WAREHOUSE = "Eastside Stitching"  # the supplier's goods, a warehouse of the company
REJECTED_WAREHOUSE = "Rejected Goods"
# service item: (rate per unit in Standard Buying, what it pays for)
DEFAULT_SERVICE = "Outsourced Making"  # Order Tracking Settings' default service item
STITCHING_SERVICE = "Stitching Service"  # the Stitching operation's own service item
SERVICES = {
	DEFAULT_SERVICE: 10.0,
	STITCHING_SERVICE: 3.0,
	"Upper Making Service": 8.0,
	"Shoe Making Service": 35.0,
}
SUBCONTRACTING_BOMS = {"Oxford Upper": "Upper Making Service", "Classic Oxford": "Shoe Making Service"}
OUTSOURCED_OPERATION = "Stitching"
CONFIRMED_BY = "Eastside Stitching accounts"

# the orders this module adds, by the reference their channel sent, and the stage each shows
OPERATION_OUT = "DEMO-HS-1004"  # its stitching out at the supplier, not yet back
SEMI_FINISHED = "DEMO-HS-1005"  # its uppers made outside, back with a reject
EXPECTED_STAGES = {OPERATION_OUT: "In Production", SEMI_FINISHED: "Approved"}  # uppers back, shoes not begun
OPERATION_QTY = 24
SEMI_FINISHED_QTY, ACCEPTED, REJECTED = 12, 10, 2


def ensure_outsourcing_masters() -> str:
	"""The supplier, its warehouse and the rejected-goods warehouse, the service items with their
	prices, the Stitching operation's service item, Subcontracting BOMs, and Settings."""
	if not frappe.db.exists("Supplier", SUPPLIER):
		group = "Services" if frappe.db.exists("Supplier Group", "Services") else "All Supplier Groups"
		frappe.get_doc(
			{
				"doctype": "Supplier",
				"supplier_name": SUPPLIER,
				"supplier_group": group,
				"supplier_type": "Company",
				"country": "China",
				"default_currency": demo.CURRENCY,
			}
		).insert()
	for kind in (SUPPLIER_WAREHOUSE, REJECTED_WAREHOUSE):
		if not frappe.db.exists("Warehouse", demo.demo_warehouse(kind)):
			frappe.get_doc(
				{
					"doctype": "Warehouse",
					"warehouse_name": kind,
					"company": demo.COMPANY,
					"parent_warehouse": demo.demo_warehouse("All Warehouses"),
					"is_rejected_warehouse": int(kind == REJECTED_WAREHOUSE),
				}
			).insert()
			# ERPNext keeps each company's warehouse accounts for the process (a request's
			# worth); the demo runs in one process: the new warehouse must be seen
			frappe.flags.pop("warehouse_account_map", None)
	for item_code, rate in SERVICES.items():
		_service_item(item_code)
		_supplier_price(item_code, rate)
	if (
		frappe.db.get_value("Operation", OUTSOURCED_OPERATION, "outsourcing_service_item")
		!= STITCHING_SERVICE
	):
		frappe.db.set_value("Operation", OUTSOURCED_OPERATION, "outsourcing_service_item", STITCHING_SERVICE)
	for finished_good, service_item in SUBCONTRACTING_BOMS.items():
		_subcontracting_bom(finished_good, service_item)
	settings = frappe.get_single("Order Tracking Settings")
	wanted = {
		"outsourcing_service_item": DEFAULT_SERVICE,
		"outsourcing_supplier_warehouse": demo.demo_warehouse(SUPPLIER_WAREHOUSE),
		"outsourcing_rejected_warehouse": demo.demo_warehouse(REJECTED_WAREHOUSE),
	}
	if any(settings.get(k) != v for k, v in wanted.items()):
		settings.update(wanted)
		settings.save()
	return (
		f"{SUPPLIER}, {len(SERVICES)} service items, Subcontracting BOMs of "
		f"{', '.join(SUBCONTRACTING_BOMS)}, warehouses {wanted['outsourcing_supplier_warehouse']} and "
		f"{wanted['outsourcing_rejected_warehouse']}"
	)


def _service_item(item_code: str):
	if frappe.db.exists("Item", item_code):
		return
	group = "Services" if frappe.db.exists("Item Group", "Services") else "All Item Groups"
	frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": item_code,
			"item_name": item_code,
			"item_group": group,
			"stock_uom": "Nos",
			"is_stock_item": 0,
			"include_item_in_manufacturing": 0,
			"is_purchase_item": 1,
			"is_sales_item": 0,
		}
	).insert()


def _supplier_price(item_code: str, rate: float):
	"""The rate agreed with the supplier, in Standard Buying: the outsourcing dialogs propose it.
	(The app reads only a price naming the supplier or one whose supplier is empty text, not one
	left unset: the price names the supplier.)"""
	if not frappe.db.exists(
		"Item Price", {"item_code": item_code, "price_list": "Standard Buying", "supplier": SUPPLIER}
	):
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": item_code,
				"price_list": "Standard Buying",
				"supplier": SUPPLIER,
				"price_list_rate": rate,
				"valid_from": add_days(nowdate(), -demo.HISTORY_DAYS),
			}
		).insert()


def _subcontracting_bom(finished_good: str, service_item: str):
	"""ERPNext's Subcontracting BOM: one unit of the service buys one unit of the finished good
	(ERPNext wants the finished good marked as subcontracted)."""
	if frappe.db.exists("Subcontracting BOM", {"finished_good": finished_good, "is_active": 1}):
		return
	if not frappe.db.get_value("Item", finished_good, "is_sub_contracted_item"):
		item = frappe.get_doc("Item", finished_good)
		item.is_sub_contracted_item = 1
		item.save()
	frappe.get_doc(
		{
			"doctype": "Subcontracting BOM",
			"is_active": 1,
			"finished_good": finished_good,
			"finished_good_qty": 1,
			"finished_good_bom": frappe.db.get_value("Item", finished_good, "default_bom"),
			"service_item": service_item,
			"service_item_qty": 1,
			"service_item_uom": "Nos",
		}
	).insert()


def working_day_after(days: int):
	"""The first working day (not a holiday of the company's list) `days` or more from today."""
	day = getdate(add_days(nowdate(), days))
	while frappe.db.exists("Holiday", {"parent": demo.HOLIDAY_LIST, "holiday_date": day}):
		day = getdate(add_days(day, 1))
	return day


def _approve_and_send(order):
	"""Approved through the Outsourcing Approval workflow (as an Outsourcing Manager does), then
	sent (the form's *Send to Supplier*)."""
	from frappe.model.workflow import apply_workflow

	if order.docstatus == 0:
		order = apply_workflow(order, "Approve")
	order.reload()
	if order.status == "To Send":
		order.send_to_supplier()
		order.reload()
	return order


def ensure_operation_out() -> str:
	"""A work order whose cutting was done on a past working day; its stitching is out at the
	supplier (the Work Order's *Outsource an Operation*: `make_for_job_cards`), sent, not back."""
	from order_tracking.outsourcing.orders import make_for_job_cards

	item_code = "Trail Runner"
	operations = demo.PRODUCTS[item_code][2]
	first_minutes = operations[0][1] * OPERATION_QTY
	start = demo_order_steps.production_start(first_minutes, demo.OPERATIONS[operations[0][0]])
	so = demo_order_steps._submitted_order(
		OPERATION_OUT,
		"Harbour Shoes Ltd",
		item_code,
		OPERATION_QTY,
		delivery_date=working_day_after(14),
		transaction_date=add_days(getdate(start), -2),
	)
	wo = demo_order_steps._work_order(so, planned_start=start)
	demo_order_steps._stock_entry(
		wo, "Material Transfer for Manufacture", OPERATION_QTY, at=start - timedelta(minutes=15)
	)
	log_job_cards(wo, start, operations=(operations[0][0],))
	card = frappe.db.get_value(
		"Job Card",
		{"work_order": wo.name, "operation": OUTSOURCED_OPERATION, "docstatus": ("<", 2)},
		"name",
	)
	order = _order_of({"job_card": card}) or make_for_job_cards([card], SUPPLIER, str(working_day_after(4)))
	order = _approve_and_send(order)
	return f"{so.name}: {OUTSOURCED_OPERATION} of {wo.name} ({card}) on {order.name}, {order.status}, due back {order.due_date}"


def ensure_semi_finished_returned() -> str:
	"""The uppers of an order made by the supplier (Sales Order → Create → Outsourcing Order,
	Semi-finished: ERPNext subcontracting through the Subcontracting BOM's service item), sent,
	and back: most accepted, some rejected into the rejected-goods warehouse."""
	from order_tracking.outsourcing.orders import make_for_order_line
	from order_tracking.outsourcing.receipts import make_receipt

	so = demo_order_steps._submitted_order(
		SEMI_FINISHED, "Harbour Shoes Ltd", "Classic Oxford", SEMI_FINISHED_QTY, working_day_after(21)
	)
	order = _order_of({"sales_order": so.name, "item_code": "Oxford Upper"}) or make_for_order_line(
		so.items[0].name,
		SUPPLIER,
		str(working_day_after(7)),
		outsourcing_type="Semi-finished",
		item_code="Oxford Upper",
		qty=SEMI_FINISHED_QTY,
	)
	order = _approve_and_send(order)
	if order.status == "Sent":
		receipt = make_receipt(order.name)
		receipt.items[0].accepted_qty, receipt.items[0].rejected_qty = ACCEPTED, REJECTED
		receipt.insert()
		receipt.submit()
		order.reload()
	receipt = frappe.db.get_value(
		"Outsourcing Receipt", {"outsourcing_order": order.name, "docstatus": 1}, "name"
	)
	return (
		f"{so.name}: Oxford Upper on {order.name} ({order.subcontracting_order}), {order.status}: "
		f"{order.accepted_qty:g} accepted, {order.rejected_qty:g} rejected on {receipt}"
	)


def _order_of(filters: dict):
	"""The live Outsourcing Order with a line matching `filters`, if any."""
	parent = frappe.db.get_value(
		"Outsourcing Order Item", {**filters, "docstatus": ("<", 2)}, "parent", order_by="creation desc"
	)
	return frappe.get_doc("Outsourcing Order", parent) if parent else None


def ensure_supplier_statement() -> str:
	"""The supplier's statement of its receipts so far, confirmed by the supplier and submitted:
	its Purchase Invoice is made from the statement."""
	existing = frappe.db.get_value(
		"Supplier Statement",
		{"supplier": SUPPLIER, "docstatus": 1, "confirmed_by": CONFIRMED_BY},
		["name", "purchase_invoice", "net_amount"],
	)
	if existing:
		return f"{existing[0]}: {demo.CURRENCY} {existing[2]:g}, invoiced on {existing[1]}"
	doc = frappe.get_doc(
		{
			"doctype": "Supplier Statement",
			"company": demo.COMPANY,
			"supplier": SUPPLIER,
			"from_date": add_days(nowdate(), -demo.HISTORY_DAYS),
			"to_date": nowdate(),
			"currency": demo.CURRENCY,
		}
	)
	if not doc.get_receipts():
		frappe.throw(_("Demo: {0} has no receipts to put on a statement").format(SUPPLIER))
	doc.update({"supplier_confirmed": 1, "confirmed_by": CONFIRMED_BY, "confirmed_on": nowdate()})
	doc.insert()
	doc.submit()
	doc.reload()
	receipts = ", ".join(sorted({r.outsourcing_receipt for r in doc.receipts}))
	return f"{doc.name} of {receipts}: {demo.CURRENCY} {doc.net_amount:g}, invoiced on {doc.purchase_invoice}"


def demo_orders() -> dict[str, str]:
	"""Sales Order of each of this module's references that has one."""
	return dict(
		frappe.get_all(
			"Order Intake",
			filters={"external_ref": ("in", list(EXPECTED_STAGES)), "sales_order": ("is", "set")},
			fields=["external_ref", "sales_order"],
			as_list=True,
		)
	)

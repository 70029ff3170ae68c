"""REST methods of outsourcing (all need an authenticated desk user with the rights named).

- `make_for_job_cards` (POST `{"job_cards": [...], "supplier", "due_date", "supplier_warehouse"?,
  "rate"?}`): an Operation order for job cards of one or more work orders — create permission on
  Outsourcing Order, read permission on each job card.
- `make_for_order_line` (POST `{"sales_order_item", "supplier", "due_date", "outsourcing_type"?,
  "item_code"?, "qty"?, "supplier_warehouse"?, "rate"?}`): a Whole Order or Semi-finished order
  for a Sales Order line — create on Outsourcing Order, read on the Sales Order.
- `make_from_plan` (POST `{"plan", "supplier", "due_date", "supplier_warehouse"?}`): a Whole Order
  order for a submitted Order Plan's outsourcing candidates — create on Outsourcing Order, read
  on the plan.
- `make_receipt` (GET `?order=`): a draft Outsourcing Receipt of what is out with the supplier —
  create on Outsourcing Receipt, read on the order.

Each answers the new document (`{"name", ...}`); a bad request gets a 4xx with the reason.
"""

from __future__ import annotations

import frappe

from order_tracking.order_tracking.arguments import required_arguments
from order_tracking.outsourcing import orders, outsourced_work_orders, receipts

ORDER = "Outsourcing Order"


@frappe.whitelist(methods=["POST"])
@required_arguments
def make_for_job_cards(
	job_cards: list | str,
	supplier: str,
	due_date: str,
	supplier_warehouse: str | None = None,
	rate: float | None = None,
) -> dict:
	frappe.has_permission(ORDER, "create", throw=True)
	try:
		job_cards = frappe.parse_json(job_cards) if isinstance(job_cards, str) else job_cards
	except ValueError:  # text that is not JSON
		job_cards = None
	if not isinstance(job_cards, list) or not all(isinstance(j, str) for j in job_cards):
		frappe.throw(frappe._("job_cards: a list of Job Card names"), exc=frappe.ValidationError)
	for name in job_cards:
		frappe.has_permission("Job Card", "read", name, throw=True)
	return orders.make_for_job_cards(job_cards, supplier, due_date, supplier_warehouse, rate).as_dict()


@frappe.whitelist(methods=["GET"])
@required_arguments
def outsourceable_job_cards(work_order: str) -> dict:
	"""`outsourceable_job_cards` (GET `?work_order=`): the open job cards of a Work Order that *Outsource
	an Operation* may offer — with work left and not already on an open Outsourcing Order — and how
	many open cards it has: `{"cards": [{name, operation, for_quantity, total_completed_qty}],
	"open_cards": n}`. Needs create on Outsourcing Order and read on the Work Order."""
	frappe.has_permission(ORDER, "create", throw=True)
	if not frappe.db.exists("Work Order", work_order):
		frappe.throw(frappe._("Work Order {0} does not exist").format(work_order), frappe.DoesNotExistError)
	frappe.has_permission("Work Order", "read", work_order, throw=True)
	return outsourced_work_orders.outsourceable_job_cards(work_order)


@frappe.whitelist(methods=["POST"])
@required_arguments
def make_for_order_line(
	sales_order_item: str,
	supplier: str,
	due_date: str,
	outsourcing_type: str = "Whole Order",
	item_code: str | None = None,
	qty: float | None = None,
	supplier_warehouse: str | None = None,
	rate: float | None = None,
) -> dict:
	frappe.has_permission(ORDER, "create", throw=True)
	sales_order = frappe.db.get_value("Sales Order Item", sales_order_item, "parent")
	if not sales_order or not frappe.has_permission("Sales Order", "read", sales_order):
		frappe.throw(
			frappe._("No Sales Order line {0} that you may see").format(sales_order_item),
			exc=frappe.PermissionError,
		)
	return orders.make_for_order_line(
		sales_order_item, supplier, due_date, outsourcing_type, item_code, qty, supplier_warehouse, rate
	).as_dict()


@frappe.whitelist(methods=["POST"])
@required_arguments
def make_from_plan(plan: str, supplier: str, due_date: str, supplier_warehouse: str | None = None) -> dict:
	frappe.has_permission(ORDER, "create", throw=True)
	frappe.has_permission("Order Plan", "read", plan, throw=True)
	return orders.make_from_plan(plan, supplier, due_date, supplier_warehouse).as_dict()


@frappe.whitelist(methods=["GET"])
@required_arguments
def make_receipt(order: str) -> dict:
	frappe.has_permission("Outsourcing Receipt", "create", throw=True)
	frappe.has_permission(ORDER, "read", order, throw=True)
	return receipts.make_receipt(order).as_dict()

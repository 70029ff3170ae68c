"""Work orders with an operation out on an Outsourcing Order: named when a plan is cancelled, and
kept from being cancelled while the order is open."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt

from order_tracking.core import outsourcing
from order_tracking.outsourcing.order_state import ITEM_TABLE, ORDER


def open_outsourcing_of_work_orders(work_orders: list[str]) -> dict[str, str]:
	"""Work orders with an operation on a submitted Outsourcing Order not yet closed or cancelled
	(to send, at the supplier's, or back and waiting for Close), with that order."""
	if not work_orders:
		return {}
	item = frappe.qb.DocType(ITEM_TABLE)
	order = frappe.qb.DocType(ORDER)
	rows = (
		frappe.qb.from_(item)
		.join(order)
		.on(order.name == item.parent)
		.select(item.work_order, order.name)
		.where(item.work_order.isin(list(work_orders)) & (item.parenttype == ORDER))
		.where((order.docstatus == 1) & order.status.notin((outsourcing.CLOSED, outsourcing.CANCELLED)))
		.orderby(order.name)
		.run()
	)
	result: dict[str, str] = {}
	for work_order, name in rows:
		result.setdefault(work_order, name)
	return result


def check_work_order_not_outsourced(work_order: str) -> None:
	"""A work order whose operation is out with a supplier (or about to go, or back and not yet
	closed) is not cancelled: ERPNext would delete the job card the outsourcing order works on."""
	name = open_outsourcing_of_work_orders([work_order]).get(work_order)
	if name:
		frappe.throw(
			_(
				"Work Order {0} cannot be cancelled: its operation is on Outsourcing Order {1}. Receive and close {1}, or cancel it, first"
			).format(work_order, name),
			exc=frappe.LinkExistsError,
			title=_("Outsourced Operation"),
		)


def job_cards_out(work_order: str, exclude: str | None = None) -> dict[str, str]:
	"""The job cards of `work_order` on an Outsourcing Order not closed, cancelled or returned
	(drafts included), with that order: the rule the Outsourcing Order's own check applies.
	`exclude`: an order not to count (the one being checked)."""
	return {card: order for (_wo, card), order in job_cards_out_of([work_order], exclude).items()}


def job_cards_out_of(work_orders: list[str], exclude: str | None = None) -> dict[tuple[str, str], str]:
	"""`job_cards_out` of several work orders in one query: (work order, job card) -> the order
	(a card is its work order's: a freed card name Frappe gave to another work order's is not it)."""
	if not work_orders:
		return {}
	item = frappe.qb.DocType(ITEM_TABLE)
	order = frappe.qb.DocType(ORDER)
	query = (
		frappe.qb.from_(item)
		.join(order)
		.on(order.name == item.parent)
		.select(item.work_order, item.job_card, order.name)
		.where(item.work_order.isin(list(work_orders)) & (item.parenttype == ORDER) & (order.docstatus < 2))
		# a draft has no status yet (NULL, which NOT IN never matches): it holds its card too
		.where(
			order.status.isnull()
			| order.status.notin((outsourcing.CLOSED, outsourcing.CANCELLED, outsourcing.RETURNED))
		)
		.orderby(order.name)
	)
	if exclude:
		query = query.where(order.name != exclude)
	out: dict[tuple[str, str], str] = {}
	for work_order, job_card, name in query.run():
		out.setdefault((work_order, job_card), name)
	return out


def outsourceable_job_cards(work_order: str) -> dict:
	"""What *Outsource an Operation* offers on a Work Order: its open job cards with work left that
	are not already out, and how many open cards there are in all (`{"cards": [{name, operation,
	for_quantity, total_completed_qty}], "open_cards": n}`). Read on the server, whatever the user
	may list of other people's outsourcing orders."""
	cards = frappe.get_all(
		"Job Card",
		filters={"work_order": work_order, "docstatus": 0},
		fields=["name", "operation", "for_quantity", "total_completed_qty"],
		order_by="sequence_id asc, name asc",
		limit=50,
	)
	out = job_cards_out(work_order)
	offered = [
		c
		for c in cards
		if c.name not in out and flt(c.for_quantity) - flt(c.total_completed_qty) > outsourcing.EPS
	]
	return {"cards": offered, "open_cards": len(cards)}

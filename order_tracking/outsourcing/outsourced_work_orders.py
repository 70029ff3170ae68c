"""Work orders with an operation out on an Outsourcing Order: named when a plan is cancelled, and
kept from being cancelled while the order is open."""

from __future__ import annotations

import frappe
from frappe import _

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

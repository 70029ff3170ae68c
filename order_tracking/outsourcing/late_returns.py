"""Late outsourcing returns for the exception scan: the facts per order and the *Late Outsourcing
Return* detector (registered in hooks' `order_exception_detectors`)."""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import flt, getdate, nowdate

from order_tracking.core import delivery, outsourcing, stages
from order_tracking.order_tracking.exceptions import ScanFacts, exception_detector, format_qty
from order_tracking.outsourcing.order_state import ITEM_TABLE, ORDER


def late_outsourcing_facts(sales_orders: list[str], today=None) -> dict[str, list[dict]]:
	"""Open outsourcing past its return date, per order (for exception scans and the tracker)."""
	if not sales_orders:
		return {}
	today = getdate(today or nowdate())
	item = frappe.qb.DocType(ITEM_TABLE)
	order = frappe.qb.DocType(ORDER)
	rows = (
		frappe.qb.from_(item)
		.join(order)
		.on(order.name == item.parent)
		.select(
			item.sales_order,
			order.name,
			order.supplier,
			order.supplier_name,
			order.due_date,
			item.pending_qty,
		)
		.where(
			item.sales_order.isin(sales_orders)
			& (order.docstatus == 1)
			& order.status.isin((outsourcing.TO_SEND, outsourcing.SENT, outsourcing.PARTLY_RETURNED))
		)
		.where((order.due_date < today) & (item.pending_qty > 0))
		.run(as_dict=True)
	)
	result: dict[str, list[dict]] = defaultdict(list)
	for r in rows:
		result[r.sales_order].append(r)
	return dict(result)


@exception_detector(delivery.LATE_OUTSOURCING_RETURN)
def detect_late_outsourcing_returns(
	sales_orders: list[str], facts: ScanFacts
) -> list[delivery.ExceptionSpec]:
	"""Orders awaiting outsourced work past its return date (`late_outsourcing_facts`): a *Late
	Outsourcing Return* exception pointing at the outsourcing order longest late, open until
	everything is back or the order is closed. One query."""
	candidates = [so for so in sales_orders if facts.trackers[so].stage not in stages.TERMINAL_STAGES]
	specs = []
	for so, rows in sorted(late_outsourcing_facts(candidates, facts.today).items()):
		names = {r.name: r.supplier_name or r.supplier for r in rows}
		late = outsourcing.late_returns(
			(
				outsourcing.OpenReturn(r.name, r.supplier, getdate(r.due_date), flt(r.pending_qty))
				for r in rows
			),
			facts.today,
		)
		if not late:
			continue
		lines = [
			_("{0} at {1}: {2} still out, due back on {3} ({4} days late)").format(
				r.outsourcing_order,
				names[r.outsourcing_order],
				format_qty(r.pending),
				frappe.format(r.due, {"fieldtype": "Date"}),
				days,
			)
			for r, days in late
		]
		specs.append(
			delivery.ExceptionSpec(
				delivery.LATE_OUTSOURCING_RETURN,
				so,
				"\n".join(lines),
				reference_doctype=ORDER,
				reference_name=late[0][0].outsourcing_order,
			)
		)
	return specs

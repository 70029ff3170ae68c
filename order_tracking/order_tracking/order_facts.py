"""An order's facts, gathered from ERPNext for a batch of Sales Orders with a fixed number of
queries whatever the number of orders, lines or documents: its header and lines, production
(work orders, job cards, the plan and schedule), outsourcing, shipping and delivery, money and
review. `order_tracking.order_tracking.tracking` derives the tracker from them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import frappe
from frappe.query_builder.functions import Coalesce, Max, Sum
from frappe.utils import cint, flt, get_datetime, getdate, now_datetime

from order_tracking.core.planning import OperationProgress, is_late, operation_pct
from order_tracking.core.tracking import (
	REVIEW_APPROVED,
	REVIEW_PENDING,
	REVIEW_REJECTED,
	OrderHeader,
	Progress,
	paid_amount,
)
from order_tracking.order_tracking.settings import get_settings

CONFIRM_BY_SHIPMENT = "Shipment Completed"


CONFIRM_BY_CARRIER = "Carrier"  # the carrier's Delivered event (order_tracking.delivery)


WORK_ORDER_OPEN = ("Not Started", "In Process", "Submitted")


JOB_CARD_STARTED = ("Work In Progress", "Material Transferred", "Completed", "Submitted")


# The tracker keeps its order's item groups one per line (a group name is one line of text).
ITEM_GROUP_SEPARATOR = "\n"


@dataclass
class OrderFacts:
	"""An order's facts as stored, plus the descriptive fields the tracker shows."""

	name: str
	header: OrderHeader
	progress: Progress
	info: dict = field(default_factory=dict)


def gather_order_facts(sales_orders: Iterable[str]) -> dict[str, OrderFacts]:
	"""Facts of each existing Sales Order in `sales_orders`, in a fixed number of queries."""
	names = sorted({n for n in sales_orders if n})
	if not names:
		return {}

	headers = _sales_order_headers(names)
	names = [n for n in names if n in headers]
	if not names:
		return {}
	lines = _sales_order_lines(names)
	plan_info: dict[str, dict] = {}
	_plan_allocations(names, lines, plan_info)
	outsourced, outsourced_made = _outsourcing(names)
	production = _production(names, lines, plan_info, outsourced_made)
	operations = _operations(plan_info, now_datetime())
	shipping = _shipping(names)
	money = _money(names, headers)
	reviews = _review_statuses(names)

	facts = {}
	for name in names:
		so = headers[name]
		line = lines.get(name, {"made": {}})
		grand_total = (
			flt(so.rounded_total)
			if flt(so.rounded_total) and not so.disable_rounded_total
			else flt(so.grand_total)
		)
		header = OrderHeader(
			docstatus=cint(so.docstatus),
			status=so.status or "",
			promised_date=getdate(so.delivery_date) if so.delivery_date else None,
			ordered_qty=flt(line.get("ordered_qty")),
			manufacture_qty=sum(line["made"].values()),
			grand_total=grand_total,
			review_status=reviews.get(name),
		)
		progress = Progress.total(
			[
				Progress(
					shipped_qty=flt(line.get("shipped_qty")),
					billed_amount=grand_total * flt(so.per_billed) / 100,
				),
				production.get(name, Progress()),
				outsourced.get(name, Progress()),
				shipping.get(name, Progress()),
				money.get(name, Progress()),
			]
		)
		facts[name] = OrderFacts(
			name=name,
			header=header,
			progress=progress,
			info={
				"customer": so.customer,
				"customer_name": so.customer_name,
				"company": so.company,
				"currency": so.currency,
				"transaction_date": so.transaction_date,
				"order_intake": so.order_intake,
				"order_stage": so.order_stage,
				"item_groups": ITEM_GROUP_SEPARATOR.join(sorted(line.get("item_groups", ()))),
				"order_plan": plan_info.get(name, {}).get("order_plan"),
				"planned_start": plan_info.get(name, {}).get("planned_start"),
				"planned_end": plan_info.get(name, {}).get("planned_end"),
				"operations": operations.get(name, []),
			},
		)
	return facts


def _sales_order_headers(names: list[str]) -> dict[str, frappe._dict]:
	so = frappe.qb.DocType("Sales Order")
	rows = (
		frappe.qb.from_(so)
		.select(
			so.name,
			so.docstatus,
			so.status,
			so.customer,
			so.customer_name,
			so.company,
			so.currency,
			so.transaction_date,
			so.delivery_date,
			so.grand_total,
			so.rounded_total,
			so.disable_rounded_total,
			so.per_billed,
			so.advance_paid,
			so.order_intake,
			so.order_stage,
		)
		.where(so.name.isin(names))
		.run(as_dict=True)
	)
	return {r.name: r for r in rows}


def _sales_order_lines(names: list[str]) -> dict[str, dict]:
	"""Per order: ordered and shipped qty, the qty to make of each item (stock UOM), and the item
	groups of its lines.

	A line is made (in-house or outside) when it has a BOM — its own or the item's default —
	and is not delivered by a supplier. Shipped qty is ERPNext's delivered qty on the line,
	capped at the line's qty.
	"""
	soi = frappe.qb.DocType("Sales Order Item")
	item = frappe.qb.DocType("Item")
	rows = (
		frappe.qb.from_(soi)
		.left_join(item)
		.on(item.name == soi.item_code)
		.select(
			soi.parent,
			soi.item_code,
			soi.stock_qty,
			soi.qty,
			soi.delivered_qty,
			soi.conversion_factor,
			soi.delivered_by_supplier,
			soi.item_group,
			Coalesce(soi.bom_no, item.default_bom, "").as_("bom"),
		)
		.where(soi.parent.isin(names) & (soi.parenttype == "Sales Order"))
		.run(as_dict=True)
	)
	result: dict[str, dict] = {}
	for r in rows:
		order = result.setdefault(
			r.parent,
			{"ordered_qty": 0.0, "shipped_qty": 0.0, "made": defaultdict(float), "item_groups": set()},
		)
		if r.item_group:
			order["item_groups"].add(r.item_group)
		order["ordered_qty"] += flt(r.stock_qty)
		order["shipped_qty"] += min(flt(r.delivered_qty), flt(r.qty)) * flt(r.conversion_factor or 1)
		if r.bom and not r.delivered_by_supplier:
			order["made"][r.item_code] += flt(r.stock_qty)
	return result


def _outsourcing(names: list[str]) -> tuple[dict[str, Progress], dict[tuple[str, str], list[float]]]:
	"""What suppliers have of each order: sent and accepted back (all kinds), and — for whole
	orders, which suppliers make in place of a work order — the item's planned, started and made
	quantities."""
	item = frappe.qb.DocType("Outsourcing Order Item")
	order = frappe.qb.DocType("Outsourcing Order")
	rows = (
		frappe.qb.from_(item)
		.join(order)
		.on(order.name == item.parent)
		.select(
			item.sales_order,
			item.item_code,
			item.qty,
			item.sent_qty,
			item.accepted_qty,
			order.outsourcing_type,
			order.status,
			order.due_date,
		)
		.where(item.sales_order.isin(names) & (order.docstatus == 1))
		.run(as_dict=True)
	)
	progress: dict[str, Progress] = defaultdict(Progress)
	made: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
	for r in rows:
		progress[r.sales_order] += Progress(
			outsourced_qty=flt(r.sent_qty), outsourced_returned_qty=flt(r.accepted_qty)
		)
		if r.outsourcing_type == "Whole Order":
			totals = made[(r.sales_order, r.item_code)]
			totals[0] += flt(r.qty)
			totals[1] += flt(r.sent_qty)
			totals[2] += flt(r.accepted_qty)
			if r.status in ("To Send", "Sent", "Partly Returned") and r.due_date:
				progress[r.sales_order] += Progress(production_due=getdate(r.due_date))
	return dict(progress), dict(made)


def _production(
	names: list[str],
	lines: dict[str, dict],
	plan_info: dict[str, dict],
	outsourced_made: dict[tuple[str, str], list[float]] | None = None,
) -> dict[str, Progress]:
	"""From work orders and job cards: qty planned, started and produced of each made item
	(capped at the qty ordered: sub-assembly work orders count as started, not as the product),
	and the latest planned end of production still open. Work orders an Order Plan made for a
	sub-assembly belong to their order through `made_for_sales_order`. Fills `plan_info` (the plan,
	the schedule's start and end, the work orders) for the tracker."""
	work_orders = _work_orders_of(names)
	if not work_orders and not outsourced_made:
		return {}
	started_by_job_card = _started_by_job_card([w.name for w in work_orders])
	per_item: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
	due: dict[str, date | None] = {}
	any_started: set[str] = set()
	for w in work_orders:
		order = w.made_for_sales_order or w.sales_order
		info = plan_info.setdefault(order, {"work_orders": []})
		info["work_orders"].append(w.name)
		if w.order_plan:
			info["order_plan"] = w.order_plan
		if w.status != "Cancelled" and w.planned_start_date:
			start = get_datetime(w.planned_start_date)
			info["planned_start"] = min(info.get("planned_start") or start, start)
		if w.status != "Cancelled" and w.planned_end_date:
			end_at = get_datetime(w.planned_end_date)
			info["planned_end"] = max(info.get("planned_end") or end_at, end_at)
		started = (
			w.status in ("In Process", "Completed")
			or flt(w.material_transferred_for_manufacturing) > 0
			or flt(w.produced_qty) > 0
			or w.name in started_by_job_card
		)
		totals = per_item[(order, w.production_item)]
		totals[0] += flt(w.qty)
		totals[1] += flt(w.qty) if started else 0.0
		totals[2] += flt(w.produced_qty)
		if started:
			any_started.add(order)
		if w.status in WORK_ORDER_OPEN:
			# the later of the schedule's end and the date promised for the work order
			ends = [getdate(d) for d in (w.planned_end_date, w.expected_delivery_date) if d]
			if ends:
				due[order] = max(max(ends), due.get(order) or max(ends))

	for (so, item_code), (planned, started, produced) in (outsourced_made or {}).items():
		# a whole order a supplier makes is planned, started and made like a work order
		totals = per_item[(so, item_code)]
		totals[0] += planned
		totals[1] += started
		totals[2] += produced
		if started:
			any_started.add(so)
	return _progress_by_order(per_item, lines, any_started, due)


def _work_orders_of(names: list[str]) -> list[frappe._dict]:
	"""The submitted work orders of these orders, and those made for their sub-assemblies."""
	wo = frappe.qb.DocType("Work Order")
	return (
		frappe.qb.from_(wo)
		.select(
			wo.name,
			wo.sales_order,
			wo.made_for_sales_order,
			wo.order_plan,
			wo.production_item,
			wo.qty,
			wo.status,
			wo.material_transferred_for_manufacturing,
			wo.produced_qty,
			wo.planned_start_date,
			wo.planned_end_date,
			wo.expected_delivery_date,
		)
		.where((wo.sales_order.isin(names) | wo.made_for_sales_order.isin(names)) & (wo.docstatus == 1))
		.run(as_dict=True)
	)


def _started_by_job_card(work_orders: list[str]) -> set[str]:
	jc = frappe.qb.DocType("Job Card")
	return set(
		frappe.qb.from_(jc)
		.select(jc.work_order)
		.distinct()
		.where(jc.work_order.isin(work_orders or [""]) & (jc.docstatus < 2))
		.where(jc.status.isin(JOB_CARD_STARTED))
		.run(pluck=True)
	)


def _progress_by_order(
	per_item: dict[tuple[str, str], list[float]],
	lines: dict[str, dict],
	any_started: set[str],
	due: dict[str, date | None],
) -> dict[str, Progress]:
	"""Each made item's planned, started and produced qty capped at the qty ordered, summed per order."""
	result: dict[str, Progress] = defaultdict(Progress)
	for (so, item_code), (planned, started, produced) in per_item.items():
		made = lines.get(so, {}).get("made", {}).get(item_code, 0.0)
		result[so] += Progress(
			planned_qty=min(planned, made), started_qty=min(started, made), produced_qty=min(produced, made)
		)
	for so in any_started:
		# making the sub-assemblies is making the product: what is planned has started
		if not result[so].started_qty:
			result[so] += Progress(started_qty=result[so].planned_qty)
	for so, end in due.items():
		result[so] += Progress(production_due=end)
	return result


def _plan_allocations(names: list[str], lines: dict[str, dict], plan_info: dict[str, dict]):
	"""What submitted week plans give from stock is not made: it leaves the qty to make (so an
	order that stock covers is ready to ship once planned)."""
	op = frappe.qb.DocType("Order Plan")
	opi = frappe.qb.DocType("Order Plan Item")
	rows = (
		frappe.qb.from_(opi)
		.join(op)
		.on(op.name == opi.parent)
		.select(opi.sales_order, opi.item_code, opi.from_stock_qty, opi.allocation, op.name)
		.where(opi.sales_order.isin(names) & (opi.parenttype == "Order Plan"))
		.where((op.docstatus == 1) & (op.period_type == "Week"))
		.run(as_dict=True)
	)
	for r in rows:
		plan_info.setdefault(r.sales_order, {"work_orders": []}).setdefault("order_plan", r.name)
		made = lines.get(r.sales_order, {}).get("made")
		if made is not None and r.item_code in made and flt(r.from_stock_qty) > 0:
			made[r.item_code] = max(made[r.item_code] - flt(r.from_stock_qty), 0.0)


def _operations(plan_info: dict[str, dict], now: datetime) -> dict[str, list[dict]]:
	"""Per order, each operation of its work orders: qty, completed, the schedule's end, status."""
	work_orders = {wo: so for so, info in plan_info.items() for wo in info.get("work_orders", [])}
	if not work_orders:
		return {}
	wo = frappe.qb.DocType("Work Order")
	wop = frappe.qb.DocType("Work Order Operation")
	rows = (
		frappe.qb.from_(wop)
		.join(wo)
		.on(wo.name == wop.parent)
		.select(
			wop.parent,
			wop.idx,
			wop.operation,
			wop.workstation,
			wop.completed_qty,
			wop.planned_end_time,
			wop.status,
			wo.qty,
			wo.status.as_("wo_status"),
		)
		.where(wop.parent.isin(list(work_orders)) & (wop.parenttype == "Work Order"))
		.orderby(wop.parent)
		.orderby(wop.idx)
		.run(as_dict=True)
	)
	grace = cint(get_settings().get("late_operation_grace"))
	result: dict[str, list[dict]] = defaultdict(list)
	for r in rows:
		if r.wo_status in ("Cancelled", "Stopped", "Closed"):
			continue
		progress = OperationProgress(
			r.parent,
			flt(r.qty),
			flt(r.completed_qty),
			get_datetime(r.planned_end_time) if r.planned_end_time else None,
		)
		if flt(r.completed_qty) >= flt(r.qty) - 1e-6:
			status = "Completed"
		elif is_late(progress, now, grace):
			status = "Late"
		elif flt(r.completed_qty) > 0 or r.status == "Work in Progress":
			status = "In Progress"
		else:
			status = "Pending"
		result[work_orders[r.parent]].append(
			{
				"work_order": r.parent,
				"operation": r.operation,
				"workstation": r.workstation,
				"qty": flt(r.qty),
				"completed_qty": flt(r.completed_qty),
				"completed_pct": operation_pct(progress),
				"planned_end": r.planned_end_time,
				"status": status,
			}
		)
	return result


def _shipping(names: list[str]) -> dict[str, Progress]:
	"""When goods last left, what the customer has confirmedly received, and when the carriers
	expect the goods still on the road."""
	dn = frappe.qb.DocType("Delivery Note")
	dni = frappe.qb.DocType("Delivery Note Item")
	shipped = (
		frappe.qb.from_(dni)
		.join(dn)
		.on(dn.name == dni.parent)
		.select(
			dni.against_sales_order,
			dn.is_return,
			Sum(dni.stock_qty).as_("qty"),
			Max(dn.posting_date).as_("last_shipped_on"),
		)
		.where(dni.against_sales_order.isin(names) & (dn.docstatus == 1))
		.groupby(dni.against_sales_order, dn.is_return)
		.run(as_dict=True)
	)
	result: dict[str, Progress] = {}
	for row in shipped:
		if row.is_return:  # what came back (return quantities are negative)
			result[row.against_sales_order] = Progress(returned_qty=-flt(row.qty))
	shipped = [row for row in shipped if not row.is_return]
	mode = get_settings().delivery_confirmation
	by_shipment = mode in (CONFIRM_BY_SHIPMENT, CONFIRM_BY_CARRIER)
	confirmed = _confirmed_by_shipment(names, mode) if shipped else {}
	for row in shipped:
		so = row.against_sales_order
		last_shipped = getdate(row.last_shipped_on) if row.last_shipped_on else None
		qty, on, carrier_eta = confirmed.get(so, (0.0, None, None))
		if not by_shipment:
			qty, on = flt(row.qty), last_shipped
		result[so] = result.get(so, Progress()) + Progress(
			delivered_qty=qty, last_shipped_on=last_shipped, last_delivered_on=on, carrier_eta=carrier_eta
		)
	return result


def _confirmed_by_shipment(names: list[str], mode: str) -> dict[str, tuple[float, date | None, date | None]]:
	"""Per order, from its submitted Shipments: qty confirmed delivered and when (by a completed
	Shipment, or by the carrier's Delivered event, as `mode` says), and the latest arrival a
	carrier expects for goods not yet delivered."""
	sh = frappe.qb.DocType("Shipment")
	sdn = frappe.qb.DocType("Shipment Delivery Note")
	dni = frappe.qb.DocType("Delivery Note Item")
	rows = (
		frappe.qb.from_(sdn)
		.join(sh)
		.on(sh.name == sdn.parent)
		.join(dni)
		.on(dni.parent == sdn.delivery_note)
		.select(
			dni.against_sales_order,
			sh.status,
			sh.tracking_status,
			sh.modified,
			sh.carrier_delivered_at,
			sh.carrier_expected_arrival,
			Sum(dni.stock_qty).as_("qty"),
		)
		.where(dni.against_sales_order.isin(names) & (sh.docstatus == 1))
		.where(sdn.parenttype == "Shipment")
		.groupby(dni.against_sales_order, sh.name)
		.run(as_dict=True)
	)
	result: dict[str, tuple[float, date | None, date | None]] = {}
	for r in rows:
		qty, on, eta = result.get(r.against_sales_order, (0.0, None, None))
		if mode == CONFIRM_BY_CARRIER:
			delivered = r.tracking_status == "Delivered"
			delivered_on = r.carrier_delivered_at or r.modified
		else:
			delivered = r.status == "Completed"
			delivered_on = r.modified
		if delivered:
			qty += flt(r.qty)
			on = max(on, getdate(delivered_on)) if on else getdate(delivered_on)
		elif r.carrier_expected_arrival and r.tracking_status not in ("Delivered", "Returned", "Lost"):
			arrival = getdate(r.carrier_expected_arrival)
			eta = max(eta, arrival) if eta else arrival
		result[r.against_sales_order] = (qty, on, eta)
	return result


def _money(names: list[str], headers: dict) -> dict[str, Progress]:
	"""Paid amount per order: its share of what was paid on its invoices, plus advances not yet
	allocated to an invoice (see `core.tracking.paid_amount`)."""
	si = frappe.qb.DocType("Sales Invoice")
	sii = frappe.qb.DocType("Sales Invoice Item")
	adv = frappe.qb.DocType("Sales Invoice Advance")
	invoices = (
		frappe.qb.from_(sii)
		.join(si)
		.on(si.name == sii.parent)
		.select(
			sii.sales_order,
			si.name,
			si.net_total,
			si.grand_total,
			si.rounded_total,
			si.disable_rounded_total,
			si.outstanding_amount,
			si.due_date,
			Sum(sii.net_amount).as_("order_net"),
		)
		.where(sii.sales_order.isin(names) & (si.docstatus == 1) & (si.is_return == 0))
		.groupby(sii.sales_order, si.name)
		.run(as_dict=True)
	)
	invoiced_paid: dict[str, float] = defaultdict(float)
	receivable: dict[str, Progress] = {}
	for inv in invoices:
		total = (
			flt(inv.rounded_total)
			if flt(inv.rounded_total) and not inv.disable_rounded_total
			else flt(inv.grand_total)
		)
		share = flt(inv.order_net) / flt(inv.net_total) if flt(inv.net_total) else 0.0
		invoiced_paid[inv.sales_order] += share * max(total - flt(inv.outstanding_amount), 0.0)
		if flt(inv.outstanding_amount) > 0:
			receivable[inv.sales_order] = receivable.get(inv.sales_order, Progress()) + Progress(
				outstanding_amount=share * flt(inv.outstanding_amount),
				payment_due=getdate(inv.due_date) if inv.due_date else None,
			)

	allocated = dict(
		frappe.qb.from_(adv)
		.join(si)
		.on(si.name == adv.parent)
		.select(adv.reference_name, Sum(adv.allocated_amount))
		.where((adv.reference_type == "Sales Order") & adv.reference_name.isin(names) & (si.docstatus == 1))
		.groupby(adv.reference_name)
		.run()
	)
	result = {}
	for name in names:
		paid = paid_amount(
			invoiced_paid.get(name, 0.0), flt(headers[name].advance_paid), flt(allocated.get(name))
		)
		if paid or name in receivable:
			result[name] = Progress(paid_amount=paid) + receivable.get(name, Progress())
	return result


def _review_statuses(names: list[str]) -> dict[str, str]:
	"""The state of each order's latest review that is not cancelled: Approved (submitted),
	Rejected, or Pending (being checked or waiting for approval)."""
	rv = frappe.qb.DocType("Order Review")
	rows = (
		frappe.qb.from_(rv)
		.select(rv.sales_order, rv.docstatus, rv.workflow_state)
		.where(rv.sales_order.isin(names) & (rv.docstatus < 2))
		.orderby(rv.creation)
		.run(as_dict=True)
	)
	statuses = {}
	for r in rows:  # the latest wins
		if r.docstatus == 1:
			statuses[r.sales_order] = REVIEW_APPROVED
		elif r.workflow_state == "Rejected":
			statuses[r.sales_order] = REVIEW_REJECTED
		else:
			statuses[r.sales_order] = REVIEW_PENDING
	return statuses

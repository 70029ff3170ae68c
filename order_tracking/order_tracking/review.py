"""Order review on the frappe side: gather a Sales Order's facts from ERPNext (prices, credit,
BOMs, stock and open supply, workstation calendars and committed load), run the checks in
`order_tracking.core.review`, and turn their results into translated rows.

Every query works on whole sets (all lines, all BOMs of a level, all workstations), so a review
costs a fixed number of queries per BOM level, whatever the number of lines."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import frappe
from frappe import _, _lt
from frappe.query_builder.functions import Coalesce, Sum
from frappe.utils import add_days, cint, flt, get_time, getdate

from order_tracking.core import review as review_rules
from order_tracking.order_tracking.settings import get_settings

WORK_ORDER_OPEN = ("Not Started", "In Process")
JOB_CARD_OPEN = ("Open", "Work In Progress", "Material Transferred", "On Hold")

MESSAGES = {
	"price_not_listed": _lt("{0} has no price in the customer's price list"),
	"price_ok": _lt("{0}: rate {1} against list price {2} ({3}%)"),
	"price_deviation": _lt("{0}: rate {1} differs from list price {2} by {3}%, more than the {4}% allowed"),
	"no_credit_limit": _lt("No credit limit for this customer; outstanding with this order: {0}"),
	"credit_ok": _lt("Outstanding with this order {0} is within the credit limit {1}"),
	"credit_exceeded": _lt("Outstanding {0} plus this order {1} exceeds the credit limit {2}"),
	"terms_ok": _lt("Payment terms are set"),
	"terms_missing": _lt(
		"No payment terms: set a Payment Terms Template on the Sales Order (or a default one on the customer)"
	),
	"bom_missing": _lt("BOM {0} of {1} does not exist or is not submitted and active: fix the BOM"),
	"bom_cycle": _lt("BOM cycle {0}: a BOM must not contain itself"),
	"material_ok": _lt("{0} is available in time"),
	"material_late": _lt("{0}: {1} short on the due date; supply arriving on {2} covers it"),
	"material_short": _lt("{0}: {1} short and no purchase order or material request covers it"),
	"operation_without_workstation": _lt(
		"Operation {0} in BOM {1} has no workstation or workstation type: set one on the BOM"
	),
	"workstation_unknown": _lt("Workstation {0} does not exist"),
	"workstation_type_empty": _lt("No workstation has the type {0}: add one"),
	"no_working_hours": _lt("Workstation {0} has no working hours: set them on the workstation"),
	"no_holiday_list": _lt(
		"Workstation {0} has no holiday list, nor has the company: every day counts as a working day"
	),
	"no_capacity": _lt("{0} cannot fit this order's work within {1} days"),
	"capacity_late": _lt("{0} finishes this order's work on {1}, after the due date {2}"),
	"capacity_busy": _lt("{0} is {1}% loaded until the due date"),
	"capacity_ok": _lt("{0} is {1}% loaded until the due date"),
}

APPROVAL_REASONS = {
	"failed_checks": _lt("Some checks failed"),
	"large_order": _lt("The order total is above the approval amount"),
	"warnings": _lt("Some checks gave warnings"),
}


def result_detail(r: review_rules.CheckResult) -> str:
	def fmt(value):
		if isinstance(value, date):
			return frappe.format(value, {"fieldtype": "Date"})
		return value

	template = MESSAGES.get(r.code)
	return str(template).format(*(fmt(a) for a in r.args)) if template else r.code


@dataclass
class SalesOrderReview:
	results: list[review_rules.CheckResult]
	promised: date | None
	materials_complete_on: date | None
	feasible_on: date | None
	order_total: float
	outstanding: float
	credit_limit: float
	approval_required: bool
	approval_reason: str | None
	claims: dict[str, float]


def review_sales_order(so, exclude_review: str | None = None, today: date | None = None) -> SalesOrderReview:
	"""Run the order, material and capacity checks of a Sales Order (document) now."""
	today = today or getdate()
	settings = get_settings()
	rules = review_rules.OrderRules(
		max_price_deviation_pct=flt(settings.max_price_deviation),
		approval_amount=flt(settings.approval_amount),
	)
	lines = [d for d in so.items if d.item_code]
	due = max((getdate(d.delivery_date) for d in lines if d.delivery_date), default=None) or getdate(
		so.delivery_date or today
	)

	order_facts = _order_facts(so, lines)
	order_results = review_rules.check_order(order_facts, rules)

	tree = bom_tree({d.item_code: d.get("bom_no") for d in lines})
	material_lines = [
		review_rules.MaterialLine(d.idx, d.item_code, flt(d.stock_qty), getdate(d.delivery_date or due))
		for d in lines
	]
	supply = material_supply(so.company, tree.items, own_reservations(so) if so.docstatus == 1 else None)
	claims = _earlier_claims(so, due, exclude_review)
	materials = review_rules.MaterialLedger(supply, today, claims=claims)
	calendars, committed = workstation_capacity(so.company, tree.workstations, tree.workstation_types, today)
	capacity = review_rules.CapacityLedger(calendars, today, committed=committed)
	outcome = review_rules.review_order(
		review_rules.OrderToReview(so.name, due, tuple(material_lines)),
		tree.boms,
		tree.default_bom,
		tree.stock_items,
		tree.operations,
		materials,
		capacity,
		busy_pct=flt(settings.busy_utilisation) or 90.0,
	)
	results = order_results + outcome.results
	approval, reason = review_rules.needs_approval(results, order_facts.total, rules)
	return SalesOrderReview(
		results=results,
		promised=due,
		materials_complete_on=outcome.materials.materials_complete_on,
		feasible_on=outcome.feasible_on,
		order_total=order_facts.total,
		outstanding=order_facts.outstanding,
		credit_limit=order_facts.credit_limit,
		approval_required=approval,
		approval_reason=str(APPROVAL_REASONS[reason]) if reason else None,
		claims=outcome.materials.claims,
	)


# ------------------------------------------------------------------------------ order facts


def _order_facts(so, lines) -> review_rules.OrderFacts:
	from erpnext.selling.doctype.customer.customer import get_credit_limit, get_customer_outstanding

	list_rates = _list_rates(so, lines)
	priced = tuple(
		review_rules.PricedLine(d.idx, d.item_code, flt(d.rate), list_rates.get(d.name)) for d in lines
	)
	outstanding = flt(get_customer_outstanding(so.customer, so.company))
	if so.docstatus == 1:
		# a submitted order is already in the outstanding (its unbilled part): count it once
		outstanding -= flt(so.base_grand_total) * (1 - flt(so.per_billed) / 100)
	return review_rules.OrderFacts(
		total=flt(so.base_grand_total),
		lines=priced,
		credit_limit=flt(get_credit_limit(so.customer, so.company)),
		outstanding=max(outstanding, 0.0),
		# ERPNext fills a default payment schedule on every order: agreed terms are a template
		has_payment_terms=bool(so.get("payment_terms_template")),
	)


def _list_rates(so, lines) -> dict[str, float]:
	"""Each line's price in the order's price list (customer price first, then the general one;
	in the line's UOM, else the stock UOM times the conversion factor), in order currency."""
	if not so.selling_price_list or not lines:
		return {}
	ip = frappe.qb.DocType("Item Price")
	on = getdate(so.transaction_date)
	rows = (
		frappe.qb.from_(ip)
		.select(ip.item_code, ip.uom, ip.customer, ip.price_list_rate, ip.valid_from)
		.where(
			(ip.price_list == so.selling_price_list) & ip.item_code.isin(list({d.item_code for d in lines}))
		)
		.where((Coalesce(ip.customer, "") == "") | (ip.customer == so.customer))
		.where(Coalesce(ip.valid_from, "2000-01-01") <= on)
		.where(Coalesce(ip.valid_upto, "2500-12-31") >= on)
		.where(Coalesce(ip.batch_no, "") == "")
		.orderby(ip.valid_from)
		.run(as_dict=True)
	)
	prices: dict[tuple, float] = {}
	for r in rows:  # later valid_from wins; customer prices go in their own slot
		prices[(r.item_code, r.uom or "", bool(r.customer))] = flt(r.price_list_rate)
	currency_factor = 1.0
	if so.get("price_list_currency") and so.price_list_currency != so.currency and flt(so.conversion_rate):
		currency_factor = flt(so.plc_conversion_rate) / flt(so.conversion_rate)
	rates = {}
	for d in lines:
		for customer_price in (True, False):
			rate = prices.get((d.item_code, d.uom, customer_price))
			if rate is None:
				rate = prices.get((d.item_code, "", customer_price))
				rate = rate if rate is None else rate * flt(d.conversion_factor or 1)
			if rate is None and d.stock_uom != d.uom:
				rate = prices.get((d.item_code, d.stock_uom, customer_price))
				rate = rate if rate is None else rate * flt(d.conversion_factor or 1)
			if rate is not None:
				rates[d.name] = rate * currency_factor
				break
	return rates


# ------------------------------------------------------------------------------ BOM tree


@dataclass
class BomTree:
	boms: dict[str, review_rules.Bom]
	default_bom: dict[str, str]
	stock_items: frozenset[str]
	items: set[str]
	operations: dict[str, tuple[review_rules.Operation, ...]]
	workstations: set[str]
	workstation_types: set[str]


def bom_tree(line_boms: dict[str, str | None]) -> BomTree:
	"""Every BOM under the lines' items, level by level (one round of queries per level)."""
	items: set[str] = set(line_boms)
	if not items:
		return BomTree({}, {}, frozenset(), set(), {}, set(), set())
	info = _item_info(items)
	default_bom = {code: (line_boms.get(code) or info[code].default_bom) for code in items if code in info}
	default_bom = {code: name for code, name in default_bom.items() if name}

	boms: dict[str, review_rules.Bom] = {}
	with_operations: list[str] = []
	wanted = set(default_bom.values())
	while wanted:
		rows = _bom_level(wanted, boms, with_operations)
		new_items = {r.item_code for r in rows} - items
		if new_items:
			items |= new_items
			info.update(_item_info(new_items))
		wanted = {r.bom_no for r in rows if r.bom_no and not r.do_not_explode} - set(boms)

	operations: dict[str, tuple[review_rules.Operation, ...]] = {}
	workstations: set[str] = set()
	types: set[str] = set()
	if with_operations:
		operations, workstations, types = _bom_operations(with_operations, boms)

	stock_items = frozenset(code for code, r in info.items() if r.is_stock_item)
	return BomTree(boms, default_bom, stock_items, items, operations, workstations, types)


def _item_info(codes: set[str]) -> dict[str, frappe._dict]:
	item = frappe.qb.DocType("Item")
	return {
		r.name: r
		for r in frappe.qb.from_(item)
		.select(item.name, item.is_stock_item, item.default_bom)
		.where(item.name.isin(list(codes)))
		.run(as_dict=True)
	}


def _bom_level(
	wanted: set[str], boms: dict[str, review_rules.Bom], with_operations: list[str]
) -> list[frappe._dict]:
	"""Read one level of BOMs into `boms` (and those with operations into `with_operations`);
	returns their lines' rows."""
	bom = frappe.qb.DocType("BOM")
	bom_item = frappe.qb.DocType("BOM Item")
	headers = (
		frappe.qb.from_(bom)
		.select(bom.name, bom.item, bom.quantity, bom.process_loss_percentage, bom.with_operations)
		.where(bom.name.isin(list(wanted)) & (bom.docstatus == 1) & (bom.is_active == 1))
		.run(as_dict=True)
	)
	rows = (
		frappe.qb.from_(bom_item)
		.select(
			bom_item.parent,
			bom_item.item_code,
			bom_item.stock_qty,
			bom_item.bom_no,
			bom_item.do_not_explode,
			bom_item.sourced_by_supplier,
		)
		.where(bom_item.parent.isin([h.name for h in headers] or [""]) & (bom_item.parenttype == "BOM"))
		.orderby(bom_item.idx)
		.run(as_dict=True)
	)
	by_parent = defaultdict(list)
	for r in rows:
		by_parent[r.parent].append(
			review_rules.BomLine(
				r.item_code,
				flt(r.stock_qty),
				bom=r.bom_no or None,
				do_not_explode=bool(r.do_not_explode),
				sourced_by_supplier=bool(r.sourced_by_supplier),
			)
		)
	for h in headers:
		boms[h.name] = review_rules.Bom(
			h.name,
			h.item,
			flt(h.quantity) or 1.0,
			flt(h.process_loss_percentage),
			tuple(by_parent[h.name]),
		)
		if h.with_operations:
			with_operations.append(h.name)
	return rows


def _bom_operations(
	with_operations: list[str], boms: dict[str, review_rules.Bom]
) -> tuple[dict[str, tuple[review_rules.Operation, ...]], set[str], set[str]]:
	"""The BOMs' operations (minutes per unit unless fixed), and the workstations and workstation
	types they run on."""
	bom_op = frappe.qb.DocType("BOM Operation")
	workstations: set[str] = set()
	types: set[str] = set()
	ops = (
		frappe.qb.from_(bom_op)
		.select(
			bom_op.parent,
			bom_op.operation,
			bom_op.workstation,
			bom_op.workstation_type,
			bom_op.time_in_mins,
			bom_op.fixed_time,
			bom_op.sequence_id,
		)
		.where(bom_op.parent.isin(with_operations) & (bom_op.parenttype == "BOM"))
		.orderby(bom_op.idx)
		.run(as_dict=True)
	)
	grouped = defaultdict(list)
	for op in ops:
		quantity = boms[op.parent].quantity
		minutes = flt(op.time_in_mins) if op.fixed_time else flt(op.time_in_mins) / quantity
		grouped[op.parent].append(
			review_rules.Operation(
				op.operation,
				op.workstation or None,
				op.workstation_type or None,
				minutes,
				bool(op.fixed_time),
				cint(op.sequence_id),
			)
		)
		if op.workstation:
			workstations.add(op.workstation)
		elif op.workstation_type:
			types.add(op.workstation_type)
	return {name: tuple(ops) for name, ops in grouped.items()}, workstations, types


# ------------------------------------------------------------------------------ supply


def own_reservations(so) -> dict[str, float]:
	"""What a submitted order itself reserves of its items (not a claim against it)."""
	reserved: dict[str, float] = defaultdict(float)
	for d in so.items:
		reserved[d.item_code] += max(flt(d.stock_qty) - flt(d.delivered_qty) * flt(d.conversion_factor), 0)
	return dict(reserved)


def material_supply(
	company: str, items: set[str], own: dict[str, float] | None = None
) -> dict[str, review_rules.ItemSupply]:
	"""Per item, over the company's warehouses: stock not reserved (for production, for
	subcontracting, for other orders — except `own`, what the orders being checked reserve
	themselves), then purchase orders still to be received and material requests still to be
	ordered, each on its date. Undated supply in Bin.projected_qty is not used: the dated documents
	behind it are counted on their dates instead."""
	items = list(items)
	if not items:
		return {}
	on_hand, receipts = supply_by_company(items, [company])
	stock = {code: on_hand.get((code, company), 0.0) for code in items}
	for item_code, qty in (own or {}).items():
		if (item_code, company) in on_hand:
			stock[item_code] += qty
	return {code: review_rules.ItemSupply(stock[code], receipts.get((code, company), [])) for code in items}


def supply_by_company(items: list[str], companies: list[str]):
	"""Per (item, company): stock on hand not reserved, and the dated receipts — open purchase order
	lines and material requests not yet ordered. Three queries for any number of items and
	companies."""
	b = frappe.qb.DocType("Bin")
	wh = frappe.qb.DocType("Warehouse")
	on_hand = {
		(r.item_code, r.company): flt(r.qty)
		for r in frappe.qb.from_(b)
		.join(wh)
		.on(wh.name == b.warehouse)
		.select(
			b.item_code,
			wh.company,
			Sum(
				b.actual_qty
				- b.reserved_qty
				- b.reserved_qty_for_production
				- b.reserved_qty_for_sub_contract
				- Coalesce(b.reserved_qty_for_production_plan, 0)
			).as_("qty"),
		)
		.where(b.item_code.isin(items) & wh.company.isin(companies or [""]))
		.groupby(b.item_code, wh.company)
		.run(as_dict=True)
	}

	receipts: dict[tuple[str, str], list[tuple[date, float]]] = defaultdict(list)
	po = frappe.qb.DocType("Purchase Order")
	poi = frappe.qb.DocType("Purchase Order Item")
	for r in (
		frappe.qb.from_(poi)
		.join(po)
		.on(po.name == poi.parent)
		.select(
			poi.item_code,
			po.company,
			Coalesce(poi.expected_delivery_date, poi.schedule_date).as_("on"),
			((poi.qty - poi.received_qty) * poi.conversion_factor).as_("qty"),
		)
		.where(poi.item_code.isin(items) & (po.docstatus == 1) & po.company.isin(companies or [""]))
		.where(
			po.status.notin(("Closed", "On Hold", "Completed", "Delivered")) & (poi.received_qty < poi.qty)
		)
		.run(as_dict=True)
	):
		receipts[(r.item_code, r.company)].append((getdate(r.on), flt(r.qty)))

	mr = frappe.qb.DocType("Material Request")
	mri = frappe.qb.DocType("Material Request Item")
	for r in (
		frappe.qb.from_(mri)
		.join(mr)
		.on(mr.name == mri.parent)
		.select(
			mri.item_code,
			mr.company,
			mri.schedule_date.as_("on"),
			(mri.stock_qty - mri.ordered_qty * mri.conversion_factor).as_("qty"),
		)
		.where(mri.item_code.isin(items) & (mr.docstatus == 1) & mr.company.isin(companies or [""]))
		.where(mr.material_request_type.isin(("Purchase", "Manufacture")))
		.where(
			mr.status.notin(
				("Stopped", "Cancelled", "Ordered", "Received", "Transferred", "Issued", "Manufactured")
			)
		)
		.run(as_dict=True)
	):
		if flt(r.qty) > 0:
			receipts[(r.item_code, r.company)].append((getdate(r.on), flt(r.qty)))
	return on_hand, receipts


def _earlier_claims(so, due: date, exclude_review: str | None) -> dict[str, float]:
	"""What approved reviews of other orders, due no later than this one and not yet in
	production (their work orders would reserve the materials themselves), already claim."""
	rv = frappe.qb.DocType("Order Review")
	tr = frappe.qb.DocType("Order Tracker")
	rows = (
		frappe.qb.from_(rv)
		.join(tr)
		.on(tr.name == rv.sales_order)
		.select(rv.material_claims)
		.where((rv.docstatus == 1) & (rv.sales_order != so.name) & (rv.promised_date <= due))
		.where(tr.stage.isin(("Under Review", "Approved")) & (rv.company == so.company))
		.where(rv.name != (exclude_review or ""))
		.run(as_dict=True)
	)
	claims: dict[str, float] = defaultdict(float)
	for r in rows:
		for item_code, qty in json.loads(r.material_claims or "{}").items():
			claims[item_code] += flt(qty)
	return dict(claims)


# ------------------------------------------------------------------------------ capacity


def workstation_capacity(company, workstations: set[str], types: set[str], today: date):
	"""Calendars of the workstations the order needs, and the load already committed on them."""
	ws = frappe.qb.DocType("Workstation")
	query = frappe.qb.from_(ws).select(ws.name, ws.workstation_type, ws.holiday_list, ws.production_capacity)
	condition = ws.name.isin(list(workstations) or [""])
	if types:
		condition = condition | ws.workstation_type.isin(list(types))
	stations = query.where(condition).run(as_dict=True)
	if not stations:
		return [], {}
	names = [s.name for s in stations]

	hours = frappe.qb.DocType("Workstation Working Hour")
	periods: dict[str, list[tuple[int, int]]] = defaultdict(list)
	for h in (
		frappe.qb.from_(hours)
		.select(hours.parent, hours.start_time, hours.end_time, hours.enabled)
		.where(hours.parent.isin(names) & (hours.parenttype == "Workstation"))
		.run(as_dict=True)
	):
		if cint(h.enabled) and h.start_time and h.end_time:
			start, end = _minute_of_day(h.start_time), _minute_of_day(h.end_time)
			if end > start:
				periods[h.parent].append((start, end))

	company_holidays = frappe.db.get_value("Company", company, "default_holiday_list")
	lists = {s.holiday_list or company_holidays for s in stations} - {None, ""}
	holidays: dict[str, set[date]] = defaultdict(set)
	if lists:
		hd = frappe.qb.DocType("Holiday")
		for h in (
			frappe.qb.from_(hd)
			.select(hd.parent, hd.holiday_date)
			.where(hd.parent.isin(list(lists)) & (hd.parenttype == "Holiday List"))
			.where(hd.holiday_date[today : add_days(today, review_rules.HORIZON_DAYS)])
			.run(as_dict=True)
		):
			holidays[h.parent].add(getdate(h.holiday_date))

	calendars = []
	for s in stations:
		holiday_list = s.holiday_list or company_holidays
		calendars.append(
			review_rules.Calendar.from_periods(
				s.name,
				tuple(_merge_periods(periods.get(s.name, []))),
				parallel=max(cint(s.production_capacity), 1),
				holidays=frozenset(holidays.get(holiday_list, ())),
				workstation_type=s.workstation_type or None,
				holiday_list=holiday_list or None,
			)
		)
	return calendars, _committed_load(names)


def _minute_of_day(value) -> int:
	t = get_time(value)
	return t.hour * 60 + t.minute


def _merge_periods(periods: list[tuple[int, int]]) -> list[tuple[int, int]]:
	"""Working hours as sorted periods, overlapping or touching rows joined."""
	merged: list[list[int]] = []
	for start, end in sorted(periods):
		if merged and start <= merged[-1][1]:
			merged[-1][1] = max(merged[-1][1], end)
		else:
			merged.append([start, end])
	return [(a, b) for a, b in merged]


def _committed_load(workstations: list[str]) -> dict[str, float]:
	"""Minutes still to be worked on each workstation: open job cards of open work orders, and the
	operations of open work orders that have no job card yet. A stopped work order holds no
	capacity until it is resumed: the same rule as the week plans and the daily schedule."""
	wo = frappe.qb.DocType("Work Order")
	wop = frappe.qb.DocType("Work Order Operation")
	jc = frappe.qb.DocType("Job Card")
	load: dict[str, float] = defaultdict(float)

	cards = (
		frappe.qb.from_(jc)
		.join(wo)
		.on(wo.name == jc.work_order)
		.select(
			jc.workstation,
			jc.operation_id,
			jc.time_required,
			jc.total_time_in_mins,
			jc.for_quantity,
			jc.total_completed_qty,
		)
		.where(
			jc.workstation.isin(workstations)
			& (jc.docstatus == 0)
			& jc.status.isin(JOB_CARD_OPEN)
			& (wo.docstatus == 1)
			& wo.status.isin(WORK_ORDER_OPEN)
		)
		.run(as_dict=True)
	)
	with_card = {c.operation_id for c in cards if c.operation_id}
	for c in cards:
		load[c.workstation] += max(flt(c.time_required) - flt(c.total_time_in_mins), 0.0)

	for op in (
		frappe.qb.from_(wop)
		.join(wo)
		.on(wo.name == wop.parent)
		.select(wop.name, wop.workstation, wop.time_in_mins, wop.completed_qty, wo.qty)
		.where(wop.workstation.isin(workstations) & (wo.docstatus == 1) & wo.status.isin(WORK_ORDER_OPEN))
		.run(as_dict=True)
	):
		if op.name in with_card or not flt(op.qty):
			continue
		remaining = max(flt(op.qty) - flt(op.completed_qty), 0.0) / flt(op.qty)
		load[op.workstation] += flt(op.time_in_mins) * remaining
	return dict(load)


def proposed_date(promised: date | None, feasible_on: date | None) -> date | None:
	"""A new delivery date when the order cannot be complete by the promised one."""
	if not feasible_on or not promised or feasible_on <= promised:
		return None
	return feasible_on + timedelta(days=cint(get_settings().transit_days))

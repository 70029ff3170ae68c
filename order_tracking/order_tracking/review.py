"""Order review on the frappe side: gather a Sales Order's facts from ERPNext (prices, credit,
BOMs, stock and open supply, workstation calendars and committed load), run the checks in
`order_tracking.core.review`, and turn their results into translated rows. The facts come from
`review_boms` (the BOM tree), `review_supply` (stock and open supply) and `review_capacity`
(calendars and committed load); their functions keep their old address here too.

Every query works on whole sets (all lines, all BOMs of a level, all workstations), so a review
costs a fixed number of queries per BOM level, whatever the number of lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import frappe
from frappe import _lt
from frappe.query_builder.functions import Coalesce
from frappe.utils import cint, flt, getdate

from order_tracking.core import review as review_rules
from order_tracking.order_tracking.review_boms import (
	BomTree,
	bom_tree,
)
from order_tracking.order_tracking.review_capacity import (
	JOB_CARD_OPEN,
	WORK_ORDER_OPEN,
	workstation_capacity,
)
from order_tracking.order_tracking.review_supply import (
	_earlier_claims,
	material_supply,
	own_reservations,
	supply_by_company,
)
from order_tracking.order_tracking.settings import get_settings

__all__ = [
	"APPROVAL_REASONS",
	"JOB_CARD_OPEN",
	"MESSAGES",
	"WORK_ORDER_OPEN",
	"BomTree",
	"SalesOrderReview",
	"bom_tree",
	"material_supply",
	"own_reservations",
	"proposed_date",
	"result_detail",
	"review_sales_order",
	"supply_by_company",
	"workstation_capacity",
]

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


def proposed_date(promised: date | None, feasible_on: date | None) -> date | None:
	"""A new delivery date when the order cannot be complete by the promised one."""
	if not feasible_on or not promised or feasible_on <= promised:
		return None
	return feasible_on + timedelta(days=cint(get_settings().transit_days))

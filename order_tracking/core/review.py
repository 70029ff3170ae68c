"""Order review: the order, material and capacity checks a planner runs before committing to
an order (the seeds' 订单评审). Plain data in, plain results out.

- `check_order`: each line's rate against the customer's price list, credit (outstanding plus
  this order against the limit), payment terms, and whether the order's size needs approval.
- `check_materials`: explode each line through its BOMs to every level — sub-assemblies in stock
  are used before they are made, phantoms (not stocked) are always exploded, process loss raises
  what goes in — and net what the leaves need against what is really available by the line's
  due date: stock on hand not yet reserved for production, plus purchase orders and material
  requests arriving by then, minus what earlier orders already claimed. Result: a shortage per
  material with the date supply covers it, and the date the order's materials are complete.
- `check_capacity`: the time each operation needs, per workstation (or workstation type), put
  on the workstations' calendars from today after the load already committed, earliest hours
  first; result: utilisation up to the due date and the earliest feasible completion date.

`MaterialLedger` and `CapacityLedger` carry what earlier orders claimed, so checking many orders
at once in due-date order gives the same answers as checking them one by one in that order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from order_tracking.core.review_capacity import (
	HORIZON_DAYS,
	Calendar,
	CapacityLedger,
	CapacityOutcome,
	Operation,
	check_capacity,
	operation_loads,
)
from order_tracking.core.review_materials import (
	Bom,
	BomLine,
	ItemSupply,
	MadeQty,
	MaterialLedger,
	MaterialLine,
	MaterialNeed,
	MaterialNetting,
	MaterialOutcome,
	check_materials,
	material_result,
)
from order_tracking.core.review_results import (
	CAPACITY,
	EPS,
	FAIL,
	MATERIAL,
	ORDER,
	PASS,
	WARN,
	CheckResult,
	worst,
)

# the review's parts keep their old address: `core.review.X` for each of them
__all__ = [
	"CAPACITY",
	"EPS",
	"FAIL",
	"HORIZON_DAYS",
	"MATERIAL",
	"ORDER",
	"PASS",
	"WARN",
	"Bom",
	"BomLine",
	"Calendar",
	"CapacityLedger",
	"CapacityOutcome",
	"CheckResult",
	"ItemSupply",
	"MadeQty",
	"MaterialLedger",
	"MaterialLine",
	"MaterialNeed",
	"MaterialNetting",
	"MaterialOutcome",
	"Operation",
	"check_capacity",
	"check_materials",
	"material_result",
	"operation_loads",
	"worst",
]

# =============================================================================== order check


@dataclass(frozen=True)
class PricedLine:
	row: int
	item_code: str
	rate: float
	list_rate: float | None  # None: no price in the customer's price list


@dataclass(frozen=True)
class OrderFacts:
	total: float  # order total in company currency
	lines: tuple[PricedLine, ...] = ()
	credit_limit: float = 0.0  # 0: no limit
	outstanding: float = 0.0  # the customer's outstanding without this order
	has_payment_terms: bool = False


@dataclass(frozen=True)
class OrderRules:
	max_price_deviation_pct: float = 10.0
	approval_amount: float = 0.0  # 0: no amount needs approval by itself


def check_order(facts: OrderFacts, rules: OrderRules) -> list[CheckResult]:
	results: list[CheckResult] = []
	for line in facts.lines:
		subject = f"#{line.row} {line.item_code}"
		if line.list_rate is None:
			results.append(
				CheckResult(
					ORDER, WARN, "price_not_listed", subject, (line.item_code,), item_code=line.item_code
				)
			)
			continue
		if abs(line.list_rate) < EPS:
			deviation = 0.0 if abs(line.rate) < EPS else 100.0
		else:
			deviation = (line.rate - line.list_rate) / line.list_rate * 100
		verdict = FAIL if abs(deviation) > rules.max_price_deviation_pct + EPS else PASS
		results.append(
			CheckResult(
				ORDER,
				verdict,
				"price_deviation" if verdict == FAIL else "price_ok",
				subject,
				(
					line.item_code,
					round(line.rate, 2),
					round(line.list_rate, 2),
					round(deviation, 1),
					rules.max_price_deviation_pct,
				),
				item_code=line.item_code,
				required=line.rate,
				available=line.list_rate,
			)
		)

	exposure = facts.outstanding + facts.total
	if facts.credit_limit <= 0:
		results.append(CheckResult(ORDER, PASS, "no_credit_limit", "credit", (round(exposure, 2),)))
	elif exposure > facts.credit_limit + EPS:
		results.append(
			CheckResult(
				ORDER,
				FAIL,
				"credit_exceeded",
				"credit",
				(round(facts.outstanding, 2), round(facts.total, 2), round(facts.credit_limit, 2)),
				required=exposure,
				available=facts.credit_limit,
				shortage=exposure - facts.credit_limit,
			)
		)
	else:
		results.append(
			CheckResult(
				ORDER,
				PASS,
				"credit_ok",
				"credit",
				(round(exposure, 2), round(facts.credit_limit, 2)),
				required=exposure,
				available=facts.credit_limit,
			)
		)

	if facts.has_payment_terms:
		results.append(CheckResult(ORDER, PASS, "terms_ok", "terms"))
	else:
		results.append(CheckResult(ORDER, FAIL, "terms_missing", "terms"))
	return results


def needs_approval(
	results: Iterable[CheckResult], total: float, rules: OrderRules
) -> tuple[bool, str | None]:
	"""Whether an Order Reviewer must approve, and why (a code)."""
	results = list(results)
	if any(r.result == FAIL for r in results):
		return True, "failed_checks"
	if rules.approval_amount > 0 and total > rules.approval_amount + EPS:
		return True, "large_order"
	if any(r.result == WARN for r in results):
		return True, "warnings"
	return False, None


# ============================================================================= many orders


@dataclass(frozen=True)
class OrderToReview:
	name: str
	due: date
	lines: tuple[MaterialLine, ...]


@dataclass
class ReviewOutcome:
	name: str
	materials: MaterialOutcome
	capacity: CapacityOutcome
	feasible_on: date | None  # earliest date the order can be complete (None: not feasible)

	@property
	def results(self) -> list[CheckResult]:
		return self.materials.results + self.capacity.results


def review_order(
	order: OrderToReview,
	boms: Mapping[str, Bom],
	default_bom: Mapping[str, str],
	stock_items: set[str] | frozenset[str],
	operations: Mapping[str, tuple[Operation, ...]],
	materials: MaterialLedger,
	capacity: CapacityLedger,
	busy_pct: float = 90.0,
) -> ReviewOutcome:
	"""Material and capacity check of one order; production starts when its materials are complete."""
	m = check_materials(order.lines, boms, default_bom, stock_items, materials)
	c = check_capacity(
		m.made, operations, capacity, order.due, start=m.materials_complete_on, busy_pct=busy_pct
	)
	feasible = (
		None
		if m.materials_complete_on is None or c.completion is None
		else max(m.materials_complete_on, c.completion)
	)
	return ReviewOutcome(order.name, m, c, feasible)


def review_orders(
	orders: Iterable[OrderToReview],
	boms: Mapping[str, Bom],
	default_bom: Mapping[str, str],
	stock_items: set[str] | frozenset[str],
	operations: Mapping[str, tuple[Operation, ...]],
	materials: MaterialLedger,
	capacity: CapacityLedger,
) -> list[ReviewOutcome]:
	"""Many orders at once, in due-date order, each after the claims of those before it."""
	return [
		review_order(order, boms, default_bom, stock_items, operations, materials, capacity)
		for order in sorted(orders, key=lambda o: (o.due, o.name))
	]

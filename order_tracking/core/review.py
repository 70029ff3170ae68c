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

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate

PASS = "Pass"
WARN = "Warn"
FAIL = "Fail"
ORDER = "Order"
MATERIAL = "Material"
CAPACITY = "Capacity"
EPS = 1e-6

_RANK = {PASS: 0, WARN: 1, FAIL: 2}


@dataclass(frozen=True)
class CheckResult:
	"""One row of a review: which check, about what, the verdict, and the figures behind it.
	`code` and `args` name the reason; the app turns them into a translated sentence."""

	check: str
	result: str
	code: str
	subject: str = ""
	args: tuple = ()
	item_code: str | None = None
	workstation: str | None = None
	required: float = 0.0
	available: float = 0.0
	shortage: float = 0.0
	on: date | None = None
	load_hours: float = 0.0
	capacity_hours: float = 0.0
	utilisation_pct: float = 0.0


def worst(results: Iterable[CheckResult]) -> str:
	verdict = PASS
	for r in results:
		if _RANK[r.result] > _RANK[verdict]:
			verdict = r.result
	return verdict


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


# ============================================================================ material check


@dataclass(frozen=True)
class BomLine:
	item_code: str
	qty: float  # stock qty per BOM quantity
	bom: str | None = None  # the component's own BOM (sub-assembly or phantom)
	do_not_explode: bool = False
	sourced_by_supplier: bool = False


@dataclass(frozen=True)
class Bom:
	name: str
	item_code: str
	quantity: float = 1.0
	process_loss_pct: float = 0.0
	lines: tuple[BomLine, ...] = ()


@dataclass(frozen=True)
class MaterialLine:
	row: int
	item_code: str
	qty: float  # stock qty
	due: date


@dataclass
class ItemSupply:
	"""What of one item can be had, and when: on hand today, then receipts by date."""

	on_hand: float = 0.0
	receipts: list[tuple[date, float]] = field(default_factory=list)

	def __post_init__(self):
		self.receipts = sorted(self.receipts)


@dataclass
class _Take:
	taken: float  # by the due date
	shortage: float
	last_supply_on: date | None  # date of the latest supply used by the due date (today: stock)
	covered_on: date | None  # when the shortage is covered by later supply (None: never)
	claimed: float  # taken plus later supply reserved for the shortage


class MaterialLedger:
	"""Supply of every item, consumed claim by claim, earliest supply first."""

	def __init__(
		self, supply: Mapping[str, ItemSupply], today: date, claims: Mapping[str, float] | None = None
	):
		self.today = today
		# per item: [date, remaining qty] lots, stock on hand first
		self._lots: dict[str, list[list]] = {}
		for item_code, s in supply.items():
			lots = [[today, max(s.on_hand, 0.0)]]
			lots += [[max(on, today), qty] for on, qty in s.receipts if qty > 0]
			self._lots[item_code] = sorted(lots, key=lambda lot: lot[0])
		for item_code, qty in (claims or {}).items():
			self._consume(item_code, qty, None)

	def _consume(self, item_code: str, qty: float, until: date | None) -> tuple[float, date | None]:
		"""Take up to `qty` from lots dated `until` or earlier (all lots when None)."""
		wanted = qty
		last_on = None
		for lot in self._lots.get(item_code, ()):
			if wanted <= EPS:
				break
			if (until is not None and lot[0] > until) or lot[1] <= EPS:
				continue
			used = min(lot[1], wanted)
			lot[1] -= used
			wanted -= used
			last_on = lot[0]
		return qty - wanted, last_on

	def available(self, item_code: str, until: date) -> float:
		return sum(lot[1] for lot in self._lots.get(item_code, ()) if lot[0] <= until)

	def take(self, item_code: str, qty: float, due: date, wait_for_late_supply: bool = True) -> _Take:
		taken, last_on = self._consume(item_code, qty, due)
		shortage = qty - taken
		covered_on, claimed = None, taken
		if shortage > EPS and wait_for_late_supply:
			late, late_on = self._consume(item_code, shortage, None)
			claimed += late
			if late >= shortage - EPS:
				covered_on = late_on
		return _Take(taken, max(shortage, 0.0), last_on, covered_on, claimed)


@dataclass
class MaterialNeed:
	item_code: str
	required: float = 0.0
	available: float = 0.0
	shortage: float = 0.0
	covered_on: date | None = None
	complete: bool = True


@dataclass(frozen=True)
class MadeQty:
	bom: str
	item_code: str
	qty: float
	due: date
	parent: int | None = None  # index in `made` of what this sub-assembly goes into (None: the line's item)
	row: int = 0  # the order line it is made for


@dataclass
class MaterialOutcome:
	results: list[CheckResult]
	needs: dict[str, MaterialNeed]
	made: list[MadeQty]  # what has to be made, BOM by BOM (for the capacity check)
	materials_complete_on: date | None  # None: a shortage no known supply covers
	claims: dict[str, float]  # what this order takes of each item (for orders after it)


def check_materials(
	lines: Iterable[MaterialLine],
	boms: Mapping[str, Bom],
	default_bom: Mapping[str, str],
	stock_items: set[str] | frozenset[str],
	ledger: MaterialLedger,
) -> MaterialOutcome:
	"""Net one order's material needs against `ledger` (which it consumes).

	A line's item with a default BOM is made: what stock of it there is gets used first, the rest
	is exploded. Components with a BOM of their own are sub-assemblies — used from stock, the
	rest made — or phantoms when they are not stock items (always exploded). `do_not_explode`
	components are bought as they are; `sourced_by_supplier` ones come with the subcontractor;
	components that are not stock items (services) need no material.
	"""
	netting = MaterialNetting(boms, stock_items, ledger)
	for line in sorted(lines, key=lambda l: (l.due, l.row)):
		netting.need(line.item_code, line.qty, line.due, default_bom.get(line.item_code), (), None, line.row)
	return netting.outcome()


class MaterialNetting:
	"""The steps of `check_materials`: each need taken from the ledger, or made from its BOM."""

	def __init__(
		self, boms: Mapping[str, Bom], stock_items: set[str] | frozenset[str], ledger: MaterialLedger
	):
		self.boms, self.stock_items, self.ledger = boms, stock_items, ledger
		self.needs: dict[str, MaterialNeed] = {}
		self.problems: dict[tuple, CheckResult] = {}
		self.claims: dict[str, float] = defaultdict(float)
		self.made: list[MadeQty] = []
		self.complete_on: date = ledger.today
		self.never = False

	def later(self, on: date | None):
		if on is not None and on > self.complete_on:
			self.complete_on = on

	def leaf(self, item_code: str, qty: float, due: date):
		if item_code not in self.stock_items:
			return
		take = self.ledger.take(item_code, qty, due)
		self.claims[item_code] += take.claimed
		n = self.needs.setdefault(item_code, MaterialNeed(item_code))
		n.required += qty
		n.available += take.taken
		n.shortage += take.shortage
		self.later(take.last_supply_on)
		if take.shortage > EPS:
			if take.covered_on is None:
				n.complete = False
				self.never = True
			else:
				n.covered_on = max(n.covered_on or take.covered_on, take.covered_on)
				self.later(take.covered_on)

	def need(
		self,
		item_code: str,
		qty: float,
		due: date,
		bom_name: str | None,
		path: tuple[str, ...],
		parent: int | None = None,
		row: int = 0,
	):
		if qty <= EPS:
			return
		if not bom_name:
			self.leaf(item_code, qty, due)
			return
		bom = self.bom_to_explode(item_code, bom_name, path)
		if bom is None:
			return
		to_make = self.from_stock(item_code, qty, due)
		if to_make > EPS:
			self.explode(bom, item_code, to_make, due, path, parent, row)

	def bom_to_explode(self, item_code: str, bom_name: str, path: tuple[str, ...]) -> Bom | None:
		"""The BOM to make `item_code` from; None (and the problem noted) when it is missing or
		would make the item out of itself."""
		bom = self.boms.get(bom_name)
		if bom is None:
			self.problems.setdefault(
				("bom_missing", bom_name),
				CheckResult(
					MATERIAL, FAIL, "bom_missing", item_code, (bom_name, item_code), item_code=item_code
				),
			)
			return None
		if item_code in path:
			cycle = " → ".join((*path[path.index(item_code) :], item_code))
			self.problems.setdefault(
				("bom_cycle", item_code),
				CheckResult(MATERIAL, FAIL, "bom_cycle", item_code, (cycle,), item_code=item_code),
			)
			return None
		return bom

	def from_stock(self, item_code: str, qty: float, due: date) -> float:
		"""A sub-assembly (or the product) in stock is used first: what is left to make."""
		if item_code not in self.stock_items:
			return qty
		take = self.ledger.take(item_code, qty, due, wait_for_late_supply=False)
		self.claims[item_code] += take.claimed
		self.later(take.last_supply_on if take.taken > EPS else None)
		return take.shortage

	def explode(
		self,
		bom: Bom,
		item_code: str,
		to_make: float,
		due: date,
		path: tuple[str, ...],
		parent: int | None,
		row: int,
	):
		self.made.append(MadeQty(bom.name, item_code, to_make, due, parent, row))
		index = len(self.made) - 1
		loss = min(max(bom.process_loss_pct, 0.0), 99.0) / 100
		per_unit = to_make / ((bom.quantity or 1.0) * (1 - loss))
		for line in bom.lines:
			if line.sourced_by_supplier:
				continue
			child_bom = None if line.do_not_explode else line.bom
			self.need(line.item_code, line.qty * per_unit, due, child_bom, (*path, item_code), index, row)

	def results(self) -> list[CheckResult]:
		results = list(self.problems.values())
		for n in sorted(self.needs.values(), key=lambda n: n.item_code):
			results.append(material_result(n))
		return results

	def outcome(self) -> MaterialOutcome:
		complete_on = None if (self.problems or self.never) else self.complete_on
		return MaterialOutcome(self.results(), self.needs, self.made, complete_on, dict(self.claims))


def material_result(n: MaterialNeed) -> CheckResult:
	"""Pass, Warn (late but covered) or Fail (short) for one item's netted need."""
	figures = dict(item_code=n.item_code, required=n.required, available=n.available, shortage=n.shortage)
	if n.shortage <= EPS:
		return CheckResult(MATERIAL, PASS, "material_ok", n.item_code, (n.item_code,), **figures)
	if n.complete:
		return CheckResult(
			MATERIAL,
			WARN,
			"material_late",
			n.item_code,
			(n.item_code, round(n.shortage, 3), n.covered_on),
			on=n.covered_on,
			**figures,
		)
	return CheckResult(
		MATERIAL, FAIL, "material_short", n.item_code, (n.item_code, round(n.shortage, 3)), **figures
	)


# ============================================================================ capacity check

HORIZON_DAYS = 730


@dataclass(frozen=True)
class Operation:
	operation: str
	workstation: str | None
	workstation_type: str | None
	minutes: float  # per unit made (fixed time: per batch)
	fixed: bool = False  # fixed time: once per batch whatever the qty
	sequence_id: int = 0  # routing order; operations sharing a sequence id may run side by side


@dataclass(frozen=True)
class Calendar:
	"""A workstation's working time: the same working periods every day but holidays, on
	`parallel` identical units. The review and period plans count minutes per day; the scheduler
	(`core.scheduling`) places operations within `periods`."""

	workstation: str
	minutes_per_day: float  # working hours of one unit, in minutes
	parallel: int = 1  # production capacity: jobs at once
	holidays: frozenset[date] = frozenset()
	workstation_type: str | None = None
	holiday_list: str | None = None
	periods: tuple[tuple[int, int], ...] = ()  # working periods of a day, minutes from midnight

	@classmethod
	def from_periods(
		cls,
		workstation: str,
		periods: tuple[tuple[int, int], ...],
		parallel: int = 1,
		holidays: frozenset[date] = frozenset(),
		workstation_type: str | None = None,
		holiday_list: str | None = None,
	) -> Calendar:
		periods = tuple(sorted((int(a), int(b)) for a, b in periods if b > a))
		return cls(
			workstation,
			float(sum(b - a for a, b in periods)),
			parallel,
			holidays,
			workstation_type,
			holiday_list,
			periods,
		)

	def day_periods(self) -> tuple[tuple[int, int], ...]:
		"""The working periods of a working day; a calendar known only by its minutes a day
		works them from 08:00."""
		if self.periods:
			return self.periods
		if self.minutes_per_day > 0:
			return ((480, 480 + int(round(self.minutes_per_day))),)
		return ()

	def capacity(self, day: date) -> float:
		if day in self.holidays:
			return 0.0
		return max(self.minutes_per_day, 0.0) * max(self.parallel, 1)


@lru_cache(maxsize=4096)
def _capacity_days(calendar: Calendar, today: date) -> tuple[tuple[float, ...], tuple[float, ...]]:
	"""Minutes available each day of the horizon from `today`, and their running totals."""
	days = tuple(calendar.capacity(today + timedelta(days=k)) for k in range(HORIZON_DAYS))
	return days, tuple(accumulate(days))


class CapacityLedger:
	"""Remaining minutes of every workstation, day by day from today; load is placed earliest
	first. `committed` load (open work orders and job cards) is placed from today when the ledger
	is made; `booked` is load already placed day by day (orders checked before this one)."""

	def __init__(
		self,
		calendars: Iterable[Calendar],
		today: date,
		committed: Mapping[str, float] | None = None,
		booked: Mapping[str, Mapping[int, float]] | None = None,
	):
		self.today = today
		self.calendars = {c.workstation: c for c in calendars}
		self._cap = {ws: _capacity_days(c, today) for ws, c in self.calendars.items()}
		self._used: dict[str, list[float]] = {ws: [0.0] * HORIZON_DAYS for ws in self.calendars}
		self.by_type: dict[str, list[str]] = defaultdict(list)
		for c in sorted(self.calendars.values(), key=lambda c: c.workstation):
			if c.workstation_type:
				self.by_type[c.workstation_type].append(c.workstation)
		for workstation, days in (booked or {}).items():
			used = self._used.get(workstation)
			if used is not None:
				for offset, minutes in days.items():
					used[offset] += minutes
		for workstation, minutes in sorted((committed or {}).items()):
			if workstation in self.calendars:
				self.place([workstation], minutes, today)

	def place(
		self, workstations: list[str], minutes: float, start: date
	) -> tuple[date | None, dict[str, dict[int, float]]]:
		"""Put `minutes` on the pool `workstations` from `start`, earliest first. Returns the day
		the last minute lands (None: not within the horizon) and the minutes placed per
		workstation and day offset."""
		remaining = minutes
		placed: dict[str, dict[int, float]] = defaultdict(dict)
		offset = max((start - self.today).days, 0)
		last = None
		pool = [(ws, self._cap[ws][0], self._used[ws]) for ws in workstations]
		while remaining > EPS and offset < HORIZON_DAYS:
			for ws, cap, used in pool:
				free = cap[offset] - used[offset]
				if free <= EPS:
					continue
				take = free if free < remaining else remaining
				used[offset] += take
				placed[ws][offset] = placed[ws].get(offset, 0.0) + take
				remaining -= take
				last = offset
				if remaining <= EPS:
					break
			offset += 1
		if remaining > EPS:
			return None, dict(placed)
		return (self.today + timedelta(days=last)) if last is not None else start, dict(placed)

	def window(self, workstations: list[str], until: date) -> tuple[float, float]:
		"""(capacity, used) minutes of a pool from today to `until`."""
		days = min(max((until - self.today).days + 1, 0), HORIZON_DAYS)
		if days == 0:
			return 0.0, 0.0
		capacity = sum(self._cap[ws][1][days - 1] for ws in workstations)
		used = sum(sum(self._used[ws][:days]) for ws in workstations)
		return capacity, used


@dataclass
class CapacityOutcome:
	results: list[CheckResult]
	completion: date | None  # earliest feasible completion; None: infeasible
	loads: dict[str, float]  # minutes of this order per workstation (or "type:" pool)
	placed: dict[str, dict[int, float]]  # minutes placed per workstation and day offset


def operation_loads(
	made: Iterable[MadeQty], operations: Mapping[str, tuple[Operation, ...]]
) -> tuple[dict[tuple[str, str], float], list[CheckResult]]:
	"""Minutes per (kind, name) — kind "workstation" or "type" — for everything to be made."""
	loads: dict[tuple[str, str], float] = defaultdict(float)
	problems: list[CheckResult] = []
	for m in made:
		for op in operations.get(m.bom, ()):
			minutes = op.minutes if op.fixed else op.minutes * m.qty
			if op.workstation:
				loads[("workstation", op.workstation)] += minutes
			elif op.workstation_type:
				loads[("type", op.workstation_type)] += minutes
			else:
				problems.append(
					CheckResult(
						CAPACITY, FAIL, "operation_without_workstation", op.operation, (op.operation, m.bom)
					)
				)
	return dict(loads), problems


def check_capacity(
	made: Iterable[MadeQty],
	operations: Mapping[str, tuple[Operation, ...]],
	ledger: CapacityLedger,
	due: date,
	start: date | None = None,
	busy_pct: float = 90.0,
) -> CapacityOutcome:
	"""Place one order's load on `ledger` (which it consumes) from `start` (when its materials
	are complete) and judge it against the due date."""
	loads, results = operation_loads(made, operations)
	start = max(start or ledger.today, ledger.today)
	completion: date | None = None if results else start
	placed_all: dict[str, dict[int, float]] = defaultdict(dict)
	for (kind, name), minutes in sorted(loads.items()):
		pool = [name] if kind == "workstation" else sorted(ledger.by_type.get(name, []))
		known = [ws for ws in pool if ws in ledger.calendars]
		if not known:
			code = "workstation_unknown" if kind == "workstation" else "workstation_type_empty"
			results.append(
				CheckResult(
					CAPACITY, FAIL, code, name, (name,), workstation=name if kind == "workstation" else None
				)
			)
			completion = None
			continue
		for ws in known:
			cal = ledger.calendars[ws]
			if cal.minutes_per_day <= EPS:
				results.append(CheckResult(CAPACITY, FAIL, "no_working_hours", ws, (ws,), workstation=ws))
			if not cal.holiday_list:
				results.append(CheckResult(CAPACITY, WARN, "no_holiday_list", ws, (ws,), workstation=ws))
		finish, placed = ledger.place(known, minutes, start)
		for ws, days in placed.items():
			for offset, used_minutes in days.items():
				placed_all[ws][offset] = placed_all[ws].get(offset, 0.0) + used_minutes
		capacity, used = ledger.window(known, due)
		utilisation = round(used / capacity * 100, 1) if capacity > EPS else 100.0
		figures = dict(
			workstation=name if kind == "workstation" else None,
			load_hours=round(minutes / 60, 2),
			capacity_hours=round(capacity / 60, 2),
			utilisation_pct=utilisation,
			on=finish,
		)
		if finish is None:
			results.append(CheckResult(CAPACITY, FAIL, "no_capacity", name, (name, HORIZON_DAYS), **figures))
			completion = None
		elif finish > due:
			results.append(CheckResult(CAPACITY, FAIL, "capacity_late", name, (name, finish, due), **figures))
		elif utilisation > busy_pct:
			results.append(CheckResult(CAPACITY, WARN, "capacity_busy", name, (name, utilisation), **figures))
		else:
			results.append(CheckResult(CAPACITY, PASS, "capacity_ok", name, (name, utilisation), **figures))
		if completion is not None and finish is not None:
			completion = max(completion, finish)
	loads_by_name = {(n if k == "workstation" else f"type:{n}"): m for (k, n), m in loads.items()}
	return CapacityOutcome(results, completion, loads_by_name, dict(placed_all))


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

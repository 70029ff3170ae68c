"""Order review, material check (`check_materials`): explode each line through its BOMs and
net what the leaves need against the supply by the line's due date (see `core.review`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from order_tracking.core.review_results import (
	EPS,
	FAIL,
	MATERIAL,
	PASS,
	WARN,
	CheckResult,
)


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

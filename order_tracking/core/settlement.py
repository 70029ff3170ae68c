"""Settlement arithmetic: plain rules over plain data (no frappe import).

- **Supplier statements** (对账单, ST-2): what a supplier has earned on its outsourcing receipts
  (accepted qty x rate), less the deductions for rejects and the penalties for late returns that
  the rules in Settings set, plus or minus adjustments with a reason; and the Purchase Invoice
  that pays the net amount.
- **Customer statements** (ST-1): opening balance, the period's entries with a running balance,
  closing balance.
- **Order cost** (ST-3): material, labour, overhead, outsourcing and freight against revenue.
- **Returns** (RT-1): how much of a delivery line can still come back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

EPS = 1e-9
CENT = 0.005


def money(value: float) -> float:
	"""Rounded to cents, the way the documents store it."""
	return round(value + 0.0, 2)


# ===================================================================== supplier statements


@dataclass(frozen=True)
class Rules:
	"""Deductions and penalties agreed with suppliers (Order Tracking Settings).

	reject_deduction_pct: per rejected unit, this % of the line's rate is deducted (the supplier
	  bears part of the loss of what it spoilt: 0 deducts nothing — rejects are simply not paid).
	late_penalty_pct_per_day: per day a receipt came back after its due date, beyond the grace
	  days, this % of the receipt line's amount; never more than late_penalty_cap_pct of it.
	"""

	reject_deduction_pct: float = 0.0
	late_penalty_pct_per_day: float = 0.0
	late_penalty_cap_pct: float = 100.0
	grace_days: int = 0


@dataclass(frozen=True)
class ReceiptLine:
	accepted_qty: float
	rejected_qty: float
	rate: float
	days_late: int = 0


@dataclass(frozen=True)
class LineAmounts:
	amount: float  # accepted qty x rate
	reject_deduction: float
	late_penalty: float

	@property
	def net(self) -> float:
		return money(self.amount - self.reject_deduction - self.late_penalty)


def line_amounts(line: ReceiptLine, rules: Rules) -> LineAmounts:
	amount = money(max(line.accepted_qty, 0.0) * line.rate)
	reject = money(max(line.rejected_qty, 0.0) * line.rate * max(rules.reject_deduction_pct, 0.0) / 100)
	days = max(line.days_late - max(rules.grace_days, 0), 0)
	pct = min(days * max(rules.late_penalty_pct_per_day, 0.0), max(rules.late_penalty_cap_pct, 0.0))
	late = money(amount * pct / 100)
	return LineAmounts(amount=amount, reject_deduction=reject, late_penalty=late)


@dataclass(frozen=True)
class StatementTotals:
	gross: float
	reject_deductions: float
	late_penalties: float
	adjustments: float

	@property
	def net(self) -> float:
		return money(self.gross - self.reject_deductions - self.late_penalties + self.adjustments)


def statement_totals(lines: Iterable[LineAmounts], adjustments: Iterable[float] = ()) -> StatementTotals:
	lines = list(lines)
	return StatementTotals(
		gross=money(sum(x.amount for x in lines)),
		reject_deductions=money(sum(x.reject_deduction for x in lines)),
		late_penalties=money(sum(x.late_penalty for x in lines)),
		adjustments=money(sum(adjustments)),
	)


@dataclass(frozen=True)
class InvoiceLine:
	"""One line of the Purchase Invoice: a purchase order line billed at its rate."""

	key: str  # the purchase order line (po_detail)
	qty: float
	rate: float

	@property
	def amount(self) -> float:
		return money(self.qty * self.rate)


@dataclass(frozen=True)
class InvoicePlan:
	lines: list[InvoiceLine]
	discount: float  # taken off the invoice's net total: deductions, penalties, adjustments down
	extra_charge: float  # an added line: adjustments up, beyond what the deductions take off

	@property
	def net(self) -> float:
		return money(sum(x.amount for x in self.lines) + self.extra_charge - self.discount)


def invoice_plan(rows: Iterable[tuple[str, float, float]], totals: StatementTotals) -> InvoicePlan:
	"""The Purchase Invoice for a statement: its receipt rows (purchase order line, accepted qty,
	rate) merged per purchase order line at their rate, and the difference to the statement's net
	amount as a discount (or, when adjustments add more than is deducted, as one extra line), so
	the invoice's net total is exactly the statement's."""
	merged: dict[tuple[str, float], float] = {}
	for key, qty, rate in rows:
		if qty > EPS:
			merged[(key, rate)] = merged.get((key, rate), 0.0) + qty
	lines = [InvoiceLine(key=k, qty=round(q, 9), rate=r) for (k, r), q in merged.items()]
	billed = money(sum(x.amount for x in lines))
	difference = money(totals.net - billed)
	if difference < 0:
		return InvoicePlan(lines=lines, discount=-difference, extra_charge=0.0)
	return InvoicePlan(lines=lines, discount=0.0, extra_charge=difference)


# ===================================================================== customer statements


@dataclass(frozen=True)
class LedgerEntry:
	posting_date: date
	voucher_type: str
	voucher_no: str
	debit: float  # what the customer owes more (invoices)
	credit: float  # what the customer paid or was credited (payments, credit notes)
	is_return: bool = False


@dataclass
class StatementRow:
	entry: LedgerEntry
	kind: str
	balance: float


@dataclass
class AccountStatement:
	opening: float
	rows: list[StatementRow] = field(default_factory=list)
	invoiced: float = 0.0
	paid: float = 0.0
	credited: float = 0.0
	other: float = 0.0  # journal entries and the like, net

	@property
	def closing(self) -> float:
		return money(self.opening + self.invoiced - self.paid - self.credited + self.other)


INVOICE = "Invoice"
PAYMENT = "Payment"
CREDIT_NOTE = "Credit Note"
OTHER = "Other"


def entry_kind(entry: LedgerEntry) -> str:
	if entry.voucher_type == "Sales Invoice":
		return CREDIT_NOTE if entry.is_return else INVOICE
	if entry.voucher_type == "Payment Entry":
		return PAYMENT
	return OTHER


def account_statement(opening: float, entries: Iterable[LedgerEntry]) -> AccountStatement:
	"""The period's entries in date order with the balance after each; what the customer owes is
	positive."""
	statement = AccountStatement(opening=money(opening))
	balance = opening
	for e in sorted(entries, key=lambda e: (e.posting_date, e.voucher_type, e.voucher_no)):
		kind = entry_kind(e)
		change = e.debit - e.credit
		balance += change
		if kind == INVOICE:
			statement.invoiced += change
		elif kind == PAYMENT:
			statement.paid -= change
		elif kind == CREDIT_NOTE:
			statement.credited -= change
		else:
			statement.other += change
		statement.rows.append(StatementRow(entry=e, kind=kind, balance=money(balance)))
	statement.invoiced = money(statement.invoiced)
	statement.paid = money(statement.paid)
	statement.credited = money(statement.credited)
	statement.other = money(statement.other)
	return statement


# ===================================================================== order cost


@dataclass(frozen=True)
class OrderCost:
	material: float = 0.0
	labour: float = 0.0
	overhead: float = 0.0
	outsourcing: float = 0.0
	freight: float = 0.0
	revenue: float = 0.0

	@property
	def total(self) -> float:
		return money(self.material + self.labour + self.overhead + self.outsourcing + self.freight)

	@property
	def margin(self) -> float:
		return money(self.revenue - self.total)

	@property
	def margin_pct(self) -> float:
		return round(self.margin / self.revenue * 100, 2) if abs(self.revenue) > CENT else 0.0

	def __add__(self, other: OrderCost) -> OrderCost:
		return OrderCost(
			material=self.material + other.material,
			labour=self.labour + other.labour,
			overhead=self.overhead + other.overhead,
			outsourcing=self.outsourcing + other.outsourcing,
			freight=self.freight + other.freight,
			revenue=self.revenue + other.revenue,
		)


def time_cost(minutes: float, hour_rate: float, labour_rate: float) -> tuple[float, float]:
	"""Labour and overhead of `minutes` at a workstation: its labour hour rate, and the rest of its
	hour rate (electricity, consumables, rent)."""
	hours = max(minutes, 0.0) / 60
	labour = min(max(labour_rate, 0.0), max(hour_rate, 0.0)) if hour_rate > 0 else max(labour_rate, 0.0)
	return hours * labour, hours * max(hour_rate - labour, 0.0)


def split(amount: float, weights: dict[str, float]) -> dict[str, float]:
	"""`amount` shared in proportion to `weights` (all of it to the first key when they are all
	zero), so the shares add up to the amount."""
	if not weights:
		return {}
	total = sum(max(w, 0.0) for w in weights.values())
	if total <= EPS:
		first = next(iter(weights))
		return {k: (amount if k == first else 0.0) for k in weights}
	return {k: amount * max(w, 0.0) / total for k, w in weights.items()}


# ===================================================================== returns


def returnable_qty(delivered: float, returned: float) -> float:
	"""What of a delivery line can still be returned: delivered less what already came back."""
	return max(delivered - max(returned, 0.0), 0.0)


# ===================================================================== overdue receivables

# payment statuses of the order tracker (core.tracking) under which money can be owed
OWING_STATUSES = frozenset({"Unpaid", "Partly Paid", "Overdue"})


def receivable_overdue_days(
	payment_status: str | None,
	outstanding: float,
	payment_due: date | None,
	today: date,
	grace_days: int = 0,
) -> int | None:
	"""Days an order's money is past its due date when that is more than the grace, else None
	(ST-1).

	Overdue: money still outstanding on an invoice whose due date plus `grace_days` has passed.
	The tracker's payment status is taken as a whole order's verdict (Paid or Not Billed: never
	overdue), its due date and outstanding amount as they stand: a tracker stored Unpaid before
	the due date passed is overdue all the same (trackers of billed orders are not refreshed
	daily)."""
	if payment_status not in OWING_STATUSES or outstanding <= CENT or payment_due is None:
		return None
	days = (today - payment_due).days
	return days if days > max(grace_days, 0) else None

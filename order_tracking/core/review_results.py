"""An order review's verdicts: what a check found (`CheckResult`) and the worst of several."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

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

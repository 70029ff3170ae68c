"""Order Quality on the generated order book (issue 23: at most 2 s on 100 000 orders).

    cd ~/ot-bench/sites && ../env/bin/python /path/to/benchmarks/bench_order_quality.py SITE [RUNS]

Runs the report over the last twelve months for each Group By (the book from
`generate_orders.py`, whose inspections `generate_inspections.py` adds), and prints the best of
RUNS (3) per grouping, the rows and the inspections counted.
"""

from __future__ import annotations

import sys
import time

import frappe
from frappe.utils import add_months, getdate

from order_tracking.quality.report.order_quality.order_quality import GROUPS, execute

LIMIT_S = 2.0


def main(site: str, runs: int = 3) -> int:
	frappe.init(site=site)
	frappe.connect()
	try:
		today = getdate()
		filters = {"company": "PERF Footwear", "from_date": add_months(today, -12), "to_date": today}
		worst = 0.0
		for group_by in GROUPS:
			best = None
			for _run in range(runs):
				started = time.perf_counter()
				_columns, rows, _m, _chart, _summary = execute({**filters, "group_by": group_by})
				elapsed = time.perf_counter() - started
				best = elapsed if best is None else min(best, elapsed)
			inspections = sum(r["inspections"] for r in rows)
			print(
				f"Order Quality by {group_by:<12} {best:6.2f} s  {len(rows):>7} rows  {inspections:>7} inspections"
			)
			worst = max(worst, best)
		print(f"slowest {worst:.2f} s (limit {LIMIT_S} s): {'OK' if worst <= LIMIT_S else 'TOO SLOW'}")
		return 0 if worst <= LIMIT_S else 1
	finally:
		frappe.destroy()


if __name__ == "__main__":
	sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3))

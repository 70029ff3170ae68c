"""Time the order KPI reports on a large order book, side by side with ERPNext's Sales Order Analysis
on the same data and dates, in one run (issue RP-1: each KPI report within 2 seconds).

Run from the bench's `sites` folder with the bench's Python, on the site `generate_orders.py` filled:

    cd ~/ot-bench/sites && ../env/bin/python /path/to/benchmarks/bench_reports.py ot-perf.localhost

Each report runs as a user would run it — `frappe.desk.query_report.run` as Administrator (the
prepared-report queue bypassed, so the figure is the report's own work) — once to warm the caches,
then `--runs` times; the best and the median are printed, and the script exits non-zero when a KPI
report's median exceeds `--limit` seconds. Nothing is written.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import frappe
from frappe.utils import add_days, add_months, getdate, nowdate

COMPANY = "PERF Footwear"
BASELINE = "Sales Order Analysis"


def cases(company: str, from_date, to_date) -> list[tuple[str, str, dict]]:
	"""(label, report, filters): every KPI report in its main groupings, then the baseline."""
	period = {"company": company, "from_date": from_date, "to_date": to_date}
	return [
		("On-Time Delivery by month", "On-Time Delivery", {**period, "group_by": "Month"}),
		("On-Time Delivery by customer", "On-Time Delivery", {**period, "group_by": "Customer"}),
		("On-Time Delivery by item group", "On-Time Delivery", {**period, "group_by": "Item Group"}),
		("Order Cycle Time", "Order Cycle Time", {**period}),
		("Order Cycle Time by item group", "Order Cycle Time", {**period, "group_by": "Item Group"}),
		("Order Fulfilment by month", "Order Fulfilment", {**period, "group_by": "Month"}),
		("Order Fulfilment by customer", "Order Fulfilment", {**period, "group_by": "Customer"}),
		("Order Fulfilment by item group", "Order Fulfilment", {**period, "group_by": "Item Group"}),
		("Customer Analysis", "Customer Analysis", {**period}),
		("Order Profitability by customer", "Order Profitability", {**period, "group_by": "Customer"}),
		("Order Profitability by order", "Order Profitability", {**period, "group_by": "Sales Order"}),
		(BASELINE, BASELINE, {**period, "group_by_so": 0}),
	]


def timed(report: str, filters: dict, runs: int) -> tuple[list[float], int]:
	from frappe.desk.query_report import run

	result = run(report, frappe._dict(filters), ignore_prepared_report=True)  # warm-up
	seconds = []
	for _ in range(runs):
		start = time.perf_counter()
		result = run(report, frappe._dict(filters), ignore_prepared_report=True)
		seconds.append(time.perf_counter() - start)
		frappe.db.rollback()
	return seconds, len(result.get("result") or [])


def main(argv=None) -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("site")
	parser.add_argument("--company", default=COMPANY)
	parser.add_argument("--months", type=int, default=12, help="the period: this many months to today")
	parser.add_argument("--runs", type=int, default=3)
	parser.add_argument("--limit", type=float, default=2.0, help="seconds a KPI report may take")
	args = parser.parse_args(argv)
	frappe.init(site=args.site)
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		to_date = getdate(nowdate())
		from_date = add_days(add_months(to_date, -args.months), 1)
		orders = frappe.db.count("Order Tracker", {"company": args.company})
		in_period = frappe.db.count(
			"Order Tracker", {"company": args.company, "transaction_date": ["between", [from_date, to_date]]}
		)
		print(f"{args.site}: {orders} orders of {args.company}, {in_period} from {from_date} to {to_date}")
		print(f"{'report':<36} {'rows':>6} {'best s':>8} {'median s':>9}")
		too_slow = []
		for label, report, filters in cases(args.company, from_date, to_date):
			if not frappe.db.exists("Report", report):
				print(f"{label:<36} (not installed)")
				continue
			seconds, rows = timed(report, filters, args.runs)
			median = statistics.median(seconds)
			print(f"{label:<36} {rows:>6} {min(seconds):>8.3f} {median:>9.3f}")
			if report != BASELINE and median > args.limit:
				too_slow.append(label)
		if too_slow:
			print(f"over {args.limit} s: {', '.join(too_slow)}")
		return 1 if too_slow else 0
	finally:
		frappe.destroy()


if __name__ == "__main__":
	sys.exit(main())

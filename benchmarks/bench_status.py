"""`get_order_status` against `frappe.get_doc("Sales Order")` at growing numbers of orders
(issue 21, item 3): as a Sales User, a 20-line order with 50 events.

Run from the bench's `sites` folder with the bench's Python (a site of its own: the orders are
bulk-inserted, then rolled back at the end):

    cd ~/ot-bench/sites && ../env/bin/python /path/to/benchmarks/bench_status.py SITE 1000 10000 100000

For each size it prints how long building the orders took (synthetic submitted orders, each
with a tracker and three events, `bench_tracking.bulk_orders`), the median and p95 of both reads,
their ratio, the queries of each, and once, at the largest size, `EXPLAIN` of every query
`get_order_status` runs: each table is read by its primary key or the `sales_order` / `parent`
index (`type` const, eq_ref or ref), so the read stays flat whatever the number of orders.
"""

import json
import os
import sys
import time

import frappe

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_tracking import USER, bulk_orders, order_with_events, summary, timed


class QueryLog:
	"""The SQL statements run inside the block, with their parameters."""

	def __init__(self):
		self.queries = []
		self.original = frappe.db.sql

	def __enter__(self):
		def logging(query, values=(), *args, **kwargs):
			self.queries.append((str(query), values))
			return self.original(query, values, *args, **kwargs)

		frappe.db.sql = logging
		return self

	def __exit__(self, *exc):
		frappe.db.sql = self.original


def measure(sales_order, repeat=300):
	from order_tracking.api.tracking import get_order_status

	frappe.set_user(USER)
	try:
		get_order_status(sales_order)
		frappe.get_doc("Sales Order", sales_order)
		status = summary(timed(lambda: get_order_status(sales_order), repeat))
		get_doc = summary(timed(lambda: frappe.get_doc("Sales Order", sales_order), repeat))
		with QueryLog() as status_q:
			get_order_status(sales_order)
		with QueryLog() as doc_q:
			frappe.get_doc("Sales Order", sales_order)
	finally:
		frappe.set_user("Administrator")
	return {
		"orders_in_db": frappe.db.count("Sales Order"),
		"events_in_db": frappe.db.count("Order Event"),
		"get_order_status": status,
		"get_doc_sales_order": get_doc,
		"ratio_median": round(status["median_ms"] / get_doc["median_ms"], 2),
		"queries": len(status_q.queries),
		"get_doc_queries": len(doc_q.queries),
	}, status_q.queries


def explain(queries):
	plans = []
	for query, values in queries:
		rows = frappe.db.sql("explain " + query, values, as_dict=True)
		plans.append(
			[
				{k: r.get(k) for k in ("table", "type", "key", "ref", "rows", "Extra")}
				for r in rows
				if r.get("table")
			]
		)
	return plans


def main(site, sizes):
	frappe.init(site=site)
	frappe.connect()
	try:
		from order_tracking.tests.utils import make_fixtures, make_user

		make_fixtures()
		make_user(USER, ["Sales User"])
		target = order_with_events()
		report, queries = {}, []
		for size in sizes:
			existing = frappe.db.count("Sales Order")
			start = time.perf_counter()
			bulk_orders(max(size - existing, 0), existing)
			built = round(time.perf_counter() - start, 1)
			report[f"at_{size}"], queries = measure(target)
			report[f"at_{size}"]["build_s"] = built
		report["explain_at_largest"] = explain(queries)
		print(json.dumps(report, indent=1, default=str))
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	args = sys.argv[1:]
	main(args[0] if args else "ot.localhost", [int(a) for a in args[1:]] or [1000, 10_000, 100_000])

"""An API intake against a plain Sales Order insert of the same lines (issue 21, item 1).

    cd ~/ot-bench/sites && ../env/bin/python /path/to/benchmarks/bench_intake.py SITE [2 20 200]

Needs the integration suite's fixtures (run the tests once first); everything is rolled back.
For 2, 20 and 200 lines it prints, each the median of a few runs in one process:

- the queries and the time of `order_tracking.order_tracking.intake.submit_order` (validate,
  convert into a draft Sales Order, and, as the site is set, its Order Review), by table;
- the same for `frappe.get_doc(Sales Order).insert()` of the same lines (what ERPNext itself
  costs), and the difference: the queries the intake adds over ERPNext's own insert, once
  without its review (`create_review_from_intake` off) and once with it.
"""

import collections
import json
import re
import statistics
import sys
import time

import frappe
from frappe.utils import add_days, nowdate

TABLE = re.compile(r"(?:from|into|update)\s+`(tab[^`]+)`", re.I)


class QueryLog:
	def __init__(self):
		self.queries = []
		self.original = frappe.db.sql

	def __enter__(self):
		def logging(query, *args, **kwargs):
			self.queries.append(str(query))
			return self.original(query, *args, **kwargs)

		frappe.db.sql = logging
		return self

	def __exit__(self, *exc):
		frappe.db.sql = self.original

	def by_table(self):
		counts = collections.Counter()
		for q in self.queries:
			m = TABLE.search(q)
			counts[f"{q.split()[0].upper()} {m.group(1) if m else q[:30]}"] += 1
		return counts


def intake(lines, n):
	from order_tracking.order_tracking.intake import submit_order
	from order_tracking.tests.utils import COMPANY, CUSTOMER, LACE

	answer = submit_order(
		"API",
		f"BENCH-INTAKE-{lines}-{n}-{time.time_ns()}",
		CUSTOMER,
		add_days(nowdate(), 30),
		[{"item_code": LACE, "qty": 1} for _ in range(lines)],
		company=COMPANY,
	)
	assert answer.get("sales_order"), answer


def plain(lines, n):
	from order_tracking.tests.utils import COMPANY, CUSTOMER, LACE

	frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": CUSTOMER,
			"company": COMPANY,
			"delivery_date": add_days(nowdate(), 30),
			"items": [{"item_code": LACE, "qty": 1} for _ in range(lines)],
		}
	).insert()


def measure(fn, lines, repeat):
	fn(lines, -1)  # warm the caches
	runs = []
	for n in range(repeat):
		with QueryLog() as log:
			start = time.perf_counter()
			fn(lines, n)
			ms = (time.perf_counter() - start) * 1000
		runs.append((ms, len(log.queries), log))
	ms = statistics.median(r[0] for r in runs)
	last = runs[-1][2]
	return {"median_ms": round(ms, 1), "queries": runs[-1][1]}, last.by_table()


def main(site, sizes):
	frappe.init(site=site)
	frappe.connect()
	try:
		from order_tracking.order_tracking.settings import SETTINGS
		from order_tracking.tests.utils import make_fixtures

		make_fixtures()
		frappe.db.set_single_value(SETTINGS, "auto_convert", 1)
		frappe.clear_document_cache(SETTINGS, SETTINGS)
		report = {}
		for review in (0, 1):
			frappe.db.set_single_value(SETTINGS, "create_review_from_intake", review)
			frappe.clear_document_cache(SETTINGS, SETTINGS)
			for lines in sizes:
				repeat = 3 if lines >= 200 else 7
				i, i_tables = measure(intake, lines, repeat)
				p, p_tables = measure(plain, lines, repeat)
				added = {k: v - p_tables.get(k, 0) for k, v in i_tables.items() if v != p_tables.get(k, 0)}
				report[f"{lines} lines, review {'on' if review else 'off'}"] = {
					"intake": i,
					"plain_sales_order_insert": p,
					"intake_over_plain_queries": i["queries"] - p["queries"],
					"time_ratio_plain_over_intake": round(p["median_ms"] / i["median_ms"], 2),
					"added_by_table": dict(sorted(added.items(), key=lambda kv: -abs(kv[1]))[:12]),
				}
		print(json.dumps(report, indent=1))
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	args = sys.argv[1:]
	main(args[0] if args else "ot.localhost", [int(a) for a in args[1:]] or [2, 20, 200])

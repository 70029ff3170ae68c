"""Performance of order tracking, measured on a real site (issue: the order spine).

Run from the bench's `sites` folder with the bench's Python:

    cd ~/ot-bench/sites && ../env/bin/python /path/to/order_tracking/benchmarks/bench_tracking.py ot.localhost

It needs the integration suite's fixtures (run the tests once first) and changes nothing for
good: everything it writes is rolled back at the end.

1. `get_order_status` for an order with 50 events, as a Sales User, at 1 000 and at 100 000
   orders in the database (synthetic orders, trackers and events bulk-inserted), against
   `frappe.get_doc("Sales Order", X)` by the same user. The larger size and the submit rounds are
   the script's optional second and third arguments (`… ot.localhost 10000 10`).
2. What the app's doc_events add to ERPNext's own submit of a 20-line Sales Order, Delivery
   Note and Sales Invoice: the same submits with the app's hooks and without them, alternating,
   in one run; and the number of queries the hooks add for 2 and for 20 lines.
"""

import json
import statistics
import sys
import time

import frappe

USER = "ot-bench-sales@example.com"


def timed(fn, repeat):
	samples = []
	for _ in range(repeat):
		start = time.perf_counter()
		fn()
		samples.append((time.perf_counter() - start) * 1000)
	return samples


def summary(samples):
	ordered = sorted(samples)
	return {
		"median_ms": round(statistics.median(ordered), 2),
		"p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
		"n": len(ordered),
	}


class QueryCounter:
	def __init__(self):
		self.count = 0
		self.original = frappe.db.sql

	def __enter__(self):
		def counting(*args, **kwargs):
			self.count += 1
			return self.original(*args, **kwargs)

		frappe.db.sql = counting
		return self

	def __exit__(self, *exc):
		frappe.db.sql = self.original


def app_hooks(enabled: bool):
	"""Document hooks with or without this app's handlers."""
	if hasattr(frappe.local, "doc_events_hooks"):
		del frappe.local.doc_events_hooks
	hooks = frappe.get_doc_hooks()
	if enabled:
		return
	frappe.local.doc_events_hooks = {
		doctype: {
			event: [h for h in handlers if not h.startswith("order_tracking.")]
			for event, handlers in events.items()
		}
		for doctype, events in hooks.items()
	}


# ------------------------------------------------------------------ 1. status query


def bulk_orders(count, start):
	"""Synthetic submitted orders with a tracker and three events each."""
	from order_tracking.tests.utils import COMPANY, CUSTOMER

	now = frappe.utils.now()
	today = frappe.utils.nowdate()
	so_rows, tracker_rows, event_rows = [], [], []
	for i in range(start, start + count):
		name = f"BENCH-SO-{i:07d}"
		so_rows.append(
			(
				name,
				now,
				now,
				"Administrator",
				"Administrator",
				1,
				CUSTOMER,
				COMPANY,
				today,
				today,
				"INR",
				"Approved",
			)
		)
		tracker_rows.append(
			(name, now, now, "Administrator", "Administrator", name, CUSTOMER, COMPANY, "Approved", today)
		)
		for k, event in enumerate(("Order Received", "Order Submitted", "Production Planned")):
			event_rows.append(
				(
					10**9 + i * 3 + k,
					now,
					now,
					"Administrator",
					"Administrator",
					name,
					CUSTOMER,
					"Approved",
					event,
					now,
					"Backfill",
				)
			)
	frappe.db.bulk_insert(
		"Sales Order",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"docstatus",
			"customer",
			"company",
			"transaction_date",
			"delivery_date",
			"currency",
			"order_stage",
		],
		so_rows,
		chunk_size=5000,
	)
	frappe.db.bulk_insert(
		"Order Tracker",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"sales_order",
			"customer",
			"company",
			"stage",
			"promised_date",
		],
		tracker_rows,
		chunk_size=5000,
	)
	frappe.db.bulk_insert(
		"Order Event",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"sales_order",
			"customer",
			"stage",
			"event",
			"occurred_at",
			"source",
		],
		event_rows,
		chunk_size=5000,
	)


def order_with_events(n_events=50):
	from order_tracking.order_tracking.tracking import EventSpec, record_events
	from order_tracking.tests.utils import LACE, make_order

	so = make_order(items=[{"item_code": LACE, "qty": 1, "rate": 5} for _ in range(20)])
	existing = frappe.db.count("Order Event", {"sales_order": so.name})
	record_events(
		[
			EventSpec(
				so.name, "Approved", "Delivery Date Changed", "Sales Order", so.name, remarks=f"bench {i}"
			)
			for i in range(n_events - existing)
		]
	)
	assert frappe.db.count("Order Event", {"sales_order": so.name}) == n_events
	return so.name


def status_benchmark(sales_order, repeat=200):
	from order_tracking.api.tracking import get_order_status

	frappe.set_user(USER)
	try:
		assert len(get_order_status(sales_order)["events"]) == 50
		status = summary(timed(lambda: get_order_status(sales_order), repeat))
		get_doc = summary(timed(lambda: frappe.get_doc("Sales Order", sales_order), repeat))
		with QueryCounter() as q:
			get_order_status(sales_order)
	finally:
		frappe.set_user("Administrator")
	return {
		"orders_in_db": frappe.db.count("Sales Order"),
		"events_in_db": frappe.db.count("Order Event"),
		"get_order_status": status,
		"get_doc_sales_order": get_doc,
		"ratio_median": round(status["median_ms"] / get_doc["median_ms"], 2),
		"queries": q.count,
	}


# ------------------------------------------------------------------ 2. submit overhead


def order_documents(lines, submit=None):
	"""A Sales Order of `lines` lines, its Delivery Note and its Sales Invoice, each passed to
	`submit` (default: submitted)."""
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note, make_sales_invoice

	from order_tracking.tests.utils import LACE, make_order

	submit = submit or (lambda doc: doc.submit())
	so = make_order(items=[{"item_code": LACE, "qty": 1, "rate": 5} for _ in range(lines)], submit=False)
	submit(so)
	dn = make_delivery_note(so.name)
	dn.insert()
	submit(dn)
	si = make_sales_invoice(so.name)
	si.insert()
	submit(si)
	return so, dn, si


def submit_benchmark(rounds=40, lines=20):
	results = {
		doctype: {True: [], False: []} for doctype in ("Sales Order", "Delivery Note", "Sales Invoice")
	}
	for i in range(rounds * 2):
		enabled = i % 2 == 0
		app_hooks(enabled)
		order_documents(lines, lambda doc, on=enabled: results[doc.doctype][on].extend(timed(doc.submit, 1)))
	app_hooks(True)
	out = {}
	for doctype, by in results.items():
		on, off = statistics.median(by[True]), statistics.median(by[False])
		out[doctype] = {
			"with_hooks_median_ms": round(on, 1),
			"without_hooks_median_ms": round(off, 1),
			"overhead_pct": round((on - off) / off * 100, 1),
			"rounds": rounds,
		}
	return out


def hook_queries(lines):
	"""Queries (and time) the app's hooks take on submit, by document, for `lines` lines."""
	from order_tracking.overrides import tracked_documents

	counts = {}
	for doc in order_documents(lines):
		with QueryCounter() as q:
			tracked_documents.on_submit(doc)
		# the hook's own time, measured directly (submits vary by more than it costs)
		ms = statistics.median(timed(lambda doc=doc: tracked_documents.on_submit(doc), 15))
		counts[doc.doctype] = {"queries": q.count, "hook_median_ms": round(ms, 2)}
	return counts


def main(site, large=100_000, rounds=40):
	frappe.init(site=site)
	frappe.connect()
	try:
		from order_tracking.tests.utils import make_fixtures, make_user

		make_fixtures()
		make_user(USER, ["Sales User"])

		report = {}
		target = order_with_events()
		existing = frappe.db.count("Sales Order")
		bulk_orders(max(1000 - existing, 0), 0)
		report["status_at_1k"] = status_benchmark(target)
		bulk_orders(max(large - frappe.db.count("Sales Order"), 0), 1000)
		report[f"status_at_{large}"] = status_benchmark(target)
		report["submit_overhead_20_lines"] = submit_benchmark(rounds)
		report["hook_queries"] = {"2 lines": hook_queries(2), "20 lines": hook_queries(20)}
		print(json.dumps(report, indent=1, default=str))
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	args = sys.argv[1:]
	main(args[0] if args else "ot.localhost", *(int(a) for a in args[1:3]))

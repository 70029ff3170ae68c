"""The hourly order exception scan over 100 000 orders, run as its background job (issue 9).

Run from the bench's `sites` folder with the bench's Python (the app's code first on the path):

    cd ~/ot-bench/sites && PYTHONPATH=/path/to/order_tracking \
        ../env/bin/python /path/to/order_tracking/benchmarks/bench_exception_scan.py SITE \
        [--orders 100000] [--keep] [--cleanup]

1. **Generate** (bulk inserts, committed: the job runs in its own connection) N orders' trackers
   — 40 % delivered or later, 60 % in the stages the scan watches; 5 % past their promised date,
   5 % with an ETA after it; a third of the orders not yet in production with an approved review
   and its material results (some materials short); 1 % of all orders shipped with a Shipment
   whose carrier reported an exception; a tenth of those delivered or later owe money, most of
   it past due (the scan runs with Settings' *Remind Overdue Receivables* on, 3 grace days, put
   back afterwards). Rows are named `BX-…`, so `--cleanup` (or the end of a run
   without `--keep`) removes exactly them.
2. **Scan** as the scheduler's job runs it (`frappe.utils.background_jobs.execute_job` in its own
   thread and connection, one commit per batch): the first run opens the exceptions, the second
   finds nothing to change. Time, batches, and the queries of each batch.
3. **Queries per batch** at 250 and at 1 000 orders per batch on the same orders: the same number.
4. **Notifications**: the scan queues one job per batch for its openings; that job's cost per
   opened exception is measured on a sample of 200 (its System Notifications are rolled back).

Figures are medians where repeated; note the machine's load (printed) when comparing.
"""

import json
import random
import statistics
import sys
import threading
import time
from datetime import timedelta

import frappe
from frappe.utils import add_days, cint, getdate, now_datetime, nowdate

PREFIX = "BX-"
SO = PREFIX + "SO-{:06d}"
ITEMS = [f"{PREFIX}MAT-{i:02d}" for i in range(20)]
WATCHED = ("Approved", "Planned", "In Production", "Ready to Ship", "Shipped")
DONE = ("Delivered", "Billed", "Paid")


# ------------------------------------------------------------------ query counting


class BatchQueries:
	"""Counts the queries of one thread, cut at each commit (the scan commits once per batch)."""

	def __init__(self):
		from frappe.database.database import Database

		self.cls = Database
		self.thread = None
		self.current = 0
		self.batches: list[int] = []

	def __enter__(self):
		counter = self
		self.sql, self.commit = self.cls.sql, self.cls.commit

		def sql(db, *args, **kwargs):
			if threading.get_ident() == counter.thread:
				counter.current += 1
			return counter.sql(db, *args, **kwargs)

		def commit(db, *args, **kwargs):
			if threading.get_ident() == counter.thread and counter.current:
				counter.batches.append(counter.current)
				counter.current = 0
			return counter.commit(db, *args, **kwargs)

		self.cls.sql, self.cls.commit = sql, commit
		return self

	def __exit__(self, *exc):
		self.cls.sql, self.cls.commit = self.sql, self.commit


# ------------------------------------------------------------------ data


def company_and_warehouse():
	company = (
		"_Test Company"
		if frappe.db.exists("Company", "_Test Company")
		else frappe.get_all("Company", pluck="name", limit=1)[0]
	)
	warehouse = frappe.get_all(
		"Warehouse", filters={"company": company, "is_group": 0}, pluck="name", limit=1
	)[0]
	return company, warehouse


def generate(n: int, seed: int = 9):
	"""N synthetic orders' trackers and the facts the detectors read, bulk-inserted and committed."""
	rng = random.Random(seed)
	company, warehouse = company_and_warehouse()
	now = now_datetime()
	today = getdate(nowdate())
	trackers, reviews, results, shipments, sdn, dni = [], [], [], [], [], []
	meta = ("Administrator", "Administrator")
	for i in range(n):
		so = SO.format(i)
		k = i % 20
		stage = DONE[k % 3] if k < 8 else WATCHED[(k - 8) % len(WATCHED)]
		promised = today + timedelta(days=rng.randint(3, 30))
		eta = promised
		roll = rng.random()
		if roll < 0.05:
			promised = today - timedelta(days=rng.randint(1, 20))
			eta = today
		elif roll < 0.10:
			eta = promised + timedelta(days=rng.randint(1, 10))
		# money: a tenth of the orders delivered or later still owe part of it, most past due
		outstanding, payment_due, payment_status = 0.0, None, ""
		if stage in DONE and (i // 20) % 10 == 1:
			outstanding = float(rng.choice((50, 120, 900)))
			payment_due = today - timedelta(days=rng.randint(-10, 40))
			payment_status = "Overdue" if payment_due < today else "Unpaid"
		trackers.append(
			(
				so,
				now,
				now,
				*meta,
				so,
				"_Test Customer",
				company,
				stage,
				promised,
				eta,
				max((eta - promised).days, 0),
				0,
				"INR",
				outstanding,
				payment_due,
				payment_status,
			)
		)
		if stage in ("Approved", "Planned") and i % 3 == 0:
			review = f"{PREFIX}RV-{i:06d}"
			reviews.append((review, now, now, *meta, 1, so, company, "Approved", promised))
			for k, item in enumerate(rng.sample(ITEMS, 3)):
				results.append(
					(
						f"{review}-{k}",
						now,
						now,
						*meta,
						1,
						review,
						"Order Review",
						"results",
						k + 1,
						"Material",
						item,
						item,
						rng.choice((5, 10, 40)),
						"Pass",
					)
				)
		if stage == "Shipped" and (i // 20) % 10 == 0:
			shipment, dn = f"{PREFIX}SH-{i:06d}", f"{PREFIX}DN-{i:06d}"
			shipments.append(
				(
					shipment,
					now,
					now,
					*meta,
					1,
					"BX Carrier",
					f"BX{i:08d}",
					"Exception",
					now,
					"In Progress",
					"Exception · Hub 3 · Parcel damaged",
					"Submitted",
				)
			)
			sdn.append(
				(f"{shipment}-1", now, now, *meta, 1, shipment, "Shipment", "shipment_delivery_note", 1, dn)
			)
			dni.append((f"{dn}-1", now, now, *meta, 1, dn, "Delivery Note", "items", 1, so, 1, 1))
	base = ["name", "creation", "modified", "owner", "modified_by"]
	frappe.db.bulk_insert(
		"Order Tracker",
		[
			*base,
			"sales_order",
			"customer",
			"company",
			"stage",
			"promised_date",
			"eta",
			"delay_days",
			"open_exception_count",
			"currency",
			"outstanding_amount",
			"payment_due",
			"payment_status",
		],
		trackers,
		chunk_size=10_000,
	)
	frappe.db.bulk_insert(
		"Order Review",
		[*base, "docstatus", "sales_order", "company", "workflow_state", "promised_date"],
		reviews,
		chunk_size=10_000,
	)
	frappe.db.bulk_insert(
		"Order Review Result",
		[
			*base,
			"docstatus",
			"parent",
			"parenttype",
			"parentfield",
			"idx",
			"check",
			"subject",
			"item_code",
			"required_qty",
			"result",
		],
		results,
		chunk_size=10_000,
	)
	frappe.db.bulk_insert(
		"Bin",
		["name", "creation", "modified", "owner", "modified_by", "item_code", "warehouse", "actual_qty"],
		[
			(f"{PREFIX}BIN-{k}", now, now, *meta, item, warehouse, rng.choice((0, 30, 100000)))
			for k, item in enumerate(ITEMS)
		],
	)
	frappe.db.bulk_insert(
		"Shipment",
		[
			*base,
			"docstatus",
			"carrier",
			"awb_number",
			"carrier_status",
			"carrier_status_at",
			"tracking_status",
			"tracking_status_info",
			"status",
		],
		shipments,
	)
	frappe.db.bulk_insert(
		"Shipment Delivery Note",
		[*base, "docstatus", "parent", "parenttype", "parentfield", "idx", "delivery_note"],
		sdn,
	)
	frappe.db.bulk_insert(
		"Delivery Note Item",
		[
			*base,
			"docstatus",
			"parent",
			"parenttype",
			"parentfield",
			"idx",
			"against_sales_order",
			"qty",
			"stock_qty",
		],
		dni,
	)
	# Benchmark data, read by the job in its own connection
	frappe.db.commit()  # nosemgrep
	return {
		"orders": n,
		"watched": sum(1 for t in trackers if t[8] in WATCHED),
		"reviews": len(reviews),
		"shipments_with_exception": len(shipments),
		"owing_past_due": sum(1 for t in trackers if t[-3] and t[-2] < today),
	}


def cleanup():
	like = ("like", PREFIX + "%")
	exceptions = frappe.get_all("Order Exception", filters={"sales_order": like}, pluck="name")
	for chunk in range(0, len(exceptions), 5000):
		frappe.db.delete(
			"Notification Log",
			{"document_type": "Order Exception", "document_name": ("in", exceptions[chunk : chunk + 5000])},
		)
	for doctype, field in (
		("Order Exception", "sales_order"),
		("Order Event", "sales_order"),
		("Order Tracker", "name"),
		("Order Review Result", "parent"),
		("Order Review", "name"),
		("Bin", "name"),
		("Shipment Delivery Note", "parent"),
		("Shipment", "name"),
		("Delivery Note Item", "parent"),
	):
		frappe.db.delete(doctype, {field: like})
	# Remove the benchmark's data
	frappe.db.commit()  # nosemgrep


# ------------------------------------------------------------------ the job


def run_job(site, kwargs, counter: BatchQueries):
	"""The scan as a worker runs it: its own thread, connection and commits."""
	from frappe.utils.background_jobs import execute_job

	import order_tracking.order_tracking.exceptions as exceptions

	queued = []
	original = exceptions.notify_opened_exceptions_later
	exceptions.notify_opened_exceptions_later = lambda names: queued.append(len(names))
	out = {}

	def job():
		counter.thread = threading.get_ident()
		start = time.perf_counter()
		out["result"] = execute_job(
			site,
			"order_tracking.order_tracking.exceptions.scan_order_exceptions",
			None,
			"bench",
			kwargs,
			user="Administrator",
		)
		out["seconds"] = time.perf_counter() - start

	try:
		t = threading.Thread(target=job)
		t.start()
		t.join()
	finally:
		exceptions.notify_opened_exceptions_later = original
	result = out.get("result")
	return {
		"seconds": round(out["seconds"], 2),
		"orders": getattr(result, "orders", None),
		"batches": getattr(result, "batches", None),
		"opened": getattr(result, "opened", None),
		"updated": getattr(result, "updated", None),
		"resolved": getattr(result, "resolved", None),
		"notification_jobs_queued": len(queued),
	}


def scan(site, batch_size=None):
	with BatchQueries() as counter:
		figures = run_job(site, {"batch_size": batch_size} if batch_size else {}, counter)
	q = counter.batches
	figures["queries_per_batch"] = {
		"min": min(q) if q else 0,
		"median": statistics.median(q) if q else 0,
		"max": max(q) if q else 0,
		"batches_counted": len(q),
	}
	return figures


def notification_cost(sample=200):
	from order_tracking.order_tracking.exceptions import notify_opened_exceptions

	names = frappe.get_all(
		"Order Exception",
		filters={"sales_order": ("like", PREFIX + "%"), "status": "Open"},
		pluck="name",
		limit=sample,
	)
	frappe.flags.in_test = True  # the Notification Logs at once, in this transaction
	start = time.perf_counter()
	notify_opened_exceptions(names)
	seconds = time.perf_counter() - start
	logs = frappe.db.count(
		"Notification Log", {"document_type": "Order Exception", "document_name": ("in", names or [""])}
	)
	frappe.db.rollback()
	frappe.flags.in_test = False
	return {
		"exceptions": len(names),
		"ms_per_exception": round(seconds * 1000 / max(len(names), 1), 2),
		"notification_logs": logs,
	}


def main(site, orders=100_000, keep=False):
	import os

	frappe.init(site=site)
	frappe.connect()
	frappe.set_user("Administrator")
	report = {"site": site, "load_average": os.getloadavg(), "cpus": os.cpu_count()}
	cleanup()
	start = time.perf_counter()
	report["generated"] = generate(orders)
	report["generate_seconds"] = round(time.perf_counter() - start, 1)

	# overdue receivables are watched only when Settings ask for it
	settings = ("remind_overdue_receivables", "receivable_grace_days")
	before = frappe.db.get_values_from_single(settings, None, "Order Tracking Settings", as_dict=True)[0]
	frappe.db.set_single_value(
		"Order Tracking Settings", {"remind_overdue_receivables": 1, "receivable_grace_days": 3}
	)
	frappe.clear_document_cache("Order Tracking Settings", "Order Tracking Settings")
	frappe.db.commit()  # nosemgrep: the job reads the settings in its own connection
	try:
		run_scans(site, report)
	finally:
		frappe.db.set_single_value("Order Tracking Settings", {k: cint(v) for k, v in before.items()})
		frappe.clear_document_cache("Order Tracking Settings", "Order Tracking Settings")
		frappe.db.commit()  # nosemgrep
	report["load_average_after"] = os.getloadavg()
	if not keep:
		cleanup()
	print(json.dumps(report, indent=1, default=str))
	frappe.destroy()


def run_scans(site, report):
	report["scan_1_opens"] = scan(site)
	report["scan_2_steady"] = scan(site)
	report["open_exceptions_by_kind"] = dict(
		frappe.get_all(
			"Order Exception",
			filters={"sales_order": ("like", PREFIX + "%"), "status": "Open"},
			fields=["kind", "count(name) as n"],
			group_by="kind",
			as_list=True,
		)
	)
	report["scan_batch_250"] = scan(site, batch_size=250)
	report["scan_batch_1000"] = scan(site, batch_size=1000)
	report["notification_job"] = notification_cost()


if __name__ == "__main__":
	args = sys.argv[1:]
	if not args:
		raise SystemExit(__doc__)
	site = args[0]
	if "--cleanup" in args:
		frappe.init(site=site)
		frappe.connect()
		cleanup()
		frappe.destroy()
		raise SystemExit(0)
	count = int(args[args.index("--orders") + 1]) if "--orders" in args else 100_000
	main(site, count, keep="--keep" in args)

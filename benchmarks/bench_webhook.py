"""The carrier webhook over HTTP against gunicorn: 10 parallel clients, 20 % replays (issue 9).

Start gunicorn on the bench (loopback only), with the app's code first on the path:

    cd ~/ot-bench/sites && PYTHONPATH=/path/to/order_tracking \
        ../env/bin/gunicorn -b 127.0.0.1:8021 -w 2 frappe.app:application

then, from the same folder with the bench's Python:

    PYTHONPATH=/path/to/order_tracking ../env/bin/python \
        /path/to/order_tracking/benchmarks/bench_webhook.py SITE [--url http://127.0.0.1:8021] \
        [--events 1000] [--clients 10] [--shipments 40] [--cleanup]

1. Set-up (once, committed, reused by later runs): a Logistics Carrier `_OT Bench Carrier` and
   `--shipments` orders Ready to Ship, each dispatched (Delivery Note, Packing Slip, Shipment)
   with a `BW…` waybill. Needs the integration suite's fixtures (run the tests once first).
2. Load: `--events` distinct signed events (In Transit mostly, some Picked Up, Out for Delivery,
   Exception, Failed Attempt) over those shipments, plus a quarter as many replays of events
   already sent (20 % of the requests), sent by `--clients` threads as fast as the server answers.
3. Checks: no 5xx; exactly one Carrier Event and one timeline event per distinct event id; as
   many `{"duplicate": true}` answers as replays. Prints requests/s, latency median and p95,
   status codes, the machine's load before and after.
4. The run's Carrier Events, timeline events, exceptions and queued notification jobs are
   deleted afterwards; `--cleanup` also cancels the set-up's orders and shipments.
"""

import http.client
import json
import os
import queue
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from urllib.parse import urlparse

import frappe

CARRIER = "_OT Bench Carrier"
SECRET = "bench-secret-0123456789abcdef"
WAYBILL = "BW{:08d}"
PATH = "/api/method/order_tracking.api.carrier.receive_event"
STATUSES = ["In Transit"] * 6 + ["Picked Up", "Out for Delivery", "Exception", "Failed Attempt"]


def set_up(count: int) -> dict[str, str]:
	"""Shipments (waybill -> Shipment) of `count` dispatched orders, made once and kept."""
	from order_tracking.delivery.dispatch import dispatch_orders
	from order_tracking.tests.delivery_fixtures import PARCEL, make_delivery_fixtures, ready_order

	make_delivery_fixtures()
	if not frappe.db.exists("Logistics Carrier", CARRIER):
		frappe.get_doc(
			{"doctype": "Logistics Carrier", "carrier_name": CARRIER, "webhook_secret": SECRET}
		).insert()
	existing = dict(
		frappe.get_all(
			"Shipment",
			filters={"carrier": CARRIER, "docstatus": 1, "awb_number": ("like", "BW%")},
			fields=["awb_number", "name"],
			as_list=True,
		)
	)
	for i in range(len(existing), count):
		so = ready_order(qty=2, days=30)
		waybill = WAYBILL.format(int(time.time() * 1000) % 10**8 + i)
		result = dispatch_orders(
			[{"sales_order": so.name, "waybill": waybill}],
			CARRIER,
			parcel_template=PARCEL,
			use_pick_list=False,
		)
		existing[waybill] = result["orders"][0]["shipment"]
		# Benchmark set-up, read by the server's own connections
		frappe.db.commit()  # nosemgrep
	return dict(list(existing.items())[:count])


def requests_to_send(
	waybills: list[str], distinct: int, run: str, rng: random.Random
) -> list[tuple[bool, bytes]]:
	"""(is_replay, body): each replay after the event it repeats."""
	events = []
	for i in range(distinct):
		body = {
			"carrier": CARRIER,
			"event_id": f"{run}-{i}",
			"waybill": rng.choice(waybills),
			"status": rng.choice(STATUSES),
			"at": f"2026-11-23T{8 + i * 10 // distinct:02d}:{i % 60:02d}:00+08:00",
			"location": rng.choice(["Shanghai Hub", "Hangzhou", "Ningbo Depot"]),
			"detail": "benchmark",
		}
		events.append((False, json.dumps(body).encode()))
	replays = distinct // 4  # 20 % of all requests
	out = list(events)
	for _ in range(replays):
		original = rng.randrange(distinct)
		position = rng.randint(original + 1, len(out))
		out.insert(position, (True, events[original][1]))
	return out


def send_all(url: str, site: str, bodies, clients: int):
	from order_tracking.core.delivery import sign

	target = urlparse(url)
	work: queue.Queue = queue.Queue()
	for item in bodies:
		work.put(item)
	results = []
	lock = threading.Lock()

	def client():
		while True:
			try:
				replay, body = work.get_nowait()
			except queue.Empty:
				return
			ts = str(int(time.time()))
			headers = {
				"Host": site,
				"Content-Type": "application/json",
				"Accept": "application/json",
				"X-Order-Tracking-Timestamp": ts,
				"X-Order-Tracking-Signature": sign(SECRET, ts, body),
			}
			start = time.perf_counter()
			conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
			try:
				conn.request("POST", PATH, body=body, headers=headers)
				response = conn.getresponse()
				payload = response.read()
				status = response.status
			except Exception as e:
				status, payload = 0, repr(e).encode()
			finally:
				conn.close()
			elapsed = (time.perf_counter() - start) * 1000
			try:
				message = json.loads(payload).get("message") or {}
			except ValueError:
				message = {}
			with lock:
				results.append((replay, status, elapsed, message, body))

	threads = [threading.Thread(target=client) for _ in range(clients)]
	start = time.perf_counter()
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	return results, time.perf_counter() - start


def check(run: str, distinct: int, shipments: list[str], results) -> dict:
	frappe.db.rollback()  # a fresh snapshot sees what the server committed
	logged = frappe.get_all(
		"Carrier Event",
		filters={"carrier": CARRIER, "event_id": ("like", f"{run}-%")},
		fields=["name", "event_id", "match_status"],
	)
	names = [e.name for e in logged]
	timeline = frappe.db.count(
		"Order Event",
		{
			"source": "Carrier",
			"reference_doctype": "Shipment",
			"reference_name": ("in", shipments),
			"remarks": ("like", "%benchmark%"),
			"creation": (">=", RUN_STARTED),
		},
	)
	ids = Counter(e.event_id for e in logged)
	answered_duplicate = [r for r in results if r[0]]
	return {
		"carrier_events": len(logged),
		"distinct_event_ids_sent": distinct,
		"one_carrier_event_per_id": len(ids) == distinct and max(ids.values()) == 1,
		"all_matched": all(e.match_status == "Matched" for e in logged),
		"timeline_events": timeline,
		"one_timeline_event_per_id": timeline == distinct,
		"replays_sent": len(answered_duplicate),
		# a replay processed at the same time as its original may be the one stored: then the
		# original is answered duplicate — what counts is one duplicate answer per replay
		"duplicate_answers": sum(1 for r in results if r[3].get("duplicate") is True),
		"_names": names,
	}


def remove_run(run: str, shipments: list[str]):
	frappe.db.delete("Carrier Event", {"carrier": CARRIER, "event_id": ("like", f"{run}-%")})
	frappe.db.delete(
		"Order Event",
		{
			"source": "Carrier",
			"reference_doctype": "Shipment",
			"reference_name": ("in", shipments),
			"remarks": ("like", "%benchmark%"),
		},
	)
	orders = frappe.get_all(
		"Delivery Note Item",
		filters={
			"parent": (
				"in",
				frappe.get_all(
					"Shipment Delivery Note", filters={"parent": ("in", shipments)}, pluck="delivery_note"
				),
			)
		},
		pluck="against_sales_order",
	)
	frappe.db.delete("Order Exception", {"sales_order": ("in", orders or [""])})
	# Remove the run's events
	frappe.db.commit()  # nosemgrep
	# and the notification jobs its exceptions queued (this site's only: the queue may be shared)
	from frappe.utils.background_jobs import get_queues

	for q in get_queues():
		for job in q.jobs:
			if job.kwargs.get("site") == frappe.local.site and str(job.kwargs.get("method", "")).endswith(
				"notify_opened_exceptions"
			):
				job.delete()


def cleanup_set_up():
	for name in frappe.get_all("Shipment", filters={"carrier": CARRIER, "docstatus": 1}, pluck="name"):
		shipment = frappe.get_doc("Shipment", name)
		notes = [d.delivery_note for d in shipment.shipment_delivery_note]
		shipment.cancel()
		for dn in notes:
			doc = frappe.get_doc("Delivery Note", dn)
			orders = {d.against_sales_order for d in doc.items}
			doc.cancel()
			for so in orders:
				frappe.get_doc("Sales Order", so).cancel()
	frappe.db.delete("Carrier Event", {"carrier": CARRIER})
	# Remove the benchmark's set-up
	frappe.db.commit()  # nosemgrep


RUN_STARTED = None


def main(site, url, distinct, clients, count):
	global RUN_STARTED
	frappe.init(site=site)
	frappe.connect()
	frappe.set_user("Administrator")
	shipments = set_up(count)
	run = "BW-" + uuid.uuid4().hex[:8]
	rng = random.Random(42)
	bodies = requests_to_send(list(shipments), distinct, run, rng)
	RUN_STARTED = frappe.utils.now_datetime()
	load_before = os.getloadavg()
	results, seconds = send_all(url, site, bodies, clients)
	load_after = os.getloadavg()
	statuses = Counter(r[1] for r in results)
	latencies = sorted(r[2] for r in results)
	checks = check(run, distinct, list(shipments.values()), results)
	checks.pop("_names")
	report = {
		"url": url,
		"clients": clients,
		"shipments": len(shipments),
		"requests": len(results),
		"replays": sum(1 for r in results if r[0]),
		"seconds": round(seconds, 2),
		"requests_per_second": round(len(results) / seconds, 1),
		"distinct_events_per_second": round(distinct / seconds, 1),
		"latency_ms": {
			"median": round(statistics.median(latencies), 1),
			"p95": round(latencies[int(len(latencies) * 0.95) - 1], 1),
			"max": round(latencies[-1], 1),
		},
		"status_codes": dict(statuses),
		"no_5xx": not any(code >= 500 or code == 0 for code in statuses),
		**checks,
		"load_average_before": load_before,
		"load_average_after": load_after,
		"cpus": os.cpu_count(),
	}
	errors = [r for r in results if r[1] != 200][:3]
	if errors:
		report["first_errors"] = [(r[1], r[3]) for r in errors]
	remove_run(run, list(shipments.values()))
	print(json.dumps(report, indent=1, default=str))
	frappe.destroy()


if __name__ == "__main__":
	args = sys.argv[1:]
	if not args:
		raise SystemExit(__doc__)

	def option(name, default):
		return type(default)(args[args.index(name) + 1]) if name in args else default

	if "--cleanup" in args:
		frappe.init(site=args[0])
		frappe.connect()
		frappe.set_user("Administrator")
		cleanup_set_up()
		frappe.destroy()
		raise SystemExit(0)
	main(
		args[0],
		option("--url", "http://127.0.0.1:8021"),
		option("--events", 1000),
		option("--clients", 10),
		option("--shipments", 40),
	)

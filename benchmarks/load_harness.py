"""Load and faults (issue 11): the app under gunicorn + RQ workers + MariaDB + Redis on the bench,
50 clients of mixed work for 5 minutes, faults injected meanwhile, then invariants over the whole
database. Loopback only; bounded in clients, time and requests.

Run as root (it kills and restarts services) with the bench's Python, on a site with the demo
data set (README, step 1) — CI runs it on its throw-away demo site:

    ~/ot-bench/env/bin/python benchmarks/load_harness.py --site ot-demo.localhost [--duration 300]
        [--clients 50] [--no-faults] [--port 8013] [--out .ci/logs]

Work mix (per request, weighted): API intakes (`submit_order`, 10 % resending an earlier reference),
plain Sales Order inserts over `/api/resource` (the baseline the intake's throughput is compared
with), order status reads, the portal's *My orders* as a customer, signed carrier events (20 %
replays), Sales Order submits with a Work Order made and submitted for them, and Delivery Note
submits of the submitted orders (ERPNext's `make_delivery_note`, then `/api/resource`; the
demo's finished goods are stocked by `load_support.setup`). The table gives each kind of request
its count, requests per second and p50 / p95 / p99.

Faults, at fixed fractions of the run: kill -9 of a gunicorn worker; kill -9 of the RQ worker (and
its work horse) while a tracker backfill runs, the worker restarted as a supervisor would; MariaDB
restarted; Redis (cache and queue) stopped for 30 s. Clients retry what is safe to retry (an intake
by its reference, a carrier event by its id, reads) — the app's idempotency makes that correct; a
failed plain insert is not retried. The backfill must complete by itself (the scheduler's
`resume_interrupted_backfill`, ticked here as the scheduler would).

Checked afterwards (`order_tracking.tests.load_support.invariants`): every Converted intake has
exactly one Sales Order linked both ways; no two intakes share channel + reference; every tracker
equals a fresh derivation; no event without its document; no carrier event twice; nothing a client
was told is stored is missing. Prints a table; exits 1 when a 5xx came outside a fault window, an
invariant failed, a record was lost or the backfill did not complete.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import typing
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
FAULT_GRACE = 20  # seconds after a fault's recovery still counted as its window


class Services:
	"""The bench's processes, run as its owner: gunicorn, RQ workers, MariaDB, Redis."""

	def __init__(
		self, bench: Path, site: str, port: int, workers: int, rq_workers: int, db_root_password: str
	):
		self.bench, self.site, self.port, self.workers = bench, site, port, workers
		self.rq_workers, self.db_root_password = rq_workers, db_root_password
		config = json.loads((bench / "sites" / site / "site_config.json").read_text())
		self.db_name = config["db_name"]
		self.owner = bench.owner()
		self.gunicorn: subprocess.Popen | None = None
		self.rq: list[subprocess.Popen] = []
		self.logs = []

	def owner_cmd(self, command: str) -> list[str]:
		env = f"cd {self.bench} && export PATH=$HOME/.local/bin:$PATH && {command}"
		if os.geteuid() == 0 and self.owner != "root":
			return ["runuser", "-u", self.owner, "--", "bash", "-c", env]
		return ["bash", "-c", env]

	def run(self, command: str, timeout: int = 600) -> str:
		done = subprocess.run(
			self.owner_cmd(command), capture_output=True, text=True, timeout=timeout, check=False
		)
		if done.returncode:
			raise RuntimeError(f"{command}: {done.stderr[-2000:]}")
		return done.stdout

	def spawn(self, command: str, log: Path, cwd: str = ".") -> subprocess.Popen:
		handle = open(log, "a")
		self.logs.append(handle)
		return subprocess.Popen(
			self.owner_cmd(f"cd {cwd} && exec {command}"),
			stdout=handle,
			stderr=subprocess.STDOUT,
			start_new_session=True,
		)

	def start_gunicorn(self, out: Path):
		self.gunicorn = self.spawn(
			f"../env/bin/gunicorn -b 127.0.0.1:{self.port} -w {self.workers} --threads 4 "
			"-k gthread -t 120 --graceful-timeout 5 frappe.app:application",
			out / "load-gunicorn.log",
			cwd="sites",
		)

	def start_worker(self, out: Path):
		self.rq.append(self.spawn("bench worker --queue short,default,long", out / "load-rq.log"))

	def backfill_status(self) -> str | None:
		done = subprocess.run(
			[
				"mysql",
				"-uroot",
				f"-p{self.db_root_password}",
				"-h127.0.0.1",
				"-N",
				self.db_name,
				"-e",
				"select value from tabSingles where doctype='Order Tracking Settings' and field='backfill_status'",
			],
			capture_output=True,
			text=True,
			timeout=30,
		)
		return done.stdout.strip() or None

	def gunicorn_workers(self) -> list[int]:
		found = subprocess.run(["pgrep", "-P", str(self.gunicorn_master())], capture_output=True, text=True)
		return [int(p) for p in found.stdout.split()]

	def gunicorn_master(self) -> int:
		found = subprocess.run(
			["pgrep", "-f", f"gunicorn -b 127.0.0.1:{self.port} "], capture_output=True, text=True
		)
		pids = []
		for pid in found.stdout.split():
			argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
			if not argv0.endswith((b"runuser", b"bash")):  # the wrappers that started it
				pids.append(int(pid))
		# the master is the gunicorn whose parent is not a gunicorn
		for pid in pids:
			parent = int(Path(f"/proc/{pid}/stat").read_text().split()[3])
			if parent not in pids:
				return pid
		raise RuntimeError("no gunicorn master")

	def kill_group(self, process: subprocess.Popen):
		try:
			os.killpg(process.pid, signal.SIGKILL)
		except ProcessLookupError:
			pass
		process.wait(timeout=30)

	def lib(self, function: str):
		env = {**os.environ, "ROOT": str(ROOT), "BENCH": str(self.bench), "OWNER": self.owner}
		subprocess.run(
			["bash", "-c", f"source {ROOT}/scripts/lib.sh && {function}"],
			env=env,
			check=True,
			capture_output=True,
			timeout=300,
		)

	def stop(self):
		for process in [*self.rq, self.gunicorn]:
			if process and process.poll() is None:
				try:
					os.killpg(process.pid, signal.SIGTERM)
					process.wait(timeout=20)
				except Exception:
					self.kill_group(process)
		for handle in self.logs:
			handle.close()


class Recorder:
	def __init__(self):
		self.lock = threading.Lock()
		self.samples: list[tuple[str, float, float, int, str]] = []  # kind, start, seconds, status, note
		self.faults: list[dict] = []
		self.accepted = {"intakes": [], "carrier_events": [], "sales_orders": []}
		self.refs: list[str] = []
		self.events: list[bytes] = []
		self.draft_orders: list[str] = []
		self.submitted_orders: list[str] = []

	def add(self, kind, start, seconds, status, note=""):
		with self.lock:
			self.samples.append((kind, start, seconds, status, note))

	def in_fault_window(self, start: float, took: float) -> bool:
		"""Whether the request was under way while a fault lasted (or in the grace after it): one
		queued before the fault may fail during it."""
		return any(start <= f["end"] + FAULT_GRACE and start + took >= f["start"] for f in self.faults)


class Client(threading.Thread):
	WEIGHTS: typing.ClassVar[dict[str, int]] = {
		"intake": 30,
		"sales_order_insert": 15,
		"status": 25,
		"portal_page": 10,
		"carrier_event": 12,
		"submit_and_work_order": 8,
		"delivery_note_submit": 6,
	}

	def __init__(self, n, base, site, setup, rec: Recorder, stop_at: float):
		super().__init__(daemon=True, name=f"client-{n}")
		self.base, self.setup, self.rec, self.stop_at = base, setup, rec, stop_at
		self.rng = random.Random(n)
		self.api = requests.Session()
		self.api.headers.update(
			{"Host": site, "Authorization": setup["authorization"], "Accept": "application/json"}
		)
		self.portal_session = requests.Session()
		self.portal_session.headers.update({"Host": site, "Accept": "application/json"})
		self.portal_logged_in = False
		self.kinds = list(self.WEIGHTS)
		self.weights = list(self.WEIGHTS.values())

	def run(self):
		while time.time() < self.stop_at:
			kind = self.rng.choices(self.kinds, self.weights)[0]
			getattr(self, kind)()

	# ---------------------------------------------------------------- requests

	def call(self, kind, session, method, path, retry: bool, **kwargs):
		"""One logical request; retried while the server is down when `retry` (safe to repeat)."""
		deadline = time.time() + 90
		while True:
			start = time.time()
			try:
				r = session.request(method, f"{self.base}{path}", timeout=60, **kwargs)
				status, note = r.status_code, "" if r.status_code < 500 else r.text[:400]
			except requests.RequestException as e:
				r, status, note = None, 0, type(e).__name__
			self.rec.add(kind, start, time.time() - start, status, note)
			if (
				(status == 0 or status >= 500)
				and retry
				and time.time() < deadline
				and time.time() < self.stop_at + 60
			):
				time.sleep(1 + self.rng.random())
				continue
			return r

	def intake(self):
		rec = self.rec
		if rec.refs and self.rng.random() < 0.10:
			ref = self.rng.choice(rec.refs)  # a duplicate
		else:
			ref = f"LOAD-{uuid.uuid4().hex[:12]}"
		customer = self.rng.choice(self.setup["customers"])
		item = self.rng.choice(self.setup["items"])
		body = {
			"channel": "API",
			"external_ref": ref,
			"customer": customer,
			"company": self.setup["company"],
			"delivery_date": str(date.today() + timedelta(days=self.rng.randint(20, 60))),
			"items": [{"item_code": item, "qty": self.rng.choice((6, 12, 24))}],
		}
		r = self.call(
			"intake", self.api, "POST", "/api/method/order_tracking.api.intake.submit_order", True, json=body
		)
		if r is not None and r.status_code == 200:
			answer = r.json()["message"]
			with rec.lock:
				if ref not in rec.refs:
					rec.refs.append(ref)
					rec.accepted["intakes"].append(ref)
				if answer.get("sales_order") and answer.get("status") == "Converted":
					rec.draft_orders.append(answer["sales_order"])

	def sales_order_insert(self):
		body = {
			"customer": self.rng.choice(self.setup["customers"]),
			"company": self.setup["company"],
			"delivery_date": str(date.today() + timedelta(days=30)),
			"items": [{"item_code": self.rng.choice(self.setup["items"]), "qty": 12}],
		}
		r = self.call("sales_order_insert", self.api, "POST", "/api/resource/Sales Order", False, json=body)
		if r is not None and r.status_code == 200:
			with self.rec.lock:
				self.rec.accepted["sales_orders"].append(r.json()["data"]["name"])

	def status(self):
		if not self.rec.refs:
			return self.intake()
		ref = self.rng.choice(self.rec.refs)
		self.call(
			"status",
			self.api,
			"GET",
			"/api/method/order_tracking.api.tracking.get_order_status",
			True,
			params={"order": f"API:{ref}"},
		)

	def portal_page(self):
		if not self.portal_logged_in:
			r = self.call(
				"portal_login",
				self.portal_session,
				"POST",
				"/api/method/login",
				True,
				json={"usr": self.setup["portal_user"], "pwd": self.setup["portal_password"]},
			)
			self.portal_logged_in = r is not None and r.status_code == 200
			return
		r = self.call("portal", self.portal_session, "GET", "/my-orders", True)
		if r is not None and (r.status_code in (401, 403) or "/login" in r.url):
			self.portal_logged_in = False  # the session was lost with Redis

	def carrier_event(self):
		rec = self.rec
		if rec.events and self.rng.random() < 0.20:
			body = self.rng.choice(rec.events)
			event_id = None
		else:
			event_id = uuid.uuid4().hex
			body = json.dumps(
				{
					"carrier": self.setup["carrier"],
					"event_id": event_id,
					"waybill": f"LOADWB{self.rng.randint(1, 400):06d}",
					"status": "In Transit",
					"at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
					"location": "Shenzhen",
				}
			).encode()
		timestamp = str(int(time.time()))
		digest = hmac.new(
			self.setup["carrier_secret"].encode(), timestamp.encode() + b"." + body, hashlib.sha256
		).hexdigest()
		headers = {
			"Content-Type": "application/json",
			"X-Order-Tracking-Timestamp": timestamp,
			"X-Order-Tracking-Signature": f"sha256={digest}",
			"Authorization": "",
		}
		r = self.call(
			"carrier_event",
			self.api,
			"POST",
			"/api/method/order_tracking.api.carrier.receive_event",
			True,
			data=body,
			headers=headers,
		)
		if r is not None and r.status_code == 200 and event_id:
			with rec.lock:
				rec.events.append(body)
				rec.accepted["carrier_events"].append(event_id)

	def submit_and_work_order(self):
		with self.rec.lock:
			name = self.rec.draft_orders.pop(0) if self.rec.draft_orders else None
		if not name:
			return self.intake()
		current = self.call("read", self.api, "GET", f"/api/resource/Sales Order/{name}", True)
		if current is None or current.status_code != 200:
			return
		lines = current.json()["data"]["items"]
		for line in lines:
			line["warehouse"] = self.setup["warehouse"]
		r = self.call(
			"sales_order_submit",
			self.api,
			"PUT",
			f"/api/resource/Sales Order/{name}",
			True,
			json={"docstatus": 1, "items": lines},
		)
		if r is None or r.status_code != 200:
			return
		order = r.json()["data"]
		with self.rec.lock:
			self.rec.submitted_orders.append(name)
		line = order["items"][0]
		bom = self.call(
			"read",
			self.api,
			"GET",
			"/api/resource/BOM",
			True,
			params={"filters": json.dumps({"item": line["item_code"], "is_default": 1, "docstatus": 1})},
		)
		boms = bom.json()["data"] if bom is not None and bom.status_code == 200 else []
		if not boms:
			return
		self.call(
			"work_order_submit",
			self.api,
			"POST",
			"/api/resource/Work Order",
			False,
			json={
				"docstatus": 1,
				"production_item": line["item_code"],
				"bom_no": boms[0]["name"],
				"qty": line["qty"],
				"sales_order": name,
				"sales_order_item": line["name"],
				"company": self.setup["company"],
				"fg_warehouse": self.setup["warehouse"],
				"wip_warehouse": self.setup["warehouse"],
			},
		)

	def delivery_note_submit(self):
		"""A submitted order delivered in full: ERPNext's own mapping, then the Delivery Note
		submitted over `/api/resource` (not retried: a submit is not safe to repeat)."""
		with self.rec.lock:
			name = self.rec.submitted_orders.pop(0) if self.rec.submitted_orders else None
		if not name:
			return self.intake()
		mapped = self.call(
			"read",
			self.api,
			"POST",
			"/api/method/erpnext.selling.doctype.sales_order.sales_order.make_delivery_note",
			True,
			json={"source_name": name},
		)
		if mapped is None or mapped.status_code != 200:
			return
		note = {k: v for k, v in mapped.json()["message"].items() if not k.startswith("__") and k != "name"}
		note["items"] = [
			{k: v for k, v in row.items() if not k.startswith("__") and k not in ("name", "parent")}
			for row in note.get("items", [])
		]
		note["docstatus"] = 1
		self.call("delivery_note_submit", self.api, "POST", "/api/resource/Delivery Note", False, json=note)


def percentile(values, p):
	if not values:
		return None
	values = sorted(values)
	k = (len(values) - 1) * p / 100
	low = int(k)
	high = min(low + 1, len(values) - 1)
	return values[low] + (values[high] - values[low]) * (k - low)


def wait_until(predicate, timeout, step=1.0):
	deadline = time.time() + timeout
	while time.time() < deadline:
		try:
			if predicate():
				return True
		except Exception:
			pass
		time.sleep(step)
	return False


class Faults(threading.Thread):
	def __init__(
		self,
		services: Services,
		rec: Recorder,
		base: str,
		site: str,
		setup: dict,
		start: float,
		duration: float,
		out: Path,
	):
		super().__init__(daemon=True, name="faults")
		self.services, self.rec, self.base, self.start_at, self.duration, self.out = (
			services,
			rec,
			base,
			start,
			duration,
			out,
		)
		self.http = requests.Session()
		self.http.headers.update(
			{"Host": site, "Authorization": setup["authorization"], "Accept": "application/json"}
		)
		self.backfill_started = False

	def alive(self) -> bool:
		return self.http.get(f"{self.base}/api/method/ping", timeout=5).status_code == 200

	def record(self, name, start, recovered: bool, detail=""):
		entry = {"fault": name, "start": start, "end": time.time(), "recovered": recovered, "detail": detail}
		with self.rec.lock:
			self.rec.faults.append(entry)

	def at(self, fraction):
		delay = self.start_at + self.duration * fraction - time.time()
		if delay > 0:
			time.sleep(delay)

	def run(self):
		for fraction, name, inject in (
			(0.15, "kill -9 a gunicorn worker", self.kill_gunicorn_worker),
			(0.30, "kill -9 the RQ worker during a backfill", self.kill_rq_worker),
			(0.50, "restart MariaDB", self.restart_mariadb),
			(0.70, "stop Redis (cache and queue) for 30 s", self.stop_redis),
		):
			self.at(fraction)
			start = time.time()
			try:
				recovered, detail = inject()
			except Exception as e:  # a fault that could not be injected or recovered fails the run
				recovered, detail = False, repr(e)
			self.record(name, start, recovered, detail)

	def kill_gunicorn_worker(self):
		victim = random.choice(self.services.gunicorn_workers())
		os.kill(victim, signal.SIGKILL)
		ok = wait_until(
			lambda: len(self.services.gunicorn_workers()) == self.services.workers and self.alive(), 60
		)
		return ok, f"pid {victim}; the master started another"

	def kill_rq_worker(self):
		answer = self.http.post(
			f"{self.base}/api/method/order_tracking.order_tracking.backfill.enqueue_backfill", timeout=60
		)
		self.backfill_started = answer.status_code == 200
		# read the status straight from the database: the site is busy answering the clients
		running = wait_until(lambda: self.services.backfill_status() == "Running", 120, 0.1)
		for worker in list(self.services.rq):  # the worker and its work horse, mid-job
			self.services.kill_group(worker)
			self.services.rq.remove(worker)
		time.sleep(2)
		for _ in range(self.services.rq_workers):
			self.services.start_worker(self.out)  # as supervisor would
		return (
			running,
			f"backfill {'killed while running' if running else 'NOT seen running'}; workers restarted",
		)

	def restart_mariadb(self):
		subprocess.run(
			["mysqladmin", "-uroot", f"-p{self.services.db_root_password}", "-h127.0.0.1", "shutdown"],
			capture_output=True,
			timeout=120,
		)
		# down once its process is gone (mysqld_safe refuses to start beside a dying one)
		gone = wait_until(
			lambda: subprocess.run(["pgrep", "-x", "mariadbd|mysqld"], capture_output=True).returncode != 0,
			120,
			0.5,
		)
		self.services.lib("start_mariadb")
		return gone and wait_until(self.alive, 120), "shut down, then started again"

	def stop_redis(self):
		for port in (13000, 11000):
			subprocess.run(
				["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, timeout=30
			)
		time.sleep(30)
		self.services.lib("start_redis")
		restarted = 0
		for worker in list(self.services.rq):
			if worker.poll() is not None:  # a worker that gave up while Redis was away
				self.services.rq.remove(worker)
				self.services.start_worker(self.out)
				restarted += 1
		return wait_until(self.alive, 120), f"both Redis servers down 30 s; {restarted} RQ workers restarted"


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--bench", default=os.path.expanduser("~/ot-bench"))
	parser.add_argument("--port", type=int, default=8013)
	parser.add_argument("--duration", type=int, default=300)
	parser.add_argument("--clients", type=int, default=50)
	parser.add_argument("--gunicorn-workers", type=int, default=3)
	parser.add_argument("--rq-workers", type=int, default=2)
	parser.add_argument("--no-faults", action="store_true")
	parser.add_argument("--db-root-password", default=os.environ.get("OT_DB_ROOT_PASSWORD", "admin"))
	parser.add_argument("--out", default=str(ROOT / ".ci" / "logs"))
	args = parser.parse_args()
	out = Path(args.out)
	out.mkdir(parents=True, exist_ok=True)
	bench = Path(args.bench).resolve()
	base = f"http://127.0.0.1:{args.port}"

	services = Services(
		bench, args.site, args.port, args.gunicorn_workers, args.rq_workers, args.db_root_password
	)
	setup = json.loads(
		services.run(f"bench --site {args.site} execute order_tracking.tests.load_support.setup")
		.strip()
		.splitlines()[-1]
	)
	rec = Recorder()
	try:
		services.start_gunicorn(out)
		for _ in range(args.rq_workers):
			services.start_worker(out)
		probe = requests.Session()
		probe.headers["Host"] = args.site
		if not wait_until(lambda: probe.get(f"{base}/api/method/ping", timeout=5).status_code == 200, 90):
			raise SystemExit("gunicorn did not answer")

		start = time.time()
		stop_at = start + args.duration
		clients = [Client(n, base, args.site, setup, rec, stop_at) for n in range(args.clients)]
		faults = (
			None
			if args.no_faults
			else Faults(services, rec, base, args.site, setup, start, args.duration, out)
		)
		for c in clients:
			c.start()
		if faults:
			faults.start()
		for c in clients:
			c.join(timeout=args.duration + 240)
		if faults:
			faults.join(timeout=300)
		load_seconds = time.time() - start

		# the backfill completes by itself: the scheduler's "all" tick, run here as the scheduler would
		backfill_done = True
		if faults and faults.backfill_started:

			def completed():
				services.run(
					f"bench --site {args.site} execute order_tracking.order_tracking.backfill.resume_interrupted_backfill"
				)
				return services.backfill_status() == "Completed"

			backfill_done = wait_until(completed, 600, 15)
		accepted = out / "load-accepted.json"
		accepted.write_text(json.dumps(rec.accepted))
		invariants = json.loads(
			services.run(
				f"bench --site {args.site} execute order_tracking.tests.load_support.invariants "
				f"--kwargs \"{{'accepted_path': '{accepted}'}}\""
			)
			.strip()
			.splitlines()[-1]
		)
	finally:
		services.stop()

	report(rec, invariants, load_seconds, args, backfill_done, out)


def report(rec: Recorder, invariants, seconds, args, backfill_done, out: Path):
	by_kind = defaultdict(list)
	statuses = defaultdict(Counter)
	server_errors_outside = []
	deadlocks = 0
	for kind, start, took, status, note in rec.samples:
		by_kind[kind].append(took)
		statuses[kind][status] += 1
		if status == 0 or status >= 500:
			if "Deadlock" in note or "1213" in note:
				deadlocks += 1
			if not rec.in_fault_window(start, took):
				server_errors_outside.append((kind, status, note[:300]))
	total = len(rec.samples)
	print(
		f"\nLoad: {args.clients} clients for {seconds:.0f} s against gunicorn ({args.gunicorn_workers} workers x 4 threads), {args.rq_workers} RQ workers"
	)
	print(f"{'request':<22}{'count':>7}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  status codes")
	for kind in sorted(by_kind):
		t = by_kind[kind]
		print(
			f"{kind:<22}{len(t):>7}{len(t) / seconds:>8.1f}{percentile(t, 50) * 1000:>9.0f}"
			f"{percentile(t, 95) * 1000:>9.0f}{percentile(t, 99) * 1000:>9.0f}  {dict(statuses[kind])}"
		)
	ok_latency = lambda kind: [t for (k, s, t, st, _n) in rec.samples if k == kind and st == 200]  # noqa: E731
	intake, plain = ok_latency("intake"), ok_latency("sales_order_insert")
	ratio = (statistics.mean(plain) / statistics.mean(intake)) if intake and plain else None
	print(
		f"\nintake vs plain Sales Order insert over REST (same run, per client: 1 / mean latency): "
		f"{ratio:.2f}x"
		if ratio
		else "\nintake ratio: not measured"
	)
	print("\nFaults")
	for f in rec.faults:
		print(
			f"  {'survived' if f['recovered'] else 'NOT RECOVERED'}: {f['fault']} ({f['end'] - f['start']:.0f} s; {f.get('detail', '')})"
		)
	print(f"  backfill interrupted by the kill completed by itself: {backfill_done}")
	print("\nInvariants")
	for c in invariants:
		print(
			f"  {'ok  ' if c['ok'] else 'FAIL'} {c['check']} (checked {c['tried']}; bad {c['bad']}) {c['examples'] if c['bad'] else ''}"
		)
	lost = next((c["bad"] for c in invariants if c["check"].startswith("nothing a client")), None)
	for kind, status, note in server_errors_outside[:10]:
		print(f"\n5xx outside a fault window: {kind} {status}\n{note}")
	faults_ok = all(f["recovered"] for f in rec.faults) and backfill_done
	table = [
		(
			"load held",
			f"{total} requests in {seconds:.0f} s ({total / seconds:.1f}/s); {len(server_errors_outside)} 5xx outside fault windows; {deadlocks} deadlock answers",
		),
		(
			"faults survived",
			f"{sum(f['recovered'] for f in rec.faults)} of {len(rec.faults)}"
			+ ("" if backfill_done else "; backfill NOT completed"),
		),
		(
			"inputs tried",
			f"{total} requests; {len(rec.accepted['intakes'])} distinct intakes, {len(rec.accepted['carrier_events'])} carrier events, {len(rec.accepted['sales_orders'])} plain orders accepted",
		),
		("records lost", str(lost)),
		("intake / plain insert", f"{ratio:.2f}x (target 0.8x)" if ratio else "n/a"),
	]
	print("\n" + "\n".join(f"| {a:<22} | {b} |" for a, b in table))
	(out / "load-report.json").write_text(
		json.dumps({"table": table, "invariants": invariants, "faults": rec.faults}, default=str, indent=1)
	)
	failed = server_errors_outside or not faults_ok or not all(c["ok"] for c in invariants) or lost
	print(f"LOAD RESULT: {'PASSED' if not failed else 'FAILED'}: " + "; ".join(f"{a}: {b}" for a, b in table))
	sys.exit(1 if failed else 0)


if __name__ == "__main__":
	main()

"""Facts a newcomer should find on a site after the README's step 1, checked over REST.

    python scripts/check_demo_site.py --url http://127.0.0.1:8011 --site ot-demo.localhost --password X

Logs in as Administrator and checks: each demo order at the stage the README lists, with
`get_order_status` answering for it (by `channel:external_ref`) and a timeline; the rejected
intake kept with its error and no order; the paid order's job cards logged one operation after
another, within their workstations' working hours, never on a holiday, all in the past, each
for its whole quantity; what the outsourcing dialogs need (Settings, Subcontracting BOMs), an
operation out at the supplier, a semi-finished order back with a reject (in the rejected
warehouse), the supplier's statement and its Purchase Invoice; two shipments with their
carrier's events, the open Shipment Exception, and the Order Return of a delivered order. Prints one line per check and a RESULT line; exits 1 if any failed.
Needs only `requests`.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, time

import requests

# The README's list: reference -> (channel, stage)
EXPECTED = {
	"DEMO-HS-1001": ("API", "Under Review"),
	"DEMO-MO-2001": ("Desk", "Approved"),
	"DEMO-HS-1002": ("Desk", "Planned"),
	"DEMO-HS-1003": ("Desk", "In Production"),
	"DEMO-MO-2002": ("Desk", "Paid"),
	"DEMO-HS-1004": ("Desk", "In Production"),
	"DEMO-HS-1005": ("Desk", "Approved"),
	"DEMO-MO-2003": ("Desk", "Delivered"),
	"DEMO-MO-2004": ("Desk", "Delivered"),
}
REJECTED = ("E-mail", "DEMO-MAIL-7")
PAID = "DEMO-MO-2002"
# the later stages of an order's life (order_tracking/demo_outsourcing.py, demo_delivery.py)
OPERATION_OUT = "DEMO-HS-1004"
SEMI_FINISHED = "DEMO-HS-1005"
RETURNED = "DEMO-MO-2003"
FAILED_DELIVERY = "DEMO-MO-2004"
SUPPLIER = "Eastside Stitching Co."
REJECTED_WAREHOUSE = "Rejected Goods - SF"


class Checker:
	def __init__(self, url: str, site: str):
		self.url = url.rstrip("/")
		self.http = requests.Session()
		self.http.headers.update({"Host": site, "Accept": "application/json"})
		self.passed: list[str] = []
		self.failed: list[str] = []

	def check(self, ok: bool, what: str, detail: str = ""):
		(self.passed if ok else self.failed).append(what)
		print(f"  [{'ok' if ok else 'FAIL'}] {what}{'' if ok or not detail else ': ' + detail}")
		return ok

	def get(self, path: str, **params):
		params = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in params.items()}
		return self.http.get(f"{self.url}{path}", params=params, timeout=60)

	def resource(self, doctype: str, name: str | None = None, **params):
		path = f"/api/resource/{doctype}" + (f"/{name}" if name else "")
		r = self.get(path, **params)
		r.raise_for_status()
		return r.json()["data"]


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", required=True)
	parser.add_argument("--site", required=True)
	parser.add_argument("--user", default="Administrator")
	parser.add_argument("--password", required=True)
	args = parser.parse_args()

	c = Checker(args.url, args.site)
	login = c.http.post(
		f"{c.url}/api/method/login", data={"usr": args.user, "pwd": args.password}, timeout=60
	)
	if not c.check(login.status_code == 200, "login over REST", f"HTTP {login.status_code}"):
		return finish(c)

	orders = {}
	for ref, (channel, stage) in EXPECTED.items():
		r = c.get("/api/method/order_tracking.api.tracking.get_order_status", order=f"{channel}:{ref}")
		if not c.check(r.status_code == 200, f"get_order_status {channel}:{ref}", f"HTTP {r.status_code}"):
			continue
		status = r.json()["message"]
		orders[ref] = status
		c.check(
			status["stage"] == stage,
			f"{ref} ({status['sales_order']}) is at {stage}",
			f"it is at {status['stage']}",
		)
		c.check(len(status["events"]) > 0, f"{ref} has a timeline", "no events")
	paid = orders.get(PAID)
	if paid:
		progress = paid["progress"]
		c.check(
			all(progress[k] == 100 for k in ("produced_pct", "delivered_pct", "billed_pct", "paid_pct")),
			f"{PAID} is 100% produced, delivered, billed and paid",
			json.dumps({k: v for k, v in progress.items() if k.endswith("_pct")}),
		)

	channel, ref = REJECTED
	intakes = c.resource(
		"Order Intake", filters=[["external_ref", "=", ref]], fields=["name", "status", "sales_order"]
	)
	c.check(
		len(intakes) == 1 and intakes[0]["status"] == "Rejected" and not intakes[0]["sales_order"],
		f"intake {channel}:{ref} is Rejected with no order",
		json.dumps(intakes),
	)
	if intakes:
		errors = c.resource("Order Intake", intakes[0]["name"]).get("errors", [])
		c.check(
			any("Hiking Boot" in (e.get("message") or "") for e in errors),
			f"intake {ref} names its unknown item",
			json.dumps(errors),
		)
	r = c.get("/api/method/order_tracking.api.tracking.get_order_status", order=f"{channel}:{ref}")
	c.check(
		r.status_code == 403,
		f"get_order_status {channel}:{ref} answers 403 (no order)",
		f"HTTP {r.status_code}",
	)

	planned = orders.get("DEMO-HS-1002")
	if planned:
		c.check(
			bool(planned.get("plan")), "DEMO-HS-1002 shows its week plan", json.dumps(planned.get("plan"))
		)
		c.check(len(planned.get("operations") or []) >= 2, "DEMO-HS-1002 shows its operations")
	schedules = c.resource(
		"Daily Schedule", filters=[["status", "=", "Current"]], fields=["name", "operations_count"]
	)
	c.check(
		len(schedules) == 1 and schedules[0]["operations_count"] > 0,
		"today's Daily Schedule lists operations",
		json.dumps(schedules),
	)
	if paid:
		check_job_cards(c, paid["sales_order"])
	check_outsourcing(c, orders)
	check_delivery(c, orders)
	return finish(c)


def check_outsourcing(c: Checker, orders: dict):
	"""What the outsourcing dialogs need, the two outsourcing orders and the supplier's statement."""
	settings = c.resource("Order Tracking Settings", "Order Tracking Settings")
	c.check(
		all(
			settings.get(f)
			for f in (
				"outsourcing_service_item",
				"outsourcing_supplier_warehouse",
				"outsourcing_rejected_warehouse",
			)
		),
		"Settings name the outsourcing service item and the supplier's and rejected warehouses",
	)
	boms = c.resource(
		"Subcontracting BOM", filters=[["is_active", "=", 1]], fields=["finished_good", "service_item"]
	)
	c.check(
		{"Oxford Upper", "Classic Oxford"} <= {b["finished_good"] for b in boms},
		"Subcontracting BOMs of Oxford Upper and Classic Oxford",
		json.dumps(boms),
	)
	found = c.resource(
		"Outsourcing Order",
		filters=[["supplier", "=", SUPPLIER], ["docstatus", "=", 1]],
		fields=["name", "outsourcing_type", "status", "sales_order", "pending_qty", "rejected_qty"],
	)
	by_order = {o["sales_order"]: o for o in found}
	out = by_order.get((orders.get(OPERATION_OUT) or {}).get("sales_order"), {})
	c.check(
		out.get("outsourcing_type") == "Operation"
		and out.get("status") == "Sent"
		and out.get("pending_qty", 0) > 0,
		f"{OPERATION_OUT}: an operation out at {SUPPLIER} (Sent, not back)",
		json.dumps(out or found),
	)
	back = by_order.get((orders.get(SEMI_FINISHED) or {}).get("sales_order"), {})
	c.check(
		back.get("outsourcing_type") == "Semi-finished"
		and back.get("status") == "Returned"
		and back.get("rejected_qty", 0) > 0,
		f"{SEMI_FINISHED}: a semi-finished order Returned with a reject",
		json.dumps(back or found),
	)
	bins = c.resource(
		"Bin",
		filters=[["warehouse", "=", REJECTED_WAREHOUSE], ["item_code", "=", "Oxford Upper"]],
		fields=["actual_qty"],
	)
	c.check(
		bool(bins) and bins[0]["actual_qty"] == back.get("rejected_qty"),
		f"the rejected uppers are in {REJECTED_WAREHOUSE}",
		json.dumps(bins),
	)
	statements = c.resource(
		"Supplier Statement",
		filters=[["supplier", "=", SUPPLIER], ["docstatus", "=", 1]],
		fields=["name", "purchase_invoice", "net_amount"],
	)
	invoice = statements[0]["purchase_invoice"] if statements else None
	if c.check(
		bool(invoice),
		f"a submitted statement of {SUPPLIER} with its Purchase Invoice",
		json.dumps(statements),
	):
		pi = c.resource("Purchase Invoice", invoice)
		c.check(
			pi["docstatus"] == 1
			and pi["supplier"] == SUPPLIER
			and pi["grand_total"] == statements[0]["net_amount"],
			f"{invoice} is submitted for the statement's net amount",
			json.dumps({k: pi.get(k) for k in ("docstatus", "supplier", "grand_total")}),
		)


def check_delivery(c: Checker, orders: dict):
	"""The shipments' carrier events, the open exception and the return."""
	for ref, last in ((RETURNED, "Delivered"), (FAILED_DELIVERY, "Failed Attempt")):
		status = orders.get(ref)
		if not status:
			continue
		so = status["sales_order"]
		r = c.get("/api/method/order_tracking.api.carrier.get_carrier_events", sales_order=so)
		if not c.check(r.status_code == 200, f"get_carrier_events of {ref}", f"HTTP {r.status_code}"):
			continue
		answer = r.json()["message"]
		statuses = [e["status"] for e in sorted(answer["events"], key=lambda e: e["at"])]
		c.check(
			len(answer["shipments"]) == 1
			and statuses[:2] == ["Picked Up", "In Transit"]
			and statuses[-1] == last,
			f"{ref}: its Shipment has the carrier's events, the last {last}",
			json.dumps(statuses),
		)
		c.check(
			[s.get("carrier_status") for s in status.get("shipments") or []] == [last],
			f"{ref}: get_order_status shows the shipment at {last}",
			json.dumps(status.get("shipments")),
		)
	failed = orders.get(FAILED_DELIVERY)
	if failed:
		c.check(
			any(
				e["kind"] == "Shipment Exception" and e["status"] == "Open"
				for e in failed.get("exceptions") or []
			),
			f"{FAILED_DELIVERY}: an open Shipment Exception",
			json.dumps(failed.get("exceptions")),
		)
	returned = orders.get(RETURNED)
	if returned:
		found = c.resource(
			"Order Return",
			filters=[["sales_order", "=", returned["sales_order"]], ["docstatus", "=", 1]],
			fields=["name", "status", "return_delivery_note", "total_qty"],
		)
		c.check(
			len(found) == 1 and bool(found[0]["return_delivery_note"]) and found[0]["total_qty"] > 0,
			f"{RETURNED}: an Order Return, the goods back on a return Delivery Note",
			json.dumps(found),
		)


def check_job_cards(c: Checker, sales_order: str):
	work_orders = c.resource(
		"Work Order", filters=[["sales_order", "=", sales_order]], fields=["name", "qty"]
	)
	if not c.check(len(work_orders) == 1, f"{sales_order} has one work order", json.dumps(work_orders)):
		return
	wo = c.resource("Work Order", work_orders[0]["name"])
	sequence = [op["name"] for op in sorted(wo["operations"], key=lambda op: op["idx"])]
	cards = c.resource(
		"Job Card",
		filters=[["work_order", "=", wo["name"]]],
		fields=["name", "operation_id"],
		limit_page_length=0,
	)
	cards.sort(key=lambda jc: sequence.index(jc["operation_id"]))
	c.check(len(cards) == len(sequence), f"{wo['name']}: a job card per operation", f"{len(cards)} cards")

	calendars = {}
	now = datetime.now()
	previous_end = None
	for card in cards:
		jc = c.resource("Job Card", card["name"])
		logs = sorted(jc["time_logs"], key=lambda t: t["from_time"])
		ws = jc["workstation"]
		if ws not in calendars:
			calendars[ws] = workstation_calendar(c, ws)
		periods, holidays = calendars[ws]
		label = f"{jc['name']} ({jc['operation']} on {ws})"
		c.check(jc["docstatus"] == 1 and logs, f"{label} is submitted with time logs")
		if not logs:
			continue
		starts = [parse(t["from_time"]) for t in logs]
		ends = [parse(t["to_time"]) for t in logs]
		if previous_end is not None:
			c.check(starts[0] >= previous_end, f"{label} starts after the operation before it ends")
		outside = [
			f"{s:%a %Y-%m-%d %H:%M}-{e:%H:%M}"
			for s, e in zip(starts, ends, strict=True)
			if s.date() in holidays
			or s.date() != e.date()
			or not any(p0 <= s.time() and e.time() <= p1 for p0, p1 in periods)
		]
		c.check(not outside, f"{label} is logged within working hours, not on holidays", ", ".join(outside))
		c.check(max(ends) <= now, f"{label} is logged in the past")
		completed = sum(t["completed_qty"] for t in logs)
		c.check(
			completed == jc["for_quantity"], f"{label} completed its {jc['for_quantity']}", str(completed)
		)
		previous_end = max(ends)


def workstation_calendar(c: Checker, workstation: str):
	ws = c.resource("Workstation", workstation)
	periods = [
		(parse_time(h["start_time"]), parse_time(h["end_time"]))
		for h in ws["working_hours"]
		if h.get("enabled")
	]
	holidays = set()
	if ws.get("holiday_list"):
		holidays = {
			datetime.strptime(h["holiday_date"], "%Y-%m-%d").date()
			for h in c.resource("Holiday List", ws["holiday_list"])["holidays"]
		}
	return periods, holidays


def parse(value: str) -> datetime:
	return datetime.fromisoformat(value.split(".")[0])


def parse_time(value: str) -> time:
	h, m, s = (int(float(x)) for x in value.split(":"))
	return time(h, m, s)


def finish(c: Checker) -> int:
	print(f"RESULT {len(c.passed)} REST checks passed, {len(c.failed)} failed")
	return 1 if c.failed else 0


if __name__ == "__main__":
	sys.exit(main())

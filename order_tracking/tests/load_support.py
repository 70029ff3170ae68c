"""The site's side of the load and fault harness (`benchmarks/load_harness.py`), on a site with the
demo data set (README, step 1): what the clients need, and the invariants checked afterwards.

    bench --site X execute order_tracking.tests.load_support.setup
    bench --site X execute order_tracking.tests.load_support.invariants --kwargs "{'accepted_path': '...'}"

Both print one line of JSON. `setup` commits (idempotent); `invariants` only reads."""

from __future__ import annotations

import json
import sys

import frappe
from frappe.utils import flt, getdate
from frappe.utils.password import update_password

from order_tracking import demo
from order_tracking.order_tracking.order_facts import gather_order_facts
from order_tracking.order_tracking.tracking import compute_order_states

PORTAL_USER = "load-portal@example.com"
PORTAL_CUSTOMER = "Harbour Shoes Ltd"
CARRIER = "_OT Load Carrier"
CARRIER_SECRET = "load-harness-secret-0123456789"
# tracker fields a fresh derivation must reproduce (numbers within a cent)
TRACKER_FIELDS = (
	"stage",
	"on_hold",
	"promised_date",
	"eta",
	"delay_days",
	"ordered_qty",
	"produced_qty",
	"shipped_qty",
	"delivered_qty",
	"grand_total",
	"billed_amount",
	"paid_amount",
	"payment_status",
)


def setup(password: str = "Load-Harness-2026!") -> None:
	"""A portal user of one demo customer, a carrier with a webhook secret, and Administrator's API
	key; prints what the clients need as JSON."""
	if not frappe.db.exists("Company", demo.COMPANY):
		frappe.throw(f"{frappe.local.site} has no demo data set: run the demo first")
	if not frappe.db.exists("User", PORTAL_USER):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": PORTAL_USER,
				"first_name": "Load Portal",
				"user_type": "Website User",
				"send_welcome_email": 0,
				"roles": [{"role": "Customer"}],
			}
		).insert(ignore_permissions=True)
	update_password(PORTAL_USER, password)
	customer = frappe.get_doc("Customer", PORTAL_CUSTOMER)
	if PORTAL_USER not in {row.user for row in customer.get("portal_users", [])}:
		customer.append("portal_users", {"user": PORTAL_USER})
		customer.save(ignore_permissions=True)
	if not frappe.db.exists("Logistics Carrier", CARRIER):
		frappe.get_doc(
			{"doctype": "Logistics Carrier", "carrier_name": CARRIER, "webhook_secret": CARRIER_SECRET}
		).insert(ignore_permissions=True)
	admin = frappe.get_doc("User", "Administrator")
	admin.api_key = admin.api_key or frappe.generate_hash(length=15)
	secret = frappe.generate_hash(length=15)
	admin.api_secret = secret
	admin.save(ignore_permissions=True)
	frappe.db.savepoint("load_stock")
	try:
		ensure_finished_stock()
	except frappe.ValidationError as e:
		# the Delivery Note submits then answer 417 (in the table), the rest of the load runs
		frappe.db.rollback(save_point="load_stock")
		print(f"finished goods not stocked for the Delivery Note submits: {e}", file=sys.stderr)
	frappe.db.commit()  # nosemgrep — a set-up command: its records are for other processes
	codes = {
		customer: code
		for _item, (_rate, _materials, _ops, customer_codes) in demo.PRODUCTS.items()
		for customer, code in customer_codes.items()
	}
	print(
		json.dumps(
			{
				"company": demo.COMPANY,
				"customers": list(demo.CUSTOMERS),
				"items": [item for item, spec in demo.PRODUCTS.items() if spec[0]],
				"customer_item_codes": codes,
				"warehouse": demo.demo_warehouse("Finished Goods"),
				"portal_user": PORTAL_USER,
				"portal_password": password,
				"carrier": CARRIER,
				"carrier_secret": CARRIER_SECRET,
				"authorization": f"token {admin.api_key}:{secret}",
			}
		)
	)


LOAD_STOCK_REMARK = "Load harness: finished goods for Delivery Note submits"


def ensure_finished_stock(qty: float = 100_000) -> None:
	"""Finished goods of the products the clients order, so that their Delivery Notes submit."""
	if frappe.db.exists("Stock Entry", {"remarks": LOAD_STOCK_REMARK, "docstatus": 1}):
		return
	warehouse = demo.demo_warehouse("Finished Goods")
	se = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": demo.COMPANY,
			"remarks": LOAD_STOCK_REMARK,
			"to_warehouse": warehouse,
		}
	)
	for item, spec in demo.PRODUCTS.items():
		if spec[0]:
			se.append(
				"items", {"item_code": item, "qty": qty, "basic_rate": spec[0], "t_warehouse": warehouse}
			)
	se.insert(ignore_permissions=True)
	se.submit()


def invariants(accepted_path: str | None = None) -> None:
	"""The database after the load and the faults, as a list of checks (name, ok, detail)."""
	checks = []

	def check(name: str, bad: list, tried: int | None = None):
		checks.append({"check": name, "ok": not bad, "tried": tried, "bad": len(bad), "examples": bad[:5]})

	oi = frappe.qb.DocType("Order Intake")
	so = frappe.qb.DocType("Sales Order")
	converted = (
		frappe.qb.from_(oi)
		.left_join(so)
		.on(so.name == oi.sales_order)
		.select(oi.name, oi.sales_order, so.order_intake)
		.where(oi.status == "Converted")
		.run(as_dict=True)
	)
	linked = frappe._dict(
		frappe.qb.from_(so)
		.select(so.order_intake, frappe.query_builder.functions.Count("*"))
		.where(so.order_intake.isnotnull())
		.groupby(so.order_intake)
		.run()
	)
	check(
		"every Converted intake has exactly one Sales Order, linked both ways",
		[r.name for r in converted if r.order_intake != r.name or linked.get(r.name) != 1],
		len(converted),
	)
	duplicates = (
		frappe.qb.from_(oi)
		.select(oi.channel, oi.external_ref, frappe.query_builder.functions.Count("*").as_("n"))
		.where(oi.external_ref.isnotnull())
		.groupby(oi.channel, oi.external_ref)
		.having(frappe.query_builder.functions.Count("*") > 1)
		.run(as_dict=True)
	)
	check(
		"no two intakes share channel + external_ref",
		[f"{d.channel}:{d.external_ref}" for d in duplicates],
		frappe.db.count("Order Intake"),
	)

	trackers = frappe.get_all("Order Tracker", fields=["name", *TRACKER_FIELDS])
	differing = []
	for start in range(0, len(trackers), 500):
		batch = trackers[start : start + 500]
		facts = gather_order_facts([t.name for t in batch])
		states = compute_order_states(facts, today=getdate())
		for t in batch:
			state = states.get(t.name)
			if state is None:
				differing.append(f"{t.name}: no Sales Order")
				continue
			for field in TRACKER_FIELDS:
				stored, fresh = t.get(field), getattr(state, field)
				if isinstance(fresh, float | int) and not isinstance(fresh, bool):
					same = abs(flt(stored) - flt(fresh)) < 0.01
				else:
					same = (stored or None) == (fresh or None)
				if not same:
					differing.append(f"{t.name}.{field}: {stored} != {fresh}")
	check("every tracker equals a fresh derivation from its facts", differing, len(trackers))

	orphans = []
	events = frappe.get_all(
		"Order Event",
		filters={"reference_doctype": ("is", "set"), "reference_name": ("is", "set")},
		fields=["reference_doctype", "reference_name"],
		distinct=True,
	)
	by_doctype: dict[str, set[str]] = {}
	for e in events:
		by_doctype.setdefault(e.reference_doctype, set()).add(e.reference_name)
	for doctype, names in by_doctype.items():
		existing = set(frappe.get_all(doctype, filters={"name": ("in", list(names))}, pluck="name"))
		orphans += [f"{doctype} {n}" for n in names - existing]
	ev = frappe.qb.DocType("Order Event")
	no_order = (
		frappe.qb.from_(ev)
		.left_join(so)
		.on(so.name == ev.sales_order)
		.select(ev.name)
		.where(so.name.isnull())
		.limit(5)
		.run(pluck=True)
	)
	check("no timeline event without its document", orphans + no_order, frappe.db.count("Order Event"))

	ce = frappe.qb.DocType("Carrier Event")
	repeated = (
		frappe.qb.from_(ce)
		.select(ce.carrier, ce.event_id)
		.groupby(ce.carrier, ce.event_id)
		.having(frappe.query_builder.functions.Count("*") > 1)
		.run()
	)
	check(
		"no carrier event stored twice", [f"{c}:{e}" for c, e in repeated], frappe.db.count("Carrier Event")
	)

	lost = []
	tried = 0
	if accepted_path:
		with open(accepted_path) as f:
			accepted = json.load(f)
		refs = accepted.get("intakes", [])
		tried += len(refs)
		found = set(
			frappe.get_all(
				"Order Intake",
				filters={"channel": "API", "external_ref": ("in", refs or [""])},
				pluck="external_ref",
			)
		)
		lost += [f"intake {r}" for r in refs if r not in found]
		event_ids = accepted.get("carrier_events", [])
		tried += len(event_ids)
		stored = set(
			frappe.get_all(
				"Carrier Event",
				filters={"carrier": CARRIER, "event_id": ("in", event_ids or [""])},
				pluck="event_id",
			)
		)
		lost += [f"carrier event {e}" for e in event_ids if e not in stored]
		orders = accepted.get("sales_orders", [])
		tried += len(orders)
		there = set(frappe.get_all("Sales Order", filters={"name": ("in", orders or [""])}, pluck="name"))
		lost += [f"Sales Order {n}" for n in orders if n not in there]
	check("nothing a client was told is stored is missing", lost, tried)
	print(json.dumps(checks, default=str))

"""A large, realistic, reproducible order book for measuring reports (issue RP-1).

Run from the bench's `sites` folder with the bench's Python, on a site kept for measurements:

    cd ~/ot-bench/sites && ../env/bin/python /path/to/benchmarks/generate_orders.py ot-perf.localhost \\
        --orders 100000 --events-per-order 10
    ../env/bin/python /path/to/benchmarks/generate_orders.py ot-perf.localhost --drop   # remove it all

What it writes, bulk-inserted (`frappe.db.bulk_insert`, one commit per batch of orders), every name
starting with `PERF-` so `--drop` finds exactly what it made:

- on a site without a company: ERPNext's setup wizard (company *PERF Footwear*, CNY, China);
- ~500 Customers in 5 customer groups (a tenth billed in USD), ~200 Items in 10 item groups;
- submitted Sales Orders of 1-5 lines over the last `--days` (730) days, with totals, taxes,
  company-currency amounts, per-line delivered qty and billed amount, `per_delivered`,
  `per_billed` and a status consistent with the order's stage (drafts while received or under
  review, closed, on hold, cancelled); a Delivery Note per shipped order and a Sales Invoice per
  billed one (with their items linked by `so_detail`), so ERPNext's *Sales Order Analysis* runs on
  them as on real data;
- an Order Tracker per order: stage, quantities, money, payment status and due date, the date each
  stage was reached, promised date, ETA and delay, outsourced and returned qty, costs and margin;
- about `--events-per-order` Order Events per order, dated as the stages were reached;
- Quality Inspections of the shipped orders, with a reading each (`generate_inspections.py`;
  `--inspections-only` adds them to a book made before).

Each order's life is simulated: the time each stage takes is drawn at random, and the order is at
the last stage reached by `--today` (default: today). The same `--seed` and `--today` give the
same data. The order book starts empty of `PERF-` records (drop first to generate again).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta

from generate_inspections import drop_inspections, generate_inspections  # beside this script

import frappe
from frappe.utils import getdate

PREFIX = "PERF-"
COMPANY = "PERF Footwear"
ABBR = "PFW"
CURRENCY = "CNY"
TAX_RATE = 0.13
USD_RATE = 7.2
OWNER = "Administrator"

CUSTOMER_GROUPS = ("Wholesale", "Retail Chains", "Online", "Export", "Outdoor Specialists")
ITEM_GROUPS = (
	"Boots",
	"Sneakers",
	"Sandals",
	"Formal Shoes",
	"Work Shoes",
	"Kids Shoes",
	"Slippers",
	"Insoles",
	"Laces",
	"Soles",
)

# Days each step takes (low, high, mode) — triangular draws; the sum decides who is late.
STEPS = (
	("Under Review", (0.01, 0.5, 0.05)),
	("Approved", (0.2, 4, 1)),
	("Planned", (0.5, 10, 3)),
	("In Production", (0.5, 12, 3)),
	("Ready to Ship", (3, 35, 12)),
	("Shipped", (0.3, 6, 1.5)),
	("Delivered", (1, 8, 3)),
	("Billed", (0, 6, 1)),
	("Paid", (7, 95, 35)),
)
STAGE_FIELD = {
	"Received": "received_at",
	"Under Review": "review_started_at",
	"Approved": "approved_at",
	"Planned": "planned_at",
	"In Production": "production_started_at",
	"Ready to Ship": "ready_at",
	"Shipped": "shipped_at",
	"Delivered": "delivered_at",
	"Billed": "billed_at",
	"Paid": "paid_at",
}
PROGRESS = tuple(STAGE_FIELD)
BASE_EVENTS = {
	"Received": [("Received", "Order Received", "Sales Order")],
	"Under Review": [("Under Review", "Review Started", "Order Review")],
	"Approved": [
		("Approved", "Review Approved", "Order Review"),
		("Approved", "Order Submitted", "Sales Order"),
	],
	"Planned": [("Planned", "Production Planned", "Work Order")],
	"In Production": [("In Production", "Materials Issued", "Stock Entry")],
	"Ready to Ship": [("In Production", "Produced", "Stock Entry")],
	"Shipped": [("Shipped", "Shipped", "Delivery Note")],
	"Delivered": [("Delivered", "Shipment Delivered", "Delivery Note")],
	"Billed": [("Billed", "Invoiced", "Sales Invoice")],
	"Paid": [("Paid", "Payment Received", "Payment Entry")],
}

SO_FIELDS = (
	"name",
	"owner",
	"creation",
	"modified",
	"modified_by",
	"docstatus",
	"naming_series",
	"title",
	"customer",
	"customer_name",
	"customer_group",
	"territory",
	"order_type",
	"transaction_date",
	"delivery_date",
	"company",
	"currency",
	"conversion_rate",
	"selling_price_list",
	"price_list_currency",
	"plc_conversion_rate",
	"total_qty",
	"total",
	"base_total",
	"net_total",
	"base_net_total",
	"total_taxes_and_charges",
	"base_total_taxes_and_charges",
	"grand_total",
	"base_grand_total",
	"rounded_total",
	"base_rounded_total",
	"per_delivered",
	"per_billed",
	"status",
	"delivery_status",
	"billing_status",
	"order_stage",
)
SOI_FIELDS = (
	"name",
	"owner",
	"creation",
	"modified",
	"modified_by",
	"docstatus",
	"parent",
	"parenttype",
	"parentfield",
	"idx",
	"item_code",
	"item_name",
	"description",
	"item_group",
	"delivery_date",
	"qty",
	"stock_qty",
	"uom",
	"stock_uom",
	"conversion_factor",
	"price_list_rate",
	"base_price_list_rate",
	"rate",
	"base_rate",
	"amount",
	"base_amount",
	"net_rate",
	"net_amount",
	"base_net_rate",
	"base_net_amount",
	"delivered_qty",
	"billed_amt",
	"warehouse",
)
DN_FIELDS = (
	"name",
	"owner",
	"creation",
	"modified",
	"modified_by",
	"docstatus",
	"naming_series",
	"title",
	"customer",
	"customer_name",
	"company",
	"posting_date",
	"posting_time",
	"currency",
	"conversion_rate",
	"total_qty",
	"base_grand_total",
	"grand_total",
	"status",
	"per_billed",
)
DNI_FIELDS = (
	"name",
	"owner",
	"creation",
	"modified",
	"modified_by",
	"docstatus",
	"parent",
	"parenttype",
	"parentfield",
	"idx",
	"item_code",
	"item_name",
	"description",
	"item_group",
	"qty",
	"stock_qty",
	"uom",
	"stock_uom",
	"conversion_factor",
	"rate",
	"amount",
	"base_rate",
	"base_amount",
	"against_sales_order",
	"so_detail",
	"warehouse",
)
SI_FIELDS = (
	"name",
	"owner",
	"creation",
	"modified",
	"modified_by",
	"docstatus",
	"naming_series",
	"title",
	"customer",
	"customer_name",
	"company",
	"posting_date",
	"posting_time",
	"due_date",
	"currency",
	"conversion_rate",
	"total_qty",
	"net_total",
	"base_net_total",
	"grand_total",
	"base_grand_total",
	"outstanding_amount",
	"status",
	"debit_to",
)
SII_FIELDS = (
	"name",
	"owner",
	"creation",
	"modified",
	"modified_by",
	"docstatus",
	"parent",
	"parenttype",
	"parentfield",
	"idx",
	"item_code",
	"item_name",
	"description",
	"item_group",
	"qty",
	"stock_qty",
	"uom",
	"stock_uom",
	"conversion_factor",
	"rate",
	"amount",
	"base_rate",
	"base_amount",
	"net_amount",
	"base_net_amount",
	"sales_order",
	"so_detail",
	"delivery_note",
	"income_account",
	"warehouse",
)
TRACKER_FIELDS = (
	"name",
	"owner",
	"creation",
	"modified",
	"modified_by",
	"docstatus",
	"sales_order",
	"customer",
	"customer_name",
	"company",
	"item_groups",
	"stage",
	"on_hold",
	"is_delayed",
	"transaction_date",
	"promised_date",
	"eta",
	"delay_days",
	"ordered_qty",
	"manufacture_qty",
	"produced_qty",
	"produced_pct",
	"shipped_qty",
	"shipped_pct",
	"delivered_qty",
	"delivered_pct",
	"returned_qty",
	"currency",
	"grand_total",
	"billed_amount",
	"billed_pct",
	"paid_amount",
	"paid_pct",
	"outstanding_amount",
	"payment_status",
	"payment_due",
	"outsourced_qty",
	"outsourced_returned_qty",
	"received_at",
	"review_started_at",
	"approved_at",
	"planned_at",
	"production_started_at",
	"ready_at",
	"shipped_at",
	"delivered_at",
	"billed_at",
	"paid_at",
	"cost_currency",
	"material_cost",
	"labour_cost",
	"overhead_cost",
	"outsourcing_cost",
	"freight_cost",
	"total_cost",
	"revenue",
	"margin",
	"margin_pct",
	"cost_updated_at",
	"last_event",
	"last_event_label",
	"last_event_at",
	"refreshed_at",
)
EVENT_FIELDS = (
	"name",
	"owner",
	"creation",
	"modified",
	"modified_by",
	"docstatus",
	"sales_order",
	"customer",
	"stage",
	"event",
	"is_cancellation",
	"occurred_at",
	"source",
	"reference_doctype",
	"reference_name",
	"qty",
	"amount",
	"currency",
)


def insert_rows(doctype: str, fields: tuple[str, ...], rows: list[tuple], chunk: int):
	"""`frappe.db.bulk_insert`, without its query builder: a parametrised multi-row INSERT per chunk.

	Measured on 2 000 orders (1.1 million values): `frappe.db.bulk_insert` took 27 s, 18 s of them
	rendering the values into SQL text with pypika; the same rows sent as parameters take 4 s. The
	field names are the script's own constants, checked against the doctype's table."""
	columns = set(frappe.db.get_table_columns(doctype))
	unknown = [f for f in fields if f not in columns]
	if unknown:
		raise SystemExit(f"{doctype} has no column {unknown}")
	head = "insert into `tab{}` ({}) values ".format(doctype, ", ".join(f"`{f}`" for f in fields))
	row_marks = "({})".format(", ".join(["%s"] * len(fields)))
	for start in range(0, len(rows), chunk):
		part = rows[start : start + chunk]
		values = [v for row in part for v in row]
		frappe.db.sql(head + ", ".join([row_marks] * len(part)), values)


def log(message: str):
	print(message, flush=True)


# ------------------------------------------------------------------ masters


def ensure_company():
	"""The setup wizard on a fresh site (root groups, UOMs, price lists, a company)."""
	if frappe.db.exists("Company", COMPANY):
		return
	if frappe.db.a_row_exists("Company"):
		raise SystemExit(
			f"{frappe.local.site} has companies but not {COMPANY}: use a site kept for measurements"
		)
	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

	log("setup wizard: company PERF Footwear (CNY)")
	year = date.today().year
	setup_complete(
		{
			"currency": CURRENCY,
			"full_name": "Perf Admin",
			"company_name": COMPANY,
			"timezone": "Asia/Shanghai",
			"company_abbr": ABBR,
			"industry": "Manufacturing",
			"country": "China",
			"fy_start_date": f"{year}-01-01",
			"fy_end_date": f"{year}-12-31",
			"language": "english",
			"company_tagline": "Measurements",
			"email": "perf@example.com",
			"password": "admin",
			"chart_of_accounts": "Standard",
		}
	)
	frappe.db.commit()  # nosemgrep: a command-line tool's own transaction


def make_tree_children(doctype: str, parent: str, names) -> list[str]:
	made = []
	field = {"Customer Group": "customer_group_name", "Item Group": "item_group_name"}[doctype]
	parent_field = {"Customer Group": "parent_customer_group", "Item Group": "parent_item_group"}[doctype]
	for label in names:
		name = f"{PREFIX}{label}"
		if not frappe.db.exists(doctype, name):
			frappe.get_doc({"doctype": doctype, field: name, parent_field: parent, "is_group": 0}).insert()
		made.append(name)
	return made


def make_masters(rng: random.Random, n_customers: int, n_items: int):
	root_cg = frappe.db.get_value(
		"Customer Group", {"is_group": 1, "parent_customer_group": ("in", ("", None))}
	)
	root_ig = frappe.db.get_value("Item Group", {"is_group": 1, "parent_item_group": ("in", ("", None))})
	territory = frappe.db.get_value("Territory", {"is_group": 0}) or frappe.db.get_value("Territory", {})
	groups = make_tree_children("Customer Group", root_cg, CUSTOMER_GROUPS)
	item_groups = make_tree_children("Item Group", root_ig, ITEM_GROUPS)
	now = datetime.now()
	customers, rows = [], []
	for i in range(1, n_customers + 1):
		name = f"{PREFIX}CUST-{i:04d}"
		currency = "USD" if i % 10 == 0 else CURRENCY
		group = groups[i % len(groups)]
		weight = rng.paretovariate(1.2)  # a few large customers, many small ones
		customers.append((name, f"Perf Customer {i:04d}", group, territory, currency, weight))
		rows.append(
			(name, OWNER, now, now, OWNER, 0, f"Perf Customer {i:04d}", "Company", group, territory, currency)
		)
	if not frappe.db.exists("Customer", customers[0][0]):
		frappe.db.bulk_insert(
			"Customer",
			(
				"name",
				"owner",
				"creation",
				"modified",
				"modified_by",
				"docstatus",
				"customer_name",
				"customer_type",
				"customer_group",
				"territory",
				"default_currency",
			),
			rows,
		)
	items, rows = [], []
	for i in range(1, n_items + 1):
		code = f"{PREFIX}ITEM-{i:03d}"
		group = item_groups[i % len(item_groups)]
		price = round(rng.uniform(15, 260), 2)
		items.append((code, f"Perf Item {i:03d}", group, price))
		rows.append((code, OWNER, now, now, OWNER, 0, code, f"Perf Item {i:03d}", group, "Nos", 1, 1))
	if not frappe.db.exists("Item", items[0][0]):
		frappe.db.bulk_insert(
			"Item",
			(
				"name",
				"owner",
				"creation",
				"modified",
				"modified_by",
				"docstatus",
				"item_code",
				"item_name",
				"item_group",
				"stock_uom",
				"is_stock_item",
				"is_sales_item",
			),
			rows,
		)
	frappe.db.commit()  # nosemgrep: a command-line tool's own transaction
	return customers, items


# ------------------------------------------------------------------ one order's life


def at_hour(d: date, rng: random.Random) -> datetime:
	return datetime.combine(d, datetime.min.time()) + timedelta(hours=rng.uniform(8, 18))


class Book:
	"""Rows of every table for one batch of orders."""

	def __init__(self):
		self.so, self.soi, self.dn, self.dni, self.si, self.sii, self.tracker, self.events = (
			[] for _ in range(8)
		)
		self.event_id = 0  # the last Order Event name given (an autoincrement doctype's sequence)


def simulate(
	n: int,
	rng: random.Random,
	today: date,
	days: int,
	customers,
	weights,
	items,
	ctx,
	book: Book,
	events: int,
):
	now = datetime.combine(today, datetime.min.time()) + timedelta(hours=18)
	so_name = f"{PREFIX}SO-{n:06d}"
	customer, customer_name, customer_group, territory, currency, _w = rng.choices(
		customers, cum_weights=weights
	)[0]
	rate_to_company = USD_RATE if currency == "USD" else 1.0
	transaction_date = today - timedelta(days=int(rng.random() ** 0.9 * days))
	promised = transaction_date + timedelta(days=rng.randint(21, 55))
	received = at_hour(transaction_date, rng)
	created = received

	# when each stage is reached: the time of each step drawn, cumulated from the order's receipt
	reached_at = {"Received": received}
	at = received
	skip_review = rng.random() < 0.3
	for stage, (low, high, mode) in STEPS:
		if stage == "Under Review" and skip_review:
			continue
		at = at + timedelta(days=rng.triangular(low, high, mode))
		reached_at[stage] = at
	never_paid = rng.random() < 0.04
	if never_paid:
		reached_at.pop("Paid")
	stage = "Received"
	for s in PROGRESS:
		if s in reached_at and reached_at[s] <= now:
			stage = s
		elif s not in reached_at and s == "Under Review":
			continue
		else:
			break
	dates = {s: (reached_at.get(s) if PROGRESS.index(s) <= PROGRESS.index(stage) else None) for s in PROGRESS}

	special = rng.random()
	age = (today - transaction_date).days
	if special < 0.02:
		stage = "Cancelled"
		dates = dict.fromkeys(PROGRESS)
	elif special < 0.04 and age > 60 and PROGRESS.index(stage) < PROGRESS.index("Delivered"):
		stage = "Closed"
	on_hold = int(stage not in ("Cancelled", "Closed", "Delivered", "Billed", "Paid") and rng.random() < 0.01)

	reached = (lambda s: dates.get(s) is not None) if stage != "Cancelled" else (lambda s: False)
	submitted = stage not in ("Received", "Under Review")
	docstatus = 2 if stage == "Cancelled" else (1 if submitted else 0)

	# lines
	lines = []
	for idx in range(1, rng.choice((1, 1, 2, 2, 3, 3, 4, 5)) + 1):
		code, item_name, item_group, price = items[rng.randrange(len(items))]
		qty = float(rng.choice((6, 12, 24, 36, 48, 60, 120, 240, 480)))
		rate = round(price * rng.uniform(0.9, 1.1), 2)
		lines.append([f"{PREFIX}SOI-{n:06d}-{idx}", idx, code, item_name, item_group, qty, rate])
	ordered = sum(line[5] for line in lines)
	net_total = round(sum(line[5] * line[6] for line in lines), 2)
	taxes = round(net_total * TAX_RATE, 2)
	grand_total = round(net_total + taxes, 2)

	# physical progress
	partial = rng.random() < 0.25
	if reached("Shipped"):
		shipped_fraction = 1.0
	elif stage in ("Ready to Ship", "Closed") and partial and submitted:
		shipped_fraction = 0.5
	else:
		shipped_fraction = 0.0
	if stage == "Closed" and not reached("Ready to Ship"):
		shipped_fraction = 0.0
	delivered_fraction = 1.0 if reached("Delivered") else (shipped_fraction if stage == "Closed" else 0.0)
	if reached("Ready to Ship"):
		produced_fraction = 1.0
	elif reached("In Production"):
		produced_fraction = rng.choice((0.0, 0.25, 0.5, 0.75))
	else:
		produced_fraction = 0.0
	returned = (
		round(ordered * rng.uniform(0.01, 0.1)) if reached("Delivered") and rng.random() < 0.03 else 0.0
	)
	outsourced = round(ordered * 0.2) if reached("In Production") and rng.random() < 0.15 else 0.0

	# money
	billed = grand_total if reached("Billed") else 0.0
	paid = grand_total if reached("Paid") else 0.0
	billed_on = dates["Billed"].date() if dates["Billed"] else None
	payment_due = billed_on + timedelta(days=30) if billed_on else None
	if billed and not paid and rng.random() < 0.25:
		paid = round(grand_total * 0.5, 2)
	outstanding = round(billed - paid, 2) if billed else 0.0
	if paid >= grand_total - 0.005 and billed:
		payment_status = "Paid"
	elif outstanding > 0 and payment_due and payment_due < today:
		payment_status = "Overdue"
	elif not billed:
		payment_status = "Not Billed"
	elif paid:
		payment_status = "Partly Paid"
	else:
		payment_status = "Unpaid"
	if not submitted or stage == "Cancelled":
		payment_status = "Not Billed"

	# promised date, eta and delay
	if reached("Delivered"):
		eta = dates["Delivered"].date()
	elif stage == "Closed":
		eta = dates["Shipped"].date() if dates.get("Shipped") else None
	elif stage == "Shipped":
		eta = max(dates["Shipped"].date() + timedelta(days=3), today)
	elif stage == "Cancelled":
		eta = None
	else:
		production_end = reached_at["Ready to Ship"].date()
		eta = max(max(promised, production_end + timedelta(days=2)), today)
	delay = max((eta - promised).days, 0) if eta and stage not in ("Closed", "Cancelled") else 0

	# sales order status
	if stage == "Cancelled":
		status, delivery_status, billing_status = "Cancelled", "Not Delivered", "Not Billed"
	elif not submitted:
		status, delivery_status, billing_status = "Draft", "Not Delivered", "Not Billed"
	elif stage == "Closed":
		status, delivery_status, billing_status = "Closed", "Closed", "Closed"
	else:
		delivery_status = (
			"Fully Delivered"
			if shipped_fraction >= 1
			else ("Partly Delivered" if shipped_fraction else "Not Delivered")
		)
		billing_status = "Fully Billed" if billed else "Not Billed"
		if on_hold:
			status = "On Hold"
		elif shipped_fraction >= 1 and billed:
			status = "Completed"
		elif shipped_fraction >= 1:
			status = "To Bill"
		else:
			status = "To Deliver and Bill"
	last_at = max((d for d in dates.values() if d), default=received)
	modified = max(last_at, created)
	title = customer_name
	book.so.append(
		(
			so_name,
			OWNER,
			created,
			modified,
			OWNER,
			docstatus,
			"SAL-ORD-.YYYY.-",
			title,
			customer,
			customer_name,
			customer_group,
			territory,
			"Sales",
			transaction_date,
			promised,
			COMPANY,
			currency,
			rate_to_company,
			ctx["price_list"],
			currency,
			1.0,
			ordered,
			net_total,
			round(net_total * rate_to_company, 2),
			net_total,
			round(net_total * rate_to_company, 2),
			taxes,
			round(taxes * rate_to_company, 2),
			grand_total,
			round(grand_total * rate_to_company, 2),
			grand_total,
			round(grand_total * rate_to_company, 2),
			shipped_fraction * 100,
			100.0 if billed else 0.0,
			status,
			delivery_status,
			billing_status,
			stage,
		)
	)
	dn_name = f"{PREFIX}DN-{n:06d}" if shipped_fraction and submitted else None
	si_name = f"{PREFIX}SINV-{n:06d}" if billed else None
	shipped_at = dates.get("Shipped") or (dates.get("Ready to Ship") if dn_name else None)
	for name, idx, code, item_name, item_group, qty, rate in lines:
		amount = round(qty * rate, 2)
		base_rate, base_amount = round(rate * rate_to_company, 2), round(amount * rate_to_company, 2)
		line_shipped = qty * shipped_fraction
		book.soi.append(
			(
				name,
				OWNER,
				created,
				modified,
				OWNER,
				docstatus,
				so_name,
				"Sales Order",
				"items",
				idx,
				code,
				item_name,
				item_name,
				item_group,
				promised,
				qty,
				qty,
				"Nos",
				"Nos",
				1.0,
				rate,
				base_rate,
				rate,
				base_rate,
				amount,
				base_amount,
				rate,
				amount,
				base_rate,
				base_amount,
				line_shipped,
				amount if billed else 0.0,
				ctx["warehouse"],
			)
		)
		if dn_name:
			book.dni.append(
				(
					f"{PREFIX}DNI-{n:06d}-{idx}",
					OWNER,
					shipped_at,
					shipped_at,
					OWNER,
					1,
					dn_name,
					"Delivery Note",
					"items",
					idx,
					code,
					item_name,
					item_name,
					item_group,
					line_shipped,
					line_shipped,
					"Nos",
					"Nos",
					1.0,
					rate,
					round(line_shipped * rate, 2),
					base_rate,
					round(line_shipped * base_rate, 2),
					so_name,
					name,
					ctx["warehouse"],
				)
			)
		if si_name:
			book.sii.append(
				(
					f"{PREFIX}SII-{n:06d}-{idx}",
					OWNER,
					dates["Billed"],
					dates["Billed"],
					OWNER,
					1,
					si_name,
					"Sales Invoice",
					"items",
					idx,
					code,
					item_name,
					item_name,
					item_group,
					qty,
					qty,
					"Nos",
					"Nos",
					1.0,
					rate,
					amount,
					base_rate,
					base_amount,
					amount,
					base_amount,
					so_name,
					name,
					dn_name,
					ctx["income_account"],
					ctx["warehouse"],
				)
			)
	if dn_name:
		shipped_value = round(grand_total * shipped_fraction, 2)
		book.dn.append(
			(
				dn_name,
				OWNER,
				shipped_at,
				shipped_at,
				OWNER,
				1,
				"MAT-DN-.YYYY.-",
				title,
				customer,
				customer_name,
				COMPANY,
				shipped_at.date(),
				shipped_at.time(),
				currency,
				rate_to_company,
				ordered * shipped_fraction,
				round(shipped_value * rate_to_company, 2),
				shipped_value,
				"Completed" if billed else "To Bill",
				100.0 if billed else 0.0,
			)
		)
	if si_name:
		book.si.append(
			(
				si_name,
				OWNER,
				dates["Billed"],
				dates["Billed"],
				OWNER,
				1,
				"ACC-SINV-.YYYY.-",
				title,
				customer,
				customer_name,
				COMPANY,
				billed_on,
				dates["Billed"].time(),
				payment_due,
				currency,
				rate_to_company,
				ordered,
				net_total,
				round(net_total * rate_to_company, 2),
				grand_total,
				round(grand_total * rate_to_company, 2),
				outstanding,
				{"Paid": "Paid", "Overdue": "Overdue", "Partly Paid": "Partly Paid"}.get(
					payment_status, "Unpaid"
				),
				ctx["debit_to"],
			)
		)

	# costs, in company currency, once production has started
	revenue = round(net_total * rate_to_company, 2)
	costs = [0.0] * 5
	cost_updated_at = None
	if reached("In Production"):
		material = round(revenue * rng.uniform(0.35, 0.55), 2)
		labour = round(revenue * rng.uniform(0.10, 0.20), 2)
		overhead = round(revenue * rng.uniform(0.05, 0.10), 2)
		outsourcing = round(revenue * rng.uniform(0.05, 0.12), 2) if outsourced else 0.0
		freight = round(revenue * rng.uniform(0.01, 0.04), 2) if shipped_fraction else 0.0
		costs = [material, labour, overhead, outsourcing, freight]
		cost_updated_at = last_at
	total_cost = round(sum(costs), 2)
	margin = round(revenue - total_cost, 2) if cost_updated_at else 0.0
	margin_pct = round(margin / revenue * 100, 2) if cost_updated_at and revenue else 0.0

	# the timeline
	timeline = []
	for s in PROGRESS:
		if s == "Received" or dates.get(s):
			when = received if s == "Received" else dates[s]
			for event_stage, event, ref_doctype in BASE_EVENTS[s]:
				timeline.append((event_stage, event, ref_doctype, when))
	if reached("In Production"):
		start = dates["In Production"]
		end = dates["Ready to Ship"] or now
		for k in range(max(events - len(timeline), 0)):
			when = start + (end - start) * (k + 1) / (events - len(timeline) + 1)
			timeline.append(("In Production", "Operation Completed", "Job Card", when))
	if stage == "Closed":
		timeline.append(("Closed", "Order Closed", "Sales Order", last_at + timedelta(days=30)))
	elif stage == "Cancelled":
		timeline.append(("Cancelled", "Order Cancelled", "Sales Order", received + timedelta(days=2)))
	timeline.sort(key=lambda e: e[3])
	references = {
		"Sales Order": so_name,
		"Delivery Note": dn_name,
		"Sales Invoice": si_name,
		"Order Review": f"{PREFIX}REV-{n:06d}",
		"Work Order": f"{PREFIX}WO-{n:06d}",
		"Stock Entry": f"{PREFIX}STE-{n:06d}",
		"Job Card": f"{PREFIX}JC-{n:06d}",
		"Payment Entry": f"{PREFIX}PE-{n:06d}",
	}
	for event_stage, event, ref_doctype, when in timeline:
		qty = ordered if event in ("Produced", "Shipped", "Shipment Delivered") else 0.0
		amount = grand_total if event in ("Invoiced", "Payment Received") else 0.0
		book.event_id += 1
		book.events.append(
			(
				book.event_id,
				OWNER,
				when,
				when,
				OWNER,
				0,
				so_name,
				customer,
				event_stage,
				event,
				0,
				when,
				"Document",
				ref_doctype,
				references[ref_doctype],
				qty,
				amount,
				currency,
			)
		)
	last_event = timeline[-1]

	book.tracker.append(
		(
			so_name,
			OWNER,
			created,
			modified,
			OWNER,
			0,
			so_name,
			customer,
			customer_name,
			COMPANY,
			"\n".join(sorted({line[4] for line in lines})),
			stage,
			on_hold,
			int(delay > 0),
			transaction_date,
			promised,
			eta,
			delay,
			ordered,
			ordered,
			ordered * produced_fraction,
			produced_fraction * 100,
			ordered * shipped_fraction,
			shipped_fraction * 100,
			ordered * delivered_fraction,
			delivered_fraction * 100,
			returned,
			currency,
			grand_total,
			billed,
			100.0 if billed else 0.0,
			paid,
			round(paid / grand_total * 100, 2) if grand_total else 0.0,
			outstanding,
			payment_status,
			payment_due if outstanding else None,
			outsourced,
			outsourced if reached("Ready to Ship") else 0.0,
			*(
				dates[s] if s != "Received" else (received if stage != "Cancelled" else None)
				for s in PROGRESS
			),
			CURRENCY,
			*costs,
			total_cost,
			revenue if cost_updated_at else 0.0,
			margin,
			margin_pct,
			cost_updated_at,
			book.event_id,
			last_event[1],
			last_event[3],
			now,
		)
	)


# ------------------------------------------------------------------ the run


def generate(args):
	rng = random.Random(args.seed)
	today = getdate(args.today) if args.today else date.today()
	started = time.perf_counter()
	ensure_company()
	if frappe.db.exists("Sales Order", f"{PREFIX}SO-000001"):
		raise SystemExit("PERF- orders exist already: run with --drop first")
	customers, items = make_masters(rng, args.customers, args.items)
	weights, total = [], 0.0
	for c in customers:
		total += c[5]
		weights.append(total)
	ctx = {
		"price_list": frappe.db.get_value("Price List", {"selling": 1}) or "Standard Selling",
		"warehouse": frappe.db.get_value("Warehouse", {"company": COMPANY, "is_group": 0}),
		"income_account": frappe.db.get_value("Company", COMPANY, "default_income_account"),
		"debit_to": frappe.db.get_value("Company", COMPANY, "default_receivable_account"),
	}
	# The app's hooks do not run on bulk inserts; the tracker's cache of stage counts and the like
	# is cleared at the end.
	counts = dict.fromkeys(("so", "soi", "dn", "dni", "si", "sii", "tracker", "events"), 0)
	tables = {
		"so": ("Sales Order", SO_FIELDS),
		"soi": ("Sales Order Item", SOI_FIELDS),
		"dn": ("Delivery Note", DN_FIELDS),
		"dni": ("Delivery Note Item", DNI_FIELDS),
		"si": ("Sales Invoice", SI_FIELDS),
		"sii": ("Sales Invoice Item", SII_FIELDS),
		"tracker": ("Order Tracker", TRACKER_FIELDS),
		"events": ("Order Event", EVENT_FIELDS),
	}
	n = 0
	while n < args.orders:
		book = Book()
		# Order Event names come from its sequence: take the batch's range, then move the sequence on
		book.event_id = frappe.db.get_next_sequence_val("Order Event") - 1
		batch_end = min(n + args.batch, args.orders)
		for i in range(n + 1, batch_end + 1):
			simulate(i, rng, today, args.days, customers, weights, items, ctx, book, args.events_per_order)
		for key, (doctype, fields) in tables.items():
			rows = getattr(book, key)
			if rows:
				insert_rows(doctype, fields, rows, args.chunk)
				counts[key] += len(rows)
		frappe.db.set_next_sequence_val("Order Event", book.event_id + 1)
		frappe.db.commit()  # nosemgrep: one commit per batch of a command-line bulk load
		n = batch_end
		elapsed = time.perf_counter() - started
		log(f"{n:>7} orders, {counts['events']:>8} events  ({elapsed:6.1f} s)")
	# Quality Inspections of the shipped orders (issue 23: the Order Quality report)
	generate_inspections(args.seed, COMPANY, insert_rows, log, args.chunk)
	frappe.clear_cache()
	log(
		"made: "
		+ ", ".join(f"{tables[k][0]} {v}" for k, v in counts.items())
		+ f" in {time.perf_counter() - started:.1f} s"
	)


def drop():
	started = time.perf_counter()
	drop_inspections(log)
	like = f"{PREFIX}%"
	plan = (
		("Order Event", "sales_order"),
		("Order Tracker", "name"),
		("Sales Invoice Item", "parent"),
		("Sales Invoice", "name"),
		("Delivery Note Item", "parent"),
		("Delivery Note", "name"),
		("Sales Order Item", "parent"),
		("Sales Order", "name"),
		("Customer", "name"),
		("Item", "name"),
	)
	for doctype, field in plan:
		table = frappe.qb.DocType(doctype)
		while True:
			# in slices, so the undo log of one statement stays small
			names = (
				frappe.qb.from_(table)
				.select(table.name)
				.where(table[field].like(like))
				.limit(20000)
				.run(pluck=True)
			)
			if not names:
				break
			frappe.qb.from_(table).delete().where(table.name.isin(names)).run()
			frappe.db.commit()  # nosemgrep: a command-line tool's own transaction
		log(f"dropped {doctype} ({time.perf_counter() - started:.1f} s)")
	for doctype in ("Item Group", "Customer Group"):
		for name in frappe.get_all(doctype, filters={"name": ("like", like)}, pluck="name"):
			frappe.delete_doc(doctype, name, force=True)
	frappe.db.commit()  # nosemgrep: a command-line tool's own transaction
	frappe.clear_cache()
	log(f"dropped everything named {PREFIX}* in {time.perf_counter() - started:.1f} s")


def main(argv=None):
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("site")
	parser.add_argument("--orders", type=int, default=100_000)
	parser.add_argument("--events-per-order", type=int, default=10)
	parser.add_argument("--customers", type=int, default=500)
	parser.add_argument("--items", type=int, default=200)
	parser.add_argument("--days", type=int, default=730, help="orders spread over this many days up to today")
	parser.add_argument("--today", help="the day the order book is seen from (default: today)")
	parser.add_argument("--seed", type=int, default=20261123)
	parser.add_argument("--batch", type=int, default=2000, help="orders per commit")
	parser.add_argument("--chunk", type=int, default=5000, help="rows per INSERT statement")
	parser.add_argument("--drop", action="store_true", help="remove everything this script made")
	parser.add_argument(
		"--inspections-only", action="store_true", help="add the Quality Inspections to a book made before"
	)
	args = parser.parse_args(argv)
	frappe.init(site=args.site)
	frappe.connect()
	try:
		if args.drop:
			drop()
		elif args.inspections_only:
			generate_inspections(args.seed, COMPANY, insert_rows, log, args.chunk)
		else:
			generate(args)
	finally:
		frappe.destroy()


if __name__ == "__main__":
	sys.exit(main())

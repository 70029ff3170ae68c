"""Quality Inspections for the generated order book (issue 23), bulk-inserted like the rest of it.

`generate_orders.py` calls `generate_inspections` after the orders (and `--inspections-only` adds
them to a book made before), `drop_inspections` from `--drop`. Per order with a Delivery Note: one
or two in-process inspections of its made items (an operation each, a tenth of them rejected and
inspected again), a tenth of them on a supplier's return (Subcontracting Receipt), and one final
Outgoing inspection on its Delivery Note (5 % rejected, then accepted again). One reading each,
its parameter among a handful; every name starts with `PERF-QI`.
"""

from __future__ import annotations

import random
import time

import frappe

PREFIX = "PERF-QI"
OPERATIONS = ("Cutting", "Stitching", "Lasting", "Finishing")
PARAMETERS = ("Stitch Density", "Sole Bond", "Colour Match", "Size Check", "Surface Finish")
SUPPLIERS = tuple(f"PERF-Supplier-{i:02d}" for i in range(1, 11))

QI_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"docstatus",
	"naming_series",
	"report_date",
	"inspection_type",
	"reference_type",
	"reference_name",
	"item_code",
	"sample_size",
	"status",
	"inspected_by",
	"company",
	"ot_sales_order",
	"ot_operation",
	"ot_supplier",
	"ot_final_inspection",
	"ot_first_inspection",
)
READING_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"docstatus",
	"parent",
	"parenttype",
	"parentfield",
	"idx",
	"specification",
	"status",
	"manual_inspection",
)


def generate_inspections(seed: int, company: str, insert_rows, log, chunk: int = 5000) -> int:
	"""Bulk-insert the inspections of every shipped PERF- order; returns how many."""
	if frappe.db.exists("Quality Inspection", f"{PREFIX}-0000001"):
		raise SystemExit("PERF-QI inspections exist already: run with --drop first")
	started = time.perf_counter()
	rng = random.Random(seed + 23)
	dn = frappe.qb.DocType("Delivery Note")
	dni = frappe.qb.DocType("Delivery Note Item")
	lines = (
		frappe.qb.from_(dni)
		.join(dn)
		.on(dn.name == dni.parent)
		.select(dni.against_sales_order, dni.parent, dni.item_code, dni.stock_qty, dn.posting_date)
		.where(dn.name.like("PERF-%") & (dn.is_return == 0) & (dni.idx == 1))
		.orderby(dn.name)
		.run()
	)
	inspections: list[tuple] = []
	readings: list[tuple] = []
	counter = [0]

	def add(day, kind, ref_type, ref_name, item, qty, rejected, so, operation, supplier, final, first):
		counter[0] += 1
		name = f"{PREFIX}-{counter[0]:07d}"
		at = f"{day} 10:00:00"
		status = "Rejected" if rejected else "Accepted"
		inspections.append(
			(name, at, at, "Administrator", "Administrator", 1, "MAT-QA-.YYYY.-", day, kind, ref_type,
			 ref_name, item, qty, status, "Administrator", company, so, operation, supplier, int(final),
			 int(first))
		)  # fmt: skip
		readings.append(
			(f"{name}-R1", at, at, "Administrator", "Administrator", 1, name, "Quality Inspection",
			 "readings", 1, rng.choice(PARAMETERS), status, 1)
		)  # fmt: skip

	for so, delivery_note, item, qty, day in lines:
		sample = max(1.0, round(float(qty or 1) * 0.2))
		for k, operation in enumerate(rng.sample(OPERATIONS, rng.choice((1, 2)))):
			supplier = rng.choice(SUPPLIERS) if rng.random() < 0.1 else None
			ref_type = "Subcontracting Receipt" if supplier else "Job Card"
			ref = f"PERF-{'SCR' if supplier else 'JC'}-{so[-6:]}-{k}"
			rejected = rng.random() < 0.1
			add(
				day, "In Process", ref_type, ref, item, sample, rejected, so, operation, supplier, False, True
			)
			if rejected:
				add(
					day,
					"In Process",
					ref_type,
					ref,
					item,
					sample,
					False,
					so,
					operation,
					supplier,
					False,
					False,
				)
		rejected = rng.random() < 0.05
		add(
			day,
			"Outgoing",
			"Delivery Note",
			delivery_note,
			item,
			sample,
			rejected,
			so,
			None,
			None,
			True,
			True,
		)
		if rejected:
			add(
				day,
				"Outgoing",
				"Delivery Note",
				delivery_note,
				item,
				sample,
				False,
				so,
				None,
				None,
				True,
				False,
			)
	insert_rows("Quality Inspection", QI_FIELDS, inspections, chunk)
	insert_rows("Quality Inspection Reading", READING_FIELDS, readings, chunk)
	frappe.db.commit()  # nosemgrep: a command-line bulk load
	log(f"made: Quality Inspection {len(inspections)} in {time.perf_counter() - started:.1f} s")
	return len(inspections)


def drop_inspections(log):
	for doctype, field in (("Quality Inspection Reading", "parent"), ("Quality Inspection", "name")):
		table = frappe.qb.DocType(doctype)
		while True:
			names = (
				frappe.qb.from_(table)
				.select(table.name)
				.where(table[field].like(f"{PREFIX}-%"))
				.limit(20000)
				.run(pluck=True)
			)
			if not names:
				break
			frappe.qb.from_(table).delete().where(table.name.isin(names)).run()
			frappe.db.commit()  # nosemgrep: a command-line tool's own transaction
		log(f"dropped {doctype}")

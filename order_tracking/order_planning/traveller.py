"""Production Traveller (生产流转卡): the card that travels with a Work Order on the shop floor.

Jinja helpers of the "Production Traveller" print format (hooks `jinja.methods`): the work order's
operations in sequence, each with its Job Cards, and a QR code per Job Card that opens the card in
the desk when scanned. The QR is drawn here, server-side, as a PNG data URI (pyqrcode and pypng ship
with Frappe for two-factor authentication), so the PDF needs no network.
"""

from __future__ import annotations

from collections import defaultdict

import pyqrcode

import frappe
from frappe.utils import cint, get_url

QR_SCALE = 3


def qr_code_data_uri(text: str, scale: int = QR_SCALE) -> str:
	"""A QR code of `text` as a PNG data URI, for an <img src>."""
	code = pyqrcode.create(text, error="M")
	return "data:image/png;base64," + code.png_as_base64_str(scale=cint(scale) or QR_SCALE, quiet_zone=2)


def job_card_url(name: str) -> str:
	return get_url(f"/app/job-card/{name}")


def production_traveller(work_order) -> frappe._dict:
	"""What the traveller of a Work Order shows: its order and customer, and its operations in
	sequence with their Job Cards (not cancelled), each card with its desk link and QR code.
	Called from the print format, after Frappe checked the right to print the Work Order."""
	doc = frappe.get_doc("Work Order", work_order) if isinstance(work_order, str) else work_order
	sales_order = doc.sales_order or doc.get("made_for_sales_order")
	customer = frappe.db.get_value("Sales Order", sales_order, ["customer", "customer_name"], as_dict=True)
	cards = frappe.get_all(
		"Job Card",
		filters={"work_order": doc.name, "docstatus": ("<", 2)},
		fields=[
			"name",
			"operation",
			"operation_id",
			"workstation",
			"for_quantity",
			"total_completed_qty",
			"status",
			"expected_start_date",
			"expected_end_date",
		],
		order_by="creation asc, name asc",
		limit=500,
	)
	by_row = defaultdict(list)
	for card in cards:
		url = job_card_url(card.name)
		card.update(url=url, qr=qr_code_data_uri(url))
		by_row[card.operation_id or card.operation].append(card)

	operations = []
	for op in sorted(doc.operations, key=lambda o: (cint(o.sequence_id) or o.idx, o.idx)):
		operations.append(
			frappe._dict(
				idx=op.idx,
				sequence_id=op.sequence_id or op.idx,
				operation=op.operation,
				workstation=op.workstation,
				time_in_mins=op.time_in_mins,
				planned_start_time=op.planned_start_time,
				planned_end_time=op.planned_end_time,
				completed_qty=op.completed_qty,
				status=op.status,
				job_cards=by_row.pop(op.name, []) or by_row.pop(op.operation, []),
			)
		)
	return frappe._dict(
		sales_order=sales_order,
		customer=customer.customer if customer else None,
		customer_name=customer.customer_name if customer else None,
		operations=operations,
		job_card_count=len(cards),
	)

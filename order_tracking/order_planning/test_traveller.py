# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Production Traveller (生产流转卡): a Work Order's operations in sequence, each with its Job
Cards and one QR code per card that encodes the card's desk URL."""

import base64
import re

import frappe
from frappe.utils import get_url

from erpnext.stock.doctype.item.test_item import make_item

from order_tracking.order_planning.traveller import job_card_url, production_traveller, qr_code_data_uri
from order_tracking.tests.utils import (
	CUTTING,
	CUTTING_TABLE,
	LEATHER,
	SEWING,
	SEWING_LINE,
	FrappeTestCase,
	_routed_bom,
	make_order,
	make_planning_fixtures,
	make_work_order,
)

test_ignore = ["Sales Order", "Work Order", "Job Card"]
test_dependencies = ["Customer", "Warehouse", "Item Group"]

TRAVELLER = "Production Traveller"
ROUTED_SHOE = "_OT Traveller Shoe"  # Cutting 10 min, then Sewing 20 min


def make_routed_shoe():
	make_planning_fixtures()
	make_item(ROUTED_SHOE, {"is_stock_item": 1, "is_sales_item": 1, "stock_uom": "Nos", "valuation_rate": 20})
	_routed_bom(ROUTED_SHOE, [(LEATHER, 1)], [(CUTTING, CUTTING_TABLE, 10), (SEWING, SEWING_LINE, 20)])


def png_size(data_uri: str) -> tuple[int, int]:
	"""Width and height of a PNG data URI (its IHDR chunk)."""
	png = base64.b64decode(data_uri.split(",", 1)[1])
	assert png[:8] == b"\x89PNG\r\n\x1a\n"
	return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


class TestProductionTraveller(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_routed_shoe()

	def setUp(self):
		frappe.db.savepoint("traveller_test")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="traveller_test")

	def make_work_order(self, qty=5):
		so = make_order(items=[{"item_code": ROUTED_SHOE, "qty": qty, "rate": 100}])
		wo = make_work_order(so, qty, item_code=ROUTED_SHOE)
		return so, wo

	def test_operations_in_sequence_with_a_qr_code_per_job_card(self):
		so, wo = self.make_work_order()
		cards = frappe.get_all("Job Card", filters={"work_order": wo.name}, pluck="name")
		self.assertEqual(len(cards), 2)  # one per operation

		traveller = production_traveller(wo.name)
		self.assertEqual(traveller.sales_order, so.name)
		self.assertEqual(traveller.customer, so.customer)
		self.assertEqual([op.operation for op in traveller.operations], [CUTTING, SEWING])
		self.assertEqual([op.workstation for op in traveller.operations], [CUTTING_TABLE, SEWING_LINE])
		for op in traveller.operations:
			self.assertEqual(len(op.job_cards), 1)
			card = op.job_cards[0]
			self.assertEqual(frappe.db.get_value("Job Card", card.name, "operation"), op.operation)
			self.assertEqual(card.url, get_url(f"/app/job-card/{card.name}"))
			self.assertEqual(card.qr, qr_code_data_uri(card.url))

		html = frappe.get_print("Work Order", wo.name, TRAVELLER)
		qr_images = re.findall(r'<img class="ot-qr" src="(data:image/png;base64,[^"]+)"', html)
		self.assertEqual(len(qr_images), len(cards))
		self.assertEqual(set(qr_images), {qr_code_data_uri(job_card_url(c)) for c in cards})
		for name in (wo.name, so.name, ROUTED_SHOE, CUTTING, SEWING, CUTTING_TABLE, SEWING_LINE, *cards):
			self.assertIn(name, html)
		self.assertLess(html.index(CUTTING), html.index(SEWING))

	def test_chinese_traveller_renders_as_pdf(self):
		from frappe.translate import print_language
		from frappe.utils.pdf import get_pdf

		_, wo = self.make_work_order(qty=2)
		template = frappe.db.get_value("Print Format", TRAVELLER, "html")
		with print_language("zh"):
			html = frappe.get_print("Work Order", wo.name, TRAVELLER)
			body = frappe.render_template(template, {"doc": frappe.get_doc("Work Order", wo.name)})
		self.assertIn("生产流转卡", html)
		self.assertIn("工作卡", html)
		# the card itself through wkhtmltopdf (the page around it loads the site's CSS over the
		# network, which a test bench does not serve): QR images inline, Chinese font named
		self.assertIn("WenQuanYi Micro Hei", body)
		pdf = get_pdf(f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>')
		self.assertTrue(pdf.startswith(b"%PDF"))

	def test_qr_code_is_a_square_png(self):
		uri = qr_code_data_uri("https://erp.example.com/app/job-card/PO-JOB00001")
		self.assertTrue(uri.startswith("data:image/png;base64,"))
		width, height = png_size(uri)
		self.assertEqual(width, height)
		# version 3 or more (29+ modules) with its quiet zone, at 3 pixels a module
		self.assertGreaterEqual(width, (29 + 4) * 3)

	def test_a_work_order_without_job_cards_yet(self):
		_, wo = self.make_work_order(qty=1)
		frappe.db.delete("Job Card", {"work_order": wo.name})
		html = frappe.get_print("Work Order", wo.name, TRAVELLER)
		self.assertNotIn('class="ot-qr"', html)
		self.assertEqual(html.count("No Job Card yet"), 2)

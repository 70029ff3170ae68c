# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.utils import add_days, flt, nowdate

from order_tracking.outsourcing.orders import make_for_job_cards
from order_tracking.outsourcing.receipts import make_receipt
from order_tracking.settlement import supplier_statements
from order_tracking.tests.outsourcing_case import OUTSOURCING_TEST_IGNORE, OutsourcingTestCase
from order_tracking.tests.utils import (
	COMPANY,
	LEATHER,
	PARTNER,
	STITCHING_SERVICE,
	STORES,
	approve,
	make_user,
	set_settings,
)

test_ignore = [
	*OUTSOURCING_TEST_IGNORE,
	"Purchase Invoice",
	"Purchase Receipt",
	"Outsourcing Receipt",
	"Outsourcing Order",
]

RULES = dict(
	reject_deduction_pct=50,
	late_penalty_pct_per_day=2,
	late_penalty_cap_pct=10,
	late_grace_days=1,
	require_supplier_confirmation=1,
)


class SettlementTestCase(OutsourcingTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		set_settings(**RULES)

	def returned_operation(self, qty=6, accepted=4, rejected=1, rework=1, days_late=3, rate=2.5):
		"""An operation sent out and (partly) returned `days_late` days after it was due."""
		so, wo, sewing = self.upper_work_order(qty)
		order = make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 5), rate=rate)
		approve(order)
		order.reload()
		order.send_to_supplier()
		frappe.db.set_value("Outsourcing Order", order.name, "due_date", add_days(nowdate(), -days_late))
		receipt = make_receipt(order.name)
		receipt.items[0].accepted_qty, receipt.items[0].rejected_qty, receipt.items[0].rework_qty = (
			accepted,
			rejected,
			rework,
		)
		receipt.insert()
		receipt.submit()
		return so, order, receipt

	def statement(self, **values):
		doc = frappe.new_doc("Supplier Statement")
		doc.update(
			{
				"company": COMPANY,
				"supplier": PARTNER,
				"from_date": add_days(nowdate(), -7),
				"to_date": nowdate(),
				**values,
			}
		)
		doc.get_receipts()
		return doc


class TestSupplierStatement(SettlementTestCase):
	def test_statement_deducts_by_the_rules_and_invoices_the_net_amount(self):
		so, order, receipt = self.returned_operation()
		self.assertEqual(receipt.days_late, 3)
		doc = self.statement()
		mine = [d for d in doc.receipts if d.outsourcing_receipt == receipt.name]
		self.assertEqual(len(mine), 1)
		line = mine[0]
		# 4 accepted at 2.50 = 10.00; 1 rejected: half its rate = 1.25; 3 days late, 1 of grace: 2 x 2 % = 0.40
		self.assertEqual(
			(
				line.accepted_qty,
				line.rejected_qty,
				line.amount,
				line.reject_deduction,
				line.late_penalty,
				line.net_amount,
			),
			(4, 1, 10.0, 1.25, 0.4, 8.35),
		)
		self.assertEqual(line.sales_order, so.name)
		doc.receipts = mine  # this test's receipt only (others of the period may exist)
		doc.append("adjustments", {"reason": "Packaging damaged", "amount": -0.35})
		doc.insert()
		self.assertEqual(
			(doc.gross_amount, doc.reject_deduction, doc.late_penalty, doc.adjustment_amount, doc.net_amount),
			(10.0, 1.25, 0.4, -0.35, 8.0),
		)
		self.assertEqual(doc.status, "Draft")

		# not before the supplier has confirmed it
		self.assertRaisesRegex(frappe.ValidationError, "supplier must confirm", doc.submit)
		doc.reload()
		doc.update({"supplier_confirmed": 1, "confirmed_by": "Ms Wang", "confirmed_on": nowdate()})
		doc.save()
		self.assertEqual(doc.status, "Confirmed")
		doc.submit()
		doc.reload()
		self.assertEqual(doc.status, "Invoiced")

		pi = frappe.get_doc("Purchase Invoice", doc.purchase_invoice)
		self.assertEqual(pi.docstatus, 1)
		self.assertEqual(pi.supplier_statement, doc.name)
		self.assertEqual(flt(pi.net_total), 8.0)
		self.assertEqual(flt(pi.discount_amount), 2.0)
		self.assertEqual(
			[(i.item_code, flt(i.qty), flt(i.rate), i.purchase_order) for i in pi.items],
			[(STITCHING_SERVICE, 4, 2.5, order.purchase_order)],
		)
		# ERPNext's billed quantities moved on the purchase order, and the payable is booked
		po_item = frappe.db.get_value(
			"Purchase Order Item", pi.items[0].po_detail, ["billed_amt", "parent"], as_dict=True
		)
		self.assertEqual(flt(po_item.billed_amt), 10.0)
		payable = frappe.db.get_value(
			"GL Entry",
			{"voucher_no": pi.name, "party_type": "Supplier", "party": PARTNER, "is_cancelled": 0},
			"sum(credit) - sum(debit)",
		)
		self.assertEqual(flt(payable), flt(pi.grand_total))
		self.assertEqual(
			frappe.db.get_value("Outsourcing Receipt", receipt.name, "supplier_statement"), doc.name
		)

		# settled: the next statement of the period does not find it, and refuses it by hand
		again = self.statement()
		self.assertNotIn(receipt.name, [d.outsourcing_receipt for d in again.receipts])
		again.set("receipts", [{"outsourcing_receipt": receipt.name}])
		self.assertRaisesRegex(frappe.ValidationError, "already settled", again.insert)

		# cancelling the statement cancels its invoice and frees the receipt
		doc.cancel()
		self.assertEqual(frappe.db.get_value("Purchase Invoice", pi.name, "docstatus"), 2)
		self.assertIsNone(frappe.db.get_value("Outsourcing Receipt", receipt.name, "supplier_statement"))
		self.assertEqual(
			flt(frappe.db.get_value("Purchase Order Item", pi.items[0].po_detail, "billed_amt")), 0
		)
		freed = self.statement()
		self.assertIn(receipt.name, [d.outsourcing_receipt for d in freed.receipts])

	def test_the_database_holds_a_receipt_in_one_submitted_statement(self):
		"""Two statements checked at the same time both see the receipt free: the unique index
		decides, not the check."""
		_so, _order, receipt = self.returned_operation(days_late=0)
		set_settings(require_supplier_confirmation=0)
		try:
			first = self.statement()
			first.receipts = [d for d in first.receipts if d.outsourcing_receipt == receipt.name]
			first.insert()
			second = frappe.copy_doc(first)
			second.insert()
			first.submit()
			# what the second request saw before the first committed: the receipt still free
			frappe.db.set_value("Outsourcing Receipt", receipt.name, "supplier_statement", None)
			second.reload()
			self.assertRaisesRegex(frappe.ValidationError, first.name, second.submit)
			self.assertEqual(
				frappe.db.count(
					"Supplier Statement Receipt", {"settled_receipt_item": first.receipts[0].receipt_item}
				),
				1,
			)
			self.assertIsNone(frappe.db.get_value("Supplier Statement", second.name, "purchase_invoice"))
		finally:
			set_settings(require_supplier_confirmation=1)

	def test_upward_adjustment_is_invoiced_as_one_more_line(self):
		_so, _order, receipt = self.returned_operation(accepted=6, rejected=0, rework=0, days_late=0)
		set_settings(statement_adjustment_item=STITCHING_SERVICE)
		doc = self.statement()
		doc.receipts = [d for d in doc.receipts if d.outsourcing_receipt == receipt.name]
		doc.append("adjustments", {"reason": "Rush order bonus", "amount": 5})
		doc.update({"supplier_confirmed": 1, "confirmed_by": "Ms Wang"})
		doc.insert()
		self.assertEqual((doc.gross_amount, doc.net_amount), (15.0, 20.0))
		doc.submit()
		pi = frappe.get_doc("Purchase Invoice", doc.purchase_invoice)
		self.assertEqual(flt(pi.net_total), 20.0)
		self.assertEqual(sorted(flt(i.amount) for i in pi.items), [5.0, 15.0])
		self.assertFalse(flt(pi.discount_amount))

	def test_bad_statements_are_refused_with_the_field_named(self):
		_so, _order, receipt = self.returned_operation(accepted=1, rejected=0, rework=0, days_late=0)
		doc = self.statement(from_date=nowdate(), to_date=add_days(nowdate(), -1))
		self.assertRaisesRegex(frappe.ValidationError, "From Date", doc.insert)

		doc = self.statement()
		doc.receipts = [d for d in doc.receipts if d.outsourcing_receipt == receipt.name]
		doc.append("adjustments", {"reason": "Claim", "amount": -50})
		self.assertRaisesRegex(frappe.ValidationError, "Net Amount", doc.insert)

		other = frappe.get_doc(
			{
				"doctype": "Supplier",
				"supplier_name": "_OT Other Partner",
				"supplier_group": "All Supplier Groups",
			}
		)
		if not frappe.db.exists("Supplier", other.supplier_name):
			other.insert()
		wrong = self.statement(supplier="_OT Other Partner")
		self.assertEqual(len(wrong.receipts), 0)
		wrong.append("receipts", {"outsourcing_receipt": receipt.name})
		self.assertRaisesRegex(frappe.ValidationError, "not of this supplier", wrong.insert)
		self.assertFalse(frappe.db.exists("Supplier Statement", {"supplier": "_OT Other Partner"}))

	def test_material_purchases_are_listed_to_reconcile(self):
		pr = frappe.get_doc(
			{
				"doctype": "Purchase Receipt",
				"company": COMPANY,
				"supplier": PARTNER,
				"currency": "INR",
				"items": [{"item_code": LEATHER, "qty": 3, "rate": 7, "warehouse": STORES}],
			}
		)
		pr.insert()
		pr.submit()
		doc = self.statement()
		rows = [p for p in doc.purchases if p.purchase_receipt == pr.name]
		self.assertEqual(len(rows), 1)
		self.assertEqual((flt(rows[0].grand_total), flt(rows[0].per_billed)), (flt(pr.grand_total), 0))

	def test_only_settlement_roles_submit_statements(self):
		_so, _order, receipt = self.returned_operation(accepted=2, rejected=0, rework=0, days_late=0)
		buyer = make_user("ot-buyer@example.com", ["Purchase User"])
		accountant = make_user("ot-accountant@example.com", ["Settlement Accountant", "Accounts User"])
		frappe.set_user(buyer)
		self.assertRaises(frappe.PermissionError, lambda: self.statement().insert())
		frappe.set_user(accountant)
		doc = self.statement()
		doc.receipts = [d for d in doc.receipts if d.outsourcing_receipt == receipt.name]
		doc.update({"supplier_confirmed": 1, "confirmed_by": "Ms Wang"})
		doc.insert()
		doc.submit()
		self.assertTrue(doc.purchase_invoice)


class TestStatementArithmeticOnRealReceipts(SettlementTestCase):
	def test_rules_of_the_settings_apply_when_the_statement_is_made(self):
		_so, _order, receipt = self.returned_operation(days_late=20)
		set_settings(late_penalty_cap_pct=5)
		try:
			doc = self.statement()
			line = next(d for d in doc.receipts if d.outsourcing_receipt == receipt.name)
			self.assertEqual(line.late_penalty, 0.5)  # capped at 5 % of 10.00
		finally:
			set_settings(late_penalty_cap_pct=RULES["late_penalty_cap_pct"])
		self.assertEqual(supplier_statements.rules().late_penalty_cap_pct, 10)

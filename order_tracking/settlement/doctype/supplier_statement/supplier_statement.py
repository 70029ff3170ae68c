# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, flt, get_link_to_form, getdate

from order_tracking.order_tracking.settings import get_settings
from order_tracking.settlement import supplier_statements
from order_tracking.settlement.common import SettlementError
from order_tracking.utils import check_fetched_links


class SupplierStatement(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_tracking.settlement.doctype.supplier_statement_adjustment.supplier_statement_adjustment import (
			SupplierStatementAdjustment,
		)
		from order_tracking.settlement.doctype.supplier_statement_purchase.supplier_statement_purchase import (
			SupplierStatementPurchase,
		)
		from order_tracking.settlement.doctype.supplier_statement_receipt.supplier_statement_receipt import (
			SupplierStatementReceipt,
		)

		adjustment_amount: DF.Currency
		adjustments: DF.Table[SupplierStatementAdjustment]
		amended_from: DF.Link | None
		company: DF.Link
		confirmation_note: DF.SmallText | None
		confirmed_by: DF.Data | None
		confirmed_on: DF.Date | None
		currency: DF.Link
		from_date: DF.Date
		gross_amount: DF.Currency
		late_penalty: DF.Currency
		naming_series: DF.Literal["SST-.YYYY.-"]
		net_amount: DF.Currency
		posting_date: DF.Date
		purchase_invoice: DF.Link | None
		purchases: DF.Table[SupplierStatementPurchase]
		receipts: DF.Table[SupplierStatementReceipt]
		reject_deduction: DF.Currency
		status: DF.Literal["Draft", "Confirmed", "Invoiced", "Cancelled"]
		supplier: DF.Link
		supplier_confirmed: DF.Check
		supplier_name: DF.Data | None
		to_date: DF.Date
		total_accepted_qty: DF.Float
		total_rejected_qty: DF.Float

	# end: auto-generated types
	def validate(self):
		check_fetched_links(self)
		self.validate_dates()
		supplier_statements.fill_statement(self)
		self.validate_receipts()
		self.validate_adjustments()
		self.validate_net_amount()
		self.set_status()

	def before_submit(self):
		self.validate_receipts_present()
		self.validate_supplier_confirmation()

	def on_submit(self):
		supplier_statements.settle_receipts(self)
		pi = supplier_statements.make_purchase_invoice(self)
		self.db_set({"purchase_invoice": pi.name, "status": "Invoiced"}, update_modified=False)

	def before_cancel(self):
		self.ignore_linked_doctypes = ("Purchase Invoice", "Outsourcing Receipt")

	def on_cancel(self):
		supplier_statements.cancel_purchase_invoice(self)
		supplier_statements.release_receipts(self)
		self.db_set("status", "Cancelled", update_modified=False)

	@frappe.whitelist()
	def get_receipts(self) -> int:
		"""Fill the statement with the supplier's receipts of the period not yet settled."""
		self.check_permission("write")
		return supplier_statements.get_receipts(self)

	def validate_dates(self):
		if self.from_date and self.to_date and getdate(self.from_date) > getdate(self.to_date):
			frappe.throw(
				_("From Date {0} is after To Date {1}").format(self.from_date, self.to_date),
				exc=SettlementError,
			)

	def validate_receipts(self):
		"""Each receipt line once, submitted, of this supplier and company, in no other statement,
		in the statement's currency (the lines as `fill_statement` read them)."""
		seen = {}
		for d in self.receipts:
			x = d._line
			if x.receipt_item in seen:
				frappe.throw(
					_("Row {0}: {1} is already in row {2}").format(
						d.idx, x.outsourcing_receipt, seen[x.receipt_item]
					),
					exc=SettlementError,
				)
			seen[x.receipt_item] = d.idx
			if x.docstatus != 1:
				frappe.throw(
					_("Row {0}: {1} is not submitted").format(d.idx, x.outsourcing_receipt),
					exc=SettlementError,
				)
			if x.supplier != self.supplier or x.company != self.company:
				frappe.throw(
					_("Row {0}: {1} is a receipt of {2} for {3}, not of this supplier and company").format(
						d.idx, x.outsourcing_receipt, x.supplier, x.company
					),
					exc=SettlementError,
				)
			if x.supplier_statement and x.supplier_statement != self.name:
				frappe.throw(
					_("Row {0}: {1} is already settled by {2}").format(
						d.idx,
						x.outsourcing_receipt,
						get_link_to_form(supplier_statements.STATEMENT, x.supplier_statement),
					),
					exc=SettlementError,
				)
			if x.currency != self.currency:
				frappe.throw(
					_("Row {0}: {1} is in {2}, the statement in {3}").format(
						d.idx, x.outsourcing_receipt, x.currency, self.currency
					),
					exc=SettlementError,
				)

	def validate_adjustments(self):
		for a in self.adjustments:
			if not flt(a.amount):
				frappe.throw(
					_("Adjustments row {0}: Amount cannot be zero").format(a.idx), exc=SettlementError
				)

	def validate_net_amount(self):
		if flt(self.net_amount) < 0:
			frappe.throw(
				_("Net Amount {0} is below zero: the deductions are more than the supplier earned").format(
					self.net_amount
				),
				exc=SettlementError,
			)

	def set_status(self):
		if self.docstatus == 0:
			self.status = "Confirmed" if self.supplier_confirmed else "Draft"

	def validate_receipts_present(self):
		if not self.receipts:
			frappe.throw(_("Receipts: add the receipts to settle (Get Receipts)"), exc=SettlementError)

	def validate_supplier_confirmation(self):
		if cint(get_settings().get("require_supplier_confirmation")) and not self.supplier_confirmed:
			frappe.throw(
				_("Confirmed by the Supplier: the supplier must confirm the statement before it is invoiced"),
				exc=SettlementError,
			)
		if self.supplier_confirmed and not self.confirmed_by:
			frappe.throw(_("Confirmed By: who at the supplier confirmed it"), exc=SettlementError)

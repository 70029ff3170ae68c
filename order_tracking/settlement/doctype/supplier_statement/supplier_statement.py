# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document

from order_tracking.settlement import settlement
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
		settlement.validate_statement(self)

	def before_submit(self):
		settlement.check_before_submit(self)

	def on_submit(self):
		settlement.settle_receipts(self)
		pi = settlement.make_purchase_invoice(self)
		self.db_set({"purchase_invoice": pi.name, "status": "Invoiced"}, update_modified=False)

	def before_cancel(self):
		self.ignore_linked_doctypes = ("Purchase Invoice", "Outsourcing Receipt")

	def on_cancel(self):
		settlement.cancel_purchase_invoice(self)
		settlement.release_receipts(self)
		self.db_set("status", "Cancelled", update_modified=False)

	@frappe.whitelist()
	def get_receipts(self) -> int:
		"""Fill the statement with the supplier's receipts of the period not yet settled."""
		self.check_permission("write")
		return settlement.get_receipts(self)

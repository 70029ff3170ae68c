# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document

from order_tracking.order_tracking.tracking import one_refresh
from order_tracking.outsourcing import outsourcing
from order_tracking.utils import check_fetched_links


class OutsourcingReceipt(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_tracking.outsourcing.doctype.outsourcing_receipt_item.outsourcing_receipt_item import (
			OutsourcingReceiptItem,
		)

		amended_from: DF.Link | None
		company: DF.Link | None
		currency: DF.Link | None
		days_late: DF.Int
		due_date: DF.Date | None
		is_rework: DF.Check
		items: DF.Table[OutsourcingReceiptItem]
		naming_series: DF.Literal["OSR-.YYYY.-"]
		outsourcing_order: DF.Link
		outsourcing_type: DF.Data | None
		posting_date: DF.Date
		posting_time: DF.Time | None
		return_stock_entry: DF.Link | None
		rework_stock_entry: DF.Link | None
		subcontracting_receipt: DF.Link | None
		supplier: DF.Link | None
		supplier_statement: DF.Link | None
		total_accepted: DF.Float
		total_amount: DF.Currency
		total_rejected: DF.Float
		total_rework: DF.Float

	# end: auto-generated types
	def validate(self):
		check_fetched_links(self)
		outsourcing.fill_receipt(self)
		if self.docstatus == 0:
			outsourcing.check_receipt(self)

	def on_submit(self):
		# checked again under the order's row locks: a receipt submitted meanwhile counts
		with one_refresh():
			outsourcing.on_submit_receipt(self)

	def before_cancel(self):
		self.ignore_linked_doctypes = ("Stock Entry", "Subcontracting Receipt", "Job Card")

	def on_cancel(self):
		with one_refresh():
			outsourcing.on_cancel_receipt(self)


def on_doctype_update():
	frappe.db.add_index("Outsourcing Receipt", ["supplier", "posting_date"])

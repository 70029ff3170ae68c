# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document

from order_tracking.order_tracking.tracking import one_refresh
from order_tracking.settlement import settlement
from order_tracking.utils import check_fetched_links


class OrderReturn(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_tracking.settlement.doctype.order_return_item.order_return_item import OrderReturnItem

		amended_from: DF.Link | None
		company: DF.Link | None
		credit_note: DF.Link | None
		currency: DF.Link | None
		customer: DF.Link | None
		customer_name: DF.Data | None
		decision: DF.Literal["Refund", "Exchange", "Rework"]
		delivery_note: DF.Link
		items: DF.Table[OrderReturnItem]
		naming_series: DF.Literal["ORT-.YYYY.-"]
		new_delivery_note: DF.Link | None
		posting_date: DF.Date
		reason: DF.Literal["Damaged", "Wrong Item", "Quality", "Customer Changed Mind", "Other"]
		reason_detail: DF.SmallText | None
		return_delivery_note: DF.Link | None
		return_warehouse: DF.Link | None
		sales_order: DF.Link
		status: DF.Literal["Draft", "Awaiting Redelivery", "In Rework", "Completed", "Cancelled"]
		total_amount: DF.Currency
		total_qty: DF.Float
		work_order: DF.Link | None

	# end: auto-generated types
	def validate(self):
		check_fetched_links(self)
		settlement.validate_return(self)

	def before_submit(self):
		# checked again with the delivery locked: two returns of one delivery never take back more
		frappe.db.get_value("Delivery Note", self.delivery_note, "name", for_update=True)
		settlement.validate_return(self)

	def on_submit(self):
		with one_refresh():
			settlement.process_return(self)

	def before_cancel(self):
		self.ignore_linked_doctypes = ("Delivery Note", "Sales Invoice", "Work Order")

	def on_cancel(self):
		with one_refresh():
			settlement.cancel_return(self)

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt

from order_tracking.core import stages
from order_tracking.core.settlement import returnable_qty
from order_tracking.order_tracking.tracking import EventSpec, one_refresh, record_events
from order_tracking.settlement import returns
from order_tracking.settlement.common import SettlementError
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
		self.validate_return()

	def before_submit(self):
		# checked again with the delivery locked: two returns of one delivery never take back more
		frappe.db.get_value("Delivery Note", self.delivery_note, "name", for_update=True)
		self.validate_return()

	def on_submit(self):
		with one_refresh():
			self.make_return_delivery_note()
			self.make_decision_documents()
			self.record_return_event()

	def before_cancel(self):
		self.ignore_linked_doctypes = ("Delivery Note", "Sales Invoice", "Work Order")

	def on_cancel(self):
		with one_refresh():
			returns.cancel_made_documents(self)
			self.db_set("status", "Cancelled", update_modified=False)
			self.record_cancel_event()

	def validate_return(self):
		self.validate_items_present()
		self.validate_sales_order()
		returns.fill_return(self)
		self.validate_return_qty()
		self.set_status()

	def validate_items_present(self):
		if not self.items:
			frappe.throw(_("Items: add what comes back"), exc=SettlementError)

	def validate_sales_order(self):
		so = frappe.db.get_value(
			"Sales Order", self.sales_order, ["docstatus", "customer", "company"], as_dict=True
		)
		if not so or so.docstatus != 1:
			frappe.throw(_("Sales Order {0} must be submitted").format(self.sales_order), exc=SettlementError)

	def validate_return_qty(self):
		"""Each delivery line once, and no more back than was delivered and not yet returned."""
		seen = set()
		for d in self.items:
			if d.dn_detail in seen:
				frappe.throw(
					_("Row {0}: {1} is already in another row").format(d.idx, d.item_code),
					exc=SettlementError,
				)
			seen.add(d.dn_detail)
			if flt(d.qty) <= 0:
				frappe.throw(
					_("Row {0}: Qty to Return must be more than zero").format(d.idx), exc=SettlementError
				)
			left = returnable_qty(flt(d.delivered_qty), flt(d.returned_qty))
			if flt(d.qty) > left + 1e-9:
				frappe.throw(
					_(
						"Row {0}: Qty to Return {1} is more than the {2} of {3} delivered and not yet returned"
					).format(d.idx, flt(d.qty), flt(left), d.item_code),
					exc=SettlementError,
				)

	def set_status(self):
		if self.docstatus == 0:
			self.status = "Draft"

	def make_return_delivery_note(self):
		"""On submit: the goods come back on a return Delivery Note."""
		ret = returns.make_return_delivery_note(self)
		self.db_set("return_delivery_note", ret.name, update_modified=False)

	def make_decision_documents(self):
		"""The decision's documents, and the status they leave the return in."""
		status = "Completed"
		if self.decision == "Refund":
			credit = returns.make_credit_note(self)
			if credit:
				self.db_set("credit_note", credit.name, update_modified=False)
		elif self.decision == "Exchange":
			dn = returns.make_replacement_delivery(self)
			self.db_set("new_delivery_note", dn.name, update_modified=False)
			status = "Awaiting Redelivery"
		elif self.decision == "Rework":
			wo = returns.make_rework_order(self)
			self.db_set("work_order", wo.name, update_modified=False)
			status = "In Rework"
		self.db_set("status", status, update_modified=False)

	def record_return_event(self):
		record_events(
			[
				EventSpec(
					self.sales_order,
					stages.DELIVERED,
					"Customer Return",
					returns.RETURN,
					self.name,
					qty=-flt(self.total_qty),
					amount=-flt(self.total_amount),
					remarks=f"{_(self.reason)}: {_(self.decision)}",
				)
			]
		)

	def record_cancel_event(self):
		record_events(
			[
				EventSpec(
					self.sales_order,
					stages.DELIVERED,
					"Cancelled",
					returns.RETURN,
					self.name,
					qty=flt(self.total_qty),
					amount=flt(self.total_amount),
					is_cancellation=True,
				)
			]
		)

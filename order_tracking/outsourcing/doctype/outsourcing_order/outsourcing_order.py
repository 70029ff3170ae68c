# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from order_tracking.core import outsourcing as O
from order_tracking.core import stages as ST
from order_tracking.order_tracking.tracking import EventSpec, one_refresh, record_events
from order_tracking.outsourcing import outsourcing
from order_tracking.utils import check_fetched_links


class OutsourcingOrder(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_tracking.outsourcing.doctype.outsourcing_order_item.outsourcing_order_item import (
			OutsourcingOrderItem,
		)
		from order_tracking.outsourcing.doctype.outsourcing_order_material.outsourcing_order_material import (
			OutsourcingOrderMaterial,
		)

		accepted_qty: DF.Float
		amended_from: DF.Link | None
		company: DF.Link
		currency: DF.Link | None
		due_date: DF.Date
		is_late: DF.Check
		items: DF.Table[OutsourcingOrderItem]
		last_return_on: DF.Date | None
		materials: DF.Table[OutsourcingOrderMaterial]
		naming_series: DF.Literal["OSO-.YYYY.-"]
		order_plan: DF.Link | None
		outsourcing_type: DF.Literal["Whole Order", "Semi-finished", "Operation"]
		pending_qty: DF.Float
		purchase_order: DF.Link | None
		rejected_qty: DF.Float
		remarks: DF.SmallText | None
		reminded_on: DF.Date | None
		sales_order: DF.Link | None
		send_stock_entry: DF.Link | None
		sent_qty: DF.Float
		status: DF.Literal["Draft", "To Send", "Sent", "Partly Returned", "Returned", "Closed", "Cancelled"]
		subcontracting_order: DF.Link | None
		supplier: DF.Link
		supplier_name: DF.Data | None
		supplier_warehouse: DF.Link
		total_amount: DF.Currency
		total_qty: DF.Float
		transaction_date: DF.Date
		workflow_state: DF.Link | None

	# end: auto-generated types
	def validate(self):
		check_fetched_links(self)
		outsourcing.fill_order(self)
		outsourcing.validate_order(self)
		if self.docstatus == 0:
			self.status = O.DRAFT

	def before_submit(self):
		outsourcing.check_before_submit(self)

	def on_submit(self):
		with one_refresh():  # the purchase documents' own events join this one refresh
			outsourcing.make_purchase_documents(self)
			outsourcing.refresh_order(self)
			record_events(
				[
					EventSpec(
						so,
						ST.PLANNED,
						"Outsourced",
						self.doctype,
						self.name,
						qty=qty,
						amount=amount,
						planned_at=self.due_date,
						remarks=self.supplier_name,
					)
					for so, (qty, amount) in _by_order(self.items).items()
				]
			)

	def before_cancel(self):
		self.ignore_linked_doctypes = ("Purchase Order", "Subcontracting Order", "Stock Entry", "Job Card")

	def on_cancel(self):
		with one_refresh():
			outsourcing.cancel_purchase_documents(self)
			self.db_set("status", O.CANCELLED)
			record_events(
				[
					EventSpec(
						so, ST.PLANNED, "Cancelled", self.doctype, self.name, qty=-qty, is_cancellation=True
					)
					for so, (qty, _amount) in _by_order(self.items).items()
				]
			)

	@frappe.whitelist()
	def send_to_supplier(self) -> str:
		"""Send what goes out to the supplier's warehouse."""
		frappe.has_permission(self.doctype, "submit", self, throw=True)
		frappe.has_permission("Stock Entry", "create", throw=True)
		with one_refresh():
			return outsourcing.send(self)

	@frappe.whitelist()
	def close(self):
		"""Expect nothing more from the supplier."""
		frappe.has_permission(self.doctype, "submit", self, throw=True)
		with one_refresh():
			outsourcing.close(self)


def _by_order(items) -> dict[str, tuple[float, float]]:
	totals: dict[str, list[float]] = {}
	for d in items:
		if d.sales_order:
			t = totals.setdefault(d.sales_order, [0.0, 0.0])
			t[0] += d.qty or 0
			t[1] += d.amount or 0
	return {so: (q, a) for so, (q, a) in totals.items()}


def on_doctype_update():
	frappe.db.add_index("Outsourcing Order", ["status", "due_date"])

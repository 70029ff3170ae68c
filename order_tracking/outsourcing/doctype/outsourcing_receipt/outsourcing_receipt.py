# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, get_datetime, getdate

from order_tracking.core import outsourcing, stages
from order_tracking.order_tracking.tracking import EventSpec, one_refresh, record_events
from order_tracking.outsourcing import receipts
from order_tracking.outsourcing.order_state import (
	ITEM_TABLE,
	ORDER,
	RECEIPT,
	OutsourcingError,
	line_of,
	lock_lines,
	qty_by_order,
	refresh_order,
	set_line_values,
)
from order_tracking.outsourcing.receipts import receipt_of
from order_tracking.utils import check_fetched_links


def _message(problem: str) -> str:
	"""The words of a problem `core.outsourcing.check_receipt` finds, in the user's language."""
	return {
		"negative": _("Row {0}: quantities cannot be negative"),
		"nothing": _("Row {0}: nothing accepted, rejected or sent back"),
		"exceeds_out": _("Row {0}: {1} came back but only {2} of {3} is out with the supplier"),
	}[problem]


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
		self.set_from_order()
		if self.docstatus == 0:
			self.check_quantities()

	def set_from_order(self):
		"""Each line's item, rate and what is still out from its order line; the totals; days late."""
		if not self.outsourcing_order or not frappe.db.exists(ORDER, self.outsourcing_order):
			frappe.throw(
				_("Outsourcing Order: {0} does not exist").format(self.outsourcing_order or _("(not set)")),
				exc=OutsourcingError,
			)
		order = frappe.get_doc(ORDER, self.outsourcing_order)
		lines = {d.name: d for d in order.items}
		self.currency = order.currency
		self.items = [
			d
			for d in self.items
			if flt(d.accepted_qty) or flt(d.rejected_qty) or flt(d.rework_qty) or self.docstatus == 0
		]
		for d in self.items:
			line = lines.get(d.order_item)
			if not line:
				continue
			d.item_code, d.operation, d.rate = line.item_code, line.operation, line.rate
			d.sales_order, d.work_order, d.job_card = line.sales_order, line.work_order, line.job_card
			state = line_of(line)
			d.outstanding_qty = state.rework_out if self.is_rework else state.being_made
			d.amount = flt(d.accepted_qty) * flt(d.rate)
		self.total_accepted = sum(flt(d.accepted_qty) for d in self.items)
		self.total_rejected = sum(flt(d.rejected_qty) for d in self.items)
		self.total_rework = sum(flt(d.rework_qty) for d in self.items)
		self.total_amount = sum(flt(d.amount) for d in self.items)
		self.days_late = outsourcing.days_late(getdate(order.due_date), getdate(self.posting_date))

	def check_quantities(self, lines: dict | None = None):
		"""Each line within what is out with the supplier (read under lock when `lines` is None)."""
		order = frappe.db.get_value(ORDER, self.outsourcing_order, ["docstatus", "status"], as_dict=True)
		if (
			not order
			or order.docstatus != 1
			or order.status
			in (outsourcing.CLOSED, outsourcing.CANCELLED, outsourcing.DRAFT, outsourcing.TO_SEND)
		):
			frappe.throw(
				_("{0} has nothing out with the supplier to receive").format(self.outsourcing_order),
				exc=OutsourcingError,
			)
		lines = lines if lines is not None else lock_lines(self.outsourcing_order)
		for d in self.items:
			row = lines.get(d.order_item)
			if not row:
				frappe.throw(
					_("Row {0}: not a line of {1}").format(d.idx, self.outsourcing_order),
					exc=OutsourcingError,
				)
			line = line_of(row)
			problem = outsourcing.check_receipt(line, receipt_of(d, self.is_rework))
			if problem:
				out = line.rework_out if self.is_rework else line.being_made
				frappe.throw(
					_message(problem).format(
						d.idx, flt(receipt_of(d, self.is_rework).total, 3), flt(out, 3), d.item_code
					),
					exc=OutsourcingError,
					title=_("Not Received"),
				)

	def on_submit(self):
		# checked again under the order's row locks: a receipt submitted meanwhile counts
		with one_refresh():
			lines = lock_lines(self.outsourcing_order)
			self.check_quantities(lines)
			order = frappe.get_doc(ORDER, self.outsourcing_order)
			at = get_datetime(f"{self.posting_date} {self.posting_time or '00:00:00'}")
			receipts.receive(order, self, lines, at)
			self.update_order_lines(lines, cancel=False)
			refresh_order(order, list(lines.values()))
			self.record_returned_events(at)

	def update_order_lines(self, lines: dict, cancel: bool):
		"""What came back added to (taken off, on cancel) the order's locked lines (one query)."""
		written = {}
		for d in self.items:
			row = lines[d.order_item]
			new = outsourcing.apply_receipt(line_of(row), receipt_of(d, self.is_rework), cancel=cancel)
			values = {
				"accepted_qty": new.accepted,
				"rejected_qty": new.rejected,
				"fresh_received_qty": new.fresh_received,
				"rework_out_qty": new.rework_out,
				"pending_qty": new.pending,
			}
			row.update(values)
			written[row.name] = values
		set_line_values(ITEM_TABLE, written)

	def record_returned_events(self, at):
		record_events(
			[
				EventSpec(
					so,
					stages.IN_PRODUCTION,
					"Returned from Supplier",
					RECEIPT,
					self.name,
					qty=qty,
					amount=sum(flt(d.amount) for d in self.items if d.sales_order == so),
					at=at,
					remarks=_("{0} rejected, {1} back for rework").format(
						flt(sum(flt(d.rejected_qty) for d in self.items if d.sales_order == so), 3),
						flt(sum(flt(d.rework_qty) for d in self.items if d.sales_order == so), 3),
					),
				)
				for so, qty in qty_by_order(self.items, "accepted_qty").items()
			]
		)

	def before_cancel(self):
		self.ignore_linked_doctypes = ("Stock Entry", "Subcontracting Receipt", "Job Card")

	def on_cancel(self):
		with one_refresh():
			lines = lock_lines(self.outsourcing_order)
			receipts.undo(self)
			self.update_order_lines(lines, cancel=True)
			refresh_order(self.outsourcing_order, list(lines.values()))
			self.record_cancelled_events()

	def record_cancelled_events(self):
		record_events(
			[
				EventSpec(
					so, stages.IN_PRODUCTION, "Cancelled", RECEIPT, self.name, qty=-qty, is_cancellation=True
				)
				for so, qty in qty_by_order(self.items, "accepted_qty").items()
			]
		)


def on_doctype_update():
	frappe.db.add_index("Outsourcing Receipt", ["supplier", "posting_date"])

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, getdate

from order_tracking.core import outsourcing, stages
from order_tracking.order_tracking.tracking import EventSpec, one_refresh, record_events
from order_tracking.outsourcing import order_state, transfers
from order_tracking.outsourcing.order_state import ITEM_TABLE, OutsourcingError, refresh_order
from order_tracking.outsourcing.orders import (
	default_warehouse,
	last_rate,
	materials_of,
	service_item_for,
	service_items_for_operations,
	work_order_facts,
)
from order_tracking.outsourcing.outsourced_work_orders import job_cards_out_of
from order_tracking.outsourcing.purchase_documents import cancel_purchase_documents, make_purchase_documents
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
		self.read_work_orders()
		self.set_item_details()
		self.set_totals()
		if self.docstatus == 0:
			self.set_materials()
		self.validate_outsourcing_type()
		self.validate_supplier()
		self.validate_due_date()
		self.validate_supplier_warehouse()
		self.validate_items()
		if self.docstatus == 0:
			self.status = outsourcing.DRAFT

	def read_work_orders(self):
		"""The operation lines' work orders, read once for every line (or as the maker read them)."""
		self._work_orders = {}
		if self.outsourcing_type == outsourcing.OPERATION:
			wanted = {d.work_order for d in self.items if d.work_order}
			known = self.flags.work_order_facts or {}
			self._work_orders = known if wanted <= set(known) else work_order_facts(wanted)
			self.flags.work_order_facts = None

	def set_item_details(self):
		"""Item details, service items, where things come back to, rates and amounts."""
		# always the company's: Frappe would fill a field named currency from the global default
		self.currency = frappe.get_cached_value("Company", self.company, "default_currency")
		items = {
			r.name: r
			for r in frappe.get_all(
				"Item",
				filters={"name": ("in", list({d.item_code for d in self.items if d.item_code}) or [""])},
				fields=["name", "item_name", "stock_uom", "default_bom", "is_stock_item"],
			)
		}
		operation = self.outsourcing_type == outsourcing.OPERATION
		services = service_items_for_operations([d.operation for d in self.items]) if operation else {}
		rates: dict[str, float] = {}
		for d in self.items:
			info = items.get(d.item_code)
			if not info:
				continue
			d.item_name, d.stock_uom = info.item_name, info.stock_uom
			if operation:
				d.service_item = services.get(d.operation)
				if d.work_order and not d.fg_warehouse and d.work_order in self._work_orders:
					d.fg_warehouse = self._work_orders[d.work_order].wip_warehouse
			else:
				d.bom_no = d.bom_no or info.default_bom
				d.service_item = service_item_for(d.item_code)
				d.fg_warehouse = d.fg_warehouse or default_warehouse(d.item_code, self.company)
			if not flt(d.rate) and d.service_item:
				if d.service_item not in rates:
					rates[d.service_item] = last_rate(self.supplier, d.service_item)
				d.rate = rates[d.service_item]
			d.amount = flt(d.qty) * flt(d.rate)
			d.pending_qty = outsourcing.Line(
				flt(d.qty),
				flt(d.sent_qty),
				flt(d.accepted_qty),
				flt(d.rejected_qty),
				flt(d.fresh_received_qty),
				flt(d.rework_out_qty),
			).pending

	def set_totals(self):
		self.total_qty = sum(flt(d.qty) for d in self.items)
		self.total_amount = sum(flt(d.amount) for d in self.items)
		self.sales_order = next((d.sales_order for d in self.items if d.sales_order), None)

	def set_materials(self):
		"""What goes out, line by line (a draft's: fixed once submitted)."""
		materials = [
			(d, *material) for d in self.items for material in materials_of(self, d, self._work_orders)
		]
		self.set("materials", [])
		for d, item_code, qty, source in materials:
			self.append(
				"materials",
				{
					"item_code": item_code,
					"for_item": d.item_code,
					"order_item": d.name,
					"qty": qty,
					"stock_uom": frappe.get_cached_value("Item", item_code, "stock_uom"),
					"source_warehouse": source,
				},
			)

	def validate_outsourcing_type(self):
		if self.outsourcing_type not in outsourcing.TYPES:
			frappe.throw(
				_("Outsourcing Type: choose one of {0}").format(", ".join(outsourcing.TYPES)),
				exc=OutsourcingError,
			)

	def validate_supplier(self):
		"""The supplier exists and is enabled. Frappe 15 skips its own check of a link whose record is
		missing when other fields are fetched from it (`supplier_name` from `supplier`)."""
		supplier = self.supplier
		disabled = frappe.db.get_value("Supplier", supplier, "disabled") if supplier else None
		if disabled is None:
			frappe.throw(
				_("Supplier: {0} does not exist").format(supplier or _("(not set)")),
				exc=OutsourcingError,
				title=_("Unknown Supplier"),
			)
		if disabled:
			frappe.throw(_("Supplier: {0} is disabled").format(supplier), exc=OutsourcingError)

	def validate_due_date(self):
		if getdate(self.due_date) < getdate(self.transaction_date):
			frappe.throw(
				_("Return Due {0} is before the order's date").format(
					frappe.format(self.due_date, {"fieldtype": "Date"})
				),
				exc=OutsourcingError,
			)

	def validate_supplier_warehouse(self):
		wh = (
			frappe.db.get_value("Warehouse", self.supplier_warehouse, ["company", "is_group"], as_dict=True)
			if self.supplier_warehouse
			else None
		)
		if not wh:
			frappe.throw(
				_("Supplier's Warehouse: set the warehouse that holds what is at the supplier's"),
				exc=OutsourcingError,
			)
		if wh.company != self.company or wh.is_group:
			frappe.throw(
				_("Supplier's Warehouse {0} must be a warehouse (not a group) of {1}").format(
					self.supplier_warehouse, self.company
				),
				exc=OutsourcingError,
			)

	def validate_items(self):
		if not self.items:
			frappe.throw(_("Items: add what the supplier does"), exc=OutsourcingError)
		cards, out = self.read_job_cards()
		for d in self.items:
			if flt(d.qty) <= 0:
				frappe.throw(_("Row {0}: Qty must be more than zero").format(d.idx), exc=OutsourcingError)
			if self.outsourcing_type == outsourcing.OPERATION:
				self.validate_operation_line(d, cards, out)
			else:
				self.validate_goods_line(d)

	def read_job_cards(self) -> tuple[dict, dict]:
		"""The operation lines' job cards, and which of them another open order has (two queries)."""
		if self.outsourcing_type != outsourcing.OPERATION:
			return {}, {}
		names = list({d.job_card for d in self.items if d.job_card})
		cards = {
			c.name: c
			for c in frappe.get_all(
				"Job Card",
				filters={"name": ("in", names or [""])},
				fields=[
					"name",
					"work_order",
					"operation",
					"docstatus",
					"for_quantity",
					"total_completed_qty",
					"status",
				],
			)
		}
		out = job_cards_out_of([d.work_order for d in self.items if d.work_order], exclude=self.name)
		return cards, out

	def validate_operation_line(self, d, cards: dict, out: dict):
		if not (d.work_order and d.job_card and d.operation):
			frappe.throw(
				_("Row {0}: an operation needs its Work Order, Job Card and Operation").format(d.idx),
				exc=OutsourcingError,
			)
		card = cards.get(d.job_card)
		if not card or card.work_order != d.work_order or card.operation != d.operation:
			frappe.throw(
				_("Row {0}: Job Card {1} is not operation {2} of {3}").format(
					d.idx, d.job_card, d.operation, d.work_order
				),
				exc=OutsourcingError,
			)
		if card.docstatus != 0 or card.status == "Completed":
			frappe.throw(
				_("Row {0}: Job Card {1} is already completed").format(d.idx, d.job_card),
				exc=OutsourcingError,
			)
		left = flt(card.for_quantity) - flt(card.total_completed_qty)
		if flt(d.qty) > left + outsourcing.EPS:
			frappe.throw(
				_("Row {0}: Qty {1} is more than the {2} left on Job Card {3}").format(
					d.idx, flt(d.qty), left, d.job_card
				),
				exc=OutsourcingError,
			)
		# the one rule of outsourced_work_orders.job_cards_out: on an order not closed, cancelled or
		# returned, drafts included; the same work order's card
		other = out.get((d.work_order, d.job_card))
		if other:
			frappe.throw(
				_("Row {0}: Job Card {1} is already on {2}").format(d.idx, d.job_card, other),
				exc=OutsourcingError,
			)
		if not d.service_item:
			frappe.throw(
				_(
					"Row {0}: set the Outsourcing Service Item of operation {1} (or a default one in Order Tracking Settings)"
				).format(d.idx, d.operation),
				exc=OutsourcingError,
			)

	def validate_goods_line(self, d):
		if not d.bom_no:
			frappe.throw(
				_("Row {0}: {1} has no BOM: the supplier needs one to know what to make").format(
					d.idx, d.item_code
				),
				exc=OutsourcingError,
			)
		if not d.service_item:
			frappe.throw(
				_(
					"Row {0}: set a Subcontracting BOM for {1} or a default Outsourcing Service Item in Order Tracking Settings"
				).format(d.idx, d.item_code),
				exc=OutsourcingError,
			)
		if self.outsourcing_type == outsourcing.WHOLE_ORDER:
			if not d.sales_order_item:
				frappe.throw(
					_("Row {0}: a whole order is a Sales Order line").format(d.idx), exc=OutsourcingError
				)
			line = frappe.db.get_value(
				"Sales Order Item",
				d.sales_order_item,
				["item_code", "stock_qty", "delivered_qty", "conversion_factor", "parent"],
				as_dict=True,
			)
			if not line or line.item_code != d.item_code:
				frappe.throw(
					_("Row {0}: {1} is not the item of that Sales Order line").format(d.idx, d.item_code),
					exc=OutsourcingError,
				)
			taken = flt(
				frappe.db.get_value(
					ITEM_TABLE,
					{
						"sales_order_item": d.sales_order_item,
						"parent": ("!=", self.name or ""),
						"docstatus": 1,
					},
					"sum(qty)",
				)
			)
			left = flt(line.stock_qty) - flt(line.delivered_qty) * flt(line.conversion_factor or 1) - taken
			if flt(d.qty) > left + outsourcing.EPS:
				frappe.throw(
					_("Row {0}: Qty {1} is more than the {2} of {3} left to deliver or outsource").format(
						d.idx, flt(d.qty), flt(left, 3), line.parent
					),
					exc=OutsourcingError,
				)

	def before_submit(self):
		self.validate_rates()

	def validate_rates(self):
		for d in self.items:
			if flt(d.rate) <= 0:
				frappe.throw(
					_("Row {0}: set the Rate agreed with the supplier").format(d.idx), exc=OutsourcingError
				)

	def on_submit(self):
		with one_refresh():  # the purchase documents' own events join this one refresh
			make_purchase_documents(self)
			refresh_order(self)
			self.record_outsourced_events()

	def record_outsourced_events(self):
		record_events(
			[
				EventSpec(
					so,
					stages.PLANNED,
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
			cancel_purchase_documents(self)
			self.db_set("status", outsourcing.CANCELLED)
			self.record_cancelled_events()

	def record_cancelled_events(self):
		record_events(
			[
				EventSpec(
					so, stages.PLANNED, "Cancelled", self.doctype, self.name, qty=-qty, is_cancellation=True
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
			return transfers.send(self)

	@frappe.whitelist()
	def close(self):
		"""Expect nothing more from the supplier."""
		frappe.has_permission(self.doctype, "submit", self, throw=True)
		with one_refresh():
			order_state.close(self)


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

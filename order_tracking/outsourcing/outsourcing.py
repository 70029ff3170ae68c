"""Outsourcing on ERPNext's own documents (the seeds' 产能外包, 半成品外包, 工序外包).

An **Outsourcing Order** names a supplier, what they do and for which orders:

- *Whole Order* and *Semi-finished*: a subcontracted Purchase Order (a service item for the
  finished good) and its Subcontracting Order on submit; the raw materials go to the supplier's
  warehouse with ERPNext's "Send to Subcontractor" entry; what comes back is a Subcontracting
  Receipt (accepted, rejected). Rejected goods sent back for rework move between the rejected
  warehouse and the supplier's as plain transfers of the same item, and come back the same way.
- *Operation*: one operation of one or more work orders (their job cards). The work in progress —
  the work orders' materials — goes to the supplier's warehouse and comes back as transfers on the
  same items; the service is bought on a Purchase Order for the operation's service item; what
  comes back accepted is logged on the operation's job card, which is completed — so the work
  order goes on — when everything is back.

An **Outsourcing Receipt** records what came back (accepted, rejected, back for rework) and makes
the ERPNext documents. The order's line quantities are read and written under row locks: two
receipts at the same time never take back more than is out. Cancelling a receipt cancels what it
made and gives its quantities back.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce
from frappe.utils import flt, get_datetime, getdate, now_datetime, nowdate

from order_tracking.core import delivery as D
from order_tracking.core import outsourcing as O
from order_tracking.core import stages as ST
from order_tracking.delivery.delivery import ScanFacts, exception_detector, format_qty
from order_tracking.order_tracking.tracking import EventSpec, get_settings, record_events

ORDER = "Outsourcing Order"
RECEIPT = "Outsourcing Receipt"
ITEM_TABLE = "Outsourcing Order Item"
# the app's own records never stop it cancelling what it made
OWN_LINKS = ("Outsourcing Order", "Outsourcing Receipt", "Order Tracker", "Order Plan", "Daily Schedule")
LINE_FIELDS = ("qty", "sent_qty", "accepted_qty", "rejected_qty", "fresh_received_qty", "rework_out_qty")


def _message(problem: str) -> str:
	"""The words of a problem `core.outsourcing.check_receipt` finds, in the user's language."""
	return {
		"negative": _("Row {0}: quantities cannot be negative"),
		"nothing": _("Row {0}: nothing accepted, rejected or sent back"),
		"exceeds_out": _("Row {0}: {1} came back but only {2} of {3} is out with the supplier"),
	}[problem]


class OutsourcingError(frappe.ValidationError):
	pass


# =============================================================================== making orders


def make_for_job_cards(
	job_cards: list[str],
	supplier: str,
	due_date: str,
	supplier_warehouse: str | None = None,
	rate: float | None = None,
):
	"""An Operation order for these job cards — one operation each, of one or more work orders."""
	if not job_cards:
		frappe.throw(_("Job Cards: choose at least one"), exc=OutsourcingError)
	cards = frappe.get_all(
		"Job Card",
		filters={"name": ("in", job_cards)},
		fields=[
			"name",
			"work_order",
			"operation",
			"for_quantity",
			"total_completed_qty",
			"company",
			"docstatus",
		],
	)
	if len(cards) != len(set(job_cards)):
		frappe.throw(
			_("Job Cards: {0} not found").format(", ".join(set(job_cards) - {c.name for c in cards}))
		)
	companies = {c.company for c in cards}
	if len(companies) != 1:
		frappe.throw(_("Job Cards: they belong to different companies"), exc=OutsourcingError)
	doc = frappe.new_doc(ORDER)
	doc.update(
		{
			"outsourcing_type": O.OPERATION,
			"company": companies.pop(),
			"supplier": supplier,
			"due_date": due_date,
			"supplier_warehouse": supplier_warehouse or default_supplier_warehouse(supplier),
		}
	)
	for c in sorted(cards, key=lambda c: job_cards.index(c.name)):
		wo = frappe.db.get_value(
			"Work Order",
			c.work_order,
			["production_item", "sales_order", "made_for_sales_order"],
			as_dict=True,
		)
		doc.append(
			"items",
			{
				"item_code": wo.production_item,
				"operation": c.operation,
				"qty": flt(c.for_quantity) - flt(c.total_completed_qty),
				"work_order": c.work_order,
				"job_card": c.name,
				"sales_order": wo.sales_order or wo.made_for_sales_order,
				"rate": rate,
			},
		)
	doc.insert()
	return doc


def make_for_order_line(
	sales_order_item: str,
	supplier: str,
	due_date: str,
	outsourcing_type: str = O.WHOLE_ORDER,
	item_code: str | None = None,
	qty: float | None = None,
	supplier_warehouse: str | None = None,
	rate: float | None = None,
):
	"""A Whole Order (the line's item) or Semi-finished (a part of it) order for a Sales Order line."""
	line = frappe.db.get_value(
		"Sales Order Item",
		sales_order_item,
		["parent", "item_code", "stock_qty", "delivered_qty", "conversion_factor", "warehouse"],
		as_dict=True,
	)
	if not line:
		frappe.throw(_("Sales Order Item {0} does not exist").format(sales_order_item), exc=OutsourcingError)
	company = frappe.db.get_value("Sales Order", line.parent, "company")
	pending = flt(line.stock_qty) - flt(line.delivered_qty) * flt(line.conversion_factor or 1)
	doc = frappe.new_doc(ORDER)
	doc.update(
		{
			"outsourcing_type": outsourcing_type,
			"company": company,
			"supplier": supplier,
			"due_date": due_date,
			"supplier_warehouse": supplier_warehouse or default_supplier_warehouse(supplier),
		}
	)
	doc.append(
		"items",
		{
			"item_code": item_code or line.item_code,
			"qty": qty or pending,
			"sales_order": line.parent,
			"sales_order_item": sales_order_item if outsourcing_type == O.WHOLE_ORDER else None,
			"fg_warehouse": line.warehouse if outsourcing_type == O.WHOLE_ORDER else None,
			"rate": rate,
		},
	)
	doc.insert()
	return doc


def make_from_plan(plan: str, supplier: str, due_date: str, supplier_warehouse: str | None = None):
	"""One Whole Order order for the outsourcing candidates of a submitted plan not yet outsourced."""
	p = frappe.get_doc("Order Plan", plan)
	if p.docstatus != 1:
		frappe.throw(_("Order Plan {0} is not submitted").format(plan), exc=OutsourcingError)
	taken = set(
		frappe.get_all(
			ITEM_TABLE,
			filters={"plan_item": ("in", [i.name for i in p.items] or [""]), "docstatus": ("<", 2)},
			pluck="plan_item",
		)
	)
	lines = [i for i in p.items if i.allocation == "Outsource Candidate" and i.name not in taken]
	if not lines:
		frappe.throw(
			_("Order Plan {0} has no outsourcing candidates left").format(plan), exc=OutsourcingError
		)
	doc = frappe.new_doc(ORDER)
	doc.update(
		{
			"outsourcing_type": O.WHOLE_ORDER,
			"company": p.company,
			"supplier": supplier,
			"due_date": due_date,
			"order_plan": plan,
			"supplier_warehouse": supplier_warehouse or default_supplier_warehouse(supplier),
		}
	)
	for i in lines:
		doc.append(
			"items",
			{
				"item_code": i.item_code,
				"qty": flt(i.production_qty) or flt(i.qty),
				"sales_order": i.sales_order,
				"sales_order_item": i.sales_order_item,
				"fg_warehouse": frappe.db.get_value("Sales Order Item", i.sales_order_item, "warehouse"),
				"plan_item": i.name,
			},
		)
	doc.insert()
	return doc


def default_supplier_warehouse(supplier: str) -> str | None:
	"""The warehouse of this supplier's goods on the last order with them, or the one in Settings."""
	last = frappe.db.get_value(
		ORDER, {"supplier": supplier, "docstatus": 1}, "supplier_warehouse", order_by="creation desc"
	)
	return last or get_settings().get("outsourcing_supplier_warehouse")


# =============================================================================== filling and checking


def fill_order(doc) -> None:
	"""Item details, service items, where things come back to, rates, amounts and what goes out."""
	# always the company's: Frappe would fill a field named currency from the global default
	doc.currency = frappe.get_cached_value("Company", doc.company, "default_currency")
	items = {
		r.name: r
		for r in frappe.get_all(
			"Item",
			filters={"name": ("in", list({d.item_code for d in doc.items if d.item_code}) or [""])},
			fields=["name", "item_name", "stock_uom", "default_bom", "is_stock_item"],
		)
	}
	for d in doc.items:
		info = items.get(d.item_code)
		if not info:
			continue
		d.item_name, d.stock_uom = info.item_name, info.stock_uom
		if doc.outsourcing_type == O.OPERATION:
			d.service_item = service_item_for_operation(d.operation)
			if d.work_order and not d.fg_warehouse:
				d.fg_warehouse = _wip_of(d.work_order)
		else:
			d.bom_no = d.bom_no or info.default_bom
			d.service_item = service_item_for(d.item_code)
			d.fg_warehouse = d.fg_warehouse or _default_warehouse(d.item_code, doc.company)
		if not flt(d.rate) and d.service_item:
			d.rate = last_rate(doc.supplier, d.service_item)
		d.amount = flt(d.qty) * flt(d.rate)
		d.pending_qty = O.Line(
			flt(d.qty),
			flt(d.sent_qty),
			flt(d.accepted_qty),
			flt(d.rejected_qty),
			flt(d.fresh_received_qty),
			flt(d.rework_out_qty),
		).pending
	doc.total_qty = sum(flt(d.qty) for d in doc.items)
	doc.total_amount = sum(flt(d.amount) for d in doc.items)
	doc.sales_order = next((d.sales_order for d in doc.items if d.sales_order), None)
	if doc.docstatus == 0:
		doc.set("materials", [])
		for d in doc.items:
			for item_code, qty, source in materials_of(doc, d):
				doc.append(
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


def materials_of(doc, d) -> list[tuple[str, float, str | None]]:
	"""What goes out for one line: an operation's work in progress (the work order's materials for
	that many units), or the raw materials of the item's BOM."""
	if doc.outsourcing_type == O.OPERATION:
		if not d.work_order:
			return []
		wo = frappe.db.get_value(
			"Work Order",
			d.work_order,
			["qty", "wip_warehouse", "material_transferred_for_manufacturing", "skip_transfer"],
			as_dict=True,
		)
		if not wo or not flt(wo.qty):
			return []
		rows = frappe.get_all(
			"Work Order Item",
			filters={"parent": d.work_order, "parenttype": "Work Order"},
			fields=["item_code", "required_qty", "source_warehouse"],
			order_by="idx",
		)
		transferred = flt(wo.material_transferred_for_manufacturing) > 0 and not wo.skip_transfer
		per_unit = {r.item_code: flt(r.required_qty) / flt(wo.qty) for r in rows}
		sources = {r.item_code: (wo.wip_warehouse if transferred else r.source_warehouse) for r in rows}
		return [(code, qty, sources[code]) for code, qty in O.materials_for(per_unit, flt(d.qty)).items()]
	if not d.bom_no:
		return []
	bom_qty = flt(frappe.db.get_value("BOM", d.bom_no, "quantity")) or 1.0
	rows = frappe.get_all(
		"BOM Item",
		filters={"parent": d.bom_no, "parenttype": "BOM"},
		fields=["item_code", "stock_qty"],
		order_by="idx",
	)
	per_unit = defaultdict(float)
	for r in rows:
		per_unit[r.item_code] += flt(r.stock_qty) / bom_qty
	return [
		(code, qty, _default_warehouse(code, doc.company))
		for code, qty in O.materials_for(per_unit, flt(d.qty)).items()
	]


def validate_order(doc) -> None:
	if doc.outsourcing_type not in O.TYPES:
		frappe.throw(
			_("Outsourcing Type: choose one of {0}").format(", ".join(O.TYPES)), exc=OutsourcingError
		)
	validate_supplier(doc.supplier)
	if getdate(doc.due_date) < getdate(doc.transaction_date):
		frappe.throw(
			_("Return Due {0} is before the order's date").format(
				frappe.format(doc.due_date, {"fieldtype": "Date"})
			),
			exc=OutsourcingError,
		)
	wh = (
		frappe.db.get_value("Warehouse", doc.supplier_warehouse, ["company", "is_group"], as_dict=True)
		if doc.supplier_warehouse
		else None
	)
	if not wh:
		frappe.throw(
			_("Supplier's Warehouse: set the warehouse that holds what is at the supplier's"),
			exc=OutsourcingError,
		)
	if wh.company != doc.company or wh.is_group:
		frappe.throw(
			_("Supplier's Warehouse {0} must be a warehouse (not a group) of {1}").format(
				doc.supplier_warehouse, doc.company
			),
			exc=OutsourcingError,
		)
	if not doc.items:
		frappe.throw(_("Items: add what the supplier does"), exc=OutsourcingError)
	for d in doc.items:
		if flt(d.qty) <= 0:
			frappe.throw(_("Row {0}: Qty must be more than zero").format(d.idx), exc=OutsourcingError)
		if doc.outsourcing_type == O.OPERATION:
			_validate_operation_line(doc, d)
		else:
			_validate_goods_line(doc, d)


def validate_supplier(supplier: str | None) -> None:
	"""The supplier exists and is enabled. Frappe 15 skips its own check of a link whose record is
	missing when other fields are fetched from it (`supplier_name` from `supplier`)."""
	disabled = frappe.db.get_value("Supplier", supplier, "disabled") if supplier else None
	if disabled is None:
		frappe.throw(
			_("Supplier: {0} does not exist").format(supplier or _("(not set)")),
			exc=OutsourcingError,
			title=_("Unknown Supplier"),
		)
	if disabled:
		frappe.throw(_("Supplier: {0} is disabled").format(supplier), exc=OutsourcingError)


def _validate_operation_line(doc, d):
	if not (d.work_order and d.job_card and d.operation):
		frappe.throw(
			_("Row {0}: an operation needs its Work Order, Job Card and Operation").format(d.idx),
			exc=OutsourcingError,
		)
	card = frappe.db.get_value(
		"Job Card",
		d.job_card,
		["work_order", "operation", "docstatus", "for_quantity", "total_completed_qty", "status"],
		as_dict=True,
	)
	if not card or card.work_order != d.work_order or card.operation != d.operation:
		frappe.throw(
			_("Row {0}: Job Card {1} is not operation {2} of {3}").format(
				d.idx, d.job_card, d.operation, d.work_order
			),
			exc=OutsourcingError,
		)
	if card.docstatus != 0 or card.status == "Completed":
		frappe.throw(
			_("Row {0}: Job Card {1} is already completed").format(d.idx, d.job_card), exc=OutsourcingError
		)
	left = flt(card.for_quantity) - flt(card.total_completed_qty)
	if flt(d.qty) > left + O.EPS:
		frappe.throw(
			_("Row {0}: Qty {1} is more than the {2} left on Job Card {3}").format(
				d.idx, flt(d.qty), left, d.job_card
			),
			exc=OutsourcingError,
		)
	other = frappe.get_all(
		ITEM_TABLE,
		# the same work order's card: a freed card name Frappe gave to another work order's is not it
		filters={
			"job_card": d.job_card,
			"work_order": d.work_order,
			"parent": ("!=", doc.name or ""),
			"docstatus": ("<", 2),
		},
		fields=["parent"],
		limit=1,
	)
	if other and frappe.db.get_value(ORDER, other[0].parent, "status") not in (
		O.CLOSED,
		O.CANCELLED,
		O.RETURNED,
	):
		frappe.throw(
			_("Row {0}: Job Card {1} is already on {2}").format(d.idx, d.job_card, other[0].parent),
			exc=OutsourcingError,
		)
	if not d.service_item:
		frappe.throw(
			_(
				"Row {0}: set the Outsourcing Service Item of operation {1} (or a default one in Order Tracking Settings)"
			).format(d.idx, d.operation),
			exc=OutsourcingError,
		)


def _validate_goods_line(doc, d):
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
	if doc.outsourcing_type == O.WHOLE_ORDER:
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
				{"sales_order_item": d.sales_order_item, "parent": ("!=", doc.name or ""), "docstatus": 1},
				"sum(qty)",
			)
		)
		left = flt(line.stock_qty) - flt(line.delivered_qty) * flt(line.conversion_factor or 1) - taken
		if flt(d.qty) > left + O.EPS:
			frappe.throw(
				_("Row {0}: Qty {1} is more than the {2} of {3} left to deliver or outsource").format(
					d.idx, flt(d.qty), flt(left, 3), line.parent
				),
				exc=OutsourcingError,
			)


def check_before_submit(doc) -> None:
	for d in doc.items:
		if flt(d.rate) <= 0:
			frappe.throw(
				_("Row {0}: set the Rate agreed with the supplier").format(d.idx), exc=OutsourcingError
			)


# =============================================================================== ERPNext documents on submit


def make_purchase_documents(doc) -> None:
	"""The Purchase Order of the service (subcontracted, with its Subcontracting Order, for goods)."""
	po = frappe.new_doc("Purchase Order")
	po.update(
		{
			"company": doc.company,
			"supplier": doc.supplier,
			"transaction_date": doc.transaction_date,
			"schedule_date": doc.due_date,
			"outsourcing_order": doc.name,
			"currency": doc.currency,
		}
	)
	if doc.currency == frappe.get_cached_value("Company", doc.company, "default_currency"):
		po.conversion_rate = 1
	# the agreed rates are on the order: a buying price list only in the order's own currency
	po.buying_price_list = _buying_price_list(doc.currency)
	po.plc_conversion_rate = 1
	goods = doc.outsourcing_type != O.OPERATION
	if goods:
		po.is_subcontracted = 1
		po.supplier_warehouse = doc.supplier_warehouse
		for d in doc.items:
			_mark_subcontracted(d.item_code)
	# lines of the same goods for the same order and warehouse at one rate are one purchase line
	# (ERPNext's subcontracting receipt costs grow with the square of its lines)
	groups: dict[tuple, list] = {}
	for d in doc.items:
		key = (
			(d.service_item, d.item_code, d.fg_warehouse, d.sales_order, flt(d.rate)) if goods else (d.name,)
		)
		groups.setdefault(key, []).append(d)
	for lines in groups.values():
		d = lines[0]
		qty = sum(flt(x.qty) for x in lines)
		row = {
			"item_code": d.service_item,
			"qty": qty,
			"rate": d.rate,
			"schedule_date": doc.due_date,
			"sales_order": d.sales_order,
			"description": _("{0} of {1}").format(d.operation, d.work_order) if not goods else None,
		}
		if goods:
			row.update({"fg_item": d.item_code, "fg_item_qty": qty, "warehouse": d.fg_warehouse})
		po.append("items", {k: v for k, v in row.items() if v is not None})
	po.submit()  # inserted and submitted in one pass: ERPNext validates it once
	for lines, row in zip(groups.values(), po.items, strict=True):
		for d in lines:
			d.db_set("purchase_order_item", row.name, update_modified=False)
	doc.db_set("purchase_order", po.name, update_modified=False)
	if goods:
		from erpnext.buying.doctype.purchase_order.purchase_order import make_subcontracting_order

		sco = make_subcontracting_order(po.name)
		sco.outsourcing_order = doc.name
		for item in sco.items:
			line = next(d for d in doc.items if d.purchase_order_item == item.purchase_order_item)
			item.warehouse = line.fg_warehouse
		# ERPNext reserves the raw materials in the line's own warehouse unless told where they are
		sources = {m.source_warehouse for m in doc.materials if m.source_warehouse}
		if len(sources) == 1:
			sco.set_reserve_warehouse = sources.pop()
		sco.submit()
		for item in sco.items:
			for line in doc.items:
				if line.purchase_order_item == item.purchase_order_item:
					line.db_set("subcontracting_order_item", item.name, update_modified=False)
		doc.db_set("subcontracting_order", sco.name, update_modified=False)
		if len(sources) > 1:
			_reserve_where_the_materials_are(doc, sco)


def _material_sources(doc) -> dict[tuple[str, str], str]:
	"""(subcontracting order line, raw material) -> the warehouse the order's materials table names."""
	source: dict[tuple[str, str], str] = {}
	for line in doc.items:
		for m in doc.materials:
			if m.order_item == line.name and m.source_warehouse and line.subcontracting_order_item:
				source.setdefault((line.subcontracting_order_item, m.item_code), m.source_warehouse)
	return source


def _reserve_where_the_materials_are(doc, sco) -> None:
	"""Materials from several warehouses: each supplied item reserved in its own (ERPNext set the
	line's), and the stock reserved for subcontracting counted again in both warehouses."""
	from erpnext.stock.utils import get_bin

	source = _material_sources(doc)
	for s in sco.supplied_items:
		warehouse = source.get((s.reference_name, s.rm_item_code))
		if not warehouse or warehouse == s.reserve_warehouse:
			continue
		previous = s.reserve_warehouse
		s.db_set("reserve_warehouse", warehouse, update_modified=False)
		for wh in {previous, warehouse} - {None, ""}:
			get_bin(s.rm_item_code, wh).update_reserved_qty_for_sub_contracting()


def _buying_price_list(currency: str) -> str | None:
	default = frappe.db.get_single_value("Buying Settings", "buying_price_list")
	if default and frappe.db.get_value("Price List", default, "currency") == currency:
		return default
	return frappe.db.get_value("Price List", {"buying": 1, "enabled": 1, "currency": currency}, "name")


def _mark_subcontracted(item_code: str):
	"""ERPNext subcontracts only items marked so: mark it, and say so on the item."""
	if not frappe.db.get_value("Item", item_code, "is_sub_contracted_item"):
		frappe.db.set_value("Item", item_code, "is_sub_contracted_item", 1)
		frappe.get_doc("Item", item_code).add_comment(
			"Info", _("Marked as a subcontracted item: an Outsourcing Order has it made by a supplier")
		)


def cancel_purchase_documents(doc) -> None:
	if flt(doc.sent_qty) > O.EPS:
		frappe.throw(
			_("{0} has been sent to the supplier: cancel its receipts and its stock entry {1} first").format(
				doc.name, doc.send_stock_entry
			),
			exc=OutsourcingError,
		)
	for doctype, name in (
		("Subcontracting Order", doc.subcontracting_order),
		("Purchase Order", doc.purchase_order),
	):
		if name and frappe.db.get_value(doctype, name, "docstatus") == 1:
			d = frappe.get_doc(doctype, name)
			d.ignore_linked_doctypes = OWN_LINKS
			d.cancel()


# =============================================================================== sending


def send(doc) -> str:
	"""Send what goes out to the supplier's warehouse; the order is then Sent."""
	if doc.docstatus != 1 or flt(doc.sent_qty) > O.EPS:
		frappe.throw(_("{0} is not waiting to be sent").format(doc.name), exc=OutsourcingError)
	if doc.outsourcing_type == O.OPERATION:
		se = frappe.new_doc("Stock Entry")
		se.update(
			{
				"stock_entry_type": "Material Transfer",
				"purpose": "Material Transfer",
				"company": doc.company,
				"outsourcing_order": doc.name,
			}
		)
		for m in doc.materials:
			se.append("items", _transfer_row(m.item_code, m.qty, m.source_warehouse, doc.supplier_warehouse))
		if not se.items:
			frappe.throw(
				_("{0} has nothing to send: its work orders have no materials").format(doc.name),
				exc=OutsourcingError,
			)
		se.submit()
		workstation = outsourcing_workstation()
		for d in doc.items:
			frappe.db.set_value("Job Card", d.job_card, "workstation", workstation, update_modified=False)
	else:
		from erpnext.controllers.subcontracting_controller import make_rm_stock_entry

		se = make_rm_stock_entry(doc.subcontracting_order, rm_items=_supplied_items(doc))
		se = frappe.get_doc(se) if isinstance(se, dict) else se
		se.outsourcing_order = doc.name
		se.submit()
	now = now_datetime()
	for d in doc.items:
		d.db_set({"sent_qty": d.qty, "sent_at": now}, update_modified=False)
	for m in doc.materials:
		m.db_set("sent_qty", m.qty, update_modified=False)
	doc.db_set("send_stock_entry", se.name, update_modified=False)
	refresh_order(doc)
	record_events(
		[
			EventSpec(
				so,
				ST.IN_PRODUCTION,
				"Sent to Supplier",
				ORDER,
				doc.name,
				qty=qty,
				planned_at=doc.due_date,
				remarks=doc.supplier_name,
			)
			for so, qty in _qty_by_order(doc.items, "qty").items()
		]
	)
	return se.name


def _supplied_items(doc) -> list[frappe._dict]:
	"""The subcontracting order's supplied items, each from the warehouse the order's materials
	table names (ERPNext would take them from the finished good's warehouse of the line)."""
	source = _material_sources(doc)
	sco = frappe.get_doc("Subcontracting Order", doc.subcontracting_order)
	return [
		frappe._dict(
			s.as_dict(), warehouse=source.get((s.reference_name, s.rm_item_code)) or s.reserve_warehouse
		)
		for s in sco.supplied_items
	]


# =============================================================================== receipts


def lock_lines(order: str) -> dict[str, frappe._dict]:
	"""The order's lines as committed now, locked until this transaction ends (a plain read could
	see an older snapshot: a concurrent receipt may have committed in between)."""
	item = frappe.qb.DocType(ITEM_TABLE)
	rows = (
		frappe.qb.from_(item)
		.select(
			item.name,
			item.idx,
			*(item[f] for f in LINE_FIELDS),
			item.rate,
			item.job_card,
			item.work_order,
			item.sales_order,
			item.item_code,
			item.operation,
			item.fg_warehouse,
			item.sent_at,
			item.subcontracting_order_item,
		)
		.where((item.parent == order) & (item.parenttype == ORDER))
		.for_update()
		.run(as_dict=True)
	)
	return {r.name: r for r in rows}


def line_of(row) -> O.Line:
	return O.Line(*(flt(row.get(f)) for f in LINE_FIELDS))


def receipt_of(d, is_rework: bool) -> O.Receipt:
	return O.Receipt(flt(d.accepted_qty), flt(d.rejected_qty), flt(d.rework_qty), bool(is_rework))


def check_receipt(receipt, lines: dict | None = None) -> None:
	"""Each line within what is out with the supplier (read under lock when `lines` is None)."""
	order = frappe.db.get_value(ORDER, receipt.outsourcing_order, ["docstatus", "status"], as_dict=True)
	if not order or order.docstatus != 1 or order.status in (O.CLOSED, O.CANCELLED, O.DRAFT, O.TO_SEND):
		frappe.throw(
			_("{0} has nothing out with the supplier to receive").format(receipt.outsourcing_order),
			exc=OutsourcingError,
		)
	lines = lines if lines is not None else lock_lines(receipt.outsourcing_order)
	for d in receipt.items:
		row = lines.get(d.order_item)
		if not row:
			frappe.throw(
				_("Row {0}: not a line of {1}").format(d.idx, receipt.outsourcing_order), exc=OutsourcingError
			)
		line = line_of(row)
		problem = O.check_receipt(line, receipt_of(d, receipt.is_rework))
		if problem:
			out = line.rework_out if receipt.is_rework else line.being_made
			frappe.throw(
				_message(problem).format(
					d.idx, flt(receipt_of(d, receipt.is_rework).total, 3), flt(out, 3), d.item_code
				),
				exc=OutsourcingError,
				title=_("Not Received"),
			)


def fill_receipt(receipt) -> None:
	if not receipt.outsourcing_order or not frappe.db.exists(ORDER, receipt.outsourcing_order):
		frappe.throw(
			_("Outsourcing Order: {0} does not exist").format(receipt.outsourcing_order or _("(not set)")),
			exc=OutsourcingError,
		)
	order = frappe.get_doc(ORDER, receipt.outsourcing_order)
	lines = {d.name: d for d in order.items}
	receipt.currency = order.currency
	receipt.items = [
		d
		for d in receipt.items
		if flt(d.accepted_qty) or flt(d.rejected_qty) or flt(d.rework_qty) or receipt.docstatus == 0
	]
	for d in receipt.items:
		line = lines.get(d.order_item)
		if not line:
			continue
		d.item_code, d.operation, d.rate = line.item_code, line.operation, line.rate
		d.sales_order, d.work_order, d.job_card = line.sales_order, line.work_order, line.job_card
		state = line_of(line)
		d.outstanding_qty = state.rework_out if receipt.is_rework else state.being_made
		d.amount = flt(d.accepted_qty) * flt(d.rate)
	receipt.total_accepted = sum(flt(d.accepted_qty) for d in receipt.items)
	receipt.total_rejected = sum(flt(d.rejected_qty) for d in receipt.items)
	receipt.total_rework = sum(flt(d.rework_qty) for d in receipt.items)
	receipt.total_amount = sum(flt(d.amount) for d in receipt.items)
	receipt.days_late = O.days_late(getdate(order.due_date), getdate(receipt.posting_date))


def make_receipt(order: str):
	"""A draft receipt of everything out with the supplier (the kind asked: first returns, or
	returns of reworked goods when nothing else is out)."""
	doc = frappe.get_doc(ORDER, order)
	receipt = frappe.new_doc(RECEIPT)
	receipt.outsourcing_order = order
	lines = [(d, line_of(d)) for d in doc.items]
	rework = not any(s.being_made > O.EPS for _d, s in lines) and any(s.rework_out > O.EPS for _d, s in lines)
	receipt.is_rework = int(rework)
	for d, s in lines:
		out = s.rework_out if rework else s.being_made
		if out > O.EPS:
			receipt.append("items", {"order_item": d.name, "accepted_qty": out})
	fill_receipt(receipt)
	return receipt


def on_submit_receipt(receipt) -> None:
	lines = lock_lines(receipt.outsourcing_order)
	check_receipt(receipt, lines)
	order = frappe.get_doc(ORDER, receipt.outsourcing_order)
	at = get_datetime(f"{receipt.posting_date} {receipt.posting_time or '00:00:00'}")
	if order.outsourcing_type == O.OPERATION:
		_receive_operations(order, receipt, lines, at)
	else:
		_receive_goods(order, receipt, lines, at)
	_apply(receipt, lines, cancel=False)
	refresh_order(order, list(lines.values()))
	record_events(
		[
			EventSpec(
				so,
				ST.IN_PRODUCTION,
				"Returned from Supplier",
				RECEIPT,
				receipt.name,
				qty=qty,
				amount=sum(flt(d.amount) for d in receipt.items if d.sales_order == so),
				at=at,
				remarks=_("{0} rejected, {1} back for rework").format(
					flt(sum(flt(d.rejected_qty) for d in receipt.items if d.sales_order == so), 3),
					flt(sum(flt(d.rework_qty) for d in receipt.items if d.sales_order == so), 3),
				),
			)
			for so, qty in _qty_by_order(receipt.items, "accepted_qty").items()
		]
	)


def on_cancel_receipt(receipt) -> None:
	lines = lock_lines(receipt.outsourcing_order)
	# everything this receipt made, last first
	for doctype, name in (
		("Stock Entry", receipt.rework_stock_entry),
		("Stock Entry", receipt.return_stock_entry),
		("Subcontracting Receipt", receipt.subcontracting_receipt),
	):
		if name and frappe.db.get_value(doctype, name, "docstatus") == 1:
			d = frappe.get_doc(doctype, name)
			d.ignore_linked_doctypes = OWN_LINKS
			d.cancel()
	for d in receipt.items:
		if d.job_card:
			_undo_job_card(receipt, d)
	_apply(receipt, lines, cancel=True)
	refresh_order(receipt.outsourcing_order, list(lines.values()))
	record_events(
		[
			EventSpec(
				so, ST.IN_PRODUCTION, "Cancelled", RECEIPT, receipt.name, qty=-qty, is_cancellation=True
			)
			for so, qty in _qty_by_order(receipt.items, "accepted_qty").items()
		]
	)


def _apply(receipt, lines: dict, cancel: bool):
	for d in receipt.items:
		row = lines[d.order_item]
		new = O.apply_receipt(line_of(row), receipt_of(d, receipt.is_rework), cancel=cancel)
		values = {
			"accepted_qty": new.accepted,
			"rejected_qty": new.rejected,
			"fresh_received_qty": new.fresh_received,
			"rework_out_qty": new.rework_out,
			"pending_qty": new.pending,
		}
		frappe.db.set_value(ITEM_TABLE, row.name, values, update_modified=False)
		row.update(values)


def _rejected_warehouse(needed: float) -> str | None:
	"""Settings' rejected-goods warehouse; refused when something rejected has nowhere to go."""
	rejected_wh = get_settings().get("outsourcing_rejected_warehouse")
	if flt(needed) > O.EPS and not rejected_wh:
		frappe.throw(
			_("Set the Rejected Warehouse for outsourcing in Order Tracking Settings"), exc=OutsourcingError
		)
	return rejected_wh


def _receive_goods(order, receipt, lines, at: datetime):
	rejected_wh = _rejected_warehouse(flt(receipt.total_rejected) + flt(receipt.total_rework))
	if not receipt.is_rework:
		from erpnext.subcontracting.doctype.subcontracting_order.subcontracting_order import (
			make_subcontracting_receipt,
		)

		scr = make_subcontracting_receipt(order.subcontracting_order)
		# several order lines may share one subcontracting line: their quantities add up
		by_sco_item: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
		for d in receipt.items:
			totals = by_sco_item[lines[d.order_item].subcontracting_order_item]
			totals[0] += flt(d.accepted_qty)
			totals[1] += flt(d.rejected_qty) + flt(d.rework_qty)
		keep = []
		for item in scr.items:
			if item.subcontracting_order_item not in by_sco_item:
				continue
			item.qty, item.rejected_qty = by_sco_item[item.subcontracting_order_item]
			if item.rejected_qty:
				item.rejected_warehouse = rejected_wh
			if item.qty or item.rejected_qty:
				keep.append(item)
		scr.set("items", keep)
		scr.outsourcing_receipt = receipt.name
		_post_at(scr, at)
		scr.submit()
		receipt.db_set("subcontracting_receipt", scr.name, update_modified=False)
		rework = [
			(lines[d.order_item], flt(d.rework_qty)) for d in receipt.items if flt(d.rework_qty) > O.EPS
		]
		if rework:
			se = _transfer(
				[(r.item_code, qty, rejected_wh, order.supplier_warehouse) for r, qty in rework], order, at
			)
			receipt.db_set("rework_stock_entry", se, update_modified=False)
	else:
		moves = []
		for d in receipt.items:
			row = lines[d.order_item]
			if flt(d.accepted_qty):
				moves.append((row.item_code, flt(d.accepted_qty), order.supplier_warehouse, row.fg_warehouse))
			if flt(d.rejected_qty):
				moves.append((row.item_code, flt(d.rejected_qty), order.supplier_warehouse, rejected_wh))
		if moves:
			receipt.db_set("return_stock_entry", _transfer(moves, order, at), update_modified=False)


def _receive_operations(order, receipt, lines, at: datetime):
	"""The work in progress of what came back returns from the supplier's warehouse — accepted to
	where it came from, rejected to the rejected-goods warehouse of Settings; what was accepted is
	logged on its job card, completed when all of it is back."""
	rejected_wh = _rejected_warehouse(receipt.total_rejected)
	moves = []
	for d in receipt.items:
		row = lines[d.order_item]
		if not flt(row.qty):
			continue
		for m in order.materials:
			if m.order_item != row.name:
				continue
			per_unit = flt(m.qty) / flt(row.qty)
			if flt(d.accepted_qty) > O.EPS:
				moves.append(
					(
						m.item_code,
						per_unit * flt(d.accepted_qty),
						order.supplier_warehouse,
						m.source_warehouse,
					)
				)
			if flt(d.rejected_qty) > O.EPS:
				moves.append(
					(m.item_code, per_unit * flt(d.rejected_qty), order.supplier_warehouse, rejected_wh)
				)
	if moves:
		receipt.db_set("return_stock_entry", _transfer(moves, order, at), update_modified=False)
	for d in receipt.items:
		if flt(d.accepted_qty) > O.EPS:
			_log_job_card(d, lines[d.order_item], at)


def _log_job_card(d, row, at: datetime):
	card = frappe.get_doc("Job Card", row.job_card)
	start = max(
		[get_datetime(row.sent_at or at), *(get_datetime(t.to_time) for t in card.time_logs if t.to_time)]
	)
	if start >= at:
		start = at - timedelta(minutes=1)
	card.workstation = outsourcing_workstation()
	card.append("time_logs", {"from_time": start, "to_time": at, "completed_qty": flt(d.accepted_qty)})
	card.save()
	d.db_set("job_card_time_log", card.time_logs[-1].name, update_modified=False)
	if flt(card.total_completed_qty) >= flt(card.for_quantity) - O.EPS:
		card.submit()
		d.db_set("job_card_submitted", 1, update_modified=False)


def _undo_job_card(receipt, d):
	card = frappe.get_doc("Job Card", d.job_card)
	if d.job_card_submitted and card.docstatus == 1:
		card.ignore_linked_doctypes = OWN_LINKS
		card.cancel()
		amended = frappe.copy_doc(card)
		amended.docstatus = 0
		amended.amended_from = card.name
		amended.set("time_logs", [t for t in amended.time_logs if not _is_receipt_log(t, receipt, d)])
		amended.insert()
		frappe.db.set_value(ITEM_TABLE, d.order_item, "job_card", amended.name, update_modified=False)
		d.db_set("job_card", amended.name, update_modified=False)
	elif card.docstatus == 0:
		card.set("time_logs", [t for t in card.time_logs if not _is_receipt_log(t, receipt, d)])
		card.save()


def _is_receipt_log(log, receipt, d) -> bool:
	"""The time log this receipt line wrote (an amended card copies it under a new name)."""
	if log.name == d.job_card_time_log:
		return True
	at = get_datetime(f"{receipt.posting_date} {receipt.posting_time or '00:00:00'}")
	return get_datetime(log.to_time) == at and flt(log.completed_qty) == flt(d.accepted_qty)


def _transfer(moves, order, at: datetime) -> str:
	se = frappe.new_doc("Stock Entry")
	se.update(
		{
			"stock_entry_type": "Material Transfer",
			"purpose": "Material Transfer",
			"company": order.company,
			"outsourcing_order": order.name,
		}
	)
	for item_code, qty, source, target in moves:
		se.append("items", _transfer_row(item_code, qty, source, target))
	_post_at(se, at)
	se.submit()
	return se.name


def _transfer_row(item_code: str, qty: float, source: str | None, target: str | None) -> dict:
	uom = frappe.get_cached_value("Item", item_code, "stock_uom")
	return {
		"item_code": item_code,
		"qty": qty,
		"transfer_qty": qty,
		"uom": uom,
		"stock_uom": uom,
		"conversion_factor": 1,
		"s_warehouse": source,
		"t_warehouse": target,
	}


def _post_at(doc, at: datetime):
	if getdate(at) != getdate() or abs((now_datetime() - at).total_seconds()) > 60:
		doc.set_posting_time = 1
		doc.posting_date = getdate(at)
		doc.posting_time = at.strftime("%H:%M:%S")


# =============================================================================== the order's state


def refresh_order(order, lines: list | None = None) -> str:
	"""Totals, pending and status from the lines (written straight: they change after submit).
	`order` is the Outsourcing Order or its name; `lines` its lines as just written, if at hand."""
	doc = (
		order
		if not isinstance(order, str)
		else frappe.db.get_value(ORDER, order, ["name", "docstatus", "status", "due_date"], as_dict=True)
	)
	name = doc.name
	lines = [line_of(d) for d in (lines if lines is not None else doc.items)]
	t = O.totals(lines)
	status = O.order_status(lines, doc.docstatus, closed=doc.status == O.CLOSED)
	last = frappe.db.get_value(RECEIPT, {"outsourcing_order": name, "docstatus": 1}, "max(posting_date)")
	values = {
		"sent_qty": t.get("sent", 0),
		"accepted_qty": t.get("accepted", 0),
		"rejected_qty": t.get("rejected", 0),
		"pending_qty": t.get("pending", 0),
		"status": status,
		"last_return_on": last,
		"is_late": int(
			O.is_late(getdate(doc.due_date), getdate(), t.get("pending", 0))
			and status not in (O.CLOSED, O.CANCELLED)
		),
	}
	frappe.db.set_value(ORDER, name, values, update_modified=False)
	return status


def close(doc) -> None:
	"""Nothing more is expected: job cards of what came back are completed (the rest a process
	loss), the subcontracting and purchase orders closed."""
	if doc.docstatus != 1 or doc.status in (O.CLOSED, O.CANCELLED):
		frappe.throw(_("{0} cannot be closed now").format(doc.name), exc=OutsourcingError)
	if doc.outsourcing_type == O.OPERATION:
		for d in doc.items:
			card = frappe.get_doc("Job Card", d.job_card)
			if card.docstatus == 0 and flt(card.total_completed_qty) > O.EPS:
				card.save()  # sets the process loss of what did not come back
				card.submit()
	else:
		from erpnext.buying.doctype.purchase_order.purchase_order import update_status as update_po_status
		from erpnext.subcontracting.doctype.subcontracting_order.subcontracting_order import (
			update_subcontracting_order_status,
		)

		if doc.subcontracting_order:
			update_subcontracting_order_status(doc.subcontracting_order, "Closed")
		if doc.purchase_order:
			update_po_status("Closed", doc.purchase_order)
	frappe.db.set_value(ORDER, doc.name, "status", O.CLOSED, update_modified=False)


# =============================================================================== late returns


def remind_late_returns(today=None, commit: bool = True) -> list[str]:
	"""Daily: each order past its return date with something still out — an event on the orders'
	timelines and an e-mail to the supplier's contact, once a day (the order remembers the day)."""
	today = getdate(today or nowdate())
	rows = frappe.get_all(
		ORDER,
		filters={
			"docstatus": 1,
			"status": ("in", (O.SENT, O.PARTLY_RETURNED, O.TO_SEND)),
			"due_date": ("<", today),
		},
		fields=["name", "supplier", "supplier_name", "due_date", "pending_qty", "reminded_on"],
		limit=10000,
	)
	reminded = []
	for r in rows:
		if not O.should_remind(
			getdate(r.due_date), today, flt(r.pending_qty), getdate(r.reminded_on) if r.reminded_on else None
		):
			continue
		# claim the day under the row's lock: a concurrent run waits here, then finds it taken
		last = frappe.db.get_value(ORDER, r.name, "reminded_on", for_update=True)
		if last and getdate(last) == today:
			continue
		frappe.db.set_value(ORDER, r.name, "reminded_on", today, update_modified=False)
		doc = frappe.get_doc(ORDER, r.name)
		days = O.days_late(getdate(r.due_date), today)
		record_events(
			[
				EventSpec(
					so,
					ST.IN_PRODUCTION,
					"Outsourcing Return Late",
					ORDER,
					r.name,
					qty=qty,
					planned_at=r.due_date,
					source="Job",
					remarks=_("{0} days late at {1}").format(days, r.supplier_name),
				)
				for so, qty in _qty_by_order(doc.items, "pending_qty").items()
			]
		)
		_email_supplier(doc, days)
		frappe.db.set_value(ORDER, r.name, "is_late", 1, update_modified=False)
		reminded.append(r.name)
		if commit:
			# a scheduled job: each reminder stands on its own
			frappe.db.commit()  # nosemgrep
	return reminded


def remind_late_returns_job():
	"""The daily job, unless Settings turn supplier reminders off."""
	if frappe.utils.cint(get_settings().get("remind_late_returns")):
		remind_late_returns()


def _email_supplier(doc, days: int):
	from frappe.contacts.doctype.contact.contact import get_default_contact

	contact = get_default_contact("Supplier", doc.supplier)
	email = frappe.db.get_value("Contact", contact, "email_id") if contact else None
	email = email or frappe.db.get_value("Supplier", doc.supplier, "email_id")
	if not email:
		return
	try:
		_send_reminder(doc, days, email)
	except frappe.OutgoingEmailError:
		# no outgoing e-mail account: the timeline has the late event; say why no mail went
		doc.add_comment(
			"Info", _("No outgoing e-mail account is set up: {0} was not reminded by e-mail").format(email)
		)


def _send_reminder(doc, days: int, email: str):
	lines = "".join(
		f"<li>{frappe.utils.escape_html(d.item_code)}{' — ' + frappe.utils.escape_html(d.operation) if d.operation else ''}: {flt(d.pending_qty)}</li>"
		for d in doc.items
		if flt(d.pending_qty) > O.EPS
	)
	frappe.sendmail(
		recipients=[email],
		subject=_("Reminder: {0} was due back on {1}").format(
			doc.name, frappe.format(doc.due_date, {"fieldtype": "Date"})
		),
		message=_(
			"Our outsourcing order {0} was due back on {1} and is {2} days late. Still expected:"
		).format(doc.name, frappe.format(doc.due_date, {"fieldtype": "Date"}), days)
		+ f"<ul>{lines}</ul>",
		reference_doctype=ORDER,
		reference_name=doc.name,
		now=False,
	)


# =============================================================================== helpers


def _qty_by_order(rows, field: str) -> dict[str, float]:
	result: dict[str, float] = defaultdict(float)
	for d in rows:
		if d.get("sales_order") and flt(d.get(field)):
			result[d.sales_order] += flt(d.get(field))
	return dict(result)


def service_item_for_operation(operation: str | None) -> str | None:
	own = frappe.db.get_value("Operation", operation, "outsourcing_service_item") if operation else None
	return own or get_settings().get("outsourcing_service_item")


def service_item_for(item_code: str) -> str | None:
	own = frappe.db.get_value(
		"Subcontracting BOM", {"finished_good": item_code, "is_active": 1}, "service_item"
	)
	return own or get_settings().get("outsourcing_service_item")


def last_rate(supplier: str, service_item: str) -> float:
	"""The rate last agreed with this supplier for this service (a purchase order), else its price."""
	po = frappe.qb.DocType("Purchase Order")
	poi = frappe.qb.DocType("Purchase Order Item")
	rows = (
		frappe.qb.from_(poi)
		.join(po)
		.on(po.name == poi.parent)
		.select(poi.rate)
		.where((po.supplier == supplier) & (poi.item_code == service_item) & (po.docstatus == 1))
		.orderby(po.transaction_date, order=frappe.qb.desc)
		.limit(1)
		.run()
	)
	if rows:
		return flt(rows[0][0])
	# the supplier's own price first, else a buying price for any supplier (supplier empty: NULL,
	# which an `in` filter never matches)
	ip = frappe.qb.DocType("Item Price")
	prices = (
		frappe.qb.from_(ip)
		.select(ip.price_list_rate)
		.where(
			(ip.item_code == service_item)
			& (ip.buying == 1)
			& ((ip.supplier == supplier) | ip.supplier.isnull() | (ip.supplier == ""))
		)
		.orderby(Coalesce(ip.supplier, ""), order=frappe.qb.desc)
		.limit(1)
		.run()
	)
	return flt(prices[0][0]) if prices else 0.0


def outsourcing_workstation() -> str:
	"""Where outsourced operations are logged: a workstation of its own, so that their days at the
	supplier's never crowd the shop's own workstations."""
	name = get_settings().get("outsourcing_workstation") or "Outsourced"
	if not frappe.db.exists("Workstation", name):
		frappe.get_doc(
			{"doctype": "Workstation", "workstation_name": name, "production_capacity": 1000}
		).insert(ignore_permissions=True)
	return name


def _wip_of(work_order: str) -> str | None:
	return frappe.db.get_value("Work Order", work_order, "wip_warehouse")


def _default_warehouse(item_code: str, company: str) -> str | None:
	return frappe.db.get_value(
		"Item Default", {"parent": item_code, "company": company}, "default_warehouse"
	) or frappe.db.get_single_value("Stock Settings", "default_warehouse")


def open_outsourcing_of_work_orders(work_orders: list[str]) -> dict[str, str]:
	"""Work orders with an operation on a submitted Outsourcing Order not yet closed or cancelled
	(to send, at the supplier's, or back and waiting for Close), with that order."""
	if not work_orders:
		return {}
	item = frappe.qb.DocType(ITEM_TABLE)
	order = frappe.qb.DocType(ORDER)
	rows = (
		frappe.qb.from_(item)
		.join(order)
		.on(order.name == item.parent)
		.select(item.work_order, order.name)
		.where(item.work_order.isin(list(work_orders)) & (item.parenttype == ORDER))
		.where((order.docstatus == 1) & order.status.notin((O.CLOSED, O.CANCELLED)))
		.orderby(order.name)
		.run()
	)
	result: dict[str, str] = {}
	for work_order, name in rows:
		result.setdefault(work_order, name)
	return result


def check_work_order_not_outsourced(work_order: str) -> None:
	"""A work order whose operation is out with a supplier (or about to go, or back and not yet
	closed) is not cancelled: ERPNext would delete the job card the outsourcing order works on."""
	name = open_outsourcing_of_work_orders([work_order]).get(work_order)
	if name:
		frappe.throw(
			_(
				"Work Order {0} cannot be cancelled: its operation is on Outsourcing Order {1}. Receive and close {1}, or cancel it, first"
			).format(work_order, name),
			exc=frappe.LinkExistsError,
			title=_("Outsourced Operation"),
		)


def plan_candidates_left(plan: str) -> int:
	p = frappe.get_doc("Order Plan", plan)
	taken = set(
		frappe.get_all(
			ITEM_TABLE,
			filters={"plan_item": ("in", [i.name for i in p.items] or [""]), "docstatus": ("<", 2)},
			pluck="plan_item",
		)
	)
	return sum(1 for i in p.items if i.allocation == "Outsource Candidate" and i.name not in taken)


def late_outsourcing_facts(sales_orders: list[str], today=None) -> dict[str, list[dict]]:
	"""Open outsourcing past its return date, per order (for exception scans and the tracker)."""
	if not sales_orders:
		return {}
	today = getdate(today or nowdate())
	item = frappe.qb.DocType(ITEM_TABLE)
	order = frappe.qb.DocType(ORDER)
	rows = (
		frappe.qb.from_(item)
		.join(order)
		.on(order.name == item.parent)
		.select(
			item.sales_order,
			order.name,
			order.supplier,
			order.supplier_name,
			order.due_date,
			item.pending_qty,
		)
		.where(
			item.sales_order.isin(sales_orders)
			& (order.docstatus == 1)
			& order.status.isin((O.TO_SEND, O.SENT, O.PARTLY_RETURNED))
		)
		.where((order.due_date < today) & (item.pending_qty > 0))
		.run(as_dict=True)
	)
	result: dict[str, list[dict]] = defaultdict(list)
	for r in rows:
		result[r.sales_order].append(r)
	return dict(result)


@exception_detector(D.LATE_OUTSOURCING_RETURN)
def detect_late_outsourcing_returns(sales_orders: list[str], facts: ScanFacts) -> list[D.ExceptionSpec]:
	"""Orders awaiting outsourced work past its return date (`late_outsourcing_facts`): a *Late
	Outsourcing Return* exception pointing at the outsourcing order longest late, open until
	everything is back or the order is closed. One query."""
	candidates = [so for so in sales_orders if facts.trackers[so].stage not in ST.TERMINAL_STAGES]
	specs = []
	for so, rows in sorted(late_outsourcing_facts(candidates, facts.today).items()):
		names = {r.name: r.supplier_name or r.supplier for r in rows}
		late = O.late_returns(
			(O.OpenReturn(r.name, r.supplier, getdate(r.due_date), flt(r.pending_qty)) for r in rows),
			facts.today,
		)
		if not late:
			continue
		lines = [
			_("{0} at {1}: {2} still out, due back on {3} ({4} days late)").format(
				r.outsourcing_order,
				names[r.outsourcing_order],
				format_qty(r.pending),
				frappe.format(r.due, {"fieldtype": "Date"}),
				days,
			)
			for r, days in late
		]
		specs.append(
			D.ExceptionSpec(
				D.LATE_OUTSOURCING_RETURN,
				so,
				"\n".join(lines),
				reference_doctype=ORDER,
				reference_name=late[0][0].outsourcing_order,
			)
		)
	return specs

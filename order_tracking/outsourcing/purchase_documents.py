"""The ERPNext documents an Outsourcing Order buys through: on submit the Purchase Order of the
service (subcontracted, with its Subcontracting Order, for goods), cancelled with the order."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt

from order_tracking.core import outsourcing
from order_tracking.outsourcing.order_state import ITEM_TABLE, OWN_LINKS, OutsourcingError, set_line_values


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
	goods = doc.outsourcing_type != outsourcing.OPERATION
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
			d.purchase_order_item = row.name
	set_line_values(ITEM_TABLE, {d.name: {"purchase_order_item": d.purchase_order_item} for d in doc.items})
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
					line.subcontracting_order_item = item.name
		set_line_values(
			ITEM_TABLE,
			{d.name: {"subcontracting_order_item": d.subcontracting_order_item} for d in doc.items},
		)
		doc.db_set("subcontracting_order", sco.name, update_modified=False)
		if len(sources) > 1:
			_reserve_where_the_materials_are(doc, sco)


def material_sources(doc) -> dict[tuple[str, str], str]:
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

	source = material_sources(doc)
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
	if flt(doc.sent_qty) > outsourcing.EPS:
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

"""Order review: a Sales Order's BOM tree, read level by level from ERPNext (every BOM of a level
in one query), with the items' stock flags and the BOMs' operations (`bom_tree`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import frappe
from frappe.utils import cint, flt

from order_tracking.core import review as review_rules

# ------------------------------------------------------------------------------ BOM tree


@dataclass
class BomTree:
	boms: dict[str, review_rules.Bom]
	default_bom: dict[str, str]
	stock_items: frozenset[str]
	items: set[str]
	operations: dict[str, tuple[review_rules.Operation, ...]]
	workstations: set[str]
	workstation_types: set[str]


def bom_tree(line_boms: dict[str, str | None]) -> BomTree:
	"""Every BOM under the lines' items, level by level (one round of queries per level)."""
	items: set[str] = set(line_boms)
	if not items:
		return BomTree({}, {}, frozenset(), set(), {}, set(), set())
	info = _item_info(items)
	default_bom = {code: (line_boms.get(code) or info[code].default_bom) for code in items if code in info}
	default_bom = {code: name for code, name in default_bom.items() if name}

	boms: dict[str, review_rules.Bom] = {}
	with_operations: list[str] = []
	wanted = set(default_bom.values())
	while wanted:
		rows = _bom_level(wanted, boms, with_operations)
		new_items = {r.item_code for r in rows} - items
		if new_items:
			items |= new_items
			info.update(_item_info(new_items))
		wanted = {r.bom_no for r in rows if r.bom_no and not r.do_not_explode} - set(boms)

	operations: dict[str, tuple[review_rules.Operation, ...]] = {}
	workstations: set[str] = set()
	types: set[str] = set()
	if with_operations:
		operations, workstations, types = _bom_operations(with_operations, boms)

	stock_items = frozenset(code for code, r in info.items() if r.is_stock_item)
	return BomTree(boms, default_bom, stock_items, items, operations, workstations, types)


def _item_info(codes: set[str]) -> dict[str, frappe._dict]:
	item = frappe.qb.DocType("Item")
	return {
		r.name: r
		for r in frappe.qb.from_(item)
		.select(item.name, item.is_stock_item, item.default_bom)
		.where(item.name.isin(list(codes)))
		.run(as_dict=True)
	}


def _bom_level(
	wanted: set[str], boms: dict[str, review_rules.Bom], with_operations: list[str]
) -> list[frappe._dict]:
	"""Read one level of BOMs into `boms` (and those with operations into `with_operations`);
	returns their lines' rows."""
	bom = frappe.qb.DocType("BOM")
	bom_item = frappe.qb.DocType("BOM Item")
	headers = (
		frappe.qb.from_(bom)
		.select(bom.name, bom.item, bom.quantity, bom.process_loss_percentage, bom.with_operations)
		.where(bom.name.isin(list(wanted)) & (bom.docstatus == 1) & (bom.is_active == 1))
		.run(as_dict=True)
	)
	rows = (
		frappe.qb.from_(bom_item)
		.select(
			bom_item.parent,
			bom_item.item_code,
			bom_item.stock_qty,
			bom_item.bom_no,
			bom_item.do_not_explode,
			bom_item.sourced_by_supplier,
		)
		.where(bom_item.parent.isin([h.name for h in headers] or [""]) & (bom_item.parenttype == "BOM"))
		.orderby(bom_item.idx)
		.run(as_dict=True)
	)
	by_parent = defaultdict(list)
	for r in rows:
		by_parent[r.parent].append(
			review_rules.BomLine(
				r.item_code,
				flt(r.stock_qty),
				bom=r.bom_no or None,
				do_not_explode=bool(r.do_not_explode),
				sourced_by_supplier=bool(r.sourced_by_supplier),
			)
		)
	for h in headers:
		boms[h.name] = review_rules.Bom(
			h.name,
			h.item,
			flt(h.quantity) or 1.0,
			flt(h.process_loss_percentage),
			tuple(by_parent[h.name]),
		)
		if h.with_operations:
			with_operations.append(h.name)
	return rows


def _bom_operations(
	with_operations: list[str], boms: dict[str, review_rules.Bom]
) -> tuple[dict[str, tuple[review_rules.Operation, ...]], set[str], set[str]]:
	"""The BOMs' operations (minutes per unit unless fixed), and the workstations and workstation
	types they run on."""
	bom_op = frappe.qb.DocType("BOM Operation")
	workstations: set[str] = set()
	types: set[str] = set()
	ops = (
		frappe.qb.from_(bom_op)
		.select(
			bom_op.parent,
			bom_op.operation,
			bom_op.workstation,
			bom_op.workstation_type,
			bom_op.time_in_mins,
			bom_op.fixed_time,
			bom_op.sequence_id,
		)
		.where(bom_op.parent.isin(with_operations) & (bom_op.parenttype == "BOM"))
		.orderby(bom_op.idx)
		.run(as_dict=True)
	)
	grouped = defaultdict(list)
	for op in ops:
		quantity = boms[op.parent].quantity
		minutes = flt(op.time_in_mins) if op.fixed_time else flt(op.time_in_mins) / quantity
		grouped[op.parent].append(
			review_rules.Operation(
				op.operation,
				op.workstation or None,
				op.workstation_type or None,
				minutes,
				bool(op.fixed_time),
				cint(op.sequence_id),
			)
		)
		if op.workstation:
			workstations.add(op.workstation)
		elif op.workstation_type:
			types.add(op.workstation_type)
	return {name: tuple(ops) for name, ops in grouped.items()}, workstations, types

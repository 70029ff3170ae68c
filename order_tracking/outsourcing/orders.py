"""Making Outsourcing Orders (the seeds' 产能外包, 半成品外包, 工序外包), and what a new order proposes.

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

Here: an order made for job cards, a Sales Order line or a plan's outsourcing candidates; what
goes out for a line; the service item, rate, warehouses and workstation an order is given.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce
from frappe.utils import flt

from order_tracking.core import outsourcing
from order_tracking.order_tracking.settings import get_settings
from order_tracking.outsourcing.order_state import ITEM_TABLE, ORDER, OutsourcingError


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
			"outsourcing_type": outsourcing.OPERATION,
			"company": companies.pop(),
			"supplier": supplier,
			"due_date": due_date,
			"supplier_warehouse": supplier_warehouse or default_supplier_warehouse(supplier),
		}
	)
	work_orders = work_order_facts([c.work_order for c in cards])
	for c in sorted(cards, key=lambda c: job_cards.index(c.name)):
		wo = work_orders[c.work_order]
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
	# what validate reads of the work orders, read once here
	doc.flags.work_order_facts = work_orders
	doc.insert()
	return doc


def work_order_facts(work_orders) -> dict[str, frappe._dict]:
	"""What an operation order needs of its work orders, in two queries whatever their number:
	production item, sales order, quantity, WIP warehouse, transfer state, and `required_items`
	(item_code, required_qty, source_warehouse in the work order's order)."""
	names = sorted({w for w in work_orders if w})
	if not names:
		return {}
	facts = {
		r.name: r
		for r in frappe.get_all(
			"Work Order",
			filters={"name": ("in", names)},
			fields=[
				"name",
				"production_item",
				"sales_order",
				"made_for_sales_order",
				"qty",
				"wip_warehouse",
				"material_transferred_for_manufacturing",
				"skip_transfer",
			],
		)
	}
	for r in facts.values():
		r.required_items = []
	for row in frappe.get_all(
		"Work Order Item",
		filters={"parent": ("in", names), "parenttype": "Work Order"},
		fields=["parent", "item_code", "required_qty", "source_warehouse"],
		order_by="parent asc, idx asc",
	):
		if row.parent in facts:
			facts[row.parent].required_items.append(row)
	return facts


def make_for_order_line(
	sales_order_item: str,
	supplier: str,
	due_date: str,
	outsourcing_type: str = outsourcing.WHOLE_ORDER,
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
			"sales_order_item": sales_order_item if outsourcing_type == outsourcing.WHOLE_ORDER else None,
			"fg_warehouse": line.warehouse if outsourcing_type == outsourcing.WHOLE_ORDER else None,
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
			"outsourcing_type": outsourcing.WHOLE_ORDER,
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


def materials_of(doc, d, work_orders: dict | None = None) -> list[tuple[str, float, str | None]]:
	"""What goes out for one line: an operation's work in progress (the work order's materials for
	that many units), or the raw materials of the item's BOM. `work_orders`: `work_order_facts`
	of the order's work orders, when already read."""
	if doc.outsourcing_type == outsourcing.OPERATION:
		if not d.work_order:
			return []
		if work_orders is None:
			work_orders = work_order_facts([d.work_order])
		wo = work_orders.get(d.work_order)
		if not wo or not flt(wo.qty):
			return []
		rows = wo.required_items
		transferred = flt(wo.material_transferred_for_manufacturing) > 0 and not wo.skip_transfer
		per_unit = {r.item_code: flt(r.required_qty) / flt(wo.qty) for r in rows}
		sources = {r.item_code: (wo.wip_warehouse if transferred else r.source_warehouse) for r in rows}
		return [
			(code, qty, sources[code])
			for code, qty in outsourcing.materials_for(per_unit, flt(d.qty)).items()
		]
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
		(code, qty, default_warehouse(code, doc.company))
		for code, qty in outsourcing.materials_for(per_unit, flt(d.qty)).items()
	]


def service_item_for_operation(operation: str | None) -> str | None:
	return service_items_for_operations([operation]).get(operation)


def service_items_for_operations(operations) -> dict[str | None, str | None]:
	"""Each operation's own Outsourcing Service Item, else Settings' default (one query)."""
	names = sorted({o for o in operations if o})
	own = (
		dict(
			frappe.get_all(
				"Operation",
				filters={"name": ("in", names)},
				fields=["name", "outsourcing_service_item"],
				as_list=True,
			)
		)
		if names
		else {}
	)
	default = get_settings().get("outsourcing_service_item")
	return {o: own.get(o) or default for o in {*operations}}


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
	supplier's never crowd the shop's own workstations (looked up once per request)."""
	name = get_settings().get("outsourcing_workstation") or "Outsourced"
	known = frappe.local.cache.setdefault("order_tracking_outsourcing_workstations", set())
	if name in known:
		return name
	if frappe.db.exists("Workstation", name):
		known.add(name)  # one made here is not remembered: a rollback would take it back
	else:
		# the system's own workstation for outsourced work, whoever sends the first order
		frappe.get_doc(
			{"doctype": "Workstation", "workstation_name": name, "production_capacity": 1000}
		).insert(ignore_permissions=True)
	return name


def wip_of(work_order: str) -> str | None:
	return frappe.db.get_value("Work Order", work_order, "wip_warehouse")


def default_warehouse(item_code: str, company: str) -> str | None:
	return frappe.db.get_value(
		"Item Default", {"parent": item_code, "company": company}, "default_warehouse"
	) or frappe.db.get_single_value("Stock Settings", "default_warehouse")

"""Dispatch (DL-1): orders Ready to Ship become a Pick List (optional), a Delivery Note each, its
Packing Slip and a Shipment naming the carrier and the waybill — all through ERPNext's own
mappers, all or nothing; and the carrier's dispatch list of a pickup day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate

from order_tracking.core import delivery, stages
from order_tracking.delivery.carrier_events import orders_of_shipments
from order_tracking.delivery.carriers import DispatchError, get_carrier, validate_waybill
from order_tracking.order_tracking.settings import get_settings
from order_tracking.order_tracking.tracking import one_refresh


@dataclass
class DispatchLine:
	row: int
	sales_order: str
	waybill: str
	weight: float = 0.0


def parse_dispatch_lines(orders) -> list[DispatchLine]:
	if isinstance(orders, str):
		try:
			orders = frappe.parse_json(orders)
		except ValueError:
			orders = None
	if not isinstance(orders, list) or not orders:
		frappe.throw(
			_("'orders' must be a list of {0}").format('{"sales_order", "waybill", "weight"?}'),
			exc=DispatchError,
			title=_("Nothing to Dispatch"),
		)
	lines = []
	for idx, row in enumerate(orders, start=1):
		if not isinstance(row, dict):
			frappe.throw(_("Row {0}: must be an object").format(idx), exc=DispatchError)
		sales_order = (row.get("sales_order") or "").strip()
		waybill = (row.get("waybill") or "").strip()
		if not sales_order:
			frappe.throw(_("Row {0}: Sales Order is required").format(idx), exc=DispatchError)
		if not waybill:
			frappe.throw(
				_("Row {0}: Waybill is required for Sales Order {1}").format(idx, sales_order),
				exc=DispatchError,
			)
		try:
			weight = flt(row.get("weight") or 0)
		except (TypeError, ValueError):
			weight = -1
		if weight < 0:
			frappe.throw(_("Row {0}: Weight must be a positive number").format(idx), exc=DispatchError)
		lines.append(DispatchLine(idx, sales_order, waybill, weight))
	return lines


def dispatch_orders(
	orders,
	carrier: str,
	pickup_date: str | date | None = None,
	parcel_template: str | None = None,
	use_pick_list: bool | None = None,
) -> dict:
	"""Ship orders Ready to Ship with a carrier, all or nothing: a Pick List for all of them
	(when set), then per order a Delivery Note, its Packing Slip and a Shipment with the waybill.

	`orders`: `[{"sales_order", "waybill", "weight"?}]` (weight in the parcel's unit, else the
	Packing Slip's gross weight, else the parcel template's)."""
	settings = get_settings()
	lines = parse_dispatch_lines(orders)
	carrier_doc = get_carrier(carrier)
	if not carrier_doc:
		frappe.throw(
			_("Carrier {0} is not an enabled Logistics Carrier").format(frappe.bold(carrier)),
			exc=DispatchError,
			title=_("Unknown Carrier"),
		)
	template = parcel_template or settings.get("default_parcel_template")
	parcel = (
		frappe.db.get_value(
			"Shipment Parcel Template", template, ["length", "width", "height", "weight"], as_dict=True
		)
		if template
		else None
	)
	if template and not parcel:
		frappe.throw(_("Parcel Template {0} not found").format(template), exc=DispatchError)
	if use_pick_list is None:
		use_pick_list = bool(cint(settings.get("dispatch_with_pick_list")))
	_validate_dispatch(lines, carrier_doc, parcel)

	frappe.db.savepoint("dispatch_orders")
	try:
		# each order's Delivery Note and Shipment refresh its tracker once, at the end
		with one_refresh():
			pick_list = _make_pick_list([line.sales_order for line in lines]) if use_pick_list else None
			shipped = [
				_dispatch_order(line, carrier_doc, pick_list, parcel, getdate(pickup_date), settings)
				for line in lines
			]
	except Exception:
		# nothing half-written, also when the caller owns the transaction
		frappe.db.rollback(save_point="dispatch_orders")
		raise
	return {
		"carrier": carrier_doc.name,
		"pick_list": pick_list.name if pick_list else None,
		"orders": shipped,
	}


def _validate_dispatch(lines: list[DispatchLine], carrier, parcel):
	seen: dict[str, int] = {}
	orders_seen: dict[str, int] = {}
	for line in lines:
		if line.waybill in seen:
			frappe.throw(
				_("Row {0}: Waybill {1} is also given in row {2}").format(
					line.row, line.waybill, seen[line.waybill]
				),
				exc=DispatchError,
			)
		if line.sales_order in orders_seen:
			frappe.throw(
				_("Row {0}: Sales Order {1} is also given in row {2}").format(
					line.row, line.sales_order, orders_seen[line.sales_order]
				),
				exc=DispatchError,
			)
		seen[line.waybill] = line.row
		orders_seen[line.sales_order] = line.row
		validate_waybill(carrier, line.waybill, _("Row {0}: Waybill").format(line.row))
		if not parcel and not line.weight:
			frappe.throw(
				_(
					"Row {0}: give the parcel's Weight, or a Parcel Template (a default one can be set in Order Tracking Settings)"
				).format(line.row),
				exc=DispatchError,
				title=_("Parcel Missing"),
			)
	used = frappe.get_all(
		"Shipment",
		filters={"carrier": carrier.name, "awb_number": ("in", list(seen)), "docstatus": ("<", 2)},
		fields=["name", "awb_number"],
		limit=1,
	)
	if used:
		frappe.throw(
			_("Row {0}: Waybill {1} is already on Shipment {2}").format(
				seen[used[0].awb_number], used[0].awb_number, used[0].name
			),
			exc=DispatchError,
		)
	trackers = {
		t.name: t
		for t in frappe.get_all(
			"Order Tracker",
			filters={"name": ("in", list(orders_seen))},
			# a rejected final inspection holds the order (order_tracking.quality.hold)
			fields=["name", "stage", "quality_hold", "quality_hold_reason"],
		)
	}
	order_stages = {name: t.stage for name, t in trackers.items()}
	for line in lines:
		if not frappe.db.exists("Sales Order", line.sales_order) or not frappe.has_permission(
			"Sales Order", "read", line.sales_order
		):
			frappe.throw(
				_("Row {0}: no Sales Order {1} that you may see").format(line.row, line.sales_order),
				exc=frappe.PermissionError,
			)
		stage = order_stages.get(line.sales_order)
		if stage != stages.READY_TO_SHIP:
			frappe.throw(
				_(
					"Row {0}: Sales Order {1} is at stage {2}: only orders Ready to Ship are dispatched"
				).format(line.row, line.sales_order, _(stage or stages.RECEIVED, context="Order Tracker")),
				exc=DispatchError,
				title=_("Not Ready to Ship"),
			)
		if trackers[line.sales_order].quality_hold:
			frappe.throw(
				_("Row {0}: Sales Order {1} is on quality hold: {2}").format(
					line.row,
					line.sales_order,
					trackers[line.sales_order].quality_hold_reason or _("a final inspection was rejected"),
				),
				exc=DispatchError,
				title=_("Quality Hold"),
			)


def _make_pick_list(sales_orders: list[str]):
	"""One Pick List for all the orders, through ERPNext's Sales Order → Pick List mapper."""
	from erpnext.selling.doctype.sales_order.sales_order import create_pick_list

	pick_list = None
	for so in sales_orders:
		pick_list = create_pick_list(so, target_doc=pick_list)
	pick_list.insert()
	pick_list.submit()
	return pick_list


def _dispatch_order(line: DispatchLine, carrier, pick_list, parcel, pickup_date: date, settings) -> dict:
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
	from erpnext.stock.doctype.delivery_note.delivery_note import make_packing_slip, make_shipment

	if pick_list:
		from erpnext.stock.doctype.pick_list.pick_list import create_dn_for_pick_lists

		dn = create_dn_for_pick_lists(pick_list.name, kwargs={"sales_order": line.sales_order})
	else:
		dn = make_delivery_note(line.sales_order)
	if not dn or not dn.get("items"):
		frappe.throw(
			_("Row {0}: Sales Order {1} has nothing left to deliver").format(line.row, line.sales_order),
			exc=DispatchError,
		)
	dn.insert()

	packing_slip = make_packing_slip(dn.name)
	packing_slip.insert()
	packing_slip.submit()
	dn.reload()
	dn.submit()

	shipment = make_shipment(dn.name)
	_fill_shipment(shipment, dn, line, carrier, parcel, packing_slip, pickup_date, settings)
	shipment.insert()
	shipment.submit()
	return {
		"sales_order": line.sales_order,
		"delivery_note": dn.name,
		"packing_slip": packing_slip.name,
		"shipment": shipment.name,
		"waybill": shipment.awb_number,
		"tracking_url": shipment.tracking_url,
	}


def _fill_shipment(shipment, dn, line, carrier, parcel, packing_slip, pickup_date, settings):
	from erpnext.accounts.party import get_party_shipping_address
	from erpnext.setup.doctype.company.company import get_default_company_address

	shipment.pickup_from_type = "Company"
	shipment.pickup_company = dn.company
	if not shipment.pickup_address_name:
		shipment.pickup_address_name = get_default_company_address(dn.company)
	if not shipment.pickup_address_name:
		frappe.throw(
			_("Company {0} has no address: add one, it is where the carrier picks the goods up").format(
				dn.company
			),
			exc=DispatchError,
			title=_("Pickup Address Missing"),
		)
	shipment.delivery_to_type = "Customer"
	shipment.delivery_customer = dn.customer
	if not shipment.delivery_address_name:
		shipment.delivery_address_name = get_party_shipping_address("Customer", dn.customer) or None
	if not shipment.delivery_address_name:
		frappe.throw(
			_("Row {0}: Customer {1} has no address: add a shipping address for Sales Order {2}").format(
				line.row, dn.customer, line.sales_order
			),
			exc=DispatchError,
			title=_("Delivery Address Missing"),
		)
	shipment.pickup_type = "Pickup"
	shipment.pickup_date = pickup_date
	shipment.pickup_from = settings.get("pickup_from") or "09:00:00"
	shipment.pickup_to = settings.get("pickup_to") or "17:00:00"
	shipment.description_of_content = ", ".join(
		f"{d.item_name or d.item_code} × {flt(d.qty):g}" for d in dn.items
	)[:500]
	weight = line.weight or flt(packing_slip.gross_weight_pkg) or flt(parcel.weight if parcel else 0)
	shipment.set(
		"shipment_parcel",
		[
			{
				"length": cint(parcel.length) if parcel else 1,
				"width": cint(parcel.width) if parcel else 1,
				"height": cint(parcel.height) if parcel else 1,
				"weight": weight,
				"count": 1,
			}
		],
	)
	shipment.carrier = carrier.name
	shipment.awb_number = line.waybill
	shipment.tracking_url = delivery.tracking_url(carrier.tracking_url_template, line.waybill)


def dispatch_list(carrier: str, pickup_date: date, company: str | None = None) -> list[dict]:
	"""The submitted Shipments a carrier picks up on a day, with their orders and parcels (the
	Dispatch List report and print)."""
	filters = {"carrier": carrier, "pickup_date": pickup_date, "docstatus": 1}
	if company:
		filters["pickup_company"] = company
	shipments = frappe.get_all(
		"Shipment",
		filters=filters,
		fields=[
			"name",
			"awb_number",
			"delivery_customer",
			"delivery_to",
			"delivery_address",
			"delivery_contact",
			"value_of_goods",
			"total_weight",
			"pickup_from",
			"pickup_to",
			"tracking_status",
			"carrier_status",
			"description_of_content",
		],
		order_by="awb_number asc",
		limit=5000,
	)
	names = [s.name for s in shipments]
	if not names:
		return []
	notes: dict[str, list[str]] = defaultdict(list)
	for r in frappe.get_all(
		"Shipment Delivery Note",
		filters={"parent": ("in", names), "parenttype": "Shipment"},
		fields=["parent", "delivery_note"],
		order_by="idx asc",
	):
		notes[r.parent].append(r.delivery_note)
	orders = orders_of_shipments(names)
	parcels = dict(
		frappe.get_all(
			"Shipment Parcel",
			filters={"parent": ("in", names), "parenttype": "Shipment"},
			fields=["parent", "sum(count) as parcels"],
			group_by="parent",
			as_list=True,
		)
	)
	for s in shipments:
		s.delivery_notes = ", ".join(notes.get(s.name, []))
		s.sales_orders = ", ".join(sorted(orders.get(s.name, {})))
		s.parcels = cint(parcels.get(s.name))
	return shipments

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

"""Dispatch List: what a carrier picks up on a day — one row per Shipment with its waybill,
orders, customer, address and parcels — to print and hand to the driver (the report's print
format is dispatch_list.html)."""

from typing import TypedDict

from frappe import _
from frappe.utils import getdate

from order_tracking.delivery.dispatch import dispatch_list


class DispatchListFilters(TypedDict, total=False):
	carrier: str
	pickup_date: str
	company: str


def execute(filters: DispatchListFilters | None = None):
	filters = filters or {}
	columns = get_columns()
	if not filters.get("carrier"):
		return columns, [], None, None, None
	rows = dispatch_list(
		filters["carrier"], getdate(filters.get("pickup_date")), company=filters.get("company") or None
	)
	data = [
		{
			"shipment": r.name,
			"waybill": r.awb_number,
			"sales_orders": r.sales_orders,
			"delivery_notes": r.delivery_notes,
			"customer": r.delivery_customer,
			"delivery_address": (r.delivery_address or "").replace("<br>", ", "),
			"parcels": r.parcels,
			"weight": r.total_weight,
			"value": r.value_of_goods,
			"pickup_window": f"{str(r.pickup_from or '')[:5]}–{str(r.pickup_to or '')[:5]}",
			"carrier_status": r.carrier_status or r.tracking_status,
		}
		for r in rows
	]
	summary = [
		{"label": _("Shipments"), "value": len(data), "datatype": "Int"},
		{"label": _("Parcels"), "value": sum(r["parcels"] for r in data), "datatype": "Int"},
	]
	return columns, data, None, None, summary


def get_columns() -> list[dict]:
	return [
		{
			"label": _("Shipment"),
			"fieldname": "shipment",
			"fieldtype": "Link",
			"options": "Shipment",
			"width": 140,
		},
		{"label": _("Waybill"), "fieldname": "waybill", "fieldtype": "Data", "width": 140},
		{"label": _("Sales Orders"), "fieldname": "sales_orders", "fieldtype": "Data", "width": 180},
		{"label": _("Delivery Notes"), "fieldname": "delivery_notes", "fieldtype": "Data", "width": 180},
		{
			"label": _("Customer"),
			"fieldname": "customer",
			"fieldtype": "Link",
			"options": "Customer",
			"width": 160,
		},
		{"label": _("Delivery Address"), "fieldname": "delivery_address", "fieldtype": "Data", "width": 240},
		{"label": _("Parcels"), "fieldname": "parcels", "fieldtype": "Int", "width": 80},
		{"label": _("Weight"), "fieldname": "weight", "fieldtype": "Float", "width": 90},
		{"label": _("Value of Goods"), "fieldname": "value", "fieldtype": "Currency", "width": 120},
		{"label": _("Pickup Window"), "fieldname": "pickup_window", "fieldtype": "Data", "width": 110},
		{"label": _("Carrier Status"), "fieldname": "carrier_status", "fieldtype": "Data", "width": 120},
	]

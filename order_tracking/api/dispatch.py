"""Dispatch orders Ready to Ship with a carrier (DL-1).

`POST /api/method/order_tracking.api.dispatch.dispatch_orders` with
`{"carrier", "orders": [{"sales_order", "waybill", "weight"?}], "pickup_date"?, "parcel_template"?,
"use_pick_list"?}` makes, all or nothing, a Pick List for the orders (when asked, or set in
Order Tracking Settings) and per order a Delivery Note, its Packing Slip and a submitted Shipment
with the carrier and the waybill (ERPNext's own mappers). Answers
`{"carrier", "pick_list", "orders": [{"sales_order", "delivery_note", "packing_slip", "shipment",
"waybill", "tracking_url"}]}`. Anything wrong — an order not Ready to Ship, a waybill the carrier
does not use or already used, no address — is refused with a message naming the row and field,
and nothing is written.
"""

from __future__ import annotations

import frappe

from order_tracking.delivery import dispatch
from order_tracking.order_tracking.arguments import required_arguments
from order_tracking.order_tracking.settings import get_settings

DISPATCH_DOCTYPES = ("Delivery Note", "Packing Slip", "Shipment")


@frappe.whitelist(methods=["POST"])
@required_arguments
def dispatch_orders(
	orders: list | str,
	carrier: str,
	pickup_date: str | None = None,
	parcel_template: str | None = None,
	use_pick_list: bool | None = None,
) -> dict:
	for doctype in DISPATCH_DOCTYPES:
		frappe.has_permission(doctype, "create", throw=True)
	if use_pick_list or (use_pick_list is None and get_settings().get("dispatch_with_pick_list")):
		frappe.has_permission("Pick List", "create", throw=True)
	return dispatch.dispatch_orders(orders, carrier, pickup_date, parcel_template, use_pick_list)

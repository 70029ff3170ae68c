"""What an order's status (`order_tracking.order_tracking.order_status`, hooks:
`order_status_sections`) shows of its delivery: its shipments.
"""

from __future__ import annotations

import frappe


def shipments_of_order(sales_order: str) -> list[dict]:
	"""The order's submitted Shipments with carrier, waybill, tracking status and ETA."""
	sh = frappe.qb.DocType("Shipment")
	sdn = frappe.qb.DocType("Shipment Delivery Note")
	dni = frappe.qb.DocType("Delivery Note Item")
	return (
		frappe.qb.from_(sh)
		.join(sdn)
		.on(sdn.parent == sh.name)
		.join(dni)
		.on(dni.parent == sdn.delivery_note)
		.select(
			sh.name.as_("shipment"),
			sh.carrier,
			sh.awb_number.as_("waybill"),
			sh.tracking_status,
			sh.tracking_url,
			sh.carrier_status,
			sh.carrier_status_at,
			sh.carrier_location.as_("location"),
			sh.carrier_expected_arrival.as_("expected_arrival"),
			sh.carrier_delivered_at.as_("delivered_at"),
			sh.pickup_date,
			sh.status,
		)
		.distinct()
		.where(
			(dni.against_sales_order == sales_order) & (sh.docstatus == 1) & (sdn.parenttype == "Shipment")
		)
		.orderby(sh.creation)
		.limit(100)
		.run(as_dict=True)
	)


def delivery_status(sales_order: str) -> dict:
	"""What `get_order_status` adds: the order's shipments with their carrier, waybill, tracking
	and expected arrival (its open exceptions come with the timeline, `order_status.timeline`)."""
	shipments = shipments_of_order(sales_order)
	return {
		"shipments": [
			{
				"shipment": s.shipment,
				"carrier": s.carrier,
				"waybill": s.waybill,
				"tracking_status": s.tracking_status,
				"tracking_url": s.tracking_url,
				"carrier_status": s.carrier_status,
				"carrier_status_at": s.carrier_status_at,
				"location": s.location,
				"eta": s.expected_arrival,
				"delivered_at": s.delivered_at,
				"pickup_date": s.pickup_date,
			}
			for s in shipments
		],
	}

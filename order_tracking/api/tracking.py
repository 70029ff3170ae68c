"""REST view of where an order stands.

`GET /api/method/order_tracking.api.tracking.get_order_status?order=X` — X is a Sales Order
name, an Order Intake name, or `channel:external_ref` — answers
`{"sales_order", "customer", "stage", "progress": {...}, "promised_date", "eta", "delay_days",
"plan": {"order_plan", "planned_start", "planned_end"} | null,
"operations": [{"work_order", "operation", "workstation", "qty", "completed_qty", "completed_pct",
"planned_end", "status"}],
"events": [{"at", "stage", "event", "reference_doctype", "reference_name", "qty"}],
"exceptions": [{"kind", "status", "opened_at", "detail", ...}] (open ones),
"shipments": [{"shipment", "carrier", "waybill", "tracking_status", "tracking_url", "eta", ...}]}`. The ETA
follows the production schedule when the order's work orders end after the promised date.

A caller who may not read that Sales Order gets 403, with the same message whether or not the
order exists.
"""

from __future__ import annotations

import frappe
from frappe import _

from order_tracking.order_tracking.arguments import required_arguments
from order_tracking.order_tracking.order_status import order_status, read_order
from order_tracking.order_tracking.permissions import can_read_order


@frappe.whitelist(methods=["GET"])
@required_arguments
@frappe.read_only()  # from the read replica when the site has one (`read_from_replica`)
def get_order_status(order: str) -> dict:
	read = read_order(order)
	if not read or not can_read_order(read.sales_order, header=read.header):
		frappe.throw(
			_("No order {0} that you may see").format(frappe.bold(order)),
			exc=frappe.PermissionError,
			title=_("Not Permitted"),
		)
	return order_status(read.sales_order, read)

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class OrderTracker(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_tracking.order_tracking.doctype.order_tracker_operation.order_tracker_operation import (
			OrderTrackerOperation,
		)

		accepted_qty: DF.Float
		approved_at: DF.Datetime | None
		billed_amount: DF.Currency
		billed_at: DF.Datetime | None
		billed_pct: DF.Percent
		company: DF.Link | None
		complaints: DF.Int
		cost_currency: DF.Link | None
		cost_updated_at: DF.Datetime | None
		currency: DF.Link | None
		customer: DF.Link | None
		customer_name: DF.Data | None
		customer_rating: DF.Int
		delay_days: DF.Int
		delivered_at: DF.Datetime | None
		delivered_pct: DF.Percent
		delivered_qty: DF.Float
		eta: DF.Date | None
		first_pass_yield: DF.Percent
		freight_cost: DF.Currency
		grand_total: DF.Currency
		inspected_qty: DF.Float
		is_delayed: DF.Check
		labour_cost: DF.Currency
		last_event: DF.Link | None
		last_event_at: DF.Datetime | None
		last_event_label: DF.Data | None
		manufacture_qty: DF.Float
		margin: DF.Currency
		margin_pct: DF.Percent
		material_cost: DF.Currency
		on_hold: DF.Check
		open_exception_count: DF.Int
		open_complaints: DF.Int
		open_exceptions: DF.SmallText | None
		operations: DF.Table[OrderTrackerOperation]
		order_intake: DF.Link | None
		order_plan: DF.Link | None
		ordered_qty: DF.Float
		outsourced_qty: DF.Float
		outsourced_returned_qty: DF.Float
		outsourcing_cost: DF.Currency
		outstanding_amount: DF.Currency
		overhead_cost: DF.Currency
		paid_amount: DF.Currency
		paid_at: DF.Datetime | None
		paid_pct: DF.Percent
		payment_due: DF.Date | None
		payment_status: DF.Literal["", "Not Billed", "Unpaid", "Partly Paid", "Overdue", "Paid"]
		planned_at: DF.Datetime | None
		planned_end: DF.Datetime | None
		planned_start: DF.Datetime | None
		produced_pct: DF.Percent
		process_loss_qty: DF.Float
		produced_qty: DF.Float
		production_started_at: DF.Datetime | None
		promised_date: DF.Date | None
		quality_hold: DF.Check
		quality_hold_inspection: DF.Link | None
		quality_hold_reason: DF.SmallText | None
		quality_operations: DF.JSON | None
		quality_release_reason: DF.SmallText | None
		quality_released_at: DF.Datetime | None
		ready_at: DF.Datetime | None
		received_at: DF.Datetime | None
		refreshed_at: DF.Datetime | None
		rejected_qty: DF.Float
		returned_qty: DF.Float
		revenue: DF.Currency
		review_started_at: DF.Datetime | None
		rework_qty: DF.Float
		sales_order: DF.Link
		shipped_at: DF.Datetime | None
		shipped_pct: DF.Percent
		shipped_qty: DF.Float
		stage: DF.Literal[
			"Received",
			"Under Review",
			"Approved",
			"Planned",
			"In Production",
			"Ready to Ship",
			"Shipped",
			"Delivered",
			"Billed",
			"Paid",
			"Closed",
			"Cancelled",
		]
		total_cost: DF.Currency
		transaction_date: DF.Date | None
	# end: auto-generated types
	"""Where one Sales Order stands. Derived from the order's documents by
	`order_tracking.order_tracking.tracking.refresh_trackers`; never edited by hand."""

	def validate(self):
		frappe.throw(
			_("Order Trackers are kept up to date by the system and cannot be edited"),
			title=_("Not Editable"),
		)


def on_doctype_update():
	frappe.db.add_index("Order Tracker", ["stage", "promised_date"])
	# the KPI reports select a company's orders by order date
	frappe.db.add_index("Order Tracker", ["company", "transaction_date"])

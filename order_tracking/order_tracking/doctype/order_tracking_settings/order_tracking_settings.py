# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class OrderTrackingSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		approval_amount: DF.Currency
		auto_convert: DF.Check
		backfill_finished_at: DF.Datetime | None
		backfill_processed: DF.Int
		backfill_progress: DF.Percent
		backfill_status: DF.Data | None
		backfill_total: DF.Int
		busy_utilisation: DF.Percent
		create_review_from_intake: DF.Check
		daily_scheduler_time_limit: DF.Float
		default_carrier: DF.Link | None
		default_company: DF.Link | None
		default_parcel_template: DF.Link | None
		delay_notice_step_days: DF.Int
		delivery_confirmation: DF.Literal["Delivery Note", "Shipment Completed", "Carrier"]
		dispatch_with_pick_list: DF.Check
		email_answer_sender: DF.Check
		email_attachment_max_kb: DF.Int
		email_sender_hourly_limit: DF.Int
		exception_batch_size: DF.Int
		flag_cross_channel_duplicates: DF.Check
		intake_email_account: DF.Link | None
		intake_warehouse: DF.Link | None
		late_grace_days: DF.Int
		late_operation_grace: DF.Int
		late_penalty_cap_pct: DF.Percent
		late_penalty_pct_per_day: DF.Percent
		max_price_deviation: DF.Percent
		notify_delay: DF.Check
		notify_delivery: DF.Check
		notify_order_confirmation: DF.Check
		notify_shipment: DF.Check
		outsource_share: DF.Percent
		outsourcing_rejected_warehouse: DF.Link | None
		outsourcing_service_item: DF.Link | None
		outsourcing_supplier_warehouse: DF.Link | None
		outsourcing_workstation: DF.Link | None
		pause_tracking: DF.Check
		pickup_from: DF.Time | None
		pickup_to: DF.Time | None
		plan_background_threshold: DF.Int
		planning_wip_warehouse: DF.Link | None
		receivable_grace_days: DF.Int
		reject_deduction_pct: DF.Percent
		remind_late_returns: DF.Check
		remind_overdue_receivables: DF.Check
		require_supplier_confirmation: DF.Check
		review_required: DF.Check
		scan_exceptions: DF.Check
		schedule_days: DF.Int
		scheduler_time_limit: DF.Float
		scheduler_workers: DF.Int
		statement_adjustment_item: DF.Link | None
		sub_assembly_work_orders: DF.Check
		transit_days: DF.Int
	# end: auto-generated types
	pass

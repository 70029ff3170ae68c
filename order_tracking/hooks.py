app_name = "order_tracking"
app_title = "Order Tracking"
app_publisher = "order_tracking developers"
app_description = (
	"Order tracking for make-to-order manufacturers on ERPNext: intake, review, planning, "
	"production, outsourcing, delivery and settlement"
)
app_email = "dev@order-tracking.invalid"
app_license = "mit"

# "org/repo" form: frappe resolves the app name without asking GitHub (offline installs work)
required_apps = ["frappe/erpnext"]

# Automatically update python controller files with type annotations for this app.
export_python_type_annotations = True

# Desk
# ----
# the order KPI reports' shared filters (order_tracking.kpi_filters); served from
# sites/assets/order_tracking, which `bench build --app order_tracking` links (scripts/lib.sh sync_app)
app_include_js = ["/assets/order_tracking/js/kpi_filters.js"]
doctype_js = {
	"Sales Order": "public/js/sales_order.js",
	"Work Order": "public/js/work_order.js",
	"Shipment": "public/js/shipment.js",
	"Order Tracker": "public/js/order_tracker_delivery.js",
	# the planner's Gantt of operations by workstation (drag to move: order_planning.reschedule)
	"Daily Schedule": "public/js/operations_gantt.js",
	"Order Plan": "public/js/operations_gantt.js",
}
doctype_list_js = {
	"Sales Order": "public/js/sales_order_list.js",
	"Order Tracker": "public/js/order_tracker_list_delivery.js",
}
# promised dates by stage (replaces ERPNext's Sales Order calendar: order_planning.promised_dates)
doctype_calendar_js = {"Sales Order": "public/js/sales_order_calendar.js"}

# Installation
# ------------
after_install = "order_tracking.install.after_install"
after_migrate = "order_tracking.install.after_migrate"
before_uninstall = "order_tracking.install.before_uninstall"

# Fixtures: only what this app owns, filtered by name (install.py removes the same on uninstall)
fixtures = [
	{
		"dt": "Role",
		"filters": [
			[
				"name",
				"in",
				[
					"Order Clerk",
					"Order Reviewer",
					"Production Planner",
					"Outsourcing Manager",
					"Settlement Accountant",
				],
			]
		],
	},
	{"dt": "Workflow State", "filters": [["name", "in", ["Draft", "Pending Approval", "Cancelled"]]]},
	{"dt": "Workflow Action Master", "filters": [["name", "in", ["Submit for Approval", "Cancel"]]]},
	{"dt": "Workflow", "filters": [["name", "in", ["Order Review Approval", "Outsourcing Approval"]]]},
]

# Permissions
# -----------
# Trackers, events and exceptions are read with the rights of the Sales Order they describe,
# carrier events with their Shipment's.
has_permission = {
	"Order Tracker": "order_tracking.order_tracking.permissions.has_order_permission",
	"Order Event": "order_tracking.order_tracking.permissions.has_order_permission",
	"Order Review": "order_tracking.order_tracking.permissions.has_order_permission",
	"Order Exception": "order_tracking.order_tracking.permissions.has_order_permission",
	"Carrier Event": "order_tracking.delivery.carrier_events.has_carrier_event_permission",
	# a tracking link: its customer's portal users, and who may read its Sales Order
	"Order Tracking Link": "order_tracking.customer_portal.portal_permissions.has_customer_permission",
}

# Document Events
# ---------------
# Every ERPNext document that moves an order writes an event on the order's timeline and
# refreshes its tracker, on submit and on cancel.
doc_events = {
	"Sales Order": {
		"after_insert": "order_tracking.overrides.sales_order.after_insert",
		"on_update": "order_tracking.overrides.sales_order.on_update",
		"on_update_after_submit": "order_tracking.overrides.sales_order.on_update_after_submit",
		"on_trash": [
			"order_tracking.overrides.sales_order.on_trash",
			"order_tracking.delivery.delivery_exceptions.on_sales_order_trash",
		],
		"before_submit": "order_tracking.overrides.sales_order.before_submit",
		"on_cancel": "order_tracking.overrides.tracked_documents.on_cancel",
		# the customer's order confirmation (Customer Portal), once the order is on its timeline
		"on_submit": [
			"order_tracking.overrides.tracked_documents.on_submit",
			"order_tracking.customer_portal.notifications.on_sales_order_submit",
		],
	},
	"Work Order": {
		"on_submit": "order_tracking.overrides.tracked_documents.on_submit",
		"on_cancel": "order_tracking.overrides.tracked_documents.on_cancel",
		"before_cancel": "order_tracking.overrides.tracked_documents.ignore_own_links",
	},
	"Material Request": {"before_cancel": "order_tracking.overrides.tracked_documents.ignore_own_links"},
	"Job Card": {
		"on_submit": "order_tracking.overrides.tracked_documents.on_submit",
		"on_cancel": "order_tracking.overrides.tracked_documents.on_cancel",
	},
	"Stock Entry": {
		"on_cancel": "order_tracking.overrides.tracked_documents.on_cancel",
		"on_submit": [
			"order_tracking.overrides.tracked_documents.on_submit",
			"order_tracking.settlement.returns.on_stock_entry_submit",
		],
	},
	"Purchase Order": {
		"on_submit": "order_tracking.overrides.tracked_documents.on_submit",
		"on_cancel": "order_tracking.overrides.tracked_documents.on_cancel",
	},
	"Subcontracting Order": {
		"on_submit": "order_tracking.overrides.tracked_documents.on_submit",
		"on_cancel": "order_tracking.overrides.tracked_documents.on_cancel",
	},
	"Subcontracting Receipt": {
		"on_submit": "order_tracking.overrides.tracked_documents.on_submit",
		"on_cancel": "order_tracking.overrides.tracked_documents.on_cancel",
	},
	"Delivery Note": {
		"on_cancel": "order_tracking.overrides.tracked_documents.on_cancel",
		"on_submit": [
			"order_tracking.overrides.tracked_documents.on_submit",
			"order_tracking.settlement.returns.on_delivery_note_submit",
		],
	},
	# Quality: each inspection on its order's timeline and tracker; a rejected final one holds the order
	"Quality Inspection": {
		"validate": "order_tracking.quality.inspections.validate",
		"on_submit": "order_tracking.quality.inspections.on_submit",
		"on_cancel": "order_tracking.quality.inspections.on_cancel",
	},
	# the cost of the orders an outsourcing invoice was for
	"Purchase Invoice": {
		"on_submit": "order_tracking.settlement.order_cost.on_purchase_invoice",
		"on_cancel": "order_tracking.settlement.order_cost.on_purchase_invoice",
	},
	"Shipment": {
		"on_cancel": "order_tracking.overrides.tracked_documents.on_cancel",
		# carrier and waybill checked against the Logistics Carrier, its tracking page filled in
		"validate": "order_tracking.overrides.shipment.validate",
		"on_submit": [
			"order_tracking.overrides.tracked_documents.on_submit",
			"order_tracking.overrides.shipment.on_submit",
			# carrier, waybill and tracking link to the customers of its orders
			"order_tracking.customer_portal.notifications.on_shipment_submit",
		],
		"on_update_after_submit": "order_tracking.overrides.tracked_documents.on_update_after_submit",
	},
	"Sales Invoice": {
		"on_submit": "order_tracking.overrides.tracked_documents.on_submit",
		"on_cancel": "order_tracking.overrides.tracked_documents.on_cancel",
	},
	"Payment Entry": {
		"on_submit": [
			"order_tracking.overrides.tracked_documents.on_submit",
			# an Overdue Receivable it pays resolves at once, not at the next hourly scan
			"order_tracking.settlement.overdue_receivables.on_payment_entry_submit",
		],
		"on_cancel": "order_tracking.overrides.tracked_documents.on_cancel",
	},
	# a mail of the order mailbox (Order Tracking Settings) becomes an Order Intake
	# (and an e-mail sent on a complaint's Issue answers the complaint on the order's timeline)
	"Communication": {
		"on_update": "order_tracking.customer_portal.email_intake.on_communication_update",
		"after_insert": "order_tracking.after_sales.complaints.on_communication_insert",
	},
	# a customer's complaint about an order (After Sales): its timeline and tracker
	"Issue": {
		"after_insert": "order_tracking.after_sales.complaints.on_issue_insert",
		"on_update": "order_tracking.after_sales.complaints.on_issue_update",
		"on_trash": "order_tracking.after_sales.complaints.on_issue_trash",
	},
}

# What the app's own records link to (a plan's work orders and job cards, a tracker's operations)
# is history: it never stops ERPNext from deleting a draft or cancelling a document.
ignore_links_on_delete = [
	"Order Event",
	"Outsourcing Order Item",
	"Outsourcing Receipt Item",
	"Order Plan Item",
	"Order Plan Operation",
	"Order Plan Material",
	"Daily Schedule Operation",
	"Order Tracker Operation",
	"Supplier Statement Receipt",
	"Order Return Item",
]

# Closing, holding and re-opening a Sales Order changes its status without a document event.
override_whitelisted_methods = {
	"erpnext.selling.doctype.sales_order.sales_order.update_status": (
		"order_tracking.overrides.sales_order.update_status"
	),
	"erpnext.selling.doctype.sales_order.sales_order.close_or_unclose_sales_orders": (
		"order_tracking.overrides.sales_order.close_or_unclose_sales_orders"
	),
	# Frappe 15's frappe.client.get_count counts without a permission check: for Sales Order and the
	# app's doctypes it counts through get_list.
	"frappe.client.get_count": "order_tracking.customer_portal.portal.get_count",
}

# Scheduled Tasks
# ---------------
scheduler_events = {
	# a backfill whose background job died (worker killed, Redis lost) is started again
	"all": [
		"order_tracking.order_tracking.backfill.resume_interrupted_backfill",
		# e-mail intakes still without their order or answer (a lost job, a mail at its end)
		"order_tracking.customer_portal.email_intake_jobs.enqueue_if_pending",
	],
	# ETA and delay move with the calendar even when no document does.
	"daily": [
		"order_tracking.order_tracking.tracking.refresh_open_trackers",
		# late outsourcing returns: on the timeline and to the supplier, once a day
		"order_tracking.outsourcing.reminders.remind_late_returns_job",
		# order costs of what changed lately, in case a background job was lost
		"order_tracking.settlement.order_cost.refresh_recent_costs",
	],
	# operations past their scheduled end: on the timeline and to the planners, once each
	"hourly": [
		"order_tracking.order_planning.late_operations.check_late_operations",
		# early warnings: the exception scan, in a background job (one at a time)
		"order_tracking.order_tracking.exceptions.enqueue_exception_scan",
	],
	"cron": {
		# every morning before the shift: open work orders rescheduled, the dispatch list written
		"30 5 * * *": ["order_tracking.order_planning.daily_schedule.regenerate_daily_schedules"],
	},
}

# Testing
# -------
before_tests = "order_tracking.tests.utils.before_tests"

# User Data Protection
# --------------------
user_data_fields = [
	{"doctype": "Order Intake", "filter_by": "owner", "redact_fields": ["raw_payload"], "partial": 1},
]

# Customer Portal
# ---------------
# Pages in www/: /my-orders, /my-orders/<order>, /order-request, /track/<token> (no login).
website_route_rules = [
	{"from_route": "/my-orders/<name>", "to_route": "my-order"},
	{"from_route": "/track/<token>", "to_route": "track"},
]
standard_portal_menu_items = [
	{"title": "My Orders", "route": "/my-orders", "reference_doctype": "Sales Order", "role": "Customer"},
	{"title": "Order Request", "route": "/order-request", "role": "Customer"},
]
# A website user lists only their own customers' rows (should a role ever give them read access).
permission_query_conditions = {
	"Order Tracker": "order_tracking.customer_portal.portal_permissions.customer_query_conditions",
	"Order Event": "order_tracking.customer_portal.portal_permissions.customer_query_conditions",
	"Order Intake": "order_tracking.customer_portal.portal_permissions.customer_query_conditions",
	"Order Review": "order_tracking.customer_portal.portal_permissions.customer_query_conditions",
	"Order Tracking Link": "order_tracking.customer_portal.portal_permissions.customer_query_conditions",
}
# Called with [(order, tracker before or None, values stored)] after each refresh of trackers
# (order_tracking.order_tracking.tracking.refresh_trackers): delay and delivery e-mails.
order_trackers_refreshed = [
	"order_tracking.customer_portal.notifications.on_trackers_refreshed",
	# After Sales: the feedback request of a delivered order
	"order_tracking.after_sales.feedback_request.on_trackers_refreshed",
]

# Jinja helpers of the print formats: the Production Traveller's operations, job cards and QR codes
jinja = {
	"methods": [
		"order_tracking.order_planning.traveller.production_traveller",
		"order_tracking.order_planning.traveller.qr_code_data_uri",
	]
}

# Early warnings (Delivery)
# -------------------------
# What the hourly scan watches for. Each detector takes a batch of Sales Order names and the
# scan's shared facts and returns the Order Exceptions that should be open; it declares the kinds
# it answers for with @exception_detector (order_tracking.order_tracking.exceptions), and the scan opens,
# updates and resolves exactly those kinds. Other modules add theirs here.
order_exception_detectors = [
	"order_tracking.delivery.delivery_exceptions.detect_late_orders",
	"order_tracking.delivery.delivery_exceptions.detect_material_shortages",
	"order_tracking.delivery.delivery_exceptions.detect_shipment_exceptions",
	"order_tracking.order_planning.late_operations.detect_late_operations",
	"order_tracking.outsourcing.late_returns.detect_late_outsourcing_returns",
	"order_tracking.settlement.overdue_receivables.detect_overdue_receivables",
	"order_tracking.quality.hold.detect_quality_holds",
	"order_tracking.after_sales.complaints.detect_complaint_sla_breaches",
]

# Order status (order_tracking.order_tracking.order_status)
# ------------
# What the stage modules add to an order's status (REST get_order_status, the portal's order
# page, the tracking link): each takes a Sales Order name and returns a dict of its sections.
order_status_sections = [
	"order_tracking.delivery.status.delivery_status",
]

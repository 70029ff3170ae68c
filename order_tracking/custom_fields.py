"""Every custom field the app adds to ERPNext's doctypes, in one place (like hrms/setup.py):
created on install and migrate and removed on uninstall by `order_tracking.install`.

Labels, descriptions and Select options here are shown on ERPNext's forms and translated like any
other string (`tests/test_metadata.py` finds them and asks for their zh and zh-TW rows)."""

from order_tracking.core.delivery import CARRIER_STATUSES
from order_tracking.core.stages import STAGES

MODULE = "Order Tracking"
PLANNING = "Order Planning"
OUTSOURCING = "Outsourcing"
SETTLEMENT = "Settlement"
DELIVERY = "Delivery"
CUSTOMER_PORTAL = "Customer Portal"
QUALITY = "Quality"
# Quality: what a Quality Inspection is about (order_tracking.quality.inspections sets them)
QI_SALES_ORDER = "ot_sales_order"
QI_WORK_ORDER = "ot_work_order"
QI_OPERATION = "ot_operation"
QI_SUPPLIER = "ot_supplier"
QI_FINAL = "ot_final_inspection"
QI_FIRST = "ot_first_inspection"
AFTER_SALES = "After Sales"

# the customer's own switch for the order e-mails (Customer Portal's notifications read it)
NO_ORDER_NOTIFICATIONS = "ot_no_order_notifications"
# After Sales: the customer's switch for the feedback request, a complaint's order and delivery
NO_FEEDBACK_REQUEST = "ot_no_feedback_request"
ISSUE_SALES_ORDER = "ot_sales_order"
ISSUE_DELIVERY_NOTE = "ot_delivery_note"


def get_custom_fields() -> dict[str, list[dict]]:
	fields = {
		"Sales Order": _sales_order_fields(),
		"Work Order": _work_order_fields(),
		"Quality Inspection": _quality_inspection_fields(),
		"Purchase Order": [_outsourcing_link("supplier")],
		"Subcontracting Order": [_outsourcing_link("supplier")],
		"Stock Entry": [_outsourcing_link("stock_entry_type")],
		"Subcontracting Receipt": [
			{
				"fieldname": "outsourcing_receipt",
				"label": "Outsourcing Receipt",
				"fieldtype": "Link",
				"options": "Outsourcing Receipt",
				"insert_after": "supplier",
				"read_only": 1,
				"no_copy": 1,
				"search_index": 1,
				"module": OUTSOURCING,
			}
		],
		"Operation": [
			{
				"fieldname": "outsourcing_service_item",
				"label": "Outsourcing Service Item",
				"fieldtype": "Link",
				"options": "Item",
				"insert_after": "workstation",
				"module": OUTSOURCING,
				"description": "The non-stock item a supplier's doing this operation is bought as",
			}
		],
		"Purchase Invoice": [
			_settlement_link("supplier_statement", "Supplier Statement", "Supplier Statement", "bill_date")
		],
		"Delivery Note": [_settlement_link("order_return", "Order Return", "Order Return", "return_against")],
		"Sales Invoice": [_settlement_link("order_return", "Order Return", "Order Return", "return_against")],
		"Shipment": [
			{
				"fieldname": "freight_cost",
				"label": "Freight Cost",
				"fieldtype": "Currency",
				"options": "Company:company:default_currency",
				"insert_after": "shipment_amount",
				"allow_on_submit": 1,
				"module": SETTLEMENT,
				"description": "What the carrier charges for this shipment: shared over its orders as their freight cost",
			}
		],
		"Material Request": [
			{
				"fieldname": "order_plan",
				"label": "Order Plan",
				"fieldtype": "Link",
				"options": "Order Plan",
				"insert_after": "material_request_type",
				"read_only": 1,
				"no_copy": 1,
				"search_index": 1,
				"module": PLANNING,
			},
		],
	}
	# the stage modules' fields
	for module_fields in (_delivery_fields, _notification_fields, _email_intake_fields, _after_sales_fields):
		for doctype, rows in module_fields().items():
			fields.setdefault(doctype, []).extend(rows)
	return fields


def _sales_order_fields() -> list[dict]:
	return [
		{
			"fieldname": "order_stage",
			"label": "Order Stage",
			"fieldtype": "Select",
			"options": "\n".join(STAGES),
			"insert_after": "delivery_date",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"in_list_view": 1,
			"in_standard_filter": 1,
			"search_index": 1,
			"translatable": 0,
			"module": MODULE,
			"description": "Where the order stands; kept up to date by Order Tracking",
		},
		{
			"fieldname": "order_intake",
			"label": "Order Intake",
			"fieldtype": "Link",
			"options": "Order Intake",
			"insert_after": "order_stage",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"module": MODULE,
		},
		{
			"fieldname": "order_priority",
			"label": "Order Priority",
			"fieldtype": "Select",
			"options": "Low\nNormal\nHigh\nUrgent",
			"default": "Normal",
			"insert_after": "order_intake",
			"allow_on_submit": 1,
			"in_standard_filter": 1,
			"module": PLANNING,
			"description": "Weighs how much a late delivery of this order counts when production is scheduled",
		},
	]


def _work_order_fields() -> list[dict]:
	return [
		{
			"fieldname": "order_plan",
			"label": "Order Plan",
			"fieldtype": "Link",
			"options": "Order Plan",
			"insert_after": "sales_order",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"module": PLANNING,
		},
		{
			"fieldname": "made_for_sales_order",
			"label": "Made for Sales Order",
			"fieldtype": "Link",
			"options": "Sales Order",
			"insert_after": "order_plan",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"module": PLANNING,
			"description": "The order this work order (or the sub-assembly it makes) is for",
		},
		{
			"fieldname": "parent_work_order",
			"label": "For Work Order",
			"fieldtype": "Link",
			"options": "Work Order",
			"insert_after": "made_for_sales_order",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"module": PLANNING,
			"description": "The work order that uses this sub-assembly",
		},
		_settlement_link("order_return", "Order Return", "Order Return", "parent_work_order"),
	]


def _settlement_link(fieldname: str, label: str, doctype: str, insert_after: str) -> dict:
	return {
		"fieldname": fieldname,
		"label": label,
		"fieldtype": "Link",
		"options": doctype,
		"insert_after": insert_after,
		"read_only": 1,
		"no_copy": 1,
		"search_index": 1,
		"module": SETTLEMENT,
	}


def _quality_inspection_fields() -> list[dict]:
	"""Quality: the order, work order, operation and supplier an inspection is about, and whether
	it is the order's final inspection (set when it is saved: order_tracking.quality.inspections)."""
	common = {"read_only": 1, "no_copy": 1, "module": QUALITY, "insert_after": "reference_name"}
	return [
		{**common, "fieldname": QI_FIRST, "label": "First Inspection of its Lot", "fieldtype": "Check"},
		{**common, "fieldname": QI_FINAL, "label": "Final Inspection", "fieldtype": "Check"},
		{**common, "fieldname": QI_SUPPLIER, "label": "Supplier", "fieldtype": "Link", "options": "Supplier"},
		{
			**common,
			"fieldname": QI_OPERATION,
			"label": "Operation",
			"fieldtype": "Link",
			"options": "Operation",
		},
		{
			**common,
			"fieldname": QI_WORK_ORDER,
			"label": "Work Order",
			"fieldtype": "Link",
			"options": "Work Order",
		},
		{
			**common,
			"fieldname": QI_SALES_ORDER,
			"label": "Sales Order",
			"fieldtype": "Link",
			"options": "Sales Order",
			"search_index": 1,
		},
	]


def _outsourcing_link(insert_after: str) -> dict:
	return {
		"fieldname": "outsourcing_order",
		"label": "Outsourcing Order",
		"fieldtype": "Link",
		"options": "Outsourcing Order",
		"insert_after": insert_after,
		"read_only": 1,
		"no_copy": 1,
		"search_index": 1,
		"module": OUTSOURCING,
	}


def _delivery_fields() -> dict[str, list[dict]]:
	"""What the carrier's events show on ERPNext's Shipment, beside its own tracking fields."""
	common = {"read_only": 1, "allow_on_submit": 1, "no_copy": 1, "module": DELIVERY}
	return {
		"Shipment": [
			{
				"fieldname": "carrier_tracking_section",
				"label": "Carrier Tracking",
				"fieldtype": "Section Break",
				"insert_after": "tracking_status_info",
				"collapsible": 1,
				"module": DELIVERY,
			},
			{
				"fieldname": "carrier_status",
				"label": "Carrier Status",
				"fieldtype": "Select",
				"options": "\n" + "\n".join(CARRIER_STATUSES),
				"insert_after": "carrier_tracking_section",
				"in_standard_filter": 1,
				"translatable": 0,
				**common,
			},
			{
				"fieldname": "carrier_status_at",
				"label": "Carrier Status At",
				"fieldtype": "Datetime",
				"insert_after": "carrier_status",
				**common,
			},
			{
				"fieldname": "carrier_location",
				"label": "Last Location",
				"fieldtype": "Data",
				"insert_after": "carrier_status_at",
				**common,
			},
			{
				"fieldname": "carrier_tracking_column",
				"fieldtype": "Column Break",
				"insert_after": "carrier_location",
				"module": DELIVERY,
			},
			{
				"fieldname": "carrier_expected_arrival",
				"label": "Expected Arrival",
				"fieldtype": "Datetime",
				"insert_after": "carrier_tracking_column",
				**common,
			},
			{
				"fieldname": "carrier_delivered_at",
				"label": "Delivered At",
				"fieldtype": "Datetime",
				"insert_after": "carrier_expected_arrival",
				**common,
			},
		]
	}


def _notification_fields() -> dict[str, list[dict]]:
	"""The customer's own switch, beside their print language."""
	return {
		"Customer": [
			{
				"fieldname": NO_ORDER_NOTIFICATIONS,
				"label": "No Order Notifications",
				"fieldtype": "Check",
				"insert_after": "language",
				"module": CUSTOMER_PORTAL,
				"description": "Send this customer no e-mails about their orders "
				"(confirmation, shipment, delay, delivery)",
			}
		]
	}


def _email_intake_fields() -> dict[str, list[dict]]:
	return {
		"Customer": [
			{
				"fieldname": "order_email_domain",
				"label": "Order E-mail Domain",
				"fieldtype": "Data",
				"insert_after": "email_id",
				"search_index": 1,
				"module": MODULE,
				"description": "Mails to the order mailbox from this domain (e.g. harbour-shoes.com) are this customer's orders",
			}
		]
	}


def _after_sales_fields() -> dict[str, list[dict]]:
	"""A complaint (ERPNext Issue) names the order and delivery it is about; a customer may be sent
	no feedback request."""
	link = {"read_only": 1, "no_copy": 1, "search_index": 1, "module": AFTER_SALES}
	return {
		"Issue": [
			{
				"fieldname": ISSUE_SALES_ORDER,
				"label": "Sales Order",
				"fieldtype": "Link",
				"options": "Sales Order",
				"insert_after": "customer",
				"description": "The order this complaint is about",
				**link,
			},
			{
				"fieldname": ISSUE_DELIVERY_NOTE,
				"label": "Delivery Note",
				"fieldtype": "Link",
				"options": "Delivery Note",
				"insert_after": ISSUE_SALES_ORDER,
				"description": "The delivery this complaint is about",
				**link,
			},
		],
		"Customer": [
			{
				"fieldname": NO_FEEDBACK_REQUEST,
				"label": "No Feedback Request",
				"fieldtype": "Check",
				"insert_after": NO_ORDER_NOTIFICATIONS,
				"module": AFTER_SALES,
				"description": "Do not ask this customer by e-mail to rate their delivered orders",
			}
		],
	}

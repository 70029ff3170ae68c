"""Install, migrate and uninstall: the app's custom fields on ERPNext doctypes, created in code
(like hrms) so that install, migrate and uninstall treat them the same way."""

import click

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from order_tracking.core.stages import STAGES
from order_tracking.hooks import ROLES, WORKFLOW_ACTIONS, WORKFLOW_STATES, WORKFLOWS

MODULE = "Order Tracking"
PLANNING = "Order Planning"
OUTSOURCING = "Outsourcing"
SETTLEMENT = "Settlement"


def get_custom_fields() -> dict[str, list[dict]]:
	fields = {
		"Sales Order": [
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
		],
		"Work Order": [
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
		],
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
	# the modules' own custom fields
	from order_tracking.customer_portal.notifications import get_custom_fields as notification_fields
	from order_tracking.delivery.carriers import get_custom_fields as delivery_fields
	from order_tracking.customer_portal.email_intake import get_custom_fields as email_intake_fields

	for module_fields in (delivery_fields, notification_fields, email_intake_fields):
		for doctype, rows in module_fields().items():
			fields.setdefault(doctype, []).extend(rows)
	return fields


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


def after_install():
	create_custom_fields(get_custom_fields(), ignore_validate=True)
	add_indexes()
	set_missing_settings_defaults()
	from order_tracking.order_tracking.backfill import after_install_backfill

	after_install_backfill()
	click.secho("Order Tracking installed. Existing orders get their trackers in the background.", fg="green")


def after_migrate():
	create_custom_fields(get_custom_fields(), ignore_validate=True)
	add_indexes()
	set_missing_settings_defaults()


def add_indexes():
	"""Indexes the app needs on ERPNext's tables."""
	from order_tracking.delivery.carriers import add_indexes as delivery_indexes
	from order_tracking.order_planning.reschedule import add_indexes as reschedule_indexes

	delivery_indexes()
	reschedule_indexes()


def set_missing_settings_defaults():
	"""Settings added by an upgrade start at their default, not empty (idempotent)."""
	doctype = "Order Tracking Settings"
	stored = set(frappe.db.get_singles_dict(doctype))
	if not stored:
		return  # never saved: Frappe loads every default itself
	for df in frappe.get_meta(doctype).fields:
		if df.default is not None and df.fieldname not in stored:
			frappe.db.set_single_value(doctype, df.fieldname, df.default)


def before_uninstall():
	"""Remove what the app added to ERPNext's doctypes; ERPNext's own data stays."""
	for doctype, fields in get_custom_fields().items():
		fieldnames = [f["fieldname"] for f in fields]
		frappe.db.delete("Custom Field", {"dt": doctype, "fieldname": ("in", fieldnames)})
		frappe.db.delete("Property Setter", {"doc_type": doctype, "field_name": ("in", fieldnames)})
		columns = set(frappe.db.get_table_columns(doctype))
		for fieldname in fieldnames:
			if fieldname in columns:
				# identifiers come from get_custom_fields() above, never from input
				frappe.db.sql_ddl(f"alter table `tab{doctype}` drop column `{fieldname}`")  # nosemgrep
		frappe.clear_cache(doctype=doctype)
	for workflow in WORKFLOWS:
		frappe.delete_doc_if_exists("Workflow", workflow, force=True)
	# workflow states and actions the app added, unless another workflow uses them
	used_states = set(frappe.get_all("Workflow Document State", pluck="state", distinct=True))
	used_states |= set(frappe.get_all("Workflow Transition", pluck="next_state", distinct=True))
	for state in set(WORKFLOW_STATES) - used_states:
		frappe.delete_doc_if_exists("Workflow State", state, force=True)
	used_actions = set(frappe.get_all("Workflow Transition", pluck="action", distinct=True))
	for action in set(WORKFLOW_ACTIONS) - used_actions:
		frappe.delete_doc_if_exists("Workflow Action Master", action, force=True)
	for role in ROLES:
		for table in ("Has Role", "Custom DocPerm", "DocPerm"):
			frappe.db.delete(table, {"role": role})
		frappe.db.delete("Role", {"name": role})

"""Install, migrate and uninstall: the app's custom fields on ERPNext doctypes, created in code
(like hrms) so that install, migrate and uninstall treat them the same way."""

import click

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.installer import add_module_defs

from order_tracking.custom_fields import get_custom_fields


def fixture_names(doctype: str) -> list[str]:
	"""The names of the app's own records of a DocType, as hooks.py's fixtures filter them."""
	for fixture in frappe.get_hooks("fixtures", app_name="order_tracking"):
		if fixture.get("dt") == doctype:
			return list(fixture["filters"][0][2])
	return []


def after_install():
	create_custom_fields(get_custom_fields(), ignore_validate=True)
	add_indexes()
	set_missing_settings_defaults()
	from order_tracking.order_tracking.backfill import after_install_backfill

	after_install_backfill()
	click.secho("Order Tracking installed. Existing orders get their trackers in the background.", fg="green")


def after_migrate():
	# a module an upgrade adds to modules.txt (Quality) has its Module Def before a custom field names it
	add_module_defs("order_tracking", ignore_if_duplicate=True)
	create_custom_fields(get_custom_fields(), ignore_validate=True)
	add_indexes()
	set_missing_settings_defaults()


def add_indexes():
	"""Indexes the app needs on ERPNext's tables."""
	from order_tracking.customer_portal.email_intake import add_indexes as email_intake_indexes
	from order_tracking.delivery.carriers import add_indexes as delivery_indexes
	from order_tracking.order_planning.reschedule import add_indexes as reschedule_indexes
	from order_tracking.quality.inspections import add_indexes as quality_indexes

	delivery_indexes()
	reschedule_indexes()
	quality_indexes()
	email_intake_indexes()


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
	for workflow in fixture_names("Workflow"):
		frappe.delete_doc_if_exists("Workflow", workflow, force=True)
	# workflow states and actions the app added, unless another workflow uses them
	used_states = set(frappe.get_all("Workflow Document State", pluck="state", distinct=True))
	used_states |= set(frappe.get_all("Workflow Transition", pluck="next_state", distinct=True))
	for state in set(fixture_names("Workflow State")) - used_states:
		frappe.delete_doc_if_exists("Workflow State", state, force=True)
	used_actions = set(frappe.get_all("Workflow Transition", pluck="action", distinct=True))
	for action in set(fixture_names("Workflow Action Master")) - used_actions:
		frappe.delete_doc_if_exists("Workflow Action Master", action, force=True)
	for role in fixture_names("Role"):
		for table in ("Has Role", "Custom DocPerm", "DocPerm"):
			frappe.db.delete(table, {"role": role})
		frappe.db.delete("Role", {"name": role})

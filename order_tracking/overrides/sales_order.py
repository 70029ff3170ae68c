"""Sales Order hooks: the order's tracker is born with it, follows its edits and status
changes, and goes away with a deleted draft."""

import json

import frappe
from frappe import _

from order_tracking.core import stages
from order_tracking.order_tracking.arguments import required_arguments
from order_tracking.order_tracking.order_facts import gather_order_facts
from order_tracking.order_tracking.settings import tracking_paused
from order_tracking.order_tracking.tracking import (
	EventSpec,
	compute_order_states,
	delete_order_trail,
	record_events,
	refresh_trackers,
)


def after_insert(doc, method=None):
	if doc.amended_from and not doc.order_intake:
		_carry_intake_to_amendment(doc)
	if tracking_paused():
		return
	record_events(
		[
			EventSpec(
				sales_order=doc.name,
				stage=stages.RECEIVED,
				event="Order Received",
				reference_doctype="Order Intake" if doc.order_intake else "Sales Order",
				reference_name=doc.order_intake or doc.name,
				qty=doc.total_qty,
				amount=doc.grand_total,
				planned_at=doc.delivery_date,
				source="Intake" if doc.order_intake else "Document",
			)
		]
	)


def before_submit(doc, method=None):
	from order_tracking.order_tracking.doctype.order_review.order_review import require_approved_review
	from order_tracking.order_tracking.settings import get_settings

	if get_settings().review_required:
		require_approved_review(doc)


def on_update(doc, method=None):
	"""Draft edits change quantities, totals and the promised date."""
	if doc.docstatus == 0 and not doc.flags.in_insert and not tracking_paused():
		refresh_trackers([doc.name])


def on_update_after_submit(doc, method=None):
	if tracking_paused():
		return
	if doc.has_value_changed("delivery_date"):
		before = doc.get_doc_before_save()
		record_events(
			[
				EventSpec(
					sales_order=doc.name,
					stage=doc.order_stage or stages.APPROVED,
					event="Delivery Date Changed",
					reference_doctype="Sales Order",
					reference_name=doc.name,
					planned_at=doc.delivery_date,
					remarks=_("From {0} to {1}").format(
						frappe.format(before.delivery_date, {"fieldtype": "Date"}) if before else "",
						frappe.format(doc.delivery_date, {"fieldtype": "Date"}),
					),
				)
			]
		)
	else:
		refresh_trackers([doc.name])


def on_trash(doc, method=None):
	delete_order_trail(doc.name)
	# reviews of a deleted order review nothing; an approved one stops the deletion (a link)
	for review in frappe.get_all(
		"Order Review", filters={"sales_order": doc.name, "docstatus": ("!=", 1)}, pluck="name"
	):
		frappe.delete_doc("Order Review", review, ignore_permissions=True, force=True)
	if doc.order_intake and frappe.db.get_value("Order Intake", doc.order_intake, "sales_order") == doc.name:
		# the intake is the record of what came in: it stays, ready to be converted again
		frappe.db.set_value("Order Intake", doc.order_intake, {"sales_order": None, "status": "New"})


def _carry_intake_to_amendment(doc):
	intake = frappe.db.get_value("Sales Order", doc.amended_from, "order_intake")
	if intake:
		doc.db_set("order_intake", intake, update_modified=False)
		frappe.db.set_value("Order Intake", intake, "sales_order", doc.name, update_modified=False)


STATUS_EVENTS = {"Closed": "Order Closed", "On Hold": "Order Put on Hold", "Draft": "Order Re-opened"}


@frappe.whitelist(methods=["POST"])
@required_arguments
def update_status(status: str, name: str):
	"""ERPNext's close / hold / re-open, with a permission check and an event on the timeline."""
	from erpnext.selling.doctype.sales_order.sales_order import update_status as erpnext_update_status

	frappe.has_permission("Sales Order", "write", name, throw=True)
	erpnext_update_status(status, name)
	_status_changed([name], status)


@frappe.whitelist(methods=["POST"])
@required_arguments
def close_or_unclose_sales_orders(names: str | list, status: str):
	from erpnext.selling.doctype.sales_order.sales_order import (
		close_or_unclose_sales_orders as erpnext_close_or_unclose,
	)

	"""ERPNext's close / re-open of several orders, each checked for write permission first."""
	frappe.has_permission("Sales Order", "write", throw=True)
	try:
		names_list = frappe.parse_json(names) if isinstance(names, str) else list(names)
	except ValueError:
		names_list = None
	if not isinstance(names_list, list) or not all(isinstance(n, str) for n in names_list):
		frappe.throw(_("Names must be a list of Sales Orders"), title=_("Invalid Request"))
	for name in names_list:
		frappe.has_permission("Sales Order", "write", name, throw=True)
	erpnext_close_or_unclose(json.dumps(names_list), status)
	_status_changed(names_list, "Draft" if status != "Closed" else status)


def _status_changed(names: list[str], status: str):
	if tracking_paused():
		return
	event = STATUS_EVENTS.get(status)
	if not event:
		refresh_trackers(names)
		return
	facts = gather_order_facts(names)
	states = compute_order_states(facts)
	record_events(
		[
			EventSpec(
				sales_order=name,
				stage=state.stage,
				event=event,
				reference_doctype="Sales Order",
				reference_name=name,
			)
			for name, state in states.items()
		],
		facts=facts,
	)

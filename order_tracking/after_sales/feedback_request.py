"""The feedback e-mail: once an order is delivered, the standard Notification *Customer Feedback
Request* (Customer Portal's `notification/`, in the customer's language like the other order
e-mails) asks the customer to rate it, with the order's page and its tracking link.

Sent once per order (the Customer Notification Log's unique key, kind *Feedback Request*), not to
a customer with *No Feedback Request* (or *No Order Notifications*) ticked, not for an order
already rated, and only while Order Tracking Settings send delivery e-mails."""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe.utils import cint, get_url

from order_tracking.custom_fields import NO_FEEDBACK_REQUEST
from order_tracking.customer_portal import notifications
from order_tracking.customer_portal.portal import order_tracking_url
from order_tracking.order_tracking.settings import get_settings


def on_trackers_refreshed(refreshed: Iterable[tuple[str, dict | None, dict]]):
	"""`order_trackers_refreshed` hook: an order that has just reached delivery."""
	if frappe.flags.in_install or frappe.flags.in_migrate or frappe.flags.in_patch or frappe.flags.in_import:
		return
	for name, before, after in refreshed:
		if before and notifications.reached_delivery(before, after):
			request_feedback(name, after.get("customer"))


def request_feedback(sales_order: str, customer: str | None) -> bool:
	"""Queue the feedback request of a delivered order, once. True when queued now."""
	if not customer or cint(frappe.db.get_value("Customer", customer, NO_FEEDBACK_REQUEST)):
		return False
	if frappe.db.exists("Order Feedback", sales_order) or not cint(get_settings().get("notify_delivery")):
		return False
	return notifications.notify(
		sales_order,
		notifications.FEEDBACK_REQUEST,
		sales_order,
		reference=("Order Tracker", sales_order),
		context={
			"rating_url": get_url(f"/my-orders/{sales_order}#ot-after-sales"),
			"tracking_url": order_tracking_url(sales_order),
		},
	)

"""E-mails to the customer about their order: confirmation, shipment, delay and delivery.

The app's hooks decide *when* (a Sales Order or a Shipment submitted, a refreshed tracker whose ETA
moved later or whose order reached Delivered); Frappe decides *how*. Each kind is a standard
Notification of this module (`notification/`, event "Custom": only this code fires it) on the
Sales Order: its subject and message are Jinja in English with every string in `_()`, rendered in
the customer's language (zh or zh-TW when the Customer's language is Chinese, else English), its
recipient is the order's `contact_email` (else the customer's primary contact's), and
`Notification.send` writes the Communication on the order's timeline and queues the e-mail in the
Email Queue, with the Order Confirmation as PDF for the confirmation.

An event is announced once: before queuing, a Customer Notification Log row is written for the
order + kind + event key (the order for confirmation and delivery, the Shipment, the new ETA),
which a unique index keeps single even when two requests race. Nothing is sent (or logged) when
the kind is off in Order Tracking Settings, the customer has opted out (`ot_no_order_notifications`
on the Customer), the Notification is disabled, or there is nobody to write to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import frappe
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.email.doctype.notification.notification import Notification
from frappe.utils import cint, getdate, now_datetime

from order_tracking.core import stages
from order_tracking.custom_fields import NO_ORDER_NOTIFICATIONS
from order_tracking.customer_portal.doctype.customer_notification_log.customer_notification_log import (
	UNIQUE_NOTIFICATION,
)
from order_tracking.order_tracking.settings import get_settings

MODULE = "Customer Portal"
LOG = "Customer Notification Log"
OPT_OUT_FIELD = NO_ORDER_NOTIFICATIONS

CONFIRMATION = "Order Confirmation"
SHIPMENT = "Shipment"
DELAY = "Delay"
DELIVERY = "Delivery"
FEEDBACK_REQUEST = "Feedback Request"

# kind -> (standard Notification, its switch in Order Tracking Settings)
KINDS = {
	CONFIRMATION: ("Customer Order Confirmation", "notify_order_confirmation"),
	SHIPMENT: ("Customer Shipment Notice", "notify_shipment"),
	DELAY: ("Customer Delay Notice", "notify_delay"),
	DELIVERY: ("Customer Delivery Notice", "notify_delivery"),
	# After Sales asks for the rating of a delivered order (after_sales.feedback_request), with the
	# delivery e-mails' switch and the customer's own (ot_no_feedback_request)
	FEEDBACK_REQUEST: ("Customer Feedback Request", "notify_delivery"),
}
DELIVERED_STAGES = (stages.DELIVERED, stages.BILLED, stages.PAID)
DEFAULT_LANGUAGE = "en"
SENDING = "customer_notification"
CLAIMING = "customer_notification_claim"


# ============================================================================== set-up


# ============================================================================== document hooks


def on_sales_order_submit(doc, method=None):
	"""The order confirmation, with the Order Confirmation print as PDF."""
	notify(doc.name, CONFIRMATION, doc.name)


def on_shipment_submit(doc, method=None):
	"""Each order the Shipment carries: its carrier, waybill and tracking page, and the order's
	own tracking page (`/track/<token>`)."""
	from order_tracking.customer_portal.portal import order_tracking_url
	from order_tracking.delivery.carrier_events import orders_of_shipments

	orders = orders_of_shipments([doc.name]).get(doc.name, {})
	for sales_order in sorted(orders):
		notify(
			sales_order,
			SHIPMENT,
			doc.name,
			reference=("Shipment", doc.name),
			context={
				"shipment": doc.name,
				"carrier": doc.carrier,
				"waybill": doc.awb_number,
				"tracking_url": shipment_tracking_url(doc),
				"order_tracking_url": order_tracking_url(sales_order),
				"pickup_date": doc.pickup_date,
			},
		)


def shipment_tracking_url(shipment) -> str | None:
	"""The carrier's page for the waybill: the Shipment's own, else built from the Logistics
	Carrier's template (as `order_tracking.delivery` fills it in)."""
	if shipment.tracking_url:
		return shipment.tracking_url
	from order_tracking.core.delivery import tracking_url
	from order_tracking.delivery.carriers import get_carrier

	carrier = get_carrier(shipment.carrier)
	return tracking_url(carrier.tracking_url_template, shipment.awb_number) if carrier else None


def on_trackers_refreshed(refreshed: Iterable[tuple[str, dict | None, dict]]):
	"""`order_trackers_refreshed` hook: compare each tracker as it was with what was just stored.
	A new tracker (a new order, the backfill) has no history and announces nothing."""
	if frappe.flags.in_install or frappe.flags.in_migrate or frappe.flags.in_patch or frappe.flags.in_import:
		return
	for name, before, after in refreshed:
		if not before:
			continue
		if reached_delivery(before, after):
			notify(name, DELIVERY, name, reference=("Order Tracker", name))
		elif eta_moved_later(before, after) and slipped_enough(name, getdate(after["eta"])):
			eta = getdate(after["eta"])
			notify(
				name,
				DELAY,
				eta.isoformat(),
				reference=("Order Tracker", name),
				context={
					"eta": eta,
					"previous_eta": getdate(before.get("eta")) if before.get("eta") else None,
					"promised_date": after.get("promised_date"),
					"delay_days": after.get("delay_days"),
				},
			)


def reached_delivery(before: dict, after: dict) -> bool:
	return (
		after.get("stage") in DELIVERED_STAGES
		and bool(after.get("delivered_at"))
		and not before.get("delivered_at")
	)


def eta_moved_later(before: dict, after: dict) -> bool:
	"""Late (the ETA after the promised date) and later than the ETA the tracker showed."""
	if not cint(after.get("is_delayed")) or not after.get("eta"):
		return False
	if after.get("stage") in stages.TERMINAL_STAGES or after.get("stage") in DELIVERED_STAGES:
		return False
	return not before.get("eta") or getdate(after["eta"]) > getdate(before["eta"])


def slipped_enough(sales_order: str, eta) -> bool:
	"""An order's first delay is announced; a further one once its ETA has moved the Settings'
	step past the last one announced (an order waiting on production slips a day every day)."""
	last = frappe.get_all(
		LOG,
		filters={"sales_order": sales_order, "kind": DELAY},
		pluck="event_key",
		order_by="event_key desc",
		limit=1,
	)
	if not last:
		return True
	return (eta - getdate(last[0])).days >= max(cint(get_settings().delay_notice_step_days), 1)


# ============================================================================== sending


def notify(
	sales_order: str,
	kind: str,
	event_key: str,
	reference: tuple[str, str] | None = None,
	context: dict | None = None,
) -> bool:
	"""Queue the e-mail of one event of an order, once. True when it was queued now."""
	notification_name, setting = KINDS[kind]
	if not cint(get_settings().get(setting)):
		return False
	order = frappe.get_doc("Sales Order", sales_order)  # a copy of its own: the recipient is set on it
	if order.docstatus != 1:
		return False
	customer = frappe.db.get_value(
		"Customer", order.customer, ["language", OPT_OUT_FIELD, "customer_name"], as_dict=True
	)
	if not customer or cint(customer.get(OPT_OUT_FIELD)):
		return False
	if not frappe.db.get_value("Notification", notification_name, "enabled"):
		return False
	recipient = order_recipient(order)
	if not recipient:
		return False
	if not EmailAccount.find_outgoing(match_by_doctype="Sales Order"):
		return False  # nothing could be queued: the event stays unannounced, no error per order
	language = notification_language(customer.language)
	reference_doctype, reference_name = reference or ("Sales Order", order.name)
	log = {
		"sales_order": order.name,
		"customer": order.customer,
		"kind": kind,
		"event_key": event_key,
		"notification": notification_name,
		"recipient": recipient,
		"language": language,
		"reference_doctype": reference_doctype,
		"reference_name": reference_name,
	}
	# the Notification writes to the order's `contact_email`: this copy of the order is never saved
	order.contact_email = recipient
	order.flags.customer_notification = frappe._dict(
		context or {},
		kind=kind,
		language=language,
		customer_name=customer.customer_name or order.customer_name,
	)
	frappe.db.savepoint(SENDING)
	try:
		if not claim(log):
			return False
		queue_notification(notification_name, order, language)
	except Exception:
		# the customer's e-mail never stops the document that caused it: the event stays unclaimed
		frappe.db.rollback(save_point=SENDING)
		frappe.log_error(
			f"Customer notification {kind} of {order.name} failed",
			reference_doctype="Sales Order",
			reference_name=order.name,
		)
		return False
	return True


def queue_notification(notification_name: str, order, language: str):
	"""What `Notification.send` does for an e-mail (template and `get_context` of the standard
	Notification, Communication on the order's timeline, Email Queue) in the customer's language,
	but raising its errors instead of logging them, so that the event is only claimed when queued."""
	notification = CustomerNotification(frappe.get_doc("Notification", notification_name).as_dict())
	context = {"doc": order, "alert": notification, "comments": None}
	with in_language(language):
		notification.load_standard_properties(context)
		notification.send_an_email(order, context)


def claim(values: dict) -> bool:
	"""Write the log row of this event; False when it was written before (by this request, an
	earlier one, or a concurrent one: the unique index decides)."""
	filters = {k: values[k] for k in ("sales_order", "kind", "event_key")}
	if frappe.db.exists(LOG, filters):
		return False
	frappe.db.savepoint(CLAIMING)
	try:
		log = frappe.get_doc({"doctype": LOG, **values, "sent_at": now_datetime()})
		# system-written history: no validation or hooks to run on it
		log.db_insert()
	except frappe.UniqueValidationError as e:
		if UNIQUE_NOTIFICATION not in str(e):
			raise
		frappe.db.rollback(save_point=CLAIMING)
		frappe.clear_messages()
		return False
	return True


def order_recipient(order) -> str | None:
	"""The order's contact e-mail, else the customer's primary contact's."""
	if order.contact_email:
		return order.contact_email
	customer = frappe.db.get_value(
		"Customer", order.customer, ["email_id", "customer_primary_contact"], as_dict=True
	)
	if not customer:
		return None
	if customer.email_id:
		return customer.email_id
	if customer.customer_primary_contact:
		return frappe.db.get_value("Contact", customer.customer_primary_contact, "email_id") or None
	return None


def notification_language(customer_language: str | None) -> str:
	"""Chinese (simplified or traditional) for a Chinese-speaking customer, else English; a
	customer without a language gets the system's."""
	language = customer_language or frappe.db.get_default("lang") or DEFAULT_LANGUAGE
	return language if language.lower().startswith("zh") else DEFAULT_LANGUAGE


@contextmanager
def in_language(language: str) -> Iterator[None]:
	"""Render (and translate) in this language, then restore the request's."""
	saved = frappe.local.lang, frappe.local.jenv
	frappe.local.lang, frappe.local.jenv = language, None
	try:
		yield
	finally:
		frappe.local.lang, frappe.local.jenv = saved


class CustomerNotification(Notification):
	"""Frappe's Notification, its print attached in the language its e-mail is written in (the
	Print Format's default language otherwise)."""

	def get_attachment(self, doc):
		attachments = super().get_attachment(doc)
		for attachment in attachments or ():
			attachment["lang"] = frappe.local.lang
		return attachments


def notification_context(context: dict) -> dict:
	"""`get_context` of the module's Notifications: what the hook knew about the event (the
	customer's name, the Shipment, the ETA …) and the order's company."""
	doc = context["doc"]
	extra = doc.flags.customer_notification or frappe._dict(customer_name=doc.customer_name)
	return {**extra, "company": doc.company}

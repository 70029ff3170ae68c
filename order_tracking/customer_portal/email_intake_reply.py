"""The answer to an e-mailed order, threaded as a reply to the sender's mail, in the customer's
language (zh, zh-TW, else English): accepted with the order's number, promised date and its
tracking link; received (automatic conversion off); or rejected with each problem by line and
field. The answer is a sent Communication on the intake (its timeline shows it) queued through
Frappe's Email Queue with `In-Reply-To` set to the sender's Message-ID."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.email.doctype.email_queue.email_queue import QueueBuilder
from frappe.email.email_body import get_message_id
from frappe.utils import escape_html, formatdate
from frappe.utils.data import get_string_between

from order_tracking.customer_portal.notifications import in_language, notification_language
from order_tracking.customer_portal.portal import order_tracking_url


def send_answer(comm, intake) -> str | None:
	"""Queue the answer to `comm` about `intake`; the name of the answer's Communication."""
	account = answering_account(comm.email_account)
	if not account:
		return None
	language = notification_language(frappe.get_cached_value("Customer", intake.customer, "language"))
	url = order_tracking_url(intake.sales_order) if intake.sales_order else None
	with in_language(language):
		subject = answer_subject(comm.subject)
		content = answer_content(intake, url)
	reply = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Sent",
			"subject": subject,
			"content": content,
			"sender": account.email_id,
			"recipients": comm.sender,
			"email_account": account.name,
			"reference_doctype": "Order Intake",
			"reference_name": intake.name,
			"in_reply_to": comm.name,
			"message_id": get_string_between("<", get_message_id(), ">"),
		}
	)
	reply.insert(ignore_permissions=True)  # the app's own answer on its own intake
	queue = QueueBuilder(
		recipients=[comm.sender],
		sender=account.email_id,
		subject=subject,
		message=content,
		reference_doctype="Order Intake",
		reference_name=intake.name,
		communication=reply.name,
		in_reply_to=comm.name,  # Email Queue sends the sender's Message-ID as In-Reply-To
		message_id=reply.message_id,
		with_container=False,
	)
	# the account pinned: `frappe.sendmail` looks it up through `find_outgoing`, whose per-process
	# cache answers any sender with the default account once a default was looked up (a job that
	# sent a Notification first, or a long test run, sent the answer through the wrong server)
	queue._email_account = account
	queue.process(send_now=False)
	return reply.name


def answering_account(incoming_account: str):
	"""The mailbox the order came in by when it sends (else the Settings' order mailbox), else the
	outgoing account for Order Intake."""
	mailbox = frappe.db.get_single_value("Order Tracking Settings", "intake_email_account")
	for name in dict.fromkeys((incoming_account, mailbox)):
		account = EmailAccount.find(name) if name else None
		if account and account.enable_outgoing:
			return account
	return EmailAccount.find_outgoing(match_by_doctype="Order Intake")


def answer_subject(subject: str | None) -> str:
	subject = (subject or "").strip()
	if subject.lower().startswith(("re:", "回复:", "回覆:")):
		return subject[:140]
	return (_("Re: {0}").format(subject) if subject else _("Your order"))[:140]


def answer_content(intake, url: str | None) -> str:
	"""The answer's HTML in the current language."""
	if intake.sales_order:
		delivery_date = frappe.db.get_value("Sales Order", intake.sales_order, "delivery_date")
		lines = [
			_("Thank you: your order is accepted as {0}.").format(escape_html(intake.sales_order)),
			_("Promised delivery date: {0}").format(formatdate(delivery_date)),
		]
		if url:
			lines.append(_("Follow your order: {0}").format(f'<a href="{url}">{url}</a>'))
		return "".join(f"<p>{line}</p>" for line in lines)
	if intake.status == "Rejected":
		if intake.rejection_reason:  # the mail itself (no lines, its attachment): that reason alone
			problems = f"<li>{escape_html(intake.rejection_reason)}</li>"
		else:  # each line's and field's problem
			problems = "".join(f"<li>{escape_html(e.message)}</li>" for e in intake.errors)
		return (
			"<p>"
			+ _("We could not take your order {0}: please correct it and send it again.").format(
				escape_html(intake.name)
			)
			+ f"</p><ul>{problems}</ul>"
		)
	if intake.status == "Duplicate":
		return "<p>{}</p>".format(
			_("We already have this order as {0}: nothing new was created.").format(
				escape_html(intake.duplicate_of or intake.name)
			)
		)
	return "<p>{}</p>".format(
		_("Thank you: we received your order as {0} and will confirm it shortly.").format(
			escape_html(intake.name)
		)
	)

"""Complaints: the customer raises a complaint against a delivered order — an ERPNext **Issue**
(Support), with the Service Level Agreement ERPNext applies to it, linked to the order and its
delivery (`ot_sales_order`, `ot_delivery_note`) — and reads our answer on the portal.

`raise_complaint` (POST, multipart when a file comes with it) answers 403 for another customer's
order, 417 for an order not delivered, a complaint without text or an attachment over the limit
(the smaller of `COMPLAINT_ATTACHMENT_MB` and Frappe's max_file_size); nothing is written then.

The Issue's hooks keep the order's tracker (After Sales: open complaints, complaints) and timeline
(*Complaint Raised*, *Complaint Answered*, *Complaint Resolved*) up to date; the exception scan's
detector opens *Complaint SLA Breached* while an open complaint's resolution is overdue or its
agreement failed.
"""

from __future__ import annotations

import io

import frappe
from frappe import _
from frappe.query_builder.functions import Count
from frappe.rate_limiter import rate_limit
from frappe.utils import escape_html, get_datetime, now_datetime, strip_html

from order_tracking.after_sales.feedback import AfterSalesError, delivered_tracker, input_error
from order_tracking.core import after_sales as after_sales_core
from order_tracking.core.delivery import COMPLAINT_SLA_BREACHED, ExceptionSpec
from order_tracking.custom_fields import ISSUE_DELIVERY_NOTE, ISSUE_SALES_ORDER
from order_tracking.customer_portal.portal import delivery_notes_of, require_own_order
from order_tracking.order_tracking.events import EventSpec
from order_tracking.order_tracking.exceptions import ScanFacts, exception_detector
from order_tracking.order_tracking.tracking import record_events

ISSUE = "Issue"
COMPLAINT_ATTACHMENT_MB = 10
COMPLAINT_RAISED = "Complaint Raised"
COMPLAINT_ANSWERED = "Complaint Answered"
COMPLAINT_RESOLVED = "Complaint Resolved"
RATE_LIMIT_PER_HOUR = 20
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff")
ANSWERED_STATUSES = ("Replied",)


def attachment_limit() -> int:
	from frappe.core.api.file import get_max_file_size

	return min(COMPLAINT_ATTACHMENT_MB * 1024 * 1024, get_max_file_size())


def uploaded_attachment():
	"""The file posted with the complaint (multipart field `attachment`), as (name, content)."""
	files = getattr(frappe.request, "files", None) if getattr(frappe, "request", None) else None
	upload = files.get("attachment") if files else None
	if not upload or not upload.filename:
		return None
	return upload.filename, upload.stream.read()


def check_readable_image(file_name: str, content: bytes) -> None:
	"""An attachment named as an image must open as one: Frappe's File reads images (to strip their
	EXIF data) and a broken one would fail there, after the Issue was made."""
	if not file_name.lower().endswith(IMAGE_EXTENSIONS):
		return
	from PIL import Image

	try:
		with Image.open(io.BytesIO(content)) as image:
			image.load()
	except Exception:
		frappe.throw(
			_("Attachment {0} is not a readable image: send it again or as a PDF").format(
				frappe.bold(escape_html(file_name))
			),
			exc=AfterSalesError,
			title=_("Complaint"),
		)


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=RATE_LIMIT_PER_HOUR, seconds=60 * 60)
def raise_complaint(
	sales_order: str | None = None, description: str | None = None, delivery_note: str | None = None
) -> dict:
	"""A complaint against a delivered order of one of the user's customers: an Issue."""
	customer = require_own_order(sales_order)
	try:
		description = after_sales_core.clean_complaint(description)
	except after_sales_core.AfterSalesError as e:
		input_error(e, _("Complaint"))
	delivered_tracker(sales_order)
	notes = delivery_notes_of(sales_order)
	if delivery_note and delivery_note not in notes:
		frappe.throw(
			_("Delivery Note {0} is not a delivery of order {1}").format(
				frappe.bold(delivery_note), frappe.bold(sales_order)
			),
			exc=AfterSalesError,
			title=_("Complaint"),
		)
	attachment = uploaded_attachment()
	if attachment:
		try:
			after_sales_core.check_attachment_size(len(attachment[1]), attachment_limit())
		except after_sales_core.AfterSalesError as e:
			input_error(e, _("Complaint"))
		check_readable_image(*attachment)
	issue = frappe.get_doc(
		{
			"doctype": ISSUE,
			"subject": after_sales_core.complaint_subject(sales_order, description),
			"description": frappe.utils.escape_html(description).replace("\n", "<br>"),
			"customer": customer,
			"raised_by": frappe.db.get_value("User", frappe.session.user, "email") or frappe.session.user,
			"via_customer_portal": 1,
			"company": frappe.db.get_value("Sales Order", sales_order, "company"),
			ISSUE_SALES_ORDER: sales_order,
			ISSUE_DELIVERY_NOTE: delivery_note or (sorted(notes)[-1] if notes else None),
		}
	)
	# checked above: a portal user of the order's customer, the order delivered, the text and file
	issue.insert(ignore_permissions=True)
	if attachment:
		frappe.get_doc(
			{
				"doctype": "File",
				"file_name": attachment[0],
				"content": attachment[1],
				"attached_to_doctype": ISSUE,
				"attached_to_name": issue.name,
				"is_private": 1,
			}
		).insert(ignore_permissions=True)
	return complaint_view(issue.as_dict(), answers={})


# ------------------------------------------------------------------ Issue hooks


def on_issue_insert(doc, method=None):
	if doc.get(ISSUE_SALES_ORDER):
		complaint_changed(doc, COMPLAINT_RAISED)


def on_issue_update(doc, method=None):
	"""A complaint answered or resolved: on the order's timeline; its tracker's counts refreshed."""
	if not doc.get(ISSUE_SALES_ORDER) or doc.flags.in_insert or not doc.has_value_changed("status"):
		return
	if not after_sales_core.is_open_issue(doc.status):
		complaint_changed(doc, COMPLAINT_RESOLVED)
	elif doc.status in ANSWERED_STATUSES:
		if not answered_since_customer_wrote(doc.name):
			complaint_changed(doc, COMPLAINT_ANSWERED)
	else:
		update_complaint_counts(doc.get(ISSUE_SALES_ORDER))


def on_communication_insert(doc, method=None):
	"""doc_events Communication after_insert: an e-mail sent on a complaint's Issue (the desk's
	reply, which leaves the Issue's status as it was) answers it on the order's timeline, once
	for each time the customer wrote."""
	if not (
		doc.reference_doctype == ISSUE
		and doc.reference_name
		and doc.communication_type == "Communication"
		and doc.sent_or_received == "Sent"
	):
		return
	issue = frappe.db.get_value(
		ISSUE, doc.reference_name, ["name", "subject", ISSUE_SALES_ORDER], as_dict=True
	)
	if not issue or not issue.get(ISSUE_SALES_ORDER):
		return
	if not answered_since_customer_wrote(issue.name, doc.name):
		complaint_changed(issue, COMPLAINT_ANSWERED)


def answered_since_customer_wrote(issue: str, this_reply: str | None = None) -> bool:
	"""Whether the complaint already has its answer to the customer's latest word: a Complaint
	Answered event after the customer's last received mail (or the complaint itself)."""
	last_answered = frappe.db.get_value(
		"Order Event",
		{"reference_doctype": ISSUE, "reference_name": issue, "event": COMPLAINT_ANSWERED},
		"creation",
		order_by="creation desc",
	)
	if not last_answered:
		return False
	last_word = frappe.db.get_value(
		"Communication",
		{
			"reference_doctype": ISSUE,
			"reference_name": issue,
			"communication_type": "Communication",
			"sent_or_received": "Received",
			"name": ["!=", this_reply or ""],
		},
		"creation",
		order_by="creation desc",
	)
	return not last_word or get_datetime(last_word) < get_datetime(last_answered)


def on_issue_trash(doc, method=None):
	if doc.get(ISSUE_SALES_ORDER):
		frappe.db.after_commit.add(lambda: update_complaint_counts(doc.get(ISSUE_SALES_ORDER), commit=True))


def complaint_changed(doc, event: str):
	sales_order = doc.get(ISSUE_SALES_ORDER)
	stage = frappe.db.get_value("Order Tracker", sales_order, "stage")
	if stage is None:
		return
	update_complaint_counts(sales_order)
	record_events(
		[
			EventSpec(
				sales_order,
				stage,
				event,
				reference_doctype=ISSUE,
				reference_name=doc.name,
				source="Manual",
				remarks=doc.subject,
			)
		]
	)


def update_complaint_counts(sales_order: str, commit: bool = False):
	"""The tracker's open and total complaints, from the order's Issues (one query)."""
	issue = frappe.qb.DocType(ISSUE)
	rows = (
		frappe.qb.from_(issue)
		.select(issue.status, Count("*").as_("n"))
		.where(issue[ISSUE_SALES_ORDER] == sales_order)
		.groupby(issue.status)
	).run(as_dict=True)
	counts = {
		"open_complaints": sum(r.n for r in rows if after_sales_core.is_open_issue(r.status)),
		"complaints": sum(r.n for r in rows),
	}
	frappe.db.set_value("Order Tracker", sales_order, counts, update_modified=False)
	if commit:
		frappe.db.commit()  # nosemgrep (after the Issue's deletion was committed: its own transaction)


# ------------------------------------------------------------------ what the portal shows


def order_complaints(sales_order: str, customer: str) -> list[dict]:
	"""The customer's complaints about the order, newest first, with our replies."""
	issues = frappe.get_all(
		ISSUE,
		filters={ISSUE_SALES_ORDER: sales_order, "customer": customer},
		fields=["name", "subject", "status", "opening_date", "creation", "description", "resolution_details"],
		order_by="creation desc",
		limit=50,
	)
	if not issues:
		return []
	replies = frappe.get_all(
		"Communication",
		filters={
			"reference_doctype": ISSUE,
			"reference_name": ["in", [i.name for i in issues]],
			"communication_type": "Communication",
			"sent_or_received": "Sent",
		},
		fields=["reference_name", "content", "communication_date"],
		order_by="communication_date asc",
		limit=500,
	)
	answers: dict[str, list[dict]] = {}
	for r in replies:
		answers.setdefault(r.reference_name, []).append(
			{"at": r.communication_date, "text": strip_html(r.content or "").strip()}
		)
	return [complaint_view(i, answers) for i in issues]


def complaint_view(issue: dict, answers: dict) -> dict:
	status = issue.get("status") or "Open"
	return {
		"name": issue.get("name"),
		"status": status,
		"status_label": _(status),
		"is_open": after_sales_core.is_open_issue(status),
		"raised_at": issue.get("creation"),
		"text": strip_html((issue.get("description") or "").replace("<br>", "\n")).strip(),
		"answers": answers.get(issue.get("name"), []),
		"resolution": strip_html(issue.get("resolution_details") or "").strip(),
	}


# ------------------------------------------------------------------ the exception scan


@exception_detector(COMPLAINT_SLA_BREACHED)
def detect_complaint_sla_breaches(sales_orders: list[str], facts: ScanFacts) -> list[ExceptionSpec]:
	"""Orders with an open complaint past its resolution time (or whose agreement failed): a
	*Complaint SLA Breached* exception for the Sales User, about the Issue longest overdue. One
	query for the batch, only over orders whose tracker counts open complaints."""
	watched = [so for so in sales_orders if (facts.trackers[so].get("open_complaints") or 0) > 0]
	if not watched:
		return []
	issue = frappe.qb.DocType(ISSUE)
	rows = (
		frappe.qb.from_(issue)
		.select(
			issue.name,
			issue[ISSUE_SALES_ORDER].as_("sales_order"),
			issue.status,
			issue.agreement_status,
			issue.sla_resolution_by,
		)
		.where(issue[ISSUE_SALES_ORDER].isin(watched))
		.where(issue.status.notin(after_sales_core.CLOSED_ISSUE_STATUSES))
		.orderby(issue.sla_resolution_by)
	).run(as_dict=True)
	now = now_datetime()
	breached: dict[str, frappe._dict] = {}
	for r in rows:
		due = get_datetime(r.sla_resolution_by) if r.sla_resolution_by else None
		if r.sales_order not in breached and after_sales_core.sla_breached(
			r.status, r.agreement_status, due, now
		):
			breached[r.sales_order] = r
	return [
		ExceptionSpec(
			COMPLAINT_SLA_BREACHED,
			so,
			_("Complaint {0} was to be resolved by {1}").format(
				r.name, frappe.format(r.sla_resolution_by, {"fieldtype": "Datetime"})
			)
			if r.sla_resolution_by
			else _("Complaint {0}: its service level agreement failed").format(r.name),
			owner_role="Sales User",
			reference_doctype=ISSUE,
			reference_name=r.name,
		)
		for so, r in sorted(breached.items())
	]

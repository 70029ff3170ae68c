"""Orders that arrive by e-mail become Order Intakes, on Frappe's own e-mail machinery.

The Email Account chosen in Order Tracking Settings (*E-mail Intake → Order Mailbox*) is pulled
by Frappe's scheduler job (`frappe.email.doctype.email_account.email_account.pull`), which makes
one received Communication per new mail (a mail pulled twice is found by its Message-ID and
made once). When such a Communication is saved with its attachments, `on_communication_update`
turns it into an Order Intake of channel *E-mail* whose `external_ref` is the mail's Message-ID
(the unique index on channel + external_ref makes a second intake of one mail impossible); the
Communication is linked to the intake (its timeline shows the mail and its attachments).

- the customer: the sender's address on a Contact linked to exactly one Customer, else the
  Customer whose *Order E-mail Domain* is the address's domain; an unknown sender gives a
  rejected intake with that reason and nothing else (no order, no answer);
- the lines: from the CSV / XLSX attachments in the import template's columns, else from the
  body (`intake_core.email_order`); the customer's PO number from the subject is kept as `po_no`
  of the intake's raw payload and the Sales Order's *Customer's Purchase Order*;
- a flood: past the per-sender limit of mails per hour (Settings), the first mail over it
  becomes one rejected summary intake and the later ones are kept only as Communications;
- the Sales Order and the answer (`email_intake_reply`, threaded to the mail, in the customer's
  language): not in the pull, which only writes the intake, but in one background job queued
  after the mail's commit (`email_intake_jobs`), so that a pull of many mails never waits on them.

Whatever one mail holds, the hook never raises: a mail that cannot be read becomes a rejected
intake with the reason, inside a savepoint, so nothing half-made is kept and Frappe's pull goes
on with the next mail.
"""

from __future__ import annotations

import hashlib
import io
import json

import frappe
from frappe import _lt
from frappe.core.utils import html2text
from frappe.utils import add_to_date, cint, now_datetime

from order_tracking.core import email_order
from order_tracking.core import intake as intake_core
from order_tracking.customer_portal import email_intake_jobs
from order_tracking.order_tracking import intake as intake_module
from order_tracking.order_tracking.settings import get_settings

INTAKE = "Order Intake"
CHANNEL = "E-mail"
SAVEPOINT = "order_tracking_email_intake"
DEFAULT_MAX_KB = 2048
RATE_WINDOW_HOURS = 1
IMAGE_TYPES = ("png", "jpg", "jpeg", "gif", "bmp", "webp")

PROBLEMS = {
	email_order.NO_LINES: _lt(
		"The mail has no order lines: attach a CSV or XLSX in the import template, or write one line"
		" per item as 'item code, qty[, delivery date]'"
	),
	email_order.FORMULA: _lt("Row {0}, column {1} holds a formula: send the values only"),
	email_order.UNKNOWN_COLUMN: _lt(
		"Unknown column {0}: use the columns of the Order Intake import template"
	),
	email_order.NO_ITEM_COLUMN: _lt("The spreadsheet has no Item Code or Customer's Item Code column"),
	email_order.BAD_ATTACHMENT_TYPE: _lt("Attachment {0} is not a CSV or XLSX file"),
	email_order.ATTACHMENT_TOO_LARGE: _lt("Attachment {0} is {1} KB, more than the {2} KB allowed"),
	email_order.UNREADABLE: _lt("Attachment {0} cannot be read as a spreadsheet"),
	email_order.TOO_MANY_LINES: _lt("The mail orders {0} lines, more than the {1} one mail may hold"),
}
UNKNOWN_SENDER = _lt(
	"No customer is known by the sender's address {0}: add it to a contact of the customer or set the"
	" customer's Order E-mail Domain"
)
FLOOD = _lt(
	"{0} sent more than {1} mails within an hour: this and the sender's further mails of the hour are"
	" not read as orders"
)
NOT_READ = _lt("The mail could not be read: {0}")


# ------------------------------------------------------------------ the hook


def on_communication_update(doc, method=None) -> None:
	"""doc_events Communication on_update: a new mail of the order mailbox becomes an intake.

	Frappe's receive inserts the Communication, then saves it again with its attachments
	(`_attachments` set): the second save is the one that carries the whole mail."""
	if not (
		doc.sent_or_received == "Received"
		and doc.communication_medium == "Email"
		and hasattr(doc, "_attachments")
		and not doc.reference_doctype
	):
		return
	if not doc.email_account or doc.email_account != get_settings().get("intake_email_account"):
		return
	intake_from_mail(doc)


def intake_from_mail(comm) -> str | None:
	"""The intake of one received Communication (None when it makes none); never raises."""
	reference = mail_reference(comm)
	existing = frappe.db.get_value(INTAKE, {"channel": CHANNEL, "external_ref": reference}, "name")
	if existing:
		link_communication(comm, existing)
		return existing  # the same mail again: no second intake, no second answer
	frappe.db.savepoint(SAVEPOINT)
	try:
		intake, answer = build_and_insert(comm, reference)
	except Exception as e:
		frappe.db.rollback(save_point=SAVEPOINT)
		frappe.clear_messages()
		frappe.log_error(title="Order Tracking: e-mail intake", reference_doctype="Communication")
		try:
			intake, answer = (
				insert_rejected(comm, reference, None, str(NOT_READ).format(error_text(e))),
				False,
			)
		except Exception:
			frappe.db.rollback(save_point=SAVEPOINT)
			frappe.log_error(title="Order Tracking: e-mail intake", reference_doctype="Communication")
			return None
	if intake is None:
		return None
	link_communication(comm, intake.name)
	if answer or intake.status == "New":
		# its Sales Order and answer in the background, after this mail's commit
		email_intake_jobs.enqueue_finish()
	return intake.name


def build_and_insert(comm, reference: str):
	"""(intake, answer?) for one mail; raises only for what nobody foresaw."""
	settings = get_settings()
	action = email_order.flood_action(mails_in_window(comm), cint(settings.get("email_sender_hourly_limit")))
	if action == "drop":
		return None, False
	if action == "summary":
		reason = str(FLOOD).format(comm.sender, cint(settings.get("email_sender_hourly_limit")))
		return insert_rejected(comm, reference, None, reason), False

	customer = customer_of_sender(comm.sender)
	if not customer:
		return insert_rejected(comm, reference, None, str(UNKNOWN_SENDER).format(comm.sender)), False

	order = order_of_mail(comm, cint(settings.get("email_attachment_max_kb")) or DEFAULT_MAX_KB)
	if order.problems:
		reason = "; ".join(problem_text(p) for p in order.problems)
		return insert_rejected(comm, reference, customer, reason), True

	payload = {
		"channel": CHANNEL,
		"external_ref": reference,
		"customer": customer,
		"delivery_date": email_order.order_delivery_date(order),
		"transaction_date": order.transaction_date or comm.communication_date,
		"items": item_lines(order.items),
	}
	parsed = intake_core.parse_order_payload(payload, default_channel=CHANNEL)
	po_no = email_order.po_number_from_subject(comm.subject)
	# the customer's PO number from the subject: the Sales Order's, when the job makes it
	doc = intake_module.make_intake(parsed, raw_payload(comm, {**payload, "po_no": po_no}))
	doc.flags.defer_conversion = True  # the Sales Order in the background (email_intake_jobs)
	insert(doc)
	return doc, True


def insert_rejected(comm, reference: str, customer: str | None, reason: str):
	"""A rejected intake that keeps the mail's reason and creates nothing else."""
	doc = frappe.new_doc(INTAKE)
	doc.channel = CHANNEL
	doc.external_ref = reference
	doc.customer = customer
	doc.company = intake_module.default_company()  # not the pulling user's default company
	if not customer:
		doc.received_customer = (comm.sender or "")[:140]
	doc.transaction_date = now_datetime().date()
	doc.rejection_reason = reason
	doc.raw_payload = raw_payload(comm, {"reason": reason})
	doc.flags.parse_errors = [intake_core.IntakeError(None, "items", reason)]
	insert(doc)
	return doc


def insert(doc) -> None:
	# The order mailbox is the channel's gate: whoever may send to it may place an intake, as the
	# portal's order request may; the mail's sender was matched to the customer above.
	doc.flags.ignore_permissions = True
	doc.insert()


def link_communication(comm, intake: str) -> None:
	comm.db_set({"reference_doctype": INTAKE, "reference_name": intake}, update_modified=False)
	comm.reference_doctype, comm.reference_name = INTAKE, intake


def mail_reference(comm) -> str:
	"""The mail's Message-ID (hashed when longer than the field holds); the Communication's name
	for a mail without one."""
	message_id = (comm.message_id or "").strip() or f"communication:{comm.name}"
	if len(message_id) <= 140:
		return message_id
	return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()


def error_text(error: Exception) -> str:
	return frappe.utils.strip_html(str(error))[:300] or error.__class__.__name__


def problem_text(problem: email_order.Problem) -> str:
	args = list(problem.args)
	if problem.code == email_order.ATTACHMENT_TOO_LARGE:
		args = [args[0], (args[1] + 1023) // 1024, args[2] // 1024]
	return str(PROBLEMS[problem.code]).format(*args)


def raw_payload(comm, payload: dict) -> str:
	mail = {"from": comm.sender, "subject": comm.subject, "message_id": comm.message_id}
	return json.dumps({"mail": mail, **payload}, default=str, ensure_ascii=False, indent=1)


# ------------------------------------------------------------------ sender, rate


def add_indexes():
	"""The rate limit's count reads a sender's received mails since an hour ago."""
	frappe.db.add_index(
		"Communication", ["sender(140)", "creation"], index_name="order_tracking_sender_creation"
	)


def mails_in_window(comm) -> int:
	"""Mails of this sender to this mailbox within the rate window, this one included."""
	since = add_to_date(now_datetime(), hours=-RATE_WINDOW_HOURS)
	return frappe.db.count(
		"Communication",
		{
			"sender": comm.sender,
			"email_account": comm.email_account,
			"sent_or_received": "Received",
			"creation": (">=", since),
		},
	)


def customer_of_sender(sender: str | None) -> str | None:
	"""The one Customer the address belongs to: by a Contact's e-mail, else by its domain; read
	once per address in a pull (the job's request cache)."""
	address = (sender or "").strip().lower()
	if "@" not in address:
		return None
	known = frappe.local.cache.setdefault("order_tracking_email_customers", {})
	if address not in known:
		known[address] = find_customer(address)
	return known[address]


def find_customer(address: str) -> str | None:
	contact_email = frappe.qb.DocType("Contact Email")
	link = frappe.qb.DocType("Dynamic Link")
	customers = (
		frappe.qb.from_(contact_email)
		.join(link)
		.on((link.parent == contact_email.parent) & (link.parenttype == "Contact"))
		.select(link.link_name)
		.distinct()
		.where(contact_email.email_id == address)
		.where(contact_email.parenttype == "Contact")
		.where(link.link_doctype == "Customer")
		.limit(2)
		.run(pluck=True)
	)
	if len(customers) == 1:
		return customers[0]
	if customers:
		return None  # one address, several customers: which one ordered is not known
	domain = address.rsplit("@", 1)[1]
	by_domain = frappe.get_all(
		"Customer", filters={"order_email_domain": domain, "disabled": 0}, pluck="name", limit=2
	)
	return by_domain[0] if len(by_domain) == 1 else None


# ------------------------------------------------------------------ what the mail orders


def order_of_mail(comm, max_kb: int) -> email_order.EmailOrder:
	"""Lines from the mail's spreadsheets when it has any, else from its body."""
	max_size = max_kb * 1024
	problems: list[email_order.Problem] = []
	sheets: list[email_order.EmailOrder] = []
	for file in getattr(comm, "_attachments", None) or ():
		extension = (file.file_name or "").rsplit(".", 1)[-1].lower()
		if extension in IMAGE_TYPES:
			continue  # a logo or a signature picture
		content = file.get_content()
		if isinstance(content, str):
			content = content.encode()
		kind, problem = email_order.attachment_kind(file.file_name, len(content), max_size)
		if problem:
			problems.append(problem)
			continue
		try:
			rows = email_order.csv_rows(content) if kind == "csv" else xlsx_rows(content)
		except Exception:
			problems.append(email_order.Problem(email_order.UNREADABLE, (file.file_name,)))
			continue
		sheets.append(email_order.parse_table(rows))
	if problems:
		return email_order.EmailOrder(problems=problems)
	if not sheets:
		return email_order.parse_body(mail_text(comm))
	order = email_order.EmailOrder()
	for sheet in sheets:
		order.items += sheet.items
		order.problems += sheet.problems
		order.delivery_date = order.delivery_date or sheet.delivery_date
		order.transaction_date = order.transaction_date or sheet.transaction_date
	return order


def xlsx_rows(content: bytes) -> list[list]:
	"""The first sheet's cells; a formula stays its text ("=..."), so that the parser sees it."""
	from openpyxl import load_workbook

	workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
	try:
		sheet = workbook.worksheets[0]
		return [list(row) for row in sheet.iter_rows(values_only=True, max_row=email_order.MAX_LINES + 2)]
	finally:
		workbook.close()


def mail_text(comm) -> str:
	if comm.text_content:
		return comm.text_content
	return html2text(comm.content or "")


def item_lines(items: list[dict]) -> list[dict]:
	"""The payload's items: a body line's code is our item code when such an item exists, else
	the customer's own item code (one query for all lines)."""
	codes = [i["code"] for i in items if i.get("code")]
	ours = set(frappe.get_all("Item", filters={"name": ("in", codes)}, pluck="name")) if codes else set()
	lines = []
	for item in items:
		line = {k: v for k, v in item.items() if k != "code"}
		if item.get("code"):
			line["item_code" if item["code"] in ours else "customer_item_code"] = item["code"]
		lines.append(line)
	return lines

"""The heavy rest of an e-mailed order, after the pull: its Sales Order and its answer.

Frappe's pull job only writes each mail's Order Intake (validated, with its lines:
`email_intake`); making the draft Sales Order (most of a mail's time, in ERPNext) and sending
the answer (which must name the order, its promised date and tracking link, so it comes after
the order) are done here, in a background job, so that a pull of many mails never waits on them.

- one job for many intakes: every mail's pull enqueues `finish_pending_intakes` after its commit
  under one job id, deduplicated, and the job takes all pending intakes in batches of `BATCH`,
  committing each intake, until none is left;
- nothing is lost: an intake is *pending* while it is accepted but has no order yet, or has a
  customer (so is to be answered) but no sent answer on its timeline; `enqueue_if_pending`
  (scheduler, every few minutes) starts the job again when any is left, e.g. after a worker died
  or a mail came in just as the job ended;
- once only: each intake is finished under a row lock and re-read, and the answer is sent only
  when the intake has no sent Communication yet, so two jobs (or a duplicate mail) never answer
  twice;
- a failure is the intake's own: it is rolled back to its savepoint, logged, left pending for the
  next run, and the job goes on with the next intake.
"""

from __future__ import annotations

import json

from pypika.terms import ExistsCriterion

import frappe
from frappe.utils import add_days, cint, now_datetime

from order_tracking.order_tracking.settings import get_settings

INTAKE = "Order Intake"
CHANNEL = "E-mail"
JOB_ID = "order_tracking_email_intake_finish"
JOB_METHOD = "order_tracking.customer_portal.email_intake_jobs.finish_pending_intakes"
BATCH = 20
LOOKBACK_DAYS = 3  # an intake older than this is left to a clerk
SAVEPOINT = "order_tracking_email_intake_finish"


def enqueue_finish(after_commit: bool = True) -> None:
	"""Start the finishing job unless it is queued or running already."""
	frappe.enqueue(
		JOB_METHOD,
		queue="short",
		timeout=1800,
		job_id=JOB_ID,
		deduplicate=True,
		enqueue_after_commit=after_commit,
	)


def enqueue_if_pending() -> None:
	"""Scheduler: start the job when intakes wait for their order or answer (a lost job)."""
	if pending_intakes(limit=1):
		enqueue_finish(after_commit=False)


def finish_pending_intakes(limit: int | None = None) -> int:
	"""Background job: the Sales Order and answer of every pending e-mail intake; how many."""
	seen: set[str] = set()  # once a run: a failed one waits for the next run
	done = 0
	while limit is None or done < limit:
		names = pending_intakes(BATCH, exclude=seen)
		if not names:
			break
		for name in names:
			seen.add(name)
			done += finish_intake(name)
			# one intake at a time: a later failure never undoes an order already answered
			frappe.db.commit()  # nosemgrep (background job, committed per intake)
	return done


def pending_intakes(limit: int = BATCH, exclude: set[str] | None = None) -> list[str]:
	"""E-mail intakes of the last days still waiting for their order or their answer."""
	settings = get_settings()
	intake = frappe.qb.DocType(INTAKE)
	comm = frappe.qb.DocType("Communication")
	waits = []
	if cint(settings.get("auto_convert")):
		waits.append((intake.status == "New") & intake.sales_order.isnull())
	if cint(settings.get("email_answer_sender", 1)):
		answered = (
			frappe.qb.from_(comm)
			.select(comm.name)
			.where(comm.reference_doctype == INTAKE)
			.where(comm.reference_name == intake.name)
			.where(comm.sent_or_received == "Sent")
		)
		waits.append(intake.customer.isnotnull() & ExistsCriterion(answered).negate())
	if not waits:
		return []
	condition = waits[0] if len(waits) == 1 else waits[0] | waits[1]
	query = (
		frappe.qb.from_(intake)
		.select(intake.name)
		.where(intake.channel == CHANNEL)
		.where(intake.creation >= add_days(now_datetime(), -LOOKBACK_DAYS))
		.where(condition)
		.orderby(intake.creation)
		.limit(limit)
	)
	if exclude:
		query = query.where(intake.name.notin(list(exclude)))
	return query.run(pluck=True)


def finish_intake(name: str) -> bool:
	"""Order and answer of one intake, inside a savepoint; False when it failed (logged)."""
	frappe.db.savepoint(SAVEPOINT)
	try:
		# the row lock serialises two jobs on one intake; what they read after it is current
		frappe.db.get_value(INTAKE, name, "name", for_update=True)
		intake = frappe.get_doc(INTAKE, name)
		settings = get_settings()
		if cint(settings.get("auto_convert")) and intake.status == "New" and not intake.sales_order:
			convert(intake)
		if intake.customer and cint(settings.get("email_answer_sender", 1)) and not answered(name):
			answer(intake)
		return True
	except Exception:
		frappe.db.rollback(save_point=SAVEPOINT)
		frappe.clear_messages()
		frappe.log_error(title="Order Tracking: e-mail intake order or answer", reference_doctype=INTAKE)
		return False


def convert(intake) -> None:
	"""The draft Sales Order, with the customer's PO number from the mail's subject."""
	intake.convert(raise_on_failure=False)
	intake.reload()
	if intake.sales_order:
		po_no = json.loads(intake.raw_payload or "{}").get("po_no")
		frappe.db.set_value("Sales Order", intake.sales_order, "po_no", (po_no or "")[:140] or None)


def answered(intake: str) -> bool:
	return bool(
		frappe.db.exists(
			"Communication",
			{"reference_doctype": INTAKE, "reference_name": intake, "sent_or_received": "Sent"},
		)
	)


def answer(intake) -> None:
	from order_tracking.customer_portal.email_intake_reply import send_answer

	mail = frappe.get_all(
		"Communication",
		filters={"reference_doctype": INTAKE, "reference_name": intake.name, "sent_or_received": "Received"},
		pluck="name",
		order_by="creation asc",
		limit=1,
	)
	if mail:
		send_answer(frappe.get_doc("Communication", mail[0]), intake)


def pending_count() -> int:
	"""How many e-mail intakes wait (the benchmark's and a test's measure)."""
	return len(pending_intakes(limit=100_000))

"""Late returns, daily: each order past its return date with something still out gets an event on
its orders' timelines and an e-mail to the supplier's contact, once a day."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt, getdate, nowdate

from order_tracking.core import outsourcing, stages
from order_tracking.order_tracking.settings import get_settings
from order_tracking.order_tracking.tracking import EventSpec, record_events
from order_tracking.outsourcing.order_state import ORDER, qty_by_order


def remind_late_returns(today=None, commit: bool = True) -> list[str]:
	"""Daily: each order past its return date with something still out — an event on the orders'
	timelines and an e-mail to the supplier's contact, once a day (the order remembers the day)."""
	today = getdate(today or nowdate())
	rows = frappe.get_all(
		ORDER,
		filters={
			"docstatus": 1,
			"status": ("in", (outsourcing.SENT, outsourcing.PARTLY_RETURNED, outsourcing.TO_SEND)),
			"due_date": ("<", today),
		},
		fields=["name", "supplier", "supplier_name", "due_date", "pending_qty", "reminded_on"],
		limit=10000,
	)
	reminded = []
	for r in rows:
		if not outsourcing.should_remind(
			getdate(r.due_date), today, flt(r.pending_qty), getdate(r.reminded_on) if r.reminded_on else None
		):
			continue
		# claim the day under the row's lock: a concurrent run waits here, then finds it taken
		last = frappe.db.get_value(ORDER, r.name, "reminded_on", for_update=True)
		if last and getdate(last) == today:
			continue
		frappe.db.set_value(ORDER, r.name, "reminded_on", today, update_modified=False)
		doc = frappe.get_doc(ORDER, r.name)
		days = outsourcing.days_late(getdate(r.due_date), today)
		record_events(
			[
				EventSpec(
					so,
					stages.IN_PRODUCTION,
					"Outsourcing Return Late",
					ORDER,
					r.name,
					qty=qty,
					planned_at=r.due_date,
					source="Job",
					remarks=_("{0} days late at {1}").format(days, r.supplier_name),
				)
				for so, qty in qty_by_order(doc.items, "pending_qty").items()
			]
		)
		_email_supplier(doc, days)
		frappe.db.set_value(ORDER, r.name, "is_late", 1, update_modified=False)
		reminded.append(r.name)
		if commit:
			# a scheduled job: each reminder stands on its own
			frappe.db.commit()  # nosemgrep
	return reminded


def remind_late_returns_job():
	"""The daily job, unless Settings turn supplier reminders off."""
	if frappe.utils.cint(get_settings().get("remind_late_returns")):
		remind_late_returns()


def _email_supplier(doc, days: int):
	from frappe.contacts.doctype.contact.contact import get_default_contact

	contact = get_default_contact("Supplier", doc.supplier)
	email = frappe.db.get_value("Contact", contact, "email_id") if contact else None
	email = email or frappe.db.get_value("Supplier", doc.supplier, "email_id")
	if not email:
		return
	try:
		_send_reminder(doc, days, email)
	except frappe.OutgoingEmailError:
		# no outgoing e-mail account: the timeline has the late event; say why no mail went
		doc.add_comment(
			"Info", _("No outgoing e-mail account is set up: {0} was not reminded by e-mail").format(email)
		)


def _send_reminder(doc, days: int, email: str):
	lines = "".join(
		f"<li>{frappe.utils.escape_html(d.item_code)}{' — ' + frappe.utils.escape_html(d.operation) if d.operation else ''}: {flt(d.pending_qty)}</li>"
		for d in doc.items
		if flt(d.pending_qty) > outsourcing.EPS
	)
	frappe.sendmail(
		recipients=[email],
		subject=_("Reminder: {0} was due back on {1}").format(
			doc.name, frappe.format(doc.due_date, {"fieldtype": "Date"})
		),
		message=_(
			"Our outsourcing order {0} was due back on {1} and is {2} days late. Still expected:"
		).format(doc.name, frappe.format(doc.due_date, {"fieldtype": "Date"}), days)
		+ f"<ul>{lines}</ul>",
		reference_doctype=ORDER,
		reference_name=doc.name,
		now=False,
	)

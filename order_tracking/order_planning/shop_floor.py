"""The shop floor as every order-planning feature reads and writes it: the document names, the
states of work orders and job cards, a job card's scheduled slot (`set_job_card_times`), working
time on a workstation's calendar (`end_after`, `working_minutes`) and the desk's bell (`notify`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import frappe

from order_tracking.core import planning, review

PLAN = "Order Plan"
DAILY = "Daily Schedule"
WO_OPEN = ("Not Started", "In Process")
JOB_CARD_DONE = ("Completed", "Cancelled")
JOB_CARD_STARTED = ("Work In Progress", "Material Transferred", "On Hold")
HORIZON_DAYS = 120


class PlanError(frappe.ValidationError):
	pass


def workstations_by_type(calendars: dict[str, review.Calendar]) -> dict[str, list[str]]:
	"""The workstations of each workstation type that have a calendar, by name."""
	by_type: dict[str, list[str]] = defaultdict(list)
	for ws, cal in sorted(calendars.items()):
		if cal.workstation_type:
			by_type[cal.workstation_type].append(ws)
	return by_type


def set_job_card_times(job_card: str, start: datetime, end: datetime):
	"""A job card's scheduled slot: its expected start and end, and the one scheduled time row
	ERPNext's own capacity planning reads when it places other cards around it."""
	minutes = (end - start).total_seconds() / 60
	frappe.db.set_value(
		"Job Card", job_card, {"expected_start_date": start, "expected_end_date": end}, update_modified=False
	)
	frappe.db.delete("Job Card Scheduled Time", {"parent": job_card, "parenttype": "Job Card"})
	frappe.get_doc(
		{
			"doctype": "Job Card Scheduled Time",
			"parent": job_card,
			"parenttype": "Job Card",
			"parentfield": "scheduled_time_logs",
			"idx": 1,
			"from_time": start,
			"to_time": end,
			"time_in_mins": minutes,
		}
	).db_insert()


def end_after(calendar: review.Calendar | None, start: datetime, minutes: int) -> datetime:
	"""When `minutes` of work from `start` end on the calendar (24 h a day without one)."""
	if calendar is None or calendar.minutes_per_day <= planning.EPS:
		return start + timedelta(minutes=minutes)
	remaining = float(minutes)
	day = start.date()
	for _day in range(HORIZON_DAYS * 2):
		if day not in calendar.holidays:
			for p_start, p_end in calendar.day_periods():
				a = max(start, datetime.combine(day, datetime.min.time()) + timedelta(minutes=p_start))
				b = datetime.combine(day, datetime.min.time()) + timedelta(minutes=p_end)
				if b <= a:
					continue
				take = min(remaining, (b - a).total_seconds() / 60)
				remaining -= take
				if remaining <= planning.EPS:
					return a + timedelta(minutes=take)
		day += timedelta(days=1)
	return start + timedelta(minutes=minutes)


def working_minutes(calendar: review.Calendar | None, start: datetime, end: datetime) -> int:
	if calendar is None:
		return int((end - start).total_seconds() // 60)
	return round(sum(planning.working_minutes_by_day(calendar, start, end).values()))


def notify(users: list[str], doc, subject: str):
	"""A System Notification (the desk's bell) to each user."""
	from frappe.desk.doctype.notification_log.notification_log import enqueue_create_notification

	users = [u for u in users if u]
	if not users:
		return
	enqueue_create_notification(
		users,
		{
			"type": "Alert",
			"document_type": doc.doctype,
			"document_name": doc.name,
			"subject": subject,
			"from_user": "Administrator",
		},
	)

"""After delivery, in plain Python: what a customer's rating and complaint must be, when a
complaint's service level is breached, and the satisfaction figures of Customer Analysis.

No frappe import: `order_tracking.after_sales` turns the codes of `AfterSalesError` into translated
messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from order_tracking.core import stages

MIN_RATING = 1
MAX_RATING = 5
MAX_COMMENT_LENGTH = 2000
MAX_COMPLAINT_LENGTH = 5000
MAX_SUBJECT_LENGTH = 140

PORTAL = "Portal"
LINK = "Link"
SOURCES = (PORTAL, LINK)

# the stages of an order whose goods have reached the customer
DELIVERED_STAGES = (stages.DELIVERED, stages.BILLED, stages.PAID)
# an Issue that is still being handled (ERPNext's Issue.status)
CLOSED_ISSUE_STATUSES = ("Resolved", "Closed")
SLA_FAILED = "Failed"

# error codes
RATING_INVALID = "rating_invalid"
COMMENT_TOO_LONG = "comment_too_long"
COMPLAINT_REQUIRED = "complaint_required"
COMPLAINT_TOO_LONG = "complaint_too_long"
ATTACHMENT_TOO_LARGE = "attachment_too_large"
SOURCE_INVALID = "source_invalid"


class AfterSalesError(ValueError):
	def __init__(self, code: str, limit: int | None = None):
		super().__init__(code)
		self.code = code
		self.limit = limit


def parse_rating(value) -> int:
	"""A whole number from 1 to 5 (a string of one as the portal posts it); anything else refused."""
	if isinstance(value, bool):
		raise AfterSalesError(RATING_INVALID)
	if isinstance(value, str):
		value = value.strip()
		if not value.isdigit():
			raise AfterSalesError(RATING_INVALID)
		value = int(value)
	if isinstance(value, float) and value.is_integer():
		value = int(value)
	if not isinstance(value, int) or not MIN_RATING <= value <= MAX_RATING:
		raise AfterSalesError(RATING_INVALID)
	return value


def clean_comment(text) -> str:
	"""The rating's comment, trimmed; optional, at most MAX_COMMENT_LENGTH characters."""
	text = ("" if text is None else str(text)).strip()
	if len(text) > MAX_COMMENT_LENGTH:
		raise AfterSalesError(COMMENT_TOO_LONG, MAX_COMMENT_LENGTH)
	return text


def clean_complaint(text) -> str:
	"""The complaint's text, trimmed: required, at most MAX_COMPLAINT_LENGTH characters."""
	text = ("" if text is None else str(text)).strip()
	if not text:
		raise AfterSalesError(COMPLAINT_REQUIRED)
	if len(text) > MAX_COMPLAINT_LENGTH:
		raise AfterSalesError(COMPLAINT_TOO_LONG, MAX_COMPLAINT_LENGTH)
	return text


def complaint_subject(sales_order: str, text: str) -> str:
	"""The Issue's subject: the order and the complaint's first line, cut to fit."""
	first_line = text.strip().splitlines()[0] if text.strip() else ""
	subject = f"{sales_order}: {first_line}"
	if len(subject) > MAX_SUBJECT_LENGTH:
		subject = subject[: MAX_SUBJECT_LENGTH - 1].rstrip() + "…"
	return subject


def check_attachment_size(size: int, limit: int) -> None:
	"""Refuse an attachment larger than `limit` bytes (the limit in MB on the error)."""
	if limit and size > limit:
		raise AfterSalesError(ATTACHMENT_TOO_LARGE, max(limit // (1024 * 1024), 1))


def check_source(source: str) -> str:
	if source not in SOURCES:
		raise AfterSalesError(SOURCE_INVALID)
	return source


def is_delivered(stage: str | None, delivered_at) -> bool:
	"""The goods have reached the customer: the order is delivered (billed, paid) or was once."""
	return stage in DELIVERED_STAGES or (bool(delivered_at) and stage != stages.CANCELLED)


def is_open_issue(status: str | None) -> bool:
	return status not in CLOSED_ISSUE_STATUSES


def sla_breached(status: str | None, agreement_status: str | None, resolution_by, now: datetime) -> bool:
	"""An open complaint whose service level agreement failed, or whose resolution is overdue."""
	if not is_open_issue(status):
		return False
	if agreement_status == SLA_FAILED:
		return True
	return resolution_by is not None and resolution_by < now


@dataclass(frozen=True)
class Satisfaction:
	ratings: int
	mean_rating: float | None
	complaints: int
	complaints_per_100: float | None


def satisfaction(orders: int, ratings: int, rating_total: float, complaints: int) -> Satisfaction:
	"""Mean rating of the rated orders; complaints per 100 orders (None without orders)."""
	return Satisfaction(
		ratings=ratings,
		mean_rating=round(rating_total / ratings, 2) if ratings else None,
		complaints=complaints,
		complaints_per_100=round(100.0 * complaints / orders, 2) if orders else None,
	)

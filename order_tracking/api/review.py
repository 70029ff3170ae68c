"""Order review from the desk and REST: open (or continue) a Sales Order's review, re-run its checks."""

from __future__ import annotations

import frappe
from frappe import _

from order_tracking.api.arguments import required_arguments

REVIEW = "Order Review"


@frappe.whitelist(methods=["POST"])
@required_arguments
def make_order_review(sales_order: str) -> str:
	"""The Sales Order's open review, or a new one with its checks run."""
	frappe.has_permission("Sales Order", "read", sales_order, throw=True)
	open_review = frappe.db.get_value(REVIEW, {"sales_order": sales_order, "docstatus": 0}, "name")
	if open_review:
		return open_review
	review = frappe.get_doc({"doctype": REVIEW, "sales_order": sales_order})
	review.insert()  # checks create permission
	return review.name


@frappe.whitelist(methods=["POST"])
@required_arguments
def rerun_order_review(review: str) -> dict:
	"""Fresh results for a review that is not approved yet."""
	from order_tracking.order_tracking.doctype.order_review.order_review import ReviewError

	doc = frappe.get_doc(REVIEW, review)
	doc.check_permission("write")
	if doc.docstatus != 0:
		frappe.throw(
			_("Approved reviews are not changed: cancel and amend Order Review {0} to review again").format(
				doc.name
			),
			exc=ReviewError,
			title=_("Review Approved"),
		)
	doc.flags.run_checks = True
	doc.save()
	return {
		"result": doc.result,
		"approval_required": doc.approval_required,
		"proposed_date": doc.proposed_date,
	}


def review_for_new_order(sales_order: str) -> str | None:
	"""An intake just became this order: start its review (the intake's rights were checked)."""
	review = frappe.get_doc({"doctype": REVIEW, "sales_order": sales_order})
	review.flags.ignore_permissions = True
	review.insert()
	return review.name


def enqueue_review_of_intake(intake: str, sales_order: str) -> None:
	"""The review of the order an intake just made, in a background job once the intake is
	committed: its material and capacity checks are most of an intake's work, and the caller gets
	its answer without waiting for them. One job per order (job id); intakes whose job was lost
	are picked up by `start_missing_reviews`."""
	frappe.enqueue(
		"order_tracking.api.review.start_review_of_intake",
		queue="short",
		job_id=f"order_review_of_intake::{sales_order}",
		deduplicate=True,
		enqueue_after_commit=True,
		# tests (and the demo) see the review at once, as a user of a quiet site would
		now=bool(frappe.flags.in_test or frappe.flags.ot_review_now),
		intake=intake,
		sales_order=sales_order,
	)


def start_review_of_intake(intake: str, sales_order: str) -> str | None:
	"""(background job) Start the review of the order `intake` made, once: an existing review of
	the order is linked instead of a second one."""
	if frappe.db.get_value("Sales Order", sales_order, "docstatus") != 0:
		return None  # gone, or submitted meanwhile without one
	review = frappe.db.get_value(REVIEW, {"sales_order": sales_order, "docstatus": ("<", 2)}, "name")
	review = review or review_for_new_order(sales_order)
	frappe.db.set_value(
		"Order Intake", intake, {"order_review": review, "review_status": "Draft"}, update_modified=False
	)
	return review


def start_missing_reviews(older_than_minutes: int = 5) -> int:
	"""Scheduled (every tick): intakes converted a while ago whose review job was lost (Redis
	restarted, a worker killed) get it queued again."""
	from frappe.utils import add_to_date, cint, now_datetime

	from order_tracking.order_tracking.tracking import get_settings

	if not cint(get_settings().create_review_from_intake):
		return 0
	oi = frappe.qb.DocType("Order Intake")
	so = frappe.qb.DocType("Sales Order")
	rows = (
		frappe.qb.from_(oi)
		.join(so)
		.on(so.name == oi.sales_order)
		.select(oi.name, oi.sales_order)
		.where(
			(oi.status == "Converted")
			& oi.order_review.isnull()
			& (so.docstatus == 0)
			& (oi.converted_on < add_to_date(now_datetime(), minutes=-older_than_minutes))
		)
		.limit(500)
		.run(as_dict=True)
	)
	for row in rows:
		enqueue_review_of_intake(row.name, row.sales_order)
	return len(rows)


def require_approved_review(so) -> None:
	"""`before_submit` of Sales Order when reviews are mandatory."""
	if frappe.db.exists(REVIEW, {"sales_order": so.name, "docstatus": 1}):
		return
	frappe.throw(
		_(
			"Sales Order {0} needs an approved Order Review before it is submitted: open one with "
			"Create → Order Review on the Sales Order, run its checks and have it approved."
		).format(so.name),
		title=_("Order Review Required"),
	)

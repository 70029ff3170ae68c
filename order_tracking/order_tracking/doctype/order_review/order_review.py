# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import json

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, now_datetime

from order_tracking.core import stages
from order_tracking.core.review import worst
from order_tracking.order_tracking.review import proposed_date, result_detail, review_sales_order
from order_tracking.order_tracking.settings import tracking_paused
from order_tracking.order_tracking.tracking import EventSpec, record_events

DRAFT = "Draft"
PENDING = "Pending Approval"
APPROVED = "Approved"
REJECTED = "Rejected"


class ReviewError(frappe.ValidationError):
	pass


class OrderReview(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_tracking.order_tracking.doctype.order_review_result.order_review_result import (
			OrderReviewResult,
		)

		amended_from: DF.Link | None
		apply_proposed_date: DF.Check
		approval_reason: DF.Data | None
		approval_required: DF.Check
		approved_delivery_date: DF.Date | None
		checked_on: DF.Datetime | None
		company: DF.Link | None
		credit_limit: DF.Currency
		customer: DF.Link | None
		customer_name: DF.Data | None
		earliest_feasible_date: DF.Date | None
		material_claims: DF.JSON | None
		materials_complete_on: DF.Date | None
		naming_series: DF.Literal["OR-.YYYY.-"]
		order_intake: DF.Link | None
		order_total: DF.Currency
		outstanding_amount: DF.Currency
		promised_date: DF.Date | None
		proposed_date: DF.Date | None
		rejection_reason: DF.SmallText | None
		result: DF.Literal["", "Pass", "Warn", "Fail"]
		results: DF.Table[OrderReviewResult]
		reviewed_by: DF.Link | None
		reviewed_on: DF.Datetime | None
		sales_order: DF.Link
		workflow_state: DF.Link | None

	# end: auto-generated types
	def validate(self):
		self.set_order_details()
		self.validate_one_open_review()
		if self.is_new() or self.flags.run_checks:
			self.run_checks()
		self.validate_decision()

	def after_insert(self):
		self.record(stages.UNDER_REVIEW, "Review Started", remarks=self.result)

	def on_update(self):
		if self.is_new() or not self.has_value_changed("workflow_state"):
			return
		self.sync_intake()
		if self.workflow_state == PENDING:
			self.record(stages.UNDER_REVIEW, "Review Submitted for Approval", remarks=self.approval_reason)
		elif self.workflow_state == REJECTED:
			self.record(stages.RECEIVED, "Review Rejected", remarks=self.rejection_reason)

	def on_submit(self):
		if self.apply_proposed_date and self.proposed_date:
			self.move_delivery_date()
		self.sync_intake()
		self.record(
			stages.APPROVED,
			"Review Approved",
			planned_at=self.approved_delivery_date or self.promised_date,
		)

	def on_cancel(self):
		self.record(stages.UNDER_REVIEW, "Review Cancelled")

	# ----------------------------------------------------------------------------------------

	def set_order_details(self):
		so = frappe.db.get_value(
			"Sales Order",
			self.sales_order,
			["docstatus", "customer", "customer_name", "company", "order_intake"],
			as_dict=True,
		)
		if not so:
			frappe.throw(_("Sales Order {0} not found").format(self.sales_order), exc=ReviewError)
		if so.docstatus == 2:
			frappe.throw(
				_("Sales Order {0} is cancelled: there is nothing to review").format(self.sales_order),
				exc=ReviewError,
				title=_("Cancelled Order"),
			)
		self.update(
			{
				"customer": so.customer,
				"customer_name": so.customer_name,
				"company": so.company,
				"order_intake": so.order_intake,
			}
		)

	def validate_one_open_review(self):
		if self.docstatus != 0:
			return
		other = frappe.db.get_value(
			"Order Review",
			{"sales_order": self.sales_order, "docstatus": 0, "name": ("!=", self.name or "")},
			"name",
		)
		if other:
			frappe.throw(
				_("Order Review {0} of Sales Order {1} is still open: continue with it").format(
					other, self.sales_order
				),
				exc=ReviewError,
				title=_("Review Already Open"),
			)

	def run_checks(self):
		"""Fresh results from the order, stock, supply and capacity as they are now."""
		if self.docstatus != 0:
			frappe.throw(
				_(
					"Approved reviews are not changed: cancel and amend Order Review {0} to review again"
				).format(self.name),
				exc=ReviewError,
				title=_("Review Approved"),
			)
		so = frappe.get_doc("Sales Order", self.sales_order)
		outcome = review_sales_order(so, exclude_review=self.name)
		self.set("results", [])
		for r in outcome.results:
			self.append(
				"results",
				{
					"check": r.check,
					"subject": r.subject,
					"result": r.result,
					"code": r.code,
					"detail": result_detail(r),
					"item_code": r.item_code,
					"workstation": r.workstation,
					"required_qty": r.required,
					"available_qty": r.available,
					"shortage_qty": r.shortage,
					"supply_date": r.on,
					"load_hours": r.load_hours,
					"capacity_hours": r.capacity_hours,
					"utilisation_pct": r.utilisation_pct,
				},
			)
		self.update(
			{
				"result": worst(outcome.results),
				"approval_required": int(outcome.approval_required),
				"approval_reason": outcome.approval_reason,
				"promised_date": outcome.promised,
				"materials_complete_on": outcome.materials_complete_on,
				"earliest_feasible_date": outcome.feasible_on,
				"proposed_date": proposed_date(outcome.promised, outcome.feasible_on),
				"order_total": outcome.order_total,
				"outstanding_amount": outcome.outstanding,
				"credit_limit": outcome.credit_limit,
				"material_claims": json.dumps(outcome.claims, sort_keys=True),
				"checked_on": now_datetime(),
			}
		)
		if not self.proposed_date:
			self.apply_proposed_date = 0

	def validate_decision(self):
		if self.workflow_state == REJECTED and not (self.rejection_reason or "").strip():
			frappe.throw(
				_("Give the reason for rejecting in Rejection Reason: it goes back to the clerk"),
				exc=ReviewError,
				title=_("Rejection Reason Missing"),
			)
		if self.has_value_changed("workflow_state") and self.workflow_state in (APPROVED, REJECTED):
			self.reviewed_by = frappe.session.user
			self.reviewed_on = now_datetime()

	def sync_intake(self):
		"""The intake the order came from shows where its review stands; a rejection goes back to
		the clerk there, with its reason."""
		if not self.order_intake:
			return
		rejected = self.workflow_state == REJECTED
		frappe.db.set_value(
			"Order Intake",
			self.order_intake,
			{
				"order_review": self.name,
				"review_status": self.workflow_state or DRAFT,
				"rejection_reason": self.rejection_reason if rejected else None,
			},
			update_modified=False,
		)
		if rejected:
			frappe.get_doc("Order Intake", self.order_intake).add_comment(
				"Comment",
				_("Order Review {0} rejected the order: {1}").format(self.name, self.rejection_reason),
			)

	def move_delivery_date(self):
		"""Approving with the proposed date moves the Sales Order's delivery date to it."""
		so = frappe.get_doc("Sales Order", self.sales_order)
		new_date = getdate(self.proposed_date)
		so.delivery_date = new_date
		for item in so.items:
			if not item.delivery_date or getdate(item.delivery_date) < new_date:
				item.delivery_date = new_date
		# the reviewer's right to approve was checked by the workflow; moving the date is part of it
		so.flags.ignore_permissions = True
		so.save()
		so.add_comment(
			"Comment",
			_("Delivery date moved from {0} to {1} by Order Review {2}").format(
				frappe.format(self.promised_date, {"fieldtype": "Date"}),
				frappe.format(new_date, {"fieldtype": "Date"}),
				self.name,
			),
		)
		self.db_set("approved_delivery_date", new_date)

	def record(self, stage: str, event: str, remarks: str | None = None, planned_at=None):
		if tracking_paused():
			return
		record_events(
			[
				EventSpec(
					self.sales_order,
					stage,
					event,
					"Order Review",
					self.name,
					remarks=remarks,
					planned_at=planned_at,
					source="Review",
				)
			]
		)


def review_for_new_order(sales_order: str) -> str | None:
	"""An intake just became this order: start its review (the intake's rights were checked)."""
	review = frappe.get_doc({"doctype": "Order Review", "sales_order": sales_order})
	review.flags.ignore_permissions = True
	review.insert()
	return review.name


def require_approved_review(so) -> None:
	"""`before_submit` of Sales Order when reviews are mandatory."""
	if frappe.db.exists("Order Review", {"sales_order": so.name, "docstatus": 1}):
		return
	frappe.throw(
		_(
			"Sales Order {0} needs an approved Order Review before it is submitted: open one with "
			"Create → Order Review on the Sales Order, run its checks and have it approved."
		).format(so.name),
		title=_("Order Review Required"),
	)


def on_doctype_update():
	frappe.db.add_index("Order Review", ["sales_order", "docstatus"])

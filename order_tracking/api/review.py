"""Order review from the desk and REST: open (or continue) a Sales Order's review, re-run its checks."""

from __future__ import annotations

import frappe
from frappe import _

from order_tracking.order_tracking.arguments import required_arguments

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

	# the row locked: a second re-run of the same review waits for the first and runs on its result
	# (two users pressing Re-run Checks at once answered 417 "Document has been modified")
	doc = frappe.get_doc(REVIEW, review, for_update=True)
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

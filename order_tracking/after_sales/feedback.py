"""Ratings: the customer rates a delivered order once, 1 to 5 with a comment, from the portal's
order page or from the tracking link's page (logged in as one of the customer's portal users).

An *Order Feedback* named by its Sales Order holds the rating (ERPNext's Quality Feedback is a
template of parameters about a User or Customer, with no order and nothing to keep it to one per
order); the order's tracker shows it (After Sales) and its timeline has *Order Rated*.

`rate_order` (POST) answers 403 for an order that is not one of the user's customers', 417 for an
order not delivered or a rating out of 1 to 5, 409 for a second rating; nothing is written then.
`after_sales_view` is what the portal pages show: the user's own rating and complaints only.
"""

from __future__ import annotations

import frappe
from frappe import _, _lt
from frappe.rate_limiter import rate_limit

from order_tracking.core import after_sales as after_sales_core
from order_tracking.customer_portal.portal import require_own_order
from order_tracking.customer_portal.portal_permissions import portal_customers
from order_tracking.order_tracking.arguments import required_arguments
from order_tracking.order_tracking.events import EventSpec
from order_tracking.order_tracking.tracking import record_events

ORDER_FEEDBACK = "Order Feedback"
ORDER_RATED = "Order Rated"
RATE_LIMIT_PER_HOUR = 30

ERRORS = {
	after_sales_core.RATING_INVALID: _lt("The rating must be a whole number from 1 to 5"),
	after_sales_core.COMMENT_TOO_LONG: _lt("The comment can have at most {0} characters"),
	after_sales_core.COMPLAINT_REQUIRED: _lt("Describe what is wrong: the complaint's text is required"),
	after_sales_core.COMPLAINT_TOO_LONG: _lt("The complaint can have at most {0} characters"),
	after_sales_core.ATTACHMENT_TOO_LARGE: _lt("The attachment is too large: at most {0} MB"),
	after_sales_core.SOURCE_INVALID: _lt("Unknown page the request came from"),
}


class AfterSalesError(frappe.ValidationError):
	pass


def input_error(error: after_sales_core.AfterSalesError, title=None):
	frappe.throw(
		str(ERRORS[error.code]).format(error.limit or ""),
		exc=AfterSalesError,
		title=title or _("After Sales"),
	)


def delivered_tracker(sales_order: str) -> frappe._dict:
	"""The order's tracker, when its goods have reached the customer; refused otherwise."""
	tracker = frappe.db.get_value(
		"Order Tracker", sales_order, ["name", "stage", "delivered_at", "customer"], as_dict=True
	)
	if not tracker or not after_sales_core.is_delivered(tracker.stage, tracker.delivered_at):
		frappe.throw(
			_("Order {0} has not been delivered yet").format(frappe.bold(sales_order)),
			exc=AfterSalesError,
			title=_("Not Delivered"),
		)
	return tracker


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=RATE_LIMIT_PER_HOUR, seconds=60 * 60)
@required_arguments
def rate_order(
	sales_order: str, rating: int | str, comment: str | None = None, source: str = "Portal"
) -> dict:
	"""Rate a delivered order of one of the user's customers, once."""
	customer = require_own_order(sales_order)
	try:
		rating = after_sales_core.parse_rating(rating)
		comment = after_sales_core.clean_comment(comment)
		source = after_sales_core.check_source(source)
	except after_sales_core.AfterSalesError as e:
		input_error(e, _("Rating"))
	tracker = delivered_tracker(sales_order)
	if frappe.db.exists(ORDER_FEEDBACK, sales_order):
		already_rated(sales_order)
	feedback = frappe.get_doc(
		{
			"doctype": ORDER_FEEDBACK,
			"sales_order": sales_order,
			"customer": customer,
			"rating": rating,
			"comment": comment,
			"source": source,
			"rated_by": frappe.session.user,
		}
	)
	frappe.db.savepoint("order_feedback")
	try:
		# checked above: a portal user of the order's customer, the order delivered
		feedback.insert(ignore_permissions=True)
	except frappe.DuplicateEntryError:
		frappe.db.rollback(save_point="order_feedback")
		already_rated(sales_order)  # a concurrent request rated it first: the primary key decided
	frappe.db.set_value("Order Tracker", sales_order, "customer_rating", rating, update_modified=False)
	record_events(
		[
			EventSpec(
				sales_order,
				tracker.stage,
				ORDER_RATED,
				reference_doctype=ORDER_FEEDBACK,
				reference_name=feedback.name,
				qty=rating,
				source="Manual",
				remarks=comment or None,
			)
		]
	)
	return rating_view(feedback)


def already_rated(sales_order: str):
	frappe.throw(
		_("Order {0} has already been rated").format(frappe.bold(sales_order)),
		exc=frappe.DuplicateEntryError,
		title=_("Already Rated"),
	)


def rating_view(feedback) -> dict:
	return {
		"sales_order": feedback.sales_order,
		"rating": feedback.rating,
		"comment": feedback.comment or "",
		"source": feedback.source,
		"rated_at": feedback.creation,
	}


def after_sales_view(sales_order: str, source: str = after_sales_core.PORTAL) -> dict | None:
	"""What the order's page shows after delivery to one of the customer's portal users: their
	rating (or whether they may rate), their complaints with our answers. None for anyone else
	(the tracking link's page without login)."""
	from order_tracking.after_sales.complaints import order_complaints

	customer = frappe.db.get_value("Sales Order", sales_order, "customer")
	if not customer or customer not in portal_customers():
		return None
	tracker = frappe.db.get_value("Order Tracker", sales_order, ["stage", "delivered_at"], as_dict=True)
	delivered = bool(tracker) and after_sales_core.is_delivered(tracker.stage, tracker.delivered_at)
	feedback = frappe.db.get_value(
		ORDER_FEEDBACK,
		sales_order,
		["sales_order", "rating", "comment", "source", "creation"],
		as_dict=True,
	)
	return {
		"sales_order": sales_order,
		"source": source,
		"delivered": delivered,
		"rating": rating_view(feedback) if feedback else None,
		"complaints": order_complaints(sales_order, customer),
		"max_rating": after_sales_core.MAX_RATING,
	}

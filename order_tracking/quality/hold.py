"""Quality hold (issue 23): a rejected final inspection holds the order for dispatch.

- The tracker's `quality_hold` says so (order_tracking.quality.inspections sets it from the order's
  inspections); the dispatch action refuses a held order with the reason (`dispatch_refusal`).
- `detect_quality_holds`: the exception scan's detector of *Quality Hold* — open while the tracker
  holds the order, resolved when a later inspection accepts it or a Quality Manager releases it.
  `sync_quality_holds` runs the scan for those orders and that kind at once (inside the caller's
  transaction).
- `release_quality_hold(sales_order, reason)`: a Quality Manager releases a held order with a
  reason; the reason is on the order's timeline and in the tracker's version history. No reason,
  no hold, or no Quality Manager → refused, nothing written.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.utils import now_datetime

from order_tracking.core import delivery, quality, stages
from order_tracking.core.delivery import ExceptionSpec
from order_tracking.order_tracking.events import EventSpec
from order_tracking.order_tracking.exceptions import exception_detector, scan_order_exceptions
from order_tracking.order_tracking.tracking import lock_trackers, record_events


class QualityHoldError(frappe.ValidationError):
	pass


@exception_detector(delivery.QUALITY_HOLD)
def detect_quality_holds(sales_orders: list[str], facts) -> list[ExceptionSpec]:
	rows = frappe.get_all(
		"Order Tracker",
		filters={"name": ("in", sales_orders), "quality_hold": 1},
		fields=["name", "quality_hold_reason", "quality_hold_inspection"],
	)
	return [
		ExceptionSpec(
			delivery.QUALITY_HOLD,
			r.name,
			detail=r.quality_hold_reason or "",
			owner_role=quality.QUALITY_MANAGER,
			reference_doctype="Quality Inspection" if r.quality_hold_inspection else None,
			reference_name=r.quality_hold_inspection,
		)
		for r in rows
	]


def sync_quality_holds(sales_orders: list[str]):
	"""Open or resolve the orders' Quality Hold exceptions now (the caller commits)."""
	scan_order_exceptions(sales_orders, kinds=[delivery.QUALITY_HOLD], commit=False)


def held_orders(sales_orders: list[str]) -> dict[str, str]:
	"""{order: reason} of the orders on quality hold."""
	return {
		r.name: r.quality_hold_reason or _("Quality Hold")
		for r in frappe.get_all(
			"Order Tracker",
			filters={"name": ("in", sales_orders or [""]), "quality_hold": 1},
			fields=["name", "quality_hold_reason"],
		)
	}


def release(sales_order: str, reason: str | None) -> dict:
	"""Release a held order (the caller checked the user may); see `release_quality_hold`."""
	try:
		reason = quality.validate_release_reason(reason)
	except ValueError:
		frappe.throw(
			_("Give the reason for releasing the quality hold of Sales Order {0}").format(sales_order),
			exc=QualityHoldError,
			title=_("Reason Missing"),
		)
	tracker = lock_trackers([sales_order], ("name", "quality_hold", "quality_hold_reason")).get(sales_order)
	if not tracker or not tracker.quality_hold:
		frappe.throw(
			_("Sales Order {0} is not on quality hold").format(sales_order),
			exc=QualityHoldError,
			title=_("Not on Hold"),
		)
	now = now_datetime()
	frappe.db.set_value(
		"Order Tracker",
		sales_order,
		{
			"quality_hold": 0,
			"quality_released_at": now,
			"quality_release_reason": reason,
			"quality_hold_reason": None,
			"quality_hold_inspection": None,
		},
		update_modified=False,
	)
	_write_version(sales_order, tracker.quality_hold_reason, reason)
	record_events(
		[
			EventSpec(
				sales_order,
				stages.READY_TO_SHIP,
				quality.QUALITY_HOLD_RELEASED,
				"Order Tracker",
				sales_order,
				at=now,
				source="Manual",
				remarks=reason,
			)
		]
	)
	sync_quality_holds([sales_order])
	return {"sales_order": sales_order, "quality_hold": 0, "released_at": str(now), "reason": reason}


def _write_version(sales_order: str, hold_reason: str | None, reason: str):
	"""The release in the tracker's version history: who, when, and why."""
	frappe.get_doc(
		{
			"doctype": "Version",
			"ref_doctype": "Order Tracker",
			"docname": sales_order,
			"data": json.dumps(
				{
					"changed": [
						["quality_hold", 1, 0],
						["quality_hold_reason", hold_reason, None],
						["quality_release_reason", None, reason],
					],
					"added": [],
					"removed": [],
					"row_changed": [],
				}
			),
		}
	).insert(ignore_permissions=True)  # the release's own record: the caller checked the role


def dispatch_refusal(sales_orders: list[str]) -> dict[str, str]:
	"""What the dispatch action refuses: {order: reason} of held orders."""
	return held_orders(sales_orders)

"""REST intake of orders.

`POST /api/method/order_tracking.api.intake.submit_order` with
`{"channel", "external_ref", "customer", "delivery_date", "transaction_date"?, "company"?,
"items": [{"item_code" | "customer_item_code", "qty", "rate"?, "uom"?, "delivery_date"?}]}`
answers `{"intake", "status", "sales_order", "errors": [{"row", "field", "message"}]}`:

- `Converted`: a new intake and its draft Sales Order;
- `Duplicate`: this channel already sent this `external_ref`: the first intake and its order,
  and nothing new written (also under concurrent requests: the database's unique index on
  channel + external_ref decides);
- `Rejected` (HTTP 422): the intake is kept with its errors for a clerk to correct;
- `New`: valid, kept, but automatic conversion is switched off in Order Tracking Settings.

A request that MariaDB picks as a deadlock victim (two first-ever intakes of a naming series at
once, say) is run again, up to three times, instead of failing.

A request that is not an order (not a JSON object, no items, unknown channel, no
external_ref) gets HTTP 400 and stores nothing.
"""

from __future__ import annotations

import frappe

from order_tracking.order_tracking import intake as order_intake
from order_tracking.order_tracking.arguments import required_arguments
from order_tracking.utils import retry_on_deadlock

INTAKE = order_intake.INTAKE


@frappe.whitelist(methods=["POST"])
@required_arguments
def submit_order(
	channel: str | None = None,
	external_ref: str | None = None,
	customer: str | None = None,
	delivery_date: str | None = None,
	items: list | str | None = None,
	transaction_date: str | None = None,
	company: str | None = None,
) -> dict:
	frappe.has_permission(INTAKE, "create", throw=True)
	return retry_on_deadlock(
		lambda: order_intake.submit_order(
			channel, external_ref, customer, delivery_date, items, transaction_date, company
		)
	)


@frappe.whitelist(methods=["POST"])
@required_arguments
def convert_intake(intake: str) -> dict:
	"""Re-validate an intake (after a clerk corrected it) and make its Sales Order."""
	return order_intake.convert_intake(intake)

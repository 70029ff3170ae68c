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
from frappe import _

from order_tracking.api.arguments import required_arguments
from order_tracking.order_tracking import intake as oi
from order_tracking.utils import retry_on_deadlock

INTAKE = "Order Intake"
UNIQUE_CONSTRAINT = "unique_channel_external_ref"


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
		lambda: _submit_order(
			channel, external_ref, customer, delivery_date, items, transaction_date, company
		)
	)


def _submit_order(
	channel,
	external_ref,
	customer,
	delivery_date,
	items,
	transaction_date,
	company,
	caller_checked: bool = False,
) -> dict:
	"""`submit_order`'s work. `caller_checked`: the caller has decided who may submit (the
	portal's order request, whose customer comes from the user's Portal User link)."""
	if isinstance(items, str):
		try:
			items = frappe.parse_json(items)
		except ValueError:
			oi.malformed("not_json")
	payload = {
		"channel": channel,
		"external_ref": external_ref,
		"customer": customer,
		"delivery_date": delivery_date,
		"transaction_date": transaction_date,
		"company": company,
		"items": items,
	}
	parsed = oi.parse_payload(payload, default_channel="API")
	if not parsed.external_ref:
		oi.malformed("missing_external_ref")

	existing = _find_intake(parsed.channel, parsed.external_ref)
	if existing:
		return _answer(existing, duplicate=True)

	intake = oi.make_intake(parsed, oi.payload_text({k: v for k, v in payload.items() if v is not None}))
	if caller_checked:
		intake.flags.update(ignore_permissions=True)
	else:
		frappe.has_permission(INTAKE, "create", doc=intake, throw=True)
	frappe.db.savepoint("submit_order")
	try:
		intake.insert()
	except (frappe.UniqueValidationError, oi.DuplicateIntakeError) as e:
		if isinstance(e, frappe.UniqueValidationError) and UNIQUE_CONSTRAINT not in str(e):
			raise
		# a concurrent request with the same channel + external_ref won the race
		frappe.db.rollback(save_point="submit_order")
		frappe.clear_messages()
		existing = _find_intake(parsed.channel, parsed.external_ref, lock=True)
		return _answer(existing, duplicate=True)

	if intake.status == "Rejected":
		frappe.local.response.http_status_code = 422
	return _answer(intake.name)


@frappe.whitelist(methods=["POST"])
@required_arguments
def convert_intake(intake: str) -> dict:
	"""Re-validate an intake (after a clerk corrected it) and make its Sales Order."""
	doc = frappe.get_doc(INTAKE, intake)
	doc.check_permission("write")
	if not doc.sales_order:
		doc.save()
		doc.reload()
		doc.convert()
	return _answer(doc.name)


def _find_intake(channel: str, external_ref: str, lock: bool = False) -> str | None:
	if not lock:
		return frappe.db.get_value(INTAKE, {"channel": channel, "external_ref": external_ref}, "name")
	# After losing the race on the unique index: a locking read sees the winner's committed row
	# (a consistent read would not), and a shared lock lets every loser read it at once.
	rows = _read_committed(
		"select name from `tabOrder Intake` where channel = %s and external_ref = %s",
		(channel, external_ref),
	)
	return rows[0].name if rows else None


def _answer(intake: str, duplicate: bool = False) -> dict:
	# the intake may have been committed by a concurrent request after this transaction began
	doc = _read_committed(
		"select name, status, sales_order from `tabOrder Intake` where name = %s", (intake,)
	)[0]
	errors = _read_committed(
		"""select row_no, error_field, message from `tabOrder Intake Error`
		where parent = %s and parenttype = %s order by idx""",
		(intake, INTAKE),
	)
	return {
		"intake": doc.name,
		"status": "Duplicate" if duplicate else doc.status,
		"sales_order": doc.sales_order,
		"errors": [{"row": e.row_no or None, "field": e.error_field, "message": e.message} for e in errors],
	}


def _read_committed(query: str, values: tuple) -> list:
	"""A locking read (LOCK IN SHARE MODE, which pypika cannot write); always parameterised."""
	return frappe.db.sql(query + " lock in share mode", values, as_dict=True)  # nosemgrep

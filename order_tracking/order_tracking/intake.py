"""Order intake on the frappe side: translated messages for intake errors, resolving what a
channel sent (customer, items, units, prices) against ERPNext's masters, and the Order Intake
document built from a REST / portal / e-mail payload."""

from __future__ import annotations

import json

import frappe
from frappe import _, _lt
from frappe.utils import getdate, today

from order_tracking.core import intake as intake_rules
from order_tracking.order_tracking.settings import get_settings

INTAKE = "Order Intake"
UNIQUE_CONSTRAINT = "unique_channel_external_ref"

# extra error codes that need the database
CUSTOMER_NOT_FOUND = "customer_not_found"
CUSTOMER_DISABLED = "customer_disabled"
COMPANY_NOT_FOUND = "company_not_found"
CONTACT_NOT_OF_CUSTOMER = "contact_not_of_customer"
ITEM_NOT_FOUND = "item_not_found"
ITEM_DISABLED = "item_disabled"
ITEM_NOT_SALES = "item_not_sales"
ITEM_IS_TEMPLATE = "item_is_template"
CUSTOMER_ITEM_NOT_FOUND = "customer_item_not_found"
UOM_NOT_VALID = "uom_not_valid"
NO_PRICE = "no_price"
NO_PRICE_LIST = "no_price_list"
NO_ITEMS = "no_items"

MESSAGES = {
	intake_rules.REQUIRED: _lt("{0} is required"),
	intake_rules.INVALID_DATE: _lt("{0} is not a valid date (use YYYY-MM-DD)"),
	intake_rules.NOT_A_NUMBER: _lt("{0} must be a number"),
	intake_rules.QTY_NOT_POSITIVE: _lt("Quantity must be greater than 0, not {0}"),
	intake_rules.RATE_NEGATIVE: _lt("Rate cannot be negative ({0})"),
	intake_rules.ITEM_MISSING: _lt("Give an item code or the customer's item code"),
	intake_rules.DELIVERY_BEFORE_ORDER: _lt("Delivery Date {0} is before the Order Date {1}"),
	intake_rules.LINE_DELIVERY_BEFORE_ORDER: _lt("Delivery Date {0} is before the Order Date {1}"),
	CUSTOMER_NOT_FOUND: _lt("Customer {0} not found"),
	CUSTOMER_DISABLED: _lt("Customer {0} is disabled"),
	COMPANY_NOT_FOUND: _lt("Company {0} not found"),
	CONTACT_NOT_OF_CUSTOMER: _lt("Contact {0} does not belong to customer {1}"),
	ITEM_NOT_FOUND: _lt("Item {0} not found"),
	ITEM_DISABLED: _lt("Item {0} is disabled"),
	ITEM_NOT_SALES: _lt("Item {0} is not a sales item"),
	ITEM_IS_TEMPLATE: _lt("Item {0} is a template: order one of its variants"),
	CUSTOMER_ITEM_NOT_FOUND: _lt("No item has the customer's item code {0} for customer {1}"),
	UOM_NOT_VALID: _lt("UOM {0} is not set up for item {1}"),
	NO_PRICE: _lt("No rate given and no price for item {0} in price list {1}"),
	NO_PRICE_LIST: _lt("No rate given and no selling price list found for customer {0}"),
	NO_ITEMS: _lt("Add at least one item"),
}

FIELD_LABELS = {
	"channel": _lt("Channel"),
	"external_ref": _lt("External Reference"),
	"customer": _lt("Customer"),
	"company": _lt("Company"),
	"contact_person": _lt("Contact Person"),
	"transaction_date": _lt("Order Date"),
	"delivery_date": _lt("Delivery Date"),
	"items": _lt("Items"),
	"item_code": _lt("Item Code"),
	"customer_item_code": _lt("Customer's Item Code"),
	"qty": _lt("Quantity"),
	"rate": _lt("Rate"),
	"uom": _lt("UOM"),
}

MALFORMED_MESSAGES = {
	"not_an_object": _lt("The order must be a JSON object"),
	"no_items": _lt("The order has no items: send a non-empty list in 'items'"),
	"unknown_channel": _lt("Unknown channel {0}: use one of {1}"),
	"item_not_object": _lt("Item {0} must be a JSON object"),
	"missing_external_ref": _lt("'external_ref' is required: it makes sending the same order twice safe"),
	"not_json": _lt("'items' must be a JSON list"),
}


class MalformedOrderError(frappe.ValidationError):
	"""The request is not an order at all: answered 400, nothing stored."""

	http_status_code = 400


class IntakeNotConvertibleError(frappe.ValidationError):
	pass


class DuplicateIntakeError(frappe.ValidationError):
	"""This channel already sent this external reference."""

	http_status_code = 409


def field_label(fieldname: str) -> str:
	label = FIELD_LABELS.get(fieldname)
	return str(label) if label else fieldname


def error_message(err: intake_rules.IntakeError) -> str:
	"""The translated message of an intake error, naming its line and field."""
	template = MESSAGES.get(err.code)
	if err.code in (intake_rules.REQUIRED, intake_rules.INVALID_DATE, intake_rules.NOT_A_NUMBER):
		text = str(template).format(field_label(err.field))
	elif template:
		text = str(template).format(*(frappe.format(a) if hasattr(a, "year") else a for a in err.args))
	else:
		text = err.code
	if err.row:
		return _("Row {0}: {1}: {2}").format(err.row, field_label(err.field), text)
	return _("{0}: {1}").format(field_label(err.field), text)


def malformed(code: str, *args) -> None:
	frappe.throw(
		str(MALFORMED_MESSAGES[code]).format(*args),
		exc=MalformedOrderError,
		title=_("Malformed Order"),
	)


def parse_payload(payload: dict, default_channel: str = "API") -> intake_rules.ParsedOrder:
	"""`intake_rules.parse_order_payload`, with malformed requests turned into a translated 400."""
	try:
		return intake_rules.parse_order_payload(payload, default_channel=default_channel)
	except intake_rules.MalformedOrder as e:
		if e.code == "unknown_channel":
			malformed(e.code, e.args_[0], ", ".join(intake_rules.CHANNELS))
		malformed(e.code, *e.args_)


def resolve_customer(value: str | None) -> str | None:
	"""A Customer's name from its ID or, when unambiguous, its customer name."""
	if not value:
		return None
	if frappe.db.exists("Customer", value):
		return value
	matches = frappe.get_all("Customer", filters={"customer_name": value}, pluck="name", limit=2)
	return matches[0] if len(matches) == 1 else None


def default_company() -> str | None:
	"""The company of an intake that names none: Order Tracking Settings', else the site's."""
	return get_settings().get("default_company") or frappe.defaults.get_global_default("company")


def make_intake(parsed: intake_rules.ParsedOrder, raw_payload: str | None = None):
	"""A new, unsaved Order Intake from a parsed payload. Values that match no master are kept
	as received (customer, item) and reported by the intake's validation."""
	doc = frappe.new_doc("Order Intake")
	doc.channel = parsed.channel
	doc.external_ref = parsed.external_ref
	doc.transaction_date = parsed.transaction_date or getdate(today())
	doc.delivery_date = parsed.delivery_date
	doc.raw_payload = raw_payload

	customer = resolve_customer(parsed.customer)
	doc.customer = customer
	if parsed.customer and not customer:
		doc.received_customer = parsed.customer

	errors = list(parsed.errors)
	# without one in the payload, the settings' company: not the user's default, which new_doc
	# (and insert, for an empty field) would fill in
	doc.company = default_company()
	if parsed.company:
		if frappe.db.exists("Company", parsed.company):
			doc.company = parsed.company
		else:
			errors.append(intake_rules.IntakeError(None, "company", COMPANY_NOT_FOUND, (parsed.company,)))

	for line in parsed.lines:
		row = doc.append(
			"items",
			{
				"customer_item_code": line.customer_item_code,
				"qty": line.qty,
				"rate": line.rate,
				"delivery_date": line.delivery_date,
			},
		)
		if line.item_code:
			if frappe.db.exists("Item", line.item_code):
				row.item_code = line.item_code
			else:
				row.received_item = line.item_code
		if line.uom:
			if frappe.db.exists("UOM", line.uom):
				row.uom = line.uom
			else:
				errors.append(
					intake_rules.IntakeError(line.row, "uom", UOM_NOT_VALID, (line.uom, line.item_code or ""))
				)
	doc.flags.parse_errors = errors
	return doc


def payload_text(payload: dict) -> str:
	"""The request body as received when there is one, else the arguments as JSON."""
	request = getattr(frappe.local, "request", None)
	if request is not None:
		with_body = request.get_data(as_text=True)
		if with_body:
			return with_body
	return json.dumps(payload, default=str, ensure_ascii=False, indent=1)


# --------------------------------------------------------------------------------------------
# submitting and converting


def submit_order(
	channel=None,
	external_ref=None,
	customer=None,
	delivery_date=None,
	items=None,
	transaction_date=None,
	company=None,
	caller_checked: bool = False,
) -> dict:
	"""An order a channel sent (REST, the portal's order request, the demo) becomes an Order
	Intake, answered as `order_tracking.api.intake.submit_order` documents. `caller_checked`: the
	caller has decided who may submit (the portal's order request, whose customer comes from the
	user's Portal User link)."""
	if isinstance(items, str):
		try:
			items = frappe.parse_json(items)
		except ValueError:
			malformed("not_json")
	payload = {
		"channel": channel,
		"external_ref": external_ref,
		"customer": customer,
		"delivery_date": delivery_date,
		"transaction_date": transaction_date,
		"company": company,
		"items": items,
	}
	parsed = parse_payload(payload, default_channel="API")
	if not parsed.external_ref:
		malformed("missing_external_ref")

	existing = _find_intake(parsed.channel, parsed.external_ref)
	if existing:
		return _answer(existing, duplicate=True)

	intake = make_intake(parsed, payload_text({k: v for k, v in payload.items() if v is not None}))
	if caller_checked:
		intake.flags.update(ignore_permissions=True)
	else:
		frappe.has_permission(INTAKE, "create", doc=intake, throw=True)
	frappe.db.savepoint("submit_order")
	try:
		intake.insert()
	except (frappe.UniqueValidationError, DuplicateIntakeError) as e:
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

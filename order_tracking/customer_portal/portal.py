"""The customer portal's services: which customers a portal user acts for, their orders, one
order in the customer's words, its documents as PDF, order requests, tracking links, and the
permission rules that keep one customer's data from another.

ERPNext 15's portal rule decides who a portal user is: a user with the Customer role listed in a
Customer's **Portal Users** table acts for that customer. The customer of anything a portal user
does or reads is always taken from that link, never from the request.
"""

from __future__ import annotations

import frappe
from frappe import _, _lt
from frappe.query_builder.functions import Count
from frappe.rate_limiter import rate_limit
from frappe.utils import cint, get_url

from order_tracking.core import portal as portal_core
from order_tracking.core import stages as stages_core
from order_tracking.customer_portal.portal_permissions import (
	guarded_doctype,
	portal_customers,
)
from order_tracking.order_tracking.arguments import required_arguments
from order_tracking.order_tracking.intake import submit_order
from order_tracking.order_tracking.order_status import order_status
from order_tracking.utils import retry_on_deadlock

CUSTOMER_ROLE = "Customer"
CONFIRMATION_FORMAT = "Order Confirmation"
TRACKING_LINK = "Order Tracking Link"
# what a portal user may download of an order, and with which print format (None: the default)
DOCUMENT_FORMATS = {"Sales Order": CONFIRMATION_FORMAT, "Delivery Note": None, "Sales Invoice": None}
REQUEST_LIMIT_PER_HOUR = 60
TRACK_LIMIT_PER_MINUTE = 30

TIMELINE_TITLES = {
	portal_core.RECEIVED: _lt("Order received"),
	portal_core.CONFIRMED: _lt("Order confirmed"),
	portal_core.UNDER_REVIEW: _lt("We are reviewing your order"),
	portal_core.APPROVED: _lt("Order approved"),
	portal_core.DATE_CHANGED: _lt("Delivery date changed"),
	portal_core.ON_HOLD: _lt("Order on hold"),
	portal_core.RESUMED: _lt("Order resumed"),
	portal_core.PLANNED: _lt("Production scheduled"),
	portal_core.IN_PRODUCTION: _lt("Production in progress"),
	portal_core.PRODUCED: _lt("Goods produced"),
	portal_core.SHIPMENT_BOOKED: _lt("Shipment booked"),
	portal_core.SHIPPED: _lt("Shipped"),
	portal_core.DELIVERED: _lt("Delivered"),
	portal_core.INVOICED: _lt("Invoiced"),
	portal_core.CREDIT_NOTE: _lt("Credit note issued"),
	portal_core.PAID: _lt("Payment received"),
	portal_core.RETURNED: _lt("Return received"),
	portal_core.CLOSED: _lt("Order closed"),
	portal_core.CANCELLED: _lt("Order cancelled"),
	portal_core.FINAL_INSPECTION_PASSED: _lt("Final inspection passed"),
}
REQUEST_ERRORS = {
	"not_a_list": _lt("The items of the order request could not be read"),
	"no_items": _lt("Add at least one item"),
	"too_many_lines": _lt("An order request can have at most {0} lines"),
	"reference_required": _lt("Your order number is required"),
	"reference_invalid": _lt("Your order number can have at most {0} printable characters"),
}


class PortalRequestError(frappe.ValidationError):
	pass


# ------------------------------------------------------------------ who the user acts for


def require_portal_customers() -> list[str]:
	if frappe.session.user == "Guest":
		frappe.throw(_("You need to be logged in to access this page"), frappe.PermissionError)
	customers = portal_customers()
	if not customers:
		frappe.throw(
			_("Your account is not linked to a customer: ask us to add you to your company's portal users"),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	return customers


def require_own_order(sales_order: str | None) -> str:
	"""The order's customer when it is one of the user's customers; the same refusal whether the
	order belongs to someone else or does not exist."""
	customers = require_portal_customers()
	customer = frappe.db.get_value("Sales Order", sales_order, "customer") if sales_order else None
	if not customer or customer not in customers:
		frappe.throw(
			_("No order {0} that you may see").format(frappe.bold(sales_order or "")),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	return customer


# ------------------------------------------------------------------ My orders


def my_orders(search: str | None = None, stage: str | None = None, page=1) -> dict:
	"""The user's customers' orders, newest first, a page at a time, and their order requests
	that did not become orders (received and waiting, or rejected with the reasons)."""
	customers = require_portal_customers()
	t = frappe.qb.DocType("Order Tracker")
	so = frappe.qb.DocType("Sales Order")
	query = (
		frappe.qb.from_(t)
		.join(so)
		.on(so.name == t.sales_order)
		.where(t.customer.isin(customers))
		.where(so.customer.isin(customers))
	)
	search = (search or "").strip()[:140]
	if search:
		pattern = f"%{search}%"
		query = query.where(t.sales_order.like(pattern) | so.po_no.like(pattern))
	if stage in stages_core.STAGES:
		query = query.where(t.stage == stage)
	total = query.select(Count("*")).run()[0][0]
	bounds = portal_core.page_bounds(page, total)
	rows = (
		query.select(
			t.sales_order,
			t.customer,
			t.customer_name,
			t.stage,
			t.on_hold,
			t.transaction_date,
			t.promised_date,
			t.eta,
			t.delay_days,
			t.grand_total,
			t.currency,
			so.po_no,
		)
		.orderby(t.transaction_date, order=frappe.qb.desc)
		.orderby(t.sales_order, order=frappe.qb.desc)
		.limit(bounds.length)
		.offset(bounds.start)
	).run(as_dict=True)
	for row in rows:
		row.update(stage_display(row.stage))
	return {
		"customers": customers,
		"orders": rows,
		"total": total,
		"page": bounds,
		"search": search,
		"stage": stage if stage in stages_core.STAGES else "",
		"stages": [{"value": s, "label": _(s)} for s in stages_core.STAGES],
		"requests": open_requests(customers) if bounds.page == 1 and not search and not stage else [],
	}


def stage_display(stage: str | None) -> dict:
	return {
		"stage_label": _(stage) if stage else "",
		"stage_tone": portal_core.stage_tone(stage),
		"stage_pct": portal_core.stage_progress(stage),
	}


def open_requests(customers: list[str], limit: int = 20) -> list[dict]:
	"""Portal order requests of these customers without a Sales Order, with their errors."""
	intakes = frappe.get_all(
		"Order Intake",
		filters={"customer": ["in", customers], "channel": "Portal", "sales_order": ["is", "not set"]},
		fields=["name", "customer", "external_ref", "status", "transaction_date", "delivery_date"],
		order_by="creation desc",
		limit=limit,
	)
	if not intakes:
		return []
	errors = frappe.get_all(
		"Order Intake Error",
		filters={"parenttype": "Order Intake", "parent": ["in", [i.name for i in intakes]]},
		fields=["parent", "message"],
		order_by="idx asc",
	)
	by_intake: dict[str, list[str]] = {}
	for e in errors:
		by_intake.setdefault(e.parent, []).append(e.message)
	status_labels = {"New": _("Received"), "Rejected": _("Rejected"), "Duplicate": _("Duplicate")}
	return [
		{
			"reference": portal_core.customer_reference(i.external_ref, i.customer),
			"customer": i.customer,
			"status": i.status,
			"status_label": status_labels.get(i.status, _(i.status)),
			"transaction_date": i.transaction_date,
			"delivery_date": i.delivery_date,
			"errors": by_intake.get(i.name, []),
		}
		for i in intakes
	]


# ------------------------------------------------------------------ one order


def order_view(sales_order: str, public: bool = False) -> dict:
	"""One order as the customer sees it. `public` (the tracking link): no amounts, no documents."""
	status = order_status(sales_order)
	header = frappe.db.get_value(
		"Sales Order",
		sales_order,
		["name", "customer_name", "po_no", "transaction_date", "docstatus"],
		as_dict=True,
	)
	progress = status["progress"]
	view = {
		"name": sales_order,
		"customer_name": None if public else header.customer_name,
		"po_no": header.po_no,
		"transaction_date": header.transaction_date,
		"stage": status["stage"],
		**stage_display(status["stage"]),
		"on_hold": status["on_hold"],
		"promised_date": status["promised_date"],
		"eta": status["eta"],
		"delay_days": cint(status["delay_days"]),
		"progress": [
			{"label": _("Produced"), "pct": progress.get("produced_pct") or 0},
			{"label": _("Shipped"), "pct": progress.get("shipped_pct") or 0},
			{"label": _("Delivered"), "pct": progress.get("delivered_pct") or 0},
		],
		"timeline": customer_timeline(status["events"]),
		"shipments": order_shipments(sales_order),
		"public": public,
		# the order's lines: "lines", not "items", which Jinja would take for dict.items when absent
		"lines": [],
	}
	if not public:
		view["progress"] += [
			{"label": _("Billed"), "pct": progress.get("billed_pct") or 0},
			{"label": _("Paid"), "pct": progress.get("paid_pct") or 0},
		]
		view["money"] = {
			k: progress.get(k) for k in ("currency", "grand_total", "billed_amount", "paid_amount")
		}
		view["documents"] = order_documents(sales_order, header.docstatus)
		view["lines"] = order_items(sales_order)
	return view


def customer_timeline(events: list[dict]) -> list[dict]:
	entries = portal_core.customer_timeline(
		[
			portal_core.Event(
				at=e["at"],
				event=e["event"],
				reference_doctype=e["reference_doctype"],
				reference_name=e["reference_name"],
				qty=e["qty"] or 0.0,
				is_cancellation=e["is_cancellation"],
			)
			for e in events
		]
	)
	return [
		{
			"at": entry.at,
			"title": str(TIMELINE_TITLES[entry.kind]),
			"kind": entry.kind,
			"qty": entry.qty,
			"reference_doctype": entry.reference_doctype,
			"reference_label": _(entry.reference_doctype) if entry.reference_doctype else None,
			"reference_name": entry.reference_name,
		}
		for entry in reversed(entries)
	]


def order_items(sales_order: str) -> list[dict]:
	return frappe.get_all(
		"Sales Order Item",
		filters={"parent": sales_order, "parenttype": "Sales Order"},
		fields=[
			"item_code",
			"item_name",
			"customer_item_code",
			"qty",
			"uom",
			"delivery_date",
			"delivered_qty",
		],
		order_by="idx asc",
	)


def delivery_notes_of(sales_order: str) -> list[str]:
	return frappe.get_all(
		"Delivery Note Item",
		filters={"against_sales_order": sales_order, "docstatus": 1},
		pluck="parent",
		distinct=True,
	)


def sales_invoices_of(sales_order: str) -> list[str]:
	return frappe.get_all(
		"Sales Invoice Item",
		filters={"sales_order": sales_order, "docstatus": 1},
		pluck="parent",
		distinct=True,
	)


def order_documents(sales_order: str, docstatus: int | None = None) -> list[dict]:
	"""The order's submitted documents a customer may download: its confirmation, delivery notes
	and invoices."""
	if docstatus is None:
		docstatus = frappe.db.get_value("Sales Order", sales_order, "docstatus")
	documents = []
	if docstatus == 1:
		documents.append(
			{
				"doctype": "Sales Order",
				"name": sales_order,
				"label": _("Order Confirmation"),
				"date": frappe.db.get_value("Sales Order", sales_order, "transaction_date"),
			}
		)
	notes = delivery_notes_of(sales_order)
	for dn in frappe.get_all(
		"Delivery Note",
		filters={"name": ["in", notes], "docstatus": 1},
		fields=["name", "posting_date", "is_return"],
		order_by="posting_date asc, name asc",
	):
		label = _("Return Note") if dn.is_return else _("Delivery Note")
		documents.append(
			{"doctype": "Delivery Note", "name": dn.name, "label": label, "date": dn.posting_date}
		)
	for si in frappe.get_all(
		"Sales Invoice",
		filters={"name": ["in", sales_invoices_of(sales_order)], "docstatus": 1},
		fields=["name", "posting_date", "is_return"],
		order_by="posting_date asc, name asc",
	):
		label = _("Credit Note") if si.is_return else _("Sales Invoice")
		documents.append(
			{"doctype": "Sales Invoice", "name": si.name, "label": label, "date": si.posting_date}
		)
	for d in documents:
		d["url"] = download_url(sales_order, d["doctype"], d["name"])
	return documents


def download_url(sales_order: str, doctype: str, name: str) -> str:
	from urllib.parse import urlencode

	query = urlencode({"order": sales_order, "doctype": doctype, "name": name})
	return f"/api/method/order_tracking.customer_portal.portal.download_document?{query}"


def order_shipments(sales_order: str) -> list[dict]:
	"""Submitted shipments of the order's delivery notes: carrier, waybill, tracking link."""
	notes = delivery_notes_of(sales_order)
	if not notes:
		return []
	shipment_names = frappe.get_all(
		"Shipment Delivery Note",
		filters={"parenttype": "Shipment", "delivery_note": ["in", notes]},
		pluck="parent",
		distinct=True,
	)
	if not shipment_names:
		return []
	shipments = frappe.get_all(
		"Shipment",
		filters={"name": ["in", shipment_names], "docstatus": 1},
		fields=[
			"name",
			"pickup_date",
			"carrier",
			"carrier_service",
			"awb_number",
			"tracking_url",
			"tracking_status",
			"tracking_status_info",
			"status",
		],
		order_by="pickup_date asc, name asc",
	)
	for s in shipments:
		url = (s.tracking_url or "").strip()
		s.tracking_url = url if url.startswith(("https://", "http://")) else None
		s.status_label = _(s.tracking_status or s.status)
	return shipments


@frappe.whitelist(methods=["GET"])
@required_arguments
def download_document(order: str, doctype: str, name: str) -> None:
	"""The PDF of one of the order's submitted documents (confirmation, delivery note, invoice)."""
	require_own_order(order)
	allowed = doctype in DOCUMENT_FORMATS and any(
		d["doctype"] == doctype and d["name"] == name for d in order_documents(order)
	)
	if not allowed:
		frappe.throw(
			_("No document {0} of order {1} that you may download").format(
				frappe.bold(name), frappe.bold(order)
			),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	doc = frappe.get_doc(doctype, name)
	pdf = frappe.get_print(doctype, name, DOCUMENT_FORMATS[doctype], doc=doc, as_pdf=True)
	frappe.local.response.filename = "{}.pdf".format(name.replace(" ", "-").replace("/", "-"))
	frappe.local.response.filecontent = pdf
	# an attachment: saved as a file (the "pdf" type lets browsers show it inline instead)
	frappe.local.response.type = "download"
	frappe.local.response.content_type = "application/pdf"


# ------------------------------------------------------------------ order requests


def request_error(code: str, row: int | None = None):
	limits = {
		"too_many_lines": portal_core.MAX_REQUEST_LINES,
		"reference_invalid": portal_core.MAX_REFERENCE_LENGTH,
	}
	frappe.throw(
		str(REQUEST_ERRORS[code]).format(limits.get(code, "")),
		exc=PortalRequestError,
		title=_("Order Request"),
	)


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=REQUEST_LIMIT_PER_HOUR, seconds=60 * 60)
def submit_order_request(
	customer: str | None = None,
	reference: str | None = None,
	delivery_date: str | None = None,
	items: list | str | None = None,
) -> dict:
	"""An order request from the portal: an Order Intake with channel Portal, with the same
	validation and answer as `order_tracking.api.intake.submit_order`. The customer must be one
	the user is a portal user of (when there is only one, it may be left out)."""
	customers = require_portal_customers()
	if not customer and len(customers) == 1:
		customer = customers[0]
	if customer not in customers:
		frappe.throw(
			_("You may not order for customer {0}").format(frappe.bold(customer or "")),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if isinstance(items, str):
		try:
			items = frappe.parse_json(items)
		except ValueError:
			request_error("not_a_list")
	try:
		reference = portal_core.clean_reference(reference)
		lines = portal_core.request_items(items)
	except portal_core.RequestError as e:
		request_error(e.code, e.row)
	answer = retry_on_deadlock(
		lambda: submit_order(
			"Portal",
			portal_core.portal_external_ref(customer, reference),
			customer,
			delivery_date,
			lines,
			None,
			portal_company(),
			caller_checked=True,
		)
	)
	if answer.get("sales_order") and answer["status"] != "Duplicate":
		# the customer's own order number, without the prefix that keeps customers apart
		frappe.db.set_value("Sales Order", answer["sales_order"], "po_no", reference, update_modified=False)
	return answer


def portal_company() -> str | None:
	"""The company portal orders go to: Order Tracking Settings' default, else the site's."""
	return frappe.db.get_single_value(
		"Order Tracking Settings", "default_company"
	) or frappe.defaults.get_global_default("company")


# ------------------------------------------------------------------ tracking links


def active_tracking_token(sales_order: str) -> str | None:
	return frappe.db.get_value(TRACKING_LINK, {"sales_order": sales_order, "revoked": 0}, "token")


def tracking_url(token: str) -> str:
	return get_url(f"/track/{token}")


def order_tracking_token(sales_order: str) -> str:
	"""The order's active tracking token, its link made when it has none. Callers have checked the
	right to it, or it is the system's own mail to the order's customer (whoever's document caused
	the e-mail): the link is made without the user's permission on Order Tracking Link."""
	token = active_tracking_token(sales_order)
	if token:
		return token
	link = frappe.new_doc(TRACKING_LINK)
	link.sales_order = sales_order
	link.flags.ignore_permissions = True
	link.insert()
	return link.token


def order_tracking_url(sales_order: str) -> str:
	"""The order's own tracking page, for the system's e-mails to its customer."""
	return tracking_url(order_tracking_token(sales_order))


@frappe.whitelist(methods=["POST"])
@required_arguments
def get_tracking_link(order: str) -> dict:
	"""The order's tracking link (made on first use): anyone with it sees the order read-only."""
	check_tracking_link_rights(order)  # the right checked: the order's customer or its staff
	token = order_tracking_token(order)
	return {"url": tracking_url(token)}


@frappe.whitelist(methods=["POST"])
@required_arguments
def revoke_tracking_link(order: str) -> dict:
	"""Revoke the order's tracking link: it answers 404 from now on; a new one can be made."""
	check_tracking_link_rights(order)
	for name in frappe.get_all(TRACKING_LINK, filters={"sales_order": order, "revoked": 0}, pluck="name"):
		link = frappe.get_doc(TRACKING_LINK, name)
		link.revoke()
	return {"revoked": True}


def check_tracking_link_rights(order: str):
	if frappe.session.user != "Guest" and frappe.has_permission("Sales Order", "read", order):
		frappe.has_permission(TRACKING_LINK, "create", throw=True)
		return
	require_own_order(order)


@rate_limit(limit=TRACK_LIMIT_PER_MINUTE, seconds=60)
def order_for_token(token: str | None) -> str:
	"""The order a tracking token opens; the same DoesNotExistError (404) for a malformed,
	unknown or revoked token."""
	sales_order = None
	if portal_core.is_well_formed_token(token):
		sales_order = frappe.db.get_value(TRACKING_LINK, {"token": token, "revoked": 0}, "sales_order")
	if not sales_order:
		raise frappe.DoesNotExistError(_("Page not found"))
	return sales_order


@frappe.whitelist()
@required_arguments
def get_count(doctype: str, filters=None, debug=False, cache=False) -> int:
	"""`frappe.client.get_count` (overridden): Frappe 15 counts rows without any permission check;
	for Sales Order and this app's doctypes the count goes through `get_list`, i.e. role
	permissions, user permissions and permission query conditions."""
	from frappe.client import get_count as frappe_get_count
	from frappe.utils import get_safe_filters

	if not isinstance(doctype, str) or not frappe.db.exists("DocType", doctype):
		# Frappe's own would fail in the database (500); an unknown doctype is refused like a
		# forbidden one
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	if not guarded_doctype(doctype):
		return frappe_get_count(doctype, filters, debug, cache)
	parent = None
	if frappe.get_meta(doctype).istable:
		parent = frappe.db.get_value("DocField", {"options": doctype, "fieldtype": "Table"}, "parent")
	rows = frappe.get_list(
		doctype,
		filters=get_safe_filters(filters),
		fields=["count(*) as count"],
		parent_doctype=parent,
		limit_page_length=0,
		order_by=None,
	)
	return cint(rows[0].count) if rows else 0

"""The calendar of promised dates (issue 17, the planner's view): Sales Orders on their delivery
date in Frappe's Calendar view, coloured by the stage their Order Tracker has reached.

`promised_dates(start, end, filters)` answers the events of the orders the user may read
(`frappe.get_list`: role permissions, user permissions and sharing) whose delivery date falls in
[start, end], not cancelled, with the calendar's list filters applied: `{"name", "title",
"delivery_date", "customer", "customer_name", "status", "docstatus", "stage", "color", "tooltip",
"allDay", "convertToUserTz"}` — `color` a hex colour per stage (`STAGE_COLORS`), an order without a
tracker taken as Received. `public/js/sales_order_calendar.js` shows them.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.model import default_fields
from frappe.utils import getdate

from order_tracking.core import stages

MAX_EVENTS = 2000
# the desk's indicator colours (order_tracking.STAGE_COLORS in public/js/sales_order.js), as hex
STAGE_COLORS = {
	stages.RECEIVED: "#98A1A9",
	stages.UNDER_REVIEW: "#F9A825",
	stages.APPROVED: "#2490EF",
	stages.PLANNED: "#5E64FF",
	stages.IN_PRODUCTION: "#8E44AD",
	stages.READY_TO_SHIP: "#1ABC9C",
	stages.SHIPPED: "#00ACC1",
	stages.DELIVERED: "#29CD42",
	stages.BILLED: "#2E7D32",
	stages.PAID: "#1B5E20",
	stages.CLOSED: "#525252",
	stages.CANCELLED: "#E24C4C",
}


def promised_dates(start, end, filters: list | dict | str | None = None) -> list[dict]:
	"""The orders promised between `start` and `end` that the user may read, one event each."""
	conditions = calendar_filters(filters)
	conditions += [
		[
			"Sales Order",
			"delivery_date",
			"between",
			[calendar_day(start, _("Start")), calendar_day(end, _("End"))],
		],
		["Sales Order", "docstatus", "<", 2],
	]
	orders = frappe.get_list(
		"Sales Order",
		filters=conditions,
		fields=["name", "customer", "customer_name", "delivery_date", "status", "docstatus"],
		order_by="delivery_date asc, name asc",
		limit_page_length=MAX_EVENTS,
	)
	if not orders:
		return []
	# the orders were read with the user's rights: their trackers say only their stage
	stage_of = dict(
		frappe.get_all(
			"Order Tracker",
			filters={"name": ("in", [o.name for o in orders])},
			fields=["name", "stage"],
			as_list=True,
		)
	)
	events = []
	for o in orders:
		stage = stage_of.get(o.name) or stages.RECEIVED
		title = _("{0} ({1}): {2}").format(o.customer_name or o.customer, o.name, _(stage))
		events.append(
			{
				**o,
				"title": title,
				"tooltip": title,  # the calendar cuts the title to the day's width
				"stage": stage,
				"color": STAGE_COLORS.get(stage, STAGE_COLORS[stages.RECEIVED]),
				"allDay": 1,
				"convertToUserTz": 0,
			}
		)
	return events


def calendar_day(value, label: str):
	"""A day of the calendar's range; refused, naming it, when it is not a date."""
	try:
		day = getdate(value) if isinstance(value, str) and value.strip() else None
	except Exception:  # frappe.utils.getdate raises several kinds for text that is no date
		day = None
	if day is None:
		frappe.throw(
			_("{0}: {1} is not a date").format(label, frappe.bold(value or _("(empty)"))),
			title=_("Invalid Date"),
		)
	return day


def calendar_filters(filters) -> list[list]:
	"""The calendar's list filters as `[doctype, field, operator, value]` rows on Sales Order
	fields; refused, naming what is wrong, when they are not JSON or name no field of it."""
	if isinstance(filters, str):
		try:
			filters = json.loads(filters) if filters.strip() else []
		except ValueError:
			frappe.throw(_("Filters: not a JSON list or object"), title=_("Invalid Filters"))
	if isinstance(filters, dict):
		filters = [["Sales Order", k, "=", v] for k, v in filters.items()]
	if filters is None:
		filters = []
	if not isinstance(filters, list):
		frappe.throw(_("Filters: not a JSON list or object"), title=_("Invalid Filters"))
	meta = frappe.get_meta("Sales Order")
	rows = []
	for f in filters:
		if not (isinstance(f, list | tuple) and len(f) >= 4):
			continue
		field = f[1]
		if not (isinstance(field, str) and (meta.has_field(field) or field in default_fields)):
			frappe.throw(
				_("Filters: Sales Order has no field {0}").format(frappe.bold(str(field))),
				title=_("Invalid Filters"),
			)
		rows.append(list(f[:4]))
	return rows

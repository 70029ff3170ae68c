"""The demo's deliveries (steps of `order_tracking.demo.demo_steps`): a carrier with its webhook
secret, the addresses a Shipment needs, two orders made over past working days and dispatched
through the app's own dispatch (one Pick List, then per order a Delivery Note, Packing Slip and
Shipment), their carrier's events sent through the signed webhook path, an order exception the
app's scan opened, and a customer's return of a delivered order.

Each step is committed on its own by `load_demo` and safe to run again: what exists is kept.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.query_builder.functions import Max
from frappe.utils import add_days, get_datetime, getdate, now_datetime, nowdate

from order_tracking import demo, demo_order_steps

CARRIER = "SF Express"
WAYBILL_PATTERN = r"SF\d{12}"
TRACKING_PAGE = "https://carrier.example/track?no={waybill}"
PARCEL = "Carton 40"
COMPANY_ADDRESS = {"address_line1": "88 Industrial Road", "city": "Wenzhou", "country": "China"}
CUSTOMER_ADDRESSES = {
	"Harbour Shoes Ltd": {"address_line1": "12 Harbour Road", "city": "Ningbo", "country": "China"},
	"Mountain Outfitters": {"address_line1": "5 Summit Street", "city": "Chengdu", "country": "China"},
}

# the orders this module adds, by the reference their channel sent, and the stage each shows
RETURNED = "DEMO-MO-2003"  # dispatched, delivered by the carrier, part of it sent back
FAILED_DELIVERY = "DEMO-MO-2004"  # dispatched, the carrier could not deliver: an exception open
EXPECTED_STAGES = {RETURNED: "Delivered", FAILED_DELIVERY: "Delivered"}
SHIPPED_ORDERS = {  # reference: (customer, item, qty, days to the promised date)
	RETURNED: ("Mountain Outfitters", "Trail Runner", 8, 5),
	FAILED_DELIVERY: ("Mountain Outfitters", "Trail Runner", 6, 6),
}
# what the carrier reports for each: (status, location, detail)
CARRIER_EVENTS = {
	RETURNED: [
		("Picked Up", "Wenzhou", None),
		("In Transit", "Hangzhou Hub", None),
		("Out for Delivery", "Chengdu", None),
		("Delivered", "Chengdu", "Signed for by the store"),
	],
	FAILED_DELIVERY: [
		("Picked Up", "Wenzhou", None),
		("In Transit", "Hangzhou Hub", None),
		("Failed Attempt", "Chengdu", "Store closed; next attempt on the next working day"),
	],
}
RETURN_QTY = 2


# ------------------------------------------------------------------ making orders in the past


def busy_until(workstation: str) -> datetime | None:
	"""The end of the last time logged on the workstation (one job at a time on each)."""
	log = frappe.qb.DocType("Job Card Time Log")
	card = frappe.qb.DocType("Job Card")
	row = (
		frappe.qb.from_(log)
		.join(card)
		.on(card.name == log.parent)
		.select(Max(log.to_time))
		.where((card.workstation == workstation) & (card.docstatus < 2) & (log.parenttype == "Job Card"))
		.run()
	)
	return get_datetime(row[0][0]) if row and row[0][0] else None


def log_job_cards(wo, start: datetime, operations: tuple[str, ...] | None = None) -> datetime:
	"""Like the paid order's cards (`demo_order_steps._log_job_cards`), one operation after another within
	working hours, but each after what is already logged on its workstation; only `operations`
	when given. Refuses to log anything in the future. Returns when the last one ended."""
	cards = frappe.get_all(
		"Job Card",
		filters={"work_order": wo.name, "docstatus": ("<", 2)},
		fields=["name", "docstatus", "operation"],
		order_by="sequence_id asc, creation asc, name asc",
	)
	cursor = start
	for card in cards:
		if operations and card.operation not in operations:
			continue
		jc = frappe.get_doc("Job Card", card.name)
		if card.docstatus == 1 or jc.time_logs:
			cursor = max([cursor, *(get_datetime(t.to_time) for t in jc.time_logs if t.to_time)])
			if card.docstatus == 0:
				jc.submit()
			continue
		operation = next(op for op in wo.operations if op.name == jc.operation_id)
		minutes = float(operation.time_in_mins) * float(jc.for_quantity) / float(wo.qty)
		free = busy_until(jc.workstation)
		logs = demo_order_steps.shop_floor_logs(
			max(cursor, free + timedelta(minutes=1)) if free else cursor, jc.workstation, minutes
		)
		if logs[-1][1] > now_datetime():
			frappe.throw(
				_("Demo: {0} has no free working hours left before now for {1}").format(
					jc.workstation, jc.name
				)
			)
		jc.set("time_logs", [])
		total = sum((e - s).total_seconds() for s, e in logs)
		given = 0
		for i, (log_start, log_end) in enumerate(logs):
			qty = (
				float(jc.for_quantity) - given
				if i == len(logs) - 1
				else int(float(jc.for_quantity) * (log_end - log_start).total_seconds() / total)
			)
			given += qty
			jc.append("time_logs", {"from_time": log_start, "to_time": log_end, "completed_qty": qty})
		jc.save()
		jc.submit()
		cursor = logs[-1][1]
	return cursor


def made_in_the_past(ref: str, customer: str, item_code: str, qty: float, promised_in_days: int):
	"""An order made over past working days: its work order's materials issued, each operation
	logged on its workstation after the one before it, the goods made — Ready to Ship."""
	operations = demo.PRODUCTS[item_code][2]
	start = demo_order_steps.production_start(
		sum(m for _op, m in operations) * qty, demo.OPERATIONS[operations[0][0]]
	)
	so = demo_order_steps._submitted_order(
		ref,
		customer,
		item_code,
		qty,
		delivery_date=add_days(nowdate(), promised_in_days),
		transaction_date=add_days(getdate(start), -2),
	)
	wo = demo_order_steps._work_order(so, planned_start=start)
	if wo.produced_qty < qty:
		demo_order_steps._stock_entry(
			wo, "Material Transfer for Manufacture", qty, at=start - timedelta(minutes=15)
		)
		finished = log_job_cards(wo, start)
		demo_order_steps._stock_entry(
			wo, "Manufacture", qty, at=min(finished + timedelta(minutes=10), now_datetime())
		)
	return so


# ------------------------------------------------------------------ steps


def ensure_carrier() -> str:
	"""The carrier (its webhook secret made here, as *New Secret* does), a parcel template, the
	company's and the customers' addresses, and the dispatch defaults in Settings."""
	make_carrier(CARRIER, None, WAYBILL_PATTERN, TRACKING_PAGE)
	make_parcel_template(PARCEL, weight=6)
	make_address("Company", demo.COMPANY, "Billing", COMPANY_ADDRESS, is_your_company_address=1)
	for customer, address in CUSTOMER_ADDRESSES.items():
		make_address("Customer", customer, "Shipping", address, is_shipping_address=1)
	settings = frappe.get_single("Order Tracking Settings")
	if settings.default_carrier != CARRIER or settings.default_parcel_template != PARCEL:
		settings.default_carrier, settings.default_parcel_template = CARRIER, PARCEL
		settings.save()
	return f"{CARRIER} (waybills {WAYBILL_PATTERN}), parcel {PARCEL}, addresses of {demo.COMPANY} and {len(CUSTOMER_ADDRESSES)} customers"


# the records a Shipment needs, kept when they exist (the delivery tests' fixtures make theirs with these)


def make_carrier(
	name: str,
	secret: str | None,
	waybill_pattern: str | None = None,
	tracking_url_template: str | None = None,
) -> None:
	"""An enabled Logistics Carrier; its webhook secret made here when none is given."""
	if not frappe.db.exists("Logistics Carrier", name):
		frappe.get_doc(
			{
				"doctype": "Logistics Carrier",
				"carrier_name": name,
				"enabled": 1,
				"waybill_pattern": waybill_pattern,
				"tracking_url_template": tracking_url_template,
				"webhook_secret": secret or frappe.generate_hash(length=32),
			}
		).insert()


def make_parcel_template(name: str, weight: float) -> None:
	"""A 40 x 30 x 20 Shipment Parcel Template of `weight`."""
	if not frappe.db.exists("Shipment Parcel Template", name):
		frappe.get_doc(
			{
				"doctype": "Shipment Parcel Template",
				"parcel_template_name": name,
				"length": 40,
				"width": 30,
				"height": 20,
				"weight": weight,
			}
		).insert()


def make_address(link_doctype: str, link_name: str, address_type: str, values: dict, **flags) -> None:
	"""An Address of `address_type` linked to the party, unless it has one (`values` may name its
	title; the party's name otherwise)."""
	dl = frappe.qb.DocType("Dynamic Link")
	ad = frappe.qb.DocType("Address")
	exists = (
		frappe.qb.from_(dl)
		.join(ad)
		.on(ad.name == dl.parent)
		.select(ad.name)
		.where((dl.link_doctype == link_doctype) & (dl.link_name == link_name) & (dl.parenttype == "Address"))
		.where(ad.address_type == address_type)
		.limit(1)
		.run()
	)
	if exists:
		return
	frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": link_name,
			"address_type": address_type,
			"links": [{"link_doctype": link_doctype, "link_name": link_name}],
			**values,
			**flags,
		}
	).insert()


def waybill_of(sales_order: str) -> str:
	"""The demo's waybill for an order: the carrier's pattern, from the order's number."""
	return f"SF{int(re.sub(r'[^0-9]', '', sales_order)):012d}"


def ensure_shipped_orders() -> str:
	"""Two orders made in the past, dispatched together (one Pick List), and what the carrier
	reported since, each event signed and received as the carrier's webhook is."""
	from order_tracking.delivery.dispatch import dispatch_orders
	from order_tracking.delivery.status import shipments_of_order

	orders = {ref: made_in_the_past(ref, *spec).name for ref, spec in SHIPPED_ORDERS.items()}
	to_ship = [so for so in orders.values() if not shipments_of_order(so)]
	pick_list = None
	if to_ship:
		result = dispatch_orders(
			[{"sales_order": so, "waybill": waybill_of(so)} for so in to_ship],
			CARRIER,
			pickup_date=nowdate(),
			parcel_template=PARCEL,
		)
		pick_list = result["pick_list"]
	received = 0
	for ref, so in orders.items():
		received += _send_carrier_events(waybill_of(so), CARRIER_EVENTS[ref])
	shipments = {ref: shipments_of_order(so)[0] for ref, so in orders.items()}
	return (
		"; ".join(
			f"{orders[ref]} {s.shipment} {s.waybill}: {s.carrier_status}" for ref, s in shipments.items()
		)
		+ (f" (dispatched with {pick_list})" if pick_list else "")
		+ f", {received} carrier events received"
	)


def _send_carrier_events(waybill: str, events: list[tuple]) -> int:
	"""The carrier's events for a waybill, each signed with its secret and received through the
	webhook's own path (`receive_carrier_event`); one already received is answered a duplicate.
	Returns how many were new."""
	from order_tracking.core import delivery
	from order_tracking.delivery.carrier_events import MATCHED, receive_carrier_event
	from order_tracking.delivery.carriers import carrier_secret, get_carrier

	carrier = get_carrier(CARRIER)
	secret = carrier_secret(carrier)
	first = now_datetime().replace(microsecond=0)
	new = 0
	for i, (status, location, detail) in enumerate(events):
		event = {
			"carrier": CARRIER,
			"event_id": f"{waybill}-{i + 1}",
			"waybill": waybill,
			"status": status,
			"at": (first + timedelta(seconds=i)).isoformat(sep=" "),
			"location": location,
		}
		if detail:
			event["detail"] = detail
		if status == "In Transit":
			event["expected_arrival"] = str(add_days(nowdate(), 1))
		body = json.dumps(event).encode()
		timestamp = str(int(time.time()))
		answer = receive_carrier_event(body, timestamp, delivery.sign(secret, timestamp, body))
		if answer.get("duplicate"):
			continue
		if answer.get("match") != MATCHED:
			frappe.throw(
				_("Demo: carrier event {0} for waybill {1} was not matched to its Shipment ({2})").format(
					event["event_id"], waybill, answer.get("match")
				)
			)
		new += 1
	return new


def ensure_open_exception() -> str:
	"""The app's exception scan over the shipped orders (as its hourly job does): the failed
	delivery attempt stays open as a Shipment Exception."""
	from order_tracking.order_tracking.exceptions import scan_order_exceptions

	orders = demo_orders()
	scan_order_exceptions(list(orders.values()), commit=False)
	so = orders.get(FAILED_DELIVERY)
	exception = frappe.db.get_value(
		"Order Exception",
		{"sales_order": so, "kind": "Shipment Exception", "status": ("!=", "Resolved")},
		["name", "kind", "status", "owner_role"],
		as_dict=True,
	)
	if not exception:
		frappe.throw(_("Demo: the scan opened no Shipment Exception for {0}").format(so))
	return f"{exception.name}: {exception.kind} of {so}, {exception.status} (owner {exception.owner_role})"


def ensure_order_return() -> str:
	"""The customer sends part of a delivered order back (damaged): an Order Return with an
	exchange — the goods come back on a return Delivery Note, a replacement delivery is drafted."""
	so = demo_orders().get(RETURNED)
	existing = frappe.db.get_value(
		"Order Return", {"sales_order": so, "docstatus": 1}, ["name", "status", "return_delivery_note"]
	)
	if existing:
		return f"{existing[0]} of {so}: {existing[1]}, goods back on {existing[2]}"
	delivery_note = frappe.db.get_value(
		"Delivery Note Item", {"against_sales_order": so, "docstatus": 1}, "parent"
	)
	doc = frappe.get_doc(
		{
			"doctype": "Order Return",
			"sales_order": so,
			"delivery_note": delivery_note,
			"reason": "Damaged",
			"reason_detail": "Two pairs with scuffed toes",
			"decision": "Exchange",
			"items": [{"item_code": SHIPPED_ORDERS[RETURNED][1], "qty": RETURN_QTY}],
		}
	)
	doc.insert()
	doc.submit()
	doc.reload()
	return f"{doc.name} of {so}: {doc.total_qty:g} back ({doc.reason}), {doc.status}, replacement {doc.new_delivery_note}"


def demo_orders() -> dict[str, str]:
	"""Sales Order of each of this module's references that has one."""
	return dict(
		frappe.get_all(
			"Order Intake",
			filters={"external_ref": ("in", list(EXPECTED_STAGES)), "sales_order": ("is", "set")},
			fields=["external_ref", "sales_order"],
			as_list=True,
		)
	)

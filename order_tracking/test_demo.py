"""The demo data set (README, step 1) on a site where it is loaded: run again it adds nothing,
a failed step names what is done and left, and every stage of an order's life is there — made
in the past within working hours, outsourced, shipped with the carrier's events, an exception
open, returned, the supplier's statement invoiced.

Needs the demo (`bench --site X order-tracking-demo`): skipped on a site without it. It runs
the demo, which commits each of its steps.
"""

import itertools
import os
import unittest
from contextlib import contextmanager
from datetime import datetime, time

import frappe
from frappe.utils import get_datetime, getdate, now_datetime

from order_tracking import demo, demo_delivery, demo_outsourcing
from order_tracking.tests.utils import FrappeTestCase

COUNTED = (
	"Sales Order",
	"Work Order",
	"Job Card Time Log",
	"Stock Entry",
	"Delivery Note",
	"Outsourcing Order",
	"Outsourcing Receipt",
	"Supplier Statement",
	"Purchase Invoice",
	"Shipment",
	"Carrier Event",
	"Order Exception",
	"Order Return",
	"Order Event",
	"Subcontracting BOM",
	"Stock Ledger Entry",
	"GL Entry",
)


@contextmanager
def fail_at(label: str):
	os.environ["OT_DEMO_FAIL_AT"] = label
	try:
		yield
	finally:
		os.environ.pop("OT_DEMO_FAIL_AT", None)


class TestDemo(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if not frappe.db.exists("Company", demo.COMPANY):
			raise unittest.SkipTest(f"no demo on {frappe.local.site}: run bench order-tracking-demo first")
		demo.load_demo()  # whatever the suite removed (Item Prices) comes back

	def orders(self) -> dict[str, str]:
		return {**demo.demo_orders(), **demo_outsourcing.demo_orders(), **demo_delivery.demo_orders()}

	def test_a_second_run_adds_nothing(self):
		before = {d: frappe.db.count(d) for d in COUNTED}
		lines = demo.load_demo()
		self.assertEqual(len(lines), len(demo.demo_steps()))
		self.assertEqual({d: frappe.db.count(d) for d in COUNTED}, before)

	def test_a_failed_step_names_what_is_done_and_left_and_the_next_run_completes(self):
		labels = [s.label for s in demo.demo_steps()]
		failing = "Order return of a delivered order"
		with fail_at(failing), self.assertRaises(demo.DemoIncomplete) as stopped:
			demo.load_demo()
		at = labels.index(failing)
		self.assertEqual(
			(stopped.exception.done, stopped.exception.failed, stopped.exception.remaining),
			(labels[:at], failing, labels[at + 1 :]),
		)
		self.assertEqual(len(demo.load_demo()), len(labels))

	def test_every_order_is_at_its_stage(self):
		expected = {
			**demo.EXPECTED_STAGES,
			**demo_outsourcing.EXPECTED_STAGES,
			**demo_delivery.EXPECTED_STAGES,
		}
		orders = self.orders()
		self.assertEqual(set(orders), set(expected))
		stages = {ref: frappe.db.get_value("Order Tracker", so, "stage") for ref, so in orders.items()}
		self.assertEqual(stages, expected)

	def test_the_outsourcing_dialogs_make_orders_on_the_demo(self):
		"""What Sales Order → Create → Outsourcing Order and Work Order → Outsource an Operation
		call, with only a supplier and a date: service item, rate and the supplier's warehouse
		come from the demo's masters, and each order can be approved."""
		from frappe.model.workflow import apply_workflow

		from order_tracking.api import outsourcing as api

		orders = demo.demo_orders()
		supplier, due = demo_outsourcing.SUPPLIER, str(demo_outsourcing.working_day_after(7))
		line = frappe.db.get_value("Sales Order Item", {"parent": orders[demo.PLANNED]}, "name")
		work_order = frappe.db.get_value(
			"Work Order", {"sales_order": orders[demo.IN_PRODUCTION], "docstatus": 1}, "name"
		)
		card = frappe.db.get_value(
			"Job Card", {"work_order": work_order, "operation": "Stitching", "docstatus": 0}, "name"
		)
		frappe.db.savepoint("dialogs")
		try:
			made = {
				"Upper Making Service": api.make_for_order_line(
					line, supplier, due, outsourcing_type="Semi-finished", item_code="Oxford Upper", qty=5
				),
				"Shoe Making Service": api.make_for_order_line(line, supplier, due),
				demo_outsourcing.STITCHING_SERVICE: api.make_for_job_cards([card], supplier, due),
			}
			for service, answer in made.items():
				doc = frappe.get_doc("Outsourcing Order", answer["name"])
				row = doc.items[0]
				self.assertEqual(
					(row.service_item, row.rate, doc.supplier_warehouse),
					(
						service,
						demo_outsourcing.SERVICES[service],
						demo.demo_warehouse(demo_outsourcing.SUPPLIER_WAREHOUSE),
					),
				)
				apply_workflow(doc, "Approve")
				self.assertEqual(frappe.db.get_value("Outsourcing Order", doc.name, "status"), "To Send")
		finally:
			frappe.db.rollback(save_point="dialogs")

	def test_an_operation_is_out_and_a_semi_finished_order_came_back_with_a_reject(self):
		orders = self.orders()
		out = frappe.get_all(
			"Outsourcing Order Item",
			filters={"sales_order": orders[demo_outsourcing.OPERATION_OUT], "docstatus": 1},
			fields=["parent", "job_card", "operation", "sent_qty", "accepted_qty"],
		)
		self.assertEqual([(o.operation, o.sent_qty, o.accepted_qty) for o in out], [("Stitching", 24, 0)])
		self.assertEqual(frappe.db.get_value("Outsourcing Order", out[0].parent, "status"), "Sent")
		self.assertEqual(frappe.db.get_value("Job Card", out[0].job_card, "docstatus"), 0)

		back = frappe.get_all(
			"Outsourcing Order",
			filters={"sales_order": orders[demo_outsourcing.SEMI_FINISHED], "docstatus": 1},
			fields=[
				"name",
				"outsourcing_type",
				"status",
				"accepted_qty",
				"rejected_qty",
				"subcontracting_order",
			],
		)
		self.assertEqual(
			[(b.outsourcing_type, b.status, b.accepted_qty, b.rejected_qty) for b in back],
			[("Semi-finished", "Returned", demo_outsourcing.ACCEPTED, demo_outsourcing.REJECTED)],
		)
		receipt = frappe.get_doc("Outsourcing Receipt", {"outsourcing_order": back[0].name, "docstatus": 1})
		scr = frappe.get_doc("Subcontracting Receipt", receipt.subcontracting_receipt)
		self.assertEqual(
			[(i.item_code, i.qty, i.rejected_qty, i.rejected_warehouse) for i in scr.items],
			[
				(
					"Oxford Upper",
					demo_outsourcing.ACCEPTED,
					demo_outsourcing.REJECTED,
					demo.demo_warehouse(demo_outsourcing.REJECTED_WAREHOUSE),
				)
			],
		)
		statement = frappe.get_doc(
			"Supplier Statement", {"supplier": demo_outsourcing.SUPPLIER, "docstatus": 1}
		)
		self.assertEqual([r.outsourcing_receipt for r in statement.receipts], [receipt.name])
		pi = frappe.db.get_value(
			"Purchase Invoice", statement.purchase_invoice, ["docstatus", "grand_total"], as_dict=True
		)
		self.assertEqual((pi.docstatus, pi.grand_total), (1, statement.net_amount))

	def test_shipments_carry_the_carriers_events_an_exception_is_open_and_an_order_came_back(self):
		from order_tracking.delivery.carrier_events import carrier_events
		from order_tracking.delivery.status import shipments_of_order

		orders = self.orders()
		for ref, last in (
			(demo_delivery.RETURNED, "Delivered"),
			(demo_delivery.FAILED_DELIVERY, "Failed Attempt"),
		):
			shipments = shipments_of_order(orders[ref])
			self.assertEqual([s.carrier_status for s in shipments], [last])
			events = carrier_events([shipments[0].shipment])
			self.assertEqual(
				[e.status for e in reversed(events)], [s for s, _l, _d in demo_delivery.CARRIER_EVENTS[ref]]
			)
		self.assertEqual(
			frappe.get_all(
				"Order Exception",
				filters={"sales_order": orders[demo_delivery.FAILED_DELIVERY], "status": ("!=", "Resolved")},
				pluck="kind",
			),
			["Shipment Exception"],
		)
		ret = frappe.get_doc("Order Return", {"sales_order": orders[demo_delivery.RETURNED], "docstatus": 1})
		self.assertEqual((ret.total_qty, ret.decision), (demo_delivery.RETURN_QTY, "Exchange"))
		self.assertEqual(frappe.db.get_value("Delivery Note", ret.return_delivery_note, "is_return"), 1)

	def test_what_was_made_was_logged_in_the_past_within_working_hours(self):
		orders = self.orders()
		made = [
			orders[ref] for ref in (demo.PAID, demo_outsourcing.OPERATION_OUT, *demo_delivery.SHIPPED_ORDERS)
		]
		holidays = set(frappe.get_all("Holiday", filters={"parent": demo.HOLIDAY_LIST}, pluck="holiday_date"))
		hours = [(time.fromisoformat(s), time.fromisoformat(e)) for s, e in demo.WORKING_HOURS]
		logs = frappe.db.sql(
			"""select jc.workstation, tl.from_time, tl.to_time
			from `tabJob Card Time Log` tl join `tabJob Card` jc on jc.name = tl.parent
			join `tabWork Order` wo on wo.name = jc.work_order
			where wo.sales_order in %(orders)s and jc.docstatus = 1""",
			{"orders": made},
			as_dict=True,
		)
		self.assertTrue(logs)
		by_workstation: dict[str, list[tuple[datetime, datetime]]] = {}
		for log in logs:
			start, end = get_datetime(log.from_time), get_datetime(log.to_time)
			self.assertLessEqual(end, now_datetime())
			self.assertNotIn(getdate(start), holidays)
			self.assertTrue(
				any(s <= start.time() and end.time() <= e and start.date() == end.date() for s, e in hours),
				f"{log.workstation} {start}-{end} is outside working hours",
			)
			by_workstation.setdefault(log.workstation, []).append((start, end))
		for workstation, spans in by_workstation.items():
			spans.sort()
			for (_s, end), (start, _e) in itertools.pairwise(spans):
				self.assertLessEqual(end, start, f"{workstation}: two jobs at once")

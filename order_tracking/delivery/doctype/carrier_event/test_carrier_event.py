# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

"""The carrier webhook: signed and unsigned events, replays, unmatched then matched, delivery
confirmation, ETA — called as the webhook's code (in the test's transaction) and over HTTP."""

import json
import threading
import time

import frappe
from frappe.tests.test_api import FrappeAPITestCase, make_request
from frappe.utils import add_days, get_datetime, getdate, now_datetime, nowdate

from order_tracking.api.tracking import get_order_status
from order_tracking.delivery.carrier_events import receive_carrier_event
from order_tracking.delivery.carriers import (
	CarrierAuthenticationError,
	CarrierPayloadError,
	CarrierPayloadTooLargeError,
	UnknownCarrierStatusError,
)
from order_tracking.delivery.doctype.carrier_event.carrier_event import CarrierEventImmutableError
from order_tracking.tests.delivery_fixtures import (
	CARRIER,
	OTHER_SECRET,
	SECRET,
	carrier_events,
	event_body,
	make_delivery_fixtures,
	new_waybill,
	ready_order,
	rollback_test,
	ship,
	signed,
)
from order_tracking.tests.utils import FrappeTestCase, events, set_settings, tracker

test_ignore = ["Sales Order", "Shipment"]


def receive(body, secret=SECRET, timestamp=None):
	return receive_carrier_event(*signed(body, secret, timestamp))


class TestCarrierEvent(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_delivery_fixtures()
		set_settings(pause_tracking=0, delivery_confirmation="Delivery Note", transit_days=0)

	def setUp(self):
		frappe.db.savepoint("carrier_event_test")

	def tearDown(self):
		rollback_test("carrier_event_test")

	# ------------------------------------------------------------------ refusals

	def assertRefused(self, exc, body, timestamp, signature, status):
		before = frappe.db.count("Carrier Event")
		with self.assertRaises(exc) as e:
			receive_carrier_event(body, timestamp, signature)
		self.assertEqual(e.exception.http_status_code, status)
		self.assertEqual(frappe.db.count("Carrier Event"), before)
		frappe.clear_messages()

	def test_unsigned_wrongly_signed_stale_and_unknown_carriers_are_401(self):
		body = event_body(new_waybill())
		now = str(int(time.time()))
		self.assertRefused(CarrierAuthenticationError, body, None, None, 401)
		self.assertRefused(CarrierAuthenticationError, body, now, None, 401)
		self.assertRefused(CarrierAuthenticationError, *signed(body, OTHER_SECRET), 401)
		self.assertRefused(CarrierAuthenticationError, *signed(body, SECRET, int(time.time()) - 301), 401)
		self.assertRefused(CarrierAuthenticationError, *signed(body, SECRET, int(time.time()) + 400), 401)
		self.assertRefused(CarrierAuthenticationError, body, "noon", signed(body)[2], 401)
		unknown = event_body(new_waybill(), carrier="_OT No Such Carrier")
		self.assertRefused(CarrierAuthenticationError, *signed(unknown), 401)
		# a body changed after signing
		_body, ts, sig = signed(body)
		self.assertRefused(
			CarrierAuthenticationError, body.replace(b"In Transit", b"Delivered"), ts, sig, 401
		)

	def test_disabled_carrier_is_401(self):
		frappe.db.set_value("Logistics Carrier", CARRIER, "enabled", 0)
		frappe.clear_document_cache("Logistics Carrier", CARRIER)
		try:
			self.assertRefused(CarrierAuthenticationError, *signed(event_body(new_waybill())), 401)
		finally:
			frappe.db.set_value("Logistics Carrier", CARRIER, "enabled", 1)

	def test_oversized_malformed_and_unknown_status(self):
		self.assertRefused(CarrierPayloadTooLargeError, *signed(b"{" + b" " * 65536 + b"}"), 413)
		self.assertRefused(CarrierPayloadError, *signed(b"{not json"), 400)
		self.assertRefused(CarrierPayloadError, *signed(b"[1, 2]"), 400)
		missing = json.dumps({"carrier": CARRIER, "event_id": "x", "status": "In Transit"}).encode()
		self.assertRefused(CarrierPayloadError, *signed(missing), 400)
		bad_time = event_body(new_waybill(), at="when it arrives")
		self.assertRefused(CarrierPayloadError, *signed(bad_time), 400)
		self.assertRefused(
			UnknownCarrierStatusError, *signed(event_body(new_waybill(), status="Teleported")), 422
		)

	def test_unknown_carrier_gets_the_answer_of_a_wrong_signature(self):
		unknown = event_body(new_waybill(), carrier="_OT No Such Carrier")
		answers = []
		for body, ts, sig in (signed(unknown), signed(event_body(new_waybill()), OTHER_SECRET)):
			with self.assertRaises(CarrierAuthenticationError) as e:
				receive_carrier_event(body, ts, sig)
			answers.append(str(e.exception))
			frappe.clear_messages()
		self.assertEqual(answers[0], answers[1])
		self.assertIn("signature does not match", answers[0])

	def test_messages_name_the_field(self):
		with self.assertRaises(CarrierPayloadError) as e:
			receive(event_body(new_waybill(), at="soon"))
		self.assertIn("'at'", str(e.exception))
		frappe.clear_messages()
		with self.assertRaises(UnknownCarrierStatusError) as e:
			receive(event_body(new_waybill(), status="Teleported"))
		self.assertIn("Teleported", str(e.exception))
		frappe.clear_messages()

	# ------------------------------------------------------------------ accepted

	def test_signed_event_moves_shipment_timeline_and_eta(self):
		set_settings(delivery_confirmation="Carrier")
		so = ready_order(days=5)
		shipment = ship(so)
		arrival = add_days(nowdate(), 8)
		answer = receive(
			event_body(
				shipment.awb_number,
				"In Transit",
				event_id="E-1",
				location="Shanghai Hub",
				expected_arrival=f"{arrival}T12:00:00",
				detail="Departed facility",
			)
		)
		self.assertEqual(
			answer,
			{
				"duplicate": False,
				"carrier_event": answer["carrier_event"],
				"match": "Matched",
				"shipment": shipment.name,
			},
		)
		sh = frappe.db.get_value(
			"Shipment",
			shipment.name,
			[
				"tracking_status",
				"carrier_status",
				"carrier_location",
				"carrier_expected_arrival",
				"tracking_status_info",
			],
			as_dict=True,
		)
		self.assertEqual(
			(sh.tracking_status, sh.carrier_status, sh.carrier_location),
			("In Progress", "In Transit", "Shanghai Hub"),
		)
		self.assertEqual(getdate(sh.carrier_expected_arrival), getdate(arrival))
		self.assertIn("Departed facility", sh.tracking_status_info)
		carrier_timeline = events(so.name, reference_doctype="Shipment", source="Carrier")
		self.assertEqual([(e.event, e.stage) for e in carrier_timeline], [("In Transit", "Shipped")])
		# the carrier's expected arrival is the order's ETA, three days after the promised date
		t = tracker(so.name)
		self.assertEqual(getdate(t.eta), getdate(arrival))
		self.assertEqual(t.delay_days, 3)
		logged = frappe.get_doc("Carrier Event", answer["carrier_event"])
		self.assertEqual(
			(logged.match_status, logged.shipment, logged.sales_orders), ("Matched", shipment.name, so.name)
		)
		self.assertEqual(json.loads(logged.payload)["detail"], "Departed facility")

		status = get_order_status(so.name)
		self.assertEqual(
			[(s["shipment"], s["carrier"], s["waybill"], s["tracking_status"]) for s in status["shipments"]],
			[(shipment.name, CARRIER, shipment.awb_number, "In Progress")],
		)
		self.assertEqual(
			status["shipments"][0]["tracking_url"], f"https://track.example/ot?no={shipment.awb_number}"
		)
		self.assertEqual(getdate(status["shipments"][0]["eta"]), getdate(arrival))

	def test_replay_answers_duplicate_and_writes_nothing(self):
		so = ready_order()
		shipment = ship(so)
		later = frappe.utils.add_to_date(now_datetime(), minutes=1).isoformat(sep=" ", timespec="seconds")
		body = event_body(shipment.awb_number, "Picked Up", event_id="REPLAY-1", at=later)
		first = receive(body)
		# nothing of the order's state changes: the tracker only takes it as its last event
		self.assertEqual(tracker(so.name).last_event_label, "Shipment: Picked Up by Carrier")
		counts = (frappe.db.count("Carrier Event"), frappe.db.count("Order Event", {"sales_order": so.name}))
		again = receive(body)
		self.assertEqual(again, {"duplicate": True, "carrier_event": first["carrier_event"]})
		# the same event id with another body is the same event too
		changed = receive(event_body(shipment.awb_number, "Delivered", event_id="REPLAY-1"))
		self.assertTrue(changed["duplicate"])
		self.assertEqual(
			(frappe.db.count("Carrier Event"), frappe.db.count("Order Event", {"sales_order": so.name})),
			counts,
		)
		self.assertEqual(frappe.db.get_value("Shipment", shipment.name, "carrier_status"), "Picked Up")

	def test_unmatched_event_waits_for_its_shipment(self):
		so = ready_order()
		waybill = new_waybill()
		answer = receive(event_body(waybill, "Picked Up", event_id="EARLY-1", at="2026-01-05 09:00:00"))
		self.assertEqual((answer["match"], answer["shipment"]), ("Unmatched", None))
		answer = receive(event_body(waybill, "In Transit", event_id="EARLY-2", at="2026-01-05 15:00:00"))
		self.assertEqual([e.match_status for e in carrier_events(waybill)], ["Unmatched", "Unmatched"])

		shipment = ship(so, waybill)  # submitting the Shipment picks them up, oldest first
		logged = carrier_events(waybill)
		self.assertEqual([(e.match_status, e.shipment) for e in logged], [("Matched", shipment.name)] * 2)
		self.assertEqual(frappe.db.get_value("Shipment", shipment.name, "carrier_status"), "In Transit")
		self.assertEqual(
			[e.event for e in events(so.name, source="Carrier")], ["Picked Up by Carrier", "In Transit"]
		)
		# an event arriving late (older than what the shipment shows) is logged and on the
		# timeline, but does not move the Shipment back
		last_event = tracker(so.name).last_event
		receive(event_body(waybill, "Picked Up", event_id="EARLY-0", at="2026-01-05 08:00:00"))
		self.assertEqual(frappe.db.get_value("Shipment", shipment.name, "carrier_status"), "In Transit")
		self.assertEqual(tracker(so.name).last_event, last_event)
		self.assertEqual(
			{e.event_id: e.moved_shipment for e in carrier_events(waybill)},
			{"EARLY-1": 1, "EARLY-2": 1, "EARLY-0": 0},
		)

	def test_event_of_another_carriers_waybill_is_unmatched(self):
		so = ready_order()
		shipment = ship(so)
		body = event_body(shipment.awb_number, "In Transit", carrier="_OT Freight")
		answer = receive(body, secret=OTHER_SECRET)
		self.assertEqual(answer["match"], "Unmatched")
		self.assertFalse(frappe.db.get_value("Shipment", shipment.name, "carrier_status"))

	def test_delivered_confirms_delivery_when_settings_say_carrier(self):
		set_settings(delivery_confirmation="Carrier")
		so = ready_order()
		shipment = ship(so)
		self.assertEqual(tracker(so.name).stage, "Shipped")
		receive(event_body(shipment.awb_number, "Out for Delivery"))
		self.assertEqual(tracker(so.name).stage, "Shipped")
		delivered_at = now_datetime().replace(microsecond=0)
		receive(event_body(shipment.awb_number, "Delivered", at=str(delivered_at), location="Front desk"))
		t = tracker(so.name)
		self.assertEqual((t.stage, t.delivered_pct), ("Delivered", 100))
		self.assertEqual(getdate(t.eta), getdate(delivered_at))
		sh = frappe.db.get_value(
			"Shipment", shipment.name, ["tracking_status", "carrier_delivered_at"], as_dict=True
		)
		self.assertEqual(sh.tracking_status, "Delivered")
		self.assertEqual(get_datetime(sh.carrier_delivered_at), delivered_at)
		delivered = events(so.name, event="Delivered by Carrier")
		self.assertEqual([(e.stage, e.qty) for e in delivered], [("Delivered", 4)])

	def test_delivered_does_not_confirm_when_settings_say_delivery_note_or_shipment(self):
		so = ready_order()
		shipment = ship(so)
		set_settings(delivery_confirmation="Shipment Completed")
		receive(event_body(shipment.awb_number, "Delivered"))
		self.assertEqual(tracker(so.name).stage, "Shipped")
		self.assertEqual(frappe.db.get_value("Shipment", shipment.name, "tracking_status"), "Delivered")

	def test_delivered_event_for_a_cancelled_shipment_is_kept_and_flagged(self):
		set_settings(delivery_confirmation="Carrier")
		so = ready_order()
		shipment = ship(so)
		shipment.cancel()
		answer = receive(event_body(shipment.awb_number, "Delivered", event_id="LATE-DELIVERY"))
		self.assertEqual((answer["match"], answer["shipment"]), ("Flagged", shipment.name))
		logged = frappe.get_doc("Carrier Event", answer["carrier_event"])
		self.assertIn("cancelled", logged.flag_reason)
		self.assertNotEqual(frappe.db.get_value("Shipment", shipment.name, "tracking_status"), "Delivered")
		self.assertEqual(events(so.name, source="Carrier"), [])
		self.assertNotEqual(tracker(so.name).stage, "Delivered")

	def test_returned_event_marks_the_shipment_returned(self):
		so = ready_order()
		shipment = ship(so)
		receive(event_body(shipment.awb_number, "Returned", detail="Refused by consignee"))
		self.assertEqual(frappe.db.get_value("Shipment", shipment.name, "tracking_status"), "Returned")
		self.assertEqual([e.event for e in events(so.name, source="Carrier")], ["Returned by Carrier"])

	def test_carrier_events_are_immutable(self):
		answer = receive(event_body(new_waybill()))
		doc = frappe.get_doc("Carrier Event", answer["carrier_event"])
		doc.location = "elsewhere"
		self.assertRaises(CarrierEventImmutableError, doc.save)

	def test_carrier_events_of_a_shipment_follow_its_read_permission(self):
		from order_tracking.api.carrier import get_carrier_events
		from order_tracking.tests.utils import make_user

		so = ready_order()
		shipment = ship(so)
		receive(event_body(shipment.awb_number, "In Transit"))
		answer = get_carrier_events(shipment=shipment.name)
		self.assertEqual([e.status for e in answer["events"]], ["In Transit"])
		self.assertEqual(
			[s.shipment for s in get_carrier_events(sales_order=so.name)["shipments"]], [shipment.name]
		)
		outsider = make_user("ot-dl-outsider@example.com", ["Accounts User"])
		frappe.set_user(outsider)
		self.assertRaises(frappe.PermissionError, get_carrier_events, shipment=shipment.name)
		frappe.set_user("Administrator")


class TestConcurrentCarrierEvents(FrappeTestCase):
	"""The same event sent by several requests at once: one Carrier Event, one timeline event."""

	def test_concurrent_replays_store_one_event(self):
		make_delivery_fixtures()
		so = ready_order()
		shipment = ship(so)
		# The competing requests run in their own connections
		frappe.db.commit()  # nosemgrep
		body = event_body(
			shipment.awb_number, "In Transit", event_id="CONCURRENT-" + frappe.generate_hash(length=6)
		)
		site = frappe.local.site
		barrier = threading.Barrier(4)
		answers, failures = [], []

		def request():
			frappe.init(site=site)
			frappe.connect()
			frappe.flags.in_test = True
			try:
				frappe.set_user("Guest")
				barrier.wait(timeout=30)
				answers.append(receive(body))
				# End of a simulated request
				frappe.db.commit()  # nosemgrep
			except Exception as e:
				failures.append(repr(e))
				frappe.db.rollback()
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=request) for _ in range(4)]
		for t in threads:
			t.start()
		for t in threads:
			t.join(timeout=120)
		frappe.db.rollback()  # a fresh snapshot sees what the requests committed
		try:
			self.assertEqual(failures, [])
			self.assertEqual(sorted(a["duplicate"] for a in answers), [False, True, True, True])
			self.assertEqual(len({a["carrier_event"] for a in answers}), 1)
			self.assertEqual(len(carrier_events(shipment.awb_number)), 1)
			self.assertEqual(len(events(so.name, source="Carrier")), 1)
		finally:
			_remove_shipped_order(so, shipment)


def _remove_shipped_order(so, shipment):
	"""Undo a committed order and its dispatch (tests that need other connections commit)."""
	frappe.db.delete("Carrier Event", {"waybill": shipment.awb_number})
	shipment.reload()
	if shipment.docstatus == 1:
		shipment.cancel()
	for dn in {d.delivery_note for d in shipment.shipment_delivery_note}:
		doc = frappe.get_doc("Delivery Note", dn)
		if doc.docstatus == 1:
			doc.cancel()
	so.reload()
	so.cancel()
	# Remove what the competing requests committed
	frappe.db.commit()  # nosemgrep


class TestCarrierWebhookOverHTTP(FrappeAPITestCase):
	"""The contract as a carrier sees it: real requests as Guest, status codes and JSON."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_delivery_fixtures()
		# The requests run in their own connections
		frappe.db.commit()  # nosemgrep
		cls.waybills = []

	@classmethod
	def tearDownClass(cls):
		frappe.db.delete("Carrier Event", {"waybill": ("in", cls.waybills or [""])})
		# Remove what the requests committed
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def send(self, body: bytes, timestamp=None, signature=None, content_type="application/json"):
		headers = {}
		if timestamp is not None:
			headers["X-Order-Tracking-Timestamp"] = timestamp
		if signature is not None:
			headers["X-Order-Tracking-Signature"] = signature
		return make_request(
			target=self.TEST_CLIENT.post,
			args=(self.method("order_tracking.api.carrier.receive_event"),),
			kwargs={"data": body, "headers": headers, "content_type": content_type},
		)

	def body(self, **values):
		waybill = new_waybill()
		self.waybills.append(waybill)
		return event_body(waybill, **values)

	def test_signed_event_then_replay(self):
		body = self.body(status="Picked Up")
		first = self.send(*signed(body))
		self.assertEqual(first.status_code, 200, first.json)
		answer = first.json["message"]
		self.assertEqual((answer["duplicate"], answer["match"]), (False, "Unmatched"))
		again = self.send(*signed(body))
		self.assertEqual(again.status_code, 200)
		self.assertEqual(again.json["message"], {"duplicate": True, "carrier_event": answer["carrier_event"]})
		frappe.db.rollback()  # a fresh snapshot sees what the request committed
		self.assertEqual(frappe.db.count("Carrier Event", {"waybill": json.loads(body)["waybill"]}), 1)

	def test_refusals_have_their_status_codes_and_store_nothing(self):
		body = self.body()
		waybill = json.loads(body)["waybill"]
		self.assertEqual(self.send(body).status_code, 401)
		self.assertEqual(self.send(*signed(body, OTHER_SECRET)).status_code, 401)
		self.assertEqual(self.send(*signed(body, SECRET, int(time.time()) - 600)).status_code, 401)
		self.assertEqual(self.send(*signed(b"{" + b" " * 70000 + b"}")).status_code, 413)
		response = self.send(*signed(b"not json"), content_type="text/plain")
		self.assertEqual(response.status_code, 400)
		self.assertIn("JSON", response.json["exception"])
		unknown = self.body(status="Teleported")
		self.assertEqual(self.send(*signed(unknown)).status_code, 422)
		frappe.db.rollback()  # a fresh snapshot sees what the requests committed
		self.assertFalse(frappe.db.exists("Carrier Event", {"waybill": waybill}))
		self.assertFalse(frappe.db.exists("Carrier Event", {"waybill": json.loads(unknown)["waybill"]}))

	def test_only_post(self):
		response = make_request(
			target=self.TEST_CLIENT.get, args=(self.method("order_tracking.api.carrier.receive_event"),)
		)
		self.assertNotEqual(response.status_code, 200)

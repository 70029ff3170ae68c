# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import json
import threading

import frappe
from frappe.tests.test_api import FrappeAPITestCase
from frappe.utils import add_days, getdate, nowdate

from order_tracking.api.intake import convert_intake, submit_order
from order_tracking.order_tracking.intake import (
	DuplicateIntakeError,
	IntakeNotConvertibleError,
	MalformedOrderError,
)
from order_tracking.tests.utils import (
	COMPANY,
	CUSTOMER,
	CUSTOMER_SHOE_CODE,
	LACE,
	PRICE_LIST,
	SHOE,
	FrappeTestCase,
	make_fixtures,
	make_user,
	set_settings,
)
from order_tracking.utils import retry_on_deadlock


def intake_doc(**kwargs):
	doc = frappe.get_doc(
		{
			"doctype": "Order Intake",
			"channel": "Desk",
			"customer": CUSTOMER,
			"company": COMPANY,
			"transaction_date": nowdate(),
			"delivery_date": add_days(nowdate(), 14),
			"items": [{"item_code": SHOE, "qty": 10}],
			**kwargs,
		}
	)
	return doc


def api(**kwargs):
	args = {
		"channel": "API",
		"external_ref": frappe.generate_hash(length=10),
		"customer": CUSTOMER,
		"delivery_date": add_days(nowdate(), 14),
		"company": COMPANY,
		"items": [{"item_code": SHOE, "qty": 10}],
	}
	args.update(kwargs)
	frappe.local.response.pop("http_status_code", None)
	return submit_order(**args)


# ERPNext's Sales Order test records pull in the whole accounting graph, down to the Payment
# Gateway of the separate `payments` app; these tests make their own orders.
test_ignore = ["Sales Order"]


class TestOrderIntake(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		set_settings(auto_convert=1, flag_cross_channel_duplicates=1, pause_tracking=0)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.response.pop("http_status_code", None)

	# ------------------------------------------------------------------ desk intake

	def test_valid_intake_becomes_a_draft_sales_order_linked_both_ways(self):
		doc = intake_doc(
			items=[
				{"customer_item_code": CUSTOMER_SHOE_CODE, "qty": 10},
				{"item_code": LACE, "qty": 20, "rate": 4},
			]
		)
		doc.insert()
		self.assertEqual(doc.status, "Converted")
		self.assertEqual(doc.errors, [])
		so = frappe.get_doc("Sales Order", doc.sales_order)
		self.assertEqual(so.docstatus, 0)
		self.assertEqual(so.order_intake, doc.name)
		self.assertEqual(so.customer, CUSTOMER)
		self.assertEqual(so.currency, "INR")
		self.assertEqual(so.selling_price_list, PRICE_LIST)
		self.assertEqual([(i.item_code, i.qty, i.rate) for i in so.items], [(SHOE, 10, 100), (LACE, 20, 4)])
		self.assertEqual(str(so.items[0].delivery_date), str(getdate(doc.delivery_date)))
		doc.reload()
		self.assertEqual(doc.items[0].item_code, SHOE)  # resolved from the customer's code
		self.assertTrue(doc.items[0].rate_from_price_list)
		self.assertEqual(doc.items[0].sales_order_item, so.items[0].name)
		self.assertEqual(doc.items[0].uom, "Nos")

	def test_every_error_names_its_line_and_field(self):
		doc = intake_doc(
			delivery_date=add_days(nowdate(), -1),
			items=[
				{"item_code": SHOE, "qty": 0},
				{"customer_item_code": "NOT-A-CODE", "qty": 1},
				{"item_code": LACE, "qty": 2, "delivery_date": add_days(nowdate(), -3)},
				{"qty": 1},
			],
		)
		doc.insert()
		self.assertEqual(doc.status, "Rejected")
		self.assertFalse(doc.sales_order)
		found = {(e.row_no or 0, e.error_field) for e in doc.errors}
		self.assertEqual(
			found,
			{
				(0, "delivery_date"),
				(1, "qty"),
				(2, "customer_item_code"),
				(3, "delivery_date"),
				(4, "item_code"),
			},
		)
		messages = {(e.row_no or 0): e.message for e in doc.errors}
		self.assertIn("Row 1", messages[1])
		self.assertIn("Quantity", messages[1])
		self.assertIn("NOT-A-CODE", messages[2])
		self.assertFalse(frappe.db.exists("Sales Order", {"order_intake": doc.name}))

	def test_missing_price_is_an_error_on_the_rate(self):
		frappe.db.delete("Item Price", {"item_code": LACE, "price_list": PRICE_LIST})
		doc = intake_doc(items=[{"item_code": LACE, "qty": 3}])
		doc.insert()
		self.assertEqual(doc.status, "Rejected")
		self.assertEqual([(e.row_no, e.error_field) for e in doc.errors], [(1, "rate")])
		self.assertIn(PRICE_LIST, doc.errors[0].message)

	def test_clerk_corrects_a_rejected_intake_and_converts_it(self):
		doc = intake_doc(items=[{"item_code": SHOE, "qty": -5}])
		doc.insert()
		self.assertEqual(doc.status, "Rejected")
		self.assertRaises(IntakeNotConvertibleError, doc.convert)
		doc.items[0].qty = 5
		doc.save()
		self.assertEqual(doc.status, "Converted")
		self.assertTrue(frappe.db.exists("Sales Order", doc.sales_order))
		# and a converted intake is the record of what came in: it no longer changes
		doc.items[0].qty = 7
		self.assertRaises(frappe.ValidationError, doc.save)

	def test_convert_button_when_auto_convert_is_off(self):
		set_settings(auto_convert=0)
		try:
			doc = intake_doc()
			doc.insert()
			self.assertEqual(doc.status, "New")
			self.assertFalse(doc.sales_order)
			answer = convert_intake(doc.name)
			self.assertEqual(answer["status"], "Converted")
			self.assertTrue(answer["sales_order"])
		finally:
			set_settings(auto_convert=1)

	def test_unknown_customer_is_kept_as_received(self):
		answer = api(customer="Nobody & Sons")
		self.assertEqual(answer["status"], "Rejected")
		intake = frappe.get_doc("Order Intake", answer["intake"])
		self.assertEqual(intake.received_customer, "Nobody & Sons")
		self.assertEqual(answer["errors"][0]["field"], "customer")
		self.assertIn("Nobody & Sons", answer["errors"][0]["message"])

	def test_customer_found_by_its_name(self):
		customer_id = frappe.db.get_value("Customer", {"customer_name": CUSTOMER})
		answer = api(customer=CUSTOMER)
		self.assertEqual(answer["status"], "Converted")
		self.assertEqual(frappe.db.get_value("Sales Order", answer["sales_order"], "customer"), customer_id)

	def test_same_reference_from_another_channel_is_flagged_duplicate(self):
		ref = frappe.generate_hash(length=8)
		first = api(channel="E-mail", external_ref=ref)
		second = api(channel="Portal", external_ref=ref)
		self.assertEqual(first["status"], "Converted")
		self.assertEqual(second["status"], "Duplicate")
		doc = frappe.get_doc("Order Intake", second["intake"])
		self.assertEqual(doc.duplicate_of, first["intake"])
		self.assertFalse(doc.sales_order)

	def test_channel_and_reference_are_unique_in_the_database(self):
		index = frappe.db.sql(
			"""select group_concat(column_name order by seq_in_index) from information_schema.statistics
			where table_schema = database() and table_name = 'tabOrder Intake'
			and index_name = 'unique_channel_external_ref' and non_unique = 0""",
		)
		self.assertEqual(index[0][0], "channel,external_ref")
		ref = frappe.generate_hash(length=8)
		intake_doc(channel="Import", external_ref=ref).insert()
		self.assertRaises(DuplicateIntakeError, intake_doc(channel="Import", external_ref=ref).insert)
		# desk intakes without a reference never collide
		intake_doc().insert()
		intake_doc().insert()

	# ------------------------------------------------------------------ REST contract

	def test_api_converted(self):
		answer = api(items=[{"customer_item_code": CUSTOMER_SHOE_CODE, "qty": 4, "rate": 95.5}])
		self.assertEqual(set(answer), {"intake", "status", "sales_order", "errors"})
		self.assertEqual(answer["status"], "Converted")
		self.assertEqual(answer["errors"], [])
		so = frappe.get_doc("Sales Order", answer["sales_order"])
		self.assertEqual((so.items[0].item_code, so.items[0].rate), (SHOE, 95.5))
		intake = frappe.get_doc("Order Intake", answer["intake"])
		self.assertEqual(intake.channel, "API")
		self.assertEqual(json.loads(intake.raw_payload)["items"][0]["customer_item_code"], CUSTOMER_SHOE_CODE)
		self.assertNotIn("http_status_code", frappe.local.response)

	def test_api_duplicate_writes_nothing(self):
		ref = frappe.generate_hash(length=8)
		first = api(external_ref=ref)
		counts = (
			frappe.db.count("Order Intake"),
			frappe.db.count("Sales Order"),
			frappe.db.count("Order Event"),
		)
		again = api(external_ref=ref, items=[{"item_code": LACE, "qty": 999}])
		self.assertEqual(again, {**first, "status": "Duplicate"})
		self.assertEqual(
			counts,
			(frappe.db.count("Order Intake"), frappe.db.count("Sales Order"), frappe.db.count("Order Event")),
		)

	def test_api_rejected_answers_422_and_keeps_the_intake(self):
		answer = api(items=[{"item_code": "NO SUCH ITEM", "qty": 1}, {"item_code": SHOE, "qty": "many"}])
		self.assertEqual(frappe.local.response.get("http_status_code"), 422)
		self.assertEqual(answer["status"], "Rejected")
		self.assertIsNone(answer["sales_order"])
		self.assertEqual([(e["row"], e["field"]) for e in answer["errors"]], [(1, "item_code"), (2, "qty")])
		self.assertIn("NO SUCH ITEM", answer["errors"][0]["message"])
		intake = frappe.get_doc("Order Intake", answer["intake"])
		self.assertEqual(intake.items[0].received_item, "NO SUCH ITEM")

	def test_api_malformed_requests_store_nothing(self):
		count = frappe.db.count("Order Intake")
		for kwargs in (
			{"items": []},
			{"items": None},
			{"items": "not json"},
			{"items": ["just a string"]},
			{"channel": "Carrier Pigeon"},
			{"external_ref": None},
		):
			with self.subTest(kwargs=kwargs):
				with self.assertRaises(MalformedOrderError) as e:
					api(**kwargs)
				self.assertEqual(e.exception.http_status_code, 400)
		self.assertEqual(frappe.db.count("Order Intake"), count)

	def test_api_needs_create_permission_on_order_intake(self):
		user = make_user("ot-viewer@example.com", ["Order Reviewer"])
		frappe.set_user(user)
		with self.assertRaises(frappe.PermissionError):
			api()
		frappe.set_user("Administrator")
		clerk = make_user("ot-clerk@example.com", ["Order Clerk"])
		frappe.set_user(clerk)
		answer = api()
		self.assertEqual(answer["status"], "Converted")
		self.assertEqual(frappe.db.get_value("Sales Order", answer["sales_order"], "owner"), clerk)


class TestRetryOnDeadlock(FrappeTestCase):
	"""A real deadlock between two connections (each locks two rows in the opposite order)."""

	def crossing_updates(self, write_first: bool):
		keys = [f"OT-DEADLOCK-{frappe.generate_hash(length=6)}-{i}" for i in (1, 2)]
		for key in keys:
			frappe.db.sql("insert into `tabSeries` (`name`, `current`) values (%s, 0)", (key,))
		# The two workers run in their own connections
		frappe.db.commit()  # nosemgrep
		site = frappe.local.site
		barrier = threading.Barrier(2)
		attempts, failures = [0, 0], []

		def worker(i):
			frappe.init(site=site)
			frappe.connect()
			first, second = keys if i == 0 else keys[::-1]

			def work():
				attempts[i] += 1
				frappe.db.sql("update `tabSeries` set `current` = `current` + 1 where `name` = %s", (first,))
				if attempts[i] == 1:
					barrier.wait(timeout=30)
				frappe.db.sql("update `tabSeries` set `current` = `current` + 1 where `name` = %s", (second,))

			try:
				if write_first:
					frappe.db.sql("update `tabSeries` set `current` = `current` where `name` = %s", (first,))
				retry_on_deadlock(work)
				# End of a simulated request
				frappe.db.commit()  # nosemgrep
			except Exception as e:
				failures.append(e)
				frappe.db.rollback()
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
		for t in threads:
			t.start()
		for t in threads:
			t.join(timeout=120)
		currents = [
			frappe.db.sql("select `current` from `tabSeries` where `name` = %s", (key,))[0][0] for key in keys
		]
		frappe.db.delete("Series", {"name": ("in", keys)})
		frappe.db.commit()  # nosemgrep
		return attempts, failures, currents

	def test_the_victim_of_a_deadlock_is_run_again(self):
		attempts, failures, currents = self.crossing_updates(write_first=False)
		self.assertEqual(failures, [])
		self.assertEqual(sorted(attempts), [1, 2])  # one of them lost and ran again
		self.assertEqual(currents, [2, 2])  # both did all of their work, once

	def test_no_retry_when_the_transaction_held_earlier_writes(self):
		attempts, failures, currents = self.crossing_updates(write_first=True)
		self.assertEqual(attempts, [1, 1])
		self.assertEqual(len(failures), 1)
		self.assertIsInstance(failures[0], frappe.QueryDeadlockError)
		self.assertEqual(sorted(currents), [1, 1])  # the victim's work is gone, the winner's is there


class TestConcurrentIntake(FrappeTestCase):
	"""Concurrent requests with one channel + external_ref: exactly one intake and one order."""

	def test_concurrent_duplicates_give_one_intake_and_one_order(self):
		make_fixtures()
		# The competing requests run in their own connections
		frappe.db.commit()  # nosemgrep
		ref = "CONCURRENT-" + frappe.generate_hash(length=8)
		site = frappe.local.site
		barrier = threading.Barrier(4)
		answers, failures = [], []

		def request():
			frappe.init(site=site)
			frappe.connect()
			try:
				frappe.set_user("Administrator")
				barrier.wait(timeout=30)
				answers.append(api(external_ref=ref))
				# End of a simulated request
				frappe.db.commit()  # nosemgrep
			except Exception as e:
				import traceback

				failures.append(repr(e) + traceback.format_exc()[-1500:])
				frappe.db.rollback()
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=request) for _ in range(4)]
		for t in threads:
			t.start()
		for t in threads:
			t.join(timeout=120)
		try:
			self.assertEqual(failures, [])
			self.assertEqual(
				sorted(a["status"] for a in answers), ["Converted", "Duplicate", "Duplicate", "Duplicate"]
			)
			self.assertEqual(len({a["intake"] for a in answers}), 1)
			self.assertEqual(len({a["sales_order"] for a in answers}), 1)
			self.assertEqual(frappe.db.count("Order Intake", {"external_ref": ref}), 1)
			self.assertEqual(frappe.db.count("Sales Order", {"po_no": ref}), 1)
		finally:
			for so in frappe.get_all("Sales Order", filters={"po_no": ref}, pluck="name"):
				frappe.delete_doc("Sales Order", so, force=True)
			frappe.db.delete(
				"Order Intake Item",
				{
					"parent": (
						"in",
						frappe.get_all("Order Intake", {"external_ref": ref}, pluck="name") or [""],
					)
				},
			)
			frappe.db.delete("Order Intake", {"external_ref": ref})
			# Remove what the competing requests committed
			frappe.db.commit()  # nosemgrep


class TestIntakeOverHTTP(FrappeAPITestCase):
	"""The REST contract as a client sees it: real requests, status codes and JSON."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_fixtures()
		# The requests run in their own connections
		frappe.db.commit()  # nosemgrep
		cls.refs = []

	@classmethod
	def tearDownClass(cls):
		names = frappe.get_all(
			"Order Intake", filters={"external_ref": ("in", cls.refs or [""])}, pluck="name"
		)
		for so in frappe.get_all(
			"Sales Order", filters={"order_intake": ("in", names or [""])}, pluck="name"
		):
			frappe.delete_doc("Sales Order", so, force=True)
		for name in names:
			frappe.delete_doc("Order Intake", name, force=True)
		# Remove what the requests committed
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def submit(self, **payload):
		body = {
			"channel": "API",
			"customer": CUSTOMER,
			"company": COMPANY,
			"delivery_date": add_days(nowdate(), 10),
			"items": [{"item_code": SHOE, "qty": 3}],
			**payload,
		}
		if body.get("external_ref"):
			self.refs.append(body["external_ref"])
		return self.post(self.method("order_tracking.api.intake.submit_order"), {"sid": self.sid, **body})

	def test_converted_then_duplicate(self):
		ref = "HTTP-" + frappe.generate_hash(length=8)
		first = self.submit(external_ref=ref)
		self.assertEqual(first.status_code, 200)
		answer = first.json["message"]
		self.assertEqual(answer["status"], "Converted")
		self.assertTrue(answer["sales_order"])
		again = self.submit(external_ref=ref)
		self.assertEqual(again.status_code, 200)
		self.assertEqual(again.json["message"], {**answer, "status": "Duplicate"})

	def test_rejected_is_422_with_errors(self):
		ref = "HTTP-" + frappe.generate_hash(length=8)
		response = self.submit(external_ref=ref, items=[{"item_code": SHOE, "qty": -1}])
		self.assertEqual(response.status_code, 422)
		answer = response.json["message"]
		self.assertEqual(answer["status"], "Rejected")
		self.assertEqual([(e["row"], e["field"]) for e in answer["errors"]], [(1, "qty")])
		frappe.db.rollback()  # a fresh snapshot sees what the request committed
		self.assertEqual(frappe.db.get_value("Order Intake", answer["intake"], "status"), "Rejected")

	def test_malformed_is_400_and_stores_nothing(self):
		ref = "HTTP-" + frappe.generate_hash(length=8)
		response = self.submit(external_ref=ref, items=[])
		self.assertEqual(response.status_code, 400)
		self.assertIn("items", response.json["exception"])
		frappe.db.rollback()  # a fresh snapshot sees what the request committed
		self.assertFalse(frappe.db.exists("Order Intake", {"external_ref": ref}))
		response = self.submit(external_ref=ref, channel="Fax")
		self.assertEqual(response.status_code, 400)

	def test_status_of_an_unknown_order_is_403(self):
		response = self.get(
			self.method("order_tracking.api.tracking.get_order_status"),
			{"sid": self.sid, "order": "NO-SUCH-ORDER"},
		)
		self.assertEqual(response.status_code, 403)


class TestIntakeImport(FrappeTestCase):
	"""Many intakes at once through Frappe's own Data Import (which commits row by row)."""

	def test_data_import_creates_intakes_and_orders(self):
		make_fixtures()
		frappe.db.commit()  # nosemgrep
		tag = frappe.generate_hash(length=6)
		delivery = add_days(nowdate(), 20)
		content = "\n".join(
			[
				"Channel,External Reference,Customer,Company,Delivery Date,Item Code (Items),Customer's Item Code (Items),Quantity (Items)",
				f"Import,IMP-{tag}-1,{CUSTOMER},{COMPANY},{delivery},{SHOE},,5",
				f",,,,,,{CUSTOMER_SHOE_CODE},7",
				f"Import,IMP-{tag}-2,{CUSTOMER},{COMPANY},{delivery},{LACE},,0",
			]
		)
		file = frappe.get_doc(
			{"doctype": "File", "file_name": f"intakes-{tag}.csv", "content": content, "is_private": 1}
		).insert(ignore_permissions=True)
		data_import = frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": "Order Intake",
				"import_type": "Insert New Records",
				"import_file": file.file_url,
			}
		).insert()
		frappe.db.commit()  # nosemgrep
		try:
			data_import.start_import()
			data_import.reload()
			self.assertEqual(data_import.status, "Success")
			first = frappe.get_doc("Order Intake", {"external_ref": f"IMP-{tag}-1"})
			self.assertEqual(first.status, "Converted")
			self.assertEqual([(i.item_code, i.qty) for i in first.items], [(SHOE, 5), (SHOE, 7)])
			self.assertEqual(len(frappe.get_doc("Sales Order", first.sales_order).items), 2)
			second = frappe.get_doc("Order Intake", {"external_ref": f"IMP-{tag}-2"})
			self.assertEqual(second.status, "Rejected")
			self.assertEqual([(e.row_no, e.error_field) for e in second.errors], [(1, "qty")])
		finally:
			intakes = frappe.get_all(
				"Order Intake", filters={"external_ref": ("like", f"IMP-{tag}-%")}, pluck="name"
			)
			for so in frappe.get_all(
				"Sales Order", filters={"order_intake": ("in", intakes or [""])}, pluck="name"
			):
				frappe.delete_doc("Sales Order", so, force=True)
			for name in intakes:
				frappe.delete_doc("Order Intake", name, force=True)
			frappe.delete_doc("Data Import", data_import.name, force=True)
			frappe.delete_doc("File", file.name, force=True)
			frappe.db.commit()  # nosemgrep

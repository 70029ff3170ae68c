# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe

from order_tracking.delivery.doctype.logistics_carrier.logistics_carrier import LogisticsCarrierError
from order_tracking.tests.utils import FrappeTestCase


def carrier(**values):
	return frappe.get_doc(
		{
			"doctype": "Logistics Carrier",
			"carrier_name": "_OT Test Carrier " + frappe.generate_hash(length=5),
			"webhook_secret": "a-long-enough-secret-123",
			**values,
		}
	)


class TestLogisticsCarrier(FrappeTestCase):
	def test_valid_carrier_keeps_its_secret_encrypted_and_knows_its_webhook(self):
		doc = carrier(
			waybill_pattern=r"SF\d{12}", tracking_url_template="https://sf.example/t/{waybill}"
		).insert()
		self.assertTrue(doc.webhook_url.endswith("/api/method/order_tracking.api.carrier.receive_event"))
		self.assertEqual(frappe.db.get_value("Logistics Carrier", doc.name, "webhook_secret"), "*" * 24)
		self.assertEqual(doc.get_password("webhook_secret"), "a-long-enough-secret-123")
		# saving again without touching the secret keeps it
		doc.website = "https://sf.example"
		doc.save()
		self.assertEqual(doc.get_password("webhook_secret"), "a-long-enough-secret-123")

	def test_bad_settings_are_refused_naming_the_field(self):
		for values, field in (
			({"waybill_pattern": "SF(\\d+"}, "Waybill Pattern"),
			({"tracking_url_template": "https://sf.example/track"}, "Tracking Page"),
			({"tracking_url_template": "sf.example/{waybill}"}, "Tracking Page"),
			({"webhook_secret": "short"}, "Webhook Secret"),
		):
			with self.assertRaises(LogisticsCarrierError) as e:
				carrier(**values).insert()
			self.assertIn(field, str(e.exception))
			frappe.clear_messages()

	def test_shipment_waybill_must_match_the_carriers_pattern(self):
		from order_tracking.delivery.carriers import validate_shipment
		from order_tracking.delivery.dispatch import DispatchError

		doc = carrier(
			waybill_pattern=r"SF\d{4}", tracking_url_template="https://sf.example/t/{waybill}"
		).insert()
		shipment = frappe.new_doc("Shipment")
		shipment.carrier = doc.name
		shipment.awb_number = " SF1234 "
		validate_shipment(shipment)
		self.assertEqual(
			(shipment.awb_number, shipment.tracking_url), ("SF1234", "https://sf.example/t/SF1234")
		)
		shipment.awb_number = "XX1234"
		self.assertRaises(DispatchError, validate_shipment, shipment)
		frappe.clear_messages()
		# a carrier that is not a Logistics Carrier is not checked
		shipment.carrier = "Some Other Carrier"
		validate_shipment(shipment)

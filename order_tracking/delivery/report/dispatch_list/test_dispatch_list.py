# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.utils import add_days, nowdate

from order_tracking.delivery.dispatch import dispatch_orders
from order_tracking.delivery.report.dispatch_list.dispatch_list import execute
from order_tracking.tests.delivery_fixtures import (
	CARRIER,
	OTHER_CARRIER,
	PARCEL,
	make_delivery_fixtures,
	new_waybill,
	ready_order,
)
from order_tracking.tests.utils import CUSTOMER, FrappeTestCase, set_settings

test_ignore = ["Sales Order"]


class TestDispatchList(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_delivery_fixtures()
		set_settings(pause_tracking=0)

	def test_lists_the_carriers_shipments_of_the_day(self):
		day = add_days(nowdate(), 3)
		first, second, other_day = ready_order(), ready_order(), ready_order()
		waybills = [new_waybill(), new_waybill()]
		dispatch_orders(
			[
				{"sales_order": first.name, "waybill": waybills[0]},
				{"sales_order": second.name, "waybill": waybills[1]},
			],
			CARRIER,
			pickup_date=day,
			parcel_template=PARCEL,
			use_pick_list=False,
		)
		dispatch_orders(
			[{"sales_order": other_day.name, "waybill": new_waybill()}],
			CARRIER,
			pickup_date=add_days(day, 1),
			parcel_template=PARCEL,
			use_pick_list=False,
		)
		columns, data, _message, _chart, summary = execute({"carrier": CARRIER, "pickup_date": day})
		self.assertIn("waybill", [c["fieldname"] for c in columns])
		rows = [r for r in data if r["waybill"] in waybills]
		self.assertEqual(sorted(r["waybill"] for r in rows), sorted(waybills))
		self.assertEqual({r["sales_orders"] for r in rows}, {first.name, second.name})
		self.assertEqual({r["customer"] for r in rows}, {CUSTOMER})
		self.assertEqual({r["parcels"] for r in rows}, {1})
		self.assertNotIn(other_day.name, {r["sales_orders"] for r in data})
		self.assertEqual(summary[0]["value"], len(data))
		# another carrier's list of that day does not have them
		_columns, other, *_ = execute({"carrier": OTHER_CARRIER, "pickup_date": day})
		self.assertFalse({r["waybill"] for r in other} & set(waybills))

	def test_without_carrier_is_empty(self):
		columns, data, *_ = execute({})
		self.assertTrue(columns)
		self.assertEqual(data, [])

	def test_print_format_exists(self):
		path = frappe.get_app_path(
			"order_tracking", "delivery", "report", "dispatch_list", "dispatch_list.html"
		)
		with open(path) as f:
			self.assertIn("Received by the carrier", f.read())

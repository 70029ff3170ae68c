# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt
"""Order cost (ST-3) on a real order, against figures computed by hand."""

from datetime import timedelta

import frappe
from frappe.utils import add_days, flt, now_datetime, nowdate

from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note, make_sales_invoice
from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry

from order_tracking.outsourcing.orders import make_for_job_cards
from order_tracking.outsourcing.receipts import make_receipt
from order_tracking.settlement import order_cost
from order_tracking.tests.outsourcing_case import OutsourcingTestCase
from order_tracking.tests.utils import (
	COMPANY,
	CUTTING_TABLE,
	FG_WAREHOUSE,
	LACE,
	LEATHER,
	PARTNER,
	STITCHED_UPPER,
	approve,
	make_order,
	make_user,
	make_work_order,
	tracker,
	work_order_entry,
)


class TestOrderCost(OutsourcingTestCase):
	def test_cost_and_margin_of_an_order_from_its_documents(self):
		ws = frappe.get_doc("Workstation", CUTTING_TABLE)
		ws.hour_rate_labour, ws.hour_rate_electricity, ws.hour_rate_rent = 30, 4, 2
		ws.save()
		make_stock_entry(item_code=LACE, target=FG_WAREHOUSE, qty=20, basic_rate=3, company=COMPANY)

		so = make_order(
			[{"item_code": STITCHED_UPPER, "qty": 4, "rate": 40}, {"item_code": LACE, "qty": 10, "rate": 5}]
		)
		leather_rate = self.produce_with_sewing_outsourced(so)
		dn, other_dn = self.ship_with_another_order(so)
		self.assertIn(so.name, frappe.flags.order_cost_pending or set())  # the job is queued for after commit
		lace_rate = next(flt(d.incoming_rate) for d in dn.items if d.item_code == LACE)

		c = order_cost.refresh_order_costs([so.name])[so.name]
		expected_freight = 12 * flt(dn.grand_total) / (flt(dn.grand_total) + flt(other_dn.grand_total))
		self.assertAlmostEqual(c.material, 4 * leather_rate + 10 * lace_rate, places=2)
		self.assertAlmostEqual(c.labour, 1.5 * 30, places=2)  # 90 minutes at 30 an hour
		self.assertAlmostEqual(c.overhead, 1.5 * 6, places=2)  # electricity 4 and rent 2 an hour
		self.assertAlmostEqual(c.outsourcing, 10, places=2)  # received, not yet invoiced
		self.assertAlmostEqual(c.freight, expected_freight, places=2)
		self.assertAlmostEqual(c.revenue, 210, places=2)  # not invoiced yet: the order's value
		t = tracker(so.name)
		self.assertAlmostEqual(t.total_cost, c.total, places=2)
		self.assertAlmostEqual(t.margin, 210 - c.total, places=2)
		self.assertAlmostEqual(t.margin_pct, round((210 - c.total) / 210 * 100, 2), places=2)

		# invoiced: revenue is what was billed; the supplier's statement replaces the accrual
		si = make_sales_invoice(so.name)
		si.items = [i for i in si.items if i.item_code == STITCHED_UPPER]
		si.insert()
		si.submit()
		statement = self.settle_receipts_of(so)
		c = order_cost.refresh_order_costs([so.name])[so.name]
		self.assertAlmostEqual(c.revenue, 160, places=2)
		self.assertAlmostEqual(c.outsourcing, flt(statement.net_amount), places=2)

	def produce_with_sewing_outsourced(self, so) -> float:
		"""The order's 4 uppers made: cutting 90 minutes on the cutting table, sewing out at 2.50
		each and back. Returns the leather's rate."""
		wo = make_work_order(so, item_code=STITCHED_UPPER)
		work_order_entry(wo, "Material Transfer for Manufacture", 4)
		cards = {
			c.operation: c.name
			for c in frappe.get_all("Job Card", filters={"work_order": wo.name}, fields=["name", "operation"])
		}
		cutting = frappe.get_doc("Job Card", cards["_OT Cutting"])
		start = now_datetime() - timedelta(days=2)
		cutting.append(
			"time_logs", {"from_time": start, "to_time": start + timedelta(minutes=90), "completed_qty": 4}
		)
		cutting.save()
		cutting.submit()
		# sewing goes out: 4 at 2.50
		order = make_for_job_cards([cards["_OT Sewing"]], PARTNER, add_days(nowdate(), 5), rate=2.5)
		approve(order)
		order.reload()
		order.send_to_supplier()
		make_receipt(order.name).submit()
		made = work_order_entry(wo, "Manufacture", 4)
		return next(flt(d.basic_rate) for d in made.items if d.item_code == LEATHER)

	def ship_with_another_order(self, so):
		"""The order delivered, and shipped with another order's delivery for a freight of 12.
		Returns both delivery notes."""
		dn = make_delivery_note(so.name)
		dn.insert()
		dn.submit()
		other = make_order([{"item_code": LACE, "qty": 5, "rate": 10}])
		other_dn = make_delivery_note(other.name)
		other_dn.insert()
		other_dn.submit()
		from erpnext.stock.doctype.shipment.test_shipment import create_test_shipment

		shipment = create_test_shipment([dn, other_dn])
		shipment.submit()
		shipment.freight_cost = 12
		shipment.save()
		return dn, other_dn

	def settle_receipts_of(self, so):
		"""A submitted Supplier Statement of the order's outsourcing receipts."""
		statement = frappe.new_doc("Supplier Statement")
		statement.update(
			{
				"company": COMPANY,
				"supplier": PARTNER,
				"from_date": nowdate(),
				"to_date": nowdate(),
				"supplier_confirmed": 1,
				"confirmed_by": "Ms Wang",
			}
		)
		statement.get_receipts()
		statement.receipts = [d for d in statement.receipts if d.sales_order == so.name]
		statement.insert()
		statement.submit()
		return statement

	def test_only_roles_that_see_costs_may_recompute_them(self):
		from order_tracking.api.settlement import refresh_order_cost

		so = make_order([{"item_code": LACE, "qty": 1, "rate": 5}])
		clerk = make_user("ot-cost-clerk@example.com", ["Sales User"])
		accountant = make_user("ot-cost-accountant@example.com", ["Sales User", "Settlement Accountant"])
		frappe.set_user(clerk)
		self.assertRaises(frappe.PermissionError, refresh_order_cost, so.name)
		self.assertNotIn(
			"margin", frappe.get_list("Order Tracker", filters={"name": so.name}, fields=["*"])[0]
		)
		frappe.set_user(accountant)
		self.assertAlmostEqual(refresh_order_cost(so.name)["revenue"], 5, places=2)

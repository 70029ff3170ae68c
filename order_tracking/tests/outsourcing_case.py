"""The outsourcing tests' base: the fixtures once per class, each test rolled back to a savepoint,
and a stitched-upper work order ready to outsource its sewing (also used by the settlement tests
and the outsourcing and settlement benchmarks)."""

from datetime import timedelta

import frappe
from frappe.query_builder.functions import Max

from order_tracking.tests.utils import (
	SEWING,
	STITCHED_UPPER,
	FrappeTestCase,
	make_order,
	make_outsourcing_fixtures,
	make_work_order,
)

# the doctypes whose ERPNext test records the outsourcing tests leave unmade (they make their own
# orders, work orders and documents): each outsourcing test module's `test_ignore`
OUTSOURCING_TEST_IGNORE = [
	"Sales Order",
	"Order Plan",
	"Job Card",
	"Work Order",
	"Material Request",
	"Purchase Order",
	"Subcontracting Order",
	"Stock Entry",
]


class OutsourcingTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_outsourcing_fixtures()

	def setUp(self):
		frappe.db.savepoint("outsourcing_test")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="outsourcing_test")

	def upper_work_order(self, qty=6, cut=True):
		"""A Sales Order for stitched uppers and its work order, materials issued, cutting done."""
		so = make_order([{"item_code": STITCHED_UPPER, "qty": qty, "rate": 40}])
		wo = make_work_order(so, item_code=STITCHED_UPPER)
		from order_tracking.tests.utils import work_order_entry

		work_order_entry(wo, "Material Transfer for Manufacture", qty)
		cards = {
			c.operation: c.name
			for c in frappe.get_all("Job Card", filters={"work_order": wo.name}, fields=["name", "operation"])
		}
		if cut:
			cutting = frappe.get_doc("Job Card", cards["_OT Cutting"])
			# after whatever is already logged on the cutting table
			log, card = frappe.qb.DocType("Job Card Time Log"), frappe.qb.DocType("Job Card")
			last = (
				frappe.qb.from_(log)
				.join(card)
				.on(card.name == log.parent)
				.select(Max(log.to_time))
				.where((card.workstation == cutting.workstation) & (card.docstatus < 2))
				.run()
			)[0][0]
			start = max(
				frappe.utils.now_datetime() - timedelta(days=3),
				frappe.utils.get_datetime(last) if last else frappe.utils.now_datetime() - timedelta(days=3),
			) + timedelta(minutes=1)
			cutting.append(
				"time_logs",
				{"from_time": start, "to_time": start + timedelta(minutes=60), "completed_qty": qty},
			)
			cutting.save()
			cutting.submit()
		return so, wo, cards[SEWING]

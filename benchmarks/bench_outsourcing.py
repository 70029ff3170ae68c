"""Outsourcing on a real site: what an operation round trip costs beyond ERPNext's own documents,
and receiving 200 lines.

    cd ~/ot-bench/sites && ../env/bin/python /path/to/order_tracking/benchmarks/bench_outsourcing.py ot.localhost

Needs the integration suite's fixtures (run the tests once first). Everything is rolled back.

1. Operation round trip (target: ≤ 15 queries beyond the ERPNext documents it creates): an
   Outsourcing Order for a job card is made and approved, sent and received (the job card
   completes). Its queries are counted against the same ERPNext documents made by hand in the
   same run — the Purchase Order of the service, the two transfers, the job card's time log and
   submit; the difference is what the app adds.
2. A 200-line receipt (target ≤ 5 s): a Whole Order order of 200 lines (one Sales Order of 200
   lines), approved (Purchase Order and Subcontracting Order of 200 lines) and sent; then the
   receipt of all 200 is timed — the Outsourcing Receipt and ERPNext's Subcontracting Receipt of
   200 lines it makes.
"""

import statistics
import sys
import time
import traceback
from datetime import timedelta

import frappe
from frappe.utils import add_days, nowdate


def _count(fn, kinds: dict | None = None) -> tuple[int, float]:
	"""Queries run by fn, and its time; `kinds` gets how many ran refreshing trackers and writing
	timeline events."""
	original = frappe.db.sql
	count = [0]

	def sql(*args, **kwargs):
		count[0] += 1
		if kinds is not None:
			names = {f.name for f in traceback.extract_stack(limit=40)}
			kind = "tracker" if "refresh_trackers" in names else "events" if "insert_events" in names else None
			if kind:
				kinds[kind] = kinds.get(kind, 0) + 1
		return original(*args, **kwargs)

	frappe.db.sql = sql
	t0 = time.perf_counter()
	try:
		fn()
	finally:
		frappe.db.sql = original
	return count[0], time.perf_counter() - t0


def round_trip(rounds: int = 3) -> dict:
	"""The app's operation round trip against the same ERPNext documents made by hand: each run
	once to warm the caches, then `rounds` times alternately; medians."""
	from order_tracking.outsourcing.orders import make_for_job_cards, outsourcing_workstation
	from order_tracking.outsourcing.receipts import make_receipt
	from order_tracking.tests.outsourcing_case import OutsourcingTestCase
	from order_tracking.tests.utils import PARTNER, PARTNER_WAREHOUSE, approve

	def app(so, wo, sewing):
		order = make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 5), rate=2)
		approve(order)
		order.reload()
		order.send_to_supplier()
		receipt = make_receipt(order.name)
		receipt.submit()

	def by_hand(so, wo, sewing):
		wip = frappe.db.get_value("Work Order", wo.name, "wip_warehouse")
		po = frappe.new_doc("Purchase Order")
		po.update(
			{
				"company": so.company,
				"supplier": PARTNER,
				"schedule_date": add_days(nowdate(), 5),
				"currency": "INR",
				"conversion_rate": 1,
				"plc_conversion_rate": 1,
			}
		)
		po.append(
			"items",
			{
				"item_code": "_OT Stitching Service",
				"qty": 4,
				"rate": 2,
				"schedule_date": add_days(nowdate(), 5),
				"sales_order": so.name,
			},
		)
		po.submit()
		for source, target in ((wip, PARTNER_WAREHOUSE), (PARTNER_WAREHOUSE, wip)):
			se = frappe.new_doc("Stock Entry")
			se.update(
				{
					"stock_entry_type": "Material Transfer",
					"purpose": "Material Transfer",
					"company": so.company,
				}
			)
			se.append(
				"items",
				{
					"item_code": "_OT Leather",
					"qty": 4,
					"transfer_qty": 4,
					"uom": "Nos",
					"stock_uom": "Nos",
					"conversion_factor": 1,
					"s_warehouse": source,
					"t_warehouse": target,
				},
			)
			se.submit()
		card = frappe.get_doc("Job Card", sewing)
		card.workstation = outsourcing_workstation()
		card.append(
			"time_logs",
			{
				"from_time": frappe.utils.now_datetime() - timedelta(hours=1),
				"to_time": frappe.utils.now_datetime(),
				"completed_qty": 4,
			},
		)
		card.save()
		card.submit()

	def run(flow, kinds=None):
		frappe.db.savepoint("round_trip")
		try:
			so, wo, sewing = OutsourcingTestCase.upper_work_order(None, 4)
			count, seconds = _count(lambda: flow(so, wo, sewing), kinds)
			completed = frappe.db.get_value("Job Card", sewing, "docstatus") == 1
		finally:
			frappe.db.rollback(save_point="round_trip")
		return count, seconds, completed

	run(app), run(by_hand)  # caches warm for both
	results = {"app": [], "by_hand": []}
	kinds = {"app": {}, "by_hand": {}}
	for _ in range(rounds):
		for name, flow in (("app", app), ("by_hand", by_hand)):
			k = {}
			results[name].append(run(flow, k))
			kinds[name] = k
	figures = {}
	for name in results:
		figures[name] = statistics.median(r[0] for r in results[name])
		figures[f"{name}_seconds"] = statistics.median(r[1] for r in results[name])
	figures["completed"] = all(r[2] for r in results["app"])
	figures["added"] = figures["app"] - figures["by_hand"]
	tracker = kinds["app"].get("tracker", 0) - kinds["by_hand"].get("tracker", 0)
	events = kinds["app"].get("events", 0) - kinds["by_hand"].get("events", 0)
	figures["added_tracker"], figures["added_events"] = tracker, events
	print(
		f"operation round trip: {figures['app']:.0f} queries ({figures['app_seconds']:.2f} s) against {figures['by_hand']:.0f} "
		f"({figures['by_hand_seconds']:.2f} s) for the same Purchase Order, two Stock Entries and Job Card by hand "
		f"(app installed in both, medians of {rounds}): the app adds {figures['added']:.0f}, of which {tracker} refresh "
		f"trackers, {events} write timeline events and {figures['added'] - tracker - events:.0f} are its own two documents, "
		f"the approval and its checks; job card completed: {figures['completed']}"
	)
	return figures


def receipt_of_200():
	from order_tracking.outsourcing.orders import default_supplier_warehouse
	from order_tracking.outsourcing.receipts import make_receipt
	from order_tracking.tests.utils import PARTNER, STITCHED_UPPER, approve, make_order

	so = make_order([{"item_code": STITCHED_UPPER, "qty": 1, "rate": 40} for _ in range(200)])
	order = frappe.new_doc("Outsourcing Order")
	order.update(
		{
			"outsourcing_type": "Whole Order",
			"company": so.company,
			"supplier": PARTNER,
			"due_date": add_days(nowdate(), 5),
			"supplier_warehouse": default_supplier_warehouse(PARTNER),
		}
	)
	for line in so.items:
		order.append(
			"items",
			{
				"item_code": STITCHED_UPPER,
				"qty": 1,
				"rate": 5,
				"sales_order": so.name,
				"sales_order_item": line.name,
				"fg_warehouse": line.warehouse,
			},
		)
	order.insert()
	approve(order)
	order.reload()
	order.send_to_supplier()
	receipt = make_receipt(order.name)
	t0 = time.perf_counter()
	receipt.submit()
	elapsed = time.perf_counter() - t0
	lines = len(frappe.get_doc("Subcontracting Receipt", receipt.subcontracting_receipt).items)
	print(
		f"receipt of {len(receipt.items)} lines (Subcontracting Receipt of {lines} items): {elapsed:.2f} s (target 5 s)"
	)
	return elapsed


def main(site):
	frappe.init(site=site)
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		from order_tracking.tests.utils import make_outsourcing_fixtures

		make_outsourcing_fixtures()
		figures = round_trip()
		elapsed = receipt_of_200()
		print(
			f"RESULT queries the app adds to an operation round trip: {figures['added']}; 200-line receipt: {elapsed:.2f} s"
		)
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	main(sys.argv[1] if len(sys.argv) > 1 else "ot.localhost")

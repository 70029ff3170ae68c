"""Outsourcing on a real site: what an operation round trip costs beyond ERPNext's own documents,
and receiving 200 lines.

    cd ~/ot-bench/sites && ../env/bin/python /path/to/order_tracking/benchmarks/bench_outsourcing.py ot.localhost
    (--no-receipt: the round trips only)

Needs the integration suite's fixtures (run the tests once first). Everything is rolled back.

1. Operation round trip (target: ≤ 15 queries beyond the ERPNext documents it creates, the same
   for 1, 10 and 100 lines): an Outsourcing Order of one line per job card is made and approved,
   sent and received (the job cards complete). Its queries are counted against the same ERPNext
   documents made by hand in the same run — the Purchase Order of the service, the two transfers, each job card's time log and
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
			kind = (
				"tracker" if "refresh_trackers" in names else "events" if "insert_events" in names else None
			)
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


def app_round_trip(so_list, work_orders, cards):
	"""The app's round trip: an Operation order of one line per job card, approved, sent, received."""
	from order_tracking.outsourcing.orders import make_for_job_cards
	from order_tracking.outsourcing.receipts import make_receipt
	from order_tracking.tests.utils import PARTNER, approve

	order = make_for_job_cards(cards, PARTNER, add_days(nowdate(), 5), rate=2)
	approve(order)
	order.reload()
	order.send_to_supplier()
	receipt = make_receipt(order.name)
	receipt.submit()


def by_hand_round_trip(so_list, work_orders, cards):
	"""The same ERPNext documents made by hand: a Purchase Order of one service line per card, the
	two transfers (a row per line), each job card's time log and submit."""
	from order_tracking.outsourcing.orders import outsourcing_workstation
	from order_tracking.tests.utils import PARTNER, PARTNER_WAREHOUSE

	wip = frappe.db.get_value("Work Order", work_orders[0].name, "wip_warehouse")
	so = so_list[0]
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
	for line_so in so_list:
		po.append(
			"items",
			{
				"item_code": "_OT Stitching Service",
				"qty": 4,
				"rate": 2,
				"schedule_date": add_days(nowdate(), 5),
				"sales_order": line_so.name,
			},
		)
	po.submit()
	for source, target in ((wip, PARTNER_WAREHOUSE), (PARTNER_WAREHOUSE, wip)):
		se = frappe.new_doc("Stock Entry")
		se.update(
			{"stock_entry_type": "Material Transfer", "purpose": "Material Transfer", "company": so.company}
		)
		for _line in cards:
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
	for sewing in cards:
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


def _work_orders(lines: int):
	"""`lines` stitched-upper work orders (a Sales Order each), cutting done: one sewing card each."""
	from order_tracking.tests.outsourcing_case import OutsourcingTestCase

	made = [OutsourcingTestCase.upper_work_order(None, 4) for _ in range(lines)]
	return [m[0] for m in made], [m[1] for m in made], [m[2] for m in made]


def round_trip(lines: int = 1, rounds: int = 3) -> dict:
	"""The app's operation round trip of `lines` lines against the same ERPNext documents made by
	hand: each run once to warm the caches, then `rounds` times alternately; medians."""

	def run(flow, kinds=None):
		frappe.db.savepoint("round_trip")
		try:
			so_list, work_orders, cards = _work_orders(lines)
			count, seconds = _count(lambda: flow(so_list, work_orders, cards), kinds)
			completed = all(frappe.db.get_value("Job Card", c, "docstatus") == 1 for c in cards)
		finally:
			frappe.db.rollback(save_point="round_trip")
		return count, seconds, completed

	run(app_round_trip), run(by_hand_round_trip)  # caches warm for both
	results = {"app": [], "by_hand": []}
	kinds = {"app": {}, "by_hand": {}}
	for _ in range(rounds):
		for name, flow in (("app", app_round_trip), ("by_hand", by_hand_round_trip)):
			k = {}
			results[name].append(run(flow, k))
			kinds[name] = k
	figures = {"lines": lines}
	for name in results:
		figures[name] = statistics.median(r[0] for r in results[name])
		figures[f"{name}_seconds"] = statistics.median(r[1] for r in results[name])
	figures["completed"] = all(r[2] for r in results["app"])
	figures["added"] = figures["app"] - figures["by_hand"]
	tracker = kinds["app"].get("tracker", 0) - kinds["by_hand"].get("tracker", 0)
	events = kinds["app"].get("events", 0) - kinds["by_hand"].get("events", 0)
	figures["added_tracker"], figures["added_events"] = tracker, events
	print(
		f"operation round trip of {lines} line(s): {figures['app']:.0f} queries ({figures['app_seconds']:.2f} s) "
		f"against {figures['by_hand']:.0f} ({figures['by_hand_seconds']:.2f} s) for the same Purchase Order, two "
		f"Stock Entries and Job Cards by hand (app installed in both, medians of {rounds}): the app adds "
		f"{figures['added']:.0f} (target 15), of which {tracker} refresh trackers, {events} write timeline events "
		f"and {figures['added'] - tracker - events:.0f} are its own two documents, the approval and its checks; "
		f"job cards completed: {figures['completed']}"
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


def main(site, flags=()):
	frappe.init(site=site)
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		from order_tracking.tests.utils import make_outsourcing_fixtures

		make_outsourcing_fixtures()
		added = {}
		for lines, rounds in ((1, 3), (10, 1), (100, 1)):
			added[lines] = round_trip(lines, rounds)["added"]
		elapsed = receipt_of_200() if "--no-receipt" not in flags else None
		print(
			"RESULT queries the app adds to an operation round trip: "
			+ ", ".join(f"{n} line(s) {a:.0f}" for n, a in added.items())
			+ (f"; 200-line receipt: {elapsed:.2f} s" if elapsed is not None else "")
		)
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	args = [a for a in sys.argv[1:] if not a.startswith("--")]
	main(args[0] if args else "ot.localhost", [a for a in sys.argv[1:] if a.startswith("--")])

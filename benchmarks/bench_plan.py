"""Creating the work orders of a 500-line week plan, on a real site (target ≤ 60 s).

    cd ~/ot-bench/sites && ../env/bin/python /path/to/order_tracking/benchmarks/bench_plan.py ot.localhost [lines]

Needs the integration suite's fixtures (run the tests once first). Makes 50 Sales Orders of 10
lines each (500 lines; the planning fixtures' buckled boot — one work order per line, one
operation — and every fifth line the boot whose upper is a sub-assembly with its own work order),
then times, separately: fetching and scheduling the plan, and the background job that creates its
work orders (submitted, with their job cards at the schedule's times) and the material request
for its shortages. Anchor: erpnext PR #29736 made 1 135 draft work orders in 106 s. Everything is
rolled back.
"""

import sys
import time

import frappe
from frappe.utils import add_days, nowdate


def main(site, lines=500):
	frappe.init(site=site)
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		from order_tracking.order_planning import work_orders
		from order_tracking.tests.utils import (
			BOOT,
			BUCKLED_BOOT,
			COMPANY,
			CUSTOMER,
			make_order,
			make_planning_fixtures,
			set_settings,
		)

		make_planning_fixtures()
		set_settings(plan_background_threshold=1, outsource_share=0, sub_assembly_work_orders=1)
		t0 = time.perf_counter()
		orders = []
		per_order = 10
		for n in range(lines // per_order):
			items = [
				{
					"item_code": BOOT if k % 5 == 0 else BUCKLED_BOOT,
					"qty": 1 + (n + k) % 3,
					"rate": 100,
					"delivery_date": add_days(nowdate(), 7 + n % 14),
				}
				for k in range(per_order)
			]
			orders.append(make_order(items, customer=CUSTOMER))
		made = time.perf_counter() - t0

		plan = frappe.get_doc(
			{
				"doctype": "Order Plan",
				"company": COMPANY,
				"period_type": "Week",
				"weeks": 3,
				"from_date": nowdate(),
			}
		)
		t1 = time.perf_counter()
		plan.customer = CUSTOMER
		plan.get_orders()
		plan.insert()
		scheduled = time.perf_counter() - t1
		jobs = len({op.job for op in plan.operations})

		t2 = time.perf_counter()
		plan.submit()  # above the threshold: queued for the background
		submitted = time.perf_counter() - t2
		t3 = time.perf_counter()
		work_orders.create_work_orders_job(plan.name, commit=False)
		created = time.perf_counter() - t3
		plan.reload()
		cards = frappe.db.count(
			"Job Card",
			{"work_order": ("in", frappe.get_all("Work Order", {"order_plan": plan.name}, pluck="name"))},
		)
		print(f"orders made: {len(orders)} with {lines} lines in {made:.1f} s (set-up, not measured)")
		print(
			f"plan fetched and scheduled: {len(plan.items)} lines, {len(plan.operations)} operations in {scheduled:.1f} s"
		)
		print(f"submit (queues the job): {submitted:.1f} s")
		print(
			f"background job: {plan.work_orders_created} work orders ({jobs} planned), {cards} job cards, "
			f"{plan.material_requests_created} material request(s) in {created:.1f} s "
			f"= {created / max(plan.work_orders_created, 1) * 1000:.0f} ms a work order; status {plan.status}"
		)
		print(f"RESULT work orders of a {len(plan.items)}-line plan: {created:.1f} s (target 60 s)")
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	main(sys.argv[1] if len(sys.argv) > 1 else "ot.localhost", int(sys.argv[2]) if len(sys.argv) > 2 else 500)

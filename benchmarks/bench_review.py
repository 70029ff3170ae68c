"""Order review of a 50-line order with 4-level BOMs over 20 workstations, on a real site.

    cd ~/ot-bench/sites && ../env/bin/python /path/to/order_tracking/benchmarks/bench_review.py ot.localhost

Needs the integration suite's fixtures (run the tests once first). Builds products whose BOMs
go four levels deep with operations spread over 20 workstations, stock and open purchase
orders for part of the raw materials, and a 50-line Sales Order; times the checks alone and
the whole review (document, results and timeline event). Everything is rolled back.
"""

import json
import random
import statistics
import sys
import time

import frappe
from frappe.utils import add_days, nowdate

PREFIX = "_OT BR"


def build(rng):
	from erpnext.stock.doctype.item.test_item import make_item
	from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry

	from order_tracking.tests.utils import COMPANY, STORES

	if not frappe.db.exists("Holiday List", f"{PREFIX} Holidays"):
		year = int(nowdate()[:4])
		hl = frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": f"{PREFIX} Holidays",
				"from_date": f"{year}-01-01",
				"to_date": f"{year + 2}-12-31",
				"weekly_off": "Sunday",
			}
		)
		hl.get_weekly_off_dates()
		hl.insert()
	workstations = []
	for i in range(20):
		name = f"{PREFIX} WS {i:02d}"
		workstations.append(name)
		if not frappe.db.exists("Workstation", name):
			ws = frappe.get_doc(
				{
					"doctype": "Workstation",
					"workstation_name": name,
					"holiday_list": f"{PREFIX} Holidays",
					"production_capacity": rng.choice([1, 2]),
				}
			)
			ws.append("working_hours", {"start_time": "08:00:00", "end_time": "16:00:00", "enabled": 1})
			ws.insert()
		if not frappe.db.exists("Operation", f"{PREFIX} OP {i:02d}"):
			frappe.get_doc(
				{"doctype": "Operation", "name": f"{PREFIX} OP {i:02d}", "workstation": name}
			).insert()

	raw = [f"{PREFIX} RM {i:02d}" for i in range(30)]
	for code in raw:
		make_item(code, {"is_stock_item": 1, "valuation_rate": 3, "stock_uom": "Nos"})
	for code in raw[:20]:
		make_stock_entry(item_code=code, target=STORES, qty=5000, basic_rate=3, company=COMPANY)

	products = []
	for p in range(10):
		child = None
		for level in range(4, 0, -1):
			code = f"{PREFIX} P{p} L{level}"
			make_item(
				code,
				{
					"is_stock_item": 1,
					"is_sales_item": int(level == 1),
					"valuation_rate": 10,
					"stock_uom": "Nos",
				},
			)
			if not frappe.db.get_value("Item", code, "default_bom"):
				bom = frappe.get_doc(
					{
						"doctype": "BOM",
						"item": code,
						"company": COMPANY,
						"quantity": 1,
						"currency": "INR",
						"is_active": 1,
						"is_default": 1,
						"with_operations": 1,
						"rm_cost_as_per": "Valuation Rate",
					}
				)
				for rm in rng.sample(raw, 3):
					bom.append("items", {"item_code": rm, "qty": rng.choice([1, 2])})
				if child:
					bom.append(
						"items",
						{
							"item_code": child,
							"qty": 1,
							"bom_no": frappe.db.get_value("Item", child, "default_bom"),
						},
					)
				for i in rng.sample(range(20), 2):
					bom.append(
						"operations",
						{
							"operation": f"{PREFIX} OP {i:02d}",
							"workstation": workstations[i],
							"time_in_mins": rng.choice([1, 2, 3]),
						},
					)
				bom.insert()
				bom.submit()
			child = code
		products.append(code)
	return products


def order(products, rng):
	from order_tracking.tests.utils import make_order

	so = make_order(
		items=[
			{
				"item_code": rng.choice(products),
				"qty": rng.randint(1, 20),
				"rate": 100,
				"delivery_date": add_days(nowdate(), 30),
			}
			for _ in range(50)
		],
		submit=False,
	)
	return so


def main(site):
	frappe.init(site=site)
	frappe.connect()
	try:
		from order_tracking.order_tracking.review import review_sales_order
		from order_tracking.tests.utils import make_fixtures

		make_fixtures()
		rng = random.Random(11)
		products = build(rng)
		so = order(products, rng)
		review_sales_order(so)  # warm caches, as a running site has them

		checks = []
		for _ in range(7):
			start = time.perf_counter()
			outcome = review_sales_order(so)
			checks.append((time.perf_counter() - start) * 1000)

		whole = []
		for _ in range(5):
			frappe.db.savepoint("bench_review")
			start = time.perf_counter()
			review = frappe.get_doc({"doctype": "Order Review", "sales_order": so.name}).insert()
			whole.append((time.perf_counter() - start) * 1000)
			frappe.db.rollback(save_point="bench_review")

		made = sum(1 for r in outcome.results if r.check == "Capacity")
		print(
			json.dumps(
				{
					"lines": len(so.items),
					"bom_levels": 4,
					"workstations_loaded": made,
					"result_rows": len(outcome.results),
					"result": review.result,
					"checks_median_ms": round(statistics.median(checks), 1),
					"checks_max_ms": round(max(checks), 1),
					"review_insert_median_ms": round(statistics.median(whole), 1),
					"review_insert_max_ms": round(max(whole), 1),
				},
				indent=1,
			)
		)
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	main(sys.argv[1] if len(sys.argv) > 1 else "ot.localhost")

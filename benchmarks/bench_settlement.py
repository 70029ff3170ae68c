"""Settlement on a real site: a supplier statement of 500 outsourcing receipts, made and
invoiced, and the order-cost refresh of a batch of orders.

    cd ~/ot-bench/sites && ../env/bin/python /path/to/order_tracking/benchmarks/bench_settlement.py ot.localhost [receipts]

Needs the integration suite's fixtures (run the tests once first). Everything is rolled back.

1. Supplier statement (target: 500 receipts → Purchase Invoice ≤ 10 s): 50 work orders of 10
   stitched uppers each have their sewing outsourced (one Operation order each), and come back in
   10 receipts of one each: 500 receipts. Timed: *Get Receipts* (the statement reads and prices
   them), saving it, and submitting it (the unique-index hold on 500 lines and the Purchase
   Invoice of 50 purchase order lines, submitted).
   With BENCH_PROFILE=1 in the environment, the submit runs under cProfile (top 45 printed).
2. Order cost: `refresh_order_costs` of those 50 orders, once (queries and seconds).
"""

import cProfile
import os
import pstats
import statistics
import sys
import time

import frappe
from frappe.utils import add_days, nowdate


def _count(fn):
	original = frappe.db.sql
	count = [0]

	def sql(*args, **kwargs):
		count[0] += 1
		return original(*args, **kwargs)

	frappe.db.sql = sql
	t0 = time.perf_counter()
	try:
		result = fn()
	finally:
		frappe.db.sql = original
	return result, count[0], time.perf_counter() - t0


def main(site, receipts=500):
	frappe.init(site=site)
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		from order_tracking.outsourcing.orders import make_for_job_cards
		from order_tracking.outsourcing.receipts import make_receipt
		from order_tracking.settlement import order_cost, supplier_statements
		from order_tracking.tests.outsourcing_case import OutsourcingTestCase
		from order_tracking.tests.utils import (
			COMPANY,
			PARTNER,
			approve,
			make_outsourcing_fixtures,
			set_settings,
		)

		make_outsourcing_fixtures()
		set_settings(
			reject_deduction_pct=50, late_penalty_pct_per_day=1, late_penalty_cap_pct=10, late_grace_days=0
		)
		per_order = 10
		orders = max(receipts // per_order, 1)
		t0 = time.perf_counter()
		sales_orders = []
		for _ in range(orders):
			so, _wo, sewing = OutsourcingTestCase.upper_work_order(None, per_order)
			sales_orders.append(so.name)
			order = make_for_job_cards([sewing], PARTNER, add_days(nowdate(), 5), rate=2.5)
			approve(order)
			order.reload()
			order.send_to_supplier()
			for n in range(per_order):
				receipt = make_receipt(order.name)
				receipt.items[0].accepted_qty = 1 if n % 7 else 0
				receipt.items[0].rejected_qty = 0 if n % 7 else 1
				receipt.insert()
				receipt.submit()
		print(f"set-up: {orders} orders, {orders * per_order} receipts in {time.perf_counter() - t0:.0f} s")

		statement = frappe.new_doc("Supplier Statement")
		statement.update(
			{
				"company": COMPANY,
				"supplier": PARTNER,
				"from_date": nowdate(),
				"to_date": nowdate(),
				"supplier_confirmed": 1,
				"confirmed_by": "Benchmark",
			}
		)
		found, q_get, t_get = _count(statement.get_receipts)
		_r, q_save, t_save = _count(statement.insert)
		invoice_time = []
		make_invoice = supplier_statements.make_purchase_invoice

		def timed_invoice(doc):
			t = time.perf_counter()
			try:
				return make_invoice(doc)
			finally:
				invoice_time.append(time.perf_counter() - t)

		supplier_statements.make_purchase_invoice = timed_invoice
		if os.environ.get("BENCH_PROFILE"):
			profile = cProfile.Profile()
			_r, q_submit, t_submit = _count(lambda: profile.runcall(statement.submit))
			pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
		else:
			_r, q_submit, t_submit = _count(statement.submit)
		supplier_statements.make_purchase_invoice = make_invoice
		pi = frappe.get_doc("Purchase Invoice", statement.purchase_invoice)
		total = t_get + t_save + t_submit
		print(
			f"statement of {len({d.outsourcing_receipt for d in statement.receipts})} receipts ({found} lines): "
			f"get receipts {t_get:.2f} s ({q_get} queries), save {t_save:.2f} s ({q_save}), "
			f"submit with its Purchase Invoice of {len(pi.items)} lines {t_submit:.2f} s ({q_submit}; "
			f"ERPNext's insert and submit of the invoice {invoice_time[0]:.2f} s of it); "
			f"total {total:.2f} s (target 10 s); net {statement.net_amount} = invoice net {pi.net_total}"
		)
		runs = []
		for _ in range(3):
			_r, q_cost, t_cost = _count(lambda: order_cost.refresh_order_costs(sales_orders))
			runs.append(t_cost)
		print(f"order cost of {len(sales_orders)} orders: {statistics.median(runs):.2f} s, {q_cost} queries")
		print(f"RESULT statement of {receipts} receipts: {total:.2f} s")
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	main(sys.argv[1] if len(sys.argv) > 1 else "ot.localhost", int(sys.argv[2]) if len(sys.argv) > 2 else 500)

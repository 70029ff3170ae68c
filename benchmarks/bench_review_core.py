"""Material and capacity checks of 1 000 orders at once, pure core (no site needed):

    python benchmarks/bench_review_core.py [orders]

Builds a product range with 4-level BOMs over 20 workstations, checks all orders at once in
due-date order, then one by one (each on fresh ledgers carrying the claims of the orders before
it), and reports both times and whether the answers are the same.
"""

import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from order_tracking.core import review

TODAY = date(2026, 11, 23)


def product_range(rng):
	"""20 products, each with 3 levels of sub-assemblies under it (4 BOM levels), sharing parts."""
	raw = [f"RM-{i:03d}" for i in range(60)]
	boms, default_bom, ops = {}, {}, {}
	stock = set(raw)
	workstations = [f"WS-{i:02d}" for i in range(20)]
	for p in range(20):
		parent = None
		for level in range(4, 0, -1):  # level 4 is the deepest sub-assembly
			item = f"P{p:02d}-L{level}"
			stock.add(item)
			lines = [review.BomLine(r, rng.choice([0.5, 1, 2, 3])) for r in rng.sample(raw, 4)]
			if parent:
				lines.append(review.BomLine(parent, rng.choice([1, 2]), bom=default_bom[parent]))
			name = f"BOM-{item}"
			boms[name] = review.Bom(
				name,
				item,
				quantity=rng.choice([1, 10]),
				process_loss_pct=rng.choice([0, 2, 5]),
				lines=tuple(lines),
			)
			default_bom[item] = name
			ops[name] = tuple(
				review.Operation(
					f"OP-{item}-{k}",
					rng.choice(workstations),
					None,
					rng.choice([0.5, 1, 2, 4]) / boms[name].quantity,
				)
				for k in range(2)
			)
			parent = item
	products = [f"P{p:02d}-L1" for p in range(20)]
	return boms, default_bom, frozenset(stock), ops, workstations, products, raw


def scenario(n_orders, seed=7):
	rng = random.Random(seed)
	boms, default_bom, stock, ops, workstations, products, raw = product_range(rng)
	# raw materials in quantity; products and sub-assemblies barely stocked, so orders are made
	supply = {
		item: review.ItemSupply(rng.randint(0, 20))
		if item.startswith("P")
		else review.ItemSupply(
			rng.randint(0, 50_000), [(TODAY + timedelta(days=rng.randint(1, 60)), rng.randint(1_000, 30_000))]
		)
		for item in sorted(stock)
	}
	calendars = [
		review.Calendar(
			ws,
			rng.choice([480, 960]),
			parallel=rng.choice([1, 2]),
			holiday_list="H",
			holidays=frozenset(
				TODAY + timedelta(days=k) for k in range(0, 120) if (TODAY + timedelta(days=k)).weekday() == 6
			),
		)
		for ws in workstations
	]
	committed = {ws: rng.randint(0, 5000) for ws in workstations}
	orders = []
	for n in range(n_orders):
		due = TODAY + timedelta(days=rng.randint(5, 90))
		lines = tuple(
			review.MaterialLine(i + 1, rng.choice(products), rng.randint(1, 50), due)
			for i in range(rng.randint(1, 5))
		)
		orders.append(review.OrderToReview(f"SO-{n:05d}", due, lines))
	return boms, default_bom, stock, ops, supply, calendars, committed, orders


def main(n_orders=1000):
	boms, default_bom, stock, ops, supply, calendars, committed, orders = scenario(n_orders)
	start = time.perf_counter()
	together = review.review_orders(
		orders,
		boms,
		default_bom,
		stock,
		ops,
		review.MaterialLedger(supply, TODAY),
		review.CapacityLedger(calendars, TODAY, committed),
	)
	batch_s = time.perf_counter() - start

	start = time.perf_counter()
	claims, booked, one_by_one = {}, {}, []
	for order in sorted(orders, key=lambda o: (o.due, o.name)):
		out = review.review_order(
			order,
			boms,
			default_bom,
			stock,
			ops,
			review.MaterialLedger(supply, TODAY, claims),
			review.CapacityLedger(calendars, TODAY, committed, booked),
		)
		one_by_one.append(out)
		for item, qty in out.materials.claims.items():
			claims[item] = claims.get(item, 0.0) + qty
		for ws, days in out.capacity.placed.items():
			for offset, minutes in days.items():
				booked.setdefault(ws, {})[offset] = booked.get(ws, {}).get(offset, 0.0) + minutes
	single_s = time.perf_counter() - start

	def key(o):
		return (o.name, o.feasible_on, [(r.code, r.subject, round(r.shortage, 6), r.on) for r in o.results])

	same = [key(o) for o in together] == [key(o) for o in one_by_one]
	lines = sum(len(o.lines) for o in orders)
	print(f"orders: {n_orders}, lines: {lines}, BOM levels: 4, workstations: 20")
	print(f"all at once (due-date order): {batch_s:.3f} s")
	print(f"one by one (fresh ledgers with earlier claims): {single_s:.3f} s")
	print(f"same answers: {same}")
	feasible = sum(1 for o in together if o.feasible_on)
	due = {o.name: o.due for o in orders}
	on_time = sum(1 for o in together if o.feasible_on and o.feasible_on <= due[o.name])
	made = sum(len(o.materials.made) for o in together)
	print(f"BOMs exploded (made quantities): {made}")
	print(f"feasible: {feasible}, on time: {on_time}")
	return 0 if same else 1


if __name__ == "__main__":
	sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))

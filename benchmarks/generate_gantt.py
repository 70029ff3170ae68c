"""Data for the planner's view figures (issue 17): a Daily Schedule of 2 000 operations and a
submitted Order Plan of 200 lines, on workstations of their own.

Run from the bench's `sites` folder with the bench's Python, on a site kept for measurements (it
writes to the site's first company):

    cd ~/ot-bench/sites && ../env/bin/python /path/to/benchmarks/generate_gantt.py ot-gantt.localhost \\
        --operations 2000 --lines 200
    ../env/bin/python /path/to/benchmarks/generate_gantt.py ot-gantt.localhost --drop   # remove it all

What it writes, every name starting with `GANTT-` so `--drop` finds exactly what it made:

- `--workstations` (25) Workstations of one Workstation Type, 2 units each, working 08:00-12:00
  and 13:00-17:00;
- Daily Schedule `GANTT-DS-<n>`: `--operations` rows over its 3 days, laid out unit by unit in
  the working periods (20-50 minutes each, one order per 2-4 operations, a tenth in progress, a
  tenth due before they end), with Job Card names of their own;
- Order Plan `GANTT-OP-<lines>`, submitted: `--lines` lines (one order each), two operations per
  line (cutting then sewing) scheduled the same way over two weeks, and its capacity table.

The rows are inserted as the scheduler leaves them (`generate_orders.insert_rows`, parametrised
multi-row INSERTs), without the documents' hooks: the figures measure the desk, not the writing.
The same `--seed` gives the same data. `benchmarks/bench_gantt.py` measures the forms.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import frappe
from frappe.utils import now_datetime

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_orders import insert_rows, log

PREFIX = "GANTT-"
TYPE = f"{PREFIX}Line"
PERIODS = ((8 * 60, 12 * 60), (13 * 60, 17 * 60))
STD = ("name", "creation", "modified", "modified_by", "owner", "docstatus", "idx")
CHILD = (*STD, "parent", "parentfield", "parenttype")
DS_OP_FIELDS = (
	*CHILD,
	"workstation",
	"sequence",
	"planned_start",
	"planned_end",
	"work_order",
	"operation",
	"job_card",
	"sales_order",
	"item_code",
	"qty",
	"due_date",
	"status",
	"kept_in_place",
)
PLAN_ITEM_FIELDS = (
	*CHILD,
	"sales_order",
	"sales_order_item",
	"customer",
	"item_code",
	"item_name",
	"qty",
	"delivery_date",
	"priority",
	"allocation",
	"production_qty",
	"load_hours",
	"planned_start",
	"planned_end",
	"late_days",
	"work_order",
)
PLAN_OP_FIELDS = (
	*CHILD,
	"line_no",
	"plan_item",
	"job",
	"sales_order",
	"item_code",
	"operation",
	"workstation",
	"qty",
	"minutes",
	"planned_start",
	"planned_end",
	"work_order",
	"job_card",
)
CAPACITY_FIELDS = (
	*CHILD,
	"workstation",
	"bucket",
	"bucket_start",
	"bucket_end",
	"capacity_hours",
	"planned_hours",
	"utilisation_pct",
	"over_capacity",
)


class Units:
	"""Each unit of each workstation filled from `start`, operation after operation, in the
	working periods (an operation does not cross a break: it waits for the next period)."""

	def __init__(self, workstations: list[str], units: int, start: date):
		self.free = {
			(ws, u): datetime.combine(start, datetime.min.time()) for ws in workstations for u in range(units)
		}

	def place(self, key, minutes: int) -> tuple[datetime, datetime]:
		t = self.free[key]
		while True:
			midnight = datetime.combine(t.date(), datetime.min.time())
			for a, b in PERIODS:
				s = max(t, midnight + timedelta(minutes=a))
				if t.weekday() != 6 and s + timedelta(minutes=minutes) <= midnight + timedelta(minutes=b):
					self.free[key] = s + timedelta(minutes=minutes)
					return s, self.free[key]
			t = midnight + timedelta(days=1)


def ensure_workstations(n: int, holiday_list: str | None) -> list[str]:
	if not frappe.db.exists("Workstation Type", TYPE):
		frappe.get_doc({"doctype": "Workstation Type", "workstation_type": TYPE}).insert()
	names = []
	for k in range(1, n + 1):
		name = f"{PREFIX}WS-{k:02d}"
		if not frappe.db.exists("Workstation", name):
			frappe.get_doc(
				{
					"doctype": "Workstation",
					"workstation_name": name,
					"workstation_type": TYPE,
					"production_capacity": 2,
					"holiday_list": holiday_list,
					"working_hours": [
						{"start_time": "08:00:00", "end_time": "12:00:00", "enabled": 1},
						{"start_time": "13:00:00", "end_time": "17:00:00", "enabled": 1},
					],
				}
			).insert()
		names.append(name)
	return names


def std(name: str, idx: int, now: datetime, docstatus: int = 0) -> tuple:
	return (name, now, now, "Administrator", "Administrator", docstatus, idx)


def daily_schedule(rng: random.Random, company: str, workstations: list[str], n_ops: int, day: date):
	now = now_datetime()
	name = f"{PREFIX}DS-{n_ops}"
	units = Units(workstations, 2, day)
	keys = sorted(units.free)
	rows = []
	order, left = 0, 0
	for k in range(n_ops):
		if left == 0:
			order, left = order + 1, rng.randint(2, 4)
		left -= 1
		key = keys[k % len(keys)]
		start, end = units.place(key, rng.randint(20, 50))
		due = end.date() - timedelta(days=1) if rng.random() < 0.1 else end.date() + timedelta(days=5)
		started = rng.random() < 0.1
		rows.append(
			(
				*std(frappe.generate_hash(length=10), k + 1, now),
				name,
				"operations",
				"Daily Schedule",
				key[0],
				0,
				start,
				end,
				f"{PREFIX}WO-{order:05d}",
				rng.choice(("Cutting", "Sewing", "Lasting", "Finishing")),
				f"{PREFIX}JC-{k + 1:05d}",
				f"{PREFIX}SO-{order:05d}",
				None,
				rng.randint(1, 40),
				due,
				"In Progress" if started else "Not Started",
				int(started),
			)
		)
	# the dispatch order per workstation (columns 10, 11, 12: workstation, sequence, start)
	order_of = sorted(range(len(rows)), key=lambda i: (rows[i][10], rows[i][12]))
	seq, last = 0, None
	for i in order_of:
		seq = seq + 1 if rows[i][10] == last else 1
		last = rows[i][10]
		rows[i] = (*rows[i][:11], seq, *rows[i][12:])
	doc = frappe.get_doc(
		{
			"doctype": "Daily Schedule",
			"company": company,
			"from_date": day,
			"days": 3,
			"to_date": day + timedelta(days=2),
			"status": "Superseded",  # out of the way of the site's own schedules
			"generated_at": now,
			"operations_count": n_ops,
			"workstations_count": len(workstations),
			"in_progress_count": sum(r[-1] for r in rows),
		}
	)
	doc.name = name
	doc.db_insert()
	insert_rows("Daily Schedule Operation", DS_OP_FIELDS, rows, 1000)
	return name


def order_plan(rng: random.Random, company: str, workstations: list[str], lines: int, monday: date):
	now = now_datetime()
	name = f"{PREFIX}OP-{lines}"
	units = Units(workstations, 2, monday)
	cutting, sewing = workstations[: len(workstations) // 2], workstations[len(workstations) // 2 :]
	items, ops = [], []
	for k in range(1, lines + 1):
		so = f"{PREFIX}SO-{k:05d}"
		qty = rng.randint(5, 60)
		item_row = frappe.generate_hash(length=10)
		times = []
		for n, (operation, pool, per) in enumerate((("Cutting", cutting, 0.5), ("Sewing", sewing, 1.0))):
			key = (pool[k % len(pool)], k % 2)
			if times:  # after the cutting
				units.free[key] = max(units.free[key], times[-1][1])
			minutes = max(int(qty * per), 10)
			start, end = units.place(key, minutes)
			times.append((start, end))
			ops.append(
				(
					*std(frappe.generate_hash(length=10), len(ops) + 1, now, 1),
					name,
					"operations",
					"Order Plan",
					k,
					item_row,
					f"{k}.0",
					so,
					None,
					operation,
					key[0],
					qty,
					minutes,
					start,
					end,
					f"{PREFIX}WO-{k:05d}",
					f"{PREFIX}JC-P{k:05d}-{n}",
				)
			)
		delivery = times[-1][1].date() + timedelta(days=rng.choice((-1, 2, 5, 9)))
		late = max((times[-1][1].date() - delivery).days, 0)
		items.append(
			(
				*std(item_row, k, now, 1),
				name,
				"items",
				"Order Plan",
				so,
				None,
				None,
				None,
				f"Boot {k}",
				qty,
				delivery,
				rng.choice(("Low", "Normal", "Normal", "High", "Urgent")),
				"Production",
				qty,
				round(qty * 1.5 / 60, 2),
				times[0][0],
				times[-1][1],
				late,
				f"{PREFIX}WO-{k:05d}",
			)
		)
	capacity = []
	for b, start in enumerate((monday, monday + timedelta(days=7))):
		for ws in workstations:
			# columns 16, 19, 20: workstation, planned start and end
			planned = sum(
				(r[20] - r[19]).total_seconds() / 3600
				for r in ops
				if r[16] == ws and start <= r[19].date() < start + timedelta(days=7)
			)
			capacity.append(
				(
					*std(frappe.generate_hash(length=10), len(capacity) + 1, now, 1),
					name,
					"capacity",
					"Order Plan",
					ws,
					f"W{b + 1}",
					start,
					start + timedelta(days=6),
					96.0,
					round(planned, 2),
					round(planned / 96 * 100, 1),
					int(planned > 96),
				)
			)
	doc = frappe.get_doc(
		{
			"doctype": "Order Plan",
			"naming_series": "OP-.YYYY.-",
			"title": f"{lines} lines (generated)",
			"period_type": "Week",
			"company": company,
			"from_date": monday,
			"weeks": 2,
			"to_date": monday + timedelta(days=13),
			"status": "Work Orders Created",
			"scheduled_at": now,
			"total_lines": lines,
			"total_qty": sum(r[15] for r in items),
			"late_lines": sum(1 for r in items if r[-2]),
			"docstatus": 1,
		}
	)
	doc.name = name
	doc.db_insert()
	insert_rows("Order Plan Item", PLAN_ITEM_FIELDS, items, 1000)
	insert_rows("Order Plan Operation", PLAN_OP_FIELDS, ops, 1000)
	insert_rows("Order Plan Capacity", CAPACITY_FIELDS, capacity, 1000)
	return name


def drop():
	for doctype, child in (
		("Daily Schedule", "Daily Schedule Operation"),
		("Order Plan", "Order Plan Item"),
		("Order Plan", "Order Plan Operation"),
		("Order Plan", "Order Plan Capacity"),
	):
		frappe.db.delete(child, {"parent": ("like", f"{PREFIX}%"), "parenttype": doctype})
	for doctype in ("Daily Schedule", "Order Plan"):
		frappe.db.delete(doctype, {"name": ("like", f"{PREFIX}%")})
	for name in frappe.get_all("Workstation", filters={"name": ("like", f"{PREFIX}%")}, pluck="name"):
		frappe.delete_doc("Workstation", name, force=True)
	if frappe.db.exists("Workstation Type", TYPE):
		frappe.delete_doc("Workstation Type", TYPE, force=True)
	frappe.db.commit()  # nosemgrep: a command-line tool's own transaction
	log("dropped")


def main(argv=None):
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("site")
	parser.add_argument("--operations", type=int, default=2000)
	parser.add_argument("--lines", type=int, default=200)
	parser.add_argument("--workstations", type=int, default=25)
	parser.add_argument("--seed", type=int, default=20261207)
	parser.add_argument("--drop", action="store_true", help="remove everything this script made")
	args = parser.parse_args(argv)
	frappe.init(site=args.site)
	frappe.connect()
	try:
		if args.drop:
			drop()
			return
		rng = random.Random(args.seed)
		company = frappe.get_all("Company", pluck="name", order_by="creation asc", limit=1)[0]
		holidays = frappe.db.get_value("Company", company, "default_holiday_list")
		workstations = ensure_workstations(args.workstations, holidays)
		today = date.today()
		ds = daily_schedule(rng, company, workstations, args.operations, today)
		op = order_plan(rng, company, workstations, args.lines, today - timedelta(days=today.weekday()))
		frappe.db.commit()  # nosemgrep: a command-line tool's own transaction
		log(
			f"made Daily Schedule {ds} ({args.operations} operations) and Order Plan {op} ({args.lines} lines)"
		)
	finally:
		frappe.destroy()


if __name__ == "__main__":
	main()

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

"""The planner's view: operations moved on the Gantt (order_planning.reschedule, through
api.planning.move_operation) and the calendar of promised dates (order_planning.promised_dates)."""

from datetime import datetime, timedelta

import frappe
from frappe.utils import add_days, get_datetime, getdate, nowdate

from order_tracking.api.planning import get_promised_dates, move_operation
from order_tracking.order_planning import daily_schedule, shop_floor
from order_tracking.order_planning.promised_dates import STAGE_COLORS
from order_tracking.order_planning.reschedule import EVENT, MoveRefused
from order_tracking.tests.planning_case import PlanTestCase, boot_order
from order_tracking.tests.utils import (
	BOOT,
	COMPANY,
	CUSTOMER,
	CUTTING_TABLE,
	OTHER_CUSTOMER,
	SEWING_LINE,
	UPPER,
	FrappeTestCase,
	make_plan,
	make_planning_fixtures,
	make_user,
	set_settings,
	tracker,
)

test_ignore = ["Sales Order", "Order Plan", "Job Card", "Work Order", "Material Request"]
test_dependencies = ["Customer", "Warehouse", "Item Group"]


def working_day(days_ahead: int) -> datetime:
	"""Midnight of a working day (never a Sunday: the shop's weekly off) at least this far ahead."""
	day = getdate(add_days(nowdate(), days_ahead))
	while day.weekday() == 6:
		day = getdate(add_days(day, 1))
	return datetime.combine(day, datetime.min.time())


def at(day: datetime, hh: int, mm: int = 0) -> datetime:
	return day + timedelta(hours=hh, minutes=mm)


class TestReschedule(PlanTestCase):
	def setUp(self):
		super().setUp()
		self.day = working_day(4)

	def plan_boots(self, *qtys):
		"""Orders of boots planned and their work orders made; today's Daily Schedule written."""
		orders = [boot_order(qty=q) for q in qtys]
		plan = make_plan(customer=CUSTOMER, submit=True)
		schedule = daily_schedule.build_daily_schedule(COMPANY, days=3)
		return orders, plan, schedule

	def cards(self, plan, so) -> tuple[str, str]:
		"""The order's upper (cutting) and boot (sewing) job cards."""
		found = {}
		for item in (UPPER, BOOT):
			wo = frappe.get_value(
				"Work Order", {"order_plan": plan.name, "production_item": item, "made_for_sales_order": so}
			)
			found[item] = frappe.get_value("Job Card", {"work_order": wo}, "name")
		return found[UPPER], found[BOOT]

	def place(self, card, start, end):
		"""Put a card at a known slot (as a schedule would)."""
		shop_floor.set_job_card_times(card, start, end)
		operation = frappe.db.get_value("Job Card", card, "operation_id")
		frappe.db.set_value(
			"Work Order Operation", operation, {"planned_start_time": start, "planned_end_time": end}
		)

	def snapshot(self, card):
		"""Everything a move writes, to show a refused one wrote nothing."""
		operation = frappe.db.get_value("Job Card", card, "operation_id")
		return {
			"card": frappe.db.get_value(
				"Job Card", card, ["expected_start_date", "expected_end_date", "workstation"], as_dict=True
			),
			"scheduled": frappe.get_all(
				"Job Card Scheduled Time", filters={"parent": card}, fields=["from_time", "to_time"]
			),
			"operation": frappe.db.get_value(
				"Work Order Operation",
				operation,
				["planned_start_time", "planned_end_time", "workstation"],
				as_dict=True,
			),
			"schedule_rows": frappe.get_all(
				"Daily Schedule Operation",
				filters={"job_card": card},
				fields=["planned_start", "planned_end", "workstation", "sequence"],
				order_by="name",
			),
			"plan_rows": frappe.get_all(
				"Order Plan Operation",
				filters={"job_card": card},
				fields=["planned_start", "planned_end", "workstation"],
				order_by="name",
			),
			"events": frappe.db.count("Order Event", {"event": EVENT, "reference_name": card}),
		}

	def refused(self, card, start, *rules, workstation=None):
		before = self.snapshot(card)
		with self.assertRaises(MoveRefused) as caught:
			move_operation(card, str(start), workstation)
		message = str(caught.exception)
		for rule in rules:
			self.assertIn(rule, message)
		self.assertEqual(self.snapshot(card), before)
		return message

	# ------------------------------------------------------------------ a valid move

	def test_a_valid_move_writes_the_job_card_the_schedule_rows_and_an_order_event(self):
		(so,), plan, schedule = self.plan_boots(2)
		upper, boot = self.cards(plan, so.name)
		day = working_day(1)  # within the schedule's three days
		self.assertTrue([r for r in schedule.operations if r.job_card == boot])
		self.place(upper, at(day, 9), at(day, 10))
		self.place(boot, at(day, 10), at(day, 12))  # 2 x 60 working minutes
		# the schedule had it late
		frappe.db.set_value(
			"Daily Schedule Operation", {"parent": schedule.name, "job_card": boot}, "status", "Late"
		)
		frappe.db.set_value("Daily Schedule", schedule.name, "late_count", 1)

		answer = move_operation(boot, str(at(day, 15)))
		# 120 working minutes from 15:00 run over the night: 2 hours today, none tomorrow morning
		end = at(day, 17)
		self.assertEqual((answer["start"], answer["end"]), (at(day, 15), end))
		self.assert_job_card_and_work_order_moved(boot, at(day, 15), end)
		self.assert_schedule_and_plan_rows_moved(schedule, plan, boot, at(day, 15), end)
		self.assert_move_on_the_timeline(so, boot, end)

	def assert_job_card_and_work_order_moved(self, boot, start, end):
		card = frappe.db.get_value(
			"Job Card", boot, ["expected_start_date", "expected_end_date", "workstation"], as_dict=True
		)
		self.assertEqual(
			(get_datetime(card.expected_start_date), get_datetime(card.expected_end_date)),
			(start, end),
		)
		self.assertEqual(card.workstation, SEWING_LINE)
		(scheduled,) = frappe.get_all(
			"Job Card Scheduled Time", filters={"parent": boot}, fields=["from_time", "to_time"]
		)
		self.assertEqual((get_datetime(scheduled.from_time), get_datetime(scheduled.to_time)), (start, end))
		operation = frappe.db.get_value("Job Card", boot, "operation_id")
		wop = frappe.db.get_value(
			"Work Order Operation", operation, ["planned_start_time", "planned_end_time"], as_dict=True
		)
		self.assertEqual(
			(get_datetime(wop.planned_start_time), get_datetime(wop.planned_end_time)),
			(start, end),
		)
		# the work order's planned end follows
		wo = frappe.db.get_value("Job Card", boot, "work_order")
		self.assertEqual(get_datetime(frappe.db.get_value("Work Order", wo, "planned_end_date")), end)

	def assert_schedule_and_plan_rows_moved(self, schedule, plan, boot, start, end):
		# the schedule's row and the plan's row
		row = frappe.get_all(
			"Daily Schedule Operation",
			filters={"parent": schedule.name, "job_card": boot},
			fields=["planned_start", "planned_end", "sequence", "status"],
		)[0]
		self.assertEqual((get_datetime(row.planned_start), get_datetime(row.planned_end)), (start, end))
		self.assertEqual(row.status, "Not Started")
		self.assertEqual(
			frappe.db.get_value("Daily Schedule", schedule.name, "late_count"),
			frappe.db.count("Daily Schedule Operation", {"parent": schedule.name, "status": "Late"}),
		)
		sewing = frappe.get_all(
			"Daily Schedule Operation",
			filters={"parent": schedule.name, "workstation": SEWING_LINE},
			fields=["planned_start", "sequence"],
			order_by="sequence asc",
		)
		self.assertEqual([r.sequence for r in sewing], list(range(1, len(sewing) + 1)))
		self.assertEqual(
			[get_datetime(r.planned_start) for r in sewing],
			sorted(get_datetime(r.planned_start) for r in sewing),
		)
		(plan_row,) = frappe.get_all(
			"Order Plan Operation",
			filters={"parent": plan.name, "job_card": boot},
			fields=["planned_start", "planned_end"],
		)
		self.assertEqual(
			(get_datetime(plan_row.planned_start), get_datetime(plan_row.planned_end)),
			(start, end),
		)

	def assert_move_on_the_timeline(self, so, boot, end):
		# on the order's timeline
		(event,) = frappe.get_all(
			"Order Event",
			filters={"sales_order": so.name, "event": EVENT},
			fields=["reference_doctype", "reference_name", "planned_at", "source", "user", "remarks"],
		)
		self.assertEqual(
			(event.reference_doctype, event.reference_name, event.source), ("Job Card", boot, "Manual")
		)
		self.assertEqual(get_datetime(event.planned_at), end)
		self.assertIn(SEWING_LINE, event.remarks)

	def test_a_move_out_of_the_schedules_days_leaves_its_dispatch_list_and_back_in_joins_it(self):
		(so,), plan, schedule = self.plan_boots(1)
		upper, boot = self.cards(plan, so.name)
		day = working_day(1)
		self.place(upper, at(day, 9), at(day, 10))
		self.place(boot, at(day, 10), at(day, 11))
		count = frappe.db.get_value("Daily Schedule", schedule.name, "operations_count")
		rows = {"parent": schedule.name, "job_card": boot}
		self.assertTrue(frappe.db.exists("Daily Schedule Operation", rows))
		move_operation(boot, str(at(self.day, 9)))  # past the schedule's last day
		self.assertFalse(frappe.db.exists("Daily Schedule Operation", rows))
		self.assertEqual(frappe.db.get_value("Daily Schedule", schedule.name, "operations_count"), count - 1)
		move_operation(boot, str(at(day, 14)))
		row = frappe.get_all(
			"Daily Schedule Operation",
			filters=rows,
			fields=[
				"workstation",
				"planned_start",
				"planned_end",
				"work_order",
				"sales_order",
				"item_code",
				"qty",
				"due_date",
				"status",
				"sequence",
			],
		)
		self.assertEqual(len(row), 1)
		row = row[0]
		self.assertEqual(
			(row.workstation, get_datetime(row.planned_start), get_datetime(row.planned_end)),
			(SEWING_LINE, at(day, 14), at(day, 15)),
		)
		self.assertEqual(
			(row.sales_order, row.item_code, row.qty, row.status), (so.name, BOOT, 1, "Not Started")
		)
		self.assertEqual(getdate(row.due_date), getdate(so.delivery_date))
		self.assertEqual(row.work_order, frappe.db.get_value("Job Card", boot, "work_order"))
		self.assertEqual(frappe.db.get_value("Daily Schedule", schedule.name, "operations_count"), count)
		sewing = frappe.get_all(
			"Daily Schedule Operation",
			filters={"parent": schedule.name, "workstation": SEWING_LINE},
			fields=["planned_start", "sequence"],
			order_by="sequence asc",
		)
		self.assertEqual([r.sequence for r in sewing], list(range(1, len(sewing) + 1)))
		self.assertEqual(
			[get_datetime(r.planned_start) for r in sewing],
			sorted(get_datetime(r.planned_start) for r in sewing),
		)
		# the form shows it: the document reads back whole
		self.assertIn(boot, [r.job_card for r in frappe.get_doc("Daily Schedule", schedule.name).operations])

	def test_a_move_to_another_workstation_of_the_same_type(self):
		(so,), plan, _schedule = self.plan_boots(1)
		upper, boot = self.cards(plan, so.name)
		if not frappe.db.exists("Workstation Type", "_OT Sewing Lines"):
			frappe.get_doc({"doctype": "Workstation Type", "workstation_type": "_OT Sewing Lines"}).insert()
		frappe.db.set_value("Workstation", SEWING_LINE, "workstation_type", "_OT Sewing Lines")
		spare = frappe.get_doc(
			{
				"doctype": "Workstation",
				"workstation_name": "_OT Spare Sewing Line",
				"workstation_type": "_OT Sewing Lines",
				"production_capacity": 1,
				"holiday_list": frappe.db.get_value("Workstation", SEWING_LINE, "holiday_list"),
				"working_hours": [{"start_time": "08:00:00", "end_time": "17:00:00", "enabled": 1}],
			}
		).insert()
		self.place(upper, at(self.day, 9), at(self.day, 10))
		self.place(boot, at(self.day, 10), at(self.day, 11))
		# the spare line works through lunch: 60 minutes from 11:30 end at 12:30
		answer = move_operation(boot, str(at(self.day, 11, 30)), spare.name)
		self.assertEqual((answer["workstation"], answer["end"]), (spare.name, at(self.day, 12, 30)))
		self.assertEqual(frappe.db.get_value("Job Card", boot, "workstation"), spare.name)
		operation = frappe.db.get_value("Job Card", boot, "operation_id")
		self.assertEqual(frappe.db.get_value("Work Order Operation", operation, "workstation"), spare.name)
		self.assertEqual(
			frappe.get_all(
				"Order Plan Operation", filters={"parent": plan.name, "job_card": boot}, pluck="workstation"
			),
			[spare.name],
		)
		# the cutting table is not a sewing line
		self.refused(boot, at(self.day, 14), "Workstation:", workstation=CUTTING_TABLE)

	# ------------------------------------------------------------------ refusals

	def test_a_move_outside_working_hours_is_refused_and_writes_nothing(self):
		(so,), plan, _schedule = self.plan_boots(1)
		upper, boot = self.cards(plan, so.name)
		self.place(upper, at(self.day, 9), at(self.day, 10))
		self.place(boot, at(self.day, 10), at(self.day, 11))
		message = self.refused(boot, at(self.day, 12, 15), "Working hours:")  # the lunch break
		self.assertIn(SEWING_LINE, message)
		self.refused(boot, at(self.day, 19), "Working hours:")  # the evening
		sunday = self.day + timedelta(days=(6 - self.day.weekday()) % 7 or 7)
		self.refused(boot, at(sunday, 9), "Working hours:")  # the weekly off (holiday list)

	def test_a_move_over_the_workstations_capacity_is_refused_and_writes_nothing(self):
		orders, plan, _schedule = self.plan_boots(1, 1, 1)
		cards = [self.cards(plan, so.name) for so in orders]
		for upper, _boot in cards:
			self.place(upper, at(self.day, 8), at(self.day, 8, 30))
		# two of the sewing line's two units taken 09:00-11:00
		for _upper, boot in cards[:2]:
			self.place(boot, at(self.day, 9), at(self.day, 11))
		third = cards[2][1]
		self.place(third, at(self.day, 14), at(self.day, 15))
		message = self.refused(third, at(self.day, 10), "Capacity:")
		self.assertIn(cards[0][1], message)
		self.assertIn(cards[1][1], message)
		# once one of them is out of the way there is room
		self.place(cards[1][1], at(self.day, 13), at(self.day, 15))
		self.assertEqual(move_operation(third, str(at(self.day, 10)))["end"], at(self.day, 11))

	def test_a_move_before_the_previous_operation_ends_is_refused_and_writes_nothing(self):
		(so,), plan, _schedule = self.plan_boots(1)
		upper, boot = self.cards(plan, so.name)
		self.place(upper, at(self.day, 9), at(self.day, 10))
		self.place(boot, at(self.day, 14), at(self.day, 15))
		message = self.refused(boot, at(self.day, 9, 30), "Routing order:")
		self.assertIn(upper, message)
		# nor may the upper be cut after the boot's sewing has begun
		self.refused(upper, at(self.day, 14), "Routing order:")
		# nor anything moved into the past
		self.refused(boot, at(working_day(-3), 9), "Start:")

	def test_a_started_operation_stays_where_it_is(self):
		(so,), plan, _schedule = self.plan_boots(1)
		_upper, boot = self.cards(plan, so.name)
		frappe.db.set_value("Job Card", boot, "status", "Work In Progress")
		self.refused(boot, at(self.day, 14), "has started")

	# ------------------------------------------------------------------ permissions

	def test_only_planners_may_move_operations(self):
		(so,), plan, _schedule = self.plan_boots(1)
		upper, boot = self.cards(plan, so.name)
		self.place(upper, at(self.day, 9), at(self.day, 10))
		self.place(boot, at(self.day, 10), at(self.day, 11))
		seller = make_user("ot-seller@example.com", ["Sales User", "Manufacturing User"])
		before = self.snapshot(boot)
		frappe.set_user(seller)
		with self.assertRaises(frappe.PermissionError):
			move_operation(boot, str(at(self.day, 14)))
		frappe.set_user("Administrator")
		self.assertEqual(self.snapshot(boot), before)
		planner = make_user("ot-planner@example.com", ["Production Planner"])
		frappe.set_user(planner)
		self.assertEqual(move_operation(boot, str(at(self.day, 14)))["end"], at(self.day, 15))
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.count("Order Event", {"sales_order": so.name, "event": EVENT}), 1)


class TestConcurrentMoves(FrappeTestCase):
	"""Two planners drag two operations onto the sewing line's last free unit at the same time: one
	move is kept, the other refused — never more operations at once than the line has units."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_planning_fixtures()
		set_settings(sub_assembly_work_orders=1, late_operation_grace=30, planning_wip_warehouse=None)
		# the two requests run in their own connections
		frappe.db.commit()  # nosemgrep

	def test_two_moves_onto_the_last_unit_at_once(self):
		import threading
		import traceback

		orders = [boot_order(qty=1) for _ in range(3)]
		plan = make_plan(customer=CUSTOMER, submit=True)
		day = working_day(4)
		try:
			cards = [TestReschedule.cards(self, plan, so.name) for so in orders]
			for upper, _boot in cards:
				TestReschedule.place(self, upper, at(day, 8), at(day, 8, 30))
			TestReschedule.place(self, cards[0][1], at(day, 9), at(day, 11))  # one of the two units
			TestReschedule.place(self, cards[1][1], at(day, 14), at(day, 15))
			TestReschedule.place(self, cards[2][1], at(day, 15), at(day, 16))
			frappe.db.commit()  # nosemgrep
			site = frappe.local.site
			barrier = threading.Barrier(2)
			kept, refused, errors = [], [], []

			def request(card):
				frappe.init(site=site)
				frappe.connect()
				try:
					frappe.set_user("Administrator")
					barrier.wait(timeout=30)
					move_operation(card, str(at(day, 10)))
					# end of a simulated request
					frappe.db.commit()  # nosemgrep
					kept.append(card)
				except MoveRefused:
					frappe.db.rollback()
					refused.append(card)
				except Exception as e:
					frappe.db.rollback()
					errors.append(repr(e) + traceback.format_exc()[-2500:])
				finally:
					frappe.destroy()

			threads = [threading.Thread(target=request, args=(cards[k][1],)) for k in (1, 2)]
			for t in threads:
				t.start()
			for t in threads:
				t.join(timeout=120)
			self.assertEqual(errors, [])
			self.assertEqual((len(kept), len(refused)), (1, 1))
			at_ten = frappe.get_all(
				"Job Card",
				filters={"name": ("in", [boot for _u, boot in cards]), "expected_start_date": at(day, 10)},
				pluck="name",
			)
			self.assertEqual(at_ten, kept)
			self.assertEqual(
				frappe.db.count("Order Event", {"event": EVENT, "reference_name": refused[0]}), 0
			)
		finally:
			_undo(plan.name, [so.name for so in orders])


def _undo(plan: str, sales_orders: list[str]):
	"""Take back what the concurrency test had to commit: the plan cancelled (its work orders with
	it; ERPNext deletes their job cards, whose names later tests get again: the plan forgets them,
	and their events go), the orders cancelled. Nothing is deleted that would give its name back."""
	frappe.set_user("Administrator")
	cards = frappe.get_all("Order Plan Operation", filters={"parent": plan}, pluck="job_card")
	doc = frappe.get_doc("Order Plan", plan)
	if doc.docstatus == 1:
		doc.cancel()
	frappe.db.set_value("Order Plan Operation", {"parent": plan}, "job_card", None, update_modified=False)
	frappe.db.delete(
		"Order Event", {"reference_doctype": "Job Card", "reference_name": ("in", cards or [""])}
	)
	for name in sales_orders:
		so = frappe.get_doc("Sales Order", name)
		if so.docstatus == 1:
			so.ignore_linked_doctypes = ("Order Tracker", "Order Plan", "Daily Schedule", "Order Event")
			so.cancel()
	frappe.db.commit()  # nosemgrep


class TestPromisedDates(PlanTestCase):
	def test_orders_on_their_delivery_date_coloured_by_stage(self):
		planned = boot_order(qty=1, days=9)
		make_plan(customer=CUSTOMER, submit=True)
		waiting = boot_order(qty=1, days=10, customer=OTHER_CUSTOMER)
		start, end = nowdate(), add_days(nowdate(), 30)
		events = {e["name"]: e for e in get_promised_dates(start, end)}
		for so in (planned, waiting):
			event = events[so.name]
			stage = tracker(so.name).stage
			self.assertEqual(getdate(event["delivery_date"]), getdate(so.delivery_date))
			self.assertEqual((event["stage"], event["color"]), (stage, STAGE_COLORS[stage]))
			self.assertIn(so.name, event["title"])
		self.assertNotEqual(events[planned.name]["stage"], events[waiting.name]["stage"])
		self.assertNotEqual(events[planned.name]["color"], events[waiting.name]["color"])
		# outside the window, and the calendar's own filters
		self.assertNotIn(planned.name, {e["name"] for e in get_promised_dates(add_days(nowdate(), 20), end)})
		only = get_promised_dates(
			start, end, frappe.as_json([["Sales Order", "customer", "=", OTHER_CUSTOMER]])
		)
		self.assertIn(waiting.name, {e["name"] for e in only})
		self.assertNotIn(planned.name, {e["name"] for e in only})

	def test_a_user_sees_only_the_orders_they_may_read(self):
		mine = boot_order(qty=1, days=9)
		theirs = boot_order(qty=1, days=9, customer=OTHER_CUSTOMER)
		seller = make_user("ot-calendar-seller@example.com", ["Sales User"])
		if not frappe.db.exists("User Permission", {"user": seller, "allow": "Customer"}):
			frappe.get_doc(
				{"doctype": "User Permission", "user": seller, "allow": "Customer", "for_value": CUSTOMER}
			).insert()
		nobody = make_user("ot-calendar-nobody@example.com")
		start, end = nowdate(), add_days(nowdate(), 30)
		self.assertTrue({mine.name, theirs.name} <= {e["name"] for e in get_promised_dates(start, end)})
		frappe.set_user(seller)
		names = {e["name"] for e in get_promised_dates(start, end)}
		self.assertIn(mine.name, names)
		self.assertNotIn(theirs.name, names)
		frappe.set_user(nobody)
		with self.assertRaises(frappe.PermissionError):
			get_promised_dates(start, end)

	def test_a_range_or_filters_that_are_no_dates_or_fields_are_refused_by_name(self):
		# the API fuzzer found these answering 500
		today, later = nowdate(), add_days(nowdate(), 30)
		for start, end, named in (("", later, "Start"), (today, "eR", "End"), ("2026-13-45", later, "Start")):
			with self.assertRaises(frappe.ValidationError) as refused:
				get_promised_dates(start, end)
			self.assertIn(named, str(refused.exception))
		for filters, named in (
			("ö{not json", "JSON"),
			('{"no_such_field_4711": 1}', "no_such_field_4711"),
			('[["Sales Order", {"a": 1}, "=", 1]]', "no field"),
			('"text"', "JSON"),
		):
			with self.assertRaises(frappe.ValidationError) as refused:
				get_promised_dates(today, later, filters)
			self.assertIn(named, str(refused.exception))
		self.assertEqual(get_promised_dates(today, later, ""), get_promised_dates(today, later))

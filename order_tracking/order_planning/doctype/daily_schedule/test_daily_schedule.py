# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from datetime import datetime, timedelta

import frappe
from frappe.utils import add_days, flt, get_datetime, getdate, now_datetime, nowdate

from order_tracking.order_planning import daily_schedule, late_operations
from order_tracking.tests.planning_case import PlanTestCase, boot_order
from order_tracking.tests.utils import (
	BOOT,
	COMPANY,
	CUSTOMER,
	SEWING_LINE,
	UPPER,
	make_plan,
	make_user,
	tracker,
)

# The plans make their own work orders, job cards and material requests: no test records of
# those (Job Card's would reach Payment Gateway, which this site does not have).
test_ignore = ["Sales Order", "Order Plan", "Job Card", "Work Order", "Material Request"]


def morning(days_ahead=0) -> datetime:
	"""A working morning (never a Sunday), so that the schedule starts at once."""
	day = getdate(add_days(nowdate(), days_ahead))
	while day.weekday() == 6:
		day = getdate(add_days(day, 1))
	return datetime.combine(day, datetime.min.time()) + timedelta(hours=8)


class TestDailySchedule(PlanTestCase):
	def plan_orders(self, *qtys):
		orders = [boot_order(qty=q) for q in qtys]
		plan = make_plan(customer=CUSTOMER, submit=True)
		return orders, plan

	def test_the_days_dispatch_list_per_workstation_and_running_it_again_rewrites_it(self):
		(so,), plan = self.plan_orders(3)
		now = morning()
		doc = daily_schedule.build_daily_schedule(COMPANY, now=now, days=2)
		self.assertEqual(getdate(doc.from_date), now.date())
		self.assertEqual(getdate(doc.to_date), getdate(add_days(now.date(), 1)))
		self.assertEqual(doc.status, "Current")
		mine = [r for r in doc.operations if r.sales_order == so.name]
		self.assertTrue(mine)
		for ws in {r.workstation for r in doc.operations}:
			rows = [r for r in doc.operations if r.workstation == ws]
			self.assertEqual([r.sequence for r in rows], list(range(1, len(rows) + 1)))
			starts = [get_datetime(r.planned_start) for r in rows]
			self.assertEqual(starts, sorted(starts))
		window_end = datetime.combine(add_days(now.date(), 2), datetime.min.time())
		for r in doc.operations:
			self.assertLess(get_datetime(r.planned_start), window_end)
		# the job cards carry the new times
		for r in mine:
			card = frappe.db.get_value(
				"Job Card", r.job_card, ["expected_start_date", "expected_end_date"], as_dict=True
			)
			self.assertEqual(get_datetime(card.expected_start_date), get_datetime(r.planned_start))
			self.assertEqual(get_datetime(card.expected_end_date), get_datetime(r.planned_end))
		# the upper is cut before the boot is sewn
		upper = next((r for r in mine if r.item_code == UPPER), None)
		boot = next((r for r in mine if r.item_code == BOOT), None)
		if upper and boot:
			self.assertLessEqual(get_datetime(upper.planned_end), get_datetime(boot.planned_start))
		count = len(doc.operations)
		again = daily_schedule.build_daily_schedule(COMPANY, now=now, days=2)
		self.assertEqual(again.name, doc.name)
		self.assertEqual(len(again.operations), count)
		self.assertEqual(frappe.db.count("Daily Schedule", {"company": COMPANY, "from_date": now.date()}), 1)
		# the next day's schedule supersedes this one
		tomorrow = daily_schedule.build_daily_schedule(COMPANY, now=morning(1), days=1)
		self.assertNotEqual(tomorrow.name, doc.name)
		self.assertEqual(frappe.db.get_value("Daily Schedule", doc.name, "status"), "Superseded")

	def test_started_operations_stay_in_place_and_the_rest_moves_around_them(self):
		(so,), plan = self.plan_orders(2)
		now = morning(1)
		upper_card = frappe.get_value(
			"Job Card",
			{
				"work_order": frappe.get_value(
					"Work Order", {"order_plan": plan.name, "production_item": UPPER}, "name"
				)
			},
			"name",
		)
		started_at = now - timedelta(minutes=15)
		card = frappe.get_doc("Job Card", upper_card)
		# started 15 minutes ago and due to end within the hour, whatever day the plan placed it on
		# (a plan made on a Monday runs the upper today: by tomorrow's morning it would be late)
		card.db_set(
			{
				"status": "Work In Progress",
				"actual_start_date": started_at,
				"expected_end_date": now + timedelta(minutes=45),
				"total_time_in_mins": 15,
			}
		)
		doc = daily_schedule.build_daily_schedule(COMPANY, now=now, days=2)
		row = next(r for r in doc.operations if r.job_card == upper_card)
		self.assertTrue(row.kept_in_place)
		self.assertEqual(row.status, "In Progress")
		self.assertEqual(get_datetime(row.planned_start), started_at)
		# its time was not rewritten; the boot's sewing waits for it
		boot = next(r for r in doc.operations if r.item_code == BOOT and r.sales_order == so.name)
		self.assertGreaterEqual(get_datetime(boot.planned_start), get_datetime(row.planned_end))
		self.assertEqual(doc.in_progress_count, sum(1 for r in doc.operations if r.kept_in_place))

	def test_completed_operations_leave_the_list(self):
		(so,), plan = self.plan_orders(1)
		upper_wo = frappe.get_value("Work Order", {"order_plan": plan.name, "production_item": UPPER}, "name")
		card = frappe.get_doc("Job Card", {"work_order": upper_wo})
		start = get_datetime(card.expected_start_date)
		card.append(
			"time_logs", {"from_time": start, "to_time": start + timedelta(minutes=30), "completed_qty": 1}
		)
		card.save()
		card.submit()
		doc = daily_schedule.build_daily_schedule(COMPANY, now=morning(1), days=3)
		self.assertFalse([r for r in doc.operations if r.job_card == card.name])
		self.assertTrue([r for r in doc.operations if r.sales_order == so.name and r.item_code == BOOT])

	def test_late_operations_go_on_the_timeline_and_to_the_planners_once(self):
		(so,), plan = self.plan_orders(2)
		planner = make_user("ot-planner@example.com", ["Production Planner", "Manufacturing User"])
		boot_wo = frappe.get_value("Work Order", {"order_plan": plan.name, "production_item": BOOT}, "name")
		card = frappe.get_value("Job Card", {"work_order": boot_wo}, "name")
		due_end = now_datetime() - timedelta(hours=3)
		# as a schedule moves it: the card and its work order's operation
		frappe.db.set_value("Job Card", card, "expected_end_date", due_end)
		operation = frappe.db.get_value("Job Card", card, "operation_id")
		frappe.db.set_value("Work Order Operation", operation, "planned_end_time", due_end)
		late = late_operations.check_late_operations()
		self.assertIn(card, late)
		events = frappe.get_all(
			"Order Event",
			filters={"sales_order": so.name, "event": "Operation Late", "reference_name": card},
			fields=["planned_at", "source", "stage"],
		)
		self.assertEqual(len(events), 1)
		self.assertEqual(
			get_datetime(events[0].planned_at).replace(microsecond=0), due_end.replace(microsecond=0)
		)
		self.assertTrue(
			frappe.db.exists(
				"Notification Log", {"for_user": planner, "document_type": "Job Card", "document_name": card}
			)
		)
		self.assertEqual(late_operations.check_late_operations(), [])  # never twice
		self.assertEqual(
			frappe.db.count("Order Event", {"event": "Operation Late", "reference_name": card}), 1
		)
		t = tracker(so.name)
		self.assertEqual(next(o.status for o in t.operations if o.workstation == SEWING_LINE), "Late")
		# within the grace it is not late
		frappe.db.set_value("Job Card", card, "expected_end_date", now_datetime() - timedelta(minutes=5))
		self.assertNotIn(card, late_operations.check_late_operations())

	def test_daily_job_and_manual_regeneration_need_the_right_to_schedule(self):
		self.plan_orders(1)
		from order_tracking.api.planning import regenerate_daily_schedule

		seller = make_user("ot-seller@example.com", ["Sales User"])
		frappe.set_user(seller)
		try:
			with self.assertRaises(frappe.PermissionError):
				regenerate_daily_schedule(COMPANY)
		finally:
			frappe.set_user("Administrator")
		name = regenerate_daily_schedule(COMPANY)
		self.assertTrue(frappe.db.exists("Daily Schedule", name))
		daily_schedule.regenerate_daily_schedules(commit=False)
		self.assertEqual(frappe.db.get_value("Daily Schedule", name, "status"), "Current")
		self.assertTrue(flt(frappe.db.get_value("Daily Schedule", name, "operations_count")) > 0)

	def test_a_late_operation_opens_an_order_exception_until_it_is_rescheduled(self):
		from order_tracking.core import delivery
		from order_tracking.order_tracking.exceptions import scan_order_exceptions

		(so,), plan = self.plan_orders(2)
		planner = make_user("ot-planner@example.com", ["Production Planner", "Manufacturing User"])
		boot_wo = frappe.get_value("Work Order", {"order_plan": plan.name, "production_item": BOOT}, "name")
		card = frappe.get_value("Job Card", {"work_order": boot_wo}, "name")

		def scan():
			return scan_order_exceptions([so.name], kinds=[delivery.LATE_OPERATION], commit=False)

		def late_operation():
			return frappe.get_all(
				"Order Exception",
				filters={"sales_order": so.name, "kind": delivery.LATE_OPERATION},
				fields=["name", "status", "owner_role", "reference_doctype", "reference_name", "detail"],
			)

		self.assertEqual(scan().opened, 0)  # on schedule
		# within the grace (30 minutes) it is not late yet
		frappe.db.set_value("Job Card", card, "expected_end_date", now_datetime() - timedelta(minutes=5))
		self.assertEqual(scan().opened, 0)
		frappe.db.set_value("Job Card", card, "expected_end_date", now_datetime() - timedelta(hours=3))
		self.assertEqual(scan().opened, 1)
		(exc,) = late_operation()
		self.assertEqual(
			(exc.status, exc.owner_role, exc.reference_doctype, exc.reference_name),
			("Open", "Production Planner", "Job Card", card),
		)
		self.assertIn(card, exc.detail)
		self.assertTrue(
			frappe.db.exists(
				"Notification Log",
				{"for_user": planner, "document_type": "Order Exception", "document_name": exc.name},
			)
		)
		self.assertIn(delivery.LATE_OPERATION, tracker(so.name).open_exceptions)
		again = scan()  # the scan run twice: nothing new
		self.assertEqual((again.opened, again.updated, again.resolved), (0, 0, 0))
		# the daily schedule moves it to later: resolved by itself
		frappe.db.set_value("Job Card", card, "expected_end_date", now_datetime() + timedelta(hours=3))
		self.assertEqual(scan().resolved, 1)
		self.assertEqual([e.status for e in late_operation()], ["Resolved"])
		self.assertFalse(tracker(so.name).open_exceptions)

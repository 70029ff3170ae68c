"""An operation moved by hand on the planner's Gantt (issue 17, the planner's view).

`move_operation(job_card, start, workstation=None)` takes an open, not yet started Job Card to a
new start — and, if asked, to another workstation of the same workstation type — after checking
the move with the scheduler's rules (`core.reschedule.check_move`): the workstation's working
hours and holiday list as `build_daily_schedule` reads them, its units (no more operations at
once than it has), and routing order (after the previous operation of the work order — or the
sub-assembly work orders it uses — ends, before the next one begins).

A refused move raises `MoveRefused` naming every rule broken, before anything is written. A
valid one writes, in the request's one transaction: the Job Card's expected start and end and
its scheduled time row (`shop_floor.set_job_card_times`, what ERPNext's capacity planning reads),
its workstation if it changed, the Work Order Operation and the Work Order's planned dates, the
rows of the Order Plans that list the card and of its company's current Daily Schedule (the
dispatch list of the schedule's days: a move out of them takes the row off, a move into them puts
one on), and an *Operation Rescheduled* Order Event on the order's timeline
(`tracking.record_events`, which also refreshes the order's tracker). It answers `{"job_card", "workstation", "start", "end"}`.
"""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe import _
from frappe.query_builder.functions import Max
from frappe.utils import add_days, cint, flt, get_datetime, getdate, now_datetime

from order_tracking.core import reschedule, review, stages
from order_tracking.order_planning.shop_floor import (
	DAILY,
	JOB_CARD_DONE,
	JOB_CARD_STARTED,
	PlanError,
	set_job_card_times,
)
from order_tracking.order_tracking import review as review_data
from order_tracking.order_tracking.events import EventSpec
from order_tracking.order_tracking.tracking import record_events

PLANNER_ROLES = ("Production Planner", "Manufacturing Manager")
EVENT = "Operation Rescheduled"


class MoveRefused(PlanError):
	pass


def check_planner() -> None:
	"""Only planners move operations (Frappe's only_for lets everything through in tests)."""
	if set(PLANNER_ROLES).isdisjoint(frappe.get_roles()):
		frappe.throw(
			_("Only a Production Planner or a Manufacturing Manager may move operations"),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


def move_operation(
	job_card: str, start: datetime | str, workstation: str | None = None, now: datetime | None = None
) -> dict:
	"""Check the move and, when every rule holds, write it everywhere the plan is kept."""
	now = get_datetime(now or now_datetime())
	if not frappe.db.exists("Job Card", job_card):
		frappe.throw(_("Job Card {0} does not exist").format(job_card), frappe.DoesNotExistError)
	target = workstation or frappe.db.get_value("Job Card", job_card, "workstation")
	start = get_datetime(start).replace(second=0, microsecond=0)
	# Moves onto one workstation are checked one at a time, the workstation locked before anything
	# else; what decides the move is read with locking reads (the rows as committed, whatever this
	# transaction read before): the second of two moves at once sees the first's slot.
	if not target or not frappe.db.get_value("Workstation", target, "name", for_update=True):
		frappe.throw(_("Workstation {0} does not exist").format(target), MoveRefused, title=_("Move Refused"))
	card = _open_card(job_card)
	calendars = _calendars(card, target, now)
	minutes = _working_minutes(card, calendars.get(card.workstation))
	previous, following = _routing(card)
	move = reschedule.Move(
		card.name,
		target,
		start,
		minutes,
		allowed_workstations=_allowed_workstations(card, target),
		previous=previous,
		next=following,
		gap=cint(frappe.db.get_single_value("Manufacturing Settings", "mins_between_operations")),
		not_before=now.replace(second=0, microsecond=0),
	)
	calendar = calendars.get(target)
	_working, end = reschedule.working_end(calendar, start, minutes) if calendar else (False, None)
	check = reschedule.check_move(move, calendar, _bookings(target, card.name, start, end or start))
	if not check.ok:
		frappe.throw(
			"<br>".join(_reason(v, card, target, calendar) for v in check.violations),
			MoveRefused,
			title=_("Move Refused"),
		)
	_write(card, target, check.start, check.end, now)
	return {"job_card": card.name, "workstation": target, "start": check.start, "end": check.end}


# ------------------------------------------------------------------------------ reading


def _open_card(job_card: str) -> frappe._dict:
	card = frappe.db.get_value(
		"Job Card",
		job_card,
		[
			"name",
			"docstatus",
			"status",
			"workstation",
			"work_order",
			"operation",
			"operation_id",
			"company",
			"expected_start_date",
			"expected_end_date",
			"time_required",
			"total_time_in_mins",
			"for_quantity",
			"total_completed_qty",
		],
		as_dict=True,
		for_update=True,
	)
	if not card:
		frappe.throw(_("Job Card {0} does not exist").format(job_card), frappe.DoesNotExistError)
	if card.docstatus != 0 or card.status in JOB_CARD_DONE:
		frappe.throw(
			_("Job Card {0} is {1}: only open operations can be moved").format(card.name, _(card.status)),
			MoveRefused,
			title=_("Move Refused"),
		)
	if card.status in JOB_CARD_STARTED or flt(card.total_time_in_mins) > 0:
		frappe.throw(
			_("Job Card {0} has started: it stays where it is").format(card.name),
			MoveRefused,
			title=_("Move Refused"),
		)
	wo = frappe.db.get_value(
		"Work Order",
		card.work_order,
		["name", "sales_order", "made_for_sales_order", "parent_work_order"],
		as_dict=True,
	)
	card.sales_order = (wo.made_for_sales_order or wo.sales_order) if wo else None
	card.parent_work_order = wo.parent_work_order if wo else None
	return card


def _calendars(card, target: str, now: datetime) -> dict[str, review.Calendar]:
	"""The calendars of the card's workstation and the target, as the scheduler reads them."""
	calendars, _load = review_data.workstation_capacity(
		card.company, {w for w in (card.workstation, target) if w}, set(), now.date()
	)
	return {c.workstation: c for c in calendars}


def _working_minutes(card, calendar: review.Calendar | None) -> int:
	"""What the operation runs: the working minutes of its slot now (the scheduler's minutes), or
	its time required when it has no slot yet."""
	if card.expected_start_date and card.expected_end_date and calendar and calendar.day_periods():
		minutes = reschedule.working_minutes(
			calendar, get_datetime(card.expected_start_date), get_datetime(card.expected_end_date)
		)
		if minutes > 0:
			return minutes
	return max(int(round(flt(card.time_required))), 1)


def _allowed_workstations(card, target: str) -> tuple[str, ...]:
	"""The card's own workstation, and the others of its operation's workstation type."""
	if target == card.workstation:
		return ()
	kind = frappe.db.get_value("Work Order Operation", card.operation_id, "workstation_type") or (
		frappe.db.get_value("Workstation", card.workstation, "workstation_type")
	)
	if not kind:
		return (card.workstation,)
	same = frappe.get_all("Workstation", filters={"workstation_type": kind}, pluck="name")
	return tuple(sorted({card.workstation, *same}))


def _bookings(workstation: str, job_card: str, start: datetime, end: datetime) -> list[reschedule.Slot]:
	"""Open job cards on the workstation whose scheduled time meets [start, end] (locked; found by
	the index on `workstation, expected_start_date`, `add_indexes`)."""
	jc = frappe.qb.DocType("Job Card")
	rows = (
		frappe.qb.from_(jc)
		.select(jc.name, jc.expected_start_date, jc.expected_end_date)
		.where((jc.workstation == workstation) & (jc.docstatus == 0) & jc.status.notin(JOB_CARD_DONE))
		.where((jc.name != job_card) & (jc.expected_start_date < end) & (jc.expected_end_date > start))
		.for_update()
		.run(as_dict=True)
	)
	return [
		reschedule.Slot(r.name, get_datetime(r.expected_start_date), get_datetime(r.expected_end_date))
		for r in rows
	]


def _routing(card) -> tuple[tuple[reschedule.Slot, ...], tuple[reschedule.Slot, ...]]:
	"""The operations just before and just after the card's in routing order, with their times:
	in its work order, and across sub-assembly work orders (the sub-assembly's last step before
	the first step of the work order that uses it)."""
	steps = _steps(card.work_order)
	before, after = reschedule.routing_neighbours(steps, card.operation_id)
	ids = [s.id for s in sorted(steps, key=lambda s: s.idx)]
	slots = _slots([card.work_order])
	previous = [slots[i] for i in before if i in slots]
	following = [slots[i] for i in after if i in slots]
	if ids and not before:
		children = frappe.get_all(
			"Work Order",
			filters={"parent_work_order": card.work_order, "docstatus": 1},
			pluck="name",
		)
		child_slots = _slots(children)
		for child in children:
			groups = reschedule.routing_groups(_steps(child))
			last = groups[-1] if groups else []
			previous.extend(child_slots[i] for i in last if i in child_slots)
	if ids and not after and card.parent_work_order:
		groups = reschedule.routing_groups(_steps(card.parent_work_order))
		first = groups[0] if groups else []
		parent_slots = _slots([card.parent_work_order])
		following.extend(parent_slots[i] for i in first if i in parent_slots)
	return tuple(previous), tuple(following)


def _steps(work_order: str) -> list[reschedule.RoutingStep]:
	return [
		reschedule.RoutingStep(r.name, cint(r.idx), cint(r.sequence_id))
		for r in frappe.get_all(
			"Work Order Operation",
			filters={"parent": work_order, "parenttype": "Work Order"},
			fields=["name", "idx", "sequence_id"],
			order_by="idx asc",
		)
	]


def _slots(work_orders: list[str]) -> dict[str, reschedule.Slot]:
	"""By Work Order Operation: the scheduled time of its open job card, else the operation's plan
	(done operations bind nothing any more); locked, as the move's own rows."""
	if not work_orders:
		return {}
	result: dict[str, reschedule.Slot] = {}
	wop = frappe.qb.DocType("Work Order Operation")
	jc = frappe.qb.DocType("Job Card")
	for r in (
		frappe.qb.from_(wop)
		.select(wop.name, wop.planned_start_time, wop.planned_end_time, wop.status)
		.where(wop.parent.isin(work_orders) & (wop.parenttype == "Work Order"))
		.for_update()
		.run(as_dict=True)
	):
		if r.status != "Completed" and r.planned_start_time and r.planned_end_time:
			result[r.name] = reschedule.Slot(
				r.name, get_datetime(r.planned_start_time), get_datetime(r.planned_end_time)
			)
	for c in (
		frappe.qb.from_(jc)
		.select(
			jc.name, jc.operation_id, jc.status, jc.docstatus, jc.expected_start_date, jc.expected_end_date
		)
		.where(jc.work_order.isin(work_orders) & (jc.docstatus < 2))
		.for_update()
		.run(as_dict=True)
	):
		if c.docstatus == 1 or c.status in JOB_CARD_DONE:
			result.pop(c.operation_id, None)
		elif c.expected_start_date and c.expected_end_date:
			result[c.operation_id] = reschedule.Slot(
				c.name, get_datetime(c.expected_start_date), get_datetime(c.expected_end_date)
			)
	return result


def _when(value) -> str:
	return frappe.format(value, {"fieldtype": "Datetime"})


def _reason(v: reschedule.Violation, card, target: str, calendar: review.Calendar | None) -> str:
	"""A refused move's reason in the user's words, naming the rule broken."""
	if v.code == reschedule.OUTSIDE_WORKING_HOURS:
		return _("Working hours: {0} is not within the working hours of {1} (or is a holiday)").format(
			_when(v.at), target
		)
	if v.code == reschedule.NO_WORKING_HOURS:
		return _("Working hours: {0} has no working hours").format(target)
	if v.code == reschedule.BEYOND_HORIZON:
		return _("Working hours: {0} cannot finish within {1} days on {2}").format(
			card.operation, review.HORIZON_DAYS, target
		)
	if v.code == reschedule.OVER_CAPACITY:
		return _("Capacity: {0} runs {1} operations at a time and {2} already run then ({3})").format(
			target, max(cint(calendar.parallel if calendar else 1), 1), v.count, v.other
		)
	if v.code == reschedule.BEFORE_PREVIOUS:
		return _("Routing order: {0} would start before the previous operation {1} ends ({2})").format(
			card.operation, v.other, _when(v.at)
		)
	if v.code == reschedule.AFTER_NEXT:
		return _("Routing order: {0} would end after the next operation {1} begins ({2})").format(
			card.operation, v.other, _when(v.at)
		)
	if v.code == reschedule.IN_THE_PAST:
		return _("Start: an operation cannot be moved before now ({0})").format(_when(v.at))
	if v.code == reschedule.WRONG_WORKSTATION:
		return _("Workstation: {0} cannot run on {1}, which is not of its workstation type").format(
			card.operation, target
		)
	return v.code


# ------------------------------------------------------------------------------ writing


def _write(card, target: str, start: datetime, end: datetime, now: datetime) -> None:
	old_start, old_workstation = card.expected_start_date, card.workstation
	set_job_card_times(card.name, start, end)
	values = {"planned_start_time": start, "planned_end_time": end}
	if target != card.workstation:
		frappe.db.set_value("Job Card", card.name, "workstation", target, update_modified=False)
		values["workstation"] = target
	if card.operation_id:
		frappe.db.set_value("Work Order Operation", card.operation_id, values, update_modified=False)
	_update_work_order_dates(card.work_order)
	_update_schedule_rows(card, target, start, end)
	record_events(
		[
			EventSpec(
				card.sales_order,
				stages.PLANNED,
				EVENT,
				"Job Card",
				card.name,
				qty=flt(card.for_quantity) - flt(card.total_completed_qty),
				at=now,
				planned_at=end,
				source="Manual",
				remarks=_("{0} moved from {1} on {2} to {3} on {4}").format(
					card.operation,
					_when(old_start) if old_start else "-",
					old_workstation,
					_when(start),
					target,
				),
			)
		]
	)


def _update_work_order_dates(work_order: str) -> None:
	rows = frappe.get_all(
		"Work Order Operation",
		filters={"parent": work_order, "parenttype": "Work Order"},
		fields=["planned_start_time", "planned_end_time"],
	)
	starts = [get_datetime(r.planned_start_time) for r in rows if r.planned_start_time]
	ends = [get_datetime(r.planned_end_time) for r in rows if r.planned_end_time]
	if starts and ends:
		frappe.db.set_value(
			"Work Order",
			work_order,
			{"planned_start_date": min(starts), "planned_end_date": max(ends)},
			update_modified=False,
		)


def _update_schedule_rows(card, target: str, start: datetime, end: datetime) -> None:
	"""The card's rows in the Order Plans that list it, and in its company's current Daily
	Schedule: there it is the dispatch list of the schedule's days, so a move out of those days
	takes the row off it and a move into them puts one on; the order per workstation and the counts
	follow."""
	values = {"planned_start": start, "planned_end": end, "workstation": target}
	for name in frappe.get_all(
		"Order Plan Operation", filters={"job_card": card.name, "parenttype": "Order Plan"}, pluck="name"
	):
		frappe.db.set_value("Order Plan Operation", name, values, update_modified=False)
	for ds in frappe.get_all(
		DAILY,
		filters={"company": card.company, "status": "Current"},
		fields=["name", "from_date", "to_date"],
	):
		window_start = datetime.combine(getdate(ds.from_date), datetime.min.time())
		window_end = datetime.combine(add_days(getdate(ds.to_date or ds.from_date), 1), datetime.min.time())
		inside = end > window_start and start < window_end
		rows = frappe.get_all(
			"Daily Schedule Operation",
			filters={"parent": ds.name, "parenttype": DAILY, "job_card": card.name},
			fields=["name", "workstation"],
		)
		touched = {target, *(r.workstation for r in rows)}
		if rows and not inside:
			frappe.db.delete("Daily Schedule Operation", {"name": ("in", [r.name for r in rows])})
		elif rows:
			# it starts from now on and has not started: no longer late, if it was
			for r in rows:
				frappe.db.set_value(
					"Daily Schedule Operation",
					r.name,
					{**values, "status": "Not Started"},
					update_modified=False,
				)
		elif inside:
			_add_schedule_row(ds.name, card, values)
		else:
			continue
		for ws in touched:
			_resequence(ds.name, ws)
		_recount(ds.name)


def _add_schedule_row(schedule: str, card, values: dict) -> None:
	wo = frappe.db.get_value(
		"Work Order", card.work_order, ["production_item", "expected_delivery_date"], as_dict=True
	)
	due = (
		frappe.db.get_value("Sales Order", card.sales_order, "delivery_date") if card.sales_order else None
	) or (wo.expected_delivery_date if wo else None)
	dso = frappe.qb.DocType("Daily Schedule Operation")
	last = (
		frappe.qb.from_(dso)
		.select(Max(dso.idx))
		.where((dso.parent == schedule) & (dso.parenttype == DAILY))
		.run()
	)
	frappe.get_doc(
		{
			"doctype": "Daily Schedule Operation",
			"parent": schedule,
			"parenttype": DAILY,
			"parentfield": "operations",
			"idx": cint(last[0][0] if last else 0) + 1,
			**values,
			"sequence": 0,
			"work_order": card.work_order,
			"operation": card.operation,
			"job_card": card.name,
			"sales_order": card.sales_order,
			"item_code": wo.production_item if wo else None,
			"qty": max(flt(card.for_quantity) - flt(card.total_completed_qty), 0),
			"due_date": due,
			"status": "Not Started",
			"kept_in_place": 0,
		}
	).db_insert()


def _recount(schedule: str) -> None:
	rows = frappe.get_all(
		"Daily Schedule Operation",
		filters={"parent": schedule, "parenttype": DAILY},
		fields=["workstation", "status", "kept_in_place"],
	)
	frappe.db.set_value(
		DAILY,
		schedule,
		{
			"operations_count": len(rows),
			"workstations_count": len({r.workstation for r in rows}),
			"in_progress_count": sum(1 for r in rows if cint(r.kept_in_place)),
			"late_count": sum(1 for r in rows if r.status == "Late"),
		},
		update_modified=False,
	)


def _resequence(schedule: str, workstation: str) -> None:
	rows = frappe.get_all(
		"Daily Schedule Operation",
		filters={"parent": schedule, "parenttype": DAILY, "workstation": workstation},
		fields=["name", "sequence"],
		order_by="planned_start asc, idx asc",
	)
	for seq, row in enumerate(rows, start=1):
		if cint(row.sequence) != seq:
			frappe.db.set_value("Daily Schedule Operation", row.name, "sequence", seq, update_modified=False)


def add_indexes():
	"""The Gantt's moves find a workstation's job cards by time (install.after_migrate)."""
	frappe.db.add_index("Job Card", ["workstation", "expected_start_date"])

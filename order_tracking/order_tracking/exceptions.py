"""The order-exception scan (TR-3), which every stage's detectors plug into.

Detectors registered in hooks (`order_exception_detectors`) say which exceptions should be open
for a batch of orders; the scan opens, updates and resolves exactly the kinds its detectors own,
a fixed number of queries per batch whatever its size. The rules (which kinds exist, how a
batch's changes are planned) are in `order_tracking.core.delivery`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.utils import cint, getdate, now_datetime

from order_tracking.core import delivery, stages
from order_tracking.order_tracking.events import EventSpec, insert_events
from order_tracking.order_tracking.settings import get_settings, tracking_paused
from order_tracking.order_tracking.tracking import lock_trackers

ORDER_EXCEPTION = "Order Exception"

# what the app writes on the timeline for exceptions (carrier events: core.delivery.TIMELINE_EVENTS)
EXCEPTION_OPENED = "Exception Opened"
EXCEPTION_RESOLVED = "Exception Resolved"


def exception_detector(*kinds: str) -> Callable:
	"""Declare the exception kinds a detector answers for:

	    @exception_detector("Late Operation")
	    def detect_late_operations(sales_orders: list[str], facts: ScanFacts) -> list[ExceptionSpec]:
	        ...

	and list its dotted path in hooks.py under `order_exception_detectors`. The scan opens the
	exceptions it returns, updates them while they hold and resolves those of its kinds it no
	longer returns."""
	unknown = [k for k in kinds if k not in delivery.KINDS]
	if unknown or not kinds:
		raise ValueError(f"exception kinds must be among {delivery.KINDS}, not {unknown or kinds}")

	def register(fn: Callable) -> Callable:
		fn.exception_kinds = tuple(kinds)
		return fn

	return register


@dataclass
class ScanFacts:
	"""What every detector of a scan batch shares: today, and the locked tracker of each order
	(stage, promised date, ETA, delay, customer, company, what it owes and by when). `cache` lets
	detectors share work."""

	today: date
	trackers: dict[str, frappe._dict]
	cache: dict = field(default_factory=dict)


TRACKER_FIELDS = (
	"name",
	"stage",
	"on_hold",
	"promised_date",
	"eta",
	"delay_days",
	"customer",
	"company",
	"open_exceptions",
	"open_exception_count",
	"currency",
	"payment_status",
	"outstanding_amount",
	"payment_due",
	"open_complaints",
)


def get_detectors(kinds: Iterable[str] | None = None) -> list[Callable]:
	"""The registered detectors (hooks: `order_exception_detectors`), those of `kinds` only."""
	wanted = set(kinds) if kinds else None
	detectors = []
	for path in frappe.get_hooks("order_exception_detectors"):
		fn = frappe.get_attr(path)
		owned = getattr(fn, "exception_kinds", None)
		if not owned:
			frappe.throw(
				_("Exception detector {0} does not declare its kinds (use @exception_detector)").format(path)
			)
		if wanted is None or wanted & set(owned):
			detectors.append(fn)
	return detectors


@dataclass
class ScanResult:
	orders: int = 0
	batches: int = 0
	opened: int = 0
	updated: int = 0
	resolved: int = 0

	def add(self, changes: delivery.ExceptionChanges, opened: int):
		self.opened += opened
		self.updated += len(changes.to_update)
		self.resolved += len(changes.to_resolve)


def enqueue_exception_scan():
	"""Hourly: the scan runs in a background job, never two at once (one job id)."""
	if not cint(get_settings().get("scan_exceptions")) or tracking_paused():
		return None
	return frappe.enqueue(
		"order_tracking.order_tracking.exceptions.scan_order_exceptions",
		queue="long",
		timeout=3600,
		job_id="order_exception_scan",  # Frappe prefixes the site
		deduplicate=True,
	)


def scan_order_exceptions(
	sales_orders: list[str] | None = None,
	kinds: list[str] | None = None,
	batch_size: int | None = None,
	commit: bool = True,
	today: date | None = None,
) -> ScanResult:
	"""Open, update and resolve order exceptions: of `sales_orders`, or of every order being
	watched (committed to and not delivered) or with an exception open; with the detectors of
	`kinds`, or all of them. Safe to run twice and at the same time: each batch locks its orders'
	trackers, and the database allows one unresolved exception per order and kind."""
	from order_tracking.utils import retry_on_deadlock

	detectors = get_detectors(kinds)
	owned = sorted({k for fn in detectors for k in fn.exception_kinds} & set(kinds or delivery.KINDS))
	result = ScanResult()
	if not detectors:
		return result
	today = today or getdate()
	batch_size = batch_size or cint(get_settings().get("exception_batch_size")) or 1000
	for names in _scan_batches(sales_orders, batch_size, today):

		def run(names=names):
			return scan_batch(names, detectors, owned, today)

		changes, opened = retry_on_deadlock(run) if commit else run()
		result.orders += len(names)
		result.batches += 1
		result.add(changes, len(opened))
		if opened:
			notify_opened_exceptions_later(opened)
		if commit:
			# A scheduled job: one commit per batch keeps the trackers' locks short
			frappe.db.commit()  # nosemgrep
	return result


def _scan_batches(sales_orders: list[str] | None, batch_size: int, today: date):
	if sales_orders is not None:
		names = sorted(set(sales_orders))
		for i in range(0, len(names), batch_size):
			yield names[i : i + batch_size]
		return
	tr = frappe.qb.DocType("Order Tracker")
	last = ""
	while True:
		names = (
			frappe.qb.from_(tr)
			.select(tr.name)
			.where(tr.name > last)
			.where(
				tr.stage.isin(delivery.WATCHED_STAGES)
				| (tr.open_exception_count > 0)
				# money owed past its due date, whatever the goods' stage (Overdue Receivable)
				| ((tr.outstanding_amount > 0) & (tr.payment_due < today) & (tr.stage != stages.CANCELLED))
				# a complaint being handled, whose service level may lapse (Complaint SLA Breached)
				| (tr.open_complaints > 0)
			)
			.orderby(tr.name)
			.limit(batch_size)
			.run(pluck=True)
		)
		if not names:
			return
		yield names
		last = names[-1]


def scan_batch(
	names: list[str], detectors: list[Callable], owned: list[str], today: date
) -> tuple[delivery.ExceptionChanges, list[str]]:
	"""One batch: lock the trackers, ask the detectors, write the difference. Returns the changes
	and the names of the exceptions opened."""
	trackers = lock_trackers(names, TRACKER_FIELDS)
	if not trackers:
		return delivery.ExceptionChanges(), []
	facts = ScanFacts(today=today, trackers=trackers)
	wanted: list[delivery.ExceptionSpec] = []
	for fn in detectors:
		for spec in fn(list(trackers), facts) or []:
			if spec.kind not in fn.exception_kinds:
				frappe.throw(
					_("Exception detector {0} returned kind {1}, which it does not declare").format(
						fn.__name__, spec.kind
					)
				)
			if spec.sales_order in trackers:
				wanted.append(spec)
	existing = open_exceptions(list(trackers), owned)
	changes = delivery.plan_exception_changes(wanted, existing, owned)
	opened = write_exception_changes(changes, trackers) if changes else []
	return changes, opened


def open_exceptions(
	sales_orders: list[str], kinds: Iterable[str] | None = None
) -> list[delivery.OpenException]:
	oe = frappe.qb.DocType(ORDER_EXCEPTION)
	query = (
		frappe.qb.from_(oe)
		.select(
			oe.name,
			oe.kind,
			oe.sales_order,
			oe.status,
			oe.detail,
			oe.owner_role,
			oe.reference_doctype,
			oe.reference_name,
		)
		.where(oe.sales_order.isin(sales_orders) & (oe.open_key == delivery.OPEN_KEY))
	)
	if kinds is not None:
		query = query.where(oe.kind.isin(list(kinds) or [""]))
	return [
		delivery.OpenException(
			r.name,
			r.kind,
			r.sales_order,
			r.status,
			r.detail or "",
			r.owner_role,
			r.reference_doctype,
			r.reference_name,
		)
		for r in query.run(as_dict=True)
	]


def write_exception_changes(
	changes: delivery.ExceptionChanges, trackers: dict[str, frappe._dict]
) -> list[str]:
	"""Write a batch's changes with a fixed number of queries: insert the new ones at once (a
	concurrent writer's row wins on the unique key), update and resolve the others at once, write
	their timeline events at once, and refresh the trackers' exception summary."""
	now = now_datetime()
	opened: list[str] = []
	events: list[tuple] = []
	if changes.to_open:
		opened = _insert_opened(changes, trackers, now, events)
	if changes.to_update:
		_update_held(changes, now)
	if changes.to_resolve:
		_resolve_gone(changes, now, events)
	if events and not tracking_paused():
		insert_exception_events(events, trackers, now)
	sync_tracker_exceptions(changes.orders())
	return opened


def _insert_opened(
	changes: delivery.ExceptionChanges, trackers: dict[str, frappe._dict], now: datetime, events: list[tuple]
) -> list[str]:
	"""Insert the exceptions to open in one query; returns those this batch opened (a concurrent
	scan's row wins on the unique key) and adds their timeline events to `events`."""
	user = frappe.session.user
	rows = []
	by_name = {}
	for spec in changes.to_open:
		name = frappe.generate_hash(length=10)
		by_name[name] = spec
		t = trackers.get(spec.sales_order) or frappe._dict()
		rows.append(
			(
				name,
				now,
				now,
				user,
				user,
				spec.kind,
				spec.sales_order,
				t.customer,
				spec.owner_role,
				delivery.OPEN,
				now,
				now.date(),
				spec.detail,
				spec.reference_doctype,
				spec.reference_name,
				delivery.OPEN_KEY,
			)
		)
	frappe.db.bulk_insert(
		ORDER_EXCEPTION,
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"kind",
			"sales_order",
			"customer",
			"owner_role",
			"status",
			"opened_at",
			"opened_on",
			"detail",
			"reference_doctype",
			"reference_name",
			"open_key",
		],
		rows,
		ignore_duplicates=True,
	)
	opened = frappe.get_all(ORDER_EXCEPTION, filters={"name": ("in", list(by_name))}, pluck="name")
	for name in opened:
		spec = by_name[name]
		events.append((spec.sales_order, EXCEPTION_OPENED, name, _exception_remarks(spec.kind, spec.detail)))
	return opened


def _update_held(changes: delivery.ExceptionChanges, now: datetime):
	"""The exceptions that still hold get their new detail, owner and reference (one query)."""
	oe = frappe.qb.DocType(ORDER_EXCEPTION)
	names = [old.name for old, _new in changes.to_update]

	def case(attr):
		expression = Case()
		for old, new in changes.to_update:
			expression = expression.when(oe.name == old.name, getattr(new, attr))
		return expression

	(
		frappe.qb.update(oe)
		.set(oe.detail, case("detail"))
		.set(oe.owner_role, case("owner_role"))
		.set(oe.reference_doctype, case("reference_doctype"))
		.set(oe.reference_name, case("reference_name"))
		.set(oe.modified, now)
		.where(oe.name.isin(names) & (oe.open_key == delivery.OPEN_KEY))
		.run()
	)


def _resolve_gone(changes: delivery.ExceptionChanges, now: datetime, events: list[tuple]):
	"""The exceptions whose condition no longer holds are resolved (one query); their timeline
	events go to `events`."""
	user = frappe.session.user
	oe = frappe.qb.DocType(ORDER_EXCEPTION)
	names = [e.name for e in changes.to_resolve]
	(
		frappe.qb.update(oe)
		.set(oe.status, delivery.RESOLVED)
		.set(oe.open_key, oe.name)
		.set(oe.resolved_at, now)
		.set(oe.modified, now)
		.set(oe.modified_by, user)
		.set(oe.resolution, _("Resolved by itself: the condition no longer holds"))
		.where(oe.name.isin(names) & (oe.open_key == delivery.OPEN_KEY))
		.run()
	)
	for e in changes.to_resolve:
		events.append((e.sales_order, EXCEPTION_RESOLVED, e.name, _exception_remarks(e.kind, "")))


def _exception_remarks(kind: str, detail: str) -> str:
	label = _(kind, context="Order Exception")
	return f"{label}: {detail}" if detail else label


def insert_exception_events(events: list[tuple], trackers: dict[str, frappe._dict], at: datetime):
	"""Timeline events (sales_order, event, exception, remarks) in one insert."""
	specs = []
	for so, event, exception, remarks in events:
		t = trackers.get(so) or frappe._dict()
		specs.append(
			EventSpec(
				so,
				t.stage or stages.APPROVED,
				event,
				ORDER_EXCEPTION,
				exception,
				at=at,
				source="Job",
				remarks=remarks,
			)
		)
	# the events name the order's customer, no currency (they carry no amount)
	customers = {so: {"customer": t.customer} for so, t in trackers.items()}
	insert_events(specs, customers, bulk=True)


def sync_tracker_exceptions(sales_orders: Iterable[str]):
	"""The trackers of these orders show their open exceptions and their latest event (three
	queries whatever the number of orders)."""
	from order_tracking.order_tracking.tracking import latest_events

	names = sorted(set(sales_orders))
	if not names:
		return
	kinds: dict[str, list[str]] = defaultdict(list)
	for e in open_exceptions(names):
		kinds[e.sales_order].append(e.kind)
	last = latest_events(names)
	tr = frappe.qb.DocType("Order Tracker")
	summary = {n: ", ".join(k for k in delivery.KINDS if k in kinds.get(n, ())) or None for n in names}
	counts = {n: len(kinds.get(n, ())) for n in names}
	query = (
		frappe.qb.update(tr)
		.set(tr.open_exceptions, _case(tr, summary, None))
		.set(tr.open_exception_count, _case(tr, counts, 0))
		.where(tr.name.isin(names))
	)
	if last:
		labels = {
			n: e.event
			if not e.reference_doctype or e.reference_doctype == "Sales Order"
			else f"{e.reference_doctype}: {e.event}"
			for n, e in last.items()
		}
		query = (
			query.set(tr.last_event, _case(tr, {n: e.name for n, e in last.items()}, tr.last_event))
			.set(tr.last_event_label, _case(tr, labels, tr.last_event_label))
			.set(tr.last_event_at, _case(tr, {n: e.occurred_at for n, e in last.items()}, tr.last_event_at))
		)
	query.run()


def _case(tr, values: dict, default):
	"""`CASE name WHEN … THEN … ELSE default END` for a one-query update of many rows."""
	expression = Case()
	for name, value in values.items():
		expression = expression.when(tr.name == name, value)
	return expression.else_(default)


# ------------------------------------------------------------------------------ notifications


def notify_opened_exceptions_later(names: list[str]):
	"""The owning role hears of each opened exception through Frappe's Notification (System
	Notification), in a background job after the scan's commit (at once in tests)."""
	frappe.enqueue(
		"order_tracking.order_tracking.exceptions.notify_opened_exceptions",
		names=names,
		queue="short",
		now=bool(frappe.flags.in_test),
		enqueue_after_commit=not frappe.flags.in_test,
	)


def notify_opened_exceptions(names: list[str]):
	"""Run the Notifications set for new Order Exceptions (the app's *Order Exception Opened*
	and any the site added) on exceptions the scan inserted in bulk."""
	for name in names:
		if not frappe.db.exists(ORDER_EXCEPTION, {"name": name, "open_key": delivery.OPEN_KEY}):
			continue
		doc = frappe.get_doc(ORDER_EXCEPTION, name)
		doc.run_notifications("after_insert")


# ------------------------------------------------------------------------------ formatting


def format_qty(value: float) -> str:
	"""A quantity as people write it: no trailing zeros."""
	return frappe.format(value, {"fieldtype": "Float", "precision": 3}).rstrip("0").rstrip(".")

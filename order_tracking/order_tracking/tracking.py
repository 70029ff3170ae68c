"""Order timeline and tracker: gather an order's facts from ERPNext, derive its state in
`order_tracking.core.tracking`, and store it.

Everything here works on a batch of Sales Orders with a fixed number of queries, whatever the
number of orders, lines or documents: the same code serves one document hook and the backfill.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

import frappe
from frappe.query_builder.functions import Max, Min
from frappe.utils import cint, get_datetime, getdate, now_datetime

from order_tracking.core import quality, stages
from order_tracking.core.tracking import (
	OrderState,
	carry_stage_dates,
	derive_order_state,
	stage_dates,
)
from order_tracking.order_tracking.events import EventSpec, insert_events
from order_tracking.order_tracking.order_facts import OrderFacts, gather_order_facts
from order_tracking.order_tracking.settings import get_settings
from order_tracking.utils import after_commit_for


def compute_order_states(facts: dict[str, OrderFacts], today: date | None = None) -> dict[str, OrderState]:
	today = today or getdate()
	transit_days = cint(get_settings().transit_days)
	return {
		name: derive_order_state(f.header, f.progress, today=today, transit_days=transit_days)
		for name, f in facts.items()
	}


def latest_events(names: list[str]) -> dict[str, frappe._dict]:
	"""The latest event of each order (by time, then by insertion)."""
	ev = frappe.qb.DocType("Order Event")
	latest = (
		frappe.qb.from_(ev)
		.select(ev.sales_order, Max(ev.occurred_at).as_("occurred_at"))
		.where(ev.sales_order.isin(names))
	).groupby(ev.sales_order)
	rows = (
		frappe.qb.from_(ev)
		.join(latest)
		.on((latest.sales_order == ev.sales_order) & (latest.occurred_at == ev.occurred_at))
		.select(ev.name, ev.sales_order, ev.event, ev.reference_doctype, ev.occurred_at)
		.orderby(ev.name)
		.run(as_dict=True)
	)
	return {r.sales_order: r for r in rows}  # the highest name at the latest time wins


# the tracker's field for the date each progress stage was reached (core.stages)
STAGE_DATE_FIELDS = stages.STAGE_DATE_FIELDS


def _stage_events(names: list[str]) -> tuple[dict[str, dict], dict[str, dict]]:
	"""The first and the last event of each stage of each order (cancellations aside)."""
	ev = frappe.qb.DocType("Order Event")
	rows = (
		frappe.qb.from_(ev)
		.select(ev.sales_order, ev.stage, Min(ev.occurred_at), Max(ev.occurred_at))
		.where(ev.sales_order.isin(names) & (ev.is_cancellation == 0))
		.groupby(ev.sales_order, ev.stage)
		.run()
	)
	first: dict[str, dict[str, datetime]] = defaultdict(dict)
	last: dict[str, dict[str, datetime]] = defaultdict(dict)
	for so, stage, earliest, latest in rows:
		first[so][stage] = get_datetime(earliest)
		last[so][stage] = get_datetime(latest)
	return first, last


def refresh_trackers(
	sales_orders: Iterable[str], today: date | None = None, facts: dict[str, OrderFacts] | None = None
) -> dict[str, OrderState]:
	"""Recompute and store the tracker of each order; mirror the stage on the Sales Order.
	`facts` already gathered for these orders are used as they are."""
	facts = gather_order_facts(sales_orders) if facts is None else facts
	if not facts:
		return {}
	states = compute_order_states(facts, today)
	names = list(facts)
	last_events = latest_events(names)
	first_of_stage, last_of_stage = _stage_events(names)
	existing = {
		t.name: t
		for t in frappe.get_all(
			"Order Tracker",
			filters={"name": ("in", names)},
			# quality_operations: the operations' quality figures (order_tracking.quality), no query more
			fields=[
				"name",
				"stage",
				"eta",
				"refreshed_at",
				"quality_operations",
				*STAGE_DATE_FIELDS.values(),
			],
		)
	}
	refresh_again_if_read_stale(existing)
	now = now_datetime()
	refreshed = []
	for name, state in states.items():
		values = tracker_values(facts[name], state, last_events.get(name))
		values["refreshed_at"] = now
		stored = existing.get(name)
		dates = carry_stage_dates(
			{stage: stored.get(field) for stage, field in STAGE_DATE_FIELDS.items()} if stored else None,
			stored.stage if stored else None,
			state.stage,
			get_datetime(last_events[name].occurred_at) if name in last_events else now,
			stage_dates(first_of_stage.get(name, {}), state.stage, last_of_stage.get(name, {})),
		)
		for stage, at in dates.items():
			values[STAGE_DATE_FIELDS[stage]] = at
		if name in existing:
			frappe.db.set_value("Order Tracker", name, values)
		else:
			tracker = frappe.get_doc({"doctype": "Order Tracker", "sales_order": name, **values})
			tracker.name = name
			tracker.db_insert()
		if facts[name].info.get("order_stage") != state.stage:
			frappe.db.set_value("Sales Order", name, "order_stage", state.stage, update_modified=False)
		refreshed.append((name, stored, values))
	_write_operations(facts, now, existing)
	# other modules compare a tracker as it was with what was just stored (customer e-mails)
	for handler in frappe.get_hooks("order_trackers_refreshed"):
		frappe.get_attr(handler)(refreshed)
	return states


def refresh_again_if_read_stale(existing: dict[str, frappe._dict]) -> None:
	"""Lock the trackers about to be written and compare each with what this transaction's
	snapshot showed. Under REPEATABLE READ a request's snapshot starts at its first read, so a
	writer that committed since (a Delivery Note's submit while a carrier event waited for its
	lock) left facts this refresh cannot see: its tracker would be written from older facts than
	the one it overwrites. Those trackers are refreshed again after this commit, in a transaction
	that locks them before reading anything (so it sees every writer before it)."""
	if not existing or frappe.flags.order_tracking_fresh_refresh:
		return
	latest = lock_trackers(existing, ("name", "refreshed_at"))
	stale = [n for n, row in existing.items() if n in latest and latest[n].refreshed_at != row.refreshed_at]
	after_commit_for("order_tracking_refresh_after_commit", stale, refresh_afresh)


def refresh_afresh(names: list[str]) -> None:
	"""After the request's commit: lock, then read and refresh, then commit."""
	frappe.flags.order_tracking_fresh_refresh = True
	try:
		lock_trackers_afresh(names)
		refresh_trackers(names)
		frappe.db.commit()  # nosemgrep (after the request's commit: its own transaction)
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title="Order Tracking: tracker refresh after commit")
	finally:
		frappe.flags.order_tracking_fresh_refresh = False


TRACKER_OPERATION_FIELDS = (
	"work_order",
	"operation",
	"workstation",
	"qty",
	"completed_qty",
	"completed_pct",
	"planned_end",
	"status",
)


def _write_operations(facts: dict[str, OrderFacts], now: datetime, trackers: dict | None = None):
	"""The trackers' per-operation progress: replaced whole (one delete, one insert per batch), with
	each operation's quality figures as the tracker stores them (`quality_operations`)."""
	names = list(facts)
	with_rows = [n for n in names if facts[n].info.get("operations")]
	if not with_rows and not frappe.db.exists("Order Tracker Operation", {"parent": ("in", names)}):
		return
	frappe.db.delete("Order Tracker Operation", {"parent": ("in", names), "parenttype": "Order Tracker"})
	values = []
	for name in with_rows:
		stored = (trackers or {}).get(name)
		op_quality = quality.decode_operation_quality(stored.get("quality_operations") if stored else None)
		for idx, op in enumerate(facts[name].info["operations"], start=1):
			figures = op_quality.get((op["work_order"], op["operation"]), {})
			values.append(
				(
					frappe.generate_hash(length=10),
					name,
					"Order Tracker",
					"operations",
					idx,
					now,
					now,
					*(op[f] for f in TRACKER_OPERATION_FIELDS),
					*(figures.get(f, 0) for f in quality.OPERATION_QUALITY_FIELDS),
				)
			)
	if values:
		frappe.db.bulk_insert(
			"Order Tracker Operation",
			(
				"name",
				"parent",
				"parenttype",
				"parentfield",
				"idx",
				"creation",
				"modified",
				*TRACKER_OPERATION_FIELDS,
				*quality.OPERATION_QUALITY_FIELDS,
			),
			values,
		)


def tracker_values(facts: OrderFacts, state: OrderState, last_event=None) -> dict:
	values = {
		**{
			k: facts.info.get(k)
			for k in ("customer", "customer_name", "company", "order_intake", "currency", "item_groups")
		},
		"transaction_date": facts.info.get("transaction_date"),
		"stage": state.stage,
		"on_hold": int(state.on_hold),
		"is_delayed": int(state.delay_days > 0),
		"promised_date": state.promised_date,
		"eta": state.eta,
		"delay_days": state.delay_days,
		"ordered_qty": state.ordered_qty,
		"manufacture_qty": state.manufacture_qty,
		"produced_qty": state.produced_qty,
		"produced_pct": state.produced_pct,
		"shipped_qty": state.shipped_qty,
		"shipped_pct": state.shipped_pct,
		"delivered_qty": state.delivered_qty,
		"delivered_pct": state.delivered_pct,
		"grand_total": state.grand_total,
		"billed_amount": state.billed_amount,
		"billed_pct": state.billed_pct,
		"paid_amount": state.paid_amount,
		"paid_pct": state.paid_pct,
		"outsourced_qty": state.outsourced_qty,
		"outsourced_returned_qty": state.outsourced_returned_qty,
		"returned_qty": state.returned_qty,
		"outstanding_amount": state.outstanding_amount,
		"payment_status": state.payment_status,
		"payment_due": state.payment_due,
		"order_plan": facts.info.get("order_plan"),
		"planned_start": facts.info.get("planned_start"),
		"planned_end": facts.info.get("planned_end"),
		"last_event": None,
		"last_event_label": None,
		"last_event_at": None,
	}
	if last_event:
		values.update(
			last_event=last_event.name,
			last_event_label=last_event.event
			if not last_event.reference_doctype or last_event.reference_doctype == "Sales Order"
			else f"{last_event.reference_doctype}: {last_event.event}",
			last_event_at=last_event.occurred_at,
		)
	return values


def record_events(
	specs: list[EventSpec], facts: dict[str, OrderFacts] | None = None
) -> dict[str, OrderState]:
	"""Write events and refresh the trackers of the orders they belong to. The orders' facts are
	gathered once (events do not change them) and serve both the events and the trackers."""
	specs = [s for s in specs if s.sales_order]
	if not specs:
		return {}
	deferred = frappe.flags.order_tracking_deferred_orders
	if deferred is not None and facts is None:
		# a batch (an Order Plan making its work orders) refreshes its orders' trackers once at the end
		orders = {
			r.name: r
			for r in frappe.get_all(
				"Sales Order",
				filters={"name": ("in", list({s.sales_order for s in specs}))},
				fields=["name", "customer", "currency"],
			)
		}
		written = [spec for spec in specs if spec.sales_order in orders]
		insert_events(written, orders)
		deferred.update(spec.sales_order for spec in written)
		return {}
	facts = gather_order_facts({s.sales_order for s in specs}) if facts is None else facts
	insert_events(
		[spec for spec in specs if facts.get(spec.sales_order)],
		{name: order.info for name, order in facts.items()},
	)
	return refresh_trackers(facts, facts=facts)


@contextmanager
def one_refresh(also: Iterable[str] = ()) -> Iterator[set[str]]:
	"""Within this block events are written as they come but trackers are refreshed once, at the
	end, for every order touched (one document action that submits several ERPNext documents
	would otherwise refresh the same tracker after each). Nested blocks join the outer one; an
	error skips the refresh (the transaction is rolled back anyway)."""
	if frappe.flags.order_tracking_deferred_orders is not None:
		frappe.flags.order_tracking_deferred_orders.update(also)
		yield frappe.flags.order_tracking_deferred_orders
		return
	deferred = frappe.flags.order_tracking_deferred_orders = set(also)
	try:
		yield deferred
	finally:
		frappe.flags.order_tracking_deferred_orders = None
	if deferred:
		refresh_trackers(deferred)


def delete_order_trail(sales_order: str) -> None:
	"""Remove the tracker and events of a Sales Order that is being deleted."""
	frappe.db.delete("Order Event", {"sales_order": sales_order})
	frappe.db.delete("Order Tracker", {"name": sales_order})


def lock_trackers(
	sales_orders: Iterable[str], fields: tuple[str, ...] = ("name",)
) -> dict[str, frappe._dict]:
	"""Lock the trackers of these orders (in name order: no deadlock between two lockers), so
	that the facts read afterwards are the latest committed ones."""
	names = sorted(set(sales_orders))
	if not names:
		return {}
	tr = frappe.qb.DocType("Order Tracker")
	rows = (
		frappe.qb.from_(tr)
		.select(*(tr[f] for f in fields))
		.where(tr.name.isin(names))
		.orderby(tr.name)
		.for_update()
		.run(as_dict=True)
	)
	return {r.name: r for r in rows}


def lock_trackers_afresh(names: list[str]) -> None:
	"""For a background job refreshing many trackers while documents change: end the transaction
	(nothing is written in it yet), then lock the batch's trackers before reading any fact. Under
	REPEATABLE READ the facts are then read after every writer that held a tracker committed, and
	a writer coming later waits for this batch and writes after it — never a tracker computed from
	facts older than the one it overwrites."""
	frappe.db.commit()  # nosemgrep — a new transaction, so its snapshot starts after the locks
	t = frappe.qb.DocType("Order Tracker")
	frappe.qb.from_(t).select(t.name).where(t.name.isin(names)).for_update().run()


def refresh_open_trackers(batch_size: int = 500, commit: bool = True) -> int:
	"""Daily: ETA and delay move with the calendar. Refresh every order not yet delivered
	(committing per batch unless the caller owns the transaction)."""
	done_stages = (stages.DELIVERED, stages.BILLED, stages.PAID, stages.CLOSED, stages.CANCELLED)
	count = 0
	last = ""
	while True:
		names = frappe.get_all(
			"Order Tracker",
			filters={"stage": ("not in", done_stages), "name": (">", last)},
			order_by="name asc",
			limit=batch_size,
			pluck="name",
		)
		if not names:
			return count
		if commit:
			lock_trackers_afresh(names)
		refresh_trackers(names)
		count += len(names)
		last = names[-1]
		if commit:
			# A scheduled job, one commit per batch keeps locks short
			frappe.db.commit()  # nosemgrep

"""Small helpers shared by the app's modules."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import frappe
from frappe import _

T = TypeVar("T")


def retry_on_deadlock(fn: Callable[[], T], attempts: int = 3) -> T:
	"""Run `fn`, and again when MariaDB chose its transaction as a deadlock victim.

	InnoDB rolls the victim's whole transaction back, so a retry is only safe when the transaction
	held nothing of the caller's: `fn` is retried only if nothing had been written before it
	started (as at the start of a request); otherwise the deadlock goes up to the caller. Two
	concurrent first inserts of a naming series, for example, deadlock on Frappe's `tabSeries` row.
	"""
	clean = not frappe.db.transaction_writes
	for attempt in range(1, attempts + 1):
		try:
			return fn()
		except frappe.QueryDeadlockError:
			if not clean or attempt == attempts:
				raise
			frappe.db.rollback()
			frappe.clear_messages()
			frappe.local.response.pop("http_status_code", None)
			time.sleep(random.uniform(0.02, 0.1) * attempt)  # nosemgrep: jitter, not security
	raise AssertionError("unreachable")


def check_fetched_links(doc) -> None:
	"""Refuse a link to a record that does not exist, on the document and its rows.

	Frappe 15 skips its own check of a Link field when other fields fetch from it and the record
	is missing (`get_invalid_links` reads the fetched values and, finding no row, neither sets them
	nor reports the link), so a dangling supplier, order or item would be saved and fail later, far
	from its cause. One query per linked DocType, whatever the number of rows.
	"""
	wanted: dict[str, set[str]] = {}
	checks: list[tuple[object, object, str]] = []
	for row in [doc, *doc.get_all_children()]:
		meta = frappe.get_meta(row.doctype)
		for df in meta.get_link_fields():
			value = row.get(df.fieldname)
			if value and meta.get_fields_to_fetch(df.fieldname):
				wanted.setdefault(df.options, set()).add(value)
				checks.append((row, df, value))
	if not checks:
		return
	found = {
		doctype: {
			n.casefold() for n in frappe.get_all(doctype, filters={"name": ("in", list(names))}, pluck="name")
		}
		for doctype, names in wanted.items()
	}
	for row, df, value in checks:
		if value.casefold() not in found[df.options]:
			label = _(df.label, context=df.parent)
			message = _("{0}: {1} does not exist").format(label, frappe.bold(value))
			if row.get("parentfield"):
				message = _("Row {0}: {1}").format(row.idx, message)
			frappe.throw(
				message, exc=frappe.LinkValidationError, title=_("Unknown {0}").format(_(df.options))
			)


def after_commit_for(flag: str, names, run: Callable[[list[str]], None]) -> None:
	"""Collect `names` under `frappe.flags[flag]` for the rest of this transaction and call
	`run(sorted names)` once after it commits (nothing when it rolls back): one follow-up for
	everything a request touched."""
	names = {n for n in names if n}
	if not names:
		return
	pending = frappe.flags.get(flag)
	if pending is None:
		pending = frappe.flags[flag] = set()

		def flush():
			collected = sorted(frappe.flags.get(flag) or ())
			frappe.flags[flag] = None
			if collected:
				run(collected)

		def forget():
			frappe.flags[flag] = None

		frappe.db.after_commit.add(flush)
		frappe.db.after_rollback.add(forget)
	pending.update(names)

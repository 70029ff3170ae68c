"""Small helpers shared by the app's modules."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import frappe

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

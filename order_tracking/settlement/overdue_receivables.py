"""Overdue receivables (ST-1): `detect_overdue_receivables`, a detector of the hourly exception
scan, opens an *Overdue Receivable* Order Exception for the Settlement Accountant when an order's
money is past its due date plus the grace in Settings, and resolves it once paid — at once, when
the Payment Entry that pays it is submitted (`on_payment_entry_submit`); a cancelled payment opens
it again at the next scan."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, flt, fmt_money, getdate

from order_tracking.core import stages
from order_tracking.core.delivery import OVERDUE_RECEIVABLE, ExceptionSpec
from order_tracking.core.settlement import receivable_overdue_days
from order_tracking.order_tracking.events import document_events
from order_tracking.order_tracking.exceptions import (
	ScanFacts,
	exception_detector,
	open_exceptions,
	scan_order_exceptions,
)
from order_tracking.order_tracking.settings import get_settings, tracking_paused


@exception_detector(OVERDUE_RECEIVABLE)
def detect_overdue_receivables(sales_orders: list[str], facts: ScanFacts) -> list[ExceptionSpec]:
	"""Orders whose invoices still await money past their due date plus Settings' grace days
	(`receivable_overdue_days`), when Settings say to remind of overdue receivables: an *Overdue
	Receivable* exception for the Settlement Accountant, resolved once the money is in. From the
	trackers alone: no query."""
	settings = get_settings()
	if not cint(settings.get("remind_overdue_receivables")):
		return []
	grace = cint(settings.get("receivable_grace_days"))
	specs = []
	for so in sales_orders:
		t = facts.trackers[so]
		if t.stage == stages.CANCELLED:
			continue
		due = getdate(t.payment_due) if t.payment_due else None
		days = receivable_overdue_days(t.payment_status, flt(t.outstanding_amount), due, facts.today, grace)
		if days is None:
			continue
		specs.append(
			ExceptionSpec(
				OVERDUE_RECEIVABLE,
				so,
				_("{0} outstanding, due on {1} ({2} days overdue)").format(
					fmt_money(flt(t.outstanding_amount), currency=t.currency),
					frappe.format(due, {"fieldtype": "Date"}),
					days,
				),
				reference_doctype="Sales Order",
				reference_name=so,
			)
		)
	return specs


def on_payment_entry_submit(doc, method=None):
	"""`Payment Entry` on_submit, after the trackers took the payment in: the orders it pays that
	have an *Overdue Receivable* open are scanned for that kind alone, so the exception resolves
	now (or states what is still owed) instead of at the next hourly scan. One query when none is
	open."""
	if tracking_paused() or frappe.flags.order_tracking_deferred_orders is not None:
		return  # trackers refreshed later (a batch): the hourly scan resolves it
	orders = sorted({spec.sales_order for spec in document_events(doc) if spec.sales_order})
	if not orders:
		return
	owing = sorted({e.sales_order for e in open_exceptions(orders, [OVERDUE_RECEIVABLE])})
	if owing:
		# within the payment's own transaction: no commit, rolled back with it
		scan_order_exceptions(owing, kinds=[OVERDUE_RECEIVABLE], commit=False)

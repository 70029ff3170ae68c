"""The KPI reports select a company's orders by order date: index it on sites whose Order Tracker
was installed before `on_doctype_update` asked for the index (it runs only when the doctype is
synced again)."""

from order_tracking.order_tracking.doctype.order_tracker.order_tracker import on_doctype_update


def execute():
	on_doctype_update()

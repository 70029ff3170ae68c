"""Moved (issue 19): carriers.py, carrier_events.py, dispatch.py, delivery_exceptions.py, status.py;
the exception-scan framework to order_tracking.order_tracking.exceptions. Kept while other modules
switch their imports."""

from order_tracking.order_tracking.exceptions import ScanFacts, exception_detector, format_qty

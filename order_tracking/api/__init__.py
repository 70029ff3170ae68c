"""Whitelisted REST methods of order_tracking. Thin: check permission, call, return.

- `order_tracking.api.intake.submit_order` (POST): take an order from any channel.
- `order_tracking.api.intake.convert_intake` (POST): turn a corrected intake into a Sales Order.
- `order_tracking.api.tracking.get_order_status` (GET): where an order stands, with its timeline.
"""

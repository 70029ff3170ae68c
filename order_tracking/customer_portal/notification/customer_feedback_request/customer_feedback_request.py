from order_tracking.customer_portal.notifications import notification_context


def get_context(context):
	"""What the hook knew about the event: see `customer_portal.notifications`."""
	return notification_context(context)

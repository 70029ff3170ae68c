def get_context(context):
	"""Nothing to add: the message uses the exception (`doc`) alone."""

"""Pure logic of order_tracking.

Nothing in this package imports frappe: every function takes plain data (dataclasses, dicts,
dates) and returns plain data, so it can be tested and benchmarked without a site. The
controllers and hooks gather the data, call in here and store the result.
"""

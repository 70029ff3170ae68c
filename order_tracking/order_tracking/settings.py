"""Order Tracking Settings as every module reads them: once per request or job."""

from __future__ import annotations

import frappe
from frappe.utils import cint

SETTINGS = "Order Tracking Settings"


def get_settings():
	"""Order Tracking Settings, read from the database once per request (or job) and kept for it.

	Not from Frappe's shared document cache: a request whose transaction began before a save
	reads the old values from its snapshot and, its cache entry just cleared by that save, would
	put them back in Redis for every request after it. Kept under the document's cache key in
	the request's own cache, so that a save in this request (`clear_document_cache`) drops it."""
	key = frappe.cache.make_key(frappe.get_document_cache_key(SETTINGS, SETTINGS))
	settings = frappe.local.cache.get(key)
	if settings is None:
		settings = frappe.local.cache[key] = frappe.get_single(SETTINGS)
	return settings


def tracking_paused() -> bool:
	return bool(cint(get_settings().pause_tracking))

"""What the settlement features share: their error and the app's own links that never stop them
cancelling what they made."""

from __future__ import annotations

import frappe

# the app's own records never stop it cancelling what it made
OWN_LINKS = (
	"Supplier Statement",
	"Order Return",
	"Order Tracker",
	"Outsourcing Receipt",
	"Outsourcing Order",
)


class SettlementError(frappe.ValidationError):
	pass

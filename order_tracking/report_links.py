"""Link columns of the app's script reports for the user who runs them.

Frappe 15 filters a script report's rows by the user's match conditions on every doctype a Link
column points to, and refuses the whole report ("No permission to read Workstation") when the
user cannot read one of them. The desk browser suite found Plan Attainment refused to an Order
Reviewer (Workstation) and Outsourcing Status to a Settlement Accountant (Operation, Work Order),
both roles the reports are for. A column of a doctype the user cannot read is shown as text."""

import frappe


def readable_links(columns: list[dict]) -> list[dict]:
	"""`columns` with each Link the user may not read turned into a Data column of the same name."""
	out = []
	for column in columns:
		if column.get("fieldtype") == "Link" and not frappe.has_permission(column["options"], "read"):
			column = {k: v for k, v in column.items() if k != "options"} | {"fieldtype": "Data"}
		out.append(column)
	return out

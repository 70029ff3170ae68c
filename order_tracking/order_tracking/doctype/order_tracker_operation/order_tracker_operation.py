# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class OrderTrackerOperation(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		completed_pct: DF.Percent
		completed_qty: DF.Float
		first_pass_yield: DF.Percent
		inspected_qty: DF.Float
		operation: DF.Link | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		planned_end: DF.Datetime | None
		process_loss_qty: DF.Float
		qty: DF.Float
		rejected_qty: DF.Float
		status: DF.Literal["Pending", "In Progress", "Completed", "Late"]
		work_order: DF.Link | None
		workstation: DF.Link | None
	# end: auto-generated types
	pass

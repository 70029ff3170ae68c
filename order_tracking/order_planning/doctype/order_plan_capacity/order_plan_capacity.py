# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class OrderPlanCapacity(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		bucket: DF.Data | None
		bucket_end: DF.Date | None
		bucket_start: DF.Date | None
		capacity_hours: DF.Float
		committed_hours: DF.Float
		over_capacity: DF.Check
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		planned_hours: DF.Float
		reserved_hours: DF.Float
		utilisation_pct: DF.Percent
		workstation: DF.Link | None
	# end: auto-generated types
	pass

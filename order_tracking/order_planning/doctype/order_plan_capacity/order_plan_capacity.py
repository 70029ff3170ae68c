# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

from frappe.model.document import Document


class OrderPlanCapacity(Document):
	pass

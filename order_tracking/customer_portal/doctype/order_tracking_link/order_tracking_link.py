# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document
from frappe.utils import now_datetime

from order_tracking.core import portal
from order_tracking.utils import check_fetched_links


class OrderTrackingLink(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		customer: DF.Link | None
		revoked: DF.Check
		revoked_on: DF.Datetime | None
		sales_order: DF.Link
		token: DF.Data | None
	# end: auto-generated types

	def before_insert(self):
		self.token = portal.new_token()
		self.revoked = 0

	def validate(self):
		check_fetched_links(self)
		self.customer = frappe.db.get_value("Sales Order", self.sales_order, "customer")
		if self.revoked and not self.revoked_on:
			self.revoked_on = now_datetime()

	def revoke(self):
		"""The link answers 404 from now on (a revoked link is never restored)."""
		self.revoked = 1
		self.flags.ignore_permissions = True  # callers check the order's rights
		self.save()

	def before_save(self):
		if not self.is_new() and self.get_doc_before_save() and self.get_doc_before_save().revoked:
			self.revoked = 1

# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import re

import frappe
from frappe import _
from frappe.model.document import Document

MIN_SECRET_LENGTH = 16


class LogisticsCarrierError(frappe.ValidationError):
	pass


class LogisticsCarrier(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		carrier_name: DF.Data
		enabled: DF.Check
		tracking_url_template: DF.Data | None
		waybill_pattern: DF.Data | None
		webhook_secret: DF.Password
		webhook_url: DF.Data | None
		website: DF.Data | None
	# end: auto-generated types
	"""A third-party carrier: how its waybills look, where its tracking page is, and the secret
	its signed events are checked with (see `order_tracking.api.carrier.receive_event`)."""

	def validate(self):
		self.carrier_name = (self.carrier_name or "").strip()
		self.validate_waybill_pattern()
		self.validate_tracking_url_template()
		self.validate_webhook_secret()
		self.set_webhook_url()

	def validate_waybill_pattern(self):
		if not self.waybill_pattern:
			return
		try:
			re.compile(self.waybill_pattern)
		except re.error as e:
			frappe.throw(
				_("Waybill Pattern {0} is not a valid regular expression: {1}").format(
					frappe.bold(self.waybill_pattern), e
				),
				exc=LogisticsCarrierError,
				title=_("Invalid Waybill Pattern"),
			)

	def validate_tracking_url_template(self):
		template = (self.tracking_url_template or "").strip()
		if not template:
			return
		if "{waybill}" not in template or not template.startswith(("https://", "http://")):
			frappe.throw(
				_("Tracking Page must be a web address with {0} where the waybill goes").format("{waybill}"),
				exc=LogisticsCarrierError,
				title=_("Invalid Tracking Page"),
			)
		self.tracking_url_template = template

	def validate_webhook_secret(self):
		secret = self.webhook_secret or ""
		if secret and not self.is_dummy_password(secret) and len(secret) < MIN_SECRET_LENGTH:
			frappe.throw(
				_("Webhook Secret must have at least {0} characters").format(MIN_SECRET_LENGTH),
				exc=LogisticsCarrierError,
				title=_("Secret Too Short"),
			)

	def set_webhook_url(self):
		from order_tracking.delivery.carriers import webhook_url

		self.webhook_url = webhook_url()

	def on_update(self):
		frappe.clear_document_cache(self.doctype, self.name)

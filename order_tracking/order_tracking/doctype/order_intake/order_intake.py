# Copyright (c) 2026, order_tracking developers
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.query_builder import Case
from frappe.utils import cint, flt, getdate, now_datetime

from order_tracking.core import intake as intake_core
from order_tracking.core import intake_prices
from order_tracking.order_tracking import intake as intake_module
from order_tracking.order_tracking.settings import get_settings
from order_tracking.utils import check_fetched_links

STATUS_NEW = "New"
STATUS_REJECTED = "Rejected"
STATUS_CONVERTED = "Converted"
STATUS_DUPLICATE = "Duplicate"
CONVERT_SAVEPOINT = "order_intake_convert"


class OrderIntake(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_tracking.order_tracking.doctype.order_intake_error.order_intake_error import (
			OrderIntakeError,
		)
		from order_tracking.order_tracking.doctype.order_intake_item.order_intake_item import OrderIntakeItem

		channel: DF.Literal["Desk", "Import", "Portal", "E-mail", "API"]
		company: DF.Link | None
		contact_person: DF.Link | None
		converted_on: DF.Datetime | None
		customer: DF.Link | None
		customer_name: DF.Data | None
		delivery_date: DF.Date | None
		duplicate_of: DF.Link | None
		errors: DF.Table[OrderIntakeError]
		external_ref: DF.Data | None
		items: DF.Table[OrderIntakeItem]
		naming_series: DF.Literal["OI-.YYYY.-"]
		order_currency: DF.Link | None
		order_review: DF.Link | None
		price_list: DF.Link | None
		raw_payload: DF.Code | None
		received_customer: DF.Data | None
		rejection_reason: DF.SmallText | None
		review_status: DF.Data | None
		sales_order: DF.Link | None
		status: DF.Literal["New", "Rejected", "Converted", "Duplicate"]
		transaction_date: DF.Date | None

	# end: auto-generated types
	def validate(self):
		self.validate_not_converted()
		check_fetched_links(self)
		# NULL, not "", when there is none: NULLs never collide in the unique index
		self.external_ref = (self.external_ref or "").strip() or None
		self.validate_unique_reference()
		errors = list(self.flags.parse_errors or [])
		self.set_company()
		self.set_customer_defaults(errors)
		self.resolve_items(errors)
		errors += intake_core.check_intake(
			getdate(self.transaction_date) if self.transaction_date else None,
			getdate(self.delivery_date) if self.delivery_date else None,
			[self.as_core_line(row) for row in self.items],
		)
		self.set_errors(errors)
		self.set_duplicate_of()
		self.set_status()

	def on_update(self):
		if self.flags.defer_conversion:
			return  # its channel converts it later (the e-mail intake's background job)
		if self.status == STATUS_NEW and not self.sales_order and cint(get_settings().auto_convert):
			self.convert(raise_on_failure=False)

	def on_trash(self):
		if self.sales_order and frappe.db.exists("Sales Order", self.sales_order):
			frappe.throw(
				_("Intake {0} became Sales Order {1}: delete or cancel the Sales Order first").format(
					self.name, self.sales_order
				),
				title=_("Intake Converted"),
			)

	# ----------------------------------------------------------------------------------------
	# validate

	def validate_not_converted(self):
		before = self.get_doc_before_save()
		if before and before.status == STATUS_CONVERTED and before.sales_order:
			frappe.throw(
				_("Intake {0} already became Sales Order {1}: change the Sales Order instead").format(
					self.name, before.sales_order
				),
				title=_("Intake Converted"),
			)

	def validate_unique_reference(self):
		"""A readable message for what the unique index on channel + external_ref enforces."""
		if not self.external_ref:
			return
		first = frappe.db.get_value(
			"Order Intake",
			{"channel": self.channel, "external_ref": self.external_ref, "name": ("!=", self.name or "")},
			"name",
		)
		if first:
			frappe.throw(
				_("Channel {0} already sent an order with External Reference {1}: see intake {2}").format(
					_(self.channel, context="Order Intake"), frappe.bold(self.external_ref), first
				),
				exc=intake_module.DuplicateIntakeError,
				title=_("Duplicate Order"),
			)

	def set_company(self):
		if not self.company:
			self.company = get_settings().default_company or frappe.defaults.get_global_default("company")

	def set_customer_defaults(self, errors: list):
		"""Currency and price list from the customer (then its group, then Selling Settings)."""
		if not self.customer:
			if self.received_customer:
				errors.append(
					intake_core.IntakeError(
						None, "customer", intake_module.CUSTOMER_NOT_FOUND, (self.received_customer,)
					)
				)
			else:
				errors.append(intake_core.IntakeError(None, "customer", intake_core.REQUIRED))
			return
		self.received_customer = None
		customer = frappe.get_cached_value(
			"Customer",
			self.customer,
			["disabled", "default_currency", "default_price_list", "customer_group"],
			as_dict=True,
		)
		if customer.disabled:
			errors.append(
				intake_core.IntakeError(None, "customer", intake_module.CUSTOMER_DISABLED, (self.customer,))
			)
		if not self.price_list:
			self.price_list = (
				customer.default_price_list
				or frappe.get_cached_value("Customer Group", customer.customer_group, "default_price_list")
				or frappe.db.get_single_value("Selling Settings", "selling_price_list")
			)
		if not self.order_currency:
			self.order_currency = (
				customer.default_currency
				or (self.price_list and frappe.get_cached_value("Price List", self.price_list, "currency"))
				or (self.company and frappe.get_cached_value("Company", self.company, "default_currency"))
			)
		if self.contact_person and not frappe.db.exists(
			"Dynamic Link",
			{
				"parenttype": "Contact",
				"parent": self.contact_person,
				"link_doctype": "Customer",
				"link_name": self.customer,
			},
		):
			errors.append(
				intake_core.IntakeError(
					None,
					"contact_person",
					intake_module.CONTACT_NOT_OF_CUSTOMER,
					(self.contact_person, self.customer),
				)
			)

	def resolve_items(self, errors: list):
		"""Each line's item, UOM and rate, from one query per kind for all lines (customer item
		codes, items, UOM conversions, prices): an intake's queries do not grow with its lines."""
		if not self.items:
			errors.append(intake_core.IntakeError(None, "items", intake_module.NO_ITEMS))
		matches = self.customer_item_matches()
		for row in self.items:
			if not row.item_code:
				self.resolve_customer_item_code(row, matches, errors)
		facts = line_facts(self.items, self.price_list)
		for row in self.items:
			row.currency = self.order_currency
			if not row.item_code:
				continue
			row.received_item = None
			item = facts.item_info.get(row.item_code)
			if not item:
				continue  # check_fetched_links reported it
			if item.disabled:
				errors.append(
					intake_core.IntakeError(
						row.idx, "item_code", intake_module.ITEM_DISABLED, (row.item_code,)
					)
				)
			elif not item.is_sales_item:
				errors.append(
					intake_core.IntakeError(
						row.idx, "item_code", intake_module.ITEM_NOT_SALES, (row.item_code,)
					)
				)
			elif item.has_variants:
				errors.append(
					intake_core.IntakeError(
						row.idx, "item_code", intake_module.ITEM_IS_TEMPLATE, (row.item_code,)
					)
				)
			row.item_name = item.item_name
			if not row.uom:
				row.uom = item.sales_uom or item.stock_uom
			elif row.uom != item.stock_uom and (row.item_code, row.uom) not in facts.conversions:
				errors.append(
					intake_core.IntakeError(
						row.idx, "uom", intake_module.UOM_NOT_VALID, (row.uom, row.item_code)
					)
				)
				continue
			if not flt(row.rate) or row.rate_from_price_list:
				self.set_rate_from_price_list(row, item.stock_uom, facts, errors)

	def customer_item_matches(self) -> dict[str, list[str]]:
		"""The items each customer's item code of the lines names (for this customer or its
		group), in one query."""
		codes = {
			row.customer_item_code
			for row in self.items
			if not row.item_code and not row.received_item and row.customer_item_code
		}
		if not codes or not self.customer:
			return {}
		customer_group = frappe.get_cached_value("Customer", self.customer, "customer_group")
		icd = frappe.qb.DocType("Item Customer Detail")
		rows = (
			frappe.qb.from_(icd)
			.select(icd.ref_code, icd.parent)
			.distinct()
			.where((icd.parenttype == "Item") & icd.ref_code.isin(sorted(codes)))
			.where((icd.customer_name == self.customer) | (icd.customer_group == customer_group))
			.orderby(icd.parent)
			.run(as_dict=True)
		)
		matches: dict[str, list[str]] = {}
		for r in rows:
			matches.setdefault(r.ref_code, []).append(r.parent)
		return matches

	def resolve_customer_item_code(self, row, matches: dict[str, list[str]], errors: list):
		if row.received_item:
			errors.append(
				intake_core.IntakeError(
					row.idx, "item_code", intake_module.ITEM_NOT_FOUND, (row.received_item,)
				)
			)
			return
		if not row.customer_item_code:
			return  # intake_core.check_intake reports the missing item
		if not self.customer:
			return
		found = matches.get(row.customer_item_code, [])
		if len(found) == 1:
			row.item_code = found[0]
		else:
			errors.append(
				intake_core.IntakeError(
					row.idx,
					"customer_item_code",
					intake_module.CUSTOMER_ITEM_NOT_FOUND,
					(row.customer_item_code, self.customer),
				)
			)

	def set_rate_from_price_list(self, row, stock_uom: str, facts, errors: list):
		if not self.price_list:
			row.rate = 0
			errors.append(
				intake_core.IntakeError(row.idx, "rate", intake_module.NO_PRICE_LIST, (self.customer,))
			)
			return
		conversion_factor = 1.0 if row.uom == stock_uom else facts.conversions.get((row.item_code, row.uom))
		rate = intake_prices.price_list_rate(
			facts.prices.get(row.item_code, ()),
			intake_prices.PricedLine(
				row.item_code, row.uom, stock_uom, flt(row.qty) or None, flt(conversion_factor) or 1.0
			),
			self.customer,
			getdate(self.transaction_date) if self.transaction_date else None,
		)
		if rate is None:
			row.rate = 0
			row.rate_from_price_list = 0
			errors.append(
				intake_core.IntakeError(
					row.idx, "rate", intake_module.NO_PRICE, (row.item_code, self.price_list)
				)
			)
		else:
			row.rate = flt(rate)
			row.rate_from_price_list = 1

	@staticmethod
	def as_core_line(row) -> intake_core.IntakeLine:
		return intake_core.IntakeLine(
			row=row.idx,
			item_code=row.item_code or row.received_item,
			customer_item_code=row.customer_item_code,
			qty=flt(row.qty) if row.qty is not None else None,
			rate=flt(row.rate),
			uom=row.uom,
			delivery_date=getdate(row.delivery_date) if row.delivery_date else None,
		)

	def set_errors(self, errors: list):
		"""One row per (line, field), first message wins, in line order."""
		self.set("errors", [])
		seen = set()
		for err in sorted(errors, key=lambda e: e.row or 0):
			key = (err.row, err.field)
			if key in seen:
				continue
			seen.add(key)
			self.append(
				"errors",
				{"row_no": err.row, "error_field": err.field, "message": intake_module.error_message(err)},
			)

	def set_duplicate_of(self):
		"""The same customer's same reference through another channel (e.g. e-mailed, then typed on the portal)."""
		self.duplicate_of = None
		if not (self.external_ref and self.customer) or self.sales_order:
			return
		if not cint(get_settings().flag_cross_channel_duplicates):
			return
		self.duplicate_of = frappe.db.get_value(
			"Order Intake",
			{
				"customer": self.customer,
				"external_ref": self.external_ref,
				"channel": ("!=", self.channel),
				"status": ("in", (STATUS_NEW, STATUS_CONVERTED)),
				"name": ("!=", self.name or ""),
			},
			"name",
			order_by="creation asc",
		)

	def set_status(self):
		if self.sales_order:
			self.status = STATUS_CONVERTED
		elif self.duplicate_of:
			self.status = STATUS_DUPLICATE
		elif self.errors:
			self.status = STATUS_REJECTED
		else:
			self.status = STATUS_NEW

	# ----------------------------------------------------------------------------------------
	# conversion

	def convert(self, raise_on_failure: bool = True) -> str | None:
		"""Create the draft Sales Order this intake describes and link the two.

		When ERPNext refuses the order (a missing warehouse, a frozen customer ...), nothing of
		it is kept: with `raise_on_failure` the error is raised, otherwise the intake records it
		and becomes Rejected, so that a clerk can correct and re-submit it."""
		if self.sales_order:
			return self.sales_order
		if self.status != STATUS_NEW:
			self.throw_not_convertible()

		so = self.make_sales_order()
		frappe.db.savepoint(CONVERT_SAVEPOINT)
		try:
			so.insert()
		except frappe.ValidationError as e:
			frappe.db.rollback(save_point=CONVERT_SAVEPOINT)
			if raise_on_failure:
				raise
			self.record_conversion_failure(e)
			return None

		self.link_sales_order_items(so)
		values = {"sales_order": so.name, "status": STATUS_CONVERTED, "converted_on": now_datetime()}
		if cint(get_settings().create_review_from_intake):
			from order_tracking.order_tracking.doctype.order_review.order_review import review_for_new_order

			values.update({"order_review": review_for_new_order(so.name), "review_status": "Draft"})
		self.db_set(values)
		return so.name

	def link_sales_order_items(self, so):
		"""Each line's Sales Order Item, in one UPDATE for all lines."""
		links = {}
		for row, so_item in zip(self.items, so.items, strict=True):
			row.sales_order_item = so_item.name
			links[row.name] = so_item.name
		if not links:
			return
		oii = frappe.qb.DocType("Order Intake Item")
		case = Case()
		for name, so_item in links.items():
			case = case.when(oii.name == name, so_item)
		frappe.qb.update(oii).set(oii.sales_order_item, case).where(oii.name.isin(list(links))).run()

	def throw_not_convertible(self):
		problems = "".join(f"<li>{frappe.utils.escape_html(e.message)}</li>" for e in self.errors)
		if self.status == STATUS_DUPLICATE:
			problems = _("It duplicates intake {0}").format(self.duplicate_of)
		frappe.throw(
			_("Intake {0} cannot become a Sales Order while it is {1}:").format(
				self.name, _(self.status, context="Order Intake")
			)
			+ (f"<ul>{problems}</ul>" if self.errors else f" {problems}"),
			exc=intake_module.IntakeNotConvertibleError,
			title=_("Correct the Intake"),
		)

	def make_sales_order(self):
		warehouse = get_settings().intake_warehouse
		if warehouse and frappe.get_cached_value("Warehouse", warehouse, "company") != self.company:
			warehouse = None
		so = frappe.new_doc("Sales Order")
		so.update(
			{
				"customer": self.customer,
				"company": self.company,
				"currency": self.order_currency,
				"selling_price_list": self.price_list,
				"transaction_date": self.transaction_date,
				"delivery_date": self.delivery_date,
				"po_no": (self.external_ref or "")[:140] or None,
				"contact_person": self.contact_person,
				"order_type": "Sales",
				"order_intake": self.name,
				"set_warehouse": warehouse,
			}
		)
		for row in self.items:
			so.append(
				"items",
				{
					"item_code": row.item_code,
					"customer_item_code": row.customer_item_code,
					"qty": row.qty,
					"uom": row.uom,
					"rate": row.rate,
					"delivery_date": row.delivery_date or self.delivery_date,
					"warehouse": warehouse,
				},
			)
		# Creating an intake is the right that matters here (it was checked on the intake itself);
		# clerks and API users need no Sales Order rights to turn a valid intake into a draft order.
		so.flags.ignore_permissions = True
		return so

	def record_conversion_failure(self, error: Exception):
		message = frappe.utils.strip_html(str(error)) or error.__class__.__name__
		if frappe.local.message_log:
			frappe.local.message_log.pop()  # the same message, already raised
		row = self.append(
			"errors",
			{
				"row_no": None,
				"error_field": "sales_order",
				"message": _("The Sales Order could not be created: {0}").format(message),
			},
		)
		row.db_insert()
		self.db_set("status", STATUS_REJECTED)


def line_facts(rows, price_list: str | None) -> frappe._dict:
	"""What an intake's lines need of their items, in one query per kind whatever their number:
	`item_info` (code -> sales flags, UOMs, name), `conversions` ((code, uom) -> conversion factor of
	the item's own UOM rows) and `prices` (code -> the price list's `ItemPrice`s)."""
	codes = sorted({row.item_code for row in rows if row.item_code})
	facts = frappe._dict(item_info={}, conversions={}, prices={})
	if not codes:
		return facts
	for item in frappe.get_all(
		"Item",
		filters={"name": ("in", codes)},
		fields=["name", "disabled", "is_sales_item", "has_variants", "stock_uom", "sales_uom", "item_name"],
	):
		facts.item_info[item.name] = item
	uoms = sorted({row.uom for row in rows if row.item_code and row.uom})
	if uoms:
		for c in frappe.get_all(
			"UOM Conversion Detail",
			filters={"parenttype": "Item", "parent": ("in", codes), "uom": ("in", uoms)},
			fields=["parent", "uom", "conversion_factor"],
		):
			facts.conversions[(c.parent, c.uom)] = c.conversion_factor
	if price_list and any(not flt(row.rate) or row.rate_from_price_list for row in rows):
		for p in frappe.get_all(
			"Item Price",
			filters={"price_list": price_list, "item_code": ("in", codes)},
			fields=[
				"item_code",
				"price_list_rate",
				"uom",
				"customer",
				"supplier",
				"batch_no",
				"valid_from",
				"valid_upto",
				"packing_unit",
			],
		):
			facts.prices.setdefault(p.item_code, []).append(
				intake_prices.ItemPrice(
					p.item_code,
					flt(p.price_list_rate),
					p.uom,
					p.customer,
					p.supplier,
					p.batch_no,
					getdate(p.valid_from) if p.valid_from else None,
					getdate(p.valid_upto) if p.valid_upto else None,
					flt(p.packing_unit),
				)
			)
	return facts


def on_doctype_update():
	frappe.db.add_unique(
		"Order Intake", ["channel", "external_ref"], constraint_name="unique_channel_external_ref"
	)
	frappe.db.add_index("Order Intake", ["customer", "external_ref"])

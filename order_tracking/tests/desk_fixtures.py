"""Users and data for the desk browser suite (`scripts/desk_browser_test.sh`), on a site with the
demo data set (`bench --site X order-tracking-demo`). Idempotent; commits.

    bench --site X execute order_tracking.tests.desk_fixtures.setup --kwargs "{'password': '...'}"

prints, as JSON on its last line: the password, the users of each role (`users[role][lang]`, lang
`en`, `zh`, `zh-TW`), each role's permissions on the ERPNext doctypes the app extends or makes
(`erp_perms[role][doctype]`: letters of read, write, create, submit, print, report), the labels of
the app's custom fields on ERPNext doctypes, and the documents the suite opens and acts on (the
demo's orders, work order, plans, schedule, review and intakes, plus its own: an open Order
Exception per role, a Rejected intake to correct, a draft plan, a carrier, a draft supplier
statement when the site has a supplier)."""

import json

import frappe
from frappe.utils import add_days, nowdate
from frappe.utils.password import update_password

from order_tracking import demo

PASSWORD = "Desk-Test-2026!"
# each role of the app (fixtures/role.json) and System Manager, with the ERPNext roles its work needs
ROLE_USERS = {
	"Order Clerk": ("order-clerk", ["Order Clerk", "Sales User"]),
	"Order Reviewer": ("order-reviewer", ["Order Reviewer", "Sales User"]),
	"Production Planner": ("production-planner", ["Production Planner", "Manufacturing User", "Stock User"]),
	"Outsourcing Manager": (
		"outsourcing-manager",
		["Outsourcing Manager", "Purchase User", "Stock User", "Manufacturing User"],
	),
	"Settlement Accountant": ("settlement-accountant", ["Settlement Accountant", "Accounts User"]),
	"System Manager": (
		"system-manager",
		[
			"System Manager",
			"Sales Manager",
			"Manufacturing Manager",
			"Stock Manager",
			"Purchase Manager",
			"Accounts Manager",
			"Manufacturing User",
		],
	),
}
LANGUAGES = ("en", "zh", "zh-TW")
# ERPNext doctypes the suite opens or whose creation an app button needs
ERP_DOCTYPES = (
	"Sales Order",
	"Work Order",
	"Job Card",
	"Shipment",
	"Delivery Note",
	"Sales Invoice",
	"Purchase Order",
	"Purchase Invoice",
	"Subcontracting Order",
	"Stock Entry",
	"Material Request",
	"Pick List",
	"Supplier",
	"Company",
)
# one open exception per role, each of its own kind (one unresolved per order and kind)
EXCEPTION_KINDS = {
	"Order Clerk": "At Risk",
	"Order Reviewer": "Material Shortage",
	"Production Planner": "Late Operation",
	"Outsourcing Manager": "Late Outsourcing Return",
	"Settlement Accountant": "Overdue Receivable",
	"System Manager": "Shipment Exception",
}
CARRIER = "Desk Test Carrier"
INTAKE_REF = "DESK-UI-"


def user_email(slug: str, lang: str) -> str:
	return f"desk-{slug}{'' if lang == 'en' else '-' + lang.lower()}@example.com"


def make_desk_user(email: str, roles: list[str], lang: str, password: str) -> str:
	"""A System User holding exactly these roles, in this language, with the demo's company."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				"user_type": "System User",
			}
		).insert()
	user = frappe.get_doc("User", email)
	user.enabled = 1
	user.language = lang
	user.time_zone = frappe.db.get_single_value("System Settings", "time_zone")
	user.set("roles", [])
	user.append_roles(*roles)
	user.save()
	update_password(email, password)
	frappe.defaults.set_user_default("Company", demo.COMPANY, email)
	return email


def permission_letters(doctype: str, user: str) -> str:
	return "".join(
		letter
		for letter, ptype in (
			("r", "read"),
			("w", "write"),
			("c", "create"),
			("s", "submit"),
			("p", "print"),
			("t", "report"),
		)
		if frappe.has_permission(doctype, ptype, user=user)
	)


def open_exception(kind: str, sales_order: str) -> str:
	name = frappe.db.get_value(
		"Order Exception", {"sales_order": sales_order, "kind": kind, "status": ("!=", "Resolved")}
	)
	if name:
		frappe.db.set_value("Order Exception", name, "status", "Open")
		return name
	return (
		frappe.get_doc(
			{
				"doctype": "Order Exception",
				"kind": kind,
				"sales_order": sales_order,
				"detail": "Opened by the desk browser suite",
			}
		)
		.insert()
		.name
	)


def rejected_intake(slug: str) -> str:
	"""An intake rejected for an unknown item whose line was then corrected (as a clerk would):
	*Create Sales Order* makes its order. A new one once the last was converted."""
	from order_tracking.order_tracking.intake import submit_order

	refs = frappe.get_all(
		"Order Intake",
		filters={"external_ref": ("like", f"{INTAKE_REF}{slug}-%")},
		fields=["name", "status", "external_ref"],
		order_by="creation desc",
		limit=1,
	)
	if refs and refs[0].status == "Rejected":
		return refs[0].name
	number = int(refs[0].external_ref.rsplit("-", 1)[1]) + 1 if refs else 1
	answer = submit_order(
		channel="Desk",
		external_ref=f"{INTAKE_REF}{slug}-{number}",
		customer="Harbour Shoes Ltd",
		delivery_date=str(add_days(nowdate(), 30)),
		company=demo.COMPANY,
		items=[{"item_code": "Desk Unknown Shoe", "qty": 5}],
	)
	frappe.local.response.pop("http_status_code", None)
	intake = frappe.get_doc("Order Intake", answer["intake"])
	for item in intake.items:
		frappe.db.set_value(item.doctype, item.name, "item_code", "Classic Oxford")
	return intake.name


def draft_plan() -> str:
	"""A draft week plan two weeks ahead (the demo's plans are this week's): *Get Orders* fills it."""
	from_date = add_days(nowdate(), 14)
	filters = {"company": demo.COMPANY, "period_type": "Week", "from_date": from_date, "docstatus": 0}
	name = frappe.db.get_value("Order Plan", filters)
	if name:
		return name
	return (
		frappe.get_doc(
			{
				"doctype": "Order Plan",
				"period_type": "Week",
				"weeks": 1,
				"company": demo.COMPANY,
				"from_date": from_date,
			}
		)
		.insert()
		.name
	)


def carrier() -> str:
	if not frappe.db.exists("Logistics Carrier", CARRIER):
		frappe.get_doc(
			{
				"doctype": "Logistics Carrier",
				"carrier_name": CARRIER,
				"enabled": 1,
				"waybill_pattern": r"DT\d{10}",
				"tracking_url_template": "https://carrier.invalid/track?no={waybill}",
				"webhook_secret": frappe.generate_hash(length=32),
			}
		).insert()
	return CARRIER


def supplier_statement(supplier: str | None) -> str | None:
	if not supplier:
		return None
	name = frappe.db.get_value("Supplier Statement", {"supplier": supplier, "docstatus": 0})
	if name:
		return name
	return (
		frappe.get_doc(
			{
				"doctype": "Supplier Statement",
				"company": demo.COMPANY,
				"supplier": supplier,
				"from_date": add_days(nowdate(), -60),
				"to_date": nowdate(),
				"currency": demo.CURRENCY,
			}
		)
		.insert()
		.name
	)


def demo_documents() -> dict:
	orders = demo.demo_orders()
	in_production = orders.get(demo.IN_PRODUCTION)
	paid = orders.get(demo.PAID)
	supplier = frappe.db.get_value("Supplier", {"disabled": 0}, "name", order_by="creation")
	return {
		"company": demo.COMPANY,
		"orders": {
			"paid": paid,
			"in_production": in_production,
			"planned": orders.get(demo.PLANNED),
			"approved": orders.get(demo.APPROVED),
			"under_review": orders.get(demo.UNDER_REVIEW),
		},
		"work_order": frappe.db.get_value(
			"Work Order",
			{"sales_order": in_production, "docstatus": 1, "status": ("in", ("Not Started", "In Process"))},
		),
		"delivery_note": frappe.db.get_value(
			"Delivery Note Item", {"against_sales_order": paid, "docstatus": 1}, "parent"
		),
		"order_plan": frappe.db.get_value("Order Plan", {"docstatus": 1}, "name", order_by="creation"),
		"daily_schedule": frappe.db.get_value(
			"Daily Schedule", {"company": demo.COMPANY, "status": "Current"}, "name", order_by="creation desc"
		),
		"review": frappe.db.get_value(
			"Order Review", {"sales_order": orders.get(demo.UNDER_REVIEW), "docstatus": 0}
		),
		"rejected_intake": frappe.db.get_value("Order Intake", {"external_ref": demo.REJECTED}),
		"shipment": frappe.db.get_value("Shipment", {"docstatus": 1}),
		"dispatch_carrier": frappe.db.get_value("Shipment", {"docstatus": 1}, "carrier"),
		"outsourcing_order": frappe.db.get_value("Outsourcing Order", {"docstatus": 1}),
		"supplier": supplier,
		"carrier": carrier(),
		"draft_plan": draft_plan(),
		"supplier_statement": supplier_statement(supplier),
	}


def setup(password: str = PASSWORD) -> dict:
	frappe.set_user("Administrator")
	if not demo.demo_orders():
		raise RuntimeError(f"Load the demo first: bench --site {frappe.local.site} order-tracking-demo")
	users, erp_perms, exceptions, intakes = {}, {}, {}, {}
	docs = demo_documents()
	for role, (slug, roles) in ROLE_USERS.items():
		users[role] = {
			lang: make_desk_user(user_email(slug, lang), roles, lang, password) for lang in LANGUAGES
		}
		erp_perms[role] = {dt: permission_letters(dt, users[role]["en"]) for dt in ERP_DOCTYPES}
		erp_perms[role]["roles"] = roles
		exceptions[role] = open_exception(EXCEPTION_KINDS[role], docs["orders"]["approved"])
		intakes[role] = rejected_intake(slug)
	from order_tracking.custom_fields import get_custom_fields

	answer = {
		"password": password,
		"custom_field_labels": {
			doctype: [f["label"] for f in fields if f.get("label")]
			for doctype, fields in get_custom_fields().items()
		},
		"users": users,
		"erp_perms": erp_perms,
		"exceptions": exceptions,
		"intakes": intakes,
		**docs,
	}
	frappe.db.commit()  # nosemgrep: a set-up command run once by the desk browser test script
	print(json.dumps(answer))
	return answer

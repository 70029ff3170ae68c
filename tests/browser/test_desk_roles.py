"""The desk as each role of the app uses it, in Debian's Chromium driven by Playwright.

Run by `scripts/desk_browser_test.sh` (it loads `order_tracking.tests.desk_fixtures` on a site with
the demo and sets the environment); skipped in the standalone suite. For each role (the app's five
and System Manager), a user holding that role and the ERPNext roles its work needs opens the
workspace, every list, form, report and print format of the app it reaches (by the DocType and
Report JSON) and the ERPNext forms the app extends, clicks every button the app adds that the role
may use — filling its dialog and checking what it made — and fails on any 4xx/5xx call, console
or page error, error dialog, or app button shown to a role that may not use it (or missing for one
that may). Screenshots: `.ci/logs/desk-<role>-<page>.png`.
"""

import os
import time

import pytest

if not os.environ.get("OT_DESK_URL"):
	pytest.skip("desk browser suite: run by scripts/desk_browser_test.sh", allow_module_level=True)

from desk_helpers import (
	ARGS,
	CHROMIUM,
	DOCTYPES,
	FIXTURES,
	PRINT_FORMATS,
	REPORTS,
	SHOTS,
	URL,
	Desk,
)
from playwright.sync_api import sync_playwright

ROLES = list(FIXTURES["users"])
DOCS = FIXTURES
TODAY_PLUS = "() => frappe.datetime.add_days(frappe.datetime.get_today(), 14)"


@pytest.fixture(scope="module")
def browser():
	SHOTS.mkdir(parents=True, exist_ok=True)
	with sync_playwright() as p:
		b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
		yield b
		b.close()


def expect_buttons(desk: Desk, expected: dict[tuple[str, str], bool]):
	"""Each of the app's buttons on the page now: shown exactly when the role may use it."""
	visible = desk.visible_buttons()
	for (group, label), may_use in expected.items():
		key = (desk.translate(group) if group else "", desk.translate(label))
		shown = key in visible
		name = f"{group} > {label}" if group else label
		if shown and not may_use:
			desk.fail(f"button '{name}' shown to a role that may not use it")
		elif may_use and not shown:
			desk.fail(f"button '{name}' missing for a role that may use it")
	return visible


def supplier(desk: Desk) -> str | None:
	if not DOCS.get("supplier"):
		desk.fail("no Supplier on the site: the outsourcing dialog cannot make anything (demo data)")
	return DOCS.get("supplier")


def made_outsourcing_order(desk: Desk, what: str):
	desk.wait_for(
		"() => window.cur_frm && cur_frm.doctype === 'Outsourcing Order' && !cur_frm.is_new()",
		f"{what}: the Outsourcing Order it made",
		timeout=60000,
	)
	desk.settle()
	desk.check_dialogs()


# ------------------------------------------------------------------ forms of ERPNext the app extends


def sales_order_forms(desk: Desk):
	p = desk.perms
	for key in ("approved", "paid", "under_review"):
		so = DOCS["orders"][key]
		desk.open_form("Sales Order", so)
		if (
			p.can("read", "Order Tracker")
			and desk.wait_for(
				"() => $(cur_frm.wrapper).find('.order-tracking-section').length > 0",
				"the Order Tracking section on the Sales Order",
				timeout=15000,
			)
			and key == "approved"
		):
			# the form's dashboard, where the section is, sits in its Connections tab
			desk.js(
				"""() => { const pane = $(cur_frm.wrapper).find('.order-tracking-section').closest('.tab-pane');
					if (pane.length) $(cur_frm.wrapper).find(`.form-tabs a[href="#${pane.attr('id')}"]`).click(); }"""
			)
			desk.page.wait_for_timeout(500)
			desk.shot("sales-order")
		docstatus = desk.js("() => cur_frm.doc.docstatus")
		delivered = desk.js("() => flt(cur_frm.doc.per_delivered) > 0")
		expect_buttons(
			desk,
			{
				("Create", "Order Review"): docstatus < 2 and p.can("create", "Order Review"),
				("Create", "Outsourcing Order"): docstatus == 1 and p.can("create", "Outsourcing Order"),
				("Create", "Order Return"): docstatus == 1 and delivered and p.can("create", "Order Return"),
			},
		)
		if key == "under_review" and p.can("create", "Order Review"):
			desk.click_button("Order Review", "Create")
			desk.wait_for(
				"(so) => window.cur_frm && cur_frm.doctype === 'Order Review' && cur_frm.doc.sales_order === so",
				"Create > Order Review: the order's review",
				arg=so,
			)
			desk.settle()
			desk.check_dialogs()
		if key == "approved" and p.can("create", "Outsourcing Order") and supplier(desk):
			desk.click_button("Outsourcing Order", "Create")
			desk.dialog({"supplier": DOCS["supplier"], "due_date": desk.js(TODAY_PLUS)})
			made_outsourcing_order(desk, "Create > Outsourcing Order")
		if key == "paid" and p.can("create", "Order Return"):
			desk.click_button("Order Return", "Create")
			if desk.wait_for(
				"(so) => window.cur_frm && cur_frm.doctype === 'Order Return' && cur_frm.doc.sales_order === so",
				"Create > Order Return: a new return of the order",
				arg=so,
			):
				desk.settle()
				desk.js("(dn) => cur_frm.set_value('delivery_note', dn)", DOCS["delivery_note"])
				desk.wait_for(
					"() => (cur_frm.doc.items || []).length > 0",
					"Order Return: the delivery note's lines (return_lines)",
				)
				desk.settle()
				desk.check_dialogs()


def open_if_readable(desk: Desk, doctype: str, key: str) -> bool:
	"""Open the demo's `DOCS[key]` of `doctype` when the role may read it and the demo has one."""
	if not desk.perms.can("read", doctype) or not DOCS.get(key):
		return False
	desk.open_form(doctype, DOCS[key])
	return True


def work_order_form(desk: Desk):
	p = desk.perms
	if not open_if_readable(desk, "Work Order", "work_order"):
		return
	may = p.can("create", "Outsourcing Order")
	expect_buttons(desk, {("", "Outsource an Operation"): may})
	if may and supplier(desk):
		desk.click_button("Outsource an Operation")
		desk.wait_for(
			"() => (window.cur_dialog && cur_dialog.display) || (frappe.msg_dialog && frappe.msg_dialog.display)",
			"Outsource an Operation: its dialog",
		)
		if desk.js("() => !!(frappe.msg_dialog && frappe.msg_dialog.display)"):
			# every open job card already out (earlier runs): the message says so, nothing offered
			text = desk.js("() => frappe.msg_dialog.body.innerText")
			if (
				desk.translate("Every open job card of this work order is already on an outsourcing order")
				not in text
			):
				desk.fail(f"Outsource an Operation: {text[:200]}")
			desk.check_dialogs()
			return
		desk.dialog({"supplier": DOCS["supplier"], "due_date": desk.js(TODAY_PLUS), "rate": 3})
		made_outsourcing_order(desk, "Outsource an Operation")


def tracker_pages(desk: Desk):
	p = desk.perms
	if not p.can("read", "Order Tracker"):
		return
	so = DOCS["orders"]["approved"]
	desk.open_form("Order Tracker", so)
	expect_buttons(desk, {("View", "Order Exceptions"): p.can("read", "Order Exception")})
	if p.can("read", "Order Exception"):
		desk.click_button("Order Exceptions", "View")
		desk.wait_for(
			"(so) => window.cur_list && cur_list.doctype === 'Order Exception' && cur_list.filter_area.get().some((f) => f[1] === 'sales_order' && f[3] === so)",
			"View > Order Exceptions: the order's exceptions",
			arg=so,
		)
		desk.settle()
		desk.check_dialogs()
	desk.open_list("Order Tracker")
	may = p.can("create", "Shipment") and p.can("create", "Delivery Note")
	desk.js("() => $(cur_list.$result).find('.list-row-checkbox').first().click()")
	desk.page.wait_for_timeout(300)
	label = desk.translate("Dispatch")
	shown = desk.js(
		"(l) => cur_list.page.actions.find('.dropdown-item').filter((i, e) => $(e).text().trim() === l).length > 0",
		label,
	)
	if shown != may:
		desk.fail(f"Actions > Dispatch {'shown to a role that may not use it' if shown else 'missing'}")
	if shown and may:
		desk.clicks += 1
		desk.page.locator(".page-head:visible .actions-btn-group > button").click()
		desk.page.locator(
			".page-head:visible .actions-btn-group .dropdown-item", has_text=label
		).first.click()
		desk.wait_for(
			"(m) => frappe.msg_dialog && frappe.msg_dialog.display && frappe.msg_dialog.body.innerText.includes(m)",
			"Dispatch without an order Ready to Ship: its message",
			arg=desk.translate("Select orders that are Ready to Ship"),
		)
		desk.check_dialogs()


def shipment_form(desk: Desk):
	p = desk.perms
	if not open_if_readable(desk, "Shipment", "shipment"):
		return
	may = p.can("read", "Carrier Event")
	expect_buttons(desk, {("View", "Carrier Events"): may})
	if may:
		desk.wait_for(
			"(t) => $(cur_frm.wrapper).find('.form-dashboard-section .section-head').text().includes(t)",
			"the carrier's events on the Shipment",
			arg=desk.translate("Carrier Events"),
			timeout=15000,
		)
		desk.click_button("Carrier Events", "View")
		desk.wait_for(
			"(s) => window.cur_list && cur_list.doctype === 'Carrier Event' && cur_list.filter_area.get().some((f) => f[1] === 'shipment' && f[3] === s)",
			"View > Carrier Events: the shipment's events",
			arg=DOCS["shipment"],
		)
		desk.settle()
		desk.check_dialogs()


# ------------------------------------------------------------------ the app's own forms


def exception_form(desk: Desk):
	p = desk.perms
	name = DOCS["exceptions"][desk.role]
	desk.open_form("Order Exception", name)
	may = p.can("write", "Order Exception")
	expect_buttons(desk, {("", "Acknowledge"): may, ("", "Resolve"): may})
	if not may:
		return
	for label, status, note in (
		("Acknowledge", "Acknowledged", "On it"),
		("Resolve", "Resolved", "Fixed by hand"),
	):
		desk.click_button(label)
		desk.dialog({"note": f"{note} ({desk.role})"})
		desk.wait_for(
			"(s) => cur_frm.doc.status === s", f"{label}: the exception {status}", arg=status, timeout=20000
		)
		desk.settle()
		desk.check_dialogs()


def intake_form(desk: Desk):
	p = desk.perms
	if not p.can("read", "Order Intake"):
		return
	desk.open_form("Order Intake", DOCS["intakes"][desk.role])
	may = p.can("write", "Order Intake")
	expect_buttons(desk, {("", "Create Sales Order"): may})
	if may:
		desk.click_button("Create Sales Order")
		desk.wait_for(
			"() => cur_frm.doc.status === 'Converted' && !!cur_frm.doc.sales_order",
			"Create Sales Order: the intake Converted with its order",
			timeout=60000,
		)
		desk.settle()
		desk.check_dialogs()


def review_form(desk: Desk):
	p = desk.perms
	if not open_if_readable(desk, "Order Review", "review"):
		return
	may_write = p.can("write", "Order Review")
	expect_buttons(
		desk, {("", "Re-run Checks"): may_write, ("", "Sales Order"): p.can("read", "Sales Order")}
	)
	if may_write:
		before = desk.js("() => cur_frm.doc.modified")
		desk.click_button("Re-run Checks")
		desk.wait_for(
			"(m) => cur_frm.doc.modified !== m",
			"Re-run Checks: the review saved again",
			arg=before,
			timeout=60000,
		)
		desk.settle()
		desk.check_dialogs()
	if p.can("read", "Sales Order"):
		desk.click_button("Sales Order")
		desk.wait_for(
			"(so) => window.cur_frm && cur_frm.doctype === 'Sales Order' && cur_frm.docname === so",
			"Order Review > Sales Order",
			arg=DOCS["orders"]["under_review"],
		)
		desk.settle()
		desk.check_dialogs()


def plan_forms(desk: Desk):
	p = desk.perms
	if not p.can("read", "Order Plan"):
		return
	desk.open_form("Order Plan", DOCS["draft_plan"])
	may = p.can("write", "Order Plan")
	has_items = desk.js("() => (cur_frm.doc.items || []).length > 0")
	expect_buttons(desk, {("", "Get Orders"): may, ("", "Schedule Again"): may and has_items})
	if may:
		desk.click_button("Get Orders")
		desk.wait_for("() => $('.desk-alert').length > 0", "Get Orders: lines fetched", timeout=90000)
		desk.settle()
		desk.check_dialogs()
		if desk.js("() => (cur_frm.doc.items || []).length > 0"):
			desk.click_button("Schedule Again")
			desk.settle(timeout_s=90)
			desk.check_dialogs()
		desk.js("() => cur_frm.save()")
		desk.wait_for("() => !cur_frm.is_dirty()", "the draft plan saved", timeout=60000)
		desk.settle()
		desk.check_dialogs()
	plan = DOCS["order_plan"]
	desk.open_form("Order Plan", plan)
	doc = desk.js(
		"() => ({wo: cur_frm.doc.work_orders_created, mr: cur_frm.doc.material_requests_created, oc: cur_frm.doc.outsource_candidates, week: cur_frm.doc.period_type === 'Week', failed: cur_frm.doc.status === 'Failed', capacity: (cur_frm.doc.capacity || []).length})"
	)
	expect_buttons(
		desk,
		{
			("View", "Work Orders"): bool(doc["wo"]) and p.can("read", "Work Order"),
			("View", "Material Requests"): bool(doc["mr"]) and p.can("read", "Material Request"),
			("View", "Plan Attainment"): doc["week"] and p.reaches_report("Plan Attainment"),
			("", "Outsource Candidates"): bool(doc["oc"]) and p.can("create", "Outsourcing Order"),
			("", "Retry Work Orders"): doc["failed"] and p.can("submit", "Order Plan"),
			("", "Get Orders"): False,
		},
	)
	if doc["capacity"]:
		desk.js(
			"""() => { const pane = cur_frm.get_field('capacity_chart').$wrapper.closest('.tab-pane');
				if (pane.length) $(`.form-tabs a[href="#${pane.attr('id')}"]`).click(); }"""
		)
		desk.page.wait_for_timeout(800)
		width = desk.js("() => cur_frm.get_field('capacity_chart').$wrapper.find('svg').first().width() || 0")
		if width < 50:
			desk.fail(f"the capacity chart has no width ({width}px) when its tab is shown")
		else:
			desk.shot("order-plan-capacity", only={"Production Planner"})
	if doc["wo"] and p.can("read", "Work Order"):
		desk.click_button("Work Orders", "View")
		desk.wait_for("() => window.cur_list && cur_list.doctype === 'Work Order'", "View > Work Orders")
		desk.settle()
		desk.check_dialogs()


def daily_schedule_pages(desk: Desk):
	p = desk.perms
	if not open_if_readable(desk, "Daily Schedule", "daily_schedule"):
		return
	rows = desk.js("() => (cur_frm.doc.operations || []).length")
	bars = desk.js("() => cur_frm.get_field('timeline').$wrapper.find('.ot-bar, .ot-gantt-bar').length")
	if rows and not bars:
		desk.fail(f"the timeline draws no bar for {rows} operations")
	desk.shot("daily-schedule", only={"Production Planner", "Order Clerk"})
	may_write = p.can("write", "Daily Schedule")
	expect_buttons(
		desk,
		{
			("", "Schedule Again Now"): may_write,
			("", "Print Dispatch List"): p.can("print", "Daily Schedule"),
		},
	)
	if p.can("print", "Daily Schedule"):
		desk.click_button("Print Dispatch List")
		if desk.wait_for("() => frappe.get_route()[0] === 'print'", "Print Dispatch List: the print view"):
			desk.settle()
			chosen = desk.js("() => $('.print-preview-sidebar input[data-fieldname=print_format]').val()")
			if chosen != "Shop Floor Dispatch List":
				desk.fail(f"Print Dispatch List opens print format '{chosen}', not Shop Floor Dispatch List")
			desk.check_dialogs()
	if may_write:
		desk.open_form("Daily Schedule", DOCS["daily_schedule"])
		desk.click_button("Schedule Again Now")
		desk.wait_for(
			"() => window.cur_frm && cur_frm.doctype === 'Daily Schedule' && cur_frm.doc.status === 'Current' && !cur_frm.is_new()",
			"Schedule Again Now: the current schedule",
			timeout=90000,
		)
		desk.settle()
		desk.check_dialogs()
		DOCS["daily_schedule"] = desk.js("() => cur_frm.docname")
	desk.open_list("Daily Schedule")
	may_create = p.can("create", "Daily Schedule")
	expect_buttons(desk, {("", "Schedule Today Now"): may_create})
	if may_create:
		desk.click_button("Schedule Today Now")
		desk.dialog({"company": DOCS["company"]})
		desk.wait_for(
			"() => window.cur_frm && cur_frm.doctype === 'Daily Schedule' && cur_frm.doc.status === 'Current'",
			"Schedule Today Now: today's schedule",
			timeout=90000,
		)
		desk.settle()
		desk.check_dialogs()
		DOCS["daily_schedule"] = desk.js("() => cur_frm.docname")


def settings_form(desk: Desk):
	p = desk.perms
	if not p.can("read", "Order Tracking Settings"):
		return
	desk.open_form("Order Tracking Settings")
	may = p.can("write", "Order Tracking Settings")
	expect_buttons(desk, {("", "Rebuild Trackers"): may})
	if may:
		desk.click_button("Rebuild Trackers")
		desk.dialog()
		desk.wait_for(
			"(m) => $('.desk-alert').text().includes(m)",
			"Rebuild Trackers: queued",
			arg=desk.translate("Rebuild queued"),
		)
		desk.settle()
		desk.check_dialogs()


def carrier_form(desk: Desk):
	p = desk.perms
	if not p.can("read", "Logistics Carrier"):
		return
	desk.open_form("Logistics Carrier", DOCS["carrier"])
	may = p.can("write", "Logistics Carrier")
	expect_buttons(desk, {("", "New Secret"): may})
	if may:
		desk.click_button("New Secret")
		desk.wait_for(
			"() => frappe.msg_dialog && frappe.msg_dialog.display && /[0-9a-f]{48}/.test(frappe.msg_dialog.body.innerText) && cur_frm.is_dirty()",
			"New Secret: the secret shown and set",
		)
		desk.check_dialogs()
		desk.js("() => cur_frm.reload_doc()")
		desk.settle()


def statement_form(desk: Desk):
	p = desk.perms
	if not open_if_readable(desk, "Supplier Statement", "supplier_statement"):
		return
	may = p.can("write", "Supplier Statement")
	expect_buttons(desk, {("", "Get Receipts"): may})
	if may:
		desk.click_button("Get Receipts")
		desk.page.wait_for_timeout(500)
		if desk.js("() => !!(window.cur_dialog && cur_dialog.display && cur_dialog.confirm_dialog)"):
			desk.dialog()
		desk.wait_for("() => $('.desk-alert').length > 0", "Get Receipts: receipt lines")
		desk.settle()
		desk.check_dialogs()


def outsourcing_form(desk: Desk):
	p = desk.perms
	name = DOCS.get("outsourcing_order")
	if not p.can("read", "Outsourcing Order") or not name:
		return
	desk.open_form("Outsourcing Order", name)
	status = desk.js("() => cur_frm.doc.status")
	links = desk.js("() => ({po: !!cur_frm.doc.purchase_order, sco: !!cur_frm.doc.subcontracting_order})")
	expect_buttons(
		desk,
		{
			("View", "Purchase Order"): links["po"] and p.can("read", "Purchase Order"),
			("View", "Subcontracting Order"): links["sco"] and p.can("read", "Subcontracting Order"),
			("", "Send to Supplier"): status == "To Send" and p.can("submit", "Outsourcing Order"),
			("Create", "Outsourcing Receipt"): status in ("Sent", "Partly Returned")
			and p.can("create", "Outsourcing Receipt"),
			("Status", "Close"): status not in ("Closed", "Cancelled")
			and p.can("submit", "Outsourcing Order"),
			("View", "Outsourcing Receipts"): p.can("read", "Outsourcing Receipt"),
		},
	)


# ------------------------------------------------------------------ lists, reports, prints


def lists(desk: Desk):
	for doctype, meta in DOCTYPES.items():
		if meta.get("issingle") or not desk.perms.can("read", doctype):
			continue
		desk.open_list(doctype)
		if doctype == "Order Exception":
			desk.click_button("Older than {0} days", "Age", [7])
			desk.wait_for(
				"() => cur_list.filter_area.get().some((f) => f[1] === 'opened_on' && f[2] === '<=')",
				"Age > Older than 7 days: the filter on opened_on",
			)
			desk.settle()
			desk.check_dialogs()


# mandatory filters without a default: set to the demo's
REQUIRED_FILTERS = {
	"customer": lambda: "Harbour Shoes Ltd",
	"carrier": lambda: DOCS.get("dispatch_carrier") or DOCS["carrier"],
}


def reports(desk: Desk):
	for name in REPORTS:
		if not desk.perms.reaches_report(name):
			continue
		desk.open_report(name)
		missing = desk.js(
			"() => frappe.query_report.filters.filter((f) => f.df.reqd && !f.get_value()).map((f) => f.df.fieldname)"
		)
		for fieldname in missing:
			value = REQUIRED_FILTERS.get(fieldname, lambda: None)()
			if value is None:
				desk.fail(f"mandatory filter {fieldname} has no default and the suite no value for it")
				continue
			desk.js("([f, v]) => frappe.query_report.set_filter_value(f, v)", [fieldname, value])
		if missing:
			desk.settle()
		desk.wait_for(
			"() => Array.isArray(frappe.query_report.data)", f"report {name}: its rows", timeout=30000
		)
		desk.check_dialogs()
		if name == "On-Time Delivery":
			desk.shot("report-on-time-delivery", only={"Order Clerk"})


PRINT_DOCS = {
	"Sales Order": lambda: DOCS["orders"]["paid"],
	"Work Order": lambda: DOCS.get("work_order"),
	"Daily Schedule": lambda: DOCS.get("daily_schedule"),
	"Outsourcing Order": lambda: DOCS.get("outsourcing_order"),
}


def print_formats(desk: Desk):
	for name, pf in PRINT_FORMATS.items():
		doctype = pf["doc_type"]
		docname = PRINT_DOCS.get(doctype, lambda: None)()
		if not docname or not desk.perms.can("print", doctype):
			continue
		desk.where = f"print {name} of {docname}"
		response = desk.page.goto(
			f"{URL}/printview?doctype={doctype}&name={docname}&format={name}&no_letterhead=1"
		)
		desk.pages += 1
		text = desk.page.locator("body").inner_text()
		if response.status != 200 or "Traceback" in text:
			desk.fail(f"HTTP {response.status}: {text[:200]}")
		if doctype == "Daily Schedule":
			desk.shot("print-shop-floor-dispatch-list", only={"Production Planner"})


# the roles that reschedule the day or outsource the work order's operations run one after the
# other (same xdist worker): in two browsers at once the second is refused what the first just took
SCHEDULERS = {"Production Planner", "Outsourcing Manager", "System Manager"}


@pytest.mark.parametrize(
	"role",
	[pytest.param(r, marks=pytest.mark.xdist_group("schedule" if r in SCHEDULERS else r)) for r in ROLES],
)
def test_role_on_the_desk(browser, role):
	desk = Desk(browser, role)
	try:
		desk.start("order-tracking")
		desk.wait_for_charts()
		desk.shot("workspace")
		desk.check_dialogs()
		for check in (
			sales_order_forms,
			work_order_form,
			tracker_pages,
			shipment_form,
			exception_form,
			intake_form,
			review_form,
			plan_forms,
			daily_schedule_pages,
			settings_form,
			carrier_form,
			statement_form,
			outsourcing_form,
			lists,
			reports,
			print_formats,
		):
			started = time.monotonic()
			try:
				check(desk)
			except Exception as error:  # one broken page does not hide the others
				desk.fail(f"{check.__name__}: {type(error).__name__}: {str(error).splitlines()[0][:300]}")
				try:
					desk.close_dialogs()
				except Exception:
					desk.start("order-tracking")
			desk.sections[check.__name__] = round(time.monotonic() - started, 1)
	finally:
		desk.close()
	assert not desk.failures, f"{len(desk.failures)} failures:\n" + "\n".join(desk.failures)

"""The desk suite's machinery (tests/browser/test_desk_*.py): a logged-in desk page that records
every failure the suite looks for, the roles' permissions taken from the app's DocType JSON, and
the app's own strings for the translation checks.

A `Desk` fails a page on: a 4xx/5xx answer to a call the page makes to the site's /api/, /app/ or
the app's assets; a JS console error or an uncaught page error; an error dialog (`.modal.show`
with a red indicator, as `frappe.throw` and permission errors show). The realtime socket is not
served by `bench serve`/gunicorn: its requests are refused before they leave the browser and
their console noise ("Failed to load resource", socket.io) is not counted — a failed call of the
page's own is counted through its response."""

import csv
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "order_tracking"
URL = os.environ.get("OT_DESK_URL", "").rstrip("/")
FIXTURES = json.loads(Path(os.environ["OT_DESK_FIXTURES"]).read_text()) if URL else {}
SHOTS = Path(os.environ.get("OT_SCREENSHOTS", ROOT / ".ci" / "logs"))
STATS = Path(os.environ.get("OT_DESK_STATS", SHOTS / "desk-stats.jsonl"))
CHROMIUM = os.environ.get("OT_CHROMIUM", "/usr/bin/chromium")
ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
]
TIMEOUT = 30000
# gunicorn (frappe.app:application) serves no static files — nginx does, in production: with the
# bench's sites directory given, the browser gets /assets/ from it, everything else from the server
ASSETS = Path(os.environ["OT_DESK_ASSETS"]) if os.environ.get("OT_DESK_ASSETS") else None


# ------------------------------------------------------------------ the app's metadata


def app_doctypes() -> dict[str, dict]:
	"""Every DocType of the app (not child tables), by name, from its JSON."""
	out = {}
	for path in sorted(APP.glob("*/doctype/*/*.json")):
		doc = json.loads(path.read_text())
		if doc.get("doctype") == "DocType" and not doc.get("istable"):
			out[doc["name"]] = doc
	return out


def app_reports() -> dict[str, dict]:
	return {
		doc["name"]: doc
		for doc in (json.loads(p.read_text()) for p in sorted(APP.glob("*/report/*/*.json")))
		if doc.get("doctype") == "Report"
	}


def app_print_formats() -> dict[str, dict]:
	return {
		doc["name"]: doc
		for doc in (json.loads(p.read_text()) for p in sorted(APP.glob("*/print_format/*/*.json")))
		if doc.get("doctype") == "Print Format"
	}


DOCTYPES = app_doctypes()
REPORTS = app_reports()
PRINT_FORMATS = app_print_formats()
PTYPES = {"r": "read", "w": "write", "c": "create", "s": "submit", "p": "print", "t": "report"}


class Permissions:
	"""What a user with these roles may do: the app's doctypes from their JSON (DocPerm rows at
	permlevel 0), ERPNext's as the site answered for the user (fixtures)."""

	def __init__(self, role: str):
		erp = FIXTURES["erp_perms"][role]
		self.roles = set(erp["roles"]) | {"All", "Desk User"}
		self.erp = {dt: letters for dt, letters in erp.items() if dt != "roles"}

	def can(self, ptype: str, doctype: str) -> bool:
		if doctype in DOCTYPES:
			return any(
				p.get(ptype) and p["role"] in self.roles and not p.get("permlevel")
				for p in DOCTYPES[doctype].get("permissions", [])
			)
		letter = next(k for k, v in PTYPES.items() if v == ptype)
		return letter in self.erp.get(doctype, "")

	def reaches_report(self, name: str) -> bool:
		report = REPORTS[name]
		roles = {r["role"] for r in report.get("roles", [])}
		return bool(roles & self.roles) and self.can("report", report["ref_doctype"])


def translations(lang: str) -> dict[str, str]:
	"""source → translation of the app's CSV for the language (rows without context)."""
	out = {}
	with open(APP / "translations" / f"{lang}.csv", newline="", encoding="utf-8") as f:
		for row in csv.reader(f):
			if len(row) >= 2 and row[0] and (len(row) < 3 or not row[2]):
				out[row[0]] = row[1]
	return out


def app_strings() -> set[str]:
	"""What the app shows on the desk, in English: its DocTypes' labels, section titles and tab
	labels, its custom fields' labels on ERPNext doctypes, and the literal strings of its JS."""
	strings = set()
	for path in APP.glob("*/doctype/*/*.json"):
		doc = json.loads(path.read_text())
		if doc.get("doctype") == "DocType":
			strings.update(f["label"] for f in doc.get("fields", []) if f.get("label"))
	for labels in FIXTURES.get("custom_field_labels", {}).values():
		strings.update(labels)
	for path in APP.rglob("*.js"):
		if "node_modules" in path.parts or "dist" in path.parts:
			continue
		strings.update(re.findall(r'__\(\s*"([^"{}]+)"', path.read_text()))
	return {s.strip() for s in strings if s.strip()}


# ------------------------------------------------------------------ the desk page

INIT_SCRIPT = """
window.__ot_visible_buttons = function () {
	const out = [];
	$(".page-head:visible .custom-actions > button[data-label]").each(function () {
		out.push({ group: "", label: decodeURIComponent($(this).attr("data-label")) });
	});
	$(".page-head:visible .custom-actions .inner-group-button").each(function () {
		const group = decodeURIComponent($(this).attr("data-label"));
		$(this).find(".dropdown-item[data-label]").each(function () {
			out.push({ group, label: decodeURIComponent($(this).attr("data-label")) });
		});
	});
	return out;
};
"""


def serve_asset(route):
	"""A static file of the bench, as nginx serves /assets/ in front of gunicorn."""
	relative = urlparse(route.request.url).path.lstrip("/")
	path = (ASSETS / relative).resolve()
	if path.is_file():
		route.fulfill(path=str(path))
	else:
		route.fulfill(status=404, body="not found")


def safe(predicate: str) -> str:
	"""A JS predicate that is false, not an error, while what it reads is not there yet."""
	return f"(arg) => {{ try {{ return ({predicate})(arg); }} catch (e) {{ return false; }} }}"


class Desk:
	"""One user's desk in its own browser context."""

	def __init__(self, browser, role: str, lang: str = "en"):
		self.role, self.lang = role, lang
		self.user = FIXTURES["users"][role][lang]
		self.perms = Permissions(role)
		self.failures: list[str] = []
		self.upstream: list[str] = []
		self.timings: list[tuple[float, str]] = []
		self.sections: dict[str, float] = {}
		self.started = time.monotonic()
		self.pages = 0
		self.clicks = 0
		self.inflight = 0
		self.where = "login"
		self.context = browser.new_context(
			locale="zh-CN" if lang != "en" else "en-US", viewport={"width": 1400, "height": 900}
		)
		self.context.route(re.compile(r".*/socket\.io/.*"), lambda route: route.abort())
		if ASSETS:
			self.context.route(re.compile(r"^https?://[^/]+/assets/.*"), serve_asset)
		self.context.add_init_script(INIT_SCRIPT)
		answer = self.context.request.post(
			f"{URL}/api/method/login", form={"usr": self.user, "pwd": FIXTURES["password"]}
		)
		assert answer.ok, f"{self.user} cannot log in: {answer.status} {answer.text()[:200]}"
		self.page = self.context.new_page()
		self.page.set_default_timeout(TIMEOUT)
		self.page.on("request", self._on_request)
		self.page.on("requestfinished", self._on_request_done)
		self.page.on("requestfailed", self._on_request_done)
		self.page.on("response", self._on_response)
		self.page.on("console", self._on_console)
		self.page.on("pageerror", self._on_page_error)

	# -------------------------------------------------------------- recording
	def fail(self, what: str):
		self.failures.append(f"[{self.role}/{self.lang}] {self.where}: {what}")

	@staticmethod
	def _counted(request) -> bool:
		return "socket.io" not in request.url

	def _on_request(self, request):
		if self._counted(request):
			self.inflight += 1

	def _on_request_done(self, request):
		if self._counted(request):
			self.inflight = max(self.inflight - 1, 0)

	def _on_response(self, response):
		path = response.url[len(URL) :] if response.url.startswith(URL) else ""
		if response.status >= 400 and path.startswith(("/api/", "/app/", "/assets/order_tracking/")):
			detail = ""
			try:
				body = response.json()
				detail = body.get("exception") or body.get("exc_type") or ""
				if body.get("_server_messages"):
					messages = json.loads(body["_server_messages"])
					detail += " " + " | ".join(json.loads(m).get("message", "") for m in messages)
			except Exception:
				detail = ""
			self.fail(
				f"HTTP {response.status} {response.request.method} {path.split('?')[0]} {detail.strip()[:300]}"
			)

	def _on_page_error(self, error):
		stack = " / ".join(line.strip() for line in (error.stack or "").splitlines()[1:4])
		if error.message == "Filter missing" or (error.message or "").startswith("Filter missing"):
			# Frappe's query report throws this string (uncaught) when a mandatory filter has no
			# value yet; the page says "Please set filters" and the suite then sets them
			self.upstream.append(f"{self.where}: {error.message}")
			return
		if "removeChild" in error.message and "ResizeObserver.boundDrawFn" in stack:
			# frappe-charts redrawing from its ResizeObserver while a chart is replaced (Frappe's own
			# race, seen on any workspace with charts): listed, not counted against the app
			self.upstream.append(f"{self.where}: {error.message}")
			return
		self.fail(f"uncaught page error: {error.message} [{stack[:300]}]")

	def _on_console(self, message):
		if message.type != "error":
			return
		text = message.text
		if "Failed to load resource" in text or "socket.io" in text or "WebSocket" in text:
			return  # a failed call is counted by its response; the realtime socket is not served
		self.fail(f"console error: {text[:300]}")

	# -------------------------------------------------------------- waiting
	def settle(self, quiet_ms: int = 300, timeout_s: float = 30):
		"""Until no request of the page's has been in flight for quiet_ms."""
		deadline = time.monotonic() + timeout_s
		quiet_since = None
		while time.monotonic() < deadline:
			self.page.wait_for_timeout(100)
			if self.inflight == 0 and not self.page.evaluate(
				"() => !!(window.frappe && frappe.dom && frappe.dom.freeze_count)"
			):
				quiet_since = quiet_since or time.monotonic()
				if (time.monotonic() - quiet_since) * 1000 >= quiet_ms:
					return
			else:
				quiet_since = None
		self.fail(f"still loading after {timeout_s:.0f}s")

	def check_dialogs(self):
		"""An error dialog open now is a failure; every dialog is closed afterwards."""
		errors = self.page.evaluate(
			"""() => $('.modal.show').filter((i, m) => $(m).find('.modal-header .indicator.red, .modal-header .indicator.red-indicator').length)
				.map((i, m) => $(m).find('.modal-title').text().trim() + ': ' + $(m).find('.modal-body').text().trim()).get()"""
		)
		for text in errors:
			self.fail("error dialog: " + re.sub(r"\s+", " ", text)[:300])
		self.close_dialogs()

	def close_dialogs(self):
		if self.page.evaluate(
			"""() => { const open = $('.modal.show').length;
				if (frappe.msg_dialog && frappe.msg_dialog.display) frappe.msg_dialog.hide();
				if (window.cur_dialog && cur_dialog.display) cur_dialog.hide();
				$('.modal.show').modal('hide'); return open; }"""
		):
			self.page.wait_for_timeout(300)

	# -------------------------------------------------------------- navigation
	def start(self, route: str = "order-tracking"):
		self.where = f"/app/{route}"
		self.page.goto(f"{URL}/app/{route}")
		self.page.wait_for_function(
			"() => window.frappe && frappe.boot && frappe.router && frappe.container && frappe.container.page"
		)
		self.settle()
		self.pages += 1
		self.check_dialogs()

	def route(self, *parts, ready: str, where: str | None = None, args=None):
		"""frappe.set_route(*parts) in the page, then until `ready` (a JS function) is true."""
		self.where = where or "/".join(str(p) for p in parts)
		started = time.monotonic()
		self.page.evaluate("(parts) => frappe.set_route(...parts)", list(parts))
		try:
			self.page.wait_for_function(safe(ready), arg=args, timeout=TIMEOUT)
		except Exception as error:
			self.fail(f"did not open: {str(error).splitlines()[0][:200]}")
		self.settle()
		self.pages += 1
		self.timings.append((round(time.monotonic() - started, 1), self.where))
		self.check_dialogs()

	def open_form(self, doctype: str, name: str | None = None):
		name = name or doctype
		self.route(
			"Form",
			doctype,
			name,
			where=f"{doctype} {name}",
			ready="([dt, dn]) => window.cur_frm && cur_frm.doctype === dt && cur_frm.docname === dn && cur_frm.doc && !cur_frm.doc.__unsaved_refresh && $(cur_frm.wrapper).is(':visible')",
			args=[doctype, name],
		)

	def open_list(self, doctype: str):
		self.route(
			"List",
			doctype,
			where=f"{doctype} list",
			ready="(dt) => window.cur_list && cur_list.doctype === dt && $(cur_list.page.wrapper).is(':visible') && cur_list.data !== undefined",
			args=doctype,
		)

	def open_report(self, name: str):
		self.route(
			"query-report",
			name,
			where=f"report {name}",
			ready="(name) => frappe.query_report && frappe.query_report.report_name === name && $(frappe.query_report.page.wrapper).is(':visible')",
			args=name,
		)

	def wait_for_charts(self):
		"""Every chart of the workspace drawn, and a moment more: frappe-charts still drawing when
		the user leaves draws into a hidden box (negative widths in the console)."""
		self.wait_for(
			"() => $('.widget.dashboard-widget-box').length > 0 && $('.widget.dashboard-widget-box').toArray().every((w) => $(w).find('svg.frappe-chart, .chart-empty-state, .empty-state').length)",
			"the workspace's charts drawn",
			timeout=20000,
		)
		self.page.wait_for_timeout(2000)

	def js(self, expression: str, arg=None):
		return self.page.evaluate(expression, arg)

	def translate(self, text: str, args: list | None = None) -> str:
		return self.js("([t, a]) => __(t, a)", [text, args])

	# -------------------------------------------------------------- buttons
	def visible_buttons(self) -> set[tuple[str, str]]:
		return {(b["group"], b["label"]) for b in self.js("() => window.__ot_visible_buttons()")}

	def click_button(self, label: str, group: str = "", args: list | None = None):
		"""A real click on the app's button (the group's dropdown first)."""
		self.clicks += 1
		label_t, group_t = self.translate(label, args), self.translate(group) if group else ""
		encoded = self.js("([l, g]) => [encodeURIComponent(l), encodeURIComponent(g)]", [label_t, group_t])
		head = self.page.locator(".page-head:visible .custom-actions")
		if (group_t, label_t) not in self.visible_buttons():
			raise AssertionError(f"no button {group + ' > ' if group else ''}{label} to click")
		if group:
			head.locator(f'.inner-group-button[data-label="{encoded[1]}"] > button').click()
			head.locator(
				f'.inner-group-button[data-label="{encoded[1]}"] .dropdown-item[data-label="{encoded[0]}"]'
			).click()
		else:
			head.locator(f'button[data-label="{encoded[0]}"]').click()

	def dialog(self, values: dict | None = None, primary: bool = True, timeout: int = TIMEOUT):
		"""The dialog now open: its fields set to `values`, then its primary button clicked."""
		self.page.wait_for_function(safe("() => window.cur_dialog && cur_dialog.display"), timeout=timeout)
		self.page.wait_for_timeout(300)
		for field, value in (values or {}).items():
			self.js("([f, v]) => cur_dialog.set_value(f, v)", [field, value])
		self.page.wait_for_timeout(300)
		self.settle()
		if primary:
			self.clicks += 1
			self.page.locator(".modal.show .modal-footer .btn-primary:visible").last.click()

	def wait_for(self, js: str, what: str, arg=None, timeout: int = TIMEOUT) -> bool:
		try:
			self.page.wait_for_function(safe(js), arg=arg, timeout=timeout)
			return True
		except Exception:
			self.fail(f"{what}: not seen within {timeout // 1000}s")
			return False

	def shot(self, name: str, only: set[str] | None = None):
		"""A screenshot of the page (of some roles only: a few per role are kept)."""
		if only and self.role not in only:
			return
		slug = self.role.lower().replace(" ", "-") + ("" if self.lang == "en" else f"-{self.lang.lower()}")
		self.page.screenshot(path=str(SHOTS / f"desk-{slug}-{name}.png"), full_page=False)

	def close(self):
		STATS.parent.mkdir(parents=True, exist_ok=True)
		with STATS.open("a") as f:
			f.write(
				json.dumps(
					{
						"role": self.role,
						"lang": self.lang,
						"pages": self.pages,
						"clicks": self.clicks,
						"failures": len(self.failures),
						"upstream": self.upstream,
						"seconds": round(time.monotonic() - self.started),
						"slowest": sorted(self.timings, reverse=True)[:3],
						"sections": self.sections,
					}
				)
				+ "\n"
			)
		self.context.close()

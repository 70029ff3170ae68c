"""The Sales Order form in the browser, with and without the app's client scripts.

    .ci/.venv-browser/bin/python benchmarks/bench_desk_form.py --url http://ot-desk.localhost:8012 \\
        --user Administrator --password admin --order SAL-ORD-2026-00004 -n 15

Debian's chromium driven by Playwright (as the desk suite). Each sample is a fresh browser
context (no cached DocType in localStorage, so every load fetches the form's meta): the desk is
booted on /app/todo, then the clock runs from `frappe.set_route("Form", "Sales Order", name)` until
the form is refreshed and no request of the page's has been in flight for 300 ms (the quiet
window is not counted). The answer of `frappe.desk.form.load.getdoctype` goes through Playwright
either way (fetched, parsed, written back — both pay that); *without the app* it is rewritten: every segment of `__js` / `__list_js` that Frappe appended
from the app's `doctype_js` hooks (its `/* Adding …order_tracking… */` blocks) is cut out, so the
page runs ERPNext's Sales Order script exactly as with the app, and none of the app's — no
Order Tracking section, no get_order_status call, no buttons. Everything else is identical:
the same server, custom fields, doc events. Samples alternate between the two, so drift hits
both. Prints the median and spread of each and the ratio; exits 1 when the app's form takes more
than --limit (1.2) times the other."""

import argparse
import json
import re
import statistics
import sys
import time

from playwright.sync_api import sync_playwright

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
SEGMENT = re.compile(r"\n\n/\* Adding (\S+) \*/\n\n")


def strip_app_code(code: str) -> str:
	"""`code` without the segments Frappe appended from the order_tracking app's files."""
	parts = SEGMENT.split(code or "")
	kept = [parts[0]]
	for path, body in zip(parts[1::2], parts[2::2], strict=True):
		if "order_tracking" not in path:
			kept.append(f"\n\n/* Adding {path} */\n\n{body}")
	return "".join(kept)


def meta_handler(app: bool):
	"""The meta's answer passed through the same hands either way (fetched, parsed, written back),
	so both variants pay the interception; only without the app is its code cut out."""

	def handle(route):
		response = route.fetch()
		body = response.json()
		for doc in body.get("docs", []):
			for field in ("__js", "__list_js"):
				if doc.get(field) and not app:
					doc[field] = strip_app_code(doc[field])
		route.fulfill(response=response, body=json.dumps(body))

	return handle


def one_load(browser, url, user, password, order, app: bool) -> float:
	context = browser.new_context(viewport={"width": 1400, "height": 900})
	context.route(re.compile(r".*/socket\.io/.*"), lambda r: r.abort())
	context.route(re.compile(r".*/api/method/frappe\.desk\.form\.load\.getdoctype.*"), meta_handler(app))
	context.request.post(f"{url}/api/method/login", form={"usr": user, "pwd": password})
	page = context.new_page()
	inflight = {"n": 0, "last": time.monotonic()}

	def started(request):
		if "socket.io" not in request.url:
			inflight["n"] += 1

	def done(request):
		if "socket.io" not in request.url:
			inflight["n"] = max(inflight["n"] - 1, 0)
			inflight["last"] = time.monotonic()

	page.on("request", started)
	page.on("requestfinished", done)
	page.on("requestfailed", done)
	page.goto(f"{url}/app/todo")
	page.wait_for_function("() => window.cur_list && cur_list.doctype === 'ToDo'")
	page.wait_for_timeout(1500)
	start = time.monotonic()
	page.evaluate("(name) => frappe.set_route('Form', 'Sales Order', name)", order)
	page.wait_for_function(
		"(name) => window.cur_frm && cur_frm.doctype === 'Sales Order' && cur_frm.docname === name && $(cur_frm.wrapper).is(':visible')",
		arg=order,
	)
	while True:
		page.wait_for_timeout(20)
		if inflight["n"] == 0 and time.monotonic() - inflight["last"] >= 0.3:
			break
	elapsed = inflight["last"] - start
	if app and not page.evaluate("() => $(cur_frm.wrapper).find('.order-tracking-section').length"):
		print("warning: the app's Order Tracking section did not show", file=sys.stderr)
	if not app and page.evaluate("() => $(cur_frm.wrapper).find('.order-tracking-section').length"):
		raise SystemExit("the app's script still ran with its code cut out")
	context.close()
	return elapsed * 1000


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--url", required=True)
	parser.add_argument("--user", default="Administrator")
	parser.add_argument("--password", default="admin")
	parser.add_argument("--order", required=True, help="a submitted Sales Order of the demo")
	parser.add_argument("-n", type=int, default=15, help="loads of each")
	parser.add_argument("--limit", type=float, default=1.2)
	parser.add_argument("--chromium", default="/usr/bin/chromium")
	args = parser.parse_args()
	samples = {True: [], False: []}
	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path=args.chromium, args=ARGS, headless=True)
		one_load(browser, args.url, args.user, args.password, args.order, True)  # warm the server
		for i in range(args.n):
			for app in (i % 2 == 0, i % 2 == 1):
				samples[app].append(one_load(browser, args.url, args.user, args.password, args.order, app))
		browser.close()
	for app, label in ((True, "with the app"), (False, "without its client scripts")):
		s = sorted(samples[app])
		print(
			f"Sales Order form {label:27}: median {statistics.median(s):7.0f} ms  "
			f"(min {s[0]:.0f}, max {s[-1]:.0f}, n={len(s)})"
		)
	ratio = statistics.median(samples[True]) / statistics.median(samples[False])
	verdict = "PASS" if ratio <= args.limit else "FAIL"
	print(f"ratio {ratio:.2f}x (limit {args.limit}x): {verdict}")
	sys.exit(0 if verdict == "PASS" else 1)


if __name__ == "__main__":
	main()

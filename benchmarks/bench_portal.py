"""Server time of the customer portal's pages for a customer with 1 000 orders (target 300 ms
each), and of an order confirmation's PDF (target 2 s). Not a test.

Run from the bench's `sites` folder with the bench's Python, on a site where the integration
suite has run (its fixtures):

    cd ~/ot-bench/sites && ../env/bin/python /path/to/benchmarks/bench_portal.py ot.localhost [URL]

The pages are rendered in-process through Frappe's website renderer as a portal user (request,
context, Jinja), 1 000 synthetic orders bulk-inserted for the user's customer and rolled back at
the end. The PDF needs the site's web server (wkhtmltopdf loads the print's styles from it): give
its URL (e.g. http://ot.localhost:8010, as `scripts/browser_test.sh` serves it) and the PDF of the
browser test's order is downloaded over HTTP as the browser test's customer A, with its password.
"""

import json
import os
import sys
import time
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import frappe

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tracking import bulk_orders, order_with_events, summary, timed

USER = "ot-bench-portal@example.com"


def render(url):
	from urllib.parse import parse_qsl

	from frappe.utils import set_request
	from frappe.website.serve import get_response

	path, _, query = url.partition("?")
	set_request(method="GET", path=path, query_string=query)
	frappe.local.form_dict = frappe._dict(parse_qsl(query))
	response = get_response(path)
	assert response.status_code == 200, (path, response.status_code)
	return response


def page_benchmarks(repeat=30):
	from order_tracking.customer_portal.test_portal import make_portal_user
	from order_tracking.tests.utils import CUSTOMER, make_fixtures

	make_fixtures()
	make_portal_user(USER, CUSTOMER)
	bulk_orders(1000, 9_000_000)
	busy = order_with_events(50)
	frappe.set_user(USER)
	count = len(frappe.get_all("Order Tracker", filters={"customer": CUSTOMER}, pluck="name"))
	render("/my-orders")  # warm caches
	render(f"/my-orders/{busy}")
	return {
		"orders_of_customer": count,
		"my_orders_page_1": summary(timed(lambda: render("/my-orders"), repeat)),
		"my_orders_page_40_search": summary(timed(lambda: render("/my-orders?page=40&q=BENCH"), repeat)),
		"order_page_50_events": summary(timed(lambda: render(f"/my-orders/{busy}"), repeat)),
	}


def pdf_benchmark(url, repeat=5):
	fixtures = json.loads(
		(Path(__file__).resolve().parents[1] / ".ci" / "logs" / "portal-fixtures.json").read_text()
	)
	opener = build_opener(HTTPCookieProcessor(CookieJar()))
	login = urlencode({"usr": fixtures["user_a"], "pwd": fixtures["password"]}).encode()
	opener.open(Request(f"{url}/api/method/login", data=login))
	order = fixtures["order_a"]
	query = urlencode({"order": order, "doctype": "Sales Order", "name": order})
	link = f"{url}/api/method/order_tracking.customer_portal.portal.download_document?{query}"

	def download():
		body = opener.open(link).read()
		assert body.startswith(b"%PDF"), body[:200]

	download()  # warm
	return {"confirmation_pdf_http": summary(timed(download, repeat))}


def main(site, url=None):
	frappe.init(site=site)
	frappe.connect()
	try:
		results = page_benchmarks()
	finally:
		frappe.db.rollback()
		frappe.destroy()
	if url:
		results.update(pdf_benchmark(url.rstrip("/")))
	print(json.dumps(results, indent=1))


if __name__ == "__main__":
	main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else os.environ.get("OT_PORTAL_URL"))

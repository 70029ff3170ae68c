"""The customer portal as a person uses it, in Debian's Chromium driven by Playwright.

Run by `scripts/browser_test.sh` (it serves the site, loads the fixtures and sets the environment);
skipped in the standalone suite. Screenshots go to `.ci/logs/portal-*.png`.

Customer A logs in, sees only A's orders, opens one, downloads its confirmation PDF, places an
order request with a customer item code and sees it listed; customer B sees none of A's orders
and is refused A's order page; the tracking link works logged out, an unknown one is a 404.
After delivery, A rates a delivered order once and raises a complaint from its page (a complaint
without text and one with a 20 MB attachment are refused with their reasons); logged out, the
tracking link's page only offers the login.
"""

import json
import os
import time
from pathlib import Path

import pytest

if not os.environ.get("OT_PORTAL_URL"):
	pytest.skip("browser test: run by scripts/browser_test.sh", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright

URL = os.environ["OT_PORTAL_URL"].rstrip("/")
FIXTURES = json.loads(Path(os.environ["OT_PORTAL_FIXTURES"]).read_text())
SHOTS = Path(os.environ.get("OT_SCREENSHOTS", Path(__file__).resolve().parents[2] / ".ci" / "logs"))
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


@pytest.fixture(scope="module")
def browser():
	SHOTS.mkdir(parents=True, exist_ok=True)
	with sync_playwright() as p:
		b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
		yield b
		b.close()


def shot(page, name):
	page.screenshot(path=str(SHOTS / f"portal-{name}.png"), full_page=True)


def login(browser, user):
	context = browser.new_context(accept_downloads=True, locale="en-US")
	page = context.new_page()
	page.goto(f"{URL}/login")
	page.fill("#login_email", user)
	page.fill("#login_password", FIXTURES["password"])
	page.click(".btn-login")
	page.wait_for_url(lambda url: "/login" not in url, timeout=20000)
	return context, page


def test_customer_a_sees_own_orders_downloads_confirmation_and_orders(browser):
	context, page = login(browser, FIXTURES["user_a"])
	page.goto(f"{URL}/my-orders")
	orders = page.locator("#ot-orders")
	expect(orders).to_contain_text(FIXTURES["order_a"])
	expect(orders).not_to_contain_text(FIXTURES["order_b"])
	shot(page, "a-my-orders")

	page.click(f"a[href='/my-orders/{FIXTURES['order_a']}']")
	expect(page.locator("#ot-stage")).to_be_visible()
	expect(page.locator("#ot-timeline")).to_contain_text("Order")
	shot(page, "a-order")
	with page.expect_download() as download:
		page.click(f"#ot-documents a[data-doctype='Sales Order'][data-name='{FIXTURES['order_a']}']")
	pdf = Path(download.value.path()).read_bytes()
	assert pdf.startswith(b"%PDF"), pdf[:200]
	(SHOTS / "portal-a-order-confirmation.pdf").write_bytes(pdf)

	reference = f"BROWSER-REQ-{int(time.time())}"
	page.goto(f"{URL}/order-request")
	page.fill("#ot-reference", reference)
	page.fill("#ot-delivery-date", time.strftime("%Y-%m-%d", time.localtime(time.time() + 30 * 86400)))
	page.fill("#ot-lines [name=code]", FIXTURES["customer_item_code"])
	page.fill("#ot-lines [name=qty]", "7")
	page.click("#ot-submit")
	expect(page.locator("#ot-answer-ok")).to_be_visible(timeout=30000)
	shot(page, "a-order-request")
	page.goto(f"{URL}/my-orders?q={reference}")
	expect(page.locator("#ot-orders")).to_contain_text(reference)
	shot(page, "a-my-orders-with-request")
	context.close()


def test_customer_b_sees_none_of_a(browser):
	context, page = login(browser, FIXTURES["user_b"])
	page.goto(f"{URL}/my-orders")
	expect(page.locator("#ot-orders")).to_contain_text(FIXTURES["order_b"])
	expect(page.locator("body")).not_to_contain_text(FIXTURES["order_a"])
	shot(page, "b-my-orders")
	response = page.goto(f"{URL}/my-orders/{FIXTURES['order_a']}")
	assert response.status == 403
	expect(page.locator("body")).not_to_contain_text("BROWSER-A")
	shot(page, "b-refused-a-order")
	response = page.goto(f"{URL}/my-orders?q={FIXTURES['order_a']}")
	expect(page.locator("#ot-no-orders")).to_be_visible()
	context.close()


def test_tracking_link_works_logged_out(browser):
	context = browser.new_context(locale="en-US")
	page = context.new_page()
	response = page.goto(f"{URL}/track/{FIXTURES['token']}")
	assert response.status == 200
	expect(page.locator(".ot-order")).to_contain_text(FIXTURES["order_a"])
	expect(page.locator("body")).not_to_contain_text("Documents")
	shot(page, "track-logged-out")
	response = page.goto(f"{URL}/track/{'x' * 32}")
	assert response.status == 404
	context.close()


def test_customer_a_rates_and_complains_about_a_delivered_order(browser):
	context, page = login(browser, FIXTURES["user_a"])
	page.goto(f"{URL}/my-orders/{FIXTURES['delivered_a']}")
	form = page.locator("#ot-rating-form")
	expect(form).to_be_visible()
	form.locator("input[name=rating][value='4']").check()
	form.locator("textarea[name=comment]").fill("Good shoes, the box was dented")
	form.locator("button[type=submit]").click()
	given = page.locator("#ot-rating-given")
	expect(given).to_contain_text("4 of 5", timeout=90000)
	expect(given).to_contain_text("the box was dented")
	expect(page.locator("#ot-rating-form")).to_have_count(0)  # once

	complaint = page.locator("#ot-complaint-form")
	complaint.locator("button[type=submit]").click()
	expect(page.locator("#ot-complaint-error")).to_contain_text("text is required", timeout=90000)
	complaint.locator("textarea[name=description]").fill("One sole came loose")
	complaint.locator("input[name=attachment]").set_input_files(
		{"name": "sole.jpg", "mimeType": "image/jpeg", "buffer": b"\0" * (20 * 1024 * 1024)}
	)
	complaint.locator("button[type=submit]").click()
	expect(page.locator("#ot-complaint-error")).to_contain_text("too large", timeout=120000)
	shot(page, "a-complaint-refused")
	complaint.locator("input[name=attachment]").set_input_files([])
	complaint.locator("button[type=submit]").click()
	expect(page.locator("#ot-complaints")).to_contain_text("One sole came loose", timeout=90000)
	shot(page, "a-rated-and-complained")

	# the same order's tracking link, logged in: the rating is there, no second form
	page.goto(f"{URL}/track/{FIXTURES['delivered_token']}")
	expect(page.locator("#ot-rating-given")).to_contain_text("4 of 5")
	context.close()


def test_tracking_link_offers_only_the_login_logged_out(browser):
	context = browser.new_context(locale="en-US")
	page = context.new_page()
	page.goto(f"{URL}/track/{FIXTURES['delivered_token']}")
	expect(page.locator("#ot-after-sales-login")).to_be_visible()
	expect(page.locator("body")).not_to_contain_text("dented")
	expect(page.locator("#ot-rating-form")).to_have_count(0)
	shot(page, "track-delivered-logged-out")
	context.close()

"""Fuzz the app's API with Schemathesis against its own OpenAPI description (issue IG-1).

Run by `scripts/fuzz_api.sh` against a site served by gunicorn (in CI: the throw-away demo site of
`scripts/check_demo_site.sh`, so nothing the fuzzer writes stays). Three passes over every
operation of `/api/method/order_tracking.api.openapi.spec`:

- as Administrator (API key and secret): the methods do their work on generated input;
- as a user with no role (API key): every method must refuse;
- as Guest (no credentials): likewise, the signed carrier webhook answering 401.

Each pass runs Schemathesis' coverage and fuzzing phases with the `not_a_server_error` check and
records every request in a VCR cassette; the requests, their status codes and any 5xx are counted
from the cassettes. Prints `FUZZ RESULT: ...`; exits 1 on any 5xx of the app's, or when fewer than
`--min-requests` requests were made.

One 5xx is Frappe's and comes before any code of the app's runs: a body sent as
`Content-Type: application/json` that is not JSON (Schemathesis sends random bytes so) fails in
`frappe.app.make_form_dict` -> `json.loads`, for every path of every app, Frappe's own `/api/method/ping`
included. No hook runs before it, so the app cannot answer it; such answers are counted apart
(`frappe_request_parsing`), listed, and do not fail the run. Any other 5xx does.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
from collections import Counter
from pathlib import Path

import requests
import yaml

ROLELESS_USER = "fuzz-roleless@example.com"


class Site:
	def __init__(self, url: str, site: str):
		self.url = url.rstrip("/")
		self.session = requests.Session()
		self.session.headers["Host"] = site
		self.session.headers["Accept"] = "application/json"

	def call(self, method: str, path: str, **kwargs):
		response = self.session.request(method, f"{self.url}{path}", timeout=120, **kwargs)
		response.raise_for_status()
		return response.json()


def credentials(site: Site, password: str) -> dict[str, str]:
	"""API tokens of Administrator and of a user without roles (made here when missing)."""
	site.call("POST", "/api/method/login", json={"usr": "Administrator", "pwd": password})
	if not site.session.get(f"{site.url}/api/resource/User/{ROLELESS_USER}", timeout=60).ok:
		site.call(
			"POST",
			"/api/resource/User",
			json={
				"email": ROLELESS_USER,
				"first_name": "Fuzz Roleless",
				"send_welcome_email": 0,
				"new_password": secrets.token_urlsafe(16),
			},
		)
	tokens = {}
	for user in ("Administrator", ROLELESS_USER):
		secret = site.call(
			"POST", "/api/method/frappe.core.doctype.user.user.generate_keys", json={"user": user}
		)["message"]["api_secret"]
		key = site.call("GET", f"/api/resource/User/{user}")["data"]["api_key"]
		tokens[user] = f"token {key}:{secret}"
	roles = site.call("GET", f"/api/resource/User/{ROLELESS_USER}")["data"].get("roles") or []
	if roles:
		raise SystemExit(f"{ROLELESS_USER} has roles {roles}: it must have none")
	return tokens


def run_pass(args, spec: Path, name: str, authorization: str | None, max_examples: int, out: Path):
	cassette = out / f"fuzz-{name}.yaml"
	command = [
		args.st,
		"run",
		str(spec),
		"--url",
		args.url,
		"-H",
		f"Host: {args.site}",
		"--checks",
		"not_a_server_error",
		"--phases",
		"coverage,fuzzing",
		"--max-examples",
		str(max_examples),
		"--workers",
		str(args.workers),
		"--request-timeout",
		"60",
		"--report",
		"vcr",
		"--report-vcr-path",
		str(cassette),
		"--no-color",
	]
	if authorization:
		command += ["-H", f"Authorization: {authorization}"]
	with open(out / f"fuzz-{name}.log", "w") as log:
		rc = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
	return rc, cassette


def frappe_request_parsing(body: str) -> bool:
	"""Frappe's 500 for a JSON body that is not JSON, raised while it reads the request."""
	return "make_form_dict" in body and "JSONDecodeError" in body


def tally(cassette: Path) -> tuple[Counter, list[dict]]:
	"""Status codes of every request in the cassette, and the 5xx ones (method, path, body)."""
	statuses: Counter = Counter()
	server_errors = []
	if not cassette.exists():
		return statuses, server_errors
	data = yaml.safe_load(cassette.read_text()) or {}
	for interaction in data.get("http_interactions", []):
		response = interaction.get("response") or {}
		code = int((response.get("status") or {}).get("code") or 0)
		statuses[code] += 1
		if code >= 500:
			request = interaction.get("request") or {}
			body = response.get("body") or {}
			server_errors.append(
				{
					"method": request.get("method"),
					"uri": request.get("uri"),
					"status": code,
					"body": str(body.get("string") or body.get("base64_string") or "")[:2000],
				}
			)
	return statuses, server_errors


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--url", required=True, help="http://127.0.0.1:PORT of a gunicorn serving the site")
	parser.add_argument("--site", required=True)
	parser.add_argument("--password", required=True, help="Administrator's password")
	parser.add_argument("--st", default="st", help="the schemathesis command")
	parser.add_argument("--out", default=".ci/logs")
	parser.add_argument("--max-examples", type=int, default=40, help="per operation, as Administrator")
	parser.add_argument("--workers", type=int, default=2)
	parser.add_argument("--min-requests", type=int, default=1000)
	args = parser.parse_args()
	out = Path(args.out)
	out.mkdir(parents=True, exist_ok=True)

	site = Site(args.url, args.site)
	tokens = credentials(site, args.password)
	spec = site.call("GET", "/api/method/order_tracking.api.openapi.spec")["message"]
	spec_path = out / "fuzz-openapi.json"
	spec_path.write_text(json.dumps(spec, indent=1))
	operations = sum(len(item) for item in spec.get("paths", {}).values())

	passes = (
		("administrator", tokens["Administrator"], args.max_examples),
		("roleless", tokens[ROLELESS_USER], max(args.max_examples // 4, 5)),
		("guest", None, max(args.max_examples // 4, 5)),
	)
	total: Counter = Counter()
	errors = []
	rows = []
	for name, authorization, max_examples in passes:
		rc, cassette = run_pass(args, spec_path, name, authorization, max_examples, out)
		statuses, server_errors = tally(cassette)
		total.update(statuses)
		errors += [{**e, "pass": name} for e in server_errors]
		rows.append((name, sum(statuses.values()), dict(sorted(statuses.items())), rc))

	print(f"{'pass':<15}{'requests':>9}  status codes (schemathesis exit)")
	for name, count, statuses, rc in rows:
		print(f"{name:<15}{count:>9}  {statuses} ({rc})")
	requests_made = sum(total.values())
	frappes = [e for e in errors if frappe_request_parsing(e["body"])]
	errors = [e for e in errors if not frappe_request_parsing(e["body"])]
	server_errors = len(errors)
	client_errors = sum(n for code, n in total.items() if 400 <= code < 500)
	for e in frappes:
		print(f"Frappe's request parsing (not JSON, before the app): {e['method']} {e['uri']}")
	for e in errors:
		print(f"\n5xx in pass {e['pass']}: {e['method']} {e['uri']} -> {e['status']}\n{e['body']}")
	print(
		f"FUZZ RESULT: {requests_made} requests over {operations} operations in 3 passes "
		f"(Administrator, no role, Guest); {client_errors} answered 4xx; {server_errors} answered 5xx "
		f"from the app; {len(frappes)} 5xx from Frappe's request parsing of bodies that are not JSON"
	)
	if server_errors or requests_made < args.min_requests:
		sys.exit(1)


if __name__ == "__main__":
	main()

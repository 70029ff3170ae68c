"""The app's REST surface as a whole: the OpenAPI description against the decorators in the
source, and every whitelisted method called over HTTP as Guest and as a user with no role — each
refused with 403, nothing written."""

from __future__ import annotations

import ast
import base64
from pathlib import Path
from urllib.parse import unquote

import frappe
from frappe.tests.test_api import FrappeAPITestCase

from order_tracking.api import openapi

APP_ROOT = Path(openapi.__file__).resolve().parents[1]
# methods a caller without a login may call: each authenticates the request itself
GUEST_ALLOWED = {"order_tracking.api.carrier.receive_event"}
# tables whose rows a refused call must leave alone, besides the app's own
WATCHED = (
	"Sales Order",
	"Work Order",
	"Job Card",
	"Stock Entry",
	"Purchase Order",
	"Purchase Invoice",
	"Sales Invoice",
	"Delivery Note",
	"Material Request",
	"Subcontracting Order",
	"Comment",
)
NO_ROLE_USER = "ot-no-role@example.com"


def whitelisted_in_source() -> set[str]:
	"""operationIds of every `@frappe.whitelist` in the app's source (tests left out): module
	functions as their dotted path, DocType methods as `<scrubbed doctype>.<method>`."""
	found = set()
	for path in APP_ROOT.rglob("*.py"):
		relative = path.relative_to(APP_ROOT.parent)
		if path.name.startswith("test_") or "tests" in relative.parts or "patches" in relative.parts:
			continue
		module = ".".join(relative.with_suffix("").parts)
		tree = ast.parse(path.read_text())

		def decorated(node) -> bool:
			return any(
				"whitelist" in ast.unparse(d.func if isinstance(d, ast.Call) else d)
				for d in node.decorator_list
			)

		for node in tree.body:
			if isinstance(node, ast.FunctionDef) and decorated(node):
				found.add(f"{module}.{node.name}")
			elif isinstance(node, ast.ClassDef):
				for item in node.body:
					if isinstance(item, ast.FunctionDef) and decorated(item):
						# a controller lives in doctype/<folder>/<folder>.py: the folder is the scrubbed name
						found.add(f"{path.parent.name}.{item.name}")
	return found


def operations(spec: dict):
	for path, item in spec["paths"].items():
		for verb, op in item.items():
			yield path, verb, op


def dummy(schema: dict):
	kind = schema.get("type")
	kind = kind[0] if isinstance(kind, list) else kind
	return {"integer": 1, "number": 1, "boolean": 0, "array": [], "object": {}}.get(kind, "OT-NONE-1")


class TestAPISurface(FrappeAPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.spec = openapi.build()
		if not frappe.db.exists("User", NO_ROLE_USER):
			frappe.get_doc(
				{"doctype": "User", "email": NO_ROLE_USER, "first_name": "No Role", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		user = frappe.get_doc("User", NO_ROLE_USER)
		user.roles = []
		user.api_key = user.api_key or frappe.generate_hash(length=15)
		cls.secret = frappe.generate_hash(length=15)
		user.api_secret = cls.secret
		user.save(ignore_permissions=True)
		cls.no_role_auth = f"token {user.api_key}:{cls.secret}"
		admin = frappe.get_doc("User", "Administrator")
		admin.api_key = admin.api_key or frappe.generate_hash(length=15)
		cls.admin_secret = frappe.generate_hash(length=15)
		admin.api_secret = cls.admin_secret
		admin.save(ignore_permissions=True)
		cls.admin_auth = f"token {admin.api_key}:{cls.admin_secret}"
		# one record of each DocType with whitelisted methods, for their /method/ paths
		cls.records = {}
		for path, _verb, _op in operations(cls.spec):
			if path.startswith("/api/v2/document/"):
				doctype = unquote(path.split("/")[4])
				if doctype not in cls.records:
					doc = frappe.new_doc(doctype)
					doc.name = "OT-SEC-" + frappe.generate_hash(length=8)
					doc.owner = "Administrator"
					doc.db_insert()
					cls.records[doctype] = doc.name
		frappe.db.commit()  # nosemgrep — the requests run in their own connections

	@classmethod
	def tearDownClass(cls):
		for doctype, name in cls.records.items():
			frappe.db.delete(doctype, {"name": name})
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def setUp(self):
		# every request comes from one address: start each test with the rate limits unspent
		frappe.cache.delete_keys("rl:")

	def test_description_covers_exactly_the_source(self):
		described = {op["operationId"] for _p, _v, op in operations(self.spec)}
		overrides = set(frappe.get_hooks("override_whitelisted_methods", app_name="order_tracking"))
		source = whitelisted_in_source()
		self.assertEqual(described - overrides, source)
		self.assertTrue(overrides <= described)
		# a method everyone relies on, described with its parameter and verb
		status = self.spec["paths"]["/api/method/order_tracking.api.tracking.get_order_status"]
		self.assertEqual(list(status), ["get"])
		self.assertEqual(
			status["get"]["parameters"],
			[{"name": "order", "in": "query", "required": True, "schema": {"type": "string"}}],
		)
		submit = self.spec["paths"]["/api/method/order_tracking.api.intake.submit_order"]
		self.assertIn("post", submit)

	def test_served_to_users_not_to_guests(self):
		path = self.method("order_tracking.api.openapi.spec")
		answer = self.get(path, headers={"Authorization": self.admin_auth})
		self.assertEqual(answer.status_code, 200)
		self.assertEqual(answer.json["message"]["openapi"], "3.1.0")
		self.assertEqual(set(answer.json["message"]["paths"]), set(self.spec["paths"]))
		self.assertEqual(self.get(path).status_code, 403)

	def counts(self) -> dict:
		modules = frappe.get_all("Module Def", filters={"app_name": "order_tracking"}, pluck="name")
		doctypes = frappe.get_all(
			"DocType", filters={"module": ("in", modules), "issingle": 0, "is_virtual": 0}, pluck="name"
		)
		return {dt: frappe.db.count(dt) for dt in [*doctypes, *WATCHED]}

	def call(self, path: str, verb: str, op: dict, auth: str | None):
		headers = {"Authorization": auth} if auth else {}
		if "{name}" in path:
			path = path.replace("{name}", self.records[unquote(path.split("/")[4])])
		if verb == "get":
			args = {p["name"]: dummy(p["schema"]) for p in op.get("parameters", []) if p["in"] == "query"}
			return self.get(path, args, headers=headers)
		body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
		args = {name: dummy(schema) for name, schema in body.get("properties", {}).items()}
		return self.post(path, args, headers=headers)

	def test_every_method_refuses_guests_and_users_without_roles(self):
		before = self.counts()
		refused = []
		for path, verb, op in operations(self.spec):
			if op["operationId"] in GUEST_ALLOWED:
				continue
			for who, auth in (("Guest", None), ("no role", self.no_role_auth)):
				answer = self.call(path, verb, op, auth)
				if answer.status_code != 403:
					refused.append((op["operationId"], verb, who, answer.status_code, answer.text[:300]))
		frappe.db.rollback()
		self.assertEqual(refused, [])
		self.assertEqual(self.counts(), before)
		self.assertGreaterEqual(len(list(operations(self.spec))), 20)

	def test_every_method_called_without_its_required_arguments_is_400(self):
		"""What the fuzzer found first: a whitelisted method without one of its arguments answered
		500 (Python's TypeError). Each method of the app, called by Administrator with none of its
		required arguments, answers 400 naming them and writes nothing."""
		before = self.counts()
		wrong = []
		checked = 0
		for path, verb, op in operations(self.spec):
			if not path.startswith("/api/method/") or op["operationId"] in GUEST_ALLOWED:
				continue
			body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
			required = [p["name"] for p in op.get("parameters", []) if p.get("required")]
			required += body.get("required", [])
			if not required:
				continue
			checked += 1
			headers = {"Authorization": self.admin_auth}
			answer = (
				self.get(path, {}, headers=headers) if verb == "get" else self.post(path, {}, headers=headers)
			)
			messages = answer.json.get("_server_messages", "") if answer.json else ""
			if answer.status_code != 400 or not all(name in messages for name in required):
				wrong.append((op["operationId"], answer.status_code, answer.text[:300]))
		frappe.db.rollback()
		self.assertEqual(wrong, [])
		self.assertGreaterEqual(checked, 20)
		self.assertEqual(self.counts(), before)

	def test_basic_auth_is_described_as_it_works(self):
		# the description offers HTTP basic with api_key:api_secret; Frappe accepts it
		key = frappe.db.get_value("User", "Administrator", "api_key")
		basic = base64.b64encode(f"{key}:{self.admin_secret}".encode()).decode()
		answer = self.get(
			self.method("order_tracking.api.openapi.spec"), headers={"Authorization": f"Basic {basic}"}
		)
		self.assertEqual(answer.status_code, 200)
		self.assertIn("basic", self.spec["components"]["securitySchemes"])

	def test_missing_or_non_text_arguments_are_400_naming_them(self):
		headers = {"Authorization": self.admin_auth}
		answer = self.get(self.method("order_tracking.api.tracking.get_order_status"), {}, headers=headers)
		self.assertEqual(answer.status_code, 400)
		self.assertIn("order", answer.json["_server_messages"])
		for value in ({}, [], False):
			answer = self.post(
				self.method("order_tracking.api.planning.regenerate_daily_schedule"),
				{"company": value},
				headers=headers,
			)
			self.assertEqual(answer.status_code, 400, value)
			self.assertIn("company", answer.json["_server_messages"])
		# a number where a name belongs is that name: not found, not a database error
		answer = self.post(
			self.method("order_tracking.api.planning.regenerate_daily_schedule"),
			{"company": 0},
			headers=headers,
		)
		self.assertTrue(400 <= answer.status_code < 500, answer.text[:300])
		self.assertIn("_server_messages", answer.json)
		# a list argument given as text that is not JSON (found by the fuzzer: was 500)
		answer = self.post(
			self.method("order_tracking.api.outsourcing.make_for_job_cards"),
			{"job_cards": "\u05cbm\x10", "supplier": "X", "due_date": "2030-01-01"},
			headers=headers,
		)
		self.assertEqual(answer.status_code, 417, answer.text[:300])
		self.assertIn("job_cards", answer.json["_server_messages"])

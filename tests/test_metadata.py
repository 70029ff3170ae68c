"""Checks of the app's own metadata that would catch a broken install, without a site."""

import ast
import csv
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "order_tracking"

# Frappe / ERPNext doctypes the app links to. A name missing here is a typo or a new dependency.
KNOWN_DOCTYPES = {
	"BOM",
	"Company",
	"Contact",
	"Currency",
	"Customer",
	"Customer Group",
	"Delivery Note",
	"DocType",
	"Email Account",
	"Holiday List",
	"Item Group",
	"Item",
	"Job Card",
	"Language",
	"Material Request",
	"Notification",
	"Operation",
	"Payment Entry",
	"Pick List",
	"Packing Slip",
	"Price List",
	"Purchase Invoice",
	"Purchase Order",
	"Purchase Receipt",
	"Quality Inspection",
	"Role",
	"Sales Invoice",
	"Sales Order",
	"Shipment",
	"Shipment Parcel Template",
	"Stock Entry",
	"Subcontracting Order",
	"Subcontracting Receipt",
	"Supplier",
	"UOM",
	"User",
	"Warehouse",
	"Workflow State",
	"Work Order",
	"Workstation",
	"Workstation Type",
}


def modules() -> list[str]:
	return [m.strip() for m in (APP / "modules.txt").read_text().splitlines() if m.strip()]


def scrub(name: str) -> str:
	return name.lower().replace(" ", "_").replace("-", "_")


def json_files(kind: str) -> list[Path]:
	return sorted(p for p in APP.glob(f"*/{kind}/*/*.json") if p.stem == p.parent.name)


DOCTYPE_FILES = json_files("doctype")
DOCTYPES = {json.loads(p.read_text())["name"]: p for p in DOCTYPE_FILES}


def test_app_has_its_modules_each_a_package():
	assert modules() == [
		"Order Tracking",
		"Order Planning",
		"Outsourcing",
		"Settlement",
		"Customer Portal",
		"Delivery",
		"Quality",
		"After Sales",
	]
	for m in modules():
		assert (APP / scrub(m) / "__init__.py").exists(), m


def test_there_are_doctypes():
	assert {
		"Order Intake",
		"Order Intake Item",
		"Order Event",
		"Order Tracker",
		"Order Tracking Settings",
	} <= set(DOCTYPES)


@pytest.mark.parametrize(
	"path", DOCTYPE_FILES + json_files("report") + json_files("workspace"), ids=lambda p: p.stem
)
def test_json_parses_and_names_a_module_of_the_app(path):
	data = json.loads(path.read_text())
	assert data["module"] in modules()
	assert path.parts[-4] == scrub(data["module"]), "file lies in its module's folder"
	assert path.stem == scrub(data["name"])


@pytest.mark.parametrize("path", DOCTYPE_FILES, ids=lambda p: p.stem)
def test_doctype_fields_are_consistent(path):
	data = json.loads(path.read_text())
	names = [f["fieldname"] for f in data["fields"]]
	assert len(names) == len(set(names)), "fieldnames are unique"
	assert data["field_order"] == names, "field_order lists every field once, in order"
	for f in data["fields"]:
		assert re.fullmatch(r"[a-z][a-z0-9_]*", f["fieldname"]), f["fieldname"]
		if f["fieldtype"] in ("Link", "Table", "Table MultiSelect"):
			target = f.get("options")
			assert target in DOCTYPES or target in KNOWN_DOCTYPES, f"{f['fieldname']} -> {target}"
		if f["fieldtype"] in ("Table", "Table MultiSelect"):
			assert json.loads(DOCTYPES[f["options"]].read_text()).get("istable"), f["options"]
		if f["fieldtype"] == "Dynamic Link":
			assert f.get("options") in names, f["fieldname"]
		if f.get("fetch_from"):
			link = f["fetch_from"].split(".")[0]
			assert link in names, f["fetch_from"]
		if f["fieldtype"] == "Select" and f.get("default"):
			assert f["default"] in f["options"].split("\n"), f["fieldname"]
	autoname = data.get("autoname") or ""
	if autoname.startswith("field:"):
		assert autoname[6:] in names
	for perm in data.get("permissions", []):
		assert perm["role"]


@pytest.mark.parametrize("path", DOCTYPE_FILES, ids=lambda p: p.stem)
def test_controller_class_matches_doctype(path):
	data = json.loads(path.read_text())
	controller = path.with_suffix(".py")
	assert controller.exists(), controller
	tree = ast.parse(controller.read_text())
	classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
	expected = data["name"].replace(" ", "").replace("-", "")
	assert expected in classes, f"{controller.name} defines {classes}"
	assert (path.parent / "__init__.py").exists()


def load_hooks() -> dict:
	namespace: dict = {}
	exec(compile((APP / "hooks.py").read_text(), "hooks.py", "exec"), namespace)
	return namespace


def dotted_paths(value):
	if isinstance(value, str):
		if value.startswith("order_tracking."):
			yield value
	elif isinstance(value, dict):
		for v in value.values():
			yield from dotted_paths(v)
	elif isinstance(value, list | tuple):
		for v in value:
			yield from dotted_paths(v)


def resolve(dotted: str) -> bool:
	"""True when `dotted` names a top-level function (or assigned name) in a module of the app."""
	module, _, attr = dotted.rpartition(".")
	parts = module.split(".")
	candidates = [ROOT.joinpath(*parts).with_suffix(".py"), ROOT.joinpath(*parts, "__init__.py")]
	source = next((c for c in candidates if c.exists()), None)
	if source is None:
		return False
	tree = ast.parse(source.read_text())
	for node in tree.body:
		if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == attr:
			return True
	return False


def test_every_hooks_path_resolves_to_a_function_of_the_app():
	hooks = load_hooks()
	paths = sorted({p for k, v in hooks.items() if not k.startswith("_") for p in dotted_paths(v)})
	assert len(paths) > 10
	unresolved = [p for p in paths if not resolve(p)]
	assert unresolved == []


def test_hooks_declare_the_app():
	hooks = load_hooks()
	assert hooks["app_name"] == "order_tracking"
	assert hooks["required_apps"] == ["frappe/erpnext"]
	assert hooks["export_python_type_annotations"] is True
	for doctype in (
		"Sales Order",
		"Work Order",
		"Job Card",
		"Stock Entry",
		"Purchase Order",
		"Subcontracting Order",
		"Subcontracting Receipt",
		"Delivery Note",
		"Shipment",
		"Sales Invoice",
		"Payment Entry",
	):
		events = hooks["doc_events"][doctype]
		assert "on_submit" in events and "on_cancel" in events, doctype


def test_doctype_js_files_exist():
	hooks = load_hooks()
	for key in ("doctype_js", "doctype_list_js"):
		for path in hooks.get(key, {}).values():
			assert (APP / path).exists(), path


def test_fixtures_are_filtered():
	for fixture in load_hooks()["fixtures"]:
		assert isinstance(fixture, dict) and fixture.get("filters"), fixture
		path = APP / "fixtures" / f"{scrub(fixture['dt'])}.json"
		assert path.exists(), path
		names = {d["name"] for d in json.loads(path.read_text())}
		allowed = set(fixture["filters"][0][2])
		assert names == allowed


def fixture_names(doctype: str) -> list[str]:
	"""The names hooks.py's fixtures filter for a DocType (install.py removes the same)."""
	return next(f["filters"][0][2] for f in load_hooks()["fixtures"] if f["dt"] == doctype)


def test_roles_of_the_app():
	assert set(fixture_names("Role")) == {
		"Order Clerk",
		"Order Reviewer",
		"Production Planner",
		"Outsourcing Manager",
		"Settlement Accountant",
	}


def test_core_never_imports_frappe():
	for path in (APP / "core").rglob("*.py"):
		tree = ast.parse(path.read_text())
		for node in ast.walk(tree):
			if isinstance(node, ast.Import):
				assert not any(a.name.split(".")[0] in ("frappe", "erpnext") for a in node.names), path
			if isinstance(node, ast.ImportFrom):
				assert (node.module or "").split(".")[0] not in ("frappe", "erpnext"), path


def test_patches_file_has_both_sections_and_resolving_entries():
	text = (APP / "patches.txt").read_text()
	assert "[pre_model_sync]" in text and "[post_model_sync]" in text
	for line in text.splitlines():
		line = line.split("#")[0].strip()
		if line and not line.startswith("["):
			assert resolve(line + ".execute"), line


def test_pyproject_declares_bench_dependencies():
	text = (ROOT / "pyproject.toml").read_text()
	assert "[tool.bench.frappe-dependencies]" in text
	assert 'frappe = ">=15.0.0,<16.0.0"' in text
	assert 'build-backend = "flit_core.buildapi"' in text


# ------------------------------------------------------------------ translations

JINJA_STRING = re.compile(r"""\b_\(\s*"([^"]+)"\s*\)""")
JS_STRING = re.compile(r"""__\(\s*(?P<q>"|'|`)(?P<s>(?:\\.|(?!(?P=q)).)*)(?P=q)\s*[,)]""", re.S)


def dict_field_strings(node: ast.Dict) -> set[str]:
	"""The strings a field defined as a Python dict shows (custom fields, property setters, dialog
	fields built in Python): its label and description, and a Select's options. Frappe translates
	them when it renders the form, so they need rows in the tables like any `_()` string."""
	entries = {
		k.value: v.value
		for k, v in zip(node.keys, node.values, strict=True)
		if isinstance(k, ast.Constant) and isinstance(v, ast.Constant) and isinstance(v.value, str)
	}
	strings = {entries[key] for key in ("label", "description") if entries.get(key)}
	if entries.get("fieldtype") == "Select" and entries.get("options"):
		strings.update(o for o in entries["options"].split("\n") if o)
	return strings


def user_strings() -> set[str]:
	"""Every string a user can see: messages in Python and JS, and the labels of doctypes,
	fields, select options and workspace entries."""
	found: set[str] = set()
	for path in APP.rglob("*.py"):
		if "/core/" in str(path) or path.name.startswith("test_"):
			continue
		for node in ast.walk(ast.parse(path.read_text())):
			if (
				isinstance(node, ast.Call)
				and getattr(node.func, "id", None) in ("_", "_lt")
				and node.args
				and isinstance(node.args[0], ast.Constant)
				and isinstance(node.args[0].value, str)
			):
				found.add(node.args[0].value)
			elif isinstance(node, ast.Dict):
				found.update(dict_field_strings(node))
	for path in APP.rglob("*.js"):
		for m in JS_STRING.finditer(path.read_text()):
			found.add(re.sub(r"\s+", " ", m.group("s")).strip())
	for path in json_files("print_format"):
		data = json.loads(path.read_text())
		found.add(data["name"])
		found.update(m.group(1) for m in JINJA_STRING.finditer(data.get("html") or ""))
	for path in json_files("report"):
		found.add(json.loads(path.read_text())["name"])
	for path in [*(APP / "www").rglob("*.html"), *(APP / "templates").rglob("*.html")]:
		found.update(m.group(1) for m in JINJA_STRING.finditer(path.read_text()))
	for item in load_hooks().get("standard_portal_menu_items", []):
		found.add(item["title"])
	for name, path in DOCTYPES.items():
		data = json.loads(path.read_text())
		found.add(name)
		for f in data["fields"]:
			for key in ("label", "description"):
				if f.get(key):
					found.add(f[key])
			if f["fieldtype"] == "Select" and f.get("options"):
				found.update(o for o in f["options"].split("\n") if o and not o.endswith(".-"))
	for path in json_files("number_card"):
		found.add(json.loads(path.read_text())["label"])
	for path in json_files("dashboard_chart"):
		found.add(json.loads(path.read_text())["chart_name"])
	for path in json_files("workspace"):
		data = json.loads(path.read_text())
		found.add(data["label"])
		found.update(link["label"] for link in data["links"])
		found.update(s["label"] for s in data["shortcuts"])
	for role in fixture_names("Role"):
		found.add(role)
	found.update(tracked_events())
	for workflow in json.loads((APP / "fixtures" / "workflow.json").read_text()):
		found.update(state["state"] for state in workflow["states"])
		found.update(t["action"] for t in workflow["transitions"])
	return {s for s in found if s.strip()}


def tracked_events() -> tuple[str, ...]:
	tree = ast.parse((APP / "order_tracking" / "events.py").read_text())
	for node in tree.body:
		if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EVENTS":
			return tuple(ast.literal_eval(node.value))
	raise AssertionError("events.EVENTS not found")


def test_events_written_by_the_app_are_in_the_event_vocabulary():
	"""Event names are stored in English and translated when shown: each must be known."""
	events = set(tracked_events())
	used = set()
	for path in [*(APP / "overrides").glob("*.py"), APP / "order_tracking" / "events.py"]:
		tree = ast.parse(path.read_text())
		for node in ast.walk(tree):
			if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "EventSpec":
				args = list(node.args[2:3]) + [k.value for k in node.keywords if k.arg == "event"]
				used.update(a.value for a in args if isinstance(a, ast.Constant))
			if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "").endswith("_EVENTS"):
				used.update(ast.literal_eval(node.value).values())
	assert len(used) > 15
	assert used - events == set()


def translation_rows(lang: str) -> list[list[str]]:
	with open(APP / "translations" / f"{lang}.csv", newline="", encoding="utf-8") as f:
		return [row for row in csv.reader(f) if row]


def translations(lang: str) -> dict[str, str]:
	"""Translations without a context (a context row gives the app's own sense of a shared word)."""
	return {row[0]: row[1] for row in translation_rows(lang) if len(row) == 2 or not row[2]}


@pytest.mark.parametrize("lang", ["zh", "zh-TW"])
def test_every_user_facing_string_is_translated(lang):
	table = translations(lang)
	missing = sorted(s for s in user_strings() if not table.get(s))
	assert missing == [], f"{len(missing)} strings without a {lang} translation"


@pytest.mark.parametrize("lang", ["zh", "zh-TW"])
def test_translations_keep_placeholders(lang):
	for source, target in translations(lang).items():
		assert sorted(re.findall(r"\{\d\}", source)) == sorted(re.findall(r"\{\d\}", target)), source


def test_traditional_and_simplified_tables_cover_the_same_strings():
	assert set(translations("zh")) == set(translations("zh-TW"))
	contexts = {
		lang: {(r[0], r[2]) for r in translation_rows(lang) if len(r) == 3} for lang in ("zh", "zh-TW")
	}
	assert contexts["zh"] == contexts["zh-TW"]
	strings = user_strings()
	assert all(source in strings for source, _context in contexts["zh"])
	assert all(context in DOCTYPES for _source, context in contexts["zh"])


def test_workspace_cards_charts_and_reports_exist():
	cards = {json.loads(p.read_text())["name"]: json.loads(p.read_text()) for p in json_files("number_card")}
	charts = {
		json.loads(p.read_text())["name"]: json.loads(p.read_text()) for p in json_files("dashboard_chart")
	}
	reports = {json.loads(p.read_text())["name"] for p in json_files("report")}
	for card in cards.values():
		assert card["module"] in modules() and card["is_standard"] == 1
		if card["type"] == "Custom":
			module, _dot, function = card["method"].rpartition(".")
			source = (ROOT / (module.replace(".", "/") + ".py")).read_text()
			assert f"def {function}(" in source, card["method"]
	for chart in charts.values():
		assert chart["module"] in modules() and chart["is_standard"] == 1
		if chart["chart_type"] == "Report":
			assert chart["report_name"] in reports
	for path in json_files("workspace"):
		data = json.loads(path.read_text())
		content = json.loads(data["content"])
		used_cards = {b["data"]["number_card_name"] for b in content if b["type"] == "number_card"}
		used_charts = {b["data"]["chart_name"] for b in content if b["type"] == "chart"}
		assert used_cards == {c["number_card_name"] for c in data["number_cards"]} and used_cards <= set(
			cards
		)
		assert used_charts == {c["chart_name"] for c in data["charts"]} and used_charts <= set(charts)
		linked = {link["link_to"] for link in data["links"] if link.get("link_type") == "Report"}
		assert linked == reports, "every report of the app is on the workspace"

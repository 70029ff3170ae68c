"""The app's layers point down (issue 19, "One room per feature"), read from its imports with `ast`:

- `www/` and `api/` on top, with `overrides/` (ERPNext's doc_events); then the stage modules, the
  kernel (`order_tracking/order_tracking/`) and `core/` at the ground: nothing in the app imports
  `api/`, `overrides/` or `www/` — but hooks (which name them as strings), a module of the same
  folder, a www page where it must, and tests that test the API;
- a stage module uses what another stage offers, never its private (`_`-prefixed) helpers.

Every import is read, also those inside functions. The allow-lists hold what the other modules'
engineers are still moving: they may only shrink (an entry that no longer occurs fails too).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "order_tracking"
TOP = ("api", "overrides", "www")
STAGES = ("order_planning", "outsourcing", "delivery", "settlement", "customer_portal")

# test scaffolding that means the API itself (the read replica's check calls the REST method)
TESTS_OF_THE_API = {"order_tracking/tests/replica_check.py"}

# (importing file, imported module) still to move; may only shrink
KNOWN_UPWARD_IMPORTS: set[tuple[str, str]] = set()
# (importing file, module, private name) still to move; may only shrink
KNOWN_PRIVATE_IMPORTS: set[tuple[str, str, str]] = set()


def app_files():
	for path in sorted(APP.rglob("*.py")):
		yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())


def is_test(rel: str) -> bool:
	return Path(rel).name.startswith("test_") or rel in TESTS_OF_THE_API


def imports(tree) -> list[tuple[str, list[str]]]:
	"""(module, names) of every import of the app's own modules."""
	found = []
	for node in ast.walk(tree):
		if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("order_tracking"):
			found.append((node.module, [a.name for a in node.names]))
			found.extend((f"{node.module}.{a.name}", []) for a in node.names)
		elif isinstance(node, ast.Import):
			found.extend((a.name, []) for a in node.names if a.name.startswith("order_tracking"))
	return found


def folder(module: str) -> str | None:
	parts = module.split(".")
	return parts[1] if len(parts) > 1 else None


def upward_imports() -> set[tuple[str, str]]:
	found = set()
	for rel, tree in app_files():
		own = rel.split("/")[1]
		if own == "www" or rel == "order_tracking/hooks.py" or is_test(rel):
			continue
		for module, _names in imports(tree):
			if folder(module) in TOP and folder(module) != own and module.count(".") >= 2:
				found.add((rel, module.rsplit(".", 1)[0] if _is_name(module) else module))
	return found


def _is_name(module: str) -> bool:
	"""`order_tracking.api.intake.submit_order` (a name imported from a module) rather than a module."""
	path = ROOT / module.replace(".", "/")
	return not (path.with_suffix(".py").exists() or path.is_dir())


def private_imports() -> set[tuple[str, str, str]]:
	"""A stage module's use of another stage's `_helper`: imported by name, or as `module._helper`."""
	found = set()
	for rel, tree in app_files():
		own = rel.split("/")[1]
		if own not in STAGES or is_test(rel):
			continue
		modules = {}
		for node in ast.walk(tree):
			if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("order_tracking."):
				for a in node.names:
					if (
						folder(node.module) in STAGES
						and folder(node.module) != own
						and a.name.startswith("_")
					):
						found.add((rel, node.module, a.name))
					modules[a.asname or a.name] = f"{node.module}.{a.name}"
			elif isinstance(node, ast.Import):
				for a in node.names:
					if a.asname:
						modules[a.asname] = a.name
		for node in ast.walk(tree):
			if (
				isinstance(node, ast.Attribute)
				and isinstance(node.value, ast.Name)
				and node.attr.startswith("_")
				and not node.attr.startswith("__")
			):
				module = modules.get(node.value.id)
				if module and folder(module) in STAGES and folder(module) != own:
					found.add((rel, module, node.attr))
	return found


def test_nothing_imports_api_overrides_or_www():
	found = upward_imports()
	assert found - KNOWN_UPWARD_IMPORTS == set(), "import api/, overrides/ or www/ only from hooks and tests"
	assert KNOWN_UPWARD_IMPORTS - found == set(), "moved: take it off KNOWN_UPWARD_IMPORTS"


def test_stage_modules_use_no_private_helpers_of_other_stages():
	found = private_imports()
	assert found - KNOWN_PRIVATE_IMPORTS == set(), "make the helper public, or move it down to the kernel"
	assert KNOWN_PRIVATE_IMPORTS - found == set(), "moved: take it off KNOWN_PRIVATE_IMPORTS"


def test_the_checks_see_an_upward_import(tmp_path, monkeypatch):
	"""The scan itself: a stage module importing the API and another stage's helper is found."""
	app = tmp_path / "order_tracking"
	(app / "api").mkdir(parents=True)
	(app / "api" / "intake.py").write_text("def submit_order(): ...\n")
	(app / "outsourcing").mkdir()
	(app / "outsourcing" / "orders.py").write_text("def _due(): ...\n")
	(app / "settlement").mkdir()
	(app / "settlement" / "costs.py").write_text(
		"from order_tracking.api.intake import submit_order\n"
		"from order_tracking.outsourcing import orders\n\n"
		"def f():\n\tfrom order_tracking.outsourcing.orders import _due\n\treturn orders._due()\n"
	)
	monkeypatch.setitem(globals(), "ROOT", tmp_path)
	monkeypatch.setitem(globals(), "APP", app)
	assert upward_imports() == {("order_tracking/settlement/costs.py", "order_tracking.api.intake")}
	assert private_imports() == {
		("order_tracking/settlement/costs.py", "order_tracking.outsourcing.orders", "_due"),
	}


def downward_only_imports() -> set[tuple[str, str]]:
	"""The kernel (`order_tracking/order_tracking/`) and `core/` under the stages: they import no
	stage module (what a stage adds to the kernel's read models comes in through hooks, such as
	`order_status_sections`)."""
	found = set()
	for rel, tree in app_files():
		own = rel.split("/")[1]
		if own not in ("order_tracking", "core") or is_test(rel):
			continue
		for module, _names in imports(tree):
			if folder(module) in STAGES:
				found.add((rel, module))
	return found


def test_the_kernel_and_core_import_no_stage_module():
	assert downward_only_imports() == set()


def test_the_downward_check_sees_a_kernel_importing_a_stage(tmp_path, monkeypatch):
	app = tmp_path / "order_tracking"
	(app / "order_tracking").mkdir(parents=True)
	(app / "order_tracking" / "intake.py").write_text(
		"def f():\n\tfrom order_tracking.customer_portal.portal import tracking_url\n"
	)
	monkeypatch.setitem(globals(), "ROOT", tmp_path)
	monkeypatch.setitem(globals(), "APP", app)
	assert downward_only_imports() == {
		("order_tracking/order_tracking/intake.py", "order_tracking.customer_portal.portal"),
		("order_tracking/order_tracking/intake.py", "order_tracking.customer_portal.portal.tracking_url"),
	}


def test_hooks_are_declarative():
	"""hooks.py is literal data: each statement assigns a literal to a name once — no imports, no
	names built from others, nothing assigned into a dict after it was written, no constants for
	other modules to import."""
	tree = ast.parse((APP / "hooks.py").read_text())
	seen = set()
	for node in tree.body:
		if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
			continue  # a docstring
		assert isinstance(node, ast.Assign), f"line {node.lineno}: not an assignment"
		(target,) = node.targets
		assert isinstance(target, ast.Name), f"line {node.lineno}: assigns into {ast.unparse(target)}"
		assert target.id not in seen, f"line {node.lineno}: {target.id} assigned twice"
		assert target.id == target.id.lower(), f"line {node.lineno}: a constant ({target.id}) in hooks.py"
		ast.literal_eval(node.value)  # raises on anything but literals
		seen.add(target.id)
	for rel, tree in app_files():
		for module, _names in imports(tree):
			assert not module.startswith("order_tracking.hooks"), f"{rel} imports hooks.py"


def test_custom_fields_are_defined_in_one_place():
	"""Every custom field on ERPNext's doctypes is in `order_tracking/custom_fields.py` (a field is a
	dict with a fieldname and an insert_after), created and removed by `install.py` only."""
	elsewhere = []
	for rel, tree in app_files():
		if rel == "order_tracking/custom_fields.py" or is_test(rel):
			continue
		for node in ast.walk(tree):
			if isinstance(node, ast.Dict):
				keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
				if {"fieldname", "insert_after"} <= keys:
					elsewhere.append(f"{rel}:{node.lineno}")
			if (
				isinstance(node, ast.Name)
				and node.id == "create_custom_fields"
				and rel != "order_tracking/install.py"
			):
				elsewhere.append(f"{rel}:{node.lineno} create_custom_fields")
	assert elsewhere == []

"""The desk's calls to the server, read from the app's JS: each goes out with an HTTP verb its
method accepts, names a method that exists and is whitelisted, and no `frappe.xcall` chain is left
without a `.catch` (a failed call would also raise an uncaught promise rejection).

Why: Frappe 15's `frappe.xcall(method, params)` takes two parameters and always POSTs; a third
argument "GET" is dropped, and a method declared `methods=["GET"]` then answers 403 — every Sales
Order form opened with "Not permitted" that way while the API suites were green.

How a call goes out (Frappe 15, frappe/public/js/frappe/request.js):
- `frappe.xcall(m, args)` and `frappe.call("m", args)`: POST;
- `frappe.call({method: m, ..., type: "GET"})`: the verb in `type`, POST without it;
- `frm.call({doc, method: name})` / `frm.call(name, args)`: `run_doc_method`, POST, to a whitelisted
  method of the form's controller;
- a calendar's `get_events_method`: GET.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "order_tracking"
JS_FILES = sorted(APP.rglob("*.js"))
DEFAULT_METHODS = {"GET", "POST", "PUT", "DELETE"}


@dataclass(frozen=True)
class Call:
	file: Path
	line: int
	method: str
	verb: str
	on_doc: bool = False  # frm.call: a method of the form's controller


def skip_string(src: str, i: int) -> int:
	"""Index just past the string literal starting at src[i] (' " or `, with `${...}` nesting)."""
	quote = src[i]
	i += 1
	while i < len(src):
		c = src[i]
		if c == "\\":
			i += 2
			continue
		if quote == "`" and src.startswith("${", i):
			i = skip_code(src, i + 2, closing="}")
			continue
		if c == quote:
			return i + 1
		i += 1
	return i


def skip_code(src: str, i: int, closing: str) -> int:
	"""Index just past the bracket `closing` that ends the code starting at src[i]."""
	pairs = {"(": ")", "[": "]", "{": "}"}
	stack = [closing]
	while i < len(src) and stack:
		c = src[i]
		if c in "'\"`":
			i = skip_string(src, i)
			continue
		if src.startswith("//", i):
			i = src.find("\n", i) if src.find("\n", i) != -1 else len(src)
			continue
		if c in pairs:
			stack.append(pairs[c])
		elif c == stack[-1]:
			stack.pop()
		i += 1
	return i


def chain_end(src: str, i: int) -> int:
	"""Where the expression that starts at src[i] ends: a `;` or `,` at its own depth, or the
	bracket that closes the construct around it."""
	pairs = {"(": ")", "[": "]", "{": "}"}
	while i < len(src):
		c = src[i]
		if c in "'\"`":
			i = skip_string(src, i)
			continue
		if c in pairs:
			i = skip_code(src, i + 1, pairs[c])
			continue
		if c in ";,)]}":
			return i
		i += 1
	return i


def top_level(src: str, start: int, end: int) -> str:
	"""The text of src[start:end] with every bracketed part and string blanked out."""
	out, i, pairs = [], start, {"(": ")", "[": "]", "{": "}"}
	while i < end:
		c = src[i]
		if c in "'\"`":
			j = skip_string(src, i)
		elif c in pairs:
			j = skip_code(src, i + 1, pairs[c])
			out.append(c + pairs[c])
		else:
			out.append(c)
			i += 1
			continue
		i = j
	return "".join(out)


def object_at(src: str, i: int) -> str:
	"""The text of the object literal opening at src[i] == '{'."""
	return src[i : skip_code(src, i + 1, "}")]


def literal_key(obj: str, key: str) -> str | None:
	m = re.search(rf"\b{key}\s*:\s*([\"'])([^\"']+)\1", obj)
	return m.group(2) if m else None


CALL = re.compile(r"\b(?P<who>frappe|frm)\s*\.\s*(?P<fn>xcall|call)\s*\(\s*")
EVENTS_METHOD = re.compile(r"\bget_events_method\s*:\s*([\"'])(?P<m>[^\"']+)\1")


def js_calls(path: Path) -> list[Call]:
	src = path.read_text()
	calls = []
	for m in CALL.finditer(src):
		line = src.count("\n", 0, m.start()) + 1
		arg = src[m.end()]
		who, fn = m.group("who"), m.group("fn")
		if arg in "'\"":
			method = src[m.end() + 1 : skip_string(src, m.end()) - 1]
			calls.append(Call(path, line, method, "POST", on_doc=who == "frm"))
		elif arg == "{":
			obj = object_at(src, m.end())
			method = literal_key(obj, "method")
			if method:
				verb = (literal_key(obj, "type") or "POST").upper() if fn == "call" else "POST"
				calls.append(Call(path, line, method, verb, on_doc=who == "frm"))
	for m in EVENTS_METHOD.finditer(src):
		calls.append(Call(path, src.count("\n", 0, m.start()) + 1, m.group("m"), "GET"))
	return calls


def whitelist_methods(decorators: list[ast.expr]) -> set[str] | None:
	"""The HTTP verbs a function's @frappe.whitelist(...) allows, None when it is not whitelisted."""
	for d in decorators:
		target = d.func if isinstance(d, ast.Call) else d
		if ast.unparse(target) != "frappe.whitelist":
			continue
		if isinstance(d, ast.Call):
			for kw in d.keywords:
				if kw.arg == "methods":
					return {v.upper() for v in ast.literal_eval(kw.value)}
		return set(DEFAULT_METHODS)
	return None


def module_function(dotted: str) -> tuple[Path, ast.FunctionDef] | None:
	module, _dot, name = dotted.rpartition(".")
	path = ROOT / (module.replace(".", "/") + ".py")
	if not path.exists():
		return None
	for node in ast.parse(path.read_text()).body:
		if isinstance(node, ast.FunctionDef) and node.name == name:
			return path, node
	return None


def controller_method(js: Path, name: str) -> ast.FunctionDef | None:
	controller = js.with_suffix(".py")
	if not controller.exists():
		return None
	for node in ast.walk(ast.parse(controller.read_text())):
		if isinstance(node, ast.ClassDef):
			for item in node.body:
				if isinstance(item, ast.FunctionDef) and item.name == name:
					return item
	return None


ALL_CALLS = [c for path in JS_FILES for c in js_calls(path)]
APP_CALLS = [c for c in ALL_CALLS if c.on_doc or c.method.startswith("order_tracking.")]


def call_id(call: Call) -> str:
	return f"{call.file.relative_to(APP)}:{call.line}:{call.method}"


def test_the_reader_finds_the_calls_of_the_desk():
	# the reader itself: it must see the calls the forms make, or the checks below prove nothing
	methods = {c.method for c in APP_CALLS}
	assert {
		"order_tracking.api.tracking.get_order_status",
		"order_tracking.api.carrier.get_carrier_events",
		"order_tracking.api.outsourcing.make_receipt",
		"order_tracking.api.settlement.return_lines",
		"order_tracking.api.outsourcing.make_for_order_line",
		"send_to_supplier",
	} <= methods
	assert len(APP_CALLS) >= 20


@pytest.mark.parametrize("call", APP_CALLS, ids=call_id)
def test_each_call_uses_a_verb_its_method_accepts(call: Call):
	if call.on_doc:
		fn = controller_method(call.file, call.method)
		assert fn is not None, f"{call_id(call)}: no method {call.method} on the form's controller"
	else:
		found = module_function(call.method)
		assert found is not None, f"{call_id(call)}: no function {call.method}"
		fn = found[1]
	allowed = whitelist_methods(fn.decorator_list)
	assert allowed is not None, f"{call_id(call)}: {call.method} is not whitelisted"
	assert call.verb in allowed, (
		f"{call_id(call)}: the desk sends {call.verb}, {call.method} accepts {sorted(allowed)}"
		+ (" (frappe.xcall always POSTs: use frappe.call({..., type: 'GET'}))" if call.verb == "POST" else "")
	)


def xcall_chains() -> list[tuple[str, str]]:
	chains = []
	for path in JS_FILES:
		src = path.read_text()
		for m in re.finditer(r"\bfrappe\s*\.\s*xcall\s*\(", src):
			# the chain starts at `frappe` (or at the line break before `.xcall`)
			end = chain_end(src, m.start())
			chains.append(
				(
					f"{path.relative_to(APP)}:{src.count(chr(10), 0, m.start()) + 1}",
					top_level(src, m.start(), end),
				)
			)
	return chains


def test_the_chain_reader_sees_catch_only_at_the_top_of_a_chain():
	src = 'frappe.xcall("m", {a: 1}).then((r) => { p.catch(() => 1); }); x;'
	assert ".catch(" not in top_level(src, 0, chain_end(src, 0))
	src = 'frappe.xcall("m", {a: `${b ? `c` : "d"}`}).then(f).catch(g), other'
	assert top_level(src, 0, chain_end(src, 0)).endswith(".then().catch()")


@pytest.mark.parametrize("where,chain", xcall_chains(), ids=[w for w, _c in xcall_chains()])
def test_every_xcall_chain_handles_its_failure(where: str, chain: str):
	assert ".catch(" in chain, f"{where}: frappe.xcall(...) without .catch: {chain}"


def test_no_list_view_page_field():
	# a list view turns `page.add_field` into a query filter on a column of that name
	offenders = [
		str(p.relative_to(APP))
		for p in JS_FILES
		if p.name.endswith("_list.js") and re.search(r"\bpage\s*\.\s*add_field\s*\(", p.read_text())
	]
	assert offenders == []

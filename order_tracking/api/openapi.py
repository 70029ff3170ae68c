"""The app's REST surface described as OpenAPI 3.1, generated from the code itself.

- `spec` (GET): the description of every whitelisted method of the app — module functions under
  `/api/method/<dotted path>`, the DocTypes' whitelisted methods under
  `/api/v2/document/<DocType>/{name}/method/<method>/`, and the ERPNext methods the app replaces
  (`override_whitelisted_methods`) under their ERPNext path. Needs read permission on Order
  Tracker (the users of the app's API).

Parameters and answers come from the type hints, summaries from the docstrings (or the method's
bullet in its module's docstring, as here), HTTP verbs from `frappe.whitelist(methods=...)`, so the
description follows the code. A test compares it with the decorators found in the source.
"""

from __future__ import annotations

import importlib
import pkgutil
from urllib.parse import quote

import frappe
from frappe import _
from frappe.model.base_document import get_controller

from order_tracking.core import openapi

APP = "order_tracking"
# modules that hold no endpoints and must not be imported in a request (tests import test records)
SKIPPED = (".tests", ".test_", ".patches.", ".dbg", ".www.")


def app_modules() -> list[str]:
	"""Every importable module of the app, tests and patches left out."""
	package = importlib.import_module(APP)
	names = []
	for info in pkgutil.walk_packages(package.__path__, prefix=f"{APP}."):
		if any(part in info.name + "." for part in SKIPPED) or info.name.rsplit(".", 1)[-1].startswith(
			"test_"
		):
			continue
		names.append(info.name)
	return sorted(names)


def _import_all() -> None:
	for name in app_modules():
		importlib.import_module(name)


def _app_function(fn) -> bool:
	return (getattr(fn, "__module__", "") or "").startswith(f"{APP}.")


def _describe(
	fn, path: str, tag: str, operation_id: str, path_params=(), verbs=("GET", "POST", "PUT", "DELETE")
) -> openapi.Method:
	module = importlib.import_module(fn.__module__)
	summary, description = openapi.split_doc(fn.__doc__)
	if not description:
		summary, description = openapi.split_doc(openapi.bullet_doc(module.__doc__, fn.__name__))
	if not description:
		package = importlib.import_module(fn.__module__.rsplit(".", 1)[0])
		summary, description = openapi.split_doc(
			openapi.bullet_doc(package.__doc__, f"{fn.__module__}.{fn.__name__}")
		)
	methods = frappe.allowed_http_methods_for_whitelisted_func.get(fn) or ["GET", "POST"]
	return openapi.Method(
		path=path,
		http_methods=tuple(m for m in verbs if m in methods),
		params=openapi.params_of(fn),
		summary=summary,
		description=description,
		returns=openapi.returns_of(fn),
		tag=tag,
		guest=fn in frappe.guest_methods,
		operation_id=operation_id,
		path_params=tuple(path_params),
	)


def endpoints() -> list[openapi.Method]:
	"""What the app exposes: its whitelisted functions, its DocTypes' whitelisted methods and the
	ERPNext methods it overrides."""
	_import_all()
	out = []
	app_functions = [fn for fn in frappe.whitelisted if _app_function(fn) and "." not in fn.__qualname__]
	for fn in app_functions:
		dotted = f"{fn.__module__}.{fn.__name__}"
		tag = fn.__module__.split(".")[-1].replace("_", " ").title()
		out.append(_describe(fn, f"/api/method/{dotted}", tag, dotted))
	for original, replacement in (
		frappe.get_hooks("override_whitelisted_methods", app_name=APP) or {}
	).items():
		fn = frappe.get_attr(replacement[-1] if isinstance(replacement, list) else replacement)
		out.append(_describe(fn, f"/api/method/{original}", "Overrides", original))
	modules = frappe.get_all("Module Def", filters={"app_name": APP}, pluck="name")
	for doctype in frappe.get_all(
		"DocType", filters={"module": ("in", modules), "istable": 0, "issingle": 0}, pluck="name"
	):
		controller = get_controller(doctype)
		for attr, fn in vars(controller).items():
			if callable(fn) and fn in frappe.whitelisted:
				out.append(
					_describe(
						fn,
						f"/api/v2/document/{quote(doctype)}/{{name}}/method/{attr}/",
						doctype,
						f"{frappe.scrub(doctype)}.{attr}",
						path_params=("name",),
						verbs=("GET", "POST"),  # what Frappe routes to a document's method
					)
				)
	return out


def build() -> dict:
	version = importlib.import_module(APP).__version__
	return openapi.document(
		endpoints(),
		title=_("Order Tracking API"),
		version=version,
		description=_(
			"Every whitelisted method of the order_tracking app. Authenticate with `Authorization: token <api_key>:<api_secret>`; answers are in `message`."
		),
	)


@frappe.whitelist(methods=["GET"])
def spec() -> dict:
	"""The OpenAPI 3.1 description of the app's methods."""
	if not frappe.has_permission("Order Tracker", "read"):
		frappe.throw(_("Only users who may read orders may read the API description"), frappe.PermissionError)
	return build()

"""An OpenAPI 3.1 description built from Python signatures: annotation → JSON Schema, docstring →
summary and description, and the document that puts the methods together.

The frappe side (`order_tracking.api.openapi`) finds the app's whitelisted methods and hands each
here as a `Method`; nothing here imports frappe, so the description cannot depend on a site.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime

OPENAPI_VERSION = "3.1.0"

_SCALARS: dict[type, dict] = {
	str: {"type": "string"},
	int: {"type": "integer"},
	float: {"type": "number"},
	bool: {"type": "boolean"},
	date: {"type": "string", "format": "date"},
	datetime: {"type": "string", "format": "date-time"},
	dict: {"type": "object"},
	list: {"type": "array"},
	tuple: {"type": "array"},
	type(None): {"type": "null"},
}


def schema_of(annotation) -> dict:
	"""The JSON Schema of a Python annotation (typing forms and `X | Y` included); {} (anything) for
	what it cannot express."""
	if annotation is inspect.Parameter.empty or annotation is typing.Any:
		return {}
	if isinstance(annotation, str):
		return {}  # an unresolved forward reference: say nothing rather than something wrong
	if annotation in _SCALARS:
		return dict(_SCALARS[annotation])
	origin = typing.get_origin(annotation)
	args = typing.get_args(annotation)
	if origin in (typing.Union, types.UnionType):
		options = [schema_of(a) for a in args]
		if any(not o for o in options):
			return {}
		types_only = [o.get("type") for o in options]
		if all(isinstance(t, str) for t in types_only) and all(len(o) == 1 for o in options):
			return {"type": sorted(set(types_only), key=types_only.index)}
		return {"anyOf": options}
	if origin is typing.Literal:
		return {"enum": list(args)}
	if origin in (list, tuple, set, frozenset) or origin is typing.get_origin(list[int]):
		out = {"type": "array"}
		if args and args[-1] is not Ellipsis:
			item = schema_of(args[0])
			if item:
				out["items"] = item
		return out
	if origin is dict:
		out = {"type": "object"}
		if len(args) == 2:
			value = schema_of(args[1])
			if value:
				out["additionalProperties"] = value
		return out
	if isinstance(annotation, type) and issubclass(annotation, dict):
		return {"type": "object"}
	if isinstance(annotation, type) and issubclass(annotation, str):
		return {"type": "string"}
	return {}


def is_optional(annotation) -> bool:
	return type(None) in typing.get_args(annotation)


def split_doc(doc: str | None) -> tuple[str, str]:
	"""Summary (the first sentence or line) and description (the whole text, unwrapped)."""
	text = inspect.cleandoc(doc or "")
	if not text:
		return "", ""
	paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
	first = paragraphs[0]
	summary = re.split(r"(?<=[.:])\s", first, maxsplit=1)[0].rstrip(":")
	return summary, "\n\n".join(paragraphs)


def bullet_doc(module_doc: str | None, name: str) -> str:
	"""The text of the bullet "- `name` ..." in a module's docstring (how the app's api modules
	describe their methods), unwrapped; "" when there is none."""
	text = inspect.cleandoc(module_doc or "")
	match = re.search(rf"^- `{re.escape(name)}`(.*?)(?=^- `|^\S|\Z)", text, flags=re.M | re.S)
	if not match:
		return ""
	return " ".join(f"`{name}`{match.group(1)}".split())


@dataclass(frozen=True)
class Param:
	name: str
	schema: dict
	required: bool
	default: object = None


@dataclass(frozen=True)
class Method:
	"""One callable endpoint: its path, HTTP methods and what it takes and answers."""

	path: str
	http_methods: tuple[str, ...]
	params: tuple[Param, ...]
	summary: str
	description: str
	returns: dict
	tag: str
	guest: bool = False
	operation_id: str = ""
	path_params: tuple[str, ...] = field(default_factory=tuple)


def params_of(fn, skip: tuple[str, ...] = ("self",)) -> tuple[Param, ...]:
	"""The parameters a caller passes, with their schemas; `**kwargs` and `*args` left out."""
	fn = inspect.unwrap(fn)
	try:
		hints = typing.get_type_hints(fn)
	except Exception:
		hints = {}
	out = []
	for p in inspect.signature(fn).parameters.values():
		if p.name in skip or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
			continue
		annotation = hints.get(p.name, p.annotation)
		required = p.default is inspect.Parameter.empty
		default = None if required else p.default
		schema = schema_of(annotation)
		if default is not None and isinstance(default, str | int | float | bool):
			schema = {**schema, "default": default}
		out.append(Param(p.name, schema, required and not is_optional(annotation), default))
	return tuple(out)


def returns_of(fn) -> dict:
	fn = inspect.unwrap(fn)
	try:
		hints = typing.get_type_hints(fn)
	except Exception:
		hints = {}
	return schema_of(hints.get("return", inspect.Parameter.empty))


ERROR_SCHEMA = {
	"type": "object",
	"description": "Frappe's error answer: the exception's class and the messages shown to the user.",
	"properties": {
		"exc_type": {"type": "string"},
		"exception": {"type": "string"},
		"_server_messages": {
			"type": "string",
			"description": "JSON list of JSON-encoded messages, each with a `message`.",
		},
	},
}

ERRORS = {
	"400": "Malformed request (a required argument missing or not of its type)",
	"401": "Not authenticated (a wrong API key or secret)",
	"403": "Not permitted: not logged in, or no right on the document",
	"404": "No such document",
	"409": "Conflict with another request or document (duplicate, locked)",
	"417": "Refused by a validation; the message names the field",
	"422": "The request was read, and refused as a whole (see the answer)",
}


def _operation(m: Method, verb: str) -> dict:
	op = {
		"operationId": m.operation_id or m.path.rsplit("/", 1)[-1],
		"tags": [m.tag],
		"summary": m.summary or m.operation_id,
		"responses": {
			"200": {
				"description": "Success: the method's answer is in `message`.",
				"content": {
					"application/json": {"schema": {"type": "object", "properties": {"message": m.returns}}}
				},
			},
			**{
				code: {
					"description": text,
					"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
				}
				for code, text in ERRORS.items()
			},
		},
	}
	if m.description:
		op["description"] = m.description
	if m.guest:
		op["security"] = [{}]
	path_params = [
		{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in m.path_params
	]
	if verb == "get":
		op["parameters"] = path_params + [
			{"name": p.name, "in": "query", "required": p.required, "schema": p.schema} for p in m.params
		]
	else:
		if path_params:
			op["parameters"] = path_params
		body = {
			"type": "object",
			"properties": {p.name: p.schema for p in m.params},
		}
		required = [p.name for p in m.params if p.required]
		if required:
			body["required"] = required
		op["requestBody"] = {
			"required": bool(required),
			"content": {
				"application/json": {"schema": body},
				"application/x-www-form-urlencoded": {"schema": body},
			},
		}
	return op


def document(methods: list[Method], title: str, version: str, description: str = "") -> dict:
	"""The OpenAPI 3.1 document of `methods`, paths sorted."""
	paths: dict[str, dict] = {}
	for m in sorted(methods, key=lambda m: m.path):
		item = paths.setdefault(m.path, {})
		for verb in m.http_methods:
			item[verb.lower()] = _operation(m, verb.lower())
	return {
		"openapi": OPENAPI_VERSION,
		"info": {"title": title, "version": version, "description": description},
		"servers": [{"url": "/"}],
		"security": [{"token": []}, {"basic": []}, {"cookie": []}],
		"paths": paths,
		"components": {
			"schemas": {"Error": ERROR_SCHEMA},
			"securitySchemes": {
				"token": {
					"type": "apiKey",
					"in": "header",
					"name": "Authorization",
					"description": "`token <api_key>:<api_secret>` of a user (User → API Access)",
				},
				"basic": {"type": "http", "scheme": "basic", "description": "api_key:api_secret"},
				"cookie": {"type": "apiKey", "in": "cookie", "name": "sid"},
			},
		},
	}

"""A missing argument, or an object where text belongs, is the caller's mistake: answer 400 naming
it, not Python's TypeError or a database error (500). (Frappe's own type check lets empty objects
and lists through.) A number where text belongs is taken as the text it spells (a JSON body's
`"company": 0` would otherwise reach SQL compared as a number)."""

from __future__ import annotations

import functools
import inspect
import types
import typing

import frappe
from frappe import _


class MissingArgumentError(frappe.ValidationError):
	http_status_code = 400


def required_arguments(fn):
	"""Put under `@frappe.whitelist()`: a call without one of `fn`'s required arguments, or with an
	object or list for a text argument, is refused with HTTP 400 and the arguments' names. The
	signature seen by Frappe (and the OpenAPI description) stays `fn`'s."""
	signature = inspect.signature(fn)
	try:
		hints = typing.get_type_hints(fn)
	except Exception:
		hints = {}
	text = [name for name, hint in hints.items() if name != "return" and _is_text(hint)]
	required = [
		p.name
		for p in signature.parameters.values()
		if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
	]

	@functools.wraps(fn)
	def wrapper(*args, **kwargs):
		missing = [name for name in required[len(args) :] if name not in kwargs]
		if missing:
			frappe.throw(
				_("Missing argument: {0}").format(", ".join(missing)),
				MissingArgumentError,
				title=_("Invalid Request"),
			)
		wrong = [name for name in text if isinstance(kwargs.get(name), dict | list | bool)]
		for name in text:
			# a JSON number where a name belongs: the name it spells (never compared as a number)
			if isinstance(kwargs.get(name), int | float) and not isinstance(kwargs.get(name), bool):
				kwargs[name] = str(kwargs[name])
		if wrong:
			frappe.throw(
				_("Argument {0} must be text").format(", ".join(wrong)),
				MissingArgumentError,
				title=_("Invalid Request"),
			)
		return fn(*args, **kwargs)

	return wrapper


def _is_text(hint) -> bool:
	"""`str` or `str | None`."""
	return hint is str or (
		typing.get_origin(hint) in (typing.Union, types.UnionType)
		and set(typing.get_args(hint)) <= {str, type(None)}
	)

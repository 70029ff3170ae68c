from __future__ import annotations

from datetime import date
from typing import Literal

from order_tracking.core import openapi as openapi_core


def test_schema_of_scalars_unions_and_containers():
	assert openapi_core.schema_of(str) == {"type": "string"}
	assert openapi_core.schema_of(date) == {"type": "string", "format": "date"}
	assert openapi_core.schema_of(str | None) == {"type": ["string", "null"]}
	assert openapi_core.schema_of(list[str]) == {"type": "array", "items": {"type": "string"}}
	assert openapi_core.schema_of(dict[str, float]) == {
		"type": "object",
		"additionalProperties": {"type": "number"},
	}
	assert openapi_core.schema_of(Literal["Refund", "Exchange"]) == {"enum": ["Refund", "Exchange"]}
	assert openapi_core.schema_of(str | list) == {"type": ["string", "array"]}
	assert openapi_core.schema_of(list[str] | None) == {
		"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]
	}
	# what it cannot express is left open, never guessed
	assert openapi_core.schema_of(object) == {}
	assert openapi_core.schema_of("SomeForwardRef") == {}


def sample(order: str, qty: int = 1, note: str | None = None, *args, **kwargs) -> dict:
	"""Answer something.

	Longer text
	over two lines."""


def test_params_and_returns_from_a_signature():
	params = openapi_core.params_of(sample)
	assert [(p.name, p.required) for p in params] == [("order", True), ("qty", False), ("note", False)]
	assert params[1].schema == {"type": "integer", "default": 1}
	assert openapi_core.returns_of(sample) == {"type": "object"}
	assert openapi_core.split_doc(sample.__doc__) == (
		"Answer something.",
		"Answer something.\n\nLonger text over two lines.",
	)


def test_bullet_doc_finds_the_methods_bullet():
	doc = """REST methods.

	- `return_lines` (GET `?delivery_note=`): the lines of a delivery that can
	  still come back.
	- `refresh_order_cost` (POST): compute an order's cost now.

	Trailing paragraph.
	"""
	assert openapi_core.bullet_doc(doc, "return_lines") == (
		"`return_lines` (GET `?delivery_note=`): the lines of a delivery that can still come back."
	)
	assert (
		openapi_core.bullet_doc(doc, "refresh_order_cost")
		== "`refresh_order_cost` (POST): compute an order's cost now."
	)
	assert openapi_core.bullet_doc(doc, "missing") == ""


def test_document_puts_get_params_in_the_query_and_post_params_in_the_body():
	get = openapi_core.Method(
		path="/api/method/a.b.status",
		http_methods=("GET",),
		params=openapi_core.params_of(sample),
		summary="Status",
		description="",
		returns={"type": "object"},
		tag="B",
		operation_id="a.b.status",
	)
	post = openapi_core.Method(
		path="/api/v2/document/Order%20Plan/{name}/method/schedule/",
		http_methods=("POST",),
		params=(openapi_core.Param("force", {"type": "boolean"}, True),),
		summary="",
		description="",
		returns={},
		tag="Order Plan",
		operation_id="order_plan.schedule",
		path_params=("name",),
		guest=True,
	)
	spec = openapi_core.document([post, get], title="T", version="1")
	assert spec["openapi"] == "3.1.0"
	assert list(spec["paths"]) == sorted(spec["paths"])
	op = spec["paths"]["/api/method/a.b.status"]["get"]
	assert [(p["name"], p["in"], p["required"]) for p in op["parameters"]] == [
		("order", "query", True),
		("qty", "query", False),
		("note", "query", False),
	]
	assert "requestBody" not in op
	assert set(op["responses"]) >= {"200", "403", "417"}
	op = spec["paths"]["/api/v2/document/Order%20Plan/{name}/method/schedule/"]["post"]
	assert op["parameters"] == [
		{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
	]
	assert op["requestBody"]["content"]["application/json"]["schema"]["required"] == ["force"]
	assert op["security"] == [{}]  # a guest method says so
	assert op["summary"] == "order_plan.schedule"

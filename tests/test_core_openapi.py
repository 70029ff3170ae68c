from __future__ import annotations

from datetime import date
from typing import Literal

from order_tracking.core import openapi as O


def test_schema_of_scalars_unions_and_containers():
	assert O.schema_of(str) == {"type": "string"}
	assert O.schema_of(date) == {"type": "string", "format": "date"}
	assert O.schema_of(str | None) == {"type": ["string", "null"]}
	assert O.schema_of(list[str]) == {"type": "array", "items": {"type": "string"}}
	assert O.schema_of(dict[str, float]) == {"type": "object", "additionalProperties": {"type": "number"}}
	assert O.schema_of(Literal["Refund", "Exchange"]) == {"enum": ["Refund", "Exchange"]}
	assert O.schema_of(str | list) == {"type": ["string", "array"]}
	assert O.schema_of(list[str] | None) == {
		"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]
	}
	# what it cannot express is left open, never guessed
	assert O.schema_of(object) == {}
	assert O.schema_of("SomeForwardRef") == {}


def sample(order: str, qty: int = 1, note: str | None = None, *args, **kwargs) -> dict:
	"""Answer something.

	Longer text
	over two lines."""


def test_params_and_returns_from_a_signature():
	params = O.params_of(sample)
	assert [(p.name, p.required) for p in params] == [("order", True), ("qty", False), ("note", False)]
	assert params[1].schema == {"type": "integer", "default": 1}
	assert O.returns_of(sample) == {"type": "object"}
	assert O.split_doc(sample.__doc__) == (
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
	assert O.bullet_doc(doc, "return_lines") == (
		"`return_lines` (GET `?delivery_note=`): the lines of a delivery that can still come back."
	)
	assert (
		O.bullet_doc(doc, "refresh_order_cost") == "`refresh_order_cost` (POST): compute an order's cost now."
	)
	assert O.bullet_doc(doc, "missing") == ""


def test_document_puts_get_params_in_the_query_and_post_params_in_the_body():
	get = O.Method(
		path="/api/method/a.b.status",
		http_methods=("GET",),
		params=O.params_of(sample),
		summary="Status",
		description="",
		returns={"type": "object"},
		tag="B",
		operation_id="a.b.status",
	)
	post = O.Method(
		path="/api/v2/document/Order%20Plan/{name}/method/schedule/",
		http_methods=("POST",),
		params=(O.Param("force", {"type": "boolean"}, True),),
		summary="",
		description="",
		returns={},
		tag="Order Plan",
		operation_id="order_plan.schedule",
		path_params=("name",),
		guest=True,
	)
	spec = O.document([post, get], title="T", version="1")
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

"""The order KPI reports share one filter block, `order_tracking.kpi_filters` in
`public/js/kpi_filters.js`, which hooks.app_include_js loads on every desk page (issue 19: it was
copied into five report .js files). No report's .js writes the block out again, and each report
that filters by the block's fields takes them from the include."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "order_tracking"
INCLUDE = APP / "public" / "js" / "kpi_filters.js"
ASSET = "/assets/order_tracking/js/kpi_filters.js"
REPORT_JS = sorted(p for p in APP.glob("*/report/*/*.js"))
# the block's fields that no other report filter has: a report naming one of them inline repeats it
BLOCK_ONLY = ("customer_group", "item_group")
KPI_REPORTS = {
	"on_time_delivery",
	"order_cycle_time",
	"order_fulfilment",
	"customer_analysis",
	"order_profitability",
}


def fieldnames(src: str) -> set[str]:
	return set(re.findall(r"""fieldname:\s*["']([a-z_]+)["']""", src))


def app_include_js() -> list[str]:
	tree = ast.parse((APP / "hooks.py").read_text())
	for node in tree.body:
		if isinstance(node, ast.Assign) and any(
			isinstance(t, ast.Name) and t.id == "app_include_js" for t in node.targets
		):
			value = ast.literal_eval(node.value)
			return [value] if isinstance(value, str) else list(value)
	return []


def test_the_include_defines_the_block_and_hooks_load_it():
	src = INCLUDE.read_text()
	assert "order_tracking.kpi_filters = function" in src
	assert {"company", "from_date", "to_date", "customer", *BLOCK_ONLY, "group_by"} <= fieldnames(src)
	assert ASSET in app_include_js(), "hooks.app_include_js must load public/js/kpi_filters.js"
	# the asset path maps onto the file (sites/assets/order_tracking -> order_tracking/public)
	assert APP / "public" / ASSET.removeprefix("/assets/order_tracking/") == INCLUDE


def test_the_reader_finds_the_kpi_reports():
	assert KPI_REPORTS <= {p.stem for p in REPORT_JS}


def test_no_report_js_repeats_the_kpi_filter_block():
	repeats = {
		p.relative_to(ROOT).as_posix(): sorted(fieldnames(p.read_text()) & set(BLOCK_ONLY)) for p in REPORT_JS
	}
	assert {path: names for path, names in repeats.items() if names} == {}, (
		"use order_tracking.kpi_filters(...) (public/js/kpi_filters.js) instead of writing the block out"
	)


def test_each_kpi_report_takes_its_filters_from_the_include():
	for path in REPORT_JS:
		if path.stem in KPI_REPORTS:
			src = path.read_text()
			assert "filters: order_tracking.kpi_filters(" in src, path
			assert not {"company", "from_date", "to_date", "customer"} & fieldnames(src), path

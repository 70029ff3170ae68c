"""core.email_order: what an e-mailed order holds, read without a database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_tracking.core import email_order as eo


@pytest.mark.parametrize(
	"subject, number",
	[
		("PO 4711 boots", "4711"),
		("Order PO 4711 for boots", "4711"),
		("Re: PO#A-12", "A-12"),
		("Order No. 55 today", "55"),
		("订单号：HS-8899 急", "HS-8899"),
		("訂單 7788", "7788"),
		("采购单号: CG-2026-01", "CG-2026-01"),
		("order for 5 pairs", None),
		("hello", None),
		("", None),
		(None, None),
	],
)
def test_po_number_from_subject(subject, number):
	assert eo.po_number_from_subject(subject) == number


def test_body_lines_skip_prose_quotes_and_signature():
	order = eo.parse_body(
		"Hi,\nplease send:\n\nHS-OX-01, 120\nTrail Runner; 10; 2026-12-20\n> OLD, 5\n"
		"Delivery Date: 2026-12-24\n-- \nBob, 5"
	)
	assert order.items == [
		{"code": "HS-OX-01", "qty": "120"},
		{"code": "Trail Runner", "qty": "10", "delivery_date": "2026-12-20"},
	]
	assert order.delivery_date == "2026-12-24"
	assert order.problems == []


def test_chinese_body_with_full_width_commas():
	order = eo.parse_body("您好，\n鞋A，5，2026-12-01\n交货日期：2026-12-05\n谢谢")
	assert order.items == [{"code": "鞋A", "qty": "5", "delivery_date": "2026-12-01"}]
	assert order.delivery_date == "2026-12-05"


def test_a_body_without_lines_is_a_problem():
	assert eo.parse_body("Just saying hello.").problems == [eo.Problem(eo.NO_LINES)]
	assert eo.parse_body(None).problems == [eo.Problem(eo.NO_LINES)]


def test_template_columns_with_items_suffix_and_order_date():
	rows = eo.csv_rows(
		b"Delivery Date,Item Code (Items),Quantity (Items),Delivery Date (Items),Customer\n"
		b"2026-12-20,A,5,2026-12-10,Someone\n,B,2,,\n"
	)
	order = eo.parse_table(rows)
	assert order.problems == []
	assert order.delivery_date == "2026-12-20"
	assert order.items == [
		{"item_code": "A", "qty": "5", "delivery_date": "2026-12-10"},
		{"item_code": "B", "qty": "2"},
	]


def test_formula_and_unknown_column_reject_the_sheet():
	formula = eo.parse_table([["Item Code", "Qty"], ["A", "=1+1"]])
	assert formula.problems == [eo.Problem(eo.FORMULA, (2, "Qty"))] and formula.items == []
	unknown = eo.parse_table([["Item Code", "Qty", "Colour"], ["A", 1, "red"]])
	assert unknown.problems == [eo.Problem(eo.UNKNOWN_COLUMN, ("Colour",))]
	no_item = eo.parse_table([["Qty"], [1]])
	assert eo.Problem(eo.NO_ITEM_COLUMN) in no_item.problems


def test_csv_in_gb18030_and_semicolons():
	rows = eo.csv_rows("Item Code;Quantity\n鞋A;3\n".encode("gb18030"))
	assert eo.parse_table(rows).items == [{"item_code": "鞋A", "qty": "3"}]


def test_order_delivery_date_is_the_latest_line_date_without_an_order_date():
	order = eo.EmailOrder(items=[{"delivery_date": "2026-12-01"}, {"delivery_date": "2026-12-09"}, {}])
	assert eo.order_delivery_date(order) == "2026-12-09"


@pytest.mark.parametrize(
	"name, size, kind, code",
	[
		("order.csv", 10, "csv", None),
		("ORDER.XLSX", 10, "xlsx", None),
		("order.pdf", 10, None, eo.BAD_ATTACHMENT_TYPE),
		("order", 10, None, eo.BAD_ATTACHMENT_TYPE),
		("order.csv", 2049, None, eo.ATTACHMENT_TOO_LARGE),
	],
)
def test_attachment_kind(name, size, kind, code):
	found, problem = eo.attachment_kind(name, size, 2048)
	assert found == kind
	assert (problem.code if problem else None) == code


@given(st.integers(min_value=1, max_value=2000), st.integers(min_value=0, max_value=50))
def test_a_flood_gives_exactly_one_summary(mails, limit):
	actions = [eo.flood_action(n, limit) for n in range(1, mails + 1)]
	if limit == 0 or mails <= limit:
		assert set(actions) == {"process"}
	else:
		assert actions.count("process") == limit
		assert actions.count("summary") == 1
		assert actions.index("summary") == limit
		assert actions.count("drop") == mails - limit - 1

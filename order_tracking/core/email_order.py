"""An order sent by e-mail, read without a database: the customer's PO number from the subject,
order lines from a plain-text body or from a spreadsheet's rows (CSV text, or the cells of an
XLSX sheet read by the caller), and the checks on attachments and on a flood of mails.

The plain-text form, one line per item (blank lines, quoted replies and other text are skipped):

    <item code>, <qty>[, <delivery date YYYY-MM-DD>]
    Delivery Date: <YYYY-MM-DD>           (optional: the order's delivery date)

separated by commas (also full-width commas, ";" or a tab). A spreadsheet has a header row with the
columns of the Order Intake import template ("Item Code", "Customer's Item Code", "Quantity",
"Rate", "UOM", "Delivery Date", each optionally followed by " (Items)", or the field names);
the order-level columns of the template ("Delivery Date", "Order Date"; a line's own date is
"Delivery Date (Items)") are read from the first row that has them, and "Customer", "Channel", "External Reference" are ignored (the sender and
the mail decide them). A cell that holds a formula (text beginning with "=") or a column the
template does not know rejects the whole sheet.

Everything returns `EmailOrder`: `items` as the intake's payload expects them (values as
received: `core.intake.parse_order_payload` reads numbers and dates and reports them by line),
and `problems`, codes with arguments that the app turns into translated reasons.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

# problem codes
NO_LINES = "no_lines"
FORMULA = "formula"
UNKNOWN_COLUMN = "unknown_column"
NO_ITEM_COLUMN = "no_item_column"
BAD_ATTACHMENT_TYPE = "bad_attachment_type"
ATTACHMENT_TOO_LARGE = "attachment_too_large"
UNREADABLE = "unreadable"
TOO_MANY_LINES = "too_many_lines"

MAX_LINES = 500
SPREADSHEET_TYPES = {"csv": "csv", "xlsx": "xlsx"}

# column header (lower case) -> intake item field
ITEM_COLUMNS = {
	"item code": "item_code",
	"item_code": "item_code",
	"customer's item code": "customer_item_code",
	"customer_item_code": "customer_item_code",
	"quantity": "qty",
	"qty": "qty",
	"rate": "rate",
	"uom": "uom",
	"delivery date": "delivery_date",
	"delivery_date": "delivery_date",
}
# order-level columns of the template: read (dates) or ignored (the mail decides them)
ORDER_COLUMNS = {
	"delivery date": "delivery_date",
	"delivery_date": "delivery_date",
	"order date": "transaction_date",
	"transaction_date": "transaction_date",
}
IGNORED_COLUMNS = {
	"id",
	"name",
	"customer",
	"channel",
	"external reference",
	"external_ref",
	"company",
	"series",
	"naming_series",
	"item name",
	"item_name",
	"id (items)",
}

_NUMBER = r"\s*[#:：]?\s*([A-Za-z0-9][A-Za-z0-9\-_/.]{0,60})"
# most specific first; a number must hold a digit
PO_PATTERNS = (
	re.compile(r"(?:\bP\.?\s?O\.?|\bpurchase\s+order)\s*(?:no\.?|number)?" + _NUMBER, re.IGNORECASE),
	re.compile(r"(?:采购单|采購單|订单|訂單)[号號]?(?:码|碼)?" + _NUMBER),
	re.compile(r"\border\s*(?:no\.?|number|#)" + _NUMBER, re.IGNORECASE),
)
DELIVERY_PATTERN = re.compile(
	r"^\s*(?:delivery(?:\s+date)?|交货日期|交貨日期|交期)\s*[:：]\s*(\S+)\s*$", re.IGNORECASE
)
SEPARATORS = re.compile(r"\s*[,，;；\t]\s*")


@dataclass(frozen=True)
class Problem:
	code: str
	args: tuple = ()


@dataclass
class EmailOrder:
	items: list[dict] = field(default_factory=list)
	delivery_date: str | None = None
	transaction_date: str | None = None
	problems: list[Problem] = field(default_factory=list)


def po_number_from_subject(subject: str | None) -> str | None:
	"""The customer's PO number named in a subject ("PO 4711", "Order No. A-12", or 订单号 / 訂單號 8899)."""
	if not subject:
		return None
	for pattern in PO_PATTERNS:
		for match in pattern.finditer(subject):
			number = match.group(1).rstrip(".-/_")
			if any(ch.isdigit() for ch in number):
				return number
	return None


def parse_body(text: str | None) -> EmailOrder:
	"""Order lines from a plain-text body in the documented form."""
	order = EmailOrder()
	for raw in (text or "").splitlines():
		line = raw.strip()
		if line in ("--", "-- "):
			break  # signature
		if not line or line.startswith(">"):
			continue
		delivery = DELIVERY_PATTERN.match(line)
		if delivery:
			order.delivery_date = delivery.group(1)
			continue
		parts = [p.strip() for p in SEPARATORS.split(line)]
		if len(parts) not in (2, 3) or not parts[0] or not _looks_like_qty(parts[1]):
			continue  # a greeting or other prose
		item = {"code": parts[0], "qty": parts[1]}
		if len(parts) == 3 and parts[2]:
			item["delivery_date"] = parts[2]
		order.items.append(item)
	_check_count(order)
	return order


def _looks_like_qty(value: str) -> bool:
	return bool(re.fullmatch(r"[-+]?[0-9][0-9.,]*\s*\w{0,10}", value))


def csv_rows(content: bytes) -> list[list[str]]:
	"""A CSV attachment's rows: UTF-8 (with or without BOM) or GB18030 as Chinese Excel writes it.
	Short GB18030 text can also be valid UTF-8: when both read, the one with more Chinese wins."""
	readings = []
	for encoding in ("utf-8-sig", "gb18030"):
		try:
			readings.append(content.decode(encoding))
		except UnicodeDecodeError:
			continue
	if not readings:
		raise ValueError(UNREADABLE)
	text = max(readings, key=_chinese_count)  # max keeps the first (UTF-8) on a tie
	try:
		dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
	except csv.Error:
		dialect = csv.excel
	return [row for row in csv.reader(io.StringIO(text), dialect)]


def _chinese_count(text: str) -> int:
	return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def parse_table(rows: list[list]) -> EmailOrder:
	"""Order lines from a sheet's rows (the first non-empty row is the header)."""
	order = EmailOrder()
	rows = [list(r) for r in rows if any(_cell(c) for c in r)]
	if not rows:
		order.problems.append(Problem(NO_LINES))
		return order
	header = [_cell(c).lower() for c in rows[0]]
	columns: list[tuple[str, str] | None] = []
	for index, name in enumerate(header):
		column = _column(name)
		if column is False:
			order.problems.append(Problem(UNKNOWN_COLUMN, (_cell(rows[0][index]),)))
		columns.append(column or None)
	for row_no, row in enumerate(rows[1:], start=2):
		for col_no, value in enumerate(row):
			if isinstance(value, str) and value.strip().startswith("="):
				column_name = _cell(rows[0][col_no]) if col_no < len(header) else str(col_no + 1)
				order.problems.append(Problem(FORMULA, (row_no, column_name)))
	if not any(c and c[0] == "item" and c[1] in ("item_code", "customer_item_code") for c in columns):
		order.problems.append(Problem(NO_ITEM_COLUMN))
	if order.problems:
		return order
	for row in rows[1:]:
		item: dict = {}
		for column, value in zip(columns, row, strict=False):
			if not column or _cell(value) == "":
				continue
			level, fieldname = column
			if level == "order":
				if not getattr(order, fieldname):
					setattr(order, fieldname, _cell(value))
				continue
			item[fieldname] = value if isinstance(value, int | float) else _cell(value)
		if item:
			order.items.append(item)
	_check_count(order)
	return order


def _column(name: str) -> tuple[str, str] | bool | None:
	"""(level, field) of a header; None for a column that is ignored; False when unknown."""
	if name.endswith("(items)"):
		base = name[: -len("(items)")].strip()
		if base in ITEM_COLUMNS:
			return ("item", ITEM_COLUMNS[base])
		return None if base in IGNORED_COLUMNS or f"{base} (items)" in IGNORED_COLUMNS else False
	if name in ORDER_COLUMNS:  # the template's order-level columns (a line's date is "... (Items)")
		return ("order", ORDER_COLUMNS[name])
	if name in ITEM_COLUMNS:
		return ("item", ITEM_COLUMNS[name])
	if name in IGNORED_COLUMNS or name == "":
		return None
	return False


def _cell(value) -> str:
	if value is None:
		return ""
	if hasattr(value, "isoformat"):
		return value.isoformat()[:10]
	if isinstance(value, float) and value.is_integer():
		return str(int(value))
	return str(value).strip()


def _check_count(order: EmailOrder) -> None:
	if not order.items and not order.problems:
		order.problems.append(Problem(NO_LINES))
	elif len(order.items) > MAX_LINES:
		order.problems.append(Problem(TOO_MANY_LINES, (len(order.items), MAX_LINES)))


def order_delivery_date(order: EmailOrder) -> str | None:
	"""The order's delivery date: the one given for the order, else the latest line date."""
	if order.delivery_date:
		return order.delivery_date
	dates = sorted(str(i["delivery_date"]) for i in order.items if i.get("delivery_date"))
	return dates[-1] if dates else None


def attachment_kind(filename: str | None, size: int, max_size: int) -> tuple[str | None, Problem | None]:
	"""("csv" | "xlsx", None) for a spreadsheet the intake reads, else (None, the problem)."""
	extension = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
	kind = SPREADSHEET_TYPES.get(extension)
	if not kind:
		return None, Problem(BAD_ATTACHMENT_TYPE, (filename or "?",))
	if max_size and size > max_size:
		return None, Problem(ATTACHMENT_TOO_LARGE, (filename, size, max_size))
	return kind, None


def flood_action(mails_in_window: int, limit: int) -> str:
	"""What to do with a sender's n-th mail of the rate window (this one counted):
	"process" up to the limit, one "summary" intake for the first mail over it, then "drop"."""
	if not limit or mails_in_window <= limit:
		return "process"
	return "summary" if mails_in_window == limit + 1 else "drop"

"""Keep the zh and zh-TW translation tables complete (a developer's tool; no site needed).

    python scripts/translations.py missing          # user-facing strings without a translation
    python scripts/translations.py add ROWS.tsv     # add rows: source<TAB>zh<TAB>zh-TW[<TAB>context]

The tables keep plain rows sorted by source, then the rows with a context (the app's own sense of
a word Frappe or ERPNext also translate) in the order they were written, new ones last. `tests/test_metadata.py`
decides what counts as a user-facing string; this tool asks it.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLES = {lang: ROOT / "order_tracking" / "translations" / f"{lang}.csv" for lang in ("zh", "zh-TW")}


def read(lang: str) -> list[list[str]]:
	with open(TABLES[lang], newline="", encoding="utf-8") as f:
		return [row for row in csv.reader(f) if row]


def write(lang: str, rows: list[list[str]]):
	plain = sorted((r for r in rows if len(r) < 3 or not r[2]), key=lambda r: r[0])
	context = [r for r in rows if len(r) >= 3 and r[2]]  # as they are: grouped by context, in stage order
	with open(TABLES[lang], "w", newline="", encoding="utf-8") as f:
		writer = csv.writer(f, lineterminator="\n")
		for row in plain:
			writer.writerow(row[:2])
		for row in context:
			writer.writerow(row[:3])


def missing() -> list[str]:
	sys.path.insert(0, str(ROOT / "tests"))
	from test_metadata import translations, user_strings

	strings = user_strings()
	return sorted(s for s in strings if any(not translations(lang).get(s) for lang in TABLES))


def add(path: str):
	new = [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8") if line.strip()]
	for lang, column in (("zh", 1), ("zh-TW", 2)):
		rows = read(lang)
		index = {(r[0], r[2] if len(r) > 2 else ""): r for r in rows}
		for entry in new:
			if len(entry) < 3:
				raise SystemExit(f"need source, zh and zh-TW: {entry}")
			context = entry[3] if len(entry) > 3 else ""
			row = [entry[0], entry[column]] + ([context] if context else [])
			index[(entry[0], context)] = row
		write(lang, list(index.values()))
	print(f"added or updated {len(new)} rows in each table")


if __name__ == "__main__":
	if len(sys.argv) >= 2 and sys.argv[1] == "missing":
		for s in missing():
			print(s)
	elif len(sys.argv) == 3 and sys.argv[1] == "add":
		add(sys.argv[2])
	else:
		raise SystemExit(__doc__)

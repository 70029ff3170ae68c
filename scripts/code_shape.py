"""The product code's shape (issue 19): files over 600 lines and Python functions over 80 lines.

    python3 scripts/code_shape.py [--files N] [--functions N]

Product code is what the app ships: `order_tracking/**/*.py` and `*.js`, without its tests
(`test_*.py`, `order_tracking/tests/`). Prints two Markdown tables, longest first.
tests/test_code_shape.py holds the files' limit with an explicit list of today's exceptions.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "order_tracking"


def is_product(path: Path) -> bool:
	rel = path.relative_to(APP)
	return not (rel.parts[0] == "tests" or path.name.startswith("test_") or "__pycache__" in rel.parts)


def product_files() -> list[Path]:
	return sorted(p for ext in ("*.py", "*.js") for p in APP.rglob(ext) if is_product(p))


def line_count(path: Path) -> int:
	return len(path.read_text(encoding="utf-8").splitlines())


def long_files(limit: int) -> list[tuple[str, int]]:
	rows = [(p.relative_to(ROOT).as_posix(), line_count(p)) for p in product_files()]
	return sorted((r for r in rows if r[1] > limit), key=lambda r: -r[1])


def long_functions(limit: int) -> list[tuple[str, str, int]]:
	"""(file, qualified name, lines) of each function or method over `limit` lines."""
	rows = []
	for path in product_files():
		if path.suffix != ".py":
			continue
		tree = ast.parse(path.read_text(encoding="utf-8"))
		rel = path.relative_to(ROOT).as_posix()
		rows.extend((rel, name, length) for name, length in functions(tree) if length > limit)
	return sorted(rows, key=lambda r: -r[2])


def functions(tree: ast.AST, prefix: str = ""):
	for node in ast.iter_child_nodes(tree):
		if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
			yield prefix + node.name, node.end_lineno - node.lineno + 1
			yield from functions(node, f"{prefix}{node.name}.")
		elif isinstance(node, ast.ClassDef):
			yield from functions(node, f"{prefix}{node.name}.")


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("--files", type=int, default=600, help="a file's lines")
	parser.add_argument("--functions", type=int, default=80, help="a function's lines")
	args = parser.parse_args()
	files = long_files(args.files)
	print(f"Product files over {args.files} lines: {len(files)}\n\n| file | lines |\n|---|---|")
	for rel, n in files:
		print(f"| `{rel}` | {n} |")
	funcs = long_functions(args.functions)
	print(
		f"\nFunctions over {args.functions} lines: {len(funcs)}\n\n| file | function | lines |\n|---|---|---|"
	)
	for rel, name, n in funcs:
		print(f"| `{rel}` | `{name}` | {n} |")


if __name__ == "__main__":
	main()

"""Count consult's functions by their parameters: issue 25's two measures of the core's calls.

Walks consult/ (the AST, nothing is imported) and prints how many functions take
eight parameters or more (self and cls not counted, nor a CLI command's options), and
how many take a workspace, a store and a slug (names `workspace`, `store`, `slug`) — the
values the application layer resolves once. With `--list` it names them.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "consult"
MANY = 8
RESOLVED = {"workspace", "store", "slug"}


def functions(root: Path) -> Iterator[tuple[str, list[str]]]:
    """Yield each function under `root` as `path:line name` and its parameter names."""
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if any(_is_command(decorator) for decorator in node.decorator_list):
                    continue  # a command's parameters are its options, each with its help
                args = node.args
                names = [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]
                names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
                names = [n for n in names if n not in ("self", "cls")]
                where = f"{path.relative_to(root.parent)}:{node.lineno} {node.name}"
                yield where, names


def _is_command(decorator: ast.expr) -> bool:
    """Tell whether a decorator makes a CLI command (`@app.command()`)."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr == "command"


def main(argv: list[str]) -> None:
    """Print the two counts, and with --list the functions counted."""
    found = list(functions(ROOT))
    many = [(where, names) for where, names in found if len(names) >= MANY]
    resolved = [(where, names) for where, names in found if set(names) >= RESOLVED]
    print(f"functions with {MANY}+ parameters: {len(many)}")
    print(f"functions taking workspace + store + slug: {len(resolved)}")
    if "--list" in argv:
        for title, rows in ((f"{MANY}+ parameters", many), ("workspace+store+slug", resolved)):
            print(f"\n{title}:")
            for where, names in rows:
                print(f"  {where} ({len(names)}): {', '.join(names)}")


if __name__ == "__main__":
    main(sys.argv[1:])

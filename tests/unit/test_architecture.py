"""The dependency rule between consult's packages, and the exception tree, kept true.

The rule (docs/architecture.md): the base modules and the two bottom packages
(workspace, store) import nothing above them; planning, mail and notes stand on
those and not on each other; briefing may also use mail, to send the pack;
coordination reads across the capabilities (read models); the application layer
(one module per use case) may use all of those; the modules at the top build
the services and call the use cases.
Nothing in consult/ imports Prefect, Starlette, the flows or the tests; webguard/ (what the
desk's and the public pages' guards share) imports neither app nor the core. A broken rule
fails with a sentence that names the file, the line and the rule.

No function in consult/ or desk/ is longer than MAX_FUNCTION_LINES, and no module
longer than MAX_MODULE_LINES: a longer one usually does two jobs.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import consult.errors
from consult.errors import ConsultError

ROOT = Path(__file__).resolve().parents[2]

BASE = ("errors", "retry", "http_body", "templating", "settings", "actors", "csvsafe")
"""Top-level modules every package may use: they import nothing of consult but errors (and
http_body, retry's Failure)."""
TOP = ("cli", "bootstrap", "ui", "demo", "__main__")
"""Top-level modules that wire the packages together: they may import any of them."""

ALLOWED: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(BASE, ("errors",)),
    "http_body": ("errors", "retry"),
    "workspace": BASE,
    "store": BASE,
    "answers": BASE,
    "planning": (*BASE, "workspace", "store"),
    "mail": (*BASE, "workspace", "store", "answers"),
    "notes": (*BASE, "workspace", "store"),
    "briefing": (*BASE, "workspace", "store", "mail"),
    "coordination": (*BASE, "workspace", "store", "planning", "mail", "notes", "briefing"),
    "application": (
        *BASE,
        "workspace",
        "store",
        "planning",
        "mail",
        "notes",
        "briefing",
        "coordination",
        "answers",
    ),
}
"""Which part of consult may import which; a part always may import itself."""

MAX_FUNCTION_LINES = 80
"""The longest a function (or method) may be, from its `def` (or first decorator) to its end."""
MAX_MODULE_LINES = 500
"""The longest a module may be, in lines."""

FORBIDDEN = (
    "prefect",
    "prefect_email",
    "flows",
    "desk",
    "answers_web",
    "webguard",
    "starlette",
    "tests",
    "bench",
)
"""What the core never imports: it runs and is tested without Prefect or the flows."""


def _imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            if node.module == "consult":
                for alias in node.names:
                    yield node.lineno, f"consult.{alias.name}"


def _part(module: str) -> str:
    """Return the part of consult a dotted module belongs to: its package or top module."""
    return module.split(".")[1]


def broken_rules(package: Path) -> list[str]:
    """Return one sentence per import in `package` (a consult/ tree) that breaks the rule."""
    broken = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent)
        module = ".".join(relative.with_suffix("").parts)
        part = _part(module) if "." in module else module
        for line, imported in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{relative.as_posix()}, line {line}"
            root = imported.split(".")[0]
            if root in FORBIDDEN:
                broken.append(
                    f"{where}: imports {imported}, but the core never imports "
                    f"{', '.join(FORBIDDEN)}"
                )
                continue
            if root != "consult" or imported == "consult" or part in TOP:
                continue
            target = _part(imported)
            allowed = ALLOWED.get(part)
            if allowed is None:
                broken.append(
                    f"{where}: consult.{part} is in no layer of the rule; add it to "
                    "ALLOWED or TOP in tests/unit/test_architecture.py and docs/architecture.md"
                )
            elif target != part and target not in allowed:
                broken.append(
                    f"{where}: consult.{part} imports {imported}, but consult.{part} may "
                    f"import only {', '.join(allowed)}"
                )
    return broken


def test_every_import_in_consult_keeps_the_dependency_rule() -> None:
    assert broken_rules(ROOT / "consult") == []


def imports_of(folder: str, roots: tuple[str, ...], rule: str) -> list[str]:
    """Return one sentence per import, in the modules of `folder`, of a top module in `roots`."""
    return [
        f"{folder}/{path.name}, line {line}: imports {imported}, but {rule}"
        for path in sorted((ROOT / folder).glob("*.py"))
        for line, imported in _imports(ast.parse(path.read_text(encoding="utf-8")))
        if imported.split(".")[0] in roots
    ]


def test_the_schemas_import_nothing_of_consult_or_prefect() -> None:
    rule = "schemas/ is the vocabulary every part shares and imports neither consult nor prefect"
    assert imports_of("schemas", ("consult", *FORBIDDEN), rule) == []


def test_the_guards_shared_pieces_import_neither_app_nor_the_core() -> None:
    rule = "webguard/ is what the desk's and the pages' guards share: it stands on Starlette alone"
    roots = ("consult", "desk", "answers_web", "flows", "prefect")
    assert imports_of("webguard", roots, rule) == []


def test_a_wrong_import_is_named_with_the_rule_it_breaks(tmp_path: Path) -> None:
    package = tmp_path / "consult"
    (package / "planning").mkdir(parents=True)
    (package / "workspace").mkdir()
    (package / "planning" / "plan.py").write_text(
        "from consult.workspace.loading import Workspace\nfrom consult.mail.delivery import x\n"
    )
    (package / "workspace" / "loading.py").write_text("def f():\n    import prefect\n")
    (package / "extra.py").write_text("from consult import errors\n")

    assert broken_rules(package) == [
        "consult/extra.py, line 1: consult.extra is in no layer of the rule; add it to ALLOWED "
        "or TOP in tests/unit/test_architecture.py and docs/architecture.md",
        "consult/planning/plan.py, line 2: consult.planning imports consult.mail.delivery, "
        "but consult.planning may import only errors, retry, http_body, templating, settings, "
        "actors, csvsafe, workspace, store",
        "consult/workspace/loading.py, line 2: imports prefect, but the core never imports "
        "prefect, prefect_email, flows, desk, answers_web, webguard, starlette, tests, bench",
    ]


def _subclasses(cls: type[ConsultError]) -> Iterator[type[ConsultError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_consult_error_is_defined_in_the_errors_module_and_drawn_in_its_tree() -> None:
    # Import every module, so that a subclass defined anywhere else is seen too.
    for path in sorted((ROOT / "consult").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if not module.endswith("__main__"):
            importlib.import_module(module.removesuffix(".__init__"))
    tree = inspect.getdoc(consult.errors) or ""
    drawn = set(re.findall(r"── (\w+)", tree))
    misplaced = [
        f"{sub.__name__} is defined in {sub.__module__}, not in consult.errors"
        for sub in _subclasses(ConsultError)
        if sub.__module__ != "consult.errors"
    ]
    undrawn = [
        f"{sub.__name__} is missing from the tree in consult.errors' docstring"
        for sub in _subclasses(ConsultError)
        if sub.__name__ not in drawn
    ]
    assert misplaced + undrawn == []
    assert drawn == {sub.__name__ for sub in _subclasses(ConsultError)}


def too_long(
    root: Path, packages: tuple[str, ...] = ("consult", "desk", "answers_web", "webguard")
) -> list[str]:
    """Return one sentence per module or function under `root`'s packages over its limit."""
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            text = path.read_text(encoding="utf-8")
            lines = len(text.splitlines())
            if lines > MAX_MODULE_LINES:
                found.append(
                    f"{relative} is {lines} lines long, more than the {MAX_MODULE_LINES} "
                    "a module may be: split it along its concerns"
                )
            for node in ast.walk(ast.parse(text)):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = (node.end_lineno or node.lineno) - start + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(
                        f"{relative}, line {start}: {node.name} is {length} lines long, more "
                        f"than the {MAX_FUNCTION_LINES} a function may be"
                    )
    return found


def test_no_module_or_function_in_consult_or_desk_is_over_its_length_limit() -> None:
    found = too_long(ROOT)
    assert not found, "\n".join(found)


def test_a_long_module_and_a_long_function_are_named_with_their_line_and_length(
    tmp_path: Path,
) -> None:
    (tmp_path / "consult").mkdir()
    (tmp_path / "desk").mkdir()
    body = "".join(f"    x = {n}\n" for n in range(MAX_FUNCTION_LINES))
    (tmp_path / "consult" / "long.py").write_text(
        "import functools\n\n\n@functools.cache\ndef f():\n" + body
    )
    (tmp_path / "desk" / "big.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1))

    assert too_long(tmp_path) == [
        "consult/long.py, line 4: f is 82 lines long, more than the 80 a function may be",
        "desk/big.py is 501 lines long, more than the 500 a module may be: "
        "split it along its concerns",
    ]


MOST_WITH_MANY_PARAMETERS = 16
"""Functions of consult/ taking eight parameters or more: 23 before the application layer
(CLI commands, whose parameters are their options, not counted)."""
MOST_TAKING_WORKSPACE_STORE_SLUG = 10
"""Functions of consult/ taking a workspace, a store and a slug: 20 before it."""


def test_the_functions_with_many_parameters_do_not_grow_in_number() -> None:
    from tests.parameters import MANY, RESOLVED, ROOT, functions

    found = list(functions(ROOT))
    many = [where for where, names in found if len(names) >= MANY]
    resolved = [where for where, names in found if set(names) >= RESOLVED]
    assert len(many) <= MOST_WITH_MANY_PARAMETERS, (
        f"{len(many)} functions take {MANY}+ parameters (at most {MOST_WITH_MANY_PARAMETERS}): "
        "pass a resolved reference or a small value instead; python -m tests.parameters --list"
    )
    assert len(resolved) <= MOST_TAKING_WORKSPACE_STORE_SLUG, (
        f"{len(resolved)} functions take a workspace, a store and a slug "
        f"(at most {MOST_TAKING_WORKSPACE_STORE_SLUG}): take a TrainingRef or a Mailing instead"
    )

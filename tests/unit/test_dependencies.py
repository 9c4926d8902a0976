"""Every third-party module the shipped packages import comes from a declared dependency.

Something installed only as a dependency of a dependency (starlette through Prefect) may
be dropped by it at any release; a wheel's user then gets an ImportError.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("consult", "desk", "answers_web", "webguard", "flows", "schemas")
"""The packages the wheel holds (pyproject's [tool.setuptools.packages.find])."""


def _normal(name: str) -> str:
    """Return a distribution's name normalised as PEP 503 does."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {
        _normal(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0]) for spec in project["dependencies"]
    }


def _imported() -> dict[str, str]:
    """Return each top-level module imported by the shipped packages, with one file doing it."""
    found: dict[str, str] = {}
    for package in SHIPPED:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_every_imported_third_party_module_is_a_declared_dependency():
    declared = _declared()
    providers = packages_distributions()
    missing = []
    for module, where in sorted(_imported().items()):
        if module in sys.stdlib_module_names or module in SHIPPED or module == "__future__":
            continue
        dists = {_normal(name) for name in providers.get(module, [module])}
        if not dists & declared:
            missing.append(f"{module} (imported by {where}; from {', '.join(sorted(dists))})")
    assert missing == []

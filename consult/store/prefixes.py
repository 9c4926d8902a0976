"""A condition on a text column: it starts with a prefix, answered from the column's index.

    store.where(starts_with(audit.c.subject, "timeline/bench/"))

`column.startswith(prefix)` is a LIKE, which SQLite answers by reading every row: its
LIKE is case-insensitive, so it cannot use an index in binary order (issue 29: the
training page read the audit log's 30,000 rows six times over). On SQLite the
condition is also a range, `prefix <= column < the next prefix`, which the index
answers; the LIKE stays, so the result is the same. Elsewhere (PostgreSQL, whose
collation may not order text byte by byte) it is the LIKE alone.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement


class StartsWith(ColumnElement[bool]):
    """`column` starts with `prefix` (compiled per dialect)."""

    inherit_cache = False
    """Statements holding it are compiled afresh each time: its values are made at compiling."""
    type = sa.Boolean()

    def __init__(self, column: ColumnElement[str], prefix: str) -> None:
        self.column = column
        self.prefix = prefix
        self.pattern = column.startswith(prefix, autoescape=True)


def starts_with(column: ColumnElement[str], prefix: str) -> ColumnElement[bool]:
    """Return the condition that `column` starts with `prefix` (not empty)."""
    return StartsWith(column, prefix)


def _after(prefix: str) -> str:
    """Return the least text after every text that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


@compiles(StartsWith)
def _like(element: StartsWith, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.pattern, **kw))


@compiles(StartsWith, "sqlite")
def _range(element: StartsWith, compiler: Any, **kw: Any) -> str:
    if not element.prefix:
        return str(compiler.process(element.pattern, **kw))
    ranged = sa.and_(
        element.column >= element.prefix, element.column < _after(element.prefix), element.pattern
    )
    return str(compiler.process(ranged, **kw))

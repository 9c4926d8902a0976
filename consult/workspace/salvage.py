"""What of a file that fails its model is still good enough to check against the others.

A file with a type error is reported, and nothing in it is used. Its references (a
meeting's organisation, a session's themes, dates in order) are still worth checking in
the same run, so that an edit with three mistakes shows three errors: `salvage` leaves
out each list item that fails (a contact, a theme, a meeting) and any top-level field
that no check reads, validates what is left, and says how to map its positions back to
the file's.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Collection
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError, create_model

from consult.workspace.yamlfile import Loc

M = TypeVar("M", bound=BaseModel)

MAX_PASSES = 64
"""Each pass leaves out at least one item; a file needing more is left unchecked."""


def salvage(
    model: type[M], data: object, lenient: Collection[str] = ()
) -> tuple[M, Callable[[Loc], Loc]] | None:
    """Return `data` validated with its failing list items left out, and the map back to `data`.

    A top-level field named in `lenient` is taken as it is, whatever it holds. None when
    an error lies outside any list item and outside those fields.
    """
    if not isinstance(data, dict):
        return None
    work = copy.deepcopy(data)
    kept: dict[Loc, list[int]] = {}
    loose: frozenset[str] = frozenset()

    def original(loc: Loc) -> Loc:
        found: list[str | int] = []
        for part in loc:
            at = tuple(found)
            found.append(kept[at][part] if isinstance(part, int) and at in kept else part)
        return tuple(found)

    for _ in range(MAX_PASSES):
        try:
            return cast(M, _relaxed(model, loose).model_validate(work)), original
        except ValidationError as error:
            removals: list[tuple[Loc, int, list[Any]]] = []
            for detail in error.errors(include_url=False):
                loc = tuple(p for p in detail["loc"] if not _is_validator_name(p))
                item = _innermost_item(work, loc)
                if item is not None:
                    removals.append(item)
                elif loc and loc[0] in lenient:
                    loose |= {str(loc[0])}
                else:
                    return None
        done: set[tuple[int, int]] = set()
        for path, index, items in sorted(removals, key=lambda r: (-len(r[0]), -r[1])):
            if (id(items), index) in done:
                continue
            done.add((id(items), index))
            at = original(path)
            kept.setdefault(at, list(range(len(items))))
            del kept[at][index]
            del items[index]
    return None


def _innermost_item(data: object, loc: Loc) -> tuple[Loc, int, list[Any]] | None:
    """Return the path, index and list of the innermost list item on `loc`, if there is one."""
    found = None
    current = data
    for depth, part in enumerate(loc):
        if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            found = (loc[:depth], part, current)
            current = current[part]
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            break
    return found


@functools.cache
def _relaxed(model: type[BaseModel], loose: frozenset[str]) -> type[BaseModel]:
    """Return `model` with the fields `loose` accepting anything."""
    if not loose:
        return model
    fields: dict[str, Any] = dict.fromkeys(loose, (Any, None))
    return create_model(f"Salvaged{model.__name__}", __base__=model, **fields)


def _is_validator_name(part: str | int) -> bool:
    return isinstance(part, str) and "[" in part and "]" in part

"""Turns pydantic's validation errors into `Problem`s that name file, line, field and value.

Every reader of a file a person wrote (the workspace, notes files, KoboToolbox answers)
checks what it read with a schema model and reports through `problems_from_validation`,
so the same mistake reads the same wherever it was made. A reader says where a field
was written (`Locate`) and may add its own words for some fields (`Hints`).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from consult.errors import MISSING, Problem
from consult.workspace.yamlfile import Lines, Loc, path_of

Locate = Callable[[Loc], tuple[int | None, str]]
"""Where a field of a checked model was written: its line, and its path as the reader knows it."""


def locate_in(lines: Lines) -> Locate:
    """Return the `Locate` of a YAML document whose lines are `lines`."""
    return lambda loc: (lines.of(loc), path_of(loc))


@dataclass(frozen=True)
class Hints:
    """What a reader tells a person beyond pydantic's own words."""

    expected: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """(field name, pydantic error type) -> what is expected, e.g. ('severity', 'missing')."""
    about: Mapping[str, str] = field(default_factory=dict)
    """Error type of a whole-model check -> the field it is about, whose value is missing."""


_PLAIN = Hints()
_PREFIXES = ("Input should be ", "Value error, ", "Assertion failed, ")
_LENGTHS = {
    "too_short": ("at least", "min_length", "item"),
    "too_long": ("at most", "max_length", "item"),
    "string_too_short": ("at least", "min_length", "character"),
    "string_too_long": ("at most", "max_length", "character"),
}
"""pydantic error type -> its word, the bound in its context, and what is counted."""


@dataclass(frozen=True)
class Invalid:
    """One error pydantic found, in a person's words: where in the model, the value, the expected.

    A reader that places a field other than by file and line (the registry import: by sheet,
    row and column) builds its own problems from these.
    """

    loc: Loc
    value: object
    expected: str


def problems_from_validation(
    error: ValidationError,
    model: type[BaseModel],
    file: str,
    locate: Locate,
    hints: Hints = _PLAIN,
) -> list[Problem]:
    """Return one problem per error pydantic found in a `model`, naming file, line, field, value.

    An error on a list or mapping that an error on one of its items explains is left out.
    """
    problems = []
    for invalid in invalid_fields(error, model, hints):
        line, path = locate(invalid.loc)
        problems.append(Problem(file, line, path, invalid.value, invalid.expected))
    return problems


def invalid_fields(
    error: ValidationError, model: type[BaseModel], hints: Hints = _PLAIN
) -> list[Invalid]:
    """Return each error pydantic found in a `model` as an `Invalid`, in pydantic's order.

    An error on a list or mapping that an error on one of its items explains is left out.
    """
    details = error.errors(include_url=False)
    return [
        _invalid(detail, model, hints)
        for detail in details
        if not _explained_by_inner(detail, details)
    ]


def _invalid(detail: ErrorDetails, model: type[BaseModel], hints: Hints) -> Invalid:
    loc = tuple(part for part in detail["loc"] if not _is_validator_name(part))
    kind = detail["type"]
    value: object = detail.get("input", MISSING)
    expected = detail["msg"]
    for prefix in _PREFIXES:
        expected = expected.removeprefix(prefix)
    if kind in hints.about:
        loc, value = (*loc, hints.about[kind]), MISSING
    elif kind == "missing" or kind.endswith("_missing"):
        # a check of its own that a field is required (e.g. `kind_label_missing`)
        value = MISSING
    last = str(loc[-1]) if loc else ""
    if (last, kind) in hints.expected:
        expected = hints.expected[(last, kind)]
    elif kind == "missing":
        expected = "a value (the field is required)"
    elif kind == "extra_forbidden":
        known = ", ".join(_fields_at(model, loc[:-1]))
        value, expected = last, f"one of the known fields: {known}" if known else "a known field"
    elif kind in _LENGTHS:
        word, bound_name, unit = _LENGTHS[kind]
        bound = detail.get("ctx", {}).get(bound_name)
        expected = f"{word} {bound} {unit}{'s' if bound != 1 else ''}"
    return Invalid(loc, value, expected)


def _explained_by_inner(detail: ErrorDetails, details: list[ErrorDetails]) -> bool:
    """Tell an error on a list or mapping that an error on one of its items already explains.

    pydantic reports a tuple whose only item is invalid as also "too short"; one
    message about the item is what a person needs.
    """
    loc = detail["loc"]
    return any(
        len(other["loc"]) > len(loc) and other["loc"][: len(loc)] == loc for other in details
    )


def _is_validator_name(part: str | int) -> bool:
    # pydantic puts the name of an Annotated validator chain into loc, e.g. 'function-after[...]'
    return isinstance(part, str) and ("[" in part and "]" in part)


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """Return the field names of the model found by following `loc` from `model`."""
    current: Any = model
    keyed = False  # the next part is a key of a mapping of models, not a field
    for part in loc:
        if isinstance(part, int) or keyed:
            keyed = False
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        found = current.model_fields.get(part)
        if found is None:
            return []
        current = _inner_model(found.annotation)
        keyed = _is_mapping(found.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _is_mapping(annotation: Any) -> bool:
    """Return whether the annotation is `dict[K, V]` (or `dict[K, V] | None`)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_mapping(argument) for argument in typing.get_args(annotation))
    return origin is dict


def _inner_model(annotation: Any) -> Any:
    """Return the model inside `tuple[X, ...]`, `X | None`, `dict[K, X]` and the like, or the
    annotation."""
    origin = typing.get_origin(annotation)
    if origin is dict:
        return _inner_model(typing.get_args(annotation)[1])
    if origin in (tuple, list, typing.Union, types.UnionType):
        for argument in typing.get_args(annotation):
            inner = _inner_model(argument)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return annotation

"""Loads a workspace (stakeholders.yaml, trainings/*.yaml) and checks it whole.

Every problem is collected before anything is returned: a workspace either loads
completely and consistently, or raises one `WorkspaceError` listing them all.
"""

from __future__ import annotations

import types
import typing
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from consult.errors import MISSING, Problem, WorkspaceError
from consult.workspace.yamlfile import Lines, Loc, path_of, read_yaml
from schemas import StakeholdersFile, Training
from schemas.types import ID_PATTERN

STAKEHOLDERS = "stakeholders.yaml"
TRAININGS = "trainings"

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Workspace:
    """A loaded, consistent workspace."""

    root: Path
    stakeholders: StakeholdersFile
    trainings: Mapping[str, Training]

    def training(self, slug: str) -> Training:
        """Return the training with this slug, or raise a WorkspaceError naming the known ones."""
        if slug not in self.trainings:
            known = ", ".join(sorted(self.trainings)) or "none"
            raise WorkspaceError(
                [
                    Problem(
                        f"{TRAININGS}/{slug}.yaml",
                        None,
                        "",
                        slug,
                        f"the slug of a training in {TRAININGS}/ (known: {known})",
                    )
                ]
            )
        return self.trainings[slug]


def load_workspace(root: Path) -> Workspace:
    """Return the workspace at `root`, or raise a WorkspaceError with every problem in it."""
    root = Path(root)
    if not root.is_dir():
        raise WorkspaceError([Problem(str(root), None, "", None, "is not a workspace folder")])
    problems: list[Problem] = []
    stakeholders, stakeholder_lines = _load(
        root / STAKEHOLDERS, STAKEHOLDERS, StakeholdersFile, problems
    )
    if stakeholders is not None:
        problems += _check_stakeholders(stakeholders, stakeholder_lines)

    trainings: dict[str, Training] = {}
    files = sorted((root / TRAININGS).glob("*.yaml")) if (root / TRAININGS).is_dir() else []
    if not files:
        problems.append(
            Problem(
                f"{TRAININGS}/",
                None,
                "",
                None,
                f"holds no training, expected {TRAININGS}/<slug>.yaml",
            )
        )
    for file in files:
        name = f"{TRAININGS}/{file.name}"
        slug = file.stem
        training, lines = _load(file, name, Training, problems)
        if not _is_slug(slug):
            problems.append(
                Problem(
                    name,
                    None,
                    "",
                    slug,
                    "a file name of lowercase letters, "
                    "digits and hyphens (it is the training's slug)",
                )
            )
        if training is not None:
            problems += [
                _problem(name, lines, loc, value, expected)
                for loc, value, expected in _check_training(training, stakeholders)
            ]
            trainings[slug] = training

    if problems:
        raise WorkspaceError(problems)
    assert stakeholders is not None
    return Workspace(
        root=root, stakeholders=stakeholders, trainings=dict(sorted(trainings.items()))
    )


def _is_slug(text: str) -> bool:
    return bool(ID_PATTERN.match(text))


def _load(file: Path, name: str, model: type[M], problems: list[Problem]) -> tuple[M | None, Lines]:
    data, lines, found = read_yaml(file, name)
    problems += found
    if data is None:
        return None, lines
    try:
        value = model.model_validate(data)
    except ValidationError as error:
        details = error.errors(include_url=False)
        problems += [
            _from_pydantic(name, lines, model, detail)
            for detail in details
            if not _explained_by_inner(detail, details)
        ]
        return None, lines
    return (value if not found else None), lines


def _problem(file: str, lines: Lines, loc: Loc, value: object, expected: str) -> Problem:
    return Problem(file, lines.of(loc), path_of(loc), value, expected)


_OURS = {
    "id",
    "timezone",
    "email",
    "country",
    "one_line",
    "working_hours",
    "local_time",
    "commitment",
}


def _from_pydantic(file: str, lines: Lines, model: type[BaseModel], error: ErrorDetails) -> Problem:
    loc = tuple(part for part in error["loc"] if not _is_validator_name(part))
    kind = error["type"]
    message = error["msg"]
    value: object = error.get("input", MISSING)
    if kind == "missing":
        return _problem(file, lines, loc, MISSING, "a value (the field is required)")
    if kind == "extra_forbidden":
        allowed = ", ".join(_fields_at(model, loc[:-1])) or "none"
        return _problem(file, lines, loc, loc[-1], f"one of the known fields: {allowed}")
    if kind in ("too_short", "too_long"):
        context = error.get("ctx", {})
        bound = context.get("min_length" if kind == "too_short" else "max_length")
        word = "at least" if kind == "too_short" else "at most"
        if isinstance(value, str):
            return _problem(file, lines, loc, value, f"{word} {bound} characters")
        return _problem(file, lines, loc, value, f"{word} {bound} item{'s' if bound != 1 else ''}")
    if kind in _OURS:
        return _problem(file, lines, loc, value, message)
    for prefix in ("Input should be ", "Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    return _problem(file, lines, loc, value, message)


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
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _inner_model(annotation: Any) -> Any:
    """Return the model inside `tuple[X, ...]`, `X | None` and the like, or the annotation."""
    origin = typing.get_origin(annotation)
    if origin in (tuple, list, typing.Union, types.UnionType):
        for argument in typing.get_args(annotation):
            inner = _inner_model(argument)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return annotation


Found = Iterator[tuple[Loc, object, str]]


def _duplicates(items: Iterable[tuple[Loc, str]], what: str) -> Found:
    seen: Counter[str] = Counter()
    for loc, key in items:
        seen[key] += 1
        if seen[key] == 2:
            yield loc, key, f"a unique {what} (this one is used twice)"


def _check_stakeholders(file: StakeholdersFile, lines: Lines) -> list[Problem]:
    found: list[tuple[Loc, object, str]] = []
    organisations = file.organisations
    found += _duplicates(
        ((("organisations", i, "id"), o.id) for i, o in enumerate(organisations)), "organisation id"
    )
    found += _duplicates(
        (
            (("organisations", i, "contacts", j, "email"), c.email.lower())
            for i, o in enumerate(organisations)
            for j, c in enumerate(o.contacts)
        ),
        "contact email across the registry",
    )
    return [_problem(STAKEHOLDERS, lines, loc, value, expected) for loc, value, expected in found]


def _check_training(training: Training, stakeholders: StakeholdersFile | None) -> Found:
    themes = {theme.id for theme in training.themes}
    facilitators = {facilitator.id for facilitator in training.consultation.facilitators}
    plan = training.consultation

    yield from _duplicates(
        ((("themes", i, "id"), t.id) for i, t in enumerate(training.themes)), "theme id"
    )
    yield from _duplicates(
        ((("agenda", i, "id"), s.id) for i, s in enumerate(training.agenda)), "agenda session id"
    )
    yield from _duplicates(
        ((("experts", i, "id"), e.id) for i, e in enumerate(training.experts)), "expert id"
    )
    yield from _duplicates(
        (
            (("consultation", "facilitators", i, "id"), f.id)
            for i, f in enumerate(plan.facilitators)
        ),
        "facilitator id",
    )
    yield from _duplicates(
        ((("consultation", "rounds", i, "id"), r.id) for i, r in enumerate(plan.rounds)), "round id"
    )

    if training.end < training.start:
        yield (
            ("end",),
            training.end.isoformat(),
            (f"a date on or after the start ({training.start.isoformat()})"),
        )
    if training.briefing.due > training.start:
        yield (
            ("briefing", "due"),
            training.briefing.due.isoformat(),
            (f"a date on or before the training starts ({training.start.isoformat()})"),
        )
    length = (training.end - training.start).days + 1
    for i, session in enumerate(training.agenda):
        if length >= 1 and session.day > length:
            yield ("agenda", i, "day"), session.day, f"a day of the training (1..{length})"
        for j, theme in enumerate(session.themes):
            if theme not in themes:
                yield ("agenda", i, "themes", j), theme, _one_of("a theme id from themes", themes)

    organisations = {o.id: o for o in stakeholders.organisations} if stakeholders else None
    if organisations is not None:
        group = training.participants.organisation
        if group not in organisations:
            yield (
                ("participants", "organisation"),
                group,
                _one_of(f"an organisation id from {STAKEHOLDERS}", organisations),
            )
        elif organisations[group].kind != "participant_group":
            yield (
                ("participants", "organisation"),
                group,
                ("an organisation of kind 'participant_group'"),
            )

    for i, round_ in enumerate(plan.rounds):
        at: Loc = ("consultation", "rounds", i)
        if round_.latest < round_.earliest:
            yield (
                (*at, "latest"),
                round_.latest.isoformat(),
                (f"a date on or after earliest ({round_.earliest.isoformat()})"),
            )
        if round_.latest >= training.start:
            yield (
                (*at, "latest"),
                round_.latest.isoformat(),
                (f"a date before the training starts ({training.start.isoformat()})"),
            )
        yield from _duplicates(
            (((*at, "meetings", j, "id"), m.id) for j, m in enumerate(round_.meetings)),
            "meeting id within the round",
        )
        for j, meeting in enumerate(round_.meetings):
            if organisations is not None and meeting.organisation not in organisations:
                yield (
                    (*at, "meetings", j, "organisation"),
                    meeting.organisation,
                    _one_of(f"an organisation id from {STAKEHOLDERS}", organisations),
                )
            for k, facilitator in enumerate(meeting.facilitators):
                if facilitator not in facilitators:
                    yield (
                        (*at, "meetings", j, "facilitators", k),
                        facilitator,
                        _one_of("a facilitator id from consultation.facilitators", facilitators),
                    )


def _one_of(what: str, known: Iterable[str]) -> str:
    names = sorted(known)
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"{what} ({shown})" if names else what

"""Loads a workspace (stakeholders.yaml, trainings/*.yaml) and checks it whole.

Every problem is collected before anything is returned: a workspace either loads
completely and consistently, or raises one `WorkspaceError` listing them all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from consult.errors import Problem, WorkspaceError
from consult.workspace.problems import locate_in, problems_from_validation
from consult.workspace.yamlfile import Lines, Loc, path_of, read_yaml
from schemas import Organisation, Round, StakeholdersFile, Training
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
        problems += problems_from_validation(error, model, name, locate_in(lines))
        return None, lines
    return (value if not found else None), lines


def _problem(file: str, lines: Lines, loc: Loc, value: object, expected: str) -> Problem:
    return Problem(file, lines.of(loc), path_of(loc), value, expected)


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
    """Yield what is inconsistent within a training, or with the registry when it loaded."""
    organisations = {o.id: o for o in stakeholders.organisations} if stakeholders else None
    yield from _check_ids(training)
    yield from _check_dates(training)
    yield from _check_agenda(training)
    if organisations is not None:
        yield from _check_participants(training, organisations)
    for i, round_ in enumerate(training.consultation.rounds):
        yield from _check_round(training, ("consultation", "rounds", i), round_, organisations)


def _check_ids(training: Training) -> Found:
    """Yield each id used twice among themes, sessions, experts, facilitators or rounds."""
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


def _check_dates(training: Training) -> Found:
    """Yield a training that ends before it starts, or whose briefing is due after it starts."""
    if training.end < training.start:
        yield (
            ("end",),
            training.end.isoformat(),
            f"a date on or after the start ({training.start.isoformat()})",
        )
    if training.briefing.due > training.start:
        yield (
            ("briefing", "due"),
            training.briefing.due.isoformat(),
            f"a date on or before the training starts ({training.start.isoformat()})",
        )


def _check_agenda(training: Training) -> Found:
    """Yield each session on a day after the training, and each theme it names that is unknown."""
    themes = {theme.id for theme in training.themes}
    length = (training.end - training.start).days + 1
    for i, session in enumerate(training.agenda):
        if length >= 1 and session.day > length:
            yield ("agenda", i, "day"), session.day, f"a day of the training (1..{length})"
        for j, theme in enumerate(session.themes):
            if theme not in themes:
                yield ("agenda", i, "themes", j), theme, _one_of("a theme id from themes", themes)


def _check_participants(training: Training, organisations: Mapping[str, Organisation]) -> Found:
    """Yield the participants' organisation when the registry lacks it or it is no group."""
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
            "an organisation of kind 'participant_group'",
        )


def _check_round(
    training: Training,
    at: Loc,
    round_: Round,
    organisations: Mapping[str, Organisation] | None,
) -> Found:
    """Yield a round's dates out of order, and its meetings' repeated ids and unknown names."""
    if round_.latest < round_.earliest:
        yield (
            (*at, "latest"),
            round_.latest.isoformat(),
            f"a date on or after earliest ({round_.earliest.isoformat()})",
        )
    if round_.latest >= training.start:
        yield (
            (*at, "latest"),
            round_.latest.isoformat(),
            f"a date before the training starts ({training.start.isoformat()})",
        )
    yield from _duplicates(
        (((*at, "meetings", j, "id"), m.id) for j, m in enumerate(round_.meetings)),
        "meeting id within the round",
    )
    facilitators = {facilitator.id for facilitator in training.consultation.facilitators}
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

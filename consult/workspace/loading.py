"""Loads a workspace (stakeholders.yaml, trainings/*.yaml) and checks it whole.

Every problem is collected before anything is returned: a workspace either loads
completely and consistently, or raises one `WorkspaceError` listing them all.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from consult.errors import MISSING, Problem, WorkspaceError
from consult.workspace.countries import holiday_warnings
from consult.workspace.invitees import unmatched
from consult.workspace.problems import locate_in, problems_from_validation
from consult.workspace.salvage import salvage
from consult.workspace.yamlfile import Lines, Loc, path_of, read_yaml
from schemas import Organisation, Round, StakeholdersFile, Training
from schemas.training import LINK_EXAMPLE, PlannedMeeting, is_https_link
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
    warnings: tuple[Problem, ...] = ()
    """What loads but may surprise: a country whose public holidays are unknown."""

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


def load_workspace(root: Path, *, require_training: bool = True) -> Workspace:
    """Return the workspace at `root`, or raise a WorkspaceError with every problem in it.

    `require_training=False` takes a workspace without any training as whole (the desk's
    first page, before its first training is written).
    """
    root = Path(root)
    if not root.is_dir():
        raise WorkspaceError([Problem(str(root), None, "", None, "is not a workspace folder")])
    problems: list[Problem] = []
    stakeholders, stakeholder_lines, registry = _load(
        root / STAKEHOLDERS, STAKEHOLDERS, StakeholdersFile, problems
    )
    if registry is not None:
        problems += _check_stakeholders(registry.data, stakeholder_lines)

    trainings: dict[str, Training] = {}
    training_lines: dict[str, Lines] = {}
    files = sorted((root / TRAININGS).glob("*.yaml")) if (root / TRAININGS).is_dir() else []
    if stakeholders is not None and not stakeholders.organisations and require_training:
        problems.append(
            Problem(
                STAKEHOLDERS,
                stakeholder_lines.of(("organisations",)),
                "organisations",
                [],
                "at least 1 organisation: import a spreadsheet of contacts "
                "(consult import-stakeholders) or add one",
            )
        )
    if not files and require_training:
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
        training, lines, checkable = _load(file, name, Training, problems, _UNCHECKED)
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
        if checkable is not None:
            problems += [
                _problem(name, lines, loc, value, expected)
                for loc, value, expected in _check_training(checkable, registry)
            ]
        if training is not None:
            trainings[slug] = training
            training_lines[slug] = lines

    if problems:
        raise WorkspaceError(problems)
    assert stakeholders is not None
    return Workspace(
        root=root,
        stakeholders=stakeholders,
        trainings=dict(sorted(trainings.items())),
        warnings=tuple(_warnings(stakeholders, stakeholder_lines, trainings, training_lines)),
    )


def load_registry(root: Path) -> Workspace:
    """Return the workspace's registry alone (no training), or raise its own problems.

    For the registry's pages: a training file waiting for a correction must not keep the
    coordinator from the registry, which may be what it needs.
    """
    root = Path(root)
    problems: list[Problem] = []
    stakeholders, lines, registry = _load(
        root / STAKEHOLDERS, STAKEHOLDERS, StakeholdersFile, problems
    )
    if registry is not None:
        problems += _check_stakeholders(registry.data, lines)
    if problems:
        raise WorkspaceError(problems)
    assert stakeholders is not None
    return Workspace(root=root, stakeholders=stakeholders, trainings={})


def check_training(root: Path, slug: str, text: str) -> list[Problem]:
    """Return what `consult validate` finds in `text` as the file of training `slug` at `root`.

    The training is checked with its model and across the workspace's registry as it
    is now; the registry's own problems, and the other trainings', are not its.
    """
    name = f"{TRAININGS}/{slug}.yaml"
    problems: list[Problem] = []
    _, _, registry = _load(Path(root) / STAKEHOLDERS, STAKEHOLDERS, StakeholdersFile, [])
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / f"{slug}.yaml"
        file.write_text(text, encoding="utf-8")
        _, lines, checkable = _load(file, name, Training, problems, _UNCHECKED)
    if checkable is not None:
        problems += [
            _problem(name, lines, loc, value, expected)
            for loc, value, expected in _check_training(checkable, registry)
        ]
    return problems


def _warnings(
    stakeholders: StakeholdersFile,
    lines: Lines,
    trainings: Mapping[str, Training],
    training_lines: Mapping[str, Lines],
) -> list[Problem]:
    """Return a warning for each country without holiday data in the years the trainings span."""
    if not trainings:
        return []
    years = (
        min(r.earliest.year for t in trainings.values() for r in t.consultation.rounds),
        max(t.end.year for t in trainings.values()),
    )
    found = holiday_warnings(
        STAKEHOLDERS,
        lines,
        (
            (("organisations", i, "country"), o.country)
            for i, o in enumerate(stakeholders.organisations)
        ),
        years,
    )
    for slug, training in trainings.items():
        facilitators = training.consultation.facilitators
        found += holiday_warnings(
            f"{TRAININGS}/{slug}.yaml",
            training_lines[slug],
            (
                (("consultation", "facilitators", i, "country"), f.country)
                for i, f in enumerate(facilitators)
            ),
            years,
        )
    return found


def _is_slug(text: str) -> bool:
    return bool(ID_PATTERN.match(text))


@dataclass(frozen=True)
class _Checkable(Generic[M]):
    """What the checks across a file read: its data as written, and what of it validates."""

    data: dict[str, Any]
    value: M | None
    """The file's model, or what of it is valid when it is not (see `salvage`)."""
    original: Callable[[Loc], Loc]
    """Where a position in `value` is in `data`."""


_UNCHECKED = frozenset(Training.model_fields) - {
    "start",
    "end",
    "participants",
    "themes",
    "agenda",
    "consultation",
    "briefing",
}
"""The fields of a training no check across files reads: one wrong leaves the others checked."""


def _load(
    file: Path,
    name: str,
    model: type[M],
    problems: list[Problem],
    unchecked: frozenset[str] = frozenset(),
) -> tuple[M | None, Lines, _Checkable[M] | None]:
    data, lines, found = read_yaml(file, name)
    problems += found
    if data is None:
        return None, lines, None
    try:
        value = model.model_validate(data)
    except ValidationError as error:
        problems += problems_from_validation(error, model, name, locate_in(lines))
        kept = salvage(model, data, unchecked)
        salvaged = _Checkable(data, *kept) if kept else _Checkable(data, None, _same)
        return None, lines, salvaged
    return (value if not found else None), lines, _Checkable(data, value, _same)


def _same(loc: Loc) -> Loc:
    return loc


def _items(data: object, *path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield the index and mapping of each item of the list at `path` in a file's data."""
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    if isinstance(data, list):
        yield from ((i, item) for i, item in enumerate(data) if isinstance(item, dict))


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _ids(data: object, *path: str) -> Iterator[tuple[Loc, str]]:
    """Yield the position and id of each item at `path` that has one, as the file holds it."""
    for i, item in _items(data, *path):
        if (found := _text(item.get("id"))) is not None:
            yield (*path, i, "id"), found


def _problem(file: str, lines: Lines, loc: Loc, value: object, expected: str) -> Problem:
    return Problem(file, lines.of(loc), path_of(loc), value, expected)


Found = Iterator[tuple[Loc, object, str]]


def _duplicates(items: Iterable[tuple[Loc, str]], what: str) -> Found:
    seen: Counter[str] = Counter()
    for loc, key in items:
        seen[key] += 1
        if seen[key] == 2:
            yield loc, key, f"a unique {what} (this one is used twice)"


def _check_stakeholders(data: dict[str, Any], lines: Lines) -> list[Problem]:
    """Return the ids and emails used twice, read as written (so beside any type error)."""
    found: list[tuple[Loc, object, str]] = []
    found += _duplicates(_ids(data, "organisations"), "organisation id")
    found += _duplicates(
        (
            (("organisations", i, "contacts", j, "email"), email.lower())
            for i, o in _items(data, "organisations")
            for j, c in _items(o, "contacts")
            if (email := _text(c.get("email"))) is not None
        ),
        "contact email across the registry",
    )
    return [_problem(STAKEHOLDERS, lines, loc, value, expected) for loc, value, expected in found]


@dataclass(frozen=True)
class _Known:
    """The ids a training may name, as the files hold them: an item with a type error counts."""

    organisations: Mapping[str, object] | None
    """Organisation id -> kind, from the registry; None when it could not be read."""
    themes: frozenset[str]
    facilitators: frozenset[str]


def _check_training(
    checkable: _Checkable[Training], registry: _Checkable[StakeholdersFile] | None
) -> Found:
    """Yield what is inconsistent within a training, or with the registry when it was read."""
    data = checkable.data
    yield from _check_ids(data)
    training = checkable.value
    if training is None:
        return
    known = _Known(
        organisations={
            key: _text(o.get("kind"))
            for i, o in _items(registry.data, "organisations")
            if (key := _text(o.get("id"))) is not None
        }
        if registry is not None
        else None,
        themes=frozenset(key for _, key in _ids(data, "themes")),
        facilitators=frozenset(key for _, key in _ids(data, "consultation", "facilitators")),
    )
    valid = registry.value if registry is not None else None
    organisations = {o.id: o for o in valid.organisations} if valid is not None else {}
    for loc, value, expected in _check_valid(training, known, organisations):
        yield checkable.original(loc), value, expected


def _check_valid(
    training: Training, known: _Known, organisations: Mapping[str, Organisation]
) -> Found:
    """Yield what is inconsistent in what of a training is valid (positions in `training`)."""
    yield from _check_dates(training)
    yield from _check_agenda(training, known.themes)
    if known.organisations is not None:
        yield from _check_participants(training, known.organisations)
    for i, round_ in enumerate(training.consultation.rounds):
        yield from _check_round(
            training, ("consultation", "rounds", i), round_, known, organisations
        )


def _check_ids(data: dict[str, Any]) -> Found:
    """Yield each id used twice among themes, sessions, experts, facilitators or rounds."""
    yield from _duplicates(_ids(data, "themes"), "theme id")
    yield from _duplicates(_ids(data, "agenda"), "agenda session id")
    yield from _duplicates(_ids(data, "experts"), "expert id")
    yield from _duplicates(_ids(data, "consultation", "facilitators"), "facilitator id")
    yield from _duplicates(_ids(data, "consultation", "rounds"), "round id")


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


def _check_agenda(training: Training, themes: frozenset[str]) -> Found:
    """Yield each session on a day after the training, and each theme it names that is unknown."""
    length = (training.end - training.start).days + 1
    for i, session in enumerate(training.agenda):
        if length >= 1 and session.day > length:
            yield ("agenda", i, "day"), session.day, f"a day of the training (1..{length})"
        for j, theme in enumerate(session.themes):
            if theme not in themes:
                yield ("agenda", i, "themes", j), theme, _one_of("a theme id from themes", themes)


def _check_participants(training: Training, kinds: Mapping[str, object]) -> Found:
    """Yield the participants' organisation when the registry lacks it or it is no group."""
    group = training.participants.organisation
    if group not in kinds:
        yield (
            ("participants", "organisation"),
            group,
            _one_of(f"an organisation id from {STAKEHOLDERS}", kinds),
        )
    elif kinds[group] != "participant_group":
        yield (
            ("participants", "organisation"),
            group,
            "an organisation of kind 'participant_group'",
        )


def _check_round(
    training: Training,
    at: Loc,
    round_: Round,
    known: _Known,
    organisations: Mapping[str, Organisation],
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
    polls = [((*at, "poll"), round_.poll)]
    polls += [((*at, "meetings", j, "poll"), m.poll) for j, m in enumerate(round_.meetings)]
    for where, poll in polls:
        if poll is not None and poll.deadline >= round_.earliest:
            yield (
                (*where, "deadline"),
                poll.deadline.isoformat(),
                f"a day before the round's window opens (earliest: {round_.earliest.isoformat()})",
            )
    facilitators = known.facilitators
    for j, meeting in enumerate(round_.meetings):
        if known.organisations is not None and meeting.organisation not in known.organisations:
            yield (
                (*at, "meetings", j, "organisation"),
                meeting.organisation,
                _one_of(f"an organisation id from {STAKEHOLDERS}", known.organisations),
            )
        elif meeting.organisation in organisations:
            for k, key, value, expected in unmatched(meeting, organisations[meeting.organisation]):
                yield (*at, "meetings", j, "attendees", k, key), value, expected
        if meeting.format == "online":
            yield from _check_link(training, (*at, "meetings", j, "location"), meeting)
        for k, facilitator in enumerate(meeting.facilitators):
            if facilitator not in facilitators:
                yield (
                    (*at, "meetings", j, "facilitators", k),
                    facilitator,
                    _one_of("a facilitator id from consultation.facilitators", facilitators),
                )


def _check_link(training: Training, at: Loc, meeting: PlannedMeeting) -> Found:
    """Yield an online meeting without its https link, or without a training's meeting_link."""
    what = f"the https link of online meeting {meeting.id!r}"
    if meeting.location is None and training.consultation.meeting_link is None:
        yield at, MISSING, f"{what}, or a consultation.meeting_link such as {LINK_EXAMPLE}"
    elif meeting.location is not None and not is_https_link(meeting.location.en):
        yield at, meeting.location.en, f"{what} (https://...)"


def _one_of(what: str, known: Iterable[str]) -> str:
    names = sorted(known)
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"{what} ({shown})" if names else what

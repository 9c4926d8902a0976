"""Finds the texts a reader would get in English for want of a translation in their language.

Each text of the workspace that a person reads has its readers, and a reader their
language. Texts are read by:

    the invited         a meeting's contacts and facilitators: the training's title, the
                        meetings' purpose (the terms of reference when no purpose is
                        given), and the name of their organisation
    the experts         the pack, in English and each expert's language: the title, the
                        project, the venue, the terms of reference, the participants'
                        profile and places, the sensitivities, the logistics, the experts'
                        roles, the themes, the agenda and the names of the organisations
                        consulted

A text lacking one of its readers' languages is a `MissingTranslation`: a warning,
since the reader still gets the English text, which every localised text has.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from consult.workspace.loading import STAKEHOLDERS, TRAININGS, Workspace
from consult.workspace.yamlfile import Lines, Loc, path_of, read_yaml
from schemas import Training
from schemas.types import LANGUAGE_NAMES, Language, Localized, LocalizedText

_VENUE: Final = ("name", "address", "city")
_ORDER: Final[dict[Language, int]] = {language: i for i, language in enumerate(LANGUAGE_NAMES)}


@dataclass(frozen=True)
class MissingTranslation:
    """A text without its translation into a language that some of its readers read."""

    file: str
    line: int | None
    path: str
    language: Language

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.file, f"line {self.line}", self.path) if part)
        name = LANGUAGE_NAMES[self.language]
        return f"{where}: no {name} ({self.language}) text, so its {name} readers get the English"


Translated = Localized | LocalizedText
Read = tuple[Loc, Translated, set[Language]]


def missing_translations(workspace: Workspace) -> list[MissingTranslation]:
    """Return every missing translation of the workspace, in file and line order."""
    found: list[MissingTranslation] = []
    organisation_readers: dict[str, set[Language]] = defaultdict(set)
    for slug, training in workspace.trainings.items():
        name = f"{TRAININGS}/{slug}.yaml"
        found += _missing(name, _lines(workspace.root, name), _texts(workspace, training))
        for organisation, languages in _organisation_readers(workspace, training):
            organisation_readers[organisation] |= languages
    names: list[Read] = [
        (("organisations", i, "name"), organisation.name, organisation_readers[organisation.id])
        for i, organisation in enumerate(workspace.stakeholders.organisations)
    ]
    found += _missing(STAKEHOLDERS, _lines(workspace.root, STAKEHOLDERS), names)
    return sorted(found, key=lambda m: (m.file, m.line or 0, m.path, _ORDER[m.language]))


def _invited(workspace: Workspace, training: Training) -> dict[str, set[Language]]:
    """Return the languages of each consulted organisation's invited: contacts and facilitators."""
    facilitators = {f.id: f.language for f in training.consultation.facilitators}
    invited: dict[str, set[Language]] = defaultdict(set)
    for round_ in training.consultation.rounds:
        for meeting in round_.meetings:
            organisation = workspace.stakeholders.organisation(meeting.organisation)
            invited[meeting.organisation] |= {c.language for c in organisation.contacts}
            invited[meeting.organisation] |= {facilitators[f] for f in meeting.facilitators}
    return invited


def _pack(training: Training) -> set[Language]:
    """Return the languages of the training's pack: English and each expert's."""
    return {"en", *(expert.language for expert in training.experts)}


def _organisation_readers(
    workspace: Workspace, training: Training
) -> Iterator[tuple[str, set[Language]]]:
    pack = _pack(training)
    for organisation, languages in _invited(workspace, training).items():
        yield organisation, languages | pack
    yield training.participants.organisation, pack


def _texts(workspace: Workspace, training: Training) -> list[Read]:
    """Return each localised text of the training with the languages of its readers."""
    invited = set().union(*_invited(workspace, training).values())
    pack = _pack(training)
    purpose = training.consultation.purpose
    briefing = training.briefing
    texts: list[tuple[Loc, Translated | None, set[Language]]] = [
        (("title",), training.title, invited | pack),
        (("consultation", "purpose"), purpose, invited),
        (
            ("terms_of_reference",),
            training.terms_of_reference,
            pack | (set() if purpose else invited),
        ),
        (("project",), training.project, pack),
        *((("venue", part), getattr(training.venue, part), pack) for part in _VENUE),
        (("participants", "description"), training.participants.description, pack),
        *(
            (("participants", "locations", i), place, pack)
            for i, place in enumerate(training.participants.locations)
        ),
        (("briefing", "logistics"), briefing.logistics, pack),
        *(
            (("briefing", "sensitivities", i), s, pack)
            for i, s in enumerate(briefing.sensitivities)
        ),
        *((("experts", i, "role"), e.role, pack) for i, e in enumerate(training.experts)),
        *((("themes", i, "label"), t.label, pack) for i, t in enumerate(training.themes)),
        *((("agenda", i, "title"), s.title, pack) for i, s in enumerate(training.agenda)),
    ]
    return [(loc, text, readers) for loc, text, readers in texts if text is not None]


def _missing(file: str, lines: Lines, texts: Iterable[Read]) -> list[MissingTranslation]:
    return [
        MissingTranslation(file, lines.of(loc), path_of(loc), language)
        for loc, text, readers in texts
        for language in text.lacks(sorted(readers, key=_ORDER.__getitem__))
    ]


def _lines(root: Path, name: str) -> Lines:
    """Return where each value of a workspace file is: the file loaded, so it reads again."""
    _, lines, _ = read_yaml(root / name, name)
    return lines

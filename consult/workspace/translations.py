"""Finds the texts a reader would get in English for want of a translation in their language.

Each text of the workspace that a person reads has its readers, and a reader their
language. Texts are read by:

    the invited         a meeting's contacts and facilitators: the training's title, the
                        meetings' purpose (the terms of reference when no purpose is
                        given), the name of their organisation, their meeting's place
                        (unless it is a link) and the names of its facilitators
    everyone written to the invited and the experts: the sender's name and organisation
                        (the training's `sender`, else the workspace's)
    the experts         the pack, in English and each expert's language: the title, the
                        project, the venue, the terms of reference, the participants'
                        profile and places, the sensitivities, the logistics, the experts'
                        roles, the themes, the agenda and the names of the organisations
                        consulted

A text lacking one of its readers' languages is a `MissingTranslation`: a warning,
since the reader still gets the English text, which every localised text has. A
person's name (a contact's, read in their own greeting; a facilitator's; an
expert's, read in the pack) that a reader would get only in a script they do not
read (Georgian for a Russian reader, say) is an `UnreadableName`: a warning too,
until the file gives its `name_latin` or `name_cyrillic`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from consult.workspace.invitees import invitees
from consult.workspace.loading import STAKEHOLDERS, TRAININGS, Workspace
from consult.workspace.yamlfile import Lines, Loc, path_of, read_yaml
from schemas import Training
from schemas.stakeholders import Contact, MailSender
from schemas.training import Expert, Facilitator, PlannedMeeting
from schemas.types import (
    LANGUAGE_NAMES,
    READABLE,
    Language,
    Localized,
    LocalizedText,
    readable_by,
    script_of,
)

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


@dataclass(frozen=True)
class UnreadableName(MissingTranslation):
    """A person's name written only in a script that some of its readers do not read."""

    script: str = "another"

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.file, f"line {self.line}", self.path) if part)
        name = LANGUAGE_NAMES[self.language]
        fields = " or ".join(f"name_{s}" for s in READABLE[self.language] if s != "georgian")
        return (
            f"{where}: no spelling that {name} ({self.language}) readers read, so they get it "
            f"in {self.script} letters (give {fields})"
        )


Translated = Localized | LocalizedText
Read = tuple[Loc, Translated, set[Language]]
Named = Contact | Facilitator | Expert
NameRead = tuple[Loc, Named, set[Language]]


def missing_translations(workspace: Workspace) -> list[MissingTranslation]:
    """Return every missing translation and unreadable name of the workspace, in file order."""
    found: list[MissingTranslation] = []
    organisation_readers: dict[str, set[Language]] = defaultdict(set)
    sender_readers: set[Language] = set()
    greeted: set[str] = set()
    for slug, training in workspace.trainings.items():
        name = f"{TRAININGS}/{slug}.yaml"
        lines = _lines(workspace.root, name)
        found += _missing(name, lines, _texts(workspace, training))
        found += _unreadable(name, lines, _people(workspace, training))
        for organisation, languages in _organisation_readers(workspace, training):
            organisation_readers[organisation] |= languages
        if training.sender is None:
            sender_readers |= _everyone(workspace, training)
        greeted |= {c.email for _, contacts, _ in _meetings(workspace, training) for c in contacts}
    stakeholders = workspace.stakeholders
    texts: list[Read] = [
        (("organisations", i, "name"), organisation.name, organisation_readers[organisation.id])
        for i, organisation in enumerate(stakeholders.organisations)
    ]
    if stakeholders.sender is not None:
        texts += _sender(stakeholders.sender, sender_readers)
    contacts: list[NameRead] = [
        (("organisations", i, "contacts", j, "name"), contact, {contact.language})
        for i, organisation in enumerate(stakeholders.organisations)
        for j, contact in enumerate(organisation.contacts)
        if contact.email in greeted
    ]
    lines = _lines(workspace.root, STAKEHOLDERS)
    found += _missing(STAKEHOLDERS, lines, texts) + _unreadable(STAKEHOLDERS, lines, contacts)
    return sorted(found, key=lambda m: (m.file, m.line or 0, m.path, _ORDER[m.language]))


def _meetings(
    workspace: Workspace, training: Training
) -> Iterator[tuple[Loc, tuple[Contact, ...], PlannedMeeting]]:
    """Yield where each planned meeting of the training is, the contacts it invites, itself."""
    for i, round_ in enumerate(training.consultation.rounds):
        for j, meeting in enumerate(round_.meetings):
            organisation = workspace.stakeholders.organisation(meeting.organisation)
            loc = ("consultation", "rounds", i, "meetings", j)
            yield loc, invitees(meeting, organisation), meeting


def _meeting_readers(
    training: Training, contacts: tuple[Contact, ...], meeting: PlannedMeeting
) -> set[Language]:
    """Return the languages of a meeting's invited: its contacts and its facilitators."""
    facilitators = {f.id: f.language for f in training.consultation.facilitators}
    return {c.language for c in contacts} | {facilitators[f] for f in meeting.facilitators}


def _everyone(workspace: Workspace, training: Training) -> set[Language]:
    """Return the languages of everyone the training writes to: the invited and the experts."""
    return set().union(*_invited(workspace, training).values()) | _pack(training)


def _sender(sender: MailSender, readers: set[Language]) -> list[Read]:
    """Return the sender's name and organisation, read by everyone written to."""
    texts: list[Read] = [(("sender", "name"), sender.name, readers)]
    if sender.organisation is not None:
        texts.append((("sender", "organisation"), sender.organisation, readers))
    return texts


def _people(workspace: Workspace, training: Training) -> list[NameRead]:
    """Return the training's facilitators and experts with the languages their names are read in.

    A facilitator's name is read by the invited of each meeting they facilitate, an
    expert's by the expert and in the pack.
    """
    readers: dict[str, set[Language]] = defaultdict(set)
    for _, contacts, meeting in _meetings(workspace, training):
        for facilitator in meeting.facilitators:
            readers[facilitator] |= _meeting_readers(training, contacts, meeting)
    return [
        *(
            (("consultation", "facilitators", i, "name"), f, readers[f.id])
            for i, f in enumerate(training.consultation.facilitators)
        ),
        *(
            (("experts", i, "name"), e, _pack(training) | {e.language})
            for i, e in enumerate(training.experts)
        ),
    ]


def _unreadable(file: str, lines: Lines, people: Iterable[NameRead]) -> list[MissingTranslation]:
    found: list[MissingTranslation] = []
    for loc, person, readers in people:
        script = script_of(person.name)
        for language in sorted(readers, key=_ORDER.__getitem__):
            if not readable_by(language, person.name, person.name_latin, person.name_cyrillic):
                shown = script.capitalize() if script else "other"
                found.append(UnreadableName(file, lines.of(loc), path_of(loc), language, shown))
    return found


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
        *(
            ((*loc, "location"), meeting.location, _meeting_readers(training, contacts, meeting))
            for loc, contacts, meeting in _meetings(workspace, training)
            if meeting.location is not None and not _is_link(meeting.location.en)
        ),
    ]
    if training.sender is not None:
        texts += _sender(training.sender, _everyone(workspace, training))
    return [(loc, text, readers) for loc, text, readers in texts if text is not None]


def _missing(file: str, lines: Lines, texts: Iterable[Read]) -> list[MissingTranslation]:
    return [
        MissingTranslation(file, lines.of(loc), path_of(loc), language)
        for loc, text, readers in texts
        for language in text.lacks(sorted(readers, key=_ORDER.__getitem__))
    ]


def _is_link(place: str) -> bool:
    """Whether a meeting's location is a link, which reads the same in every language."""
    return place.startswith(("https://", "http://"))


def _lines(root: Path, name: str) -> Lines:
    """Return where each value of a workspace file is: the file loaded, so it reads again."""
    _, lines, _ = read_yaml(root / name, name)
    return lines

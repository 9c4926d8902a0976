"""Starts a workspace of one's own: `consult init DIR`.

A new workspace holds a commented, block-style `stakeholders.yaml` (the `sender:` block
from the answers, or a commented placeholder that `consult validate` names), a
commented training file written from a few answers (title, dates, venue, time zone,
languages, facilitators), and the folders the other steps read (trainings/, notes/,
inbox/). What the answers cannot say (the organisations, the experts, the themes, the
rounds) is left as commented examples: `consult validate` then lists each part still
to write, with its line, until the workspace is whole.

Nothing is overwritten: a folder that already holds a registry or the training's file
is refused with the path, and the files are written whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from consult.errors import MISSING, Problem, WorkspaceError
from consult.workspace.problems import problems_from_validation
from consult.workspace.yamlfile import path_of
from consult.workspace.yamlwrite import scalar, write_atomically
from schemas.stakeholders import MailSender
from schemas.training import Facilitator, Venue
from schemas.types import ID_PATTERN, Language, Localized

STAKEHOLDERS = "stakeholders.yaml"
TRAININGS = "trainings"
FOLDERS = (TRAININGS, "notes", "inbox")
"""The folders the other steps read: training files, notes files, calendar replies."""

REGISTRY_HEADER = """\
# Stakeholder registry (model: schemas.stakeholders.StakeholdersFile; docs/workspace.md).
#
# The organisations consult talks to before a training, and the people it writes to
# in each: their language (ka/en/ru) and IANA time zone decide how and when they are
# invited. `country` is where an organisation's public holidays come from. Kind
# `participant_group` marks the training's future participants.
#
# Add organisations here by hand, or import a spreadsheet of contacts with
# `consult import-stakeholders contacts.xlsx --workspace .`
"""

SENDER_COMMENT = """\
# Who the messages come from: the From of every email and the ORGANIZER of every
# invite, so the calendar replies go to this address. A training's file may name its
# own `sender:`.
"""

SENDER_PLACEHOLDER = """\
# TO FILL IN: who the messages come from. Until this block is written, messages go out
# under consult's default sender, which sending by SMTP refuses.
# sender:
#   name: IOM Georgia consultations
#   email: consultations@your-organisation.org
#   organisation: IOM Georgia
"""

ORGANISATION_EXAMPLE = """\
# Each organisation, for example:
#   - id: mia-human-rights-department
#     kind: ministry            # prosecution, judiciary, state_agency, un_agency, ngo, ...
#     country: GE
#     name:
#       en: Ministry of Internal Affairs - Human Rights Department
#       ka: შინაგან საქმეთა სამინისტრო - ადამიანის უფლებების დეპარტამენტი
#     contacts:
#       - name: Giorgi Maisuradze
#         email: g.maisuradze@mia.gov.ge
#         role: Head of division
#         language: ka
#         timezone: Asia/Tbilisi
"""


@dataclass(frozen=True)
class TrainingAnswers:
    """What `consult init` asks about the training; the rest is left as commented examples."""

    slug: str
    title: Mapping[Language, str]
    """The title in each language wanted; `en` is required (the fallback of every text)."""
    start: dt.date
    end: dt.date
    timezone: str
    venue: Mapping[str, str]
    """name, address, city (in English) and country (ISO code)."""
    languages: tuple[Language, ...] = ("en",)
    """The languages its texts are written in; every title and label should have them."""
    facilitators: tuple[tuple[str, str], ...] = ()
    """(name, email) of each facilitator of the consultations."""


@dataclass(frozen=True)
class InitAnswers:
    """Everything `consult init` writes from: the sender and, if given, the first training."""

    sender: Mapping[str, str] | None = None
    """name, email and, if given, organisation and reply_to; None: a placeholder."""
    training: TrainingAnswers | None = None


def init_workspace(root: Path, answers: InitAnswers) -> list[Path]:
    """Write a new workspace into `root` from `answers`; return the files and folders made.

    Raises WorkspaceError naming each answer that is wrong, or the file that exists
    already; nothing is written then.
    """
    root = Path(root)
    files = {root / STAKEHOLDERS: registry_text(answers.sender)}
    if answers.training is not None:
        files[root / TRAININGS / f"{answers.training.slug}.yaml"] = training_text(answers.training)
    existing = [path for path in files if path.exists()]
    if existing:
        raise WorkspaceError(
            [
                Problem(str(path), None, "", None, "no file there: init never overwrites one")
                for path in existing
            ]
        )
    made: list[Path] = []
    for folder in FOLDERS:
        if not (root / folder).is_dir():
            (root / folder).mkdir(parents=True, exist_ok=True)
            made.append(root / folder)
    for path, text in files.items():
        write_atomically(path, text)
        made.append(path)
    return made


def registry_text(sender: Mapping[str, str] | None) -> str:
    """Return a new registry: its header, the sender (or a placeholder), no organisation."""
    if sender is None:
        block = SENDER_PLACEHOLDER
    else:
        _check(MailSender, dict(sender), STAKEHOLDERS, "sender")
        lines = [f"  {key}: {scalar(value)}" for key, value in sender.items() if value]
        block = SENDER_COMMENT + "sender:\n" + "\n".join(lines) + "\n"
    return f"{REGISTRY_HEADER}\n{block}\n{ORGANISATION_EXAMPLE}organisations: []\n"


def registry_header(text: str) -> str:
    """Return the header a registry written by consult starts with, if `text` has none."""
    if text.lstrip().startswith("#"):
        return ""
    sender = "" if re.search(r"^sender:", text, re.MULTILINE) else SENDER_PLACEHOLDER
    return REGISTRY_HEADER + ("\n" + sender if sender else "") + "\n"


def training_text(answers: TrainingAnswers) -> str:
    """Return a new training file from `answers`: commented, block style, examples to fill in."""
    file = f"{TRAININGS}/{answers.slug}.yaml"
    _check_training_answers(answers, file)
    title = _localized(answers.title, "  ")
    venue = answers.venue
    facilitators = "".join(
        _facilitator(name, email, answers, index)
        for index, (name, email) in enumerate(answers.facilitators)
    )
    earliest = answers.start - dt.timedelta(weeks=6)
    latest = answers.start - dt.timedelta(weeks=2)
    due = answers.start - dt.timedelta(days=7)
    return TRAINING_TEMPLATE.format(
        header=training_header(
            answers.title["en"], answers.languages, "`consult init`", INIT_NEXT_STEP
        ),
        title=title,
        start=answers.start.isoformat(),
        end=answers.end.isoformat(),
        timezone=answers.timezone,
        venue_name=scalar(venue["name"]),
        venue_address=scalar(venue["address"]),
        venue_city=scalar(venue["city"]),
        venue_country=venue["country"],
        facilitators=facilitators or FACILITATOR_EXAMPLE,
        first_facilitator=_first_id(answers),
        earliest=earliest.isoformat(),
        latest=latest.isoformat(),
        due=due.isoformat(),
    )


def _localized(texts: Mapping[Language, str], indent: str) -> str:
    return "".join(f"{indent}{language}: {scalar(text)}\n" for language, text in texts.items())


def person_id(name: str, index: int, fallback: str = "facilitator") -> str:
    """Return an id made of a name: `Nino Beridze` is `nino-beridze`; `<fallback>-<n>` if none."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return slug if slug and ID_PATTERN.match(slug) else f"{fallback}-{index + 1}"


def _first_id(answers: TrainingAnswers) -> str:
    if not answers.facilitators:
        return "project-officer"
    return person_id(answers.facilitators[0][0], 0)


def _facilitator(name: str, email: str, answers: TrainingAnswers, index: int) -> str:
    language = answers.languages[0]
    return (
        f"    - id: {person_id(name, index)}\n"
        f"      name: {scalar(name)}\n"
        f"      email: {scalar(email)}\n"
        f"      language: {language}              # of the messages they get\n"
        f"      timezone: {answers.timezone}\n"
        f"      country: {answers.venue['country']}"
        "                # where their public holidays come from\n"
        "      working_hours:\n"
        "        days: [mon, tue, wed, thu, fri]\n"
        '        start: "09:00"\n'
        '        end: "18:00"\n'
    )


def _check_training_answers(answers: TrainingAnswers, file: str) -> None:
    problems: list[Problem] = []
    if not ID_PATTERN.match(answers.slug):
        problems.append(
            Problem(
                file,
                None,
                "slug",
                answers.slug,
                "an id of lowercase letters, digits and inner hyphens, at most 64 characters",
            )
        )
    if answers.end < answers.start:
        problems.append(Problem(file, None, "end", answers.end, f"a date from {answers.start} on"))
    missing = [language for language in answers.languages if not answers.title.get(language)]
    if "en" not in answers.title:
        missing = ["en", *missing]
    problems += [
        Problem(file, None, f"title.{language}", MISSING, "the title in this language")
        for language in dict.fromkeys(missing)
    ]
    problems += _problems(Localized, {str(k): v for k, v in answers.title.items()}, file, "title")
    problems += _problems(Venue, _venue(answers.venue), file, "venue")
    for index, (name, email) in enumerate(answers.facilitators):
        facilitator = {
            "id": person_id(name, index),
            "name": name,
            "email": email,
            "timezone": answers.timezone,
            "country": answers.venue.get("country", ""),
        }
        problems += _problems(Facilitator, facilitator, file, f"facilitators[{index}]")
    if problems:
        raise WorkspaceError(problems)


def _venue(venue: Mapping[str, str]) -> dict[str, str]:
    return {key: venue.get(key, "") for key in ("name", "address", "city", "country")}


def _check(model: type[BaseModel], data: Mapping[str, object], file: str, where: str) -> None:
    problems = _problems(model, data, file, where)
    if problems:
        raise WorkspaceError(problems)


def _problems(
    model: type[BaseModel], data: Mapping[str, object], file: str, where: str
) -> list[Problem]:
    """Return what is wrong with one answer, named as `consult validate` names it."""
    try:
        model.model_validate(data)
    except ValidationError as error:
        return problems_from_validation(
            error, model, file, lambda loc: (None, f"{where}.{path_of(loc)}" if loc else where)
        )
    return []


FACILITATOR_EXAMPLE = """\
    # TO FILL IN: at least one facilitator, for example:
    # - id: project-officer
    #   name: Levan Kavtaradze
    #   email: levan.kavtaradze@your-organisation.org
    #   language: ka
    #   timezone: Asia/Tbilisi
    #   country: GE
"""

TRAINING_HEADER = """\
# Training: {title_en} (model: schemas.training.Training; the file name is its slug).
#
# Written by {written_by}. {next_step} Texts read by stakeholders and experts are written
# in each of the training's languages ({languages}); English is the fallback of every text.
# Dates are in the training's time zone; working hours in each facilitator's own.
"""
"""The header comment of a training file consult writes: `consult init`'s and the desk's."""
INIT_NEXT_STEP = (
    "Fill in the parts marked TO FILL IN (docs/workspace.md\n"
    "# explains every field), then run `consult validate`: it lists each part still missing\n"
    "# with its line."
)


def training_header(
    title_en: str, languages: Sequence[str], written_by: str, next_step: str
) -> str:
    """Return the header comment of a training file written by `written_by`."""
    return TRAINING_HEADER.format(
        title_en=title_en,
        languages=", ".join(languages),
        written_by=written_by,
        next_step=next_step,
    )


TRAINING_TEMPLATE = """\
{header}
title:
{title}start: {start}
end: {end}
timezone: {timezone}

venue:
  name:
    en: {venue_name}
  address:
    en: {venue_address}
  city:
    en: {venue_city}
  country: {venue_country}

# TO FILL IN: the training's future participants, a `participant_group` organisation
# of stakeholders.yaml.
# participants:
#   organisation: mia-victim-coordinators
#   count: 16

# TO FILL IN: who receives the briefing pack.
# experts:
#   - id: lead-trainer
#     name: Andreea Vasilescu
#     email: andreea.vasilescu@your-organisation.org
#     role:
#       en: International expert; lead trainer
#     language: en
#     timezone: Europe/Bucharest

# TO FILL IN: the themes observations and agenda sessions are tagged with.
# themes:
#   - id: victim-communication
#     label:
#       en: Communicating with victims and witnesses

consultation:
  facilitators:
{facilitators}
  # TO FILL IN: the consultation rounds and their meetings, with the organisations of
  # stakeholders.yaml; a round's meetings are planned between `earliest` and `latest`.
  # rounds:
  #   - id: round-1
  #     earliest: {earliest}
  #     latest: {latest}
  #     meetings:
  #       - id: mia-human-rights-department
  #         organisation: mia-human-rights-department
  #         format: in_person       # or online, or group_discussion
  #         duration_minutes: 60
  #         facilitators: [{first_facilitator}]
  #         location: Ministry of Internal Affairs, Tbilisi - meeting room

briefing:
  due: {due}
"""

"""A new training from the desk, and a round of meetings added to one: the forms and their checks.

A form's fields are flat (`title_en`, `m3_organisation`); `read_training` and
`read_round` turn what was posted into the data of a training file, and
`consult.workspace.training_file` checks it as `consult validate` does and writes
it. Each problem it names (`consultation.rounds[0].meetings[2].location`) comes
back beside the field it was typed in (`m3_location`); a problem of no field of
the form is said above it. Empty rows (facilitators, experts, meetings) are left
out; what the model needs and the form does not ask (a facilitator's time zone and
country, an expert's) is the training's own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consult.errors import Problem
from consult.workspace.loading import STAKEHOLDERS
from consult.workspace.slugs import slugify
from consult.workspace.yamlfile import read_yaml

LANGUAGES = ("en", "ka", "ru")
LANGUAGE_NAMES = {"en": "English", "ka": "Georgian", "ru": "Russian"}
FACILITATOR_ROWS = 3
EXPERT_ROWS = 3
MEETING_ROWS = 8
FORMATS = (
    ("in_person", "in person"),
    ("online", "online"),
    ("group_discussion", "group discussion"),
)
DEFAULT_THEMES = (
    "Practice today",
    "Needs and gaps",
    "What the training should bring",
)
"""The themes a new training starts with, for the coordinator to keep or change."""


@dataclass(frozen=True)
class Organisation:
    """An organisation of the registry, to choose a meeting's or the participants' from."""

    id: str
    name: str
    kind: str


def organisations(root: Path) -> tuple[Organisation, ...]:
    """Return the registry's organisations as the file holds them, even one with problems."""
    data, _, _ = read_yaml(Path(root) / STAKEHOLDERS, STAKEHOLDERS)
    found = []
    items = data.get("organisations") if isinstance(data, dict) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        name = item.get("name")
        shown = name.get("en") if isinstance(name, dict) else name
        found.append(Organisation(item["id"], str(shown or item["id"]), str(item.get("kind", ""))))
    return tuple(found)


@dataclass(frozen=True)
class Outline:
    """What the round forms read of a training file, even one with problems."""

    slug: str
    title: str
    start: dt.date | None
    rounds: Mapping[str, tuple[str, ...]]
    """Each round's id -> its meetings' ids, in the file's order."""
    facilitators: tuple[str, ...]


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def outline(path: Path, slug: str) -> Outline:
    """Return the title, start, rounds and facilitators of the training file at `path`."""
    data, _, _ = read_yaml(path, path.name)
    data = _mapping(data)
    consultation = _mapping(data.get("consultation"))
    title = _mapping(data.get("title")).get("en")
    start = data.get("start")
    rounds = {
        str(r["id"]): tuple(str(m.get("id")) for m in _list(r.get("meetings")))
        for r in _list(consultation.get("rounds"))
        if isinstance(r.get("id"), str)
    }
    return Outline(
        slug,
        title if isinstance(title, str) and title else slug,
        start if isinstance(start, dt.date) else None,
        rounds,
        tuple(
            f["id"] for f in _list(consultation.get("facilitators")) if isinstance(f.get("id"), str)
        ),
    )


@dataclass(frozen=True)
class TrainingForm:
    """The new-training form, or the new-round form: values as typed, errors by field."""

    values: Mapping[str, str]
    organisations: tuple[Organisation, ...] = ()
    errors: Mapping[str, str] = field(default_factory=dict)
    """Each field's error by name; `""` the form's own (a change made since it was opened)."""
    languages: tuple[str, ...] = ("en",)
    version: str = ""
    stale: bool = False

    def value(self, name: str) -> str:
        """Return a field's value as typed (or its default)."""
        return self.values.get(name, "")

    @property
    def error_count(self) -> int:
        """Return how many fields have an error."""
        return len([key for key in self.errors if key])

    @property
    def participant_groups(self) -> tuple[Organisation, ...]:
        """Return the organisations of kind participant_group, those the participants are of."""
        return tuple(o for o in self.organisations if o.kind == "participant_group")

    @property
    def organisation_choices(self) -> tuple[tuple[str, str], ...]:
        """Return the registry's organisations as a drop-down offers them: id, name (id)."""
        return tuple((o.id, f"{o.name} ({o.id})") for o in self.organisations)

    @property
    def group_choices(self) -> tuple[tuple[str, str], ...]:
        """Return the participant groups as a drop-down offers them."""
        return tuple((o.id, f"{o.name} ({o.id})") for o in self.participant_groups)

    @property
    def meeting_rows(self) -> range:
        """Return the numbers of the meeting rows, 1 to MEETING_ROWS."""
        return range(1, MEETING_ROWS + 1)

    @property
    def facilitator_rows(self) -> range:
        """Return the numbers of the facilitator rows."""
        return range(1, FACILITATOR_ROWS + 1)

    @property
    def expert_rows(self) -> range:
        """Return the numbers of the expert rows."""
        return range(1, EXPERT_ROWS + 1)

    formats = FORMATS
    language_names = LANGUAGE_NAMES


def blank_training(root: Path, today: dt.date) -> TrainingForm:
    """Return the new-training form with its defaults: dates ahead, themes and a first round."""
    start = today + dt.timedelta(weeks=10)
    values = {
        "start": start.isoformat(),
        "end": (start + dt.timedelta(days=2)).isoformat(),
        "timezone": "Asia/Tbilisi",
        "venue_country": "GE",
        "participants_count": "16",
        "themes": "\n".join(DEFAULT_THEMES),
        "briefing_due": (start - dt.timedelta(days=7)).isoformat(),
        "e1_role": "Trainer",
        "e2_role": "Trainer",
        "e3_role": "Trainer",
        **round_defaults("round-1", start),
    }
    return TrainingForm(values, organisations(root))


def round_defaults(round_id: str, start: dt.date) -> dict[str, str]:
    """Return a round's default fields: its id, a window before `start`, 60-minute meetings."""
    values = {
        "round_id": round_id,
        "round_earliest": (start - dt.timedelta(weeks=6)).isoformat(),
        "round_latest": (start - dt.timedelta(weeks=2)).isoformat(),
    }
    for row in range(1, MEETING_ROWS + 1):
        values[f"m{row}_format"] = "in_person"
        values[f"m{row}_duration"] = "60"
    return values


def blank_round(
    root: Path, round_ids: Sequence[str], start: dt.date | None, version: str
) -> TrainingForm:
    """Return the new-round form of a training whose rounds are `round_ids`."""
    number = len(round_ids) + 1
    while f"round-{number}" in round_ids:
        number += 1
    values = round_defaults(f"round-{number}", start or dt.date.today() + dt.timedelta(weeks=8))
    return TrainingForm(values, organisations(root), version=version)


def posted(form: TrainingForm, fields: Mapping[str, Sequence[str]]) -> TrainingForm:
    """Return the form as posted: every value as typed, the languages ticked, the version."""
    values = {key: (found[0] if found else "") for key, found in fields.items()}
    languages = tuple(lang for lang in LANGUAGES if lang == "en" or lang in fields.get("lang", ()))
    errors = (
        {} if values.get("edited_by", "").strip() else {"edited_by": "your name, for the audit log"}
    )
    return dataclasses.replace(
        form,
        values=values,
        languages=languages,
        errors=errors,
        version=values.get("version", "") or form.version,
    )


def with_slug(form: TrainingForm) -> TrainingForm:
    """Return the posted form with its slug, made of the English title when left empty."""
    slug = _text(form.values, "slug") or slugify(_text(form.values, "title_en"))
    return dataclasses.replace(form, values={**form.values, "slug": slug})


def _text(values: Mapping[str, str], name: str) -> str:
    return values.get(name, "").strip()


def _number(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _date(text: str) -> dt.date | str:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


@dataclass(frozen=True)
class Built:
    """The data of a training file made from a form, and where each row went in it."""

    data: dict[str, Any]
    facilitators: list[int] = field(default_factory=list)
    experts: list[int] = field(default_factory=list)
    meetings: list[int] = field(default_factory=list)
    """The form's row number of each item written, in order."""


def read_round(
    values: Mapping[str, str], facilitators: Sequence[str], taken: Sequence[str] = ()
) -> Built:
    """Return the round the form's round fields make: a meeting of each row with an organisation.

    A meeting's id is its organisation's, numbered when the round has one of that id
    (`taken`) or the form names the organisation twice.
    """
    meetings: list[dict[str, Any]] = []
    rows: list[int] = []
    used: set[str] = set(taken)
    for row in range(1, MEETING_ROWS + 1):
        organisation = _text(values, f"m{row}_organisation")
        if not organisation:
            continue
        meeting_id = organisation
        count = 2
        while meeting_id in used:
            meeting_id, count = f"{organisation}-{count}", count + 1
        used.add(meeting_id)
        meeting: dict[str, Any] = {
            "id": meeting_id,
            "organisation": organisation,
            "format": _text(values, f"m{row}_format"),
            "duration_minutes": _number(_text(values, f"m{row}_duration")),
            "facilitators": list(facilitators[:1]) or ["facilitator-1"],
        }
        if location := _text(values, f"m{row}_location"):
            meeting["location"] = location
        meetings.append(meeting)
        rows.append(row)
    round_data = {
        "id": _text(values, "round_id"),
        "earliest": _date(_text(values, "round_earliest")),
        "latest": _date(_text(values, "round_latest")),
        "meetings": meetings,
    }
    return Built(round_data, meetings=rows)


def _filled(values: Mapping[str, str], prefix: str, count: int) -> list[int]:
    """Return the numbers of the rows of people with a name or an email typed."""
    return [
        row
        for row in range(1, count + 1)
        if _text(values, f"{prefix}{row}_name") or _text(values, f"{prefix}{row}_email")
    ]


def _person(values: Mapping[str, str], prefix: str, row: int, what: str) -> dict[str, Any]:
    """Return a person's id (made of their name), name and email, from a row of the form."""
    name = _text(values, f"{prefix}{row}_name")
    return {
        "id": slugify(name) or f"{what}-{row}",
        "name": name,
        "email": _text(values, f"{prefix}{row}_email"),
    }


def read_training(form: TrainingForm) -> Built:
    """Return the data of the training file the new-training form describes."""
    values = form.values
    timezone = _text(values, "timezone")
    country = _text(values, "venue_country").upper()
    title = {lang: _text(values, f"title_{lang}") for lang in LANGUAGES}
    title = {lang: text for lang, text in title.items() if text}
    facilitator_rows = _filled(values, "f", FACILITATOR_ROWS)
    facilitators = [
        {
            **_person(values, "f", row, "facilitator"),
            "language": next((lang for lang in form.languages if lang != "en"), "en"),
            "timezone": timezone,
            "country": country,
        }
        for row in facilitator_rows
    ]
    expert_rows = _filled(values, "e", EXPERT_ROWS)
    experts = [
        {
            **_person(values, "e", row, "expert"),
            "role": {"en": _text(values, f"e{row}_role") or "Trainer"},
            "language": _text(values, f"e{row}_language") or "en",
            "timezone": timezone,
        }
        for row in expert_rows
    ]
    themes = [
        {"id": slugify(line) or f"theme-{i + 1}", "label": {"en": line.strip()}}
        for i, line in enumerate(_text(values, "themes").splitlines())
        if line.strip()
    ]
    built_round = read_round(values, [f["id"] for f in facilitators])
    consultation: dict[str, Any] = {"facilitators": facilitators}
    if link := _text(values, "meeting_link"):
        consultation["meeting_link"] = link
    consultation["rounds"] = [built_round.data]
    briefing: dict[str, Any] = {"due": _date(_text(values, "briefing_due"))}
    if coordinator := _text(values, "coordinator_email"):
        briefing["coordinator_email"] = coordinator
    data: dict[str, Any] = {
        "title": title,
        "start": _date(_text(values, "start")),
        "end": _date(_text(values, "end")),
        "timezone": timezone,
        "venue": {
            "name": {"en": _text(values, "venue_name")},
            "address": {"en": _text(values, "venue_address") or _text(values, "venue_name")},
            "city": {"en": _text(values, "venue_city")},
            "country": country,
        },
        "participants": {
            "organisation": _text(values, "participants_organisation"),
            "count": _number(_text(values, "participants_count")),
        },
        "experts": experts,
        "themes": themes,
        "consultation": consultation,
        "briefing": briefing,
    }
    return Built(data, facilitator_rows, expert_rows, built_round.meetings)


_SIMPLE = {
    "slug": "slug",
    "start": "start",
    "end": "end",
    "timezone": "timezone",
    "venue.name": "venue_name",
    "venue.address": "venue_address",
    "venue.city": "venue_city",
    "venue.country": "venue_country",
    "participants.organisation": "participants_organisation",
    "participants.count": "participants_count",
    "participants": "participants_organisation",
    "briefing.due": "briefing_due",
    "briefing.coordinator_email": "coordinator_email",
    "consultation.meeting_link": "meeting_link",
    "themes": "themes",
    "experts": "e1_name",
    "consultation.facilitators": "f1_name",
    "consultation.rounds": "round_id",
}
_ROW = re.compile(
    r"^(experts|consultation\.facilitators|consultation\.rounds\[0\]\.meetings)\[(\d+)\]\.?(\w*)"
)
_MEETING_FIELDS = {
    "organisation": "organisation",
    "id": "organisation",
    "format": "format",
    "duration_minutes": "duration",
    "location": "location",
    "attendees": "organisation",
}


def field_of(path: str, built: Built, in_round: bool = False) -> str:
    """Return the form field a problem's path was typed in; "" when it is none of them."""
    if in_round:
        path = re.sub(r"^consultation\.rounds\[\d+\]", "consultation.rounds[0]", path)
    path = re.sub(r"\.(en|ka|ru)$", "", path) if not path.startswith("title") else path
    if path.startswith("title"):
        return "title_" + (path.rsplit(".", 1)[1] if "." in path else "en")
    if path.startswith("themes"):
        return "themes"
    if path.startswith("consultation.rounds[0]"):
        rest = path.removeprefix("consultation.rounds[0]").lstrip(".")
        if rest in ("id", "earliest", "latest"):
            return f"round_{rest}"
        if rest == "meetings" or not rest:
            return "m1_organisation"
    match = _ROW.match(path)
    if match:
        kind, index, key = match.group(1), int(match.group(2)), match.group(3)
        if kind == "experts":
            rows, prefix = built.experts, "e"
            known = {"name": "name", "email": "email", "language": "language", "role": "role"}
        elif kind == "consultation.facilitators":
            rows, prefix = built.facilitators, "f"
            known = {"name": "name", "email": "email", "id": "name"}
        else:
            rows, prefix = built.meetings, "m"
            known = _MEETING_FIELDS
        if index < len(rows):
            if key == "timezone":
                return "timezone"
            if key == "country":
                return "venue_country"
            if key == "facilitators" and prefix == "m":
                return "f1_name"
            fallback = "organisation" if prefix == "m" else "name"
            return f"{prefix}{rows[index]}_{known.get(key, fallback)}"
    return _SIMPLE.get(path, "")


def errors_of(problems: Sequence[Problem], built: Built, in_round: bool = False) -> dict[str, str]:
    """Return the problems as messages by form field; those of no field under `""`."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        key = field_of(problem.path, built, in_round)
        bare = dataclasses.replace(problem, file="", line=None, path="")
        message = str(bare).removeprefix(": ")
        if not key:
            message = f"{problem.path or problem.file}: {message}"
        errors.setdefault(key, []).append(message)
    return {key: "; ".join(messages) for key, messages in errors.items()}


def label_of(name: str) -> str:
    """Return a field's name as the error summary says it: `m3_location` is `meeting 3, link`."""
    match = re.match(r"^([mfe])(\d+)_(\w+)$", name)
    if match:
        what = {"m": "meeting", "f": "facilitator", "e": "expert"}[match.group(1)]
        key = match.group(3).replace("location", "room or link")
        return f"{what} {match.group(2)}, {key.replace('_', ' ')}"
    return name.replace("_", " ")

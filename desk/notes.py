"""The notes of one meeting as a form: attendance from the invitees, one row per observation.

The form is checked with the same models and the same checks as every other
source of notes (`schemas.notes`, `consult.notes.checks`) and stored through
`consult.application.notes.record_meeting_notes`, under the source
`form/<round>/<meeting>` the Prefect UI's form uses too, and one id per row
(`o1`, `o2`...): saving again changes nothing, and an edited row updates its
observation, whichever form saved it. A form with a mistake comes back with
every value as typed and each error beside its field; nothing of it is stored
until it is all valid.

Attendance is the invitees ticked, the names of people who came uninvited (one
a line), and a count of others who came unnamed (a group discussion).

Notes record what was said, so a meeting has a form only once it has started
(`NotesForm.closed` says why not). A cancelled meeting's form asks first
whether it was held after all: ticked, the notes are taken and the meeting is
no longer cancelled. "Recorded by" comes back as the audit log names whoever
saved this form last.

Restricted observations are stored and shown nowhere, not even here: a saved
one is listed by its kind and theme, kept as it is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from consult.application.notes import FormNotes, form_source, record_meeting_notes
from consult.application.references import round_ref
from consult.application.services import Services
from consult.notes.checks import against, meeting_problems, observation_problems
from consult.notes.importing import ImportReport
from consult.notes.translated import FLAT, flat_key, fold
from consult.store import Store
from consult.workspace.loading import Workspace
from consult.workspace.people import organisation_names
from consult.workspace.rounds import meeting_id
from desk.wording import words
from schemas import Attendance, Meeting, MeetingNotes, ObservationInput
from schemas.state import Confidentiality, Observation, ObservationKind
from schemas.types import LANGUAGE_NAMES

TRANSLATION_FIELDS: tuple[str, ...] = tuple(FLAT)
"""An observation's translations, as the form's fields: text_ka, speaker_role_ru..."""

FIELDS = (
    "kind",
    "theme",
    "severity",
    "confidentiality",
    "text",
    "quote",
    "speaker_role",
    "owner",
    "due",
    *TRANSLATION_FIELDS,
)
"""The fields of an observation row, in the form's order."""
BLANK_ROWS = 3
"""Empty rows offered below the saved ones."""
MOST_ROWS = 200
MOST_OTHERS = 10000
"""The most people a form may count as having come unnamed (as `MeetingNotes.others`)."""
KINDS: tuple[str, ...] = get_args(ObservationKind)
CONFIDENTIALITIES: tuple[str, ...] = get_args(Confidentiality)
SEVERITIES = (("1", "1 minor"), ("2", "2 moderate"), ("3", "3 serious"), ("4", "4 critical"))
_NUMBER = re.compile(r"^[1-9][0-9]{0,3}$")


@dataclass(frozen=True)
class Invitee:
    """An invitee of the meeting, and whether the form ticks them as present."""

    email: str
    name: str
    organisation: str
    role: str
    ticked: bool


@dataclass(frozen=True)
class Row:
    """One observation row: its number, its values as typed, and the error beside each field."""

    number: int
    values: Mapping[str, str]
    errors: Mapping[str, str] = field(default_factory=dict)
    restricted: bool = False
    """A saved restricted observation: listed, never shown, kept as stored."""

    @property
    def blank(self) -> bool:
        """Return whether nothing but the default confidentiality is filled in."""
        filled = (self.values.get(name, "").strip() for name in FIELDS)
        return not any(
            value for name, value in zip(FIELDS, filled, strict=True) if name != "confidentiality"
        )

    @property
    def translated(self) -> bool:
        """Return whether a translation is filled in (or wrong): its part of the form opens."""
        return any(self.values.get(n, "").strip() or n in self.errors for n in TRANSLATION_FIELDS)


@dataclass(frozen=True)
class NotesForm:
    """The form of one meeting's notes, as shown or as posted."""

    slug: str
    round: str
    planned: str
    meeting_id: str
    organisation: str
    organisation_name: str
    when: str
    date: str
    recorded_by: str
    invitees: tuple[Invitee, ...]
    themes: tuple[tuple[str, str], ...]
    rows: tuple[Row, ...]
    errors: Mapping[str, str] = field(default_factory=dict)
    elsewhere: int = 0
    """The meeting's observations stored from other sources (notes files, a survey)."""
    closed: str = ""
    """Why no notes can be recorded (the meeting has not started yet); empty: they can."""
    cancelled: bool = False
    """The meeting was cancelled: its notes are taken only if `held` says it was held after all."""
    held: bool = False
    date_reason: str = ""
    guests: str = ""
    """The people who came uninvited, one name a line, as typed."""
    others: str = ""
    """How many more came unnamed, as typed."""
    stray: tuple[str, ...] = ()
    """Addresses posted as attended that are no invitee's, kept to be shown in the error."""
    kinds: tuple[tuple[str, str], ...] = tuple((k, words(k)) for k in KINDS)
    severities: tuple[tuple[str, str], ...] = SEVERITIES
    confidentialities: tuple[str, ...] = CONFIDENTIALITIES
    translation_fields: tuple[tuple[str, str], ...] = tuple(
        (name, f"{'Text' if field == 'text' else 'Speaker role'} in {LANGUAGE_NAMES[language]}")
        for name, (language, field) in FLAT.items()
    )

    @property
    def source(self) -> str:
        """Return the source the form's notes are stored under (the Prefect UI form's too)."""
        return form_source(self.round, self.planned)

    @property
    def error_count(self) -> int:
        """Return how many fields have an error."""
        return len(self.errors) + sum(len(row.errors) for row in self.rows)


def load(
    workspace: Workspace, store: Store, slug: str, round_id: str, planned: str, now: dt.datetime
) -> NotesForm | None:
    """Return the meeting's form with what a form stored before, or None if no such meeting.

    At `now` the form is closed, with the sentence why, if the meeting has not
    started yet.
    """
    training = workspace.training(slug)
    if round_id not in {r.id for r in training.consultation.rounds}:
        return None
    meeting = store.get_meeting(meeting_id(slug, round_id, planned))
    if meeting is None:
        return None
    zone = ZoneInfo(training.timezone)
    names = organisation_names(workspace)
    roles = {c.email: c.role for o in workspace.stakeholders.organisations for c in o.contacts}
    invitees = tuple(
        Invitee(
            a.email,
            a.name,
            names.get(a.organisation or "", a.organisation or ""),
            roles.get(a.email, ""),
            bool(a.attended),
        )
        for a in store.attendees(meeting.id)
        if a.role != "CHAIR"
    )
    source = form_source(round_id, planned)
    stored = store.observations(meeting_id=meeting.id)
    saved = _saved(stored, f"{source}#o")
    rows = [*saved, *(Row(n, {"confidentiality": "internal"}) for n in _blank(saved))]
    local = meeting.start.astimezone(zone)
    when = f"{local:%a %d %b %Y %H:%M} ({zone.key})"
    last = _last_save(store, meeting.id, source)
    invited = {i.name for i in invitees}
    came = [str(a.get("name", "")) for a in last.get("attendance", ())]
    return NotesForm(
        slug=slug,
        round=round_id,
        planned=planned,
        meeting_id=meeting.id,
        organisation=meeting.organisation,
        organisation_name=names.get(meeting.organisation, meeting.organisation),
        when=when,
        date=str(last.get("date") or local.date().isoformat()),
        date_reason=str(last.get("date_reason", "")),
        guests="\n".join(name for name in came if name and name not in invited),
        others=str(last.get("others") or ""),
        recorded_by=_recorded_by(store, meeting.id, source),
        invitees=invitees,
        themes=tuple((t.id, t.label.en) for t in training.themes),
        rows=tuple(rows),
        elsewhere=len(stored) - len(saved),
        closed=_closed(meeting, when, now),
        cancelled=meeting.status == "cancelled",
    )


def _saved(stored: Sequence[Observation], prefix: str) -> list[Row]:
    """Return the rows of the observations stored under `prefix` and a row number."""
    saved = sorted(
        (o for o in stored if o.key.startswith(prefix) and o.key.removeprefix(prefix).isdigit()),
        key=lambda o: int(o.key.removeprefix(prefix)),
    )
    return [
        Row(
            number=int(o.key.removeprefix(prefix) or 0),
            values={
                "kind": o.kind,
                "theme": o.theme,
                "severity": str(o.severity),
                "confidentiality": o.confidentiality,
                **(
                    {}
                    if o.confidentiality == "restricted"
                    else {
                        "text": o.text,
                        "quote": o.quote or "",
                        "speaker_role": o.speaker_role or "",
                        "owner": o.owner or "",
                        "due": o.due.isoformat() if o.due else "",
                        **_translations_shown(o),
                    }
                ),
            },
            restricted=o.confidentiality == "restricted",
        )
        for o in saved
    ]


def _blank(saved: Sequence[Row]) -> range:
    start = max((row.number for row in saved), default=0)
    return range(start + 1, start + BLANK_ROWS + 1)


def _translations_shown(observation: Observation) -> dict[str, str]:
    """Return the observation's translations as the form's fields: text_ka, speaker_role_ru..."""
    return {
        f"{field}_{language}": value or ""
        for language, given in (observation.translations or {}).items()
        for field, value in given.items()
    }


def _closed(meeting: Meeting, when: str, now: dt.datetime) -> str:
    if meeting.start > now:
        return f"This meeting is on {when}: notes can be recorded once it has started."
    return ""


def _last_save(store: Store, meeting_id: str, source: str) -> Mapping[str, Any]:
    """Return what the last save of the form under `source` said of the meeting: date, who came."""
    saves = [
        event.detail
        for event in store.audit_log(meeting_id)
        if event.action == "notes.attendance" and event.detail.get("source") == source
    ]
    return saves[-1] if saves else {}


def _recorded_by(store: Store, meeting_id: str, source: str) -> str:
    """Return who the audit log names for the last save of the form stored under `source`."""
    saves = [
        event.actor
        for event in store.audit_log(meeting_id)
        if (event.action == "notes.attendance" and event.detail.get("source") == source)
        or (
            event.action.startswith("observation.")
            and str(event.detail.get("key", "")).startswith(f"{source}#")
        )
    ]
    return saves[-1] if saves else ""


def read(form: NotesForm, fields: Mapping[str, Sequence[str]]) -> NotesForm:
    """Return the form as posted: every value as typed, and each field's error if it has one."""

    def one(name: str) -> str:
        return (fields.get(name) or [""])[0]

    date, recorded_by = one("date").strip(), one("recorded_by").strip()
    errors = _meeting_errors(form, date, recorded_by, one("others").strip(), one("guests"))
    posted = list(dict.fromkeys(fields.get("attended") or ()))
    known = {i.email for i in form.invitees}
    stray = tuple(email for email in posted if email not in known)
    if stray:
        errors["attended"] = (
            f"{', '.join(repr(e) for e in stray)} is no invitee of this meeting: tick the "
            "invitees who came, and write the names of people who came uninvited below"
        )
    held = one("held") == "yes"
    if form.cancelled and not held:
        errors["held"] = (
            "this meeting was cancelled: tick this box if it was held after all, or record no notes"
        )
    invitees = tuple(dataclasses.replace(i, ticked=i.email in posted) for i in form.invitees)
    kept = {row.number: row for row in form.rows if row.restricted}
    numbers = [n for n in dict.fromkeys(fields.get("row") or ()) if _NUMBER.match(n)][:MOST_ROWS]
    themes = {theme for theme, _ in form.themes}
    rows = []
    for number in map(int, numbers):
        if number in kept:
            rows.append(kept[number])
            continue
        values = {name: one(f"o{number}-{name}") for name in FIELDS}
        row = Row(number, values)
        rows.append(row if row.blank else dataclasses.replace(row, errors=_check(row, themes)))
    return dataclasses.replace(
        form,
        date=date,
        date_reason=one("date_reason").strip(),
        guests=one("guests"),
        others=one("others").strip(),
        held=held,
        stray=stray,
        recorded_by=recorded_by,
        invitees=invitees,
        rows=tuple(rows),
        errors=errors,
    )


def _meeting_errors(
    form: NotesForm, date: str, recorded_by: str, others: str, guests: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        errors["date"] = f"got {date!r}, expected a date such as {form.date}"
    if not recorded_by:
        errors["recorded_by"] = "your name, for the audit log"
    if others and not (others.isdigit() and int(others) <= MOST_OTHERS):
        errors["others"] = f"got {others!r}, expected a number of people from 0 to {MOST_OTHERS}"
    for name in _lines(guests):
        try:
            Attendance(name=name)
        except ValidationError as invalid:
            errors["guests"] = f"{name!r}: {invalid.errors()[0]['msg']}"
    return errors


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _check(row: Row, themes: set[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        _observation(row)
    except ValidationError as invalid:
        for error in invalid.errors():
            name = (flat_key(error["loc"]) or str(error["loc"][0])) if error["loc"] else "owner"
            if name == "translations":  # about the translations as a whole: the first given
                name = next((n for n in TRANSLATION_FIELDS if row.values.get(n, "").strip()), name)
            if name not in errors:
                errors[name] = "required" if not row.values.get(name, "").strip() else error["msg"]
    theme = row.values.get("theme", "")
    if "theme" not in errors and theme not in themes:
        errors["theme"] = f"{theme!r} is not a theme of this training"
    return errors


def _observation(row: Row) -> ObservationInput:
    values = {
        name: value.strip() or None
        for name, value in row.values.items()
        if name not in FLAT or value.strip()  # a translation left empty is none
    }
    return ObservationInput.model_validate({**fold(values), "id": f"o{row.number}"})


def notes_of(form: NotesForm, store: Store) -> FormNotes:
    """Return the notes of a valid form: who came (ticked, named, counted), what was said."""
    roles = {i.email: i.role for i in form.invitees}
    people = {a.email: a for a in store.attendees(form.meeting_id)}
    ticked = sorted(i.email for i in form.invitees if i.ticked and i.email in people)
    attendance = [
        Attendance(
            name=people[email].name,
            organisation=people[email].organisation,
            role=roles.get(email) or None,
        )
        for email in ticked
    ]
    attendance += [Attendance(name=name) for name in dict.fromkeys(_lines(form.guests))]
    return FormNotes(
        date=dt.date.fromisoformat(form.date),
        date_reason=form.date_reason or None,
        held=form.held,
        attendance=attendance,
        others=int(form.others or 0),
        observations=[
            _observation(row) for row in form.rows if not row.blank and not row.restricted
        ],
    )


def checked(workspace: Workspace, store: Store, form: NotesForm, now: dt.datetime) -> NotesForm:
    """Return the form with the errors of the checks every source of notes goes through."""
    meeting = store.get_meeting(form.meeting_id)
    if meeting is None:
        return form
    given = notes_of(form, store)
    notes = MeetingNotes(
        meeting=form.planned,
        round=form.round,
        organisation=form.organisation,
        date=given.date,
        date_reason=given.date_reason,
        held=given.held,
        attendance=tuple(given.attendance),
        others=given.others,
    )
    context = against(workspace, form.slug, meeting, store.attendees(meeting.id), notes, now)
    errors = {**meeting_problems(notes, context), **form.errors}
    rows = [
        row
        if row.blank or row.restricted
        else dataclasses.replace(
            row, errors={**observation_problems(_observation(row), context), **row.errors}
        )
        for row in form.rows
    ]
    return dataclasses.replace(form, errors=errors, rows=tuple(rows))


def save(built: Services, form: NotesForm, actor: str) -> ImportReport:
    """Return the report after storing the form's attendance and observations (a valid form).

    The invitees ticked are marked attended, the others not; the notes go
    through the application layer, as the Prefect UI form's do.
    """
    store = built.store
    ticked = {i.email for i in form.invitees if i.ticked}
    store.set_attendees(
        form.meeting_id,
        [
            a.model_copy(update={"attended": a.email in ticked}) if a.role != "CHAIR" else a
            for a in store.attendees(form.meeting_id)
        ],
    )
    round_ = round_ref(built.workspace, form.slug, form.round)
    return record_meeting_notes(built, round_, form.planned, notes_of(form, store), actor)

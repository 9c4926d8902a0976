"""The checks every source of notes goes through (forms, files, KoboToolbox), against the meeting.

`store_notes` and the desk's form ask the same questions, so a note refused
from one source is refused from every other, for the same reason:

- no notes before the meeting has started, and none for a cancelled meeting
  unless the notes say it was held after all (`held`);
- the notes' date is the meeting's day, in the training's zone or an
  invitee's, unless `date_reason` says why not; even then it is a day that has
  come, at most `DATE_SLACK` from the meeting's;
- a due date is on or after the meeting's day, and at most `DUE_HORIZON`
  after the training ends;
- a speaker's role never names a person the workspace knows (see `Names`).

Each check answers with the field it is about and the reason, in words a
coordinator can act on; `None` (or no entry) means the value holds.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from consult.workspace.loading import Workspace
from consult.workspace.slugs import latin_words
from schemas import Attendee, Meeting, MeetingNotes, ObservationInput

DATE_SLACK = dt.timedelta(days=30)
"""How far from the meeting's day notes may be dated when `date_reason` says why."""
DUE_HORIZON = dt.timedelta(days=365)
"""How long after the training ends a commitment may fall due."""
SHORTEST_PART = 3
"""A part of a name shorter than this ('de', 'la', 'Li') alone does not make a role a name."""


def _words(text: str) -> set[str]:
    """Return the words of `text` as written (case-folded) and transliterated into Latin."""
    native = re.findall(r"[^\W\d_]+", unicodedata.normalize("NFKC", text).casefold())
    return {*native, *latin_words(text)}


@dataclass(frozen=True)
class Names:
    """The names of the people the workspace and the meeting know, and who each one is.

    A speaker's role is taken for a name when one of its words is a part of a
    known name (a first name, a surname, any word of SHORTEST_PART letters or
    more), compared case-folded, whitespace and punctuation aside, both as
    written and transliterated into Latin: 'Beridze', 'beridze nino' and
    'Беридзе' all name `ნინო ბერიძე`.
    """

    parts: Mapping[str, str]
    """Each part of a known name, as `_words` gives it, and who has that name."""

    @classmethod
    def of(cls, people: Iterable[tuple[str, str]]) -> Names:
        """Return the names of `people`, given as (name, who they are) pairs."""
        parts: dict[str, str] = {}
        for name, who in people:
            for word in _words(name):
                if len(word) >= SHORTEST_PART:
                    parts.setdefault(word, who)
        return cls(parts)

    def named(self, text: str) -> str | None:
        """Return who `text` names (e.g. 'a contact of mia'), or None if it names no one."""
        return next((self.parts[w] for w in sorted(_words(text)) if w in self.parts), None)


def workspace_names(workspace: Workspace, slug: str) -> Names:
    """Return the names of every contact, facilitator and expert: the same for every meeting."""
    training = workspace.training(slug)
    people = [
        (contact.name, f"a contact of {organisation.id}")
        for organisation in workspace.stakeholders.organisations
        for contact in organisation.contacts
    ]
    people += [(f.name, "a facilitator") for f in training.consultation.facilitators]
    people += [(e.name, "an expert") for e in training.experts]
    return Names.of(people)


def known_names(
    workspace: Workspace,
    slug: str,
    invited: Iterable[Attendee],
    notes: MeetingNotes,
    known: Names | None = None,
) -> Names:
    """Return the names of every contact, invitee, facilitator and expert, and who came.

    `known` is `workspace_names(workspace, slug)`, when the caller has it already.
    """
    base = known if known is not None else workspace_names(workspace, slug)
    people = [(a.name, "an invitee") for a in invited]
    people += [(a.name, "someone who came") for a in notes.attendance]
    parts = dict(base.parts)
    for word, who in Names.of(people).parts.items():
        parts.setdefault(word, who)
    return Names(parts)


@dataclass(frozen=True)
class Context:
    """What notes are checked against: the meeting, its days, the training's end, now."""

    meeting: Meeting
    days: tuple[dt.date, ...]
    """The meeting's days in the training's zone and its invitees': usually one."""
    shown: str
    """The meeting's start in the training's zone, as a coordinator reads it."""
    training_end: dt.date
    today: dt.date
    now: dt.datetime
    names: Names


def against(
    workspace: Workspace,
    slug: str,
    meeting: Meeting,
    invited: Iterable[Attendee],
    notes: MeetingNotes,
    now: dt.datetime,
    known: Names | None = None,
) -> Context:
    """Return what `notes` of `meeting` are checked against at `now`.

    `known` is `workspace_names(workspace, slug)`, when the caller has it already.
    """
    training = workspace.training(slug)
    invited = list(invited)
    zone = ZoneInfo(training.timezone)
    zones = [zone, *(ZoneInfo(z) for z in sorted({a.timezone for a in invited}))]
    last = meeting.end - dt.timedelta(microseconds=1)
    days = sorted({moment.astimezone(z).date() for z in zones for moment in (meeting.start, last)})
    return Context(
        meeting=meeting,
        days=tuple(days),
        shown=f"{meeting.start.astimezone(zone):%a %d %b %Y %H:%M} ({zone.key})",
        training_end=training.end,
        today=now.astimezone(zone).date(),
        now=now,
        names=known_names(workspace, slug, invited, notes, known),
    )


def meeting_problems(notes: MeetingNotes, at: Context) -> dict[str, str]:
    """Return each field of the meeting's notes that does not hold, with the reason."""
    meeting = at.meeting
    if meeting.start > at.now:
        return {"date": f"the meeting is on {at.shown}: notes can be recorded once it has started"}
    if meeting.status == "cancelled" and not notes.held:
        return {
            "held": "the meeting was cancelled: its notes are refused, unless it was held after "
            "all (say so with held: true, and it is no longer cancelled)"
        }
    problem = date_problem(notes.date, notes.date_reason, at)
    return {"date": problem} if problem else {}


def date_problem(date: dt.date, reason: str | None, at: Context) -> str | None:
    """Return why `date` cannot be the day of the meeting's notes, or None if it can."""
    if date in at.days:
        return None
    day = " or ".join(f"{d:%a %d %b %Y}" for d in at.days)
    if not reason:
        return (
            f"{date.isoformat()} is not the meeting's day ({day}): give its day, or say why "
            "in date_reason"
        )
    if date > at.today:
        return f"{date.isoformat()} has not come yet (today is {at.today.isoformat()})"
    if abs(date - at.days[0]) > DATE_SLACK:
        return (
            f"{date.isoformat()} is more than {DATE_SLACK.days} days from the meeting's day ({day})"
        )
    return None


def observation_problems(observation: ObservationInput, at: Context) -> dict[str, str]:
    """Return each field of an observation that does not hold, with the reason."""
    problems: dict[str, str] = {}
    role = observation.speaker_role
    who = at.names.named(role) if role else None
    if who is not None:
        problems["speaker_role"] = (
            f"{role!r} names a person ({who}): write the speaker's role, never a name"
        )
    due = observation.due
    if due is not None and due < at.days[0]:
        problems["due"] = (
            f"{due.isoformat()} is before the meeting ({at.days[0]:%a %d %b %Y}): "
            "a commitment falls due after it"
        )
    elif due is not None and due > at.training_end + DUE_HORIZON:
        latest = at.training_end + DUE_HORIZON
        problems["due"] = (
            f"{due.isoformat()} is more than a year after the training ends "
            f"(at the latest {latest.isoformat()})"
        )
    return problems

"""Who the consultations heard: the log of the meetings, and the voices missing from it.

Part of the gap analysis (`consult.briefing.analysis`, whose docstring says what counts):
a planned meeting not held with notes is a *missing voice*, and every meeting held or
scheduled is a line of the consultation log.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from consult.store.observations import written
from schemas.stakeholders import Organisation
from schemas.state import Attendee, Meeting, Observation
from schemas.training import Training

HEARD_STATUSES: Final = frozenset({"confirmed", "held", "notes_missing"})
"""The statuses of a meeting whose notes count: neither only proposed nor cancelled."""

MissingReason = Literal["not scheduled", "cancelled", "declined", "no notes", "not held yet"]


@dataclass(frozen=True)
class MissingVoice:
    """A planned meeting whose organisation was not heard."""

    meeting_id: str
    organisation: str
    reason: MissingReason
    start: dt.datetime | None


@dataclass(frozen=True)
class LogEntry:
    """One consultation as it happened, or is planned to."""

    meeting_id: str
    organisation: str
    format: str
    status: str
    start: dt.datetime
    end: dt.datetime
    invited: int
    accepted: int
    declined: int
    attended: int
    roles: tuple[str, ...]
    observations: int
    """Public observations shown in the pack: internal ones are never counted by meeting."""
    invitees: tuple[str, ...] = ()
    """The names of the people invited from the organisation (its facilitators left out)."""


@dataclass(frozen=True)
class WrittenVoice:
    """An organisation heard in writing only: written input from its meeting's page, no notes."""

    meeting_id: str
    organisation: str


def in_writing_only(
    meetings: Sequence[Meeting],
    written: Collection[str],
    noted: Collection[str],
    attendance: Mapping[str, Sequence[Mapping[str, str]]],
) -> tuple[WrittenVoice, ...]:
    """Return the meetings whose organisation the pack hears only through written input."""
    return tuple(
        WrittenVoice(meeting.id, meeting.organisation)
        for meeting in meetings
        if meeting.id in written and meeting.id not in noted and not attendance.get(meeting.id)
    )


@dataclass(frozen=True)
class SortedOut:
    """The observations the pack shows, how many it leaves out and why, and whose they are."""

    kept: list[Observation]
    withheld: int
    """Restricted ones."""
    cancelled: int
    """Of a meeting not held."""
    written: frozenset[str]
    """The meetings of which written input is kept."""
    noted: frozenset[str]
    """The meetings of which notes (not written input) are kept."""


def sort_out(observations: Iterable[Observation], counted: Collection[str]) -> SortedOut:
    """Return the observations the pack shows: neither restricted nor of a meeting not held.

    Written input (consult.answers' pages) counts whether or not its meeting was held:
    it was written apart from it.
    """
    kept: list[Observation] = []
    withheld = cancelled = 0
    in_writing: set[str] = set()
    noted: set[str] = set()
    for observation in observations:
        if observation.confidentiality == "restricted":
            withheld += 1
            continue
        by_hand = written(observation.key)
        if observation.meeting_id not in counted and not by_hand:
            cancelled += 1
            continue
        (in_writing if by_hand else noted).add(observation.meeting_id)
        kept.append(observation)
    return SortedOut(kept, withheld, cancelled, frozenset(in_writing), frozenset(noted))


def heard(meeting: Meeting) -> bool:
    """Return whether the meeting's notes count: the one notion of a meeting held.

    The figures, the evidence, the missing voices and the log all ask this; a
    cancelled meeting's notes (imported before it was called off, or by mistake)
    count nowhere, and the pack says how many observations were left out for it.
    """
    return meeting.status in HEARD_STATUSES


def missing_voices(
    training: Training,
    slug: str,
    meetings: Sequence[Meeting],
    attendees: Mapping[str, Sequence[Attendee]],
    observed: Sequence[str],
    attendance: Mapping[str, Sequence[Mapping[str, str]]],
    now: dt.datetime,
    registry: Mapping[str, Organisation],
) -> tuple[MissingVoice, ...]:
    """Return the planned meetings not held with notes, the most influential organisations first.

    `observed` holds the meeting of each observation the pack shows; `attendance` who
    came to each meeting, as recorded with its notes.
    """
    stored = {meeting.id: meeting for meeting in meetings}
    with_notes = set(observed) | {m for m, people in attendance.items() if people}
    missing = []
    for round_ in training.consultation.rounds:
        for planned in round_.meetings:
            meeting_id = f"{slug}/{round_.id}/{planned.id}"
            meeting = stored.get(meeting_id)
            reason = _missing_reason(meeting, attendees.get(meeting_id, ()), with_notes, now)
            if reason is not None:
                start = meeting.start if meeting is not None else None
                missing.append(MissingVoice(meeting_id, planned.organisation, reason, start))
    return _by_influence(missing, registry)


_INFLUENCE = {"high": 0, "medium": 1, "low": 2}


def _by_influence(
    missing: Sequence[MissingVoice], registry: Mapping[str, Organisation]
) -> tuple[MissingVoice, ...]:
    """Return the missing voices, the most influential organisations first, unrated ones last."""

    def rank(voice: MissingVoice) -> int:
        organisation = registry.get(voice.organisation)
        influence = organisation.influence if organisation is not None else None
        return _INFLUENCE.get(influence or "", len(_INFLUENCE))

    return tuple(sorted(missing, key=rank))


def _missing_reason(
    meeting: Meeting | None,
    invited: Sequence[Attendee],
    with_notes: set[str],
    now: dt.datetime,
) -> MissingReason | None:
    if meeting is not None and meeting.id in with_notes:
        return None  # notes, or written input (which counts even when the meeting was not held)
    if meeting is None or meeting.status == "proposed":
        return "not scheduled"
    if meeting.status == "cancelled":
        return "cancelled"
    guests = [a for a in invited if a.role != "CHAIR"]
    if guests and all(a.partstat == "DECLINED" for a in guests):
        return "declined"
    if meeting.end > now:
        return "not held yet"
    return "no notes"


def meeting_log(
    meetings: Sequence[Meeting],
    attendees: Mapping[str, Sequence[Attendee]],
    attendance: Mapping[str, Sequence[Mapping[str, str]]],
    observed: Sequence[str],
) -> tuple[LogEntry, ...]:
    """Return the log of the consultations held or scheduled, by start: who came, what was said.

    `observed` holds the meeting of each public observation the pack shows: a count of
    internal ones by meeting would point to their organisation (the k rule).
    """
    counted = Counter(observed)
    entries = []
    for meeting in sorted(meetings, key=lambda m: (m.start, m.id)):
        if meeting.status == "proposed":
            continue
        guests = [a for a in attendees.get(meeting.id, ()) if a.role != "CHAIR"]
        came = attendance.get(meeting.id, ())
        entries.append(
            LogEntry(
                meeting_id=meeting.id,
                organisation=meeting.organisation,
                format=meeting.format,
                status=meeting.status,
                start=meeting.start,
                end=meeting.end,
                invited=len(guests),
                accepted=sum(a.partstat == "ACCEPTED" for a in guests),
                declined=sum(a.partstat == "DECLINED" for a in guests),
                attended=len(came),
                roles=tuple(dict.fromkeys(p["role"] for p in came if p.get("role"))),
                observations=counted[meeting.id],
                invitees=tuple(a.name for a in guests),
            )
        )
    return tuple(entries)

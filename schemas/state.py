"""The state that flows produce: meetings, attendees, messages, replies, observations, audit.

These are values handed out by `consult.store`; the store's tables mirror them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MeetingStatus = Literal["proposed", "confirmed", "cancelled", "held", "notes_missing"]
MessageKind = Literal[
    "invitation",
    "update",
    "cancellation",
    "reminder",
    "nudge",
    "notes_missing",
    "briefing",
    "counter_declined",
    "refresh",
    "poll",
    "poll_nudge",
    "record_check",
]
"""counter_declined: a DECLINECOUNTER to who proposed a new time; refresh: the current REQUEST
again, to an attendee whose calendar asked for it (REFRESH); poll: a date poll's invitation to
vote (no calendar); poll_nudge: the one reminder to vote; record_check: what was recorded from
a meeting, for its organisation to confirm or correct (no calendar)."""
MessageStatus = Literal["pending", "sent", "failed", "rejected"]
"""failed: sent again on the next run; rejected: refused for good by the server (5xx), not."""
PartStat = Literal["NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"]
AttendeeRole = Literal["CHAIR", "REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT"]
ObservationKind = Literal[
    "gap", "need", "challenge", "good_practice", "recommendation", "commitment", "question"
]
Vote = Literal["yes", "if_need_be", "no"]
"""An invitee's answer to one option of a date poll."""
Confidentiality = Literal["public", "internal", "restricted"]
"""public: quoted as is; internal: shown only anonymised; restricted: never leaves the store."""


class State(BaseModel):
    """A row of the store, as a value."""

    model_config = ConfigDict(frozen=True, from_attributes=True)


class MeetingVersion(State):
    """What a meeting was at one SEQUENCE: its time, place, format and facilitators then."""

    sequence: int = Field(ge=0)
    format: str
    start: dt.datetime = Field(description="UTC")
    end: dt.datetime = Field(description="UTC")
    location: str | None = None
    facilitators: tuple[str, ...] = ()


class Meeting(State):
    """A scheduled consultation: one per organisation or group discussion of a round."""

    id: str = Field(description="'<training>/<round>/<planned meeting>', stable across re-plans.")
    training: str
    round: str
    organisation: str
    format: str
    status: MeetingStatus
    start: dt.datetime = Field(description="UTC")
    end: dt.datetime = Field(description="UTC")
    uid: str = Field(description="The iCalendar UID: stable for the meeting's whole life.")
    sequence: int = Field(ge=0, description="The iCalendar SEQUENCE: rises on every change.")
    location: str | None = None
    facilitators: tuple[str, ...] = ()
    updated_at: dt.datetime
    versions: tuple[MeetingVersion, ...] = Field(
        default=(),
        description="What the meeting was at each earlier SEQUENCE, kept when a change raised "
        "it: what people told of it then hold. Empty for changes made before version 5.",
    )

    @field_validator("versions", mode="before")
    @classmethod
    def _no_versions(cls, value: object) -> object:
        """Return no versions for a meeting stored before they were kept (NULL)."""
        return () if value is None else value

    def current(self) -> MeetingVersion:
        """Return the meeting as it is, at its own SEQUENCE."""
        return MeetingVersion(
            sequence=self.sequence,
            format=self.format,
            start=self.start,
            end=self.end,
            location=self.location,
            facilitators=self.facilitators,
        )

    def version(self, sequence: int) -> MeetingVersion | None:
        """Return the meeting as it was at `sequence` (as it is, at its own); None if not kept."""
        if sequence == self.sequence:
            return self.current()
        return next((v for v in self.versions if v.sequence == sequence), None)


class Attendee(State):
    """Someone invited to a meeting, and their answer."""

    meeting_id: str
    email: str
    name: str
    role: AttendeeRole
    organisation: str | None
    language: str
    timezone: str
    partstat: PartStat = "NEEDS-ACTION"
    attended: bool | None = None


class Message(State):
    """An email in the delivery ledger, keyed by (meeting, recipient, sequence, kind)."""

    id: int
    meeting_id: str
    recipient: str
    sequence: int
    kind: MessageKind
    status: MessageStatus
    message_id: str | None = None
    attempts: int = 0
    error: str | None = None
    created_at: dt.datetime
    sent_at: dt.datetime | None = None


class Reply(State):
    """An attendee's iTIP REPLY to an invitation."""

    id: int
    meeting_id: str
    attendee: str
    partstat: PartStat
    sequence: int
    received_at: dt.datetime
    source: str
    comment: str | None = None
    """What the attendee said with the answer: the iTIP COMMENT, else the mail's own text."""


class Observation(State):
    """One thing learnt in a consultation: a gap, a need, a commitment..."""

    id: int
    key: str = Field(
        description="Stable key of the source item: importing it twice stores it once."
    )
    meeting_id: str
    organisation: str
    kind: ObservationKind
    theme: str
    severity: int = Field(ge=1, le=4)
    text: str
    quote: str | None = None
    speaker_role: str | None = None
    confidentiality: Confidentiality
    owner: str | None = None
    due: dt.date | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    language: str | None = Field(
        default=None, description="The language the text was written in; None: as its letters say."
    )
    translations: dict[str, dict[str, str | None]] | None = Field(
        default=None,
        description="The text (`text`) and the speaker's role (`speaker_role`) in other "
        "languages, by language: the text as written stays in `text`.",
    )
    line: int | None = Field(
        default=None,
        description="The line of its notes file where it starts; None for the forms and "
        "KoboToolbox, which have no lines.",
    )
    source: str | None = Field(
        default=None,
        description="The email of the person it is attributed to; None when unattributed.",
    )


class AuditEvent(State):
    """An entry of the append-only audit log: who did what to which subject."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any] = Field(default_factory=dict)

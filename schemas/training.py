"""`trainings/<slug>.yaml`: one training, its experts, agenda, themes and consultation plan."""

from __future__ import annotations

import datetime as dt
import string
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, AnyHttpUrl, Field, model_validator

from schemas.privacy import Retention
from schemas.stakeholders import MailSender
from schemas.types import (
    Country,
    CyrillicName,
    Email,
    Id,
    Language,
    LatinName,
    Localized,
    LocalizedText,
    LocalTime,
    OneLine,
    Strict,
    Text,
    TimeZone,
    Weekday,
    WorkingHours,
    spelling_for,
)

MeetingFormat = Literal["online", "in_person", "group_discussion"]
LINK_FIELDS = ("training", "round", "meeting")
"""What a meeting-link template may name: the training's, the round's and the meeting's ids."""
LINK_EXAMPLE = "https://meet.jit.si/{training}-{round}-{meeting}"


def _check_meeting_link(value: str) -> str:
    """Return the template if it names only LINK_FIELDS and makes an https URL."""
    expected = (
        f"an https URL in which only {{training}}, {{round}} and {{meeting}} stand for the ids, "
        f"e.g. {LINK_EXAMPLE}"
    )
    try:
        named = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        made = value.format(**dict.fromkeys(LINK_FIELDS, "x"))
    except (ValueError, KeyError, IndexError):
        raise ValueError(expected) from None
    if not named <= set(LINK_FIELDS) or not is_https_link(made):
        raise ValueError(expected)
    return value


def is_https_link(text: str) -> bool:
    """Return whether `text` is an https URL with a host and no white space."""
    return (
        text.startswith("https://")
        and bool(urlsplit(text).netloc)
        and not any(c.isspace() for c in text)
    )


MeetingLink = Annotated[str, Field(min_length=1), AfterValidator(_check_meeting_link)]


class Venue(Strict):
    """Where the training is held."""

    name: Localized
    address: Localized
    city: Localized
    country: Country


class Participants(Strict):
    """Who the training is for: the participants' profile in the briefing pack."""

    organisation: Id = Field(description="The participant group in stakeholders.yaml.")
    count: int = Field(ge=1)
    description: LocalizedText | None = Field(
        default=None, description="The participants' profile, as the experts read it."
    )
    locations: tuple[Localized, ...] = Field(
        default=(), description="Where the participants work, as the experts read it."
    )


class Expert(Strict):
    """A trainer who receives the briefing pack."""

    id: Id
    name: OneLine
    name_latin: LatinName | None = Field(
        default=None, description="The name in Latin letters, for readers of English."
    )
    name_cyrillic: CyrillicName | None = Field(
        default=None, description="The name in Cyrillic letters, for readers of Russian."
    )
    email: Email
    role: Localized
    language: Language = Field(
        default="en", description="The language of the expert's pack and invitations."
    )
    timezone: TimeZone

    def name_for(self, language: Language) -> str:
        """Return the spelling of the name that a reader of `language` reads."""
        return spelling_for(language, self.name, self.name_latin, self.name_cyrillic)


class Theme(Strict):
    """A theme of the taxonomy that observations and agenda sessions are tagged with."""

    id: Id
    label: Localized
    description: Text = ""


class AgendaSession(Strict):
    """A session of the training's agenda, and the themes it addresses."""

    id: Id
    day: int = Field(ge=1)
    title: Localized
    themes: tuple[Id, ...] = ()


class Facilitator(Strict):
    """A member of the project team who runs consultations."""

    id: Id
    name: OneLine
    name_latin: LatinName | None = Field(
        default=None, description="The name in Latin letters, for readers of English."
    )
    name_cyrillic: CyrillicName | None = Field(
        default=None, description="The name in Cyrillic letters, for readers of Russian."
    )
    email: Email
    language: Language = Field(
        default="en", description="The language of the facilitator's invitations and reminders."
    )
    timezone: TimeZone
    country: Country = Field(description="Where the facilitator's public holidays come from.")
    working_hours: WorkingHours = WorkingHours()
    max_meetings_per_day: int = Field(default=3, ge=1)
    busy_feed: AnyHttpUrl | None = None

    def name_for(self, language: Language) -> str:
        """Return the spelling of the name that a reader of `language` reads."""
        return spelling_for(language, self.name, self.name_latin, self.name_cyrillic)


class AttendeeFilter(Strict):
    """Which contacts of a meeting's organisation one entry of its `attendees` invites.

    Written as a contact's email (`- nino@example.org`), or as a filter
    (`- location: Batumi`, `- role: coordinator`). A contact matches when every key
    given holds: the same email or location, a role that contains `role` (all
    ignoring case).
    """

    email: Email | None = None
    location: OneLine | None = Field(default=None, description="The contacts' location.")
    role: OneLine | None = Field(default=None, description="A part of the contacts' role.")

    @model_validator(mode="before")
    @classmethod
    def _an_email_alone(cls, value: object) -> object:
        return {"email": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _names_someone(self) -> AttendeeFilter:
        if self.email is None and self.location is None and self.role is None:
            raise ValueError("an email, a location or a role")
        return self


class Poll(Strict):
    """A date poll: the invitees choose among several times before the calendar invitation.

    Each option keeps every planning rule for every party; the invitees vote yes,
    if need be or no; the coordinator picks one on the desk, or at the deadline the
    round picks the best (most yes, then most if need be; ties: the earliest).
    """

    options: int = Field(
        default=3, ge=3, le=5, description="How many candidate times to offer: 3 to 5."
    )
    deadline: dt.date = Field(
        description="The last day of voting (training's time zone); it must come before the "
        "round's window opens (earliest), so every option lies after it."
    )


class PlannedMeeting(Strict):
    """One consultation to schedule: an organisation or a group discussion."""

    id: Id
    organisation: Id
    format: MeetingFormat
    duration_minutes: int = Field(ge=15, le=480)
    facilitators: tuple[Id, ...] = Field(min_length=1)
    location: Localized | None = Field(
        default=None,
        description="A room for in-person meetings (a plain string is English, a mapping gives "
        "the place per language), or the https link of an online one (which needs it, unless "
        "the consultation has a meeting_link).",
    )
    attendees: tuple[AttendeeFilter, ...] = Field(
        default=(),
        description="Who of the organisation is invited: contacts by email, or filters "
        "(location, role); a contact named by any entry is invited. Empty: every contact.",
    )
    poll: Poll | None = Field(
        default=None,
        description="Plan this meeting as a date poll (3 to 5 times to vote on), "
        "instead of one time; the round's poll, if any, applies otherwise.",
    )


class Round(Strict):
    """A consultation round: meetings to place between two dates."""

    id: Id
    earliest: dt.date
    latest: dt.date
    meetings: tuple[PlannedMeeting, ...] = Field(min_length=1)
    poll: Poll | None = Field(
        default=None,
        description="Plan every meeting of the round as a date poll: 3 to 5 times each, "
        "voted on by the invitees before the calendar invitation goes out.",
    )

    def poll_of(self, planned: str) -> Poll | None:
        """Return the poll of the round's meeting `planned`: its own, else the round's; None."""
        for meeting in self.meetings:
            if meeting.id == planned:
                return meeting.poll or self.poll
        return None


class Preferences(Strict):
    """What a good schedule looks like, among those that place the most meetings."""

    preferred_days: tuple[Weekday, ...] = ()
    preferred_start: LocalTime | None = None
    preferred_end: LocalTime | None = None
    earlier_is_better: bool = True
    spread_facilitator_load: bool = True


class Reminders(Strict):
    """When consult reminds people of a meeting, and nudges those who have not answered."""

    days_before: int = Field(
        default=2, ge=0, le=30, description="Remind attendees this many days before a meeting."
    )
    nudge_after_days: int = Field(
        default=3,
        ge=1,
        le=30,
        description="Nudge an attendee who has not answered this many days after the invitation.",
    )


class Quorum(Strict):
    """When a meeting may go ahead, and when one that may not is flagged for the coordinator."""

    accepted: int = Field(
        default=1,
        ge=1,
        le=50,
        description="A meeting has its quorum when at least this many invitees of its "
        "organisation accepted (the facilitators do not count).",
    )
    days_before: int = Field(
        default=3,
        ge=0,
        le=30,
        description="Flag a meeting without its quorum from this many days before its day "
        "(in the training's time zone), with the next free times; one every invitee declined "
        "is flagged at once.",
    )
    answer_working_days: int = Field(
        default=2,
        ge=0,
        le=20,
        description="The working days (Monday to Friday, in the training's time zone) "
        "invitees have to answer after their invitation went out: no meeting is flagged for "
        "lacking acceptances before they have passed, however near its day.",
    )


class ConsultationPlan(Strict):
    """Who is consulted, how, when and by whom."""

    facilitators: tuple[Facilitator, ...] = Field(min_length=1)
    rounds: tuple[Round, ...] = Field(min_length=1)
    purpose: LocalizedText | None = Field(
        default=None,
        description="What the meetings are for, as the invitations say it; without it, the "
        "first sentence of the terms of reference.",
    )
    meeting_link: MeetingLink | None = Field(
        default=None,
        description="The link of every online meeting without a location of its own: an https "
        "URL in which {training}, {round} and {meeting} stand for their ids, e.g. "
        f"{LINK_EXAMPLE}.",
    )
    buffer_minutes: int = Field(default=30, ge=0, le=240)
    slot_step_minutes: int = Field(default=30, ge=5, le=120)
    on_feed_error: Literal["fail", "proceed"] = Field(
        default="fail",
        description="When a busy-time feed cannot be read: stop the round, or plan without it "
        "and say so in the result.",
    )
    preferences: Preferences = Preferences()
    reminders: Reminders = Reminders()
    quorum: Quorum = Quorum()


class Briefing(Strict):
    """When the briefing pack is due, and who gets it beyond the experts."""

    due: dt.date
    coordinator_email: Email | None = None
    sensitivities: tuple[LocalizedText, ...] = Field(
        default=(),
        description="What the experts should handle with care (topics, words, people), "
        "one item each.",
    )
    logistics: LocalizedText | None = Field(
        default=None, description="Practical notes for the experts: travel, rooms, interpreters."
    )


class Timeline(Strict):
    """When consult starts each step of the preparation, in days before the training starts.

    The days count back from the training's first day, in its time zone; the
    daily run (`run-due-steps`) starts each step on its day, or on the first
    run after it if that day was missed, and never twice.
    """

    plan_days_before: int = Field(
        default=45,
        ge=1,
        le=365,
        description="Plan each consultation round (plan-consultations) this many days before.",
    )
    invite_days_before: int = Field(
        default=40,
        ge=1,
        le=365,
        description="Send each round's invitations (send-invitations) this many days before.",
    )
    invite_days_before_round: int = Field(
        default=7,
        ge=1,
        le=90,
        description="Send a round's invitations at the latest this many days before its "
        "window opens (`earliest`), even if that is before invite_days_before: the planning's "
        "lead time and the invitees' time to answer. Its planning moves with them.",
    )
    daily_reminders: bool = Field(
        default=True,
        description="Send the day's reminders (send-reminders) every day from the invitations "
        "until the training starts.",
    )
    briefing_days_before: int = Field(
        default=7,
        ge=0,
        le=365,
        description="Compile the briefing pack and send it to the experts (compile-briefing) "
        "this many days before.",
    )

    @model_validator(mode="after")
    def _invitations_follow_planning(self) -> Timeline:
        if self.invite_days_before > self.plan_days_before:
            raise ValueError(
                f"invitations at T-{self.invite_days_before} would go out before the round "
                f"is planned at T-{self.plan_days_before}: invite_days_before must not exceed "
                "plan_days_before"
            )
        return self


class Training(Strict):
    """A training and everything consult needs to prepare it."""

    title: Localized
    start: dt.date
    end: dt.date
    timezone: TimeZone
    venue: Venue
    project: Localized | None = None
    participants: Participants
    experts: tuple[Expert, ...] = Field(min_length=1)
    themes: tuple[Theme, ...] = Field(min_length=1)
    agenda: tuple[AgendaSession, ...] = ()
    consultation: ConsultationPlan
    briefing: Briefing
    timeline: Timeline = Timeline()
    terms_of_reference: LocalizedText | None = None
    sender: MailSender | None = Field(
        default=None,
        description="Who this training's messages come from, instead of the workspace's sender.",
    )
    consent_required: bool = Field(
        default=False,
        description="Its consultations need each invited contact's consent: notes of a meeting "
        "whose invitees have not all given it are stored restricted (docs/data-protection.md).",
    )
    retention: Retention | None = Field(
        default=None,
        description="How long its personal data is kept after it ends, over the workspace's.",
    )

    def round(self, round_id: str) -> Round:
        """Return the consultation round with this id."""
        for candidate in self.consultation.rounds:
            if candidate.id == round_id:
                return candidate
        raise KeyError(round_id)

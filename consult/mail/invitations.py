"""Gives the messages a round's meetings call for: invitations, updates and cancellations.

Each message goes to one attendee, in their language and time zone, with the
meeting's iTIP calendar (REQUEST, or CANCEL) inline and as invite.ics. What
to send follows from the store: a confirmed meeting at SEQUENCE 0 is invited,
one whose SEQUENCE rose is updated, a cancelled one that people were told of
is cancelled. The delivery ledger (`consult.mail.delivery`) sends each once.
A meeting planned as a date poll calls, while its poll waits for the pick, for
a `poll` message to each consulted invitee instead: its options in their zone,
no calendar (`poll_messages`); once picked, for the invitation as any other.
Nothing but a cancellation goes out about a meeting that has started: those
messages are reported "too late", and `late_meetings` names their meetings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from consult.errors import UnsendableMessageError
from consult.mail.calendar import build_invite
from consult.mail.delivery import BACKOFF, Delivered, Outgoing, deliver
from consult.mail.mailing import Mailing, RoundMailing
from consult.mail.mime import RawMessage, prepare_message
from consult.mail.news import News, news_for, proposers
from consult.mail.render import MessageContext, Rendered, meeting_purpose, render_message
from consult.mail.sender import Sender
from consult.mail.transports import Transport
from consult.store import LEASE, Store
from consult.store.polls import PollState
from consult.workspace.links import meeting_location
from consult.workspace.loading import TRAININGS
from schemas import Language, MeetingFormat, Training
from schemas.state import Attendee, Meeting, MeetingVersion, Message, MessageKind

LANGUAGES: tuple[Language, ...] = ("ka", "en", "ru")
FORMATS: tuple[MeetingFormat, ...] = ("online", "in_person", "group_discussion")
TEMPLATES = "templates"
PAGE_KINDS = frozenset({"invitation", "update", "reminder", "nudge"})
"""The messages that carry the link of the recipient's personal page, when there are links."""
"""The workspace folder whose email/<lang>/ templates override the built-in ones."""
TOO_LATE = "too late"
"""The outcome of a message not sent because its meeting had started."""
PASSED = "the meeting's time has passed"
"""How a too-late report begins when its meeting has ended: no new time is proposed for it."""


def kind_for(meeting: Meeting, announced: bool) -> MessageKind | None:
    """Return what a meeting calls for now, or None when it calls for nothing."""
    if meeting.status == "confirmed":
        return "invitation" if meeting.sequence == 0 else "update"
    if meeting.status == "cancelled" and announced:
        return "cancellation"
    return None


def _calls(
    store: Store, mail: RoundMailing, meetings: Collection[str] | None
) -> Iterator[tuple[Meeting, MessageKind, list[Message]]]:
    """Yield each meeting of the round (or those ids) that calls for a message, its ledger rows
    (the round's ledger read once); a date poll still open calls for none."""
    ledgers: dict[str, list[Message]] = {}
    for message in store.messages_under(f"{mail.slug}/{mail.round_id}/"):
        ledgers.setdefault(message.meeting_id, []).append(message)
    found = store.meetings(mail.slug, mail.round_id)
    polling = {i for i, poll in store.polls_of([m.id for m in found]).items() if poll.open}
    for meeting in found:
        if (meetings is not None and meeting.id not in meetings) or meeting.id in polling:
            continue
        ledger = ledgers.get(meeting.id, [])
        kind = kind_for(meeting, any(m.status == "sent" for m in ledger))
        if kind is not None:
            yield meeting, kind, ledger


def round_messages(
    mail: RoundMailing, store: Store, meetings: Collection[str] | None = None
) -> Iterator[Outgoing]:
    """Yield every message the round's meetings (or those ids) call for, built once claimed.

    An invitation or update about a meeting that has started by the mailing's moment is left
    out; `started_messages` reports it. The date polls' messages come last (`poll_messages`).
    """
    yield from _meeting_messages(mail, store, meetings)
    yield from poll_messages(mail, store, meetings)


def _meeting_messages(
    mail: RoundMailing, store: Store, meetings: Collection[str] | None
) -> Iterator[Outgoing]:
    for meeting, kind, ledger in _calls(store, mail, meetings):
        if kind != "cancellation" and meeting.start <= mail.now:
            continue
        attendees = tuple(store.attendees(meeting.id))
        counters = store.counters(meeting.id) if kind == "update" else []
        proposed = proposers(meeting, counters)
        calendars: dict[str, bytes] = {}
        for attendee in attendees:
            news = news_for(meeting, kind, ledger, proposed, attendee.email)
            build = partial(prepare, mail, meeting, attendees, attendee, news, calendars)
            yield Outgoing(meeting.id, attendee.email, meeting.sequence, kind, build)


def started_messages(
    mail: RoundMailing, store: Store, meetings: Collection[str] | None = None
) -> list[Delivered]:
    """Return the invitations and updates not sent, too late: their meeting started already.

    One for each attendee who has not had theirs: a meeting that was announced
    before it started is not reported again.
    """
    zone = mail.training.timezone
    late = []
    for meeting, kind, ledger in _calls(store, mail, meetings):
        if kind == "cancellation" or meeting.start > mail.now:
            continue
        sent = {
            m.recipient.lower()
            for m in ledger
            if (m.kind, m.sequence, m.status) == (kind, meeting.sequence, "sent")
        }
        late += [
            too_late(meeting, attendee.email, kind, zone)
            for attendee in store.attendees(meeting.id)
            if attendee.email.lower() not in sent
        ]
    return late


def poll_messages(
    mail: RoundMailing, store: Store, meetings: Collection[str] | None = None
) -> Iterator[Outgoing]:
    """Yield a `poll` message to each consulted invitee of each confirmed meeting whose poll waits.

    Nothing once voting has closed (the poll's deadline) or the meeting's time has passed.
    The mailing's `links` give each recipient's personal page, where they vote; without
    them, the message asks them to answer by email.
    """
    found = store.meetings(mail.slug, mail.round_id)
    polls = store.polls_of([m.id for m in found])
    for meeting in found:
        poll = polls.get(meeting.id)
        if (
            poll is None
            or not poll.open
            or meeting.status != "confirmed"
            or (meetings is not None and meeting.id not in meetings)
            or poll.deadline <= mail.now
        ):
            continue
        for attendee in store.attendees(meeting.id):
            if attendee.role == "REQ-PARTICIPANT":
                yield poll_outgoing(mail, meeting, attendee, poll, "poll")


def poll_outgoing(
    mail: Mailing,
    meeting: Meeting,
    attendee: Attendee,
    poll: PollState,
    kind: MessageKind,
) -> Outgoing:
    """Return the `poll` or `poll_nudge` message to `attendee`, keyed like any message.

    It links to the recipient's personal page when the mailing has `links`.
    """
    link = (
        mail.links.url(meeting.id, attendee.email, mail.training.end)
        if mail.links is not None
        else None
    )
    build = partial(prepare_poll, mail, meeting, attendee, poll, kind, link)
    return Outgoing(meeting.id, attendee.email, meeting.sequence, kind, build)


def prepare_poll(
    mail: Mailing,
    meeting: Meeting,
    attendee: Attendee,
    poll: PollState,
    kind: MessageKind,
    link: str | None,
    message_id: str,
) -> RawMessage:
    """Return the date poll's message to `attendee`: its options in their language and zone."""
    located = meeting.model_copy(update={"location": meeting_location(mail.training, meeting)})
    context = dataclasses.replace(
        meeting_context(mail, located, attendee),
        options=tuple((o.start, o.end) for o in poll.options),
        poll_deadline=poll.deadline,
        page_url=link,
    )
    rendered = render_message(
        kind, language_of(attendee), context, overrides=mail.workspace.root / TEMPLATES
    )
    return addressed(mail.sender, attendee, rendered, None, mail.now, message_id)


def too_late(
    meeting: Meeting, recipient: str, kind: MessageKind, zone: str, now: dt.datetime | None = None
) -> Delivered:
    """Return the report of a `kind` message to `recipient` not sent: the meeting had started.

    Given `now`, a meeting that has ended by then is said to have passed (`PASSED`): it is
    for its notes or its cancellation, never for a new time.
    """
    start = meeting.start.astimezone(ZoneInfo(zone))
    when = f"{start:%a %Y-%m-%d %H:%M} {zone}"
    if now is not None and meeting.end <= now:
        detail = f"{PASSED} ({when})"
    else:
        detail = f"the meeting started {when}"
    return Delivered(meeting.id, recipient, meeting.sequence, kind, TOO_LATE, detail)


def late_meetings(report: Iterable[Delivered], *, passed: bool | None = None) -> list[str]:
    """Return one line per meeting whose messages came too late: its id, what, and its start.

    `passed` keeps only the meetings whose time has passed (True) or those still under way
    (False); None keeps both.
    """
    kinds: dict[tuple[str, str], Counter[str]] = {}
    for delivered in report:
        if delivered.outcome == TOO_LATE and (
            passed is None or delivered.detail.startswith(PASSED) == passed
        ):
            key = (delivered.meeting_id, delivered.detail)
            kinds.setdefault(key, Counter())[delivered.kind] += 1
    return [
        f"{meeting}: "
        + ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in counts.items())
        + f" not sent, {detail}"
        for (meeting, detail), counts in kinds.items()
    ]


def prepare(
    mail: Mailing,
    meeting: Meeting,
    attendees: tuple[Attendee, ...],
    attendee: Attendee,
    news: News,
    calendars: dict[str, bytes] | None,
    message_id: str,
) -> RawMessage:
    """Return the message about `meeting` that `news` says, to `attendee`, in their language.

    With `calendars` (a cache shared by the meeting's messages) the meeting's
    iTIP invite goes with it; with None, the message carries no calendar.
    """
    sender, now, kind = mail.sender, mail.now, news.kind
    located = meeting_location(mail.training, meeting)
    if located is None and meeting.format == "online" and kind != "cancellation":
        raise UnsendableMessageError(
            f"{meeting.id}: an online meeting without a link; give it its https link "
            f"(location) in {TRAININGS}/{meeting.training}.yaml, or the training a "
            "consultation.meeting_link"
        )
    meeting = meeting.model_copy(update={"location": located})
    language = language_of(attendee)
    context = meeting_context(mail, meeting, attendee, news=news)
    if mail.links is not None and kind in PAGE_KINDS:
        url = mail.links.url(meeting.id, attendee.email, mail.training.end)
        context = dataclasses.replace(context, page_url=url)
    rendered = render_message(
        kind,
        language,
        context,
        overrides=mail.workspace.root / TEMPLATES,
    )
    # The invite is the same for every attendee whose language gives the same title,
    # purpose, place and sender (a language the texts lack falls back to English): built
    # once per such reading. Its description says what the meeting is, never whom the
    # email greets.
    title = f"{context.training_title}: {context.organisation_name}"
    organizer = sender.name_for(language)
    key = "\n".join((title, context.purpose, context.location or "", organizer))
    if calendars is not None and key not in calendars:
        calendars[key] = build_invite(
            meeting.model_copy(update={"location": context.location}),
            attendees,
            organizer_name=organizer,
            organizer_email=sender.email,
            method="CANCEL" if kind == "cancellation" else "REQUEST",
            summary=title,
            description="\n".join(
                line
                for line in (
                    context.purpose,
                    context.location or "",
                    ", ".join(context.facilitators),
                )
                if line
            ),
            timezone=mail.training.timezone,
            dtstamp=now,
        )
    calendar = calendars[key] if calendars is not None else None
    return addressed(sender, attendee, rendered, calendar, now, message_id)


def meeting_context(
    mail: Mailing,
    meeting: Meeting,
    recipient: Attendee,
    reason: str | None = None,
    news: News | None = None,
) -> MessageContext:
    """Return what a message about `meeting` tells `recipient`, in their language and zone.

    `news` adds what an update changed since the recipient was last told, and whether
    its time was theirs; the recipient's answer goes with every message.
    """
    training, sender = mail.training, mail.sender
    language = language_of(recipient)
    organisation = mail.workspace.stakeholders.organisation(meeting.organisation)
    names = {f.id: f.name_for(language) for f in training.consultation.facilitators}
    before = news.before if news is not None else None
    return MessageContext(
        recipient_name=recipient.name,
        organisation_name=organisation.name.get(language),
        training_title=training.title.get(language),
        purpose=meeting_purpose(training, language),
        meeting_format=_format(meeting),
        start=meeting.start,
        end=meeting.end,
        recipient_timezone=recipient.timezone,
        location=place_for(training, meeting, language),
        facilitators=tuple(names.get(f, f) for f in meeting.facilitators),
        sender_name=sender.name_for(language),
        sender_organisation=sender.organisation_for(language),
        coordinator_name=sender.name_for(language),
        reason=reason,
        sent_at=mail.now,
        answer=recipient.partstat,
        proposed_by_recipient=news is not None and news.proposed,
        **(_previous(training, meeting, before, language) if before is not None else {}),
    )


def _previous(
    training: Training, meeting: Meeting, before: MeetingVersion, language: Language
) -> dict[str, Any]:
    """Return the context's `previous_*` fields: what `before` was, where it differs.

    An online meeting without a location of its own is where the training's
    meeting_link takes it, then as now. Places are compared as stored (in English),
    and the one before is shown in the reader's language where the file still gives it.
    """
    names = {f.id: f.name_for(language) for f in training.consultation.facilitators}
    then = meeting.model_copy(update=before.model_dump())
    previous: dict[str, Any] = {}
    if (before.start, before.end) != (meeting.start, meeting.end):
        previous |= {"previous_start": before.start, "previous_end": before.end}
    if meeting_location(training, then) != meeting_location(training, meeting):
        previous["previous_location"] = place_for(training, then, language) or ""
    if before.format != meeting.format and before.format in FORMATS:
        previous["previous_format"] = before.format
    if before.facilitators != meeting.facilitators:
        previous["previous_facilitators"] = tuple(names.get(f, f) for f in before.facilitators)
    return previous


def addressed(
    sender: Sender,
    recipient: Attendee,
    rendered: Rendered,
    calendar: bytes | None,
    now: dt.datetime,
    message_id: str,
) -> RawMessage:
    """Return the rendered message from `sender` to `recipient`, with the calendar if any."""
    return prepare_message(
        sender=(sender.name_for(language_of(recipient)), sender.email),
        reply_to=sender.reply_to,
        recipient=(recipient.name, recipient.email),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        calendar=calendar,
        method=None,
        date=now,
        domain=sender.domain,
        message_id=message_id,
    )


def place_for(training: Training, meeting: Meeting, language: Language) -> str | None:
    """Return where `meeting` is held, in `language` where the training's file gives it.

    The store keeps the place the attendees were told, in English; the training's file
    may give it per language. A file whose English no longer says the stored place (an
    edit not planned yet) gives no translation of it: the stored place goes out as it is.
    """
    if meeting.location is None:
        return meeting_location(training, meeting)  # an online meeting's made link, or none
    planned_id = meeting.id.rsplit("/", 1)[-1]
    for round_ in training.consultation.rounds:
        for planned in round_.meetings if round_.id == meeting.round else ():
            place = planned.location
            if planned.id == planned_id and place is not None and place.en == meeting.location:
                return place.get(language)
    return meeting.location


def language_of(attendee: Attendee) -> Language:
    """Return the attendee's language, English for any the templates lack."""
    for language in LANGUAGES:
        if attendee.language == language:
            return language
    return "en"


def _format(meeting: Meeting) -> MeetingFormat:
    for known in FORMATS:
        if meeting.format == known:
            return known
    raise ValueError(f"meeting {meeting.id!r}: unknown format {meeting.format!r}")


def send_round(
    mail: RoundMailing,
    store: Store,
    transport: Transport,
    *,
    lease: dt.timedelta = LEASE,
    meetings: Collection[str] | None = None,
    backoff: Sequence[float] = BACKOFF,
    retry_rejected: bool = False,
) -> list[Delivered]:
    """Return what happened to each message of the round (of some meetings) after sending.

    Invitations and updates about meetings that had started by the mailing's
    moment are not sent: they come first in the report, "too late".
    """
    late = started_messages(mail, store, meetings)
    outgoing = round_messages(mail, store, meetings)
    delivered = deliver(
        store,
        transport,
        outgoing,
        domain=mail.sender.domain,
        lease=lease,
        backoff=backoff,
        retry_rejected=retry_rejected,
    )
    return [*late, *delivered]

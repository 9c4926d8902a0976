"""A stakeholder's personal page: what it shows, and the answers given on it.

    page = open_page(built, token)        # None: no such page (wrong, altered, expired...)
    answer_on_page(built, page, "DECLINED", "On mission that week")
    propose_on_page(built, page, start, "Any morning suits us")

The token (consult.answers.tokens) names one meeting and one invitee. An answer
goes into the store exactly as a calendar reply does (`Store.record_answers`,
to the meeting's current SEQUENCE): the attendee's answer is the latest one
recorded, whichever way it came, so a page answer and a calendar reply never
count twice, and quorum, the round's status and the desk's audit log (the
replies' history) see it alike. A proposed time is recorded as an iTIP COUNTER
is (`record_counters`), for the coordinator to accept or decline on the desk;
it must be one of the free times offered, which keep every planning rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from consult.answers.tokens import PageToken, page_secret, read_token
from consult.application.references import RoundRef, TrainingRef, training_ref
from consult.application.services import Services
from consult.errors import ConsultError
from consult.mail.attendee_requests import CounterLine, record_counters
from consult.mail.invitations import language_of, place_for
from consult.mail.render import local_when, meeting_purpose
from consult.planning import changes
from consult.planning.problem import fetch_round_feeds
from consult.store.meetings import Answer
from consult.store.proposals import Counter
from consult.workspace.links import meeting_location
from schemas import Language
from schemas.state import Attendee, Meeting

if TYPE_CHECKING:
    from consult.planning.feeds import FeedResult

Feeds = Mapping[str, "FeedResult"]
"""A round's busy-time feeds, by feed URL."""
PAGE_SOURCE = "personal page"
"""How an answer or a counter-proposal from a personal page names where it came from."""
OPEN = ("proposed", "confirmed")
"""The meetings whose page still takes an answer: not cancelled, not held."""
PageAnswer = Literal["ACCEPTED", "DECLINED"]


@dataclass(frozen=True)
class PersonalPage:
    """One invitee's page of one meeting, as they read it: their language, their zone."""

    token: PageToken
    token_text: str
    """The token as given: the page's address is `/i/<token_text>`."""
    meeting: Meeting
    attendee: Attendee
    training: TrainingRef
    language: Language
    moment: dt.datetime
    """When the page is read: a meeting that has started by then takes no more answers."""

    @property
    def round(self) -> RoundRef:
        """Return the meeting's round."""
        return RoundRef(self.training, self.meeting.round)

    @property
    def planned(self) -> str:
        """Return the meeting's id in its round's plan."""
        return self.meeting.id.rsplit("/", 1)[-1]

    @property
    def open(self) -> bool:
        """Return whether the page still takes an answer: the meeting is planned and to come."""
        return self.meeting.status in OPEN and self.meeting.start > self.moment

    @property
    def consulted(self) -> bool:
        """Return whether the reader is among those consulted (not a facilitator who chairs):
        only they send written input, which becomes their organisation's observations."""
        return self.attendee.role != "CHAIR"

    def when(self, start: dt.datetime | None = None) -> str:
        """Return the meeting's time (or the same length from `start`) in the reader's words."""
        begin = start or self.meeting.start
        end = begin + (self.meeting.end - self.meeting.start)
        return local_when(begin, end, self.attendee.timezone, self.language)

    def organisation(self, built: Services) -> str:
        """Return the name of the meeting's organisation, in the reader's language."""
        found = built.workspace.stakeholders.organisation(self.meeting.organisation)
        return found.name.get(self.language)

    def title(self) -> str:
        """Return the training's title, in the reader's language."""
        return self.training.training.title.get(self.language)

    def purpose(self) -> str:
        """Return what the meeting is for, in the reader's language."""
        return meeting_purpose(self.training.training, self.language)

    def link(self) -> str | None:
        """Return the online meeting's https link, if it has one."""
        located = meeting_location(self.training.training, self.meeting)
        return located if located and located.startswith("https://") else None

    def place(self) -> str | None:
        """Return where an in-person meeting is held, in the reader's language where given."""
        return place_for(self.training.training, self.meeting, self.language)

    def themes(self) -> list[tuple[str, str]]:
        """Return the training's themes, each (id, label in the reader's language)."""
        return [(t.id, t.label.get(self.language)) for t in self.training.training.themes]


def open_page(built: Services, token: str) -> PersonalPage | None:
    """Return the page the token opens; None for a wrong, altered or expired token alike.

    A token of a meeting no longer stored, or of someone it no longer invites, opens
    nothing either: every refusal looks the same to whoever holds the token.
    """
    read = read_token(page_secret(built.settings), token, built.now().date())
    if read is None:
        return None
    meeting = built.store.get_meeting(read.meeting_id)
    if meeting is None:
        return None
    attendee = next(
        (a for a in built.store.attendees(meeting.id) if a.email.lower() == read.email), None
    )
    if attendee is None:
        return None
    try:
        training = training_ref(built.workspace, meeting.training)
    except ConsultError:
        return None
    return PersonalPage(
        read, token, meeting, attendee, training, language_of(attendee), built.now()
    )


def _source(now: dt.datetime) -> str:
    """Return the source of an answer given now: each page answer is one of its own."""
    return f"{PAGE_SOURCE} {now.astimezone(dt.UTC).isoformat()}"


def answer_on_page(built: Services, page: PersonalPage, partstat: PageAnswer, comment: str) -> bool:
    """Return whether the answer is recorded, as a calendar reply to the current SEQUENCE is.

    It becomes the attendee's answer (the latest recorded wins, whichever way it came).
    """
    now = built.now()
    answer = Answer(
        page.attendee.email, partstat, page.meeting.sequence, _source(now), comment.strip() or None
    )
    done = built.store.record_answers([(page.meeting.uid, answer)], received_at=now)
    return bool(done and done[0].new)


def offered_times(
    built: Services, page: PersonalPage, feeds: Feeds | None = None, count: int = 5
) -> list[dt.datetime]:
    """Return the starts (UTC) the meeting could move to keeping every rule; none when closed.

    `feeds` are the round's busy-time feeds fetched a moment ago (the pages keep them a
    while); without them they are fetched now, as the desk's move form does.
    """
    if not page.open:
        return []
    if feeds is None:
        feeds = round_feeds(built, page)
    return changes.free_times(
        built.workspace,
        built.store,
        page.meeting,
        feeds,
        now=built.now(),
        lead_working_days=built.settings.lead_working_days,
        count=count,
    )


def round_feeds(built: Services, page: PersonalPage) -> Feeds:
    """Return the busy-time feeds of the page's round, fetched now (or read from their cache)."""
    return fetch_round_feeds(
        built.workspace, page.training.slug, page.meeting.round, cache_dir=built.settings.feed_cache
    )


def propose_on_page(built: Services, page: PersonalPage, start: dt.datetime, comment: str) -> str:
    """Return what became of the proposed time, recorded as an iTIP COUNTER is.

    `start` must be one of `offered_times`: the endpoint checks it against them.
    """
    now = built.now()
    line = CounterLine(
        uid=page.meeting.uid,
        sequence=page.meeting.sequence,
        proposer=page.attendee.email.lower(),
        start=start,
        end=start + (page.meeting.end - page.meeting.start),
        comment=comment.strip(),
        stamp=now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"),
    )
    return record_counters(built.store, [(_source(now), line)])[0]


def pending_counter(built: Services, page: PersonalPage) -> Counter | None:
    """Return the reader's latest proposed time still waiting for the coordinator, if any."""
    waiting = [
        c
        for c in built.store.counters(page.meeting.id)
        if c.meeting_id == page.meeting.id
        and c.state == "pending"
        and c.proposer.lower() == page.token.email
    ]
    return waiting[-1] if waiting else None

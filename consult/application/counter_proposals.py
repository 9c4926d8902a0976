"""Counter-proposals end to end: read from the inbox, reviewed against the rules, decided.

An attendee's "propose a new time" (iTIP COUNTER) is recorded by
`read_inbox_requests`, which also answers REFRESH requests with the current
invitation. `review_counters` shows each one waiting with the planning rules
its time breaks (none: it keeps every rule). `decide_counter` applies the
coordinator's decision: accepting moves the meeting through the same
rule-checked reschedule as `consult reschedule` and sends everyone the update;
declining sends the proposer a DECLINECOUNTER. It wires planning and mail,
which do not know each other, so it sits above them, in the application layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from consult.application.references import RoundRef, TrainingRef
from consult.application.send import send_round
from consult.application.services import Services
from consult.errors import PlanningError
from consult.mail.attendee_requests import (
    answer_refreshes,
    read_asks,
    record_counters,
    send_declinecounter,
)
from consult.mail.delivery import Delivered
from consult.mail.replies import Ask, read_inbox
from consult.planning.changes import check_time, find_meeting, move
from consult.planning.problem import fetch_round_feeds
from consult.store.proposals import Counter
from schemas.state import Meeting

if TYPE_CHECKING:
    from consult.planning.feeds import FeedResult


@dataclass(frozen=True)
class InboxRequests:
    """What reading the inbox's COUNTERs and REFRESHes did: outcomes, answers, bad files."""

    outcomes: list[str]
    refreshed: list[Delivered]
    problems: list[str]
    sources: set[str]


@dataclass(frozen=True)
class CounterReview:
    """A counter-proposal waiting for a decision, and the rules its time breaks."""

    counter: Counter
    meeting: Meeting
    breaches: list[str]


def read_inbox_requests(built: Services, asks: Sequence[Ask] | None = None) -> InboxRequests:
    """Return what became of the counter-proposals and refresh requests of inbox/, or of `asks`.

    `asks` are the COUNTER and REFRESH calendars the inbox and the IMAP mailbox held
    (`InboxRead.asks`), taken out of the messages when they were read; without them
    the inbox/ folder is read. Each counter-proposal is recorded once; each REFRESH is
    answered with the meeting's current REQUEST, once per SEQUENCE.
    """
    found = read_asks(read_inbox(built.settings.inbox).asks if asks is None else asks)
    outcomes = record_counters(built.store, found.counters)
    refreshed = answer_refreshes(
        built.workspace,
        built.store,
        built.transport,
        built.sender(),
        found.refreshes,
        built.now(),
    )
    return InboxRequests(outcomes, refreshed, found.problems, found.sources)


def review_counters(built: Services, training: TrainingRef) -> list[CounterReview]:
    """Return the training's counter-proposals waiting for a decision, each checked."""
    feeds: dict[str, dict[str, FeedResult]] = {}
    reviews = []
    now = built.now()
    for counter in built.store.counters(f"{training.slug}/"):
        meeting = built.store.get_meeting(counter.meeting_id)
        if counter.state != "pending" or meeting is None:
            continue
        if meeting.round not in feeds:
            feeds[meeting.round] = fetch_round_feeds(
                built.workspace, training.slug, meeting.round, cache_dir=built.settings.feed_cache
            )
        breaches = check_time(
            built.workspace,
            built.store,
            meeting,
            counter.start,
            feeds[meeting.round],
            now=now,
            lead_working_days=built.settings.lead_working_days,
        )
        reviews.append(CounterReview(counter, meeting, breaches))
    return reviews


def meeting_counters(
    built: Services, round_: RoundRef, planned: str
) -> tuple[Meeting, list[CounterReview]]:
    """Return the round's meeting planned as `planned` and its waiting counter-proposals, checked.

    Raises PlanningError naming the round's meetings when there is no such meeting.
    """
    meeting = find_meeting(built.store, round_.slug, round_.id, planned)
    reviews = [r for r in review_counters(built, round_.training) if r.meeting.id == meeting.id]
    return meeting, reviews


def decide_counter(
    built: Services,
    round_: RoundRef,
    planned: str,
    *,
    accept: bool,
    by: str,
    comment: str = "",
) -> list[Delivered]:
    """Return the delivery the decision on the meeting's latest waiting counter-proposal calls for.

    Accepting moves the meeting to the proposed start (its length kept) if that
    keeps every planning rule, else raises RuleBroken and records nothing; the
    update goes to every attendee. Declining sends the proposer a DECLINECOUNTER.
    """
    now = built.now()
    meeting = find_meeting(built.store, round_.slug, round_.id, planned)
    waiting = [
        c
        for c in built.store.counters(meeting.id)
        if c.meeting_id == meeting.id and c.state == "pending"
    ]
    if not waiting:
        raise PlanningError(f"{meeting.id}: no counter-proposal is waiting for a decision")
    counter = waiting[-1]
    detail = {"comment": comment} if comment else {}
    if accept:
        move(
            built.workspace,
            built.store,
            meeting,
            counter.start,
            by,
            now,
            feeds=fetch_round_feeds(
                built.workspace, round_.slug, round_.id, cache_dir=built.settings.feed_cache
            ),
            lead_working_days=built.settings.lead_working_days,
        )
        built.store.decide_counter(meeting.id, counter.key, True, by, detail)
        return send_round(built, round_, meetings={meeting.id})
    built.store.decide_counter(meeting.id, counter.key, False, by, detail)
    return send_declinecounter(
        built.mailing(round_.training), built.store, built.transport, meeting, counter, comment
    )


def review_lines(reviews: list[CounterReview], training: TrainingRef) -> list[str]:
    """Return one paragraph per counter-proposal: who, which time, and the rules it breaks."""
    zone, timezone = training.zone, training.timezone
    lines = []
    for review in reviews:
        c = review.counter
        head = (
            f"{c.meeting_id}: {c.proposer} proposes {c.start.astimezone(zone):%a %Y-%m-%d %H:%M}-"
            f"{c.end.astimezone(zone):%H:%M} {timezone} (now "
            f"{review.meeting.start.astimezone(zone):%a %Y-%m-%d %H:%M})"
        )
        if c.comment:
            head += f': "{c.comment}"'
        lines.append(head)
        if review.breaches:
            lines += [f"  breaks: {breach}" for breach in review.breaches]
        else:
            lines.append("  keeps every planning rule")
    return lines

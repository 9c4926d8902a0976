"""Replies: the calendar answers of inbox/ and the IMAP mailbox recorded, and who answered.

Reading them also records the counter-proposals and answers the REFRESH
requests among them (`consult.application.counter_proposals`), and lists the
counter-proposals waiting for a decision.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from consult.application.counter_proposals import (
    CounterReview,
    InboxRequests,
    read_inbox_requests,
    review_counters,
)
from consult.application.references import RoundRef
from consult.application.services import Services
from consult.mail.imap import read_imap
from consult.mail.notices import record_inbox
from consult.mail.replies import InboxRead, RepliesReport, StatusRow, read_inbox, round_status


@dataclass(frozen=True)
class RecordedReplies:
    """What recording a round's replies did, and where the round stands after it."""

    report: RepliesReport
    requests: InboxRequests
    reviews: list[CounterReview]
    status: list[StatusRow]
    unread: list[str]
    """The files and messages that held no answer, each with why (a COUNTER or REFRESH is read)."""


def read_replies(built: Services, skip: Collection[str] = ()) -> InboxRead:
    """Return the answers in the workspace's inbox/ folder and, if set, the IMAP mailbox.

    The mailbox's messages whose URL is in `skip` (recorded before as no answer) are not read.
    """
    read = read_inbox(built.settings.inbox)
    if built.mailbox is None:
        return read
    remote = read_imap(built.mailbox, skip=skip)
    return InboxRead(
        found=read.found + remote.found,
        problems=read.problems + remote.problems,
        notices=read.notices + remote.notices,
        unreadable=read.unreadable + remote.unreadable,
        asks=read.asks + remote.asks,
    )


def record_answers(built: Services) -> RepliesReport:
    """Return what became of the answers, bounces and automatic replies read, each recorded once.

    What the daily run does before it reminds, so that nobody who answered is nudged and no
    reminder goes to an address that bounced. Counter-proposals and REFRESH requests wait
    for `record_replies` (`consult replies`), which shows them to the coordinator.
    """
    return record_inbox(built.store, read_replies(built, skip=built.store.inbound_sources()))


def record_replies(built: Services, round_: RoundRef) -> RecordedReplies:
    """Return what became of every answer, counter-proposal and REFRESH read, each recorded once."""
    read = read_replies(built, skip=built.store.inbound_sources())
    report = record_inbox(built.store, read)
    requests = read_inbox_requests(built, read.asks)
    reviews = review_counters(built, round_.training)
    status = round_status(built.workspace, built.store, round_.slug, round_.id)
    # a COUNTER or REFRESH is no REPLY, but no problem either: read_inbox_requests read it
    unread = [p for p in read.problems if p.split(": ", 1)[0] not in requests.sources]
    return RecordedReplies(report, requests, reviews, status, unread)

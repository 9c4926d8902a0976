"""Date polls in the store, on SQLite and PostgreSQL: options, one current vote, the pick."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from consult.errors import PollError
from consult.store import Proposal, Store, open_store
from consult.store.tables import poll_votes
from schemas.state import Attendee

MEETING = "winter-2027/round-1/mia"
DAY = dt.datetime(2027, 1, 12, 6, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
OPTIONS = tuple((DAY + dt.timedelta(days=n), DAY + dt.timedelta(days=n) + HOUR) for n in range(3))
DEADLINE = dt.datetime(2027, 1, 8, tzinfo=dt.UTC)
NINO = "nino@mia.example.gov.ge"


def proposal(options: tuple[tuple[dt.datetime, dt.datetime], ...] = OPTIONS) -> Proposal:
    invitee = Attendee(
        meeting_id=MEETING,
        email=NINO,
        name="ნინო ბერიძე",
        role="REQ-PARTICIPANT",
        organisation="mia",
        language="ka",
        timezone="Asia/Tbilisi",
    )
    start, end = options[0]
    return Proposal(
        MEETING, "winter-2027", "round-1", "mia", "online", start, end, None, ("lela",),
        (invitee,), options, DEADLINE,
    )  # fmt: skip


@pytest.fixture
def store(empty_store_url: str) -> Iterator[Store]:
    """A store on both databases with a poll meeting proposed and approved."""
    with open_store(empty_store_url) as opened:
        opened.propose_round("winter-2027", "round-1", [proposal()], [], "test", {})
        opened.decide_round("winter-2027", "round-1", approve=True, actor="test")
        yield opened


def test_a_proposed_poll_keeps_its_options_by_start_and_its_deadline(store: Store) -> None:
    poll = store.poll(MEETING)
    assert poll is not None
    assert [(o.option, o.start, o.end) for o in poll.options] == [
        (n, s, e) for n, (s, e) in enumerate(OPTIONS, 1)
    ]
    assert (poll.deadline, poll.open) == (DEADLINE, True)


def test_one_current_vote_per_invitee_and_option_the_later_replacing(
    store: Store, empty_store_url: str
) -> None:
    store.record_votes(MEETING, NINO, {1: "yes", 2: "no"}, "page", NINO)
    poll = store.record_votes(MEETING, NINO.upper(), {2: "if_need_be"}, "cli", "coordinator")
    assert poll.votes == {NINO: {1: "yes", 2: "if_need_be"}}
    engine = sa.create_engine(empty_store_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.select(poll_votes.c.option, poll_votes.c.via)).all()
    finally:
        engine.dispose()
    assert sorted(rows) == [(1, "page"), (2, "cli")]
    voted = [e.detail for e in store.audit_log(MEETING) if e.action == "poll.voted"]
    assert voted[1]["replaced"] == {"2": "no"}


def test_the_pick_gives_the_meeting_its_time_without_raising_its_sequence(store: Store) -> None:
    poll, meeting = store.pick_option(MEETING, 3, "Nino", {"reason": "picked"})
    assert (poll.picked, poll.picked_by) == (3, "Nino")
    assert (meeting.start, meeting.end, meeting.sequence) == (*OPTIONS[2], 0)
    with pytest.raises(PollError, match="picked already"):
        store.pick_option(MEETING, 1, "Levan", {})
    with pytest.raises(PollError, match="the poll is closed"):
        store.record_votes(MEETING, NINO, {1: "yes"}, "page", NINO)
    store.propose_round(
        "winter-2027", "round-1", [proposal(OPTIONS[1:] + OPTIONS[:1])], [], "t", {}
    )
    assert store.poll(MEETING) == poll  # a picked poll is not opened again


def test_planned_again_the_same_times_keep_their_votes_and_new_times_drop_them(
    store: Store,
) -> None:
    store.record_votes(MEETING, NINO, {1: "yes"}, "page", NINO)
    store.propose_round("winter-2027", "round-1", [proposal()], [], "test", {})
    assert store.poll(MEETING).votes == {NINO: {1: "yes"}}  # type: ignore[union-attr]
    later = tuple((s + dt.timedelta(days=7), e + dt.timedelta(days=7)) for s, e in OPTIONS)
    store.propose_round("winter-2027", "round-1", [proposal(later)], [], "test", {})
    poll = store.poll(MEETING)
    assert poll is not None
    assert (poll.votes, poll.options[0].start) == ({}, later[0][0])
    opened = [e.detail for e in store.audit_log(MEETING) if e.action == "poll.opened"]
    assert [d["votes_dropped"] for d in opened] == [False, True]

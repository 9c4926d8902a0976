"""Date polls end to end: planned with 3 times that keep every rule, voted on, picked, invited."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from consult.answers.tokens import PageLinks
from consult.application.polls import close_due_polls, pick, poll_of, record_vote
from consult.application.services import Services
from consult.bootstrap import assemble
from consult.errors import PlanningError, PollError
from consult.mail.invitations import send_round
from consult.mail.mailing import mailing, round_mailing
from consult.mail.reminders import send_due
from consult.mail.sender import choose_sender
from consult.mail.transports.outbox import FileOutbox
from consult.planning.changes import check_time, reschedule
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT
from tests.polls import ANNA, IVAN, MEETING, NINO, ROUND, SLUG, planned_poll


@pytest.fixture
def polled(write_workspace: Callable[..., Path]) -> Iterator[Services]:
    """A round of one meeting planned as a poll, approved, dated from today (the store's clock)."""
    root = planned_poll(write_workspace)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        yield assemble(settings, load_workspace(root), store)


def send(built: Services, now: dt.datetime | None = None) -> list[tuple[str, str, str]]:
    mail = round_mailing(
        built.workspace, SLUG, ROUND, choose_sender(built.settings), now or built.now()
    )
    report = send_round(mail, built.store, FileOutbox(built.settings.outbox))
    return sorted((d.recipient, d.kind, d.outcome) for d in report)


def outbox(built: Services, kind: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(built.settings.outbox.glob(f"*.{kind}.*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        found.append(message)
    return found


def text_to(built: Services, kind: str, to: str) -> str:
    [message] = [m for m in outbox(built, kind) if to in str(m["To"])]
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_poll_meeting_is_planned_with_three_times_on_three_days_that_keep_every_rule(
    polled: Services,
) -> None:
    poll = poll_of(polled, MEETING)
    assert len(poll.options) == 3
    assert len({o.start.date() for o in poll.options}) == 3
    assert poll.meeting.start == poll.options[0].start
    for option in poll.options:
        rules = check_time(
            polled.workspace, polled.store, poll.meeting, option.start, {}, now=PLANNED_AT
        )
        assert rules == []
    assert sorted(a.email for a in poll.invitees) == [ANNA, IVAN, NINO]
    assert [e.action for e in polled.store.audit_log(MEETING)] == ["poll.opened"]


def test_the_poll_message_goes_once_to_each_invitee_in_their_language_without_a_calendar(
    polled: Services,
) -> None:
    assert send(polled) == [(a, "poll", "sent") for a in (ANNA, IVAN, NINO)]
    assert send(polled) == [(a, "poll", "already sent") for a in (ANNA, IVAN, NINO)]
    assert outbox(polled, "invitation") == []
    messages = outbox(polled, "poll")
    assert len(messages) == 3
    for message in messages:
        assert [p for p in message.walk() if p.get_content_type() == "text/calendar"] == []
    poll = poll_of(polled, MEETING)
    london = poll.options[0].start.astimezone(dt.timezone(dt.timedelta(0)))
    english = text_to(polled, "poll", ANNA)
    assert "which of these times suit you" in english
    assert f"{london:%H:%M}" in english
    assert "reply to this email" in english  # no personal page yet: answer by email
    [russian] = [m for m in messages if IVAN in str(m["To"])]
    assert str(russian["Subject"]).startswith("Выберите время")
    assert "დიახ" in text_to(polled, "poll", NINO)


def test_a_later_vote_replaces_the_earlier_and_each_is_audited(polled: Services) -> None:
    record_vote(polled, MEETING, NINO, {1: "yes", 2: "no", 3: "no"}, via="cli", by="coordinator")
    poll = record_vote(polled, MEETING, NINO.upper(), {"2": "if need be"})
    assert poll.votes[NINO] == {1: "yes", 2: "if_need_be", 3: "no"}
    voted = [e for e in polled.store.audit_log(MEETING) if e.action == "poll.voted"]
    assert [(e.actor, e.detail["via"]) for e in voted] == [("coordinator", "cli"), (NINO, "page")]
    assert voted[1].detail["replaced"] == {"2": "no"}


@pytest.mark.parametrize(
    ("email", "votes", "message"),
    [
        ("nobody@example.org", {1: "yes"}, "email: got 'nobody@example.org', expected an invitee"),
        (NINO, {7: "yes"}, "option: got 7, expected one of 1, 2, 3"),
        (NINO, {1: "perhaps"}, "option 1: got 'perhaps', expected one of yes, if_need_be, no"),
        (NINO, {"first": "yes"}, "option: got 'first', expected an option's number"),
    ],
)
def test_a_vote_that_cannot_be_taken_says_which_field_and_value_and_stores_nothing(
    polled: Services, email: str, votes: dict[object, str], message: str
) -> None:
    with pytest.raises(PollError, match=message):
        record_vote(polled, MEETING, email, votes)  # type: ignore[arg-type]
    assert poll_of(polled, MEETING).votes == {}


def test_the_pick_makes_it_a_confirmed_meeting_and_its_invitation_goes_out_once(
    polled: Services,
) -> None:
    send(polled)
    picked = pick(polled, MEETING, 2, by="Nino")
    option = poll_of(polled, MEETING).options[1]
    assert (picked.meeting.start, picked.meeting.sequence) == (option.start, 0)
    assert picked.meeting.status == "confirmed"
    assert sorted((d.recipient, d.kind, d.outcome) for d in picked.report) == [
        (a, "invitation", "sent") for a in (ANNA, IVAN, "lela@example.org", NINO)
    ]
    assert {outcome for _, _, outcome in send(polled)} == {"already sent"}
    [message] = [m for m in outbox(polled, "invitation") if NINO in str(m["To"])]
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert b"METHOD:REQUEST" in part.get_payload(decode=True)
    with pytest.raises(PollError, match=r"picked already \(option 2, by Nino\)"):
        pick(polled, MEETING, 1, by="Levan")
    with pytest.raises(PollError, match="the poll is closed"):
        record_vote(polled, MEETING, NINO, {1: "yes"})
    assert [e.action for e in polled.store.audit_log(MEETING)][-1] == "poll.picked"


def test_at_the_deadline_the_round_picks_the_most_yes_then_if_need_be_once(
    polled: Services,
) -> None:
    record_vote(polled, MEETING, NINO, {1: "no", 2: "yes", 3: "yes"})
    record_vote(polled, MEETING, ANNA, {1: "yes", 2: "if_need_be", 3: "yes"})
    record_vote(polled, MEETING, IVAN, {1: "yes", 2: "yes", 3: "if_need_be"})
    poll = poll_of(polled, MEETING)
    assert close_due_polls(polled, poll.deadline - dt.timedelta(minutes=1)) == []
    [picked] = close_due_polls(polled, poll.deadline)
    # 1 has two yes; 2 and 3 have two yes and one "if need be" each: the earlier of them
    assert picked.option == 2
    assert poll_of(polled, MEETING).picked_by == "deadline"
    assert close_due_polls(polled, poll.deadline + dt.timedelta(days=1)) == []


def test_those_who_have_not_voted_are_nudged_once(polled: Services) -> None:
    send(polled)
    record_vote(polled, MEETING, ANNA, {1: "yes"})
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=4)
    mail = mailing(polled.workspace, SLUG, choose_sender(polled.settings), later)
    outbox_ = FileOutbox(polled.settings.outbox)
    first = send_due(mail, polled.store, outbox_)
    assert sorted((d.recipient, d.kind, d.outcome) for d in first) == [
        (IVAN, "poll_nudge", "sent"),
        (NINO, "poll_nudge", "sent"),
    ]
    again = send_due(mail, polled.store, outbox_)
    assert {d.outcome for d in again} == {"already sent"}
    assert "not yet received your answer" in text_to(polled, "poll_nudge", IVAN).replace(
        "\n", " "
    ) or "пока не получили ответа" in text_to(polled, "poll_nudge", IVAN)


def test_given_the_personal_pages_the_poll_message_links_to_the_recipients_own(
    polled: Services,
) -> None:
    links = PageLinks("https://consult.example.org", "a secret for the test")
    mail = dataclasses.replace(
        round_mailing(polled.workspace, SLUG, ROUND, choose_sender(polled.settings), polled.now()),
        links=links,
    )
    send_round(mail, polled.store, FileOutbox(polled.settings.outbox))
    page = links.url(MEETING, ANNA, polled.workspace.training(SLUG).end)
    english = text_to(polled, "poll", ANNA)
    assert f"on your page:\r\n{page}" in english
    assert "reply to this email, saying" not in english
    [html] = [m for m in outbox(polled, "poll") if ANNA in str(m["To"])]
    body = html.get_body(("html",))
    assert body is not None
    assert f'href="{page}"' in str(body.get_content())


def test_a_poll_waiting_for_its_pick_is_not_moved_but_picked(polled: Services) -> None:
    poll = poll_of(polled, MEETING)
    with pytest.raises(PlanningError, match="is a date poll waiting for its pick"):
        reschedule(polled.store, poll.meeting, poll.options[2].start, "Nino", polled.now())
    assert poll_of(polled, MEETING).meeting.start == poll.options[0].start

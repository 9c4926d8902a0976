"""After the invitations: moving and cancelling meetings, reminders, nudges, notes missing."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import icalendar
import pytest
import sqlalchemy as sa

from consult.demo import shift_dates
from consult.errors import PlanningError
from consult.mail.delivery import deliver
from consult.mail.invitations import send_round
from consult.mail.mailing import mailing, round_mailing
from consult.mail.mime import RawMessage, as_email
from consult.mail.reminders import due_messages, started_reminders
from consult.mail.sender import choose_sender
from consult.mail.transports.outbox import FileOutbox
from consult.planning.changes import cancel, find_meeting, reschedule
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import Store, open_store
from consult.store.tables import messages
from consult.workspace.loading import Workspace, load_workspace
from tests.conftest import PLANNED_AT, TINY_TRAINING

SLUG, ROUND = "winter-2027", "round-1"
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def invited(
    write_workspace: Callable[..., Path],
) -> Iterator[tuple[Workspace, Settings, Store]]:
    """A tiny round planned, approved and invited (file outbox), with a coordinator."""
    # dated from today, the round three weeks on: reminders and nudges follow the clock
    # that the store stamps messages with
    training = shift_dates(TINY_TRAINING, dt.date.today() + dt.timedelta(weeks=3)).replace(
        "briefing:\n", "briefing:\n  coordinator_email: c@example.org\n"
    )
    root = write_workspace(trainings={SLUG: training})
    workspace, settings = load_workspace(root), Settings(workspace=root)
    with open_store(settings.store_url) as store:
        save_plan(store, plan_round(workspace, SLUG, ROUND, {}, [], now=PLANNED_AT), "test")
        store.decide_round(SLUG, ROUND, approve=True, actor="test")
        send_round(
            round_mailing(workspace, SLUG, ROUND, choose_sender(settings), NOW),
            store,
            FileOutbox(settings.outbox),
        )
        yield workspace, settings, store


def calendars(settings: Settings, kind: str) -> list[icalendar.Calendar]:
    found = []
    for path in sorted(settings.outbox.glob(f"*.{kind}.*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                found.append(icalendar.Calendar.from_ical(part.get_payload(decode=True)))
    return found


def test_moving_an_announced_meeting_sends_an_update_with_a_higher_sequence(
    invited: tuple[Workspace, Settings, Store],
) -> None:
    workspace, settings, store = invited
    meeting = find_meeting(store, SLUG, ROUND, "mia")
    moved = reschedule(store, meeting, meeting.start + dt.timedelta(days=1), "Nino", NOW)
    report = send_round(
        round_mailing(workspace, SLUG, ROUND, choose_sender(settings), NOW),
        store,
        FileOutbox(settings.outbox),
    )
    assert (moved.sequence, moved.uid) == (meeting.sequence + 1, meeting.uid)
    assert sorted((d.kind, d.outcome) for d in report) == [("update", "sent")] * 2
    [update, _] = calendars(settings, "update")
    [event] = update.walk("VEVENT")
    assert (update["METHOD"], event["SEQUENCE"], str(event["UID"])) == ("REQUEST", 1, meeting.uid)
    assert [e.action for e in store.audit_log(meeting.id)][-1] == "meeting.rescheduled"


def test_cancelling_an_announced_meeting_sends_cancel_with_the_same_uid(
    invited: tuple[Workspace, Settings, Store],
) -> None:
    workspace, settings, store = invited
    meeting = find_meeting(store, SLUG, ROUND, "mia")
    cancel(store, meeting, "Nino")
    report = send_round(
        round_mailing(workspace, SLUG, ROUND, choose_sender(settings), NOW),
        store,
        FileOutbox(settings.outbox),
    )
    assert {(d.kind, d.outcome) for d in report} == {("cancellation", "sent")}
    [calendar, _] = calendars(settings, "cancellation")
    [event] = calendar.walk("VEVENT")
    assert (calendar["METHOD"], event["STATUS"], str(event["UID"])) == (
        "CANCEL",
        "CANCELLED",
        meeting.uid,
    )
    assert event["SEQUENCE"] == meeting.sequence + 1


def test_a_meeting_cannot_move_into_the_past_or_be_found_under_a_wrong_id(
    invited: tuple[Workspace, Settings, Store],
) -> None:
    _, _, store = invited
    meeting = find_meeting(store, SLUG, ROUND, "mia")
    with pytest.raises(PlanningError, match="expected a future time"):
        reschedule(store, meeting, NOW - dt.timedelta(days=1), "Nino", NOW)
    with pytest.raises(PlanningError) as caught:
        find_meeting(store, SLUG, ROUND, "moj")
    assert str(caught.value) == "winter-2027/round-1: got meeting 'moj', expected one of: mia"


def test_a_reminder_goes_to_everyone_who_has_not_declined_once(
    invited: tuple[Workspace, Settings, Store],
) -> None:
    workspace, settings, store = invited
    meeting = find_meeting(store, SLUG, ROUND, "mia")
    store.record_reply(meeting.id, "lela@example.org", "DECLINED", meeting.sequence, "test")
    store.record_reply(meeting.id, "nino@mia.example.gov.ge", "ACCEPTED", meeting.sequence, "t")
    day_before = meeting.start - dt.timedelta(days=1)

    def remind() -> list[tuple[str, str, str]]:
        report = deliver(
            store,
            FileOutbox(settings.outbox),
            due_messages(mailing(workspace, SLUG, choose_sender(settings), day_before), store),
            domain=settings.mail_domain,
        )
        return sorted((d.recipient, d.kind, d.outcome) for d in report if d.kind == "reminder")

    assert remind() == [("nino@mia.example.gov.ge", "reminder", "sent")]
    assert remind() == [("nino@mia.example.gov.ge", "reminder", "already sent")]


def test_a_nudge_goes_to_consulted_people_who_have_not_answered(
    invited: tuple[Workspace, Settings, Store],
) -> None:
    workspace, settings, store = invited
    later = NOW + dt.timedelta(days=4)
    due = list(due_messages(mailing(workspace, SLUG, choose_sender(settings), later), store))
    assert [(d.recipient, d.kind) for d in due] == [("nino@mia.example.gov.ge", "nudge")]
    meeting = find_meeting(store, SLUG, ROUND, "mia")
    store.record_reply(meeting.id, "nino@mia.example.gov.ge", "ACCEPTED", meeting.sequence, "t")
    assert list(due_messages(mailing(workspace, SLUG, choose_sender(settings), later), store)) == []


def texts(settings: Settings, kind: str, to: str) -> list[str]:
    """Return the plain text of each `kind` message to `to` in the outbox."""
    found = []
    for path in sorted(settings.outbox.glob(f"*.{kind}.*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if to not in str(message["To"]):
            continue
        body = message.get_body(("plain",))
        assert body is not None
        found.append(body.get_content())
    return found


def test_a_reminder_and_a_nudge_due_in_one_run_are_one_message(
    invited: tuple[Workspace, Settings, Store],
) -> None:
    workspace, settings, store = invited
    meeting = find_meeting(store, SLUG, ROUND, "mia")
    nino = "nino@mia.example.gov.ge"

    def run(at: dt.datetime) -> list[tuple[str, str]]:
        report = deliver(
            store,
            FileOutbox(settings.outbox),
            due_messages(mailing(workspace, SLUG, choose_sender(settings), at), store),
            domain=settings.mail_domain,
        )
        return sorted((d.kind, d.outcome) for d in report if d.recipient == nino)

    # Nino (Georgian) has not answered, the meeting is tomorrow: a nudge is due, and so is
    # a reminder. One message goes: the nudge, which says when the meeting takes place.
    day_before = meeting.start - dt.timedelta(days=1)
    assert run(day_before) == [("nudge", "sent")]
    [nudge] = texts(settings, "nudge", nino)
    assert "ხვალ" in nudge  # tomorrow
    assert "თქვენი პასუხი ჯერ არ მიგვიღია" in nudge  # we have not had your reply
    assert texts(settings, "reminder", nino) == []
    # the store stamps a send with the real clock; this run was the day before the meeting
    with store._engine.begin() as connection:
        connection.execute(
            sa.update(messages).where(messages.c.kind == "nudge").values(sent_at=day_before)
        )
    # The nudge stood for the reminder: once Nino accepts, no reminder follows it.
    store.record_reply(meeting.id, nino, "ACCEPTED", meeting.sequence, "inbox/nino.ics")
    assert run(meeting.start - dt.timedelta(hours=2)) == []
    assert texts(settings, "reminder", nino) == []
    started = meeting.start + dt.timedelta(minutes=5)
    late = started_reminders(mailing(workspace, SLUG, choose_sender(settings), started), store)
    assert [d.recipient for d in late if d.recipient == nino] == []


def test_a_nudge_sent_before_the_reminder_days_does_not_stop_the_reminder(
    invited: tuple[Workspace, Settings, Store],
) -> None:
    workspace, settings, store = invited
    meeting = find_meeting(store, SLUG, ROUND, "mia")

    def due(at: dt.datetime) -> list[tuple[str, str]]:
        mail = mailing(workspace, SLUG, choose_sender(settings), at)
        report = deliver(
            store, FileOutbox(settings.outbox), due_messages(mail, store), domain="x.org"
        )
        return [(d.kind, d.outcome) for d in report if d.recipient == "nino@mia.example.gov.ge"]

    assert due(NOW + dt.timedelta(days=4)) == [("nudge", "sent")]
    assert due(meeting.start - dt.timedelta(days=1)) == [("reminder", "sent")]


def test_the_coordinator_hears_the_day_after_a_meeting_without_notes(
    invited: tuple[Workspace, Settings, Store],
) -> None:
    workspace, settings, store = invited
    meeting = find_meeting(store, SLUG, ROUND, "mia")
    after = meeting.end + dt.timedelta(days=1, hours=1)
    due = list(due_messages(mailing(workspace, SLUG, choose_sender(settings), after), store))
    assert [(d.recipient, d.kind) for d in due] == [("c@example.org", "notes_missing")]
    built = due[0].build("<x@consult.local>")
    message = as_email(built) if isinstance(built, RawMessage) else built
    assert not [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    store.upsert_observation(
        "notes/mia.md#1",
        meeting_id=meeting.id,
        organisation="mia",
        kind="gap",
        theme="bias",
        severity=3,
        text="t",
        confidentiality="public",
    )
    assert list(due_messages(mailing(workspace, SLUG, choose_sender(settings), after), store)) == []


@pytest.mark.slow
def test_a_reply_to_the_sent_invitation_shows_in_the_round_status(
    invited: tuple[Workspace, Settings, Store],
) -> None:
    _, settings, store = invited
    meeting = find_meeting(store, SLUG, ROUND, "mia")
    reply = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Outlook//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{meeting.uid}\r\nSEQUENCE:{meeting.sequence}\r\n"
        "DTSTAMP:20261201T090000Z\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED;CN=Nino:MAILTO:Nino@MIA.example.gov.ge\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    settings.inbox.mkdir()
    (settings.inbox / "nino.ics").write_text(reply)
    result = subprocess.run(
        [sys.executable, "-m", "consult", "replies", SLUG, "--workspace", str(settings.workspace)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "recorded ACCEPTED" in result.stdout
    [nino] = [a for a in store.attendees(meeting.id) if a.email == "nino@mia.example.gov.ge"]
    assert nino.partstat == "ACCEPTED"

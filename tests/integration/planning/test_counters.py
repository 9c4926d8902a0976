"""Counter-proposals (iTIP COUNTER) and REFRESH: recorded once, checked, accepted or declined."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Callable, Iterator
from pathlib import Path

import icalendar
import pytest
import vobject

from consult.application.counter_proposals import (
    decide_counter,
    read_inbox_requests,
    review_counters,
)
from consult.application.references import RoundRef, TrainingRef, round_ref, training_ref
from consult.application.send import send_round
from consult.application.services import Services
from consult.bootstrap import assemble
from consult.errors import PlanningError, RuleBroken
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import Store, open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT

NOW = dt.datetime.now(dt.UTC)


def winter(built: Services) -> TrainingRef:
    """Return the tiny workspace's training."""
    return training_ref(built.workspace, "winter-2027")


def round_1(built: Services) -> RoundRef:
    """Return the tiny workspace's round."""
    return round_ref(built.workspace, "winter-2027", "round-1")


NINO = "nino@mia.example.gov.ge"
COUNTER = """\
BEGIN:VCALENDAR\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
VERSION:2.0\r
METHOD:COUNTER\r
BEGIN:VEVENT\r
DTSTART:{start}\r
DTEND:{end}\r
DTSTAMP:20261203T070000Z\r
ORGANIZER:mailto:consultations@example.org\r
UID:{uid}\r
ATTENDEE;CN=Nino;PARTSTAT=TENTATIVE:mailto:{who}\r
COMMENT:Tuesday suits us better\r
SEQUENCE:0\r
SUMMARY:Consultation\r
END:VEVENT\r
END:VCALENDAR\r
"""
TUESDAY = ("20261215T080000Z", "20261215T090000Z")  # 12:00-13:00 in Tbilisi
SATURDAY = ("20261219T180000Z", "20261219T190000Z")  # 22:00-23:00 in Tbilisi


@pytest.fixture
def invited(write_workspace: Callable[..., Path]) -> Iterator[Services]:
    """The tiny round planned, approved and invited through the file outbox."""
    root = write_workspace()
    with open_store(Settings(workspace=root).store_url) as store:
        yield invite(root, store)


def invite(root: Path, store: Store) -> Services:
    """Return the services of the tiny workspace at `root` once its round is invited."""
    settings = Settings(workspace=root)
    workspace = load_workspace(root)
    plan = plan_round(workspace, "winter-2027", "round-1", {}, [], now=PLANNED_AT)
    save_plan(store, plan, "test")
    store.decide_round("winter-2027", "round-1", approve=True, actor="test")
    built = assemble(settings, workspace, store, lambda: NOW)
    send_round(built, round_ref(workspace, "winter-2027"))
    return built


def propose(built: Services, times: tuple[str, str], name: str = "counter.ics") -> str:
    [meeting] = built.store.meetings("winter-2027", "round-1")
    built.settings.inbox.mkdir(parents=True, exist_ok=True)
    text = COUNTER.format(start=times[0], end=times[1], uid=meeting.uid, who=NINO)
    (built.settings.inbox / name).write_text(text, encoding="utf-8")
    return meeting.id


def calendars(built: Services, kind: str) -> list[bytes]:
    found = []
    for path in sorted(built.settings.outbox.glob(f"*.{kind}.*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                found.append(part.get_payload(decode=True))
    return found


def test_a_counter_proposal_is_recorded_once_however_often_the_inbox_is_read(
    invited: Services,
) -> None:
    propose(invited, TUESDAY)
    first = read_inbox_requests(invited)
    again = read_inbox_requests(invited)
    assert first.outcomes == [f"inbox/counter.ics: counter-proposal of {NINO}: recorded"]
    assert again.outcomes == [f"inbox/counter.ics: counter-proposal of {NINO}: already recorded"]
    [review] = review_counters(invited, winter(invited))
    assert (review.counter.proposer, review.counter.comment, review.breaches) == (
        NINO,
        "Tuesday suits us better",
        [],
    )


def test_a_counter_proposal_for_a_saturday_night_names_the_rules_it_breaks(
    invited: Services,
) -> None:
    propose(invited, SATURDAY)
    read_inbox_requests(invited)
    [review] = review_counters(invited, winter(invited))
    assert review.breaches == [
        "Lela Tsereteli (facilitator): Saturday is not a working day in Asia/Tbilisi",
        "ნინო ბერიძე (contact, mia): Saturday is not a working day in Asia/Tbilisi",
    ]
    with pytest.raises(RuleBroken):
        decide_counter(invited, round_1(invited), "mia", accept=True, by="Nino")
    [still] = review_counters(invited, winter(invited))
    assert still.counter.state == "pending"


def test_accepting_moves_the_meeting_and_sends_everyone_an_update_both_parsers_read(
    invited: Services,
) -> None:
    meeting_id = propose(invited, TUESDAY)
    read_inbox_requests(invited)
    report = decide_counter(invited, round_1(invited), "mia", accept=True, by="Nino")
    assert sorted((d.kind, d.outcome) for d in report) == [("update", "sent")] * 2
    moved = invited.store.get_meeting(meeting_id)
    assert moved is not None
    assert moved.start == dt.datetime(2026, 12, 15, 8, tzinfo=dt.UTC)
    for data in calendars(invited, "update"):
        [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
        assert event["DTSTART"].dt == moved.start
        parsed = vobject.readOne(data.decode())
        assert parsed.method.value == "REQUEST"
        assert parsed.vevent.dtstart.value == moved.start
    assert review_counters(invited, winter(invited)) == []
    actions = [e.action for e in invited.store.audit_log(meeting_id)]
    assert actions[-2:] == ["meeting.rescheduled", "counter.accepted"]


def test_declining_sends_the_proposer_a_declinecounter_both_parsers_read(
    invited: Services,
) -> None:
    meeting_id = propose(invited, TUESDAY)
    read_inbox_requests(invited)
    report = decide_counter(
        invited,
        round_1(invited),
        "mia",
        accept=False,
        by="Nino",
        comment="The ministry's room is taken on Tuesday.",
    )
    assert [(d.recipient, d.kind, d.outcome) for d in report] == [
        (NINO, "counter_declined", "sent")
    ]
    [data] = calendars(invited, "counter_declined")
    meeting = invited.store.get_meeting(meeting_id)
    assert meeting is not None
    calendar = icalendar.Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    assert (calendar["METHOD"], str(event["UID"]), str(event["ATTENDEE"])) == (
        "DECLINECOUNTER",
        meeting.uid,
        f"mailto:{NINO}",
    )
    parsed = vobject.readOne(data.decode())
    assert (parsed.method.value, parsed.vevent.uid.value) == ("DECLINECOUNTER", meeting.uid)
    assert parsed.vevent.comment.value == "The ministry's room is taken on Tuesday."
    [path] = invited.settings.outbox.glob("*.counter_declined.*.eml")
    body = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = body.get_body(preferencelist=("plain",))
    assert text is not None
    assert "გმადლობთ" in text.get_content()  # Nino reads Georgian
    with pytest.raises(PlanningError, match="no counter-proposal is waiting"):
        decide_counter(invited, round_1(invited), "mia", accept=False, by="N")


def test_declining_a_proposer_no_longer_invited_records_the_decline_and_sends_nothing(
    invited: Services,
) -> None:
    meeting_id = propose(invited, TUESDAY)
    read_inbox_requests(invited)
    others = [a for a in invited.store.attendees(meeting_id) if a.email != NINO]
    invited.store.set_attendees(meeting_id, others)  # Nino left the ministry since
    report = decide_counter(invited, round_1(invited), "mia", accept=False, by="Nino")
    assert report == []
    assert [c.state for c in invited.store.counters(meeting_id)] == ["declined"]
    assert list(invited.settings.outbox.glob("*.counter_declined.*.eml")) == []


def test_a_refresh_is_answered_with_the_current_request_to_that_attendee_once(
    invited: Services,
) -> None:
    [meeting] = invited.store.meetings("winter-2027", "round-1")
    refresh = (
        "BEGIN:VCALENDAR\r\nPRODID:-//test//EN\r\nVERSION:2.0\r\nMETHOD:REFRESH\r\n"
        f"BEGIN:VEVENT\r\nUID:{meeting.uid}\r\nDTSTAMP:20261203T070000Z\r\n"
        f"ORGANIZER:mailto:consultations@example.org\r\nATTENDEE:mailto:{NINO.upper()}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    invited.settings.inbox.mkdir(parents=True, exist_ok=True)
    (invited.settings.inbox / "refresh.ics").write_text(refresh, encoding="utf-8")
    first = read_inbox_requests(invited)
    again = read_inbox_requests(invited)
    assert [(d.recipient, d.kind, d.outcome) for d in first.refreshed] == [
        (NINO, "refresh", "sent")
    ]
    assert [d.outcome for d in again.refreshed] != ["sent"]
    [data] = calendars(invited, "refresh")
    calendar = icalendar.Calendar.from_ical(data)
    assert (calendar["METHOD"], str(calendar.walk("VEVENT")[0]["UID"])) == ("REQUEST", meeting.uid)

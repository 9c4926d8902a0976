"""A meeting without its quorum is flagged, with the free times that keep every rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from consult.planning.changes import change_problem
from consult.planning.plan import plan_round, save_plan
from consult.planning.problem import bookings
from consult.planning.quorum import at_risk, risk_line
from consult.planning.rules import check_slot
from consult.store import Store, open_store
from consult.store.tables import messages
from consult.workspace.loading import Workspace, load_workspace
from schemas.state import Meeting, PartStat
from tests.conftest import PLANNED_AT, TINY_STAKEHOLDERS, TINY_TRAINING

TBILISI = ZoneInfo("Asia/Tbilisi")
SLUG = "winter-2027"
NINO = "nino@mia.example.gov.ge"
TAMAR = "tamar@mia.example.gov.ge"
LELA = "lela@example.org"
STAKEHOLDERS = TINY_STAKEHOLDERS.replace(
    "  - id: coordinators\n",
    f"""\
      - name: თამარ გელაშვილი
        email: {TAMAR}
        role: Deputy head
        language: ka
        timezone: Asia/Tbilisi
  - id: coordinators
""",
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty state store in a SQLite file."""
    with open_store(f"sqlite:///{tmp_path / 'state.db'}") as opened:
        yield opened


def workspace_with(
    write_workspace: Callable[..., Path], training: str = TINY_TRAINING
) -> Workspace:
    return load_workspace(write_workspace(stakeholders=STAKEHOLDERS, trainings={SLUG: training}))


@pytest.fixture
def workspace(write_workspace: Callable[..., Path]) -> Workspace:
    """The tiny workspace, its ministry with two contacts: Nino and Tamar."""
    return workspace_with(write_workspace)


def planned(workspace: Workspace, store: Store, invited: bool = True) -> Meeting:
    """Return the round's one meeting, planned and approved (confirmed), and invited."""
    existing = store.meetings(SLUG, "round-1")
    booked = bookings(workspace, store)
    result = plan_round(workspace, SLUG, "round-1", {}, existing, now=PLANNED_AT, booked=booked)
    save_plan(store, result, "test")
    store.decide_round(SLUG, "round-1", approve=True, actor="test")
    [meeting] = store.meetings(SLUG, "round-1")
    assert meeting.status == "confirmed"
    if invited:
        invite(store, meeting)
    return meeting


def invite(store: Store, meeting: Meeting, at: dt.datetime = PLANNED_AT) -> None:
    """Record the meeting's invitations as sent to each attendee `at` (the day it was planned)."""
    for attendee in store.attendees(meeting.id):
        claimed = store.claim_message(meeting.id, attendee.email, meeting.sequence, "invitation")
        assert claimed is not None
        store.mark_sent(claimed.id, f"<{attendee.email}@test>")
    # the store stamps sends with the real clock; these tests run on the plan's calendar
    with store._engine.begin() as connection:
        connection.execute(
            sa.update(messages).where(messages.c.meeting_id == meeting.id).values(sent_at=at)
        )


def answer(store: Store, meeting: Meeting, email: str, partstat: PartStat) -> None:
    store.record_reply(meeting.id, email, partstat, meeting.sequence, f"inbox/{email}.ics")


def days_before(meeting: Meeting, days: int) -> dt.datetime:
    """Return 09:00 in Tbilisi `days` days before the meeting's day."""
    day = meeting.start.astimezone(TBILISI).date() - dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(9), TBILISI)


def no_feeds(round_id: str) -> dict[str, object]:
    return {}


def test_a_meeting_every_invitee_declined_is_flagged_with_free_times_that_keep_every_rule(
    workspace: Workspace, store: Store
) -> None:
    meeting = planned(workspace, store)
    answer(store, meeting, NINO, "DECLINED")
    answer(store, meeting, TAMAR, "DECLINED")
    now = days_before(meeting, 10)

    [risk] = at_risk(workspace, store, SLUG, now, no_feeds)

    assert risk.meeting.id == meeting.id
    assert risk.reason == "every invitee declined"
    assert len(risk.free_times) == 3
    assert meeting.start not in risk.free_times
    problem, request = change_problem(workspace, store, meeting, {}, now=now)
    assert [check_slot(problem, request, start) for start in risk.free_times] == [[]] * 3
    line = risk_line(risk, "Asia/Tbilisi")
    assert line.startswith(f"round-1/mia on {meeting.start.astimezone(TBILISI):%a %d %b %Y %H:%M}")
    assert "every invitee declined; free times that keep every rule (Asia/Tbilisi): " in line


def test_a_meeting_without_acceptance_three_days_before_is_flagged_from_that_day(
    workspace: Workspace, store: Store
) -> None:
    meeting = planned(workspace, store)
    answer(store, meeting, NINO, "DECLINED")

    assert at_risk(workspace, store, SLUG, days_before(meeting, 4), no_feeds) == []
    [risk] = at_risk(workspace, store, SLUG, days_before(meeting, 3), no_feeds)
    assert risk.reason == "no acceptance 3 days before it"
    assert risk.day == meeting.start.astimezone(TBILISI).date() - dt.timedelta(days=3)
    assert f"(since {risk.day:%a %d %b %Y})" in risk_line(risk, "Asia/Tbilisi")


def test_a_meeting_not_invited_yet_is_not_flagged_for_lacking_acceptances(
    workspace: Workspace, store: Store
) -> None:
    # Approved but its invitations not sent: nobody could have accepted yet.
    meeting = planned(workspace, store, invited=False)

    assert at_risk(workspace, store, SLUG, days_before(meeting, 1), no_feeds) == []
    invite(store, meeting)
    [risk] = at_risk(workspace, store, SLUG, days_before(meeting, 1), no_feeds)
    assert risk.reason == "no acceptance 3 days before it"


def test_one_acceptance_of_the_organisation_is_a_quorum(workspace: Workspace, store: Store) -> None:
    meeting = planned(workspace, store)
    answer(store, meeting, NINO, "DECLINED")
    answer(store, meeting, TAMAR, "ACCEPTED")

    assert at_risk(workspace, store, SLUG, days_before(meeting, 1), no_feeds) == []


def test_a_facilitators_acceptance_does_not_count(workspace: Workspace, store: Store) -> None:
    meeting = planned(workspace, store)
    assert LELA in {a.email for a in store.attendees(meeting.id) if a.role == "CHAIR"}
    answer(store, meeting, LELA, "ACCEPTED")
    answer(store, meeting, NINO, "TENTATIVE")

    [risk] = at_risk(workspace, store, SLUG, days_before(meeting, 1), no_feeds)
    assert risk.reason == "no acceptance 3 days before it"


def test_past_held_and_noted_meetings_are_not_flagged(workspace: Workspace, store: Store) -> None:
    meeting = planned(workspace, store)
    answer(store, meeting, NINO, "DECLINED")
    answer(store, meeting, TAMAR, "DECLINED")

    assert at_risk(workspace, store, SLUG, meeting.start + dt.timedelta(minutes=1), no_feeds) == []
    store.set_meeting_status(meeting.id, "held", "test")
    assert at_risk(workspace, store, SLUG, days_before(meeting, 1), no_feeds) == []


def test_a_cancelled_meeting_is_not_flagged(workspace: Workspace, store: Store) -> None:
    meeting = planned(workspace, store)
    answer(store, meeting, NINO, "DECLINED")
    answer(store, meeting, TAMAR, "DECLINED")
    store.set_meeting_status(meeting.id, "cancelled", "test")

    assert at_risk(workspace, store, SLUG, days_before(meeting, 1), no_feeds) == []


def test_the_training_sets_how_many_days_before_and_how_many_acceptances(
    write_workspace: Callable[..., Path], store: Store
) -> None:
    training = TINY_TRAINING.replace(
        "briefing:\n", "  quorum:\n    days_before: 7\n    accepted: 2\nbriefing:\n"
    )
    workspace = workspace_with(write_workspace, training)
    meeting = planned(workspace, store)
    answer(store, meeting, NINO, "ACCEPTED")

    assert at_risk(workspace, store, SLUG, days_before(meeting, 8), no_feeds) == []
    [risk] = at_risk(workspace, store, SLUG, days_before(meeting, 7), no_feeds)
    assert risk.reason == "fewer than 2 acceptances 7 days before it"
    answer(store, meeting, TAMAR, "ACCEPTED")
    assert at_risk(workspace, store, SLUG, days_before(meeting, 7), no_feeds) == []


def test_the_feeds_are_asked_only_for_a_round_with_a_meeting_at_risk(
    workspace: Workspace, store: Store
) -> None:
    meeting = planned(workspace, store)
    asked: list[str] = []

    def feeds(round_id: str) -> dict[str, object]:
        asked.append(round_id)
        return {}

    at_risk(workspace, store, SLUG, days_before(meeting, 10), feeds)
    assert asked == []
    at_risk(workspace, store, SLUG, days_before(meeting, 2), feeds)
    assert asked == ["round-1"]


def test_no_meeting_is_flagged_minutes_after_its_invitation_nor_since_a_day_before_it(
    workspace: Workspace, store: Store
) -> None:
    # Planned with two working days of lead time, invited after the "3 days before" day:
    # the rule once flagged it three minutes after the send, "since" a day before the send.
    meeting = planned(workspace, store, invited=False)
    sent = days_before(meeting, 2)
    invite(store, meeting, at=sent)

    assert at_risk(workspace, store, SLUG, sent + dt.timedelta(minutes=3), no_feeds) == []


def test_invitees_get_two_working_days_to_answer_before_a_meeting_is_flagged(
    workspace: Workspace, store: Store
) -> None:
    meeting = planned(workspace, store, invited=False)
    day = meeting.start.astimezone(TBILISI).date()
    # a Monday meeting invited on the Wednesday before: Thursday and Friday to answer
    assert day.weekday() == 0
    sent = dt.datetime.combine(day - dt.timedelta(days=5), dt.time(10), TBILISI)
    invite(store, meeting, at=sent)

    friday = sent + dt.timedelta(days=2)
    assert at_risk(workspace, store, SLUG, friday - dt.timedelta(minutes=1), no_feeds) == []
    [risk] = at_risk(workspace, store, SLUG, friday, no_feeds)
    assert risk.reason == "no acceptance 3 days before it"
    assert risk.day == friday.date()


def test_a_flag_after_the_answer_window_says_so_and_is_dated_from_its_end(
    write_workspace: Callable[..., Path], store: Store
) -> None:
    training = TINY_TRAINING.replace("briefing:\n", "  quorum:\n    days_before: 7\nbriefing:\n")
    workspace = workspace_with(write_workspace, training)
    meeting = planned(workspace, store, invited=False)
    day = meeting.start.astimezone(TBILISI).date()
    sent = dt.datetime.combine(day - dt.timedelta(days=5), dt.time(10), TBILISI)  # Wednesday
    invite(store, meeting, at=sent)

    assert at_risk(workspace, store, SLUG, sent + dt.timedelta(days=1), no_feeds) == []
    friday = sent + dt.timedelta(days=2)
    [risk] = at_risk(workspace, store, SLUG, friday, no_feeds)
    assert risk.reason == "no acceptance 2 working days after the invitation"
    assert f"(since {friday:%a %d %b %Y})" in risk_line(risk, "Asia/Tbilisi")


def test_the_training_sets_the_working_days_invitees_have_to_answer(
    write_workspace: Callable[..., Path], store: Store
) -> None:
    training = TINY_TRAINING.replace(
        "briefing:\n", "  quorum:\n    answer_working_days: 0\nbriefing:\n"
    )
    workspace = workspace_with(write_workspace, training)
    meeting = planned(workspace, store, invited=False)
    sent = days_before(meeting, 2)
    invite(store, meeting, at=sent)

    [risk] = at_risk(workspace, store, SLUG, sent, no_feeds)
    assert risk.reason == "no acceptance 3 days before it"
    assert risk.day == sent.date()

"""Updates and cancellations say what changed, to each reader, in their language and zone.

The tiny training's ministry meeting has three invitees: Nino reads Georgian in
Tbilisi, John English in London, Olga Russian in Moscow. Each test invites them
through the file outbox, changes the meeting through the application layer (or
the store, as a re-plan does), sends again and reads the mail they got.
"""

# The dates are pinned as readers get them: en dashes, Cyrillic letters.
# ruff: noqa: RUF001

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from consult.application import changes
from consult.application import send as sending
from consult.application.counter_proposals import decide_counter, read_inbox_requests
from consult.application.references import RoundRef, round_ref
from consult.application.services import Services
from consult.bootstrap import assemble
from consult.planning import changes as planning_changes
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import MeetingPlan, open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT, TINY_STAKEHOLDERS, TINY_TRAINING

NINO, JOHN, OLGA = "nino@mia.example.gov.ge", "john@mia.example.gov.ge", "olga@mia.example.gov.ge"
STAKEHOLDERS = TINY_STAKEHOLDERS.replace(
    "        timezone: Asia/Tbilisi\n  - id: coordinators",
    """\
        timezone: Asia/Tbilisi
      - name: John Smith
        email: john@mia.example.gov.ge
        role: Adviser
        language: en
        timezone: Europe/London
      - name: Ольга Иванова
        email: olga@mia.example.gov.ge
        role: Advisor
        language: ru
        timezone: Europe/Moscow
  - id: coordinators""",
    1,
)
TRAINING = TINY_TRAINING.replace(
    "  rounds:\n",
    """\
    - id: levan
      name: Levan Abashidze
      email: levan@example.org
      timezone: Asia/Tbilisi
      country: GE
  rounds:
""",
)
COUNTER = """\
BEGIN:VCALENDAR\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
VERSION:2.0\r
METHOD:COUNTER\r
BEGIN:VEVENT\r
DTSTART:20261216T100000Z\r
DTEND:20261216T110000Z\r
DTSTAMP:20261203T070000Z\r
ORGANIZER:mailto:consultations@example.org\r
UID:{uid}\r
ATTENDEE;CN=John;PARTSTAT=TENTATIVE:mailto:john@mia.example.gov.ge\r
SEQUENCE:0\r
SUMMARY:Consultation\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture
def invited(write_workspace: Callable[..., Path]) -> Iterator[Services]:
    """The ministry meeting planned for Mon 14 Dec 12:00 Tbilisi, approved and invited."""
    root = write_workspace(STAKEHOLDERS, {"winter-2027": TRAINING})
    workspace = load_workspace(root)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        plan = plan_round(workspace, "winter-2027", "round-1", {}, [], now=PLANNED_AT)
        save_plan(store, plan, "test")
        store.decide_round("winter-2027", "round-1", approve=True, actor="test")
        built = assemble(settings, workspace, store, lambda: PLANNED_AT)
        sending.send_round(built, round_1(built))
        yield built


def round_1(built: Services) -> RoundRef:
    """Return the tiny workspace's round."""
    return round_ref(built.workspace, "winter-2027", "round-1")


def texts(folder: Path, kind: str) -> dict[str, str]:
    """Return the plain text of each `kind` message in `folder`, by its recipient's address."""
    found = {}
    for path in sorted(folder.rglob(f"*.{kind}.*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        body = message.get_body(("plain",))
        assert body is not None
        found[message["To"].addresses[0].addr_spec] = body.get_content().replace("\r\n", "\n")
    return found


def test_an_update_after_a_reschedule_says_the_old_and_the_new_time_in_each_readers_zone(
    invited: Services,
) -> None:
    changes.reschedule(invited, round_1(invited), "mia", "2026-12-18T14:00", "Nino", "asked")
    got = texts(invited.settings.outbox, "update")
    assert "New time: Friday, 18 December 2026, 10:00–11:00 (Greenwich Mean Time)" in got[JOHN]
    assert "Previous time: Monday, 14 December 2026, 09:00–10:00 (Greenwich Mean Time)" in got[JOHN]
    assert "Новое время: пятница, 18 декабря 2026\u202fг., 13:00–14:00" in got[OLGA]
    assert "Прежнее время: понедельник, 14 декабря 2026\u202fг., 12:00–13:00" in got[OLGA]
    assert "ახალი დრო: პარასკევი, 18 დეკემბერი, 2026, 14:00–15:00" in got[NINO]
    assert "წინა დრო: ორშაბათი, 14 დეკემბერი, 2026, 13:00–14:00" in got[NINO]


def test_two_moves_before_the_update_goes_out_say_the_change_from_what_was_last_told(
    invited: Services,
) -> None:
    [meeting] = invited.store.meetings("winter-2027", "round-1")
    first = planning_changes.reschedule(
        invited.store, meeting, meeting.start + dt.timedelta(days=1), "Nino", PLANNED_AT
    )
    planning_changes.reschedule(
        invited.store, first, meeting.start + dt.timedelta(days=3), "Nino", PLANNED_AT
    )
    sending.send_round(invited, round_1(invited))
    got = texts(invited.settings.outbox, "update")[JOHN]
    assert "Previous time: Monday, 14 December 2026, 09:00–10:00" in got
    assert "New time: Thursday, 17 December 2026, 09:00–10:00" in got
    assert "Tuesday" not in got


def test_an_update_previewed_then_sent_then_sent_again_says_the_same(
    invited: Services,
) -> None:
    [meeting] = invited.store.meetings("winter-2027", "round-1")
    planning_changes.reschedule(
        invited.store, meeting, meeting.start + dt.timedelta(days=2), "Nino", PLANNED_AT
    )
    dry = sending.dry_run(invited, round_1(invited))
    previewed = texts(dry.folder, "update")
    sending.send_round(invited, round_1(invited))
    assert sending.send_round(invited, round_1(invited))[0].outcome == "already sent"
    sent = texts(invited.settings.outbox, "update")
    assert "Previous time: Monday, 14 December 2026, 09:00–10:00" in sent[JOHN]
    assert previewed == sent


def test_an_update_names_the_place_format_and_facilitators_that_changed(
    invited: Services,
) -> None:
    [meeting] = invited.store.meetings("winter-2027", "round-1")
    invited.store.upsert_meeting(
        dataclasses.replace(
            MeetingPlan.of(meeting),
            format="in_person",
            location="Ministry, room 12",
            facilitators=("lela", "levan"),
        )
    )
    sending.send_round(invited, round_1(invited))
    got = texts(invited.settings.outbox, "update")
    assert "New place: Ministry, room 12" in got[JOHN]
    assert "Previous link: https://meet.example.org/winter-2027/mia" in got[JOHN]
    assert "New format: In-person meeting\nPrevious format: Online meeting" in got[JOHN]
    assert "Now facilitated by: Lela Tsereteli and Levan Abashidze" in got[JOHN]
    assert "Previously facilitated by: Lela Tsereteli" in got[JOHN]
    assert "Previous time" not in got[JOHN]
    assert "Новое место: Ministry, room 12" in got[OLGA]
    assert "Прежний формат: Онлайн-встреча" in got[OLGA]
    assert "Модерация прежде: Lela Tsereteli" in got[OLGA]
    assert "ახალი ადგილი: Ministry, room 12" in got[NINO]
    assert "წინა ფორმატი: ონლაინ შეხვედრა" in got[NINO]


def test_the_accepted_counter_proposal_thanks_its_proposer_and_no_one_else(
    invited: Services,
) -> None:
    [meeting] = invited.store.meetings("winter-2027", "round-1")
    invited.settings.inbox.mkdir(parents=True, exist_ok=True)
    (invited.settings.inbox / "counter.ics").write_text(COUNTER.format(uid=meeting.uid))
    read_inbox_requests(invited)
    decide_counter(invited, round_1(invited), "mia", accept=True, by="Nino")
    got = texts(invited.settings.outbox, "update")
    assert "This is the time you proposed: thank you." in got[JOHN]
    assert "Previous time: Monday, 14 December 2026, 09:00–10:00" in got[JOHN]
    assert "предложили" not in got[OLGA]
    assert "შემოგვთავაზეთ" not in got[NINO]


def test_a_cancellation_thanks_only_who_did_not_decline_for_the_time_set_aside(
    invited: Services,
) -> None:
    [meeting] = invited.store.meetings("winter-2027", "round-1")
    invited.store.record_reply(meeting.id, NINO, "DECLINED", 0, "test")
    invited.store.record_reply(meeting.id, JOHN, "DECLINED", 0, "test")
    invited.store.record_reply(meeting.id, OLGA, "ACCEPTED", 0, "test")
    changes.cancel(invited, round_1(invited), "mia", "Nino")
    got = texts(invited.settings.outbox, "cancellation")
    assert "thank you for the time you set aside" not in got[JOHN]
    assert "You had let us know that you could not take part" in got[JOHN]
    assert "благодарим вас за уделённое время" in got[OLGA]
    assert "გმადლობთ, რომ ჩვენთვის დრო გამოყავით" not in got[NINO]
    assert "შეგვატყობინეთ, რომ ვერ შეძლებდით მონაწილეობას" in got[NINO]


def test_a_cancellation_to_who_never_answered_tells_them_no_answer_is_needed(
    invited: Services,
) -> None:
    changes.cancel(invited, round_1(invited), "mia", "Nino")
    got = texts(invited.settings.outbox, "cancellation")
    assert "You need not answer the invitation any more." in got[JOHN]
    assert "Вам больше не нужно отвечать на приглашение." in got[OLGA]
    assert "მოწვევაზე პასუხის გაცემა აღარ არის საჭირო." in got[NINO]


def test_the_trainings_meeting_link_gives_every_online_invitation_its_link(
    write_workspace: Callable[..., Path],
) -> None:
    training = TINY_TRAINING.replace(
        "          location: https://meet.example.org/winter-2027/mia\n", ""
    ).replace(
        "  rounds:\n", "  meeting_link: https://meet.jit.si/{training}-{meeting}\n  rounds:\n"
    )
    root = write_workspace(STAKEHOLDERS, {"winter-2027": training})
    workspace = load_workspace(root)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        plan = plan_round(workspace, "winter-2027", "round-1", {}, [], now=PLANNED_AT)
        save_plan(store, plan, "test")
        store.decide_round("winter-2027", "round-1", approve=True, actor="test")
        built = assemble(settings, workspace, store, lambda: PLANNED_AT)
        sending.send_round(built, round_1(built))
        [meeting] = store.meetings("winter-2027", "round-1")
    assert meeting.location == "https://meet.jit.si/winter-2027-mia"
    got = texts(settings.outbox, "invitation")
    assert "Link: https://meet.jit.si/winter-2027-mia" in got[JOHN]
    assert "Ссылка: https://meet.jit.si/winter-2027-mia" in got[OLGA]
    assert "ბმული: https://meet.jit.si/winter-2027-mia" in got[NINO]


def test_nothing_but_a_cancellation_is_sent_about_an_online_meeting_without_a_link(
    invited: Services,
) -> None:
    [meeting] = invited.store.meetings("winter-2027", "round-1")
    invited.store.upsert_meeting(dataclasses.replace(MeetingPlan.of(meeting), location=None))
    report = sending.send_round(invited, round_1(invited))
    assert {(d.kind, d.outcome) for d in report} == {("update", "failed")}
    assert report[0].detail == (
        "cannot be built: winter-2027/round-1/mia: an online meeting without a link; give it "
        "its https link (location) in trainings/winter-2027.yaml, or the training a "
        "consultation.meeting_link"
    )
    changes.cancel(invited, round_1(invited), "mia", "Nino")
    got = texts(invited.settings.outbox, "cancellation")
    assert sorted(got) == [JOHN, "lela@example.org", NINO, OLGA]
    for text in got.values():
        assert "link" not in text.lower()
        assert "ბმულ" not in text
        assert "сылк" not in text

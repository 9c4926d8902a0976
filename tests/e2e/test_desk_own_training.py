"""In Debian's Chromium: a coordinator's own training, from an empty folder to the pack sent.

`consult init` makes the folder (the sender's block from its options, no training),
`consult ui` serves the Prefect server, the runner and the desk, and from then on the
coordinator uses only the browser: imports a spreadsheet of contacts with two mistakes
(corrected in the page), creates a training with one round of four meetings, plans it,
approves the schedule, confirms the first send; then reads the replies the test drops in
inbox/ (an acceptance, a decline with a comment, a counter-proposal), accepts the
counter-proposal, moves one meeting to an offered free time, cancels one, sends the
reminders, records the notes of a held meeting, compiles the pack, looks at it and sends
it. Each step's page is saved as a screenshot, and the outbox is checked for exactly the
messages that step should send (the workspace's file outbox, the default transport).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from consult.settings import Settings
from consult.store import MeetingPlan, open_store
from consult.ui import LocalUi, Running, local_ui
from schemas.state import Meeting as Meeting_
from tests.browser import browser_page, need_chromium, screenshots
from tests.desk.actions_browser import (
    accept_counter,
    cancel_meeting,
    compile_pack,
    read_replies,
    reschedule_to_offered,
    result,
    send_pack,
    send_reminders,
)
from tests.desk.flows_browser import Meeting, NewRound, NewTraining, create_training
from tests.desk.registry_browser import confirm_import, correct_cells, problems, upload_sheet
from tests.e2e.test_desk_path import Walk

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

SENDER = ("IOM Georgia consultations", "consultations@iom-test.example.org", "IOM Georgia")
COORDINATOR = "Nino Beridze"

HEADER = (
    "Organisation ID;Organisation (en);Kind;Country;Contact name;Email;Role;Language;Time zone\n"
)
ROWS = [
    "coordinators;Coordinators of victims and witnesses;participant_group;GE;Ana Gelashvili;"
    "ana@mia-coordinators.example.gov.ge;Coordinator;ka;Asia/Tbilisi",
    "mia;Ministry of Internal Affairs;ministry;GE;Tamar Kapanadze;tamar@mia.example.gov.ge;"
    "Head of unit;ka;Asia/Tbilisi",
    "pgo;Prosecutor's Office;prosecution;GE;Giorgi Lomidze;giorgi@pgo.example.gov.ge;"
    "Prosecutor;ka;Asia/Tbilisy",  # mistake 1: an unknown time zone
    "unhcr;UNHCR Georgia;un_agency;GE;Selin Aydemir;selin@unhcr.example.org;"
    "Protection officer;en;Europe/Vienna",
    "ngo-gyla;Young Lawyers' Association;ngo;GE;Olena Shevchenko;olena-at-gyla.example.ge;"  # 2
    "Lawyer;ru;Europe/Kyiv",
]
CORRECTED = {
    "contacts.csv, row 4, column I (Time zone)": "Asia/Tbilisi",
    "contacts.csv, row 6, column F (Email)": "olena@gyla.example.ge",
}
"""The two wrong cells, by their labels in the preview (the header is row 1), corrected."""


def sheet(folder: Path) -> Path:
    """Write the coordinator's contacts spreadsheet (CSV, ; separated) with its two mistakes."""
    path = folder / "contacts.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    return path


def outbox(workspace: Path) -> Counter[tuple[str, str]]:
    """Return how many messages of each (kind, recipient) the file outbox holds."""
    found: Counter[tuple[str, str]] = Counter()
    for path in Settings(workspace=workspace).outbox.rglob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        kind = str(message["Message-ID"]).split(".")[1] if message["Message-ID"] else "?"
        found[(kind, str(message["To"].addresses[0].addr_spec))] += 1
    return found


def reply(uid: str, sequence: int, who: str, partstat: str, comment: str = "") -> str:
    """An iTIP REPLY as a calendar client sends it."""
    said = f"COMMENT:{comment}\r\n" if comment else ""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Outlook//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nSEQUENCE:{sequence}\r\nDTSTAMP:20261201T090000Z\r\n"
        f"ATTENDEE;PARTSTAT={partstat}:mailto:{who}\r\n{said}"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def counter(uid: str, sequence: int, who: str, start: dt.datetime, end: dt.datetime) -> str:
    """An iTIP COUNTER ("propose a new time") as Google Calendar sends it."""
    stamp = "%Y%m%dT%H%M%SZ"
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar//EN\r\n"
        "METHOD:COUNTER\r\nBEGIN:VEVENT\r\n"
        f"DTSTART:{start.astimezone(dt.UTC).strftime(stamp)}\r\n"
        f"DTEND:{end.astimezone(dt.UTC).strftime(stamp)}\r\n"
        f"DTSTAMP:20261203T070000Z\r\nORGANIZER:mailto:{SENDER[1]}\r\nUID:{uid}\r\n"
        f"ATTENDEE;PARTSTAT=TENTATIVE:mailto:{who}\r\nCOMMENT:The next day suits us better\r\n"
        f"SEQUENCE:{sequence}\r\nSUMMARY:Consultation\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@pytest.fixture
def served_own(tmp_path: Path) -> Iterator[tuple[Running, Path]]:
    """`consult init` on an empty folder, then `consult ui` on it."""
    need_chromium()
    folder = tmp_path / "own"
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "consult",
            "init",
            str(folder),
            "--sender-name",
            SENDER[0],
            "--sender-email",
            SENDER[1],
            "--sender-organisation",
            SENDER[2],
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    home = tmp_path / "prefect-home"
    with local_ui(LocalUi(home=home, port=0, desk_port=0, workspace=folder)) as ui:
        yield ui, folder


def meeting_of(workspace: Path, planned: str) -> tuple[Meeting_, list[str]]:
    """Return the stored meeting `planned` of round 1 and its attendees' addresses."""
    with open_store(Settings(workspace=workspace).store_url) as store:
        found = store.get_meeting(f"{SLUG}/round-1/{planned}")
        assert found is not None, planned
        return found, [a.email for a in store.attendees(found.id)]


def offered_time(workspace: Path, planned: str) -> dt.datetime:
    """Return the first free time (UTC) the planning offers for the meeting `planned`."""
    from consult.application.changes import free_times
    from consult.application.references import round_ref
    from consult.bootstrap import services

    with services(Settings(workspace=workspace), actor="test") as built:
        _, offered = free_times(built, round_ref(built.workspace, SLUG, "round-1"), planned)
    assert offered, f"no free time for {planned}"
    return offered[0]


def move_start(workspace: Path, planned: str, start: dt.datetime) -> None:
    """Move the meeting's start in the store, as the clock moving on would bring it closer:
    the desk's clock is the machine's, and reminders and notes wait for their day."""
    with open_store(Settings(workspace=workspace).store_url) as store:
        meeting = store.get_meeting(f"{SLUG}/round-1/{planned}")
        assert meeting is not None
        plan = MeetingPlan.of(meeting)
        length = plan.end - plan.start
        store.upsert_meeting(dataclasses.replace(plan, start=start, end=start + length))


def reschedule_to(page: Page) -> str:
    """Submit the reschedule form as it is filled; return the result panel's text."""
    page.get_by_role("button", name="Move it and send the updates").click()
    return result(page)


def kinds(messages: Counter[tuple[str, str]]) -> set[str]:
    """Return the kinds of these messages."""
    return {kind for kind, _ in messages}


def recipients(messages: Counter[tuple[str, str]]) -> set[str]:
    """Return whom these messages went to, each checked to have gone once."""
    assert all(count == 1 for count in messages.values()), messages
    return {who for _, who in messages}


TBILISI = ZoneInfo("Asia/Tbilisi")
SLUG = "interview-techniques-2027"
TITLE = "Interview techniques for trafficking-victim case workers"


def days(n: int) -> str:
    """Return the day `n` days from today, as the date fields take it."""
    return (dt.date.today() + dt.timedelta(days=n)).isoformat()


def own_training() -> NewTraining:
    """The coordinator's training: ten weeks ahead, one round of four meetings before it."""
    meetings = [
        Meeting("mia"),
        Meeting("pgo", minutes=90),
        Meeting("unhcr", "online", location="https://meet.jit.si/unhcr-round-1"),
        Meeting("ngo-gyla", location="GYLA office, room 2"),
    ]
    return NewTraining(
        title_en=TITLE,
        slug=SLUG,
        start=days(70),
        end=days(72),
        venue_name="Hotel Intourist",
        venue_city="Batumi",
        participants="coordinators",
        facilitator=("Levan Kavtaradze", "levan@iom-test.example.org"),
        expert=("Andreea Vasilescu", "andreea@iom-test.example.org"),
        first_round=NewRound("round-1", days(28), days(56), meetings),
        briefing_due=days(63),
        languages=("ka",),
        titles={"ka": "ინტერვიუს ტექნიკა"},
        edited_by=COORDINATOR,
    )


class OwnWalk(Walk):
    """The walk of tests/e2e/test_desk_path.py, on the coordinator's own training."""

    def training(self) -> None:
        self.page.get_by_role("navigation").get_by_role("link", name="Trainings").click()
        self.page.get_by_role("link", name=TITLE).first.click()


def new_messages(workspace: Path, before: Counter[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """Return the outbox's messages that were not there `before`."""
    return outbox(workspace) - before


def test_a_coordinator_runs_a_training_of_their_own_from_an_empty_folder_on_the_desk(
    served_own: tuple[Running, Path], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    ui, workspace = served_own
    assert ui.desk_url
    shots = screenshots(tmp_path)
    contacts = sheet(tmp_path)
    with browser_page(1280, 900, timeout_ms=60_000, accept_downloads=True) as page:
        walk = OwnWalk(page, ui, shots)
        page.goto(ui.desk_login)
        expect(page.locator("#no-training")).to_be_visible()
        walk.shot("empty-workspace")

        # The contacts: a spreadsheet with two mistakes, corrected in the preview.
        upload_sheet(page, ui.desk_url, contacts)
        found = problems(page)
        assert len(found) == 2, found
        assert any("Asia/Tbilisy" in line for line in found), found
        assert any("olena-at-gyla.example.ge" in line for line in found), found
        walk.shot("import-two-mistakes")
        correct_cells(page, CORRECTED)
        assert problems(page) == []
        walk.shot("import-corrected")
        done = confirm_import(page, COORDINATOR)
        assert "Imported" in done, done
        walk.shot("registry-imported")
        registry = (workspace / "stakeholders.yaml").read_text(encoding="utf-8")
        assert "olena@gyla.example.ge" in registry
        assert "Asia/Tbilisy" not in registry

        # The training: one round of four meetings, from the desk's form.
        create_training(page, own_training())
        expect(page.locator("#written")).to_contain_text(f"{SLUG}.yaml")
        walk.shot("training-written")
        assert (workspace / "trainings" / f"{SLUG}.yaml").is_file()

        # Plan round 1 and approve its schedule; confirm the first send.
        plan = walk.start("Plan round-1", f"plan · {SLUG} · round-1")
        walk.wait_for(plan, {"PAUSED"})
        walk.decide(plan, "approve", "decisions-schedule")
        walk.wait_for(plan, {"COMPLETED"})
        walk.training()
        walk.shot("training-planned")
        before = outbox(workspace)
        send = walk.start("Send the invitations of round-1", f"send · {SLUG} · round-1")
        walk.wait_for(send, {"PAUSED"})
        walk.decide(send, "send", "decisions-first-send")
        walk.wait_for(send, {"COMPLETED"})
        walk.training()
        walk.reload_until("#delivery .totals")
        walk.shot("training-sent")
        # one invitation per meeting and person: each contact to theirs, the facilitator to all
        assert new_messages(workspace, before) == Counter(
            {
                ("invitation", "tamar@mia.example.gov.ge"): 1,
                ("invitation", "giorgi@pgo.example.gov.ge"): 1,
                ("invitation", "selin@unhcr.example.org"): 1,
                ("invitation", "olena@gyla.example.ge"): 1,
                ("invitation", "levan@iom-test.example.org"): 4,
            }
        )

        # Replies, dropped in inbox/ as calendar clients send them: an acceptance, a decline
        # with a comment, a counter-proposal of a time that keeps every rule.
        mia, mia_people = meeting_of(workspace, "mia")
        pgo, _ = meeting_of(workspace, "pgo")
        unhcr, unhcr_people = meeting_of(workspace, "unhcr")
        _, gyla_people = meeting_of(workspace, "ngo-gyla")
        proposed = offered_time(workspace, "unhcr")
        inbox = Settings(workspace=workspace).inbox
        inbox.mkdir(parents=True, exist_ok=True)
        (inbox / "accepted.ics").write_text(
            reply(mia.uid, mia.sequence, "tamar@mia.example.gov.ge", "ACCEPTED"), encoding="utf-8"
        )
        (inbox / "declined.ics").write_text(
            reply(
                pgo.uid,
                pgo.sequence,
                "giorgi@pgo.example.gov.ge",
                "DECLINED",
                "On mission that week, sorry",
            ),
            encoding="utf-8",
        )
        (inbox / "counter.ics").write_text(
            counter(
                unhcr.uid,
                unhcr.sequence,
                "selin@unhcr.example.org",
                proposed,
                proposed + (unhcr.end - unhcr.start),
            ),
            encoding="utf-8",
        )
        walk.training()
        before = outbox(workspace)
        read = read_replies(page)
        assert "1 accepted" in read, read
        assert "1 declined with a comment" in read, read
        assert "1 counter-proposal" in read, read
        walk.shot("replies-read")
        assert new_messages(workspace, before) == Counter()
        expect(page.locator("#meeting-pgo")).to_contain_text("On mission that week, sorry")

        # The counter-proposal, accepted on its own row: the meeting moves, everyone is told.
        before = outbox(workspace)
        accepted = accept_counter(page, COORDINATOR)
        walk.shot("counter-accepted")
        moved = new_messages(workspace, before)
        assert kinds(moved) == {"update"}, (accepted, moved)
        assert recipients(moved) == set(unhcr_people), moved
        assert meeting_of(workspace, "unhcr")[0].start == proposed

        # A meeting moved to a free time the desk offers.
        before = outbox(workspace)
        rescheduled = reschedule_to_offered(page, "mia", COORDINATOR)
        walk.shot("meeting-moved")
        moved = new_messages(workspace, before)
        assert kinds(moved) == {"update"}, (rescheduled, moved)
        assert recipients(moved) == set(mia_people), moved
        assert meeting_of(workspace, "mia")[0].start != mia.start

        # A meeting cancelled, with the reason for the audit log.
        before = outbox(workspace)
        cancelled = cancel_meeting(
            page, "ngo-gyla", "The association closed for the holidays", COORDINATOR
        )
        walk.shot("meeting-cancelled")
        called_off = new_messages(workspace, before)
        assert kinds(called_off) == {"cancellation"}, (cancelled, called_off)
        assert recipients(called_off) == set(gyla_people), called_off
        assert meeting_of(workspace, "ngo-gyla")[0].status == "cancelled"

        # Reminders: the coordinator moves the accepted meeting to tomorrow, a time of their
        # own that breaks the lead time (so it asks why first), and then it is due for them.
        tomorrow = dt.datetime.now(TBILISI).date() + dt.timedelta(days=1)
        page.locator("#meeting-mia").get_by_role("link", name="Move").click()
        page.locator('input[name="choice"][value="own"]').check()
        page.fill("#date", tomorrow.isoformat())
        page.fill("#time", "11:00")
        page.get_by_label("Your name, for the audit log").fill(COORDINATOR)
        page.get_by_role("button", name="Move it and send the updates").click()
        expect(page.locator("#force_reason-error")).to_be_visible()
        walk.shot("own-time-asks-why")
        page.fill("#force_reason", "The head of unit can only meet tomorrow")
        before = outbox(workspace)
        forced = reschedule_to(page)
        moved = new_messages(workspace, before)
        assert kinds(moved) == {"update"}, (forced, moved)
        assert recipients(moved) == set(mia_people), moved
        walk.training()
        before = outbox(workspace)
        reminded = send_reminders(page)
        walk.shot("reminders-sent")
        due = new_messages(workspace, before)
        assert kinds(due) == {"reminder"}, (reminded, due)
        assert recipients(due) == set(mia_people), due
        before = outbox(workspace)
        again = send_reminders(page)
        assert new_messages(workspace, before) == Counter(), again

        # The notes of the meeting once it was held (an hour ago).
        move_start(workspace, "mia", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        walk.training()
        page.locator("#meeting-mia").get_by_role("link", name="Record notes").click()
        page.get_by_label("Recorded by").fill(COORDINATOR)
        page.get_by_label("Tamar Kapanadze").check()
        page.locator("#o1-kind").select_option("gap")
        page.locator("#o1-theme").select_option(index=1)
        page.locator("#o1-severity").select_option("3")
        # public: one organisation heard is too few to show an internal observation (k = 3)
        page.locator("#o1-confidentiality").select_option("public")
        page.locator("#o1-text").fill("No interpreter is on call for first interviews at night.")
        page.locator("#o1-speaker_role").fill("head of unit")
        page.get_by_role("button", name="Save notes").click()
        expect(page.get_by_role("status")).to_contain_text("Saved: 1 added")
        walk.shot("notes-saved")

        # The pack: compiled (nothing sent), looked at, then sent as a decision of its own.
        walk.training()
        before = outbox(workspace)
        version = compile_pack(page)
        assert new_messages(workspace, before) == Counter()
        walk.shot("pack-compiled")
        with page.expect_download() as downloading:
            page.get_by_role("link", name=f"briefing-{SLUG}-en.pdf").first.click()
        assert Path(downloading.value.path()).read_bytes().startswith(b"%PDF")
        with page.expect_download() as downloading:
            page.get_by_role("link", name=f"briefing-{SLUG}-en.md").first.click()
        looked = Path(downloading.value.path()).read_text(encoding="utf-8")
        assert "No interpreter is on call" in looked
        sent = send_pack(page, version, COORDINATOR)
        walk.shot("pack-sent")
        briefed = new_messages(workspace, before)
        assert {who for _, who in briefed} == {"andreea@iom-test.example.org"}, (sent, briefed)
        # sent once: its row says so, and offers no second send
        expect(page.locator("#pack tbody tr").first).to_contain_text("sent (1 email)")
        expect(
            page.get_by_role("button", name=f"Send version {version} to the experts")
        ).to_have_count(0)

    with open_store(Settings(workspace=workspace).store_url) as store:
        actions = {e.action for e in store.audit_log() if e.actor == COORDINATOR}
    assert {"registry.imported", "training.created", "round.approved"} <= actions, actions
    assert len(walk.taken) >= 16
    for path in walk.taken:
        assert path.stat().st_size > 10_000, path

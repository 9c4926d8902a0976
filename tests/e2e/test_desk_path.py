"""In Debian's Chromium: a coordinator's whole path through the desk, with `consult ui` behind it.

On a fresh demo dated from today (nothing planned), with the Prefect server, the
runner serving consult's deployments and the desk that `consult ui` starts:
plan round 1, approve the schedule, confirm the first send and send, record one
meeting's notes correcting a mistake without retyping anything, compile the pack
and download its PDF. The meetings lie ahead, so the notes page first only says
when the meeting is; the test then moves that meeting's start to an hour ago in
the store. Mail goes to the workspace's file outbox (the default
transport). Screenshots of each page go to $CONSULT_SCREENSHOTS, or else the
test's temporary folder; the test prints where.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from consult.settings import Settings
from consult.store import MeetingPlan, open_store
from consult.ui import Running
from tests.browser import browser_page, screenshots
from tests.desk.actions_browser import compile_pack
from tests.e2e.test_browser import SLUG
from tests.uiserver import wait_for_state

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

MEETING = "unhcr-georgia"
RUN_SECONDS = 300
"""How long a started step may take to pause or complete (the runner polls every 2 s)."""
PAGE_SECONDS = 60
"""How long a page reloaded until it shows a run's outcome may keep the old one."""
NAME = "Nino Beridze"
CHOSEN = {
    "o1-kind": "need",
    "o1-theme": "interpreters",
    "o1-severity": "3",
    "o2-kind": "gap",
    "o2-severity": "2",
}
"""The notes' drop-downs as the coordinator sets them: the second observation has no theme."""
TYPED = {
    "o1-text": "Interpreters are booked too late for first interviews.",
    "o1-speaker_role": "protection officer",
    "o2-text": "No checklist of bias indicators in use.",
    "o2-quote": "We go by instinct.",
}
"""The notes' text fields as the coordinator types them."""


def start_an_hour_ago(workspace: Path, meeting_id: str) -> None:
    """Move the meeting to have started an hour ago: the desk takes notes once a meeting began."""
    with open_store(Settings(workspace=workspace).store_url) as store:
        meeting = store.get_meeting(meeting_id)
        assert meeting is not None
        shift = meeting.start - (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        plan = MeetingPlan.of(meeting)
        store.upsert_meeting(
            dataclasses.replace(plan, start=plan.start - shift, end=plan.end - shift)
        )


class Walk:
    """The coordinator's browser tab on the desk, numbering a screenshot of each page."""

    def __init__(self, page: Page, ui: Running, shots: Path) -> None:
        self.page = page
        self.ui = ui
        self.api = f"{ui.url}/api"
        self.shots = shots
        self.taken: list[Path] = []

    def shot(self, name: str) -> None:
        """Save a full-page screenshot of the page as it is now."""
        path = self.shots / f"{len(self.taken) + 1:02d}-{name}.png"
        self.page.screenshot(path=path, full_page=True)
        self.taken.append(path)

    def start(self, button: str, name: str) -> str:
        """Click a Start-a-step button on the training page; return the id of the run started."""
        from playwright.sync_api import expect

        self.page.get_by_role("button", name=button, exact=True).click()
        expect(self.page.get_by_role("status")).to_contain_text(f"Started: {name}")
        [run] = parse_qs(urlsplit(self.page.url).query)["run"]
        return run

    def wait_for(self, run: str, states: set[str]) -> None:
        """Wait until the run is in one of `states`; fail at once if it ends otherwise."""
        reached = wait_for_state(self.api, run, states, timeout=RUN_SECONDS)
        assert reached["state_type"] in states or reached["state_name"] in states, (
            f"run {reached['name']} is {reached['state_name']}: see {self.ui.logs}"
        )

    def decide(self, run: str, choice: str, shot: str) -> None:
        """On /decisions, answer the run's form as the coordinator and resume it."""
        from playwright.sync_api import expect

        self.page.get_by_role("navigation").get_by_role("link", name="Decisions").click()
        decision = self.page.locator(f"#run-{run}")
        expect(decision).to_be_visible()
        # Each choice is a radio named by its own label, in a group named by the question.
        decision.get_by_role("group", name="Decision").get_by_role(
            "radio", name=choice, exact=True
        ).check()
        decision.locator(f"#f-{run}-decided_by").fill(NAME)
        self.shot(shot)
        decision.get_by_role("button", name="Resume the run with this decision").click()
        expect(self.page.get_by_role("status")).to_contain_text("Resumed:")

    def training(self) -> None:
        """Go to the training's page, as its link on the trainings page does."""
        self.page.get_by_role("navigation").get_by_role("link", name="Trainings").click()
        self.page.get_by_role("link", name="Intercultural Communication").click()

    def reload_until(self, selector: str) -> None:
        """Reload the page until `selector` shows: a step's outcome shows on the next load."""
        deadline = time.monotonic() + PAGE_SECONDS
        while not self.page.locator(selector).count():
            assert time.monotonic() < deadline, f"{self.page.url} never showed {selector}"
            time.sleep(0.5)
            self.page.reload()


def test_a_coordinator_walks_from_planning_to_the_pack_on_the_desk(
    served_demo: tuple[Running, Path], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    ui, workspace = served_demo
    assert ui.desk_url
    assert ui.desk_login == f"{ui.desk_url}/?token={ui.desk_secret}"
    shots = screenshots(tmp_path)
    with browser_page(1280, 900, timeout_ms=60_000, accept_downloads=True) as page:
        walk = Walk(page, ui, shots)
        page.goto(ui.desk_login)  # the link `consult ui` prints: it opens the desk's session
        assert page.url == f"{ui.desk_url}/"  # and goes on to the address without the secret
        walk.shot("trainings")
        walk.training()
        expect(page.locator("#rounds")).to_contain_text("Not planned yet.")
        walk.shot("training-not-planned")

        # Plan round 1, then approve its schedule, which /decisions shows in full.
        plan = walk.start("Plan round-1", f"plan · {SLUG} · round-1")
        walk.shot("plan-started")
        walk.wait_for(plan, {"PAUSED"})
        page.get_by_role("navigation").get_by_role("link", name="Decisions").click()
        schedule = page.locator(f"#run-{plan} table.meetings")
        expect(schedule.locator("thead th").first).to_have_text("When")
        expect(schedule.locator("tbody tr").first).to_contain_text("proposed")
        expect(page.locator(f"#run-{plan}")).to_contain_text(
            f"Review the schedule artifact of {SLUG}, round-1"
        )
        walk.decide(plan, "approve", "decisions-schedule")
        walk.shot("schedule-approved")
        walk.wait_for(plan, {"COMPLETED"})
        walk.training()
        row = page.locator(f"#meeting-{MEETING}")
        expect(row.locator(".state")).to_have_text("confirmed")
        walk.shot("training-planned")

        # Send: the first send waits on /decisions for a confirmation, then goes out.
        send = walk.start("Send the invitations of round-1", f"send · {SLUG} · round-1")
        walk.wait_for(send, {"PAUSED"})
        walk.decide(send, "send", "decisions-first-send")
        walk.shot("send-confirmed")
        walk.wait_for(send, {"COMPLETED"})
        walk.training()
        walk.reload_until("#delivery .totals")
        expect(page.locator("#delivery .totals")).to_contain_text("sent")
        expect(page.locator("#delivery .totals")).not_to_contain_text("failed")
        walk.shot("training-sent")

        # Notes: none before the meeting starts; once it has, the second observation has
        # no theme and only that field is corrected.
        row = page.locator(f"#meeting-{MEETING}")
        expect(row).to_contain_text("notes once it starts")
        expect(row.get_by_role("link", name="Record notes")).to_have_count(0)
        desk = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        page.goto(f"{desk}/trainings/{SLUG}/meetings/round-1/{MEETING}/notes")
        expect(page.locator("#closed")).to_contain_text("notes can be recorded once it has started")
        expect(page.get_by_role("button", name="Save notes")).to_have_count(0)
        start_an_hour_ago(workspace, f"{SLUG}/round-1/{MEETING}")
        walk.training()
        row.get_by_role("link", name="Record notes").click()
        expect(page.get_by_role("heading", name="Notes of")).to_be_visible()
        walk.shot("notes-empty")
        page.get_by_label("Recorded by").fill(NAME)
        page.get_by_label("Selin Aydemir").check()
        for field, value in CHOSEN.items():
            page.locator(f"#{field}").select_option(value)
        for field, value in TYPED.items():
            page.locator(f"#{field}").fill(value)
        with page.expect_response(lambda r: r.request.method == "POST") as answered:
            page.get_by_role("button", name="Save notes").click()
        assert answered.value.status == 422, answered.value.status
        expect(page.locator("#o2-theme-error")).to_have_text("required")
        expect(page.locator("#o2-theme")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_role("alert").first).to_contain_text("1 field to correct")
        expect(page.get_by_label("Recorded by")).to_have_value(NAME)
        expect(page.get_by_label("Selin Aydemir")).to_be_checked()
        for field, value in {**CHOSEN, **TYPED}.items():
            expect(page.locator(f"#{field}")).to_have_value(value)
        walk.shot("notes-with-a-mistake")
        page.locator("#o2-theme").select_option("bias-indicators")
        page.get_by_role("button", name="Save notes").click()
        expect(page.get_by_role("status")).to_contain_text("Saved: 2 added")
        expect(page.get_by_label("Recorded by")).to_have_value(NAME)
        walk.shot("notes-saved")

        # The pack: compiled by its step, then its PDF downloaded from the training page.
        walk.training()
        # Compiled on the desk, which sends nothing: the experts get it by a decision of its own.
        expect(
            page.get_by_role("button", name="Compile the briefing pack and send it")
        ).to_have_count(0)
        assert compile_pack(page) == 1
        expect(page.locator("#pack tbody tr").first).to_contain_text("v1")
        walk.shot("training-pack")
        with page.expect_download() as downloading:
            page.get_by_role("link", name=f"briefing-{SLUG}-en.pdf").first.click()
        pdf = Path(downloading.value.path())
        assert pdf.read_bytes().startswith(b"%PDF")

    meeting = f"{SLUG}/round-1/{MEETING}"
    with open_store(Settings(workspace=workspace).store_url) as store:
        statuses = {m.status for m in store.meetings(SLUG, "round-1")}
        saved = [o for o in store.observations(meeting_id=meeting) if o.key.startswith("form/")]
        attended = [a.name for a in store.attendees(meeting) if a.attended]
        decided = {e.action for e in store.audit_log() if e.actor == NAME}
    assert statuses <= {"confirmed", "invited", "accepted"}, statuses
    assert [(o.kind, o.theme) for o in saved] == [
        ("need", "interpreters"),
        ("gap", "bias-indicators"),
    ]
    assert attended == ["Selin Aydemir"]
    assert "round.approved" in decided, decided
    assert any(Settings(workspace=workspace).outbox.rglob("*.eml"))
    assert len(walk.taken) >= 12
    for path in walk.taken:
        assert path.stat().st_size > 10_000, path

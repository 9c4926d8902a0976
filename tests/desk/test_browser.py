"""In Debian's Chromium: the training page, and a meeting's notes with a mistake corrected.

Screenshots of each page go to $CONSULT_SCREENSHOTS, or else the test's
temporary folder; with CONSULT_README_SCREENSHOT=1 the training page's also
replaces docs/desk-training-page.png, the README's picture.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from consult.settings import Settings
from consult.store import open_store
from consult.ui import PROJECT
from tests.browser import browser_page, screenshots
from tests.desk.conftest import SLUG

pytestmark = pytest.mark.e2e

MEETING = f"{SLUG}/round-1/unhcr-georgia"


def test_a_coordinator_reads_the_training_page_and_records_notes_correcting_one_mistake(
    desk_demo: Path, serve_desk: Callable[..., str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    with open_store(Settings(workspace=desk_demo).store_url) as store:
        meeting = store.get_meeting(MEETING)
    assert meeting is not None
    # the demo's meetings lie ahead; the desk takes notes once a meeting has started
    url = serve_desk(desk_demo, clock=lambda: meeting.end + dt.timedelta(hours=1))
    shots = screenshots(tmp_path)
    with browser_page(1280, 900, timeout_ms=30_000) as page:
        page.goto(url)
        page.screenshot(path=shots / "1-trainings.png", full_page=True)
        page.get_by_role("link", name="Intercultural Communication").click()
        expect(page.get_by_role("heading", name="Meetings")).to_be_visible()
        row = page.locator("#meeting-unhcr-georgia")
        expect(row.locator("td").first).to_contain_text("(Asia/Tbilisi)")
        expect(row.locator("td").first).to_contain_text("Europe/Istanbul")
        page.screenshot(path=shots / "2-training.png")
        if os.environ.get("CONSULT_README_SCREENSHOT"):
            page.screenshot(path=PROJECT / "docs" / "desk-training-page.png")
        page.screenshot(path=shots / "2-training-full.png", full_page=True)
        with page.expect_download() as downloading:
            page.get_by_role("link", name=f"briefing-{SLUG}-en.pdf").click()
        pdf = Path(downloading.value.path())
        assert pdf.read_bytes().startswith(b"%PDF")

        row.get_by_role("link", name="Edit notes").click()
        expect(page.get_by_role("heading", name="Notes of")).to_be_visible()
        page.get_by_label("Recorded by").fill("Nino Beridze")
        page.get_by_label("Selin Aydemir").check()
        page.locator("#o1-kind").select_option("commitment")
        page.locator("#o1-theme").select_option("interpreters")
        page.locator("#o1-severity").select_option("3")
        page.locator("#o1-text").fill("UNHCR will share its list of vetted interpreters.")
        page.locator("#o1-speaker_role").fill("protection officer")
        page.locator("#o2-kind").select_option("gap")
        page.locator("#o2-theme").select_option("bias-indicators")
        page.locator("#o2-severity").select_option("2")
        page.locator("#o2-text").fill("No checklist of bias indicators in use.")
        page.get_by_role("button", name="Save notes").click()

        # The commitment has no owner: the form comes back whole, the error beside it.
        expect(page.locator("#o1-owner-error")).to_have_text("required")
        expect(page.locator("#o1-text")).to_have_value(
            "UNHCR will share its list of vetted interpreters."
        )
        expect(page.locator("#o2-text")).to_have_value("No checklist of bias indicators in use.")
        expect(page.get_by_label("Selin Aydemir")).to_be_checked()
        page.screenshot(path=shots / "3-notes-with-a-mistake.png", full_page=True)
        page.locator("#o1-owner").fill("UNHCR Georgia")
        page.get_by_role("button", name="Save notes").click()
        expect(page.get_by_role("status")).to_contain_text("Saved: 2 added")
        page.screenshot(path=shots / "4-notes-saved.png", full_page=True)
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        saved = [o for o in store.observations(meeting_id=MEETING) if o.key.startswith("desk/")]
        attended = [a.name for a in store.attendees(MEETING) if a.attended]
    assert [(o.kind, o.owner) for o in saved] == [("commitment", "UNHCR Georgia"), ("gap", None)]
    assert attended == ["Selin Aydemir"]
    for name in ("1-trainings.png", "2-training.png", "3-notes-with-a-mistake.png"):
        assert (shots / name).stat().st_size > 10_000


@pytest.mark.parametrize("width", [800, 1280])
def test_the_pages_need_no_sideways_scroll_and_keep_each_meeting_time_whole(
    desk_demo: Path, serve_desk: Callable[..., str], width: int
) -> None:
    url = serve_desk(desk_demo)
    notes = f"/trainings/{SLUG}/meetings/round-1/unhcr-georgia/notes"
    pages = ["/", f"/trainings/{SLUG}", "/registry", notes]
    with browser_page(width, 900) as page:
        for path in pages:
            page.goto(f"{url}{path}")
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{path} is {wide} px wide in a {width} px window"
        page.goto(f"{url}/trainings/{SLUG}")
        when = page.locator("#meeting-unhcr-georgia td.when").first
        assert "(Asia/Tbilisi)" in when.inner_text()

"""In Debian's Chromium: the training page, and a meeting's notes with a mistake corrected.

Screenshots of each page go to $CONSULT_SCREENSHOTS, or else the test's
temporary folder; with CONSULT_README_SCREENSHOT=1 the training page's also
replaces docs/desk-training-page.png, the README's picture.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import requests
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from consult.settings import Settings
from consult.store import open_store
from consult.ui import PROJECT
from consult.workspace.registry_edit import ORGANISATION_FIELDS
from desk.security import login_url
from desk.serving import served
from tests.browser import browser_page, screenshots
from tests.desk.conftest import SECRET, SLUG, logged_in
from tests.desk.html import read_page

if TYPE_CHECKING:
    from playwright.sync_api import Frame, Page

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
        page.goto(login_url(url, SECRET))  # the link `consult ui` prints: it opens the session
        assert page.url == f"{url}/"
        page.keyboard.press("Tab")  # the first stop: past the menu, to the content
        expect(page.get_by_role("link", name="Skip to the content")).to_be_focused()
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

        # The commitment has no owner: the form comes back whole, the error beside it,
        # the focus on the summary of what to correct, whose link leads to the field.
        expect(page.locator("#o1-owner-error")).to_have_text("required")
        expect(page.locator("#error-summary")).to_be_focused()
        page.get_by_role("link", name="observation 1, owner: required").click()
        assert page.url.endswith("#o1-owner")
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
        saved = [o for o in store.observations(meeting_id=MEETING) if o.key.startswith("form/")]
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
        page.goto(login_url(url, SECRET))
        for path in pages:
            page.goto(f"{url}{path}")
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{path} is {wide} px wide in a {width} px window"
        page.goto(f"{url}/trainings/{SLUG}")
        when = page.locator("#meeting-unhcr-georgia td.when").first
        assert "(Asia/Tbilisi)" in when.inner_text()
        # No word is broken inside (an address wraps at its @ and dots, an id at its
        # hyphens), and the page stays short: its long sections are folded.
        assert page.evaluate(BROKEN_WORDS) == []
        tall = page.evaluate("document.documentElement.scrollHeight")
        assert tall <= 8_000, f"the training page is {tall} px tall in a {width} px window"


BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.checkVisibility()) continue;  // folded away
    const text = node.textContent;
    for (const found of text.matchAll(/[^\\s\\/@.,;\\-\u2013]{4,}/gu)) {
      const range = document.createRange();
      range.setStart(node, found.index);
      range.setEnd(node, found.index + found[0].length);
      const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(found[0]);
    }
  }
  return broken;
}"""
"""The words of the page that a line break cuts in two: each a run of 4+ characters
without a space, slash, @, dot, comma, semicolon, hyphen or en dash, where a break is
a sensible one."""

ATTACKER_FORM = """<!doctype html><title>win a prize</title>
<form id="f" method="post" action="{action}">{fields}</form>
<script>document.getElementById("f").submit()</script>"""

READ_EXPORT = """async (path) => {
  const answer = await fetch(path);
  return [answer.status, await answer.text()];
}"""


def attacker_form(action: str, fields: dict[str, str]) -> str:
    """Return another site's page whose form posts `fields` to `action` as it opens."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    return ATTACKER_FORM.format(action=html.escape(action), fields=inputs)


def attacker_app(action: str, fields: dict[str, str]) -> Starlette:
    """Return another site's pages: a form that posts itself to `action`, also in a sandbox."""
    form = attacker_form(action, fields)
    sandboxed = (
        '<!doctype html><title>a game</title><iframe sandbox="allow-forms allow-scripts" '
        f'srcdoc="{html.escape(form)}"></iframe>'
    )
    return Starlette(
        routes=[
            Route("/form", lambda request: HTMLResponse(form)),
            Route("/sandboxed", lambda request: HTMLResponse(sandboxed)),
        ]
    )


def posted_frame(page: Page, path: str, timeout: float = 30) -> Frame:
    """Return the frame of `page` that shows the answer to a post to `path`, once it has one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if urlsplit(frame.url).path == path:
                frame.wait_for_load_state()
                return frame
        page.wait_for_timeout(100)
    raise AssertionError(f"no frame of {page.url} posted to {path}")


def test_another_site_cannot_post_the_desks_forms_nor_reach_it_by_a_name_of_its_own(
    desk_demo: Path, serve_desk: Callable[..., str]
) -> None:
    from playwright.sync_api import Response

    org = "prosecutors-office"
    registry = desk_demo / "stakeholders.yaml"
    before = registry.read_bytes()
    url = serve_desk(desk_demo)
    port = url.rsplit(":", 1)[1]
    edit = f"/registry/organisations/{org}"
    # The form as the desk shows it, its name changed: valid, so only the door can refuse it.
    with logged_in(url) as http:
        shown = read_page(http.get(f"{url}{edit}", timeout=30).text)
    fields = {key: shown.value(key) for key in ORGANISATION_FIELDS}
    fields |= {"name": "Pwned", "edited_by": "Mallory", "csrf_token": "guessed"}
    # DNS rebinding, as the attacker's name server would answer: evil.example is 127.0.0.1.
    rebinding = ["--host-resolver-rules=MAP evil.example 127.0.0.1"]
    with (
        served(attacker_app(f"{url}{edit}", fields)) as attacker,
        browser_page(timeout_ms=30_000, chromium_args=rebinding) as page,
    ):

        def posted(response: Response) -> bool:
            return response.url.endswith(edit) and response.request.method == "POST"

        page.goto(login_url(url, SECRET))  # the coordinator has the desk open
        assert page.url == f"{url}/"
        # A page of another port of 127.0.0.1 (same site: the cookie goes along) posts a form.
        with page.expect_response(posted) as answer:
            page.goto(f"{attacker}/form")
        assert answer.value.request.header_value("origin") == attacker
        assert answer.value.status == 403
        assert registry.read_bytes() == before
        # A sandboxed iframe posts it with `Origin: null`, and without the cookie (an opaque
        # origin is another site); Playwright reports no event of it: its frame is read.
        page.goto(f"{attacker}/sandboxed")
        frame = posted_frame(page, edit)
        assert frame.title() == "403 · consult desk"
        assert registry.read_bytes() == before
        # A page of evil.example on the desk's port is of the desk's origin, and reads...
        rebound = f"http://evil.example:{port}"
        page.goto(f"{rebound}/static/desk.css")
        status, text = page.evaluate(READ_EXPORT, f"/trainings/{SLUG}/exports/registry.csv")
        assert (status, "@" in text) == (400, False)
        # ...or posts, with an Origin that is its Host.
        with page.expect_response(posted) as answer:
            page.set_content(attacker_form(f"{rebound}{edit}", fields))
        assert answer.value.request.header_value("origin") == rebound
        assert answer.value.status == 400
    assert registry.read_bytes() == before
    rebound_get = requests.get(
        f"{url}/trainings/{SLUG}/exports/registry.csv",
        headers={"Host": f"evil.example:{port}"},
        timeout=30,
    )
    assert rebound_get.status_code == 400


def test_a_coordinator_imports_a_spreadsheet_correcting_two_mistakes_in_the_page(
    desk_demo: Path, serve_desk: Callable[..., str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from tests.desk.registry_browser import confirm_import, correct_cells, problems, upload_sheet
    from tests.desk.test_registry_import import TWO_MISTAKES

    sheet = tmp_path / "contacts.csv"
    sheet.write_text(TWO_MISTAKES, encoding="utf-8")
    url = serve_desk(desk_demo)
    shots = screenshots(tmp_path)
    with browser_page(800, 900, timeout_ms=30_000) as page:
        page.goto(login_url(url, SECRET))
        upload_sheet(page, url, sheet)
        found = problems(page)
        assert len(found) == 2, found
        assert "column C (E-mail): got 'eka-at-example.gov.ge'" in found[0]
        page.screenshot(path=shots / "import-problems.png", full_page=True)
        correct_cells(
            page,
            {
                "contacts.csv, row 2, column C (E-mail)": "eka@example.gov.ge",
                "contacts.csv, row 3, column F (Time zone)": "Europe/Berlin",
            },
        )
        assert problems(page) == []
        expect(page.locator("#summary")).to_contain_text("contacts 2 added, 0 changed")
        page.screenshot(path=shots / "import-preview.png", full_page=True)
        done = confirm_import(page, "Nino Beridze")
        assert "contacts 2 added" in done
    text = (desk_demo / "stakeholders.yaml").read_text(encoding="utf-8")
    assert "eka@example.gov.ge" in text
    assert "Europe/Berlin" in text

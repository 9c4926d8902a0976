"""In Chromium: stakeholders open their page from the invitation in the outbox, in ka, en, ru.

The demo runs with CONSULT_PUBLIC_URL set, so every invitation it writes to the
outbox carries its recipient's link; the public pages are served there. A
Georgian invitee accepts; an English one declines with a comment and sends
written input as internal; a Russian one proposes one of the times offered.
Screenshots of each page go to $CONSULT_SCREENSHOTS, or else the test's folder.
"""

from __future__ import annotations

import email
import re
from contextlib import redirect_stdout
from email.message import EmailMessage
from email.policy import default
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from answers_web.app import create_app
from answers_web.resources import Public
from consult.cli import demo
from consult.settings import Settings
from consult.store import open_store
from consult.ui import free_port
from desk.serving import served
from tests.browser import browser_page, screenshots

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

SLUG = "intercultural-communication-2027"
GEORGIAN = "a.mchedlishvili@example.gov.ge"
ENGLISH = "jonas.lindqvist@example.org"
RUSSIAN = "a.melnikov@example.gov.ge"


def link_in_outbox(outbox: Path, address: str, public_url: str) -> str:
    """Return the personal page's link in the plain text of `address`'s invitation."""
    for path in sorted(outbox.glob("*.invitation.*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        if address not in str(message["To"]):
            continue
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        found = re.search(re.escape(public_url) + r"/i/\S+", body.get_content())
        assert found, body.get_content()
        return found.group(0)
    raise AssertionError(f"no invitation to {address} in {outbox}")


def demo_with_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, int]:
    """Return the settings of the demo run with the pages' address (a free port on 127.0.0.1,
    returned too) set, so that its messages carry their links."""
    port = free_port(0)
    public_url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("CONSULT_PUBLIC_URL", public_url)
    target = tmp_path / "demo"
    with redirect_stdout(StringIO()):
        demo(target)
    return Settings(workspace=target, public_url=public_url), port


def send_form(page: Page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def test_three_stakeholders_answer_on_their_pages_in_their_languages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    settings, port = demo_with_pages(tmp_path, monkeypatch)
    public_url = str(settings.public_url)
    shots = screenshots(tmp_path)
    links = {
        who: link_in_outbox(settings.outbox, who, public_url)
        for who in (GEORGIAN, ENGLISH, RUSSIAN)
    }

    with (
        served(create_app(Public(settings=settings)), port=port),
        browser_page(width=800, height=1000) as page,
    ):
        page.goto(links[GEORGIAN])
        expect(page.locator("html")).to_have_attribute("lang", "ka")
        expect(page.get_by_role("heading", level=1)).to_have_text("თქვენი საკონსულტაციო შეხვედრა")
        page.screenshot(path=str(shots / "public-ka-page.png"), full_page=True)
        page.get_by_label("დიახ, დავესწრები").check()
        send_form(page, "პასუხის გაგზავნა")
        expect(page.get_by_role("status")).to_have_text("თქვენი პასუხი ჩაწერილია: დაესწრებით.")
        page.screenshot(path=str(shots / "public-ka-accepted.png"), full_page=True)

        page.goto(links[ENGLISH])
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_label("No, I cannot attend").check()
        page.get_by_label("Comment (optional)").fill("On mission in Batumi that week, sorry.")
        page.screenshot(path=str(shots / "public-en-page.png"), full_page=True)
        send_form(page, "Send my answer")
        expect(page.get_by_role("status")).to_have_text(
            "Your answer is recorded: you cannot attend."
        )
        page.get_by_role("link", name="Back to your page").click()
        expect(page.locator("#answer-now")).to_contain_text("You declined.")
        theme = page.locator("fieldset.theme").first
        theme.get_by_label("What you would like to tell us").fill(
            "Investigators rarely have interpreters for Kurdish or Yezidi speakers."
        )
        theme.get_by_label("How serious is it?").select_option("3")
        page.get_by_label("Internal: shown to the trainers only").check()
        page.get_by_label("I agree that my written input is used in this way").check()
        page.screenshot(path=str(shots / "public-en-written.png"), full_page=True)
        send_form(page, "Send my written input")
        expect(page.get_by_role("status")).to_contain_text("Your written input is recorded.")
        page.screenshot(path=str(shots / "public-en-written-done.png"), full_page=True)

        page.goto(links[RUSSIAN])
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        page.get_by_label("Не в это время: предлагаю другое").check()
        offered = page.locator('input[name="time"]').first
        chosen = offered.get_attribute("value")
        offered.check()
        page.screenshot(path=str(shots / "public-ru-page.png"), full_page=True)
        send_form(page, "Отправить ответ")
        expect(page.get_by_role("status")).to_contain_text("Предложенное вами время записано.")
        page.screenshot(path=str(shots / "public-ru-proposed.png"), full_page=True)

    with open_store(settings.store_url) as store:
        answers = {
            a.email: a
            for meeting in store.meetings(SLUG)
            for a in store.attendees(meeting.id)
            if a.email in (GEORGIAN, ENGLISH)
        }
        declined = [
            r for m in store.meetings(SLUG) for r in store.replies(m.id) if r.attendee == ENGLISH
        ]
        written = [
            o
            for o in store.observations(SLUG)
            if o.key.startswith("written/") and o.source == ENGLISH
        ]
        counters = [c for c in store.counters(f"{SLUG}/") if c.proposer == RUSSIAN]
    assert answers[GEORGIAN].partstat == "ACCEPTED"
    assert answers[ENGLISH].partstat == "DECLINED"
    assert declined[-1].comment == "On mission in Batumi that week, sorry."
    assert [(o.confidentiality, o.severity) for o in written] == [("internal", 3)]
    assert [(c.state, c.start.isoformat()) for c in counters] == [("pending", chosen)]

"""In Debian's Chromium, at 800 px: a coordinator records a consent, correcting a mistake, then
forgets a contact after reading what goes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from desk.security import login_url
from tests.browser import browser_page, screenshots
from tests.desk.conftest import SECRET

pytestmark = pytest.mark.e2e

ORG = "mia-human-rights-department"
EKA = "e.lomidze@example.gov.ge"


def test_a_coordinator_records_a_consent_then_forgets_the_contact(
    desk_demo: Path, serve_desk: Callable[..., str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    url = serve_desk(desk_demo)
    shots = screenshots(tmp_path)
    contact = f"{url}/registry/organisations/{ORG}/contacts/{EKA}"
    with browser_page(800, 900, timeout_ms=30_000) as page:
        page.goto(login_url(url, SECRET))
        page.goto(contact)
        page.get_by_role("link", name="Consent…").click()
        page.get_by_label("given").check()
        page.get_by_label("On (YYYY-MM-DD; empty: today)").fill("2027-02-30")
        page.get_by_role("button", name="Record").click()
        summary = page.locator("#error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("expected a date such as 2027-01-15")
        expect(summary).to_contain_text("your name, for the audit log")
        assert page.evaluate("document.documentElement.scrollWidth") <= 800
        page.screenshot(path=shots / "consent-mistakes.png", full_page=True)
        page.get_by_label("On (YYYY-MM-DD; empty: today)").fill("")
        page.get_by_label("Recorded by (your name)").fill("Nino Beridze")
        page.get_by_role("button", name="Record").click()
        expect(page.locator("#consent-now")).to_have_text("given")

        page.goto(contact)
        page.get_by_role("link", name="Forget this person everywhere…").click()
        expect(page.locator("#what")).to_contain_text("pack v1: names them")
        assert page.evaluate("document.documentElement.scrollWidth") <= 800
        page.screenshot(path=shots / "forget.png", full_page=True)
        page.get_by_label("Forgotten by (your name)").fill("Nino Beridze")
        page.get_by_role("button", name=f"Forget {EKA} everywhere").click()
        expect(page.locator("#done")).to_contain_text("Forgotten everywhere")
    assert EKA not in (desk_demo / "stakeholders.yaml").read_text(encoding="utf-8")

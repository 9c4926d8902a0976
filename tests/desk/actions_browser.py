"""Browser steps of the desk's actions after the first send, for whole-path tests.

Each takes a Playwright `page` on a training page (or goes there with `url`) and
does what a coordinator does, then waits for the result panel the action
redirects to and returns its text:

    open_training(page, url, SLUG)
    read_replies(page)
    accept_counter(page, "Nino")
    reschedule_to_offered(page, "pm-human-rights-advisor", "Nino")
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page


def open_training(page: Page, url: str, slug: str) -> None:
    """Go to the training page of `slug` on the desk at `url` (its session opened)."""
    page.goto(f"{url}/trainings/{slug}")


def result(page: Page) -> str:
    """Return the text of the result panel the last action shows, once it shows."""
    from playwright.sync_api import expect

    panel = page.locator("#done")
    expect(panel).to_be_visible()
    return panel.inner_text()


def read_replies(page: Page) -> str:
    """Click "Read the replies now"; return what it recorded."""
    page.get_by_role("button", name="Read the replies now").click()
    return result(page)


def accept_counter(page: Page, name: str, decision: str = "Accept") -> str:
    """Accept (or Decline) the first counter-proposal waiting, as `name`."""
    row = page.locator("table.counters tbody tr").first
    row.get_by_label("Your name").fill(name)
    row.get_by_role("button", name=decision).click()
    return result(page)


def reschedule_to_offered(page: Page, planned: str, name: str) -> str:
    """Move the meeting `planned` to the first free time offered, as `name`."""
    page.locator(f"#meeting-{planned}").get_by_role("link", name="Move").click()
    page.locator('input[name="choice"]').first.check()
    page.get_by_label("Your name, for the audit log").fill(name)
    page.get_by_role("button", name="Move it and send the updates").click()
    return result(page)


def cancel_meeting(page: Page, planned: str, reason: str, name: str) -> str:
    """Cancel the meeting `planned` with `reason`, as `name`, after its confirmation page."""
    page.locator(f"#meeting-{planned}").get_by_role("link", name="Cancel").click()
    page.get_by_label("Why (for the audit log)").fill(reason)
    page.get_by_label("Your name, for the audit log").fill(name)
    page.get_by_role("button", name="Cancel the meeting and tell them").click()
    return result(page)


def send_reminders(page: Page) -> str:
    """Click "Send the reminders due now"; return what went out."""
    page.get_by_role("button", name="Send the reminders due now").click()
    return result(page)


def compile_pack(page: Page) -> int:
    """Compile the pack (nothing sent); return the version compiled."""
    page.get_by_role("button", name="Compile the pack (sends nothing)").click()
    found = re.search(r"Version (\d+) compiled", result(page))
    assert found, result(page)
    return int(found.group(1))


def send_pack(page: Page, version: int, name: str) -> str:
    """Send version `version` of the pack to the experts, as `name`."""
    form = page.locator("#pack form", has_text=f"Send version {version}")
    form.get_by_label("Your name").fill(name)
    form.get_by_role("button", name=f"Send version {version} to the experts").click()
    return result(page)

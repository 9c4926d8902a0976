"""In a real browser: start plan-consultations from its form, approve in the resume form.

Playwright drives Debian's Chromium (/usr/bin/chromium, installed by `make
system`); it never downloads a browser of its own. Screenshots of each step go
to $CONSULT_SCREENSHOTS, or else the test's temporary folder; the test prints where.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

from consult.settings import Settings
from consult.store import open_store
from consult.ui import Running
from tests.browser import browser_page, screenshots
from tests.uiserver import DEMO_SLUG, trigger, wait_for_state

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, Response

pytestmark = pytest.mark.e2e

SLUG = "intercultural-communication-2027"
SUBMITS = 3


def submit(page: Page, form: Callable[[], Locator], endpoint: str) -> Response:
    """Fill in a form (`form` returns its Submit button) and submit it; return the API's answer.

    On SQLite, Prefect's server answers 503 "Service Unavailable" when another
    write (the runner's poll, a log, an event) commits between the reads and
    the write of a request's transaction (SQLITE_BUSY_SNAPSHOT); nothing is
    changed and the UI shows the error. A coordinator submits again, and so
    does this test, up to `SUBMITS` times; any other answer ends it.
    """
    for attempt in range(1, SUBMITS + 1):
        button = form()
        with page.expect_response(
            lambda r: r.url.endswith(endpoint) and r.request.method == "POST"
        ) as answered:
            button.click()
        if answered.value.status != 503 or attempt == SUBMITS:
            break
        print(f"submit {attempt} to {endpoint}: 503 {answered.value.text()}, submitting again")
    return answered.value


def test_a_coordinator_plans_a_round_and_approves_it_in_the_prefect_ui(
    served_demo: tuple[Running, Path], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    ui, workspace = served_demo
    api = f"{ui.url}/api"
    shots = screenshots(tmp_path)
    with browser_page(1400, 1000, timeout_ms=60_000) as page:
        page.goto(f"{ui.url}/deployments")
        page.get_by_role("link", name="plan-consultations").first.click()
        page.get_by_role("button", name="Run", exact=True).click()
        page.get_by_text("Custom run").click()
        expect(page.get_by_text("Which round to plan, and how.")).to_be_visible()
        expect(page.get_by_text("How long the proposal waits for a decision.")).to_be_visible()
        # No training by default: the form offers the workspace's, and one is chosen.
        choice = page.locator(".schema-form-property-string .p-select-button__control").first
        choice.press("ArrowDown")  # the choices open from the keyboard, as a listbox
        page.get_by_role("option", name=DEMO_SLUG, exact=True).click()
        expect(choice).to_have_text(DEMO_SLUG)
        page.screenshot(path=shots / "1-parameter-form.png", full_page=True)
        created = submit(
            page, lambda: page.get_by_role("button", name="Submit"), "/create_flow_run"
        )
        assert created.status == 201, created.text()
        run = created.json()["id"]
        paused = wait_for_state(api, run, {"PAUSED"})
        assert paused["state_name"] == "Paused", paused["state_name"]
        page.goto(f"{ui.url}/runs/flow-run/{run}")
        dialog = page.get_by_role("dialog")

        def decision() -> Locator:
            if not dialog.is_visible():
                page.get_by_role("button", name="Resume").first.click()
            expect(dialog.get_by_text("meetings placed. Approve to confirm")).to_be_visible()
            dialog.get_by_role("textbox").last.fill("Nino Beridze")
            page.screenshot(path=shots / "2-resume-form.png", full_page=True)
            return dialog.get_by_role("button", name="Submit")

        resumed = submit(page, decision, f"/{run}/resume")
        assert resumed.status == 201, resumed.text()

        done = wait_for_state(api, run, {"COMPLETED"})
        assert done["state_type"] == "COMPLETED", done["state_name"]
        page.reload()
        expect(page.get_by_text("Completed").first).to_be_visible()
        page.screenshot(path=shots / "3-completed.png", full_page=True)
    # A training the workspace does not hold cannot be submitted, even past the form.
    with pytest.raises(requests.HTTPError) as refused:
        trigger(api, "plan-consultations", {"parameters": {"training": "no-such-training"}})
    assert refused.value.response.status_code in (409, 422)
    with open_store(Settings(workspace=workspace).store_url) as store:
        meetings = store.meetings(SLUG)
        decisions = [e for e in store.audit_log() if e.actor == "Nino Beridze"]
    assert meetings
    assert {m.status for m in meetings} == {"confirmed"}
    assert decisions
    for name in ("1-parameter-form.png", "2-resume-form.png", "3-completed.png"):
        assert (shots / name).stat().st_size > 10_000

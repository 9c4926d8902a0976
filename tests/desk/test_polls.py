"""A date poll on the desk: the votes under the meeting, a vote recorded for someone, the pick."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from consult.application.polls import record_vote
from consult.bootstrap import assemble
from consult.mail.invitations import send_round
from consult.mail.mailing import round_mailing
from consult.mail.sender import choose_sender
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.desk.conftest import SLUG as DEMO
from tests.desk.conftest import DeskClient
from tests.desk.html import read_page
from tests.polls import ANNA, IVAN, MEETING, NINO, ROUND, SLUG, planned_poll

POLL = f"/trainings/{SLUG}/meetings/{ROUND}/mia/poll"


@pytest.fixture
def polled(write_workspace: Callable[..., Path]) -> Path:
    """The poll round planned, approved and its poll messages sent; Nino voted by email."""
    root = planned_poll(write_workspace)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        built = assemble(settings, load_workspace(root), store)
        mail = round_mailing(built.workspace, SLUG, ROUND, choose_sender(settings), built.now())
        send_round(mail, store, built.transport)
        record_vote(built, MEETING, NINO, {1: "no", 2: "yes", 3: "if_need_be"})
    return root


def outbox(root: Path, kind: str) -> list[Path]:
    return sorted((Settings(workspace=root).outbox).glob(f"*.{kind}.*.eml"))


def test_the_training_page_shows_the_poll_times_and_each_invitees_votes(
    polled: Path, open_desk: Callable[..., DeskClient]
) -> None:
    answer = open_desk(polled).get(f"/trainings/{SLUG}")
    assert answer.status_code == 200, answer.text
    page = read_page(answer.text)
    assert "round-1/mia: its date poll waits for your pick" in answer.text
    assert "Date poll: 3 times" in page.text("meeting-mia")
    assert "voting" in page.text("meeting-mia")
    votes = page.text("poll-mia")
    assert "Votes on the times of mia" in votes
    assert "ნინო ბერიძე" in votes
    assert "0 yes · 1 if need be · 0 no" in votes
    assert "1 yes · 0 if need be · 0 no" in votes
    assert "best so far" in votes
    assert POLL in answer.text


def test_a_vote_given_by_phone_is_recorded_on_the_desk_and_audited(
    polled: Path, open_desk: Callable[..., DeskClient]
) -> None:
    client = open_desk(polled)
    answer = client.post(
        f"{POLL}/vote",
        data={"voter": ANNA, "vote-1": "yes", "vote-2": "", "vote-3": "no", "voter_by": "Nino"},
    )
    assert answer.status_code == 200, answer.text
    assert f"The vote of {ANNA} is recorded." in answer.text
    with open_store(Settings(workspace=polled).store_url) as store:
        poll = store.poll(MEETING)
        [event] = [e for e in store.audit_log(MEETING) if e.detail.get("attendee") == ANNA]
    assert poll is not None
    assert poll.votes[ANNA] == {1: "yes", 3: "no"}
    assert (event.actor, event.detail["via"]) == ("Nino", "desk")


def test_a_vote_with_mistakes_comes_back_with_each_beside_its_field_and_nothing_stored(
    polled: Path, open_desk: Callable[..., DeskClient]
) -> None:
    answer = open_desk(polled).post(
        f"{POLL}/vote", data={"voter": "someone@example.org", "voter_by": ""}
    )
    assert answer.status_code == 400
    page = read_page(answer.text)
    assert page.text("voter-error") == "got 'someone@example.org', expected one of the invitees"
    assert page.text("vote-1-error") == "give a vote on at least one time"
    assert page.text("voter_by-error").startswith("give your name")
    assert 'href="#voter"' in answer.text
    with open_store(Settings(workspace=polled).store_url) as store:
        assert set(store.poll(MEETING).votes) == {NINO}  # type: ignore[union-attr]


def test_the_pick_needs_a_time_and_a_name_then_sends_the_invitations_once(
    polled: Path, open_desk: Callable[..., DeskClient]
) -> None:
    client = open_desk(polled)
    refused = client.post(POLL, data={"option": "9", "by": ""})
    assert refused.status_code == 400
    page = read_page(refused.text)
    assert page.text("option-error") == "got '9', expected one of the times, 1 to 3"
    assert page.text("by-error").startswith("give your name")
    assert outbox(polled, "invitation") == []

    picked = client.post(POLL, data={"option": "2", "by": "Nino"}, follow_redirects=False)
    assert picked.status_code == 303
    done = client.get(picked.headers["location"])
    assert "option 2 picked" in read_page(done.text).text("done")
    assert "4 invitations: 4 sent." in read_page(done.text).text("done")
    assert len(outbox(polled, "invitation")) == 4
    with open_store(Settings(workspace=polled).store_url) as store:
        poll = store.poll(MEETING)
        meeting = store.get_meeting(MEETING)
        [event] = [e for e in store.audit_log(MEETING) if e.action == "poll.picked"]
    assert poll is not None
    assert meeting is not None
    assert (poll.picked, meeting.start, meeting.sequence) == (2, poll.options[1].start, 0)
    assert (event.actor, event.detail["votes"]) == ("Nino", {"yes": 1, "if_need_be": 0, "no": 0})

    again = client.post(POLL, data={"option": "1", "by": "Levan"})
    assert again.status_code == 400
    assert "option 2 was picked already (by Nino)" in again.text
    assert len(outbox(polled, "invitation")) == 4
    page = read_page(client.get(f"/trainings/{SLUG}").text)
    assert "option 2 picked by Nino" in page.text("poll-mia")


def test_the_finished_demo_shows_its_date_poll_picked_with_the_votes(
    desk_client: DeskClient,
) -> None:
    page = read_page(desk_client.get(f"/trainings/{DEMO}").text)
    votes = page.text("poll-justice-bridge-legal-aid")
    assert "Votes on the times of justice-bridge-legal-aid" in votes
    assert "picked by demo" in votes
    assert "Арсен Оганесян" in votes


def test_a_meeting_that_is_no_poll_has_no_poll_page(
    polled: Path, open_desk: Callable[..., DeskClient]
) -> None:
    assert open_desk(polled).get(POLL.replace("/mia/", "/nobody/")).status_code == 404


def test_the_vote_recorded_on_the_desk_is_the_one_the_invitee_gave_not_a_guess(
    polled: Path, open_desk: Callable[..., DeskClient]
) -> None:
    """An option left "unchanged" keeps the invitee's earlier vote on it."""
    client = open_desk(polled)
    client.post(f"{POLL}/vote", data={"voter": NINO, "vote-1": "yes", "voter_by": "Nino"})
    with open_store(Settings(workspace=polled).store_url) as store:
        poll = store.poll(MEETING)
    assert poll is not None
    assert poll.votes[NINO] == {1: "yes", 2: "yes", 3: "if_need_be"}
    assert IVAN not in poll.votes


@pytest.mark.e2e
@pytest.mark.parametrize("width", [800])
def test_in_chromium_the_coordinator_reads_the_votes_and_picks_the_time_then_it_is_invited(
    polled: Path, serve_desk: Callable[..., str], tmp_path: Path, width: int
) -> None:
    from playwright.sync_api import expect

    from desk.security import login_url
    from tests.browser import browser_page, screenshots
    from tests.desk.conftest import SECRET

    url = serve_desk(polled)
    shots = screenshots(tmp_path)
    with browser_page(width, 900, timeout_ms=30_000) as page:
        page.goto(login_url(url, SECRET))
        page.goto(f"{url}/trainings/{SLUG}")
        votes = page.locator("#poll-mia")
        expect(votes).to_contain_text("Votes on the times of mia")
        expect(votes).to_contain_text("ნინო ბერიძე")
        page.screenshot(path=shots / "1-poll-votes.png", full_page=True)
        votes.get_by_role("link", name="Pick the time").click()
        expect(page.get_by_role("heading", name="Date poll of mia")).to_be_visible()
        # no name: the form comes back, the focus on the summary, the error beside the field
        page.get_by_role("radio", name="2.").check()
        page.get_by_role("button", name="Pick this time and send the invitations").click()
        expect(page.locator("#error-summary")).to_be_focused()
        expect(page.locator("#by-error")).to_contain_text("give your name")
        expect(page.get_by_role("radio", name="2.")).to_be_checked()
        page.screenshot(path=shots / "2-pick-with-a-mistake.png", full_page=True)
        page.get_by_label("Your name, for the audit log").first.fill("Nino Beridze")
        page.get_by_role("button", name="Pick this time and send the invitations").click()
        expect(page.locator("#done")).to_contain_text("option 2 picked")
        expect(page.locator("#done")).to_contain_text("4 invitations: 4 sent.")
        expect(page.locator("#poll-mia")).to_contain_text("option 2 picked by Nino Beridze")
        wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not wide, "the training page scrolls sideways with a poll on it"
        page.screenshot(path=shots / "3-picked.png", full_page=True)
    assert len(outbox(polled, "invitation")) == 4
    assert len(outbox(polled, "poll")) == 3

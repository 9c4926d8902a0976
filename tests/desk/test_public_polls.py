"""A date poll on the personal page: each invitee votes on its times, in their language."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from answers_web.app import create_app
from answers_web.resources import Public
from consult.answers.tokens import PageLinks
from consult.application.polls import pick, poll_of
from consult.bootstrap import assemble
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.desk.public_fixtures import PUBLIC_URL, TestClient, post
from tests.polls import ANNA, IVAN, MEETING, NINO, SLUG, planned_poll


def client_and_paths(root: Path) -> tuple[TestClient, dict[str, str]]:
    settings = Settings(workspace=root, public_url=PUBLIC_URL)
    links = PageLinks.of(settings)
    assert links is not None
    end = load_workspace(root).training(SLUG).end
    paths = {email: urlsplit(links.url(MEETING, email, end)).path for email in (NINO, ANNA, IVAN)}
    return TestClient(create_app(Public(settings=settings))), paths


def ballot(*votes: str) -> dict[str, str]:
    """Return the vote form's fields: each option's vote, from the first."""
    return {f"vote-{n}": vote for n, vote in enumerate(votes, start=1)}


def poll_state(root: Path) -> dict[str, dict[int, str]]:
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        poll = poll_of(assemble(settings, load_workspace(root), store), MEETING)
        return {e: dict(v) for e, v in poll.votes.items()}


def test_three_invitees_vote_on_their_pages_and_a_later_vote_replaces_the_earlier(
    write_workspace: Callable[..., Path],
) -> None:
    root = planned_poll(write_workspace)
    client, paths = client_and_paths(root)
    with client:
        english = client.get(paths[ANNA])
        assert english.status_code == 200
        assert "Which times suit you?" in english.text
        assert 'action="/i/' in english.text
        assert "/vote" in english.text
        assert "Can you attend?" not in english.text  # no time to accept yet
        assert "You have not voted yet." in english.text
        assert english.text.count('type="radio" name="vote-') == 9  # 3 times x 3 choices
        intro = english.text.split("Which times suit you?", 1)[1].split("</p>", 1)[0]
        # the last day of voting, as the poll's email says it: a day, not an hour's slot
        assert re.search(r"votes close on \d{1,2} \w+ \d{4}\. ", intro), intro
        georgian = client.get(paths[NINO]).text
        assert "რომელი დრო გაწყობთ?" in georgian
        russian = client.get(paths[IVAN]).text
        assert "Какое время вам подходит?" in russian

        votes = {"vote-1": "yes", "vote-2": "if_need_be", "vote-3": "no"}
        done = post(client, f"{paths[ANNA]}/vote", english.text, votes, follow_redirects=False)
        assert done.status_code == 303, done.text
        assert "Your votes are recorded" in client.get(done.headers["location"]).text
        post(
            client,
            f"{paths[NINO]}/vote",
            georgian,
            {"vote-1": "no", "vote-2": "yes", "vote-3": "yes"},
        )
        post(
            client,
            f"{paths[IVAN]}/vote",
            russian,
            {"vote-1": "yes", "vote-2": "yes", "vote-3": "no"},
        )
        again = client.get(paths[ANNA]).text
        assert 'id="vote-1-yes" value="yes" checked' in again  # the page shows the vote
        assert "Your votes are recorded; you may change them below." in again

        post(
            client, f"{paths[ANNA]}/vote", again, {"vote-1": "no", "vote-2": "yes", "vote-3": "no"}
        )
    assert poll_state(root) == {
        ANNA: {1: "no", 2: "yes", 3: "no"},
        NINO: {1: "no", 2: "yes", 3: "yes"},
        IVAN: {1: "yes", 2: "yes", 3: "no"},
    }


def test_a_vote_missing_a_time_records_nothing_and_says_so_beside_it(
    write_workspace: Callable[..., Path],
) -> None:
    root = planned_poll(write_workspace)
    client, paths = client_and_paths(root)
    with client:
        page = client.get(paths[ANNA]).text
        answer = post(client, f"{paths[ANNA]}/vote", page, {"vote-1": "yes", "vote-3": "maybe"})
    assert answer.status_code == 400
    assert 'href="#vote-2-yes"' in answer.text
    assert 'href="#vote-3-yes"' in answer.text
    assert 'id="vote-2-yes-error"' in answer.text
    assert poll_state(root) == {}


def test_once_picked_the_page_is_an_ordinary_meetings_page_and_takes_no_vote(
    write_workspace: Callable[..., Path],
) -> None:
    root = planned_poll(write_workspace)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        pick(assemble(settings, load_workspace(root), store), MEETING, 2, "Lela")
    client, paths = client_and_paths(root)
    with client:
        page = client.get(paths[ANNA])
        assert "Can you attend?" in page.text
        assert "Which times suit you?" not in page.text
        refused = post(client, f"{paths[ANNA]}/vote", page.text, {"vote-1": "yes"})
    assert refused.status_code == 404
    assert dt.date.today() <= load_workspace(root).training(SLUG).end

"""What a stakeholder gave on their page (votes, written input, the consent with it) is
theirs to see and to have erased, as everything else consult keeps about them (issue 31)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from consult.application.access import personal_data
from consult.application.privacy import forget
from consult.settings import Settings
from consult.store import open_store
from tests.desk.public_fixtures import post
from tests.desk.test_public_polls import ballot, client_and_paths
from tests.integration.test_personal_data import built, places_naming
from tests.polls import ANNA, MEETING, SLUG, planned_poll

ANNA_NAME = "Anna Smith"


def test_a_voter_who_wrote_input_is_shown_it_then_forgotten_everywhere(
    write_workspace: Callable[..., Path],
) -> None:
    root = planned_poll(write_workspace)
    client, paths = client_and_paths(root)
    with client:
        page = client.get(paths[ANNA]).text
        post(client, f"{paths[ANNA]}/vote", page, ballot("yes", "no", "if_need_be"))
        theme = page.split('name="text-', 1)[1].split('"', 1)[0]
        written = post(
            client,
            f"{paths[ANNA]}/written",
            page,
            {
                f"text-{theme}": "Victims are not told of their rights in English.",
                f"severity-{theme}": "3",
                "confidentiality": "internal",
                "consent": "yes",
            },
            follow_redirects=False,
        )
        assert written.status_code == 303, written.text
    settings = Settings(workspace=root)
    held = personal_data(built(settings), ANNA)
    assert [o["text"] for o in held["observations"]] == [
        "Victims are not told of their rights in English."
    ]
    assert [c["how"] for c in held["consent"]] == ["page"]
    assert [v["vote"] for v in held["votes"]] == ["yes", "no", "if_need_be"]
    with open_store(settings.store_url) as store:
        poll = store.poll(MEETING)
        assert poll is not None
        assert ANNA in poll.votes

    forget(built(settings), ANNA, by="tester")

    assert places_naming(settings, ANNA, ANNA_NAME) == []
    with open_store(settings.store_url) as store:
        poll = store.poll(MEETING)
        assert poll is not None
        assert ANNA not in poll.votes
        [kept] = [o for o in store.observations(SLUG) if o.text.startswith("Victims")]
        assert kept.source is None  # kept for the training, no longer theirs

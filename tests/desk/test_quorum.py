"""A meeting every invitee declined waits for the coordinator on the training page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from consult.settings import Settings
from consult.store import open_store
from consult.store.observations import written
from consult.workspace.loading import load_workspace
from tests.desk.conftest import SLUG
from tests.desk.html import read_page

PLANNED = "pm-human-rights-advisor"
"""A demo meeting without notes: it has not taken place."""


def test_a_meeting_every_invitee_declined_is_flagged_with_free_times(
    desk_demo: Path, open_desk: Callable[..., TestClient]
) -> None:
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        meeting = store.get_meeting(f"{SLUG}/round-1/{PLANNED}")
        assert meeting is not None
        for guest in store.attendees(meeting.id):
            if guest.role != "CHAIR":
                store.record_reply(meeting.id, guest.email, "DECLINED", meeting.sequence, "test")
        now = meeting.start - dt.timedelta(days=1)
        # with notes: the demo's written input (OHCHR's) is no notes of a meeting held
        noted = {o.meeting_id for o in store.observations(SLUG) if not written(o.key)}
        [accepting, *_] = [
            m
            for m in store.meetings(SLUG)
            if m.status == "confirmed"
            and m.start > now
            and m.id not in noted
            and m.organisation != meeting.organisation
            and not m.id.endswith("scmi-secretariat")
        ]
        for guest in store.attendees(accepting.id):
            if guest.role != "CHAIR":
                store.record_reply(
                    accepting.id, guest.email, "ACCEPTED", accepting.sequence, "test"
                )
    client = open_desk(desk_demo, clock=lambda: now)
    answer = client.get(f"/trainings/{SLUG}")
    assert answer.status_code == 200, answer.text
    page = read_page(answer.text)
    waiting = page.html.split('aria-label="Waits for you"', 1)[1].split("</section>", 1)[0]
    assert f"round-1/{PLANNED} on " in waiting
    assert "every invitee declined;" in waiting
    assert "free times that keep every rule (Asia/Tbilisi)" in waiting
    assert "no quorum" in page.text(f"meeting-{PLANNED}")
    assert "every invitee declined" in page.text(f"meeting-{PLANNED}")
    assert "no acceptance 3 days before it" in page.text("meeting-scmi-secretariat")
    assert "no quorum" not in page.text("meeting-mosaic-minority-rights-centre")  # notes in
    # The answers per organisation carry it too: the worst of the organisation's meetings.
    answers = page.table("answers")
    quorum = {row[0]: row[-1] for row in answers.rows}
    assert answers.header[-1] == "Quorum"
    names = {o.id: o.name.en for o in load_workspace(desk_demo).stakeholders.organisations}
    assert quorum[names[meeting.organisation]] == "no quorum"
    assert quorum[names[accepting.organisation]] == "met"
    assert set(quorum.values()) <= {"no quorum", "not yet", "met", ""}

    # The home page lists the same things that wait, not "nothing".
    home = read_page(client.get("/").text)
    listed = home.html.split(f'id="waits-{SLUG}"', 1)[1].split("</td>", 1)[0]
    on_page = [
        line for line in waiting.split("<li>")[1:] if not line.startswith("nothing due today")
    ]
    assert on_page
    for line in on_page:
        assert line.split("</li>", 1)[0] in listed
    assert f"{len(on_page)} thing" in home.text(f"waits-{SLUG}")
    assert "nothing" not in home.text(f"waits-{SLUG}").split()

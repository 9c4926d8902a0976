"""The pack's consultation log names who each meeting invited (its facilitators left out)."""

from __future__ import annotations

import datetime as dt

from consult.briefing.render import render_pack
from consult.demo import DEMO_WORKSPACE
from consult.workspace.loading import load_workspace
from schemas.state import Attendee
from tests.unit.briefing.demo_pack import NOW, SLUG, analysed, held_meeting

MEETING = f"{SLUG}/round-1/coordinators-east"


def attendee(name: str, email: str, role: str = "REQ-PARTICIPANT") -> Attendee:
    return Attendee(
        meeting_id=MEETING,
        email=email,
        name=name,
        role=role,
        organisation=None if role == "CHAIR" else "mia-victim-coordinators",
        language="ka",
        timezone="Asia/Tbilisi",
    )


def test_the_log_of_the_pack_lists_the_people_invited_in_html_and_markdown() -> None:
    workspace = load_workspace(DEMO_WORKSPACE)
    training = workspace.training(SLUG)
    meeting = held_meeting(
        "coordinators-east",
        "mia-victim-coordinators",
        "group_discussion",
        dt.datetime(2027, 1, 6, 8, 0, tzinfo=dt.UTC),
        2,
        "east@consult",
    )
    invited = [
        attendee("ლევან ქავთარაძე", "levan.kavtaradze@iom.example.org", "CHAIR"),
        attendee("მაკა გოგუაძე", "m.goguadze@example.gov.ge"),
        attendee("შოთა ბუაჩიძე", "sh.buachidze@example.gov.ge"),
    ]
    analysis = analysed(meeting, invited=invited)
    [entry] = analysis.log
    assert entry.invitees == ("მაკა გოგუაძე", "შოთა ბუაჩიძე")
    for language, label in (("en", "Invited"), ("ka", "მოწვეულები"), ("ru", "Приглашены")):
        pack = render_pack(analysis, training, language, version=1, compiled=NOW.date())
        assert f"{label}: მაკა გოგუაძე, შოთა ბუაჩიძე" in pack.html, language
        assert f"{label}: მაკა გოგუაძე, შოთა ბუაჩიძე" in pack.markdown, language
        assert "ლევან ქავთარაძე" not in pack.markdown.split("## 4.")[0].split("## 3.")[1]

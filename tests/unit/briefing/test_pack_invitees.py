"""The pack's consultation log names who each meeting invited (its facilitators left out)."""

from __future__ import annotations

import datetime as dt

from consult.briefing.analysis import analyse
from consult.briefing.render import render_pack
from consult.demo import DEMO_WORKSPACE
from consult.workspace.loading import load_workspace
from schemas.state import Attendee, Meeting

SLUG = "intercultural-communication-2027"
NOW = dt.datetime(2027, 1, 20, 12, 0, tzinfo=dt.UTC)
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
    start = dt.datetime(2027, 1, 6, 8, 0, tzinfo=dt.UTC)
    meeting = Meeting(
        id=MEETING,
        training=SLUG,
        round="round-1",
        organisation="mia-victim-coordinators",
        format="group_discussion",
        status="held",
        start=start,
        end=start + dt.timedelta(hours=2),
        uid="east@consult",
        sequence=0,
        updated_at=NOW,
    )
    invited = [
        attendee("ლევან ქავთარაძე", "levan.kavtaradze@iom.example.org", "CHAIR"),
        attendee("მაკა გოგუაძე", "m.goguadze@example.gov.ge"),
        attendee("შოთა ბუაჩიძე", "sh.buachidze@example.gov.ge"),
    ]
    analysis = analyse(
        training,
        SLUG,
        workspace.stakeholders.organisations,
        [meeting],
        [],
        {MEETING: invited},
        {},
        NOW,
    )
    [entry] = analysis.log
    assert entry.invitees == ("მაკა გოგუაძე", "შოთა ბუაჩიძე")
    for language, label in (("en", "Invited"), ("ka", "მოწვეულები"), ("ru", "Приглашены")):
        pack = render_pack(analysis, training, language, version=1, compiled=NOW.date())
        assert f"{label}: მაკა გოგუაძე, შოთა ბუაჩიძე" in pack.html, language
        assert f"{label}: მაკა გოგუაძე, შოთა ბუაჩიძე" in pack.markdown, language
        assert "ლევან ქავთარაძე" not in pack.markdown.split("## 4.")[0].split("## 3.")[1]

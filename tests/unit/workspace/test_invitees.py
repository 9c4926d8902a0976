"""Who a meeting invites: every contact, or those its `attendees` name, checked on loading."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from consult.demo import DEMO_WORKSPACE
from consult.errors import WorkspaceError
from consult.planning.feeds import FeedResult
from consult.planning.plan import plan_round, schedule_rows
from consult.workspace.invitees import invitees
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT, TINY_STAKEHOLDERS, TINY_TRAINING

DEMO = "intercultural-communication-2027"

COORDINATORS = (
    TINY_STAKEHOLDERS
    + """\
      - name: Maka Goguadze
        email: maka@mia.example.gov.ge
        role: Senior coordinator, Tbilisi
        language: ka
        timezone: Asia/Tbilisi
        location: Tbilisi
        busy_feed: https://feeds.example.org/maka.ics
"""
)
"""Two coordinators: Giorgi (no location) and Maka in Tbilisi, who publishes her busy time."""

GROUP = """\
        - id: group
          organisation: coordinators
          format: group_discussion
          duration_minutes: 60
          facilitators: [lela]
"""


def training_with(attendees: str = "") -> str:
    """Return the tiny training with a group discussion of the coordinators, inviting those."""
    return TINY_TRAINING.replace("briefing:\n", GROUP + attendees + "briefing:\n")


def group(root: Path) -> tuple[str, ...]:
    workspace = load_workspace(root)
    training = workspace.training("winter-2027")
    planned = training.round("round-1").meetings[1]
    organisation = workspace.stakeholders.organisation(planned.organisation)
    return tuple(c.email for c in invitees(planned, organisation))


def test_a_meeting_without_attendees_invites_every_contact(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(COORDINATORS, {"winter-2027": training_with()})
    assert group(root) == ("giorgi@mia.example.gov.ge", "maka@mia.example.gov.ge")


def test_attendees_by_email_location_or_role_invite_the_contacts_they_name(
    write_workspace: Callable[..., Path],
) -> None:
    by_email = "          attendees: [GIORGI@mia.example.gov.ge]\n"
    by_location = "          attendees:\n            - location: tbilisi\n"
    by_role = "          attendees:\n            - role: senior\n"
    for attendees, expected in (
        (by_email, ("giorgi@mia.example.gov.ge",)),
        (by_location, ("maka@mia.example.gov.ge",)),
        (by_role, ("maka@mia.example.gov.ge",)),
    ):
        root = write_workspace(COORDINATORS, {"winter-2027": training_with(attendees)})
        assert group(root) == expected, attendees


def test_an_attendee_who_is_no_contact_of_the_organisation_names_file_line_field_and_value(
    write_workspace: Callable[..., Path],
) -> None:
    attendees = "          attendees: [nino@mia.example.gov.ge]\n"
    root = write_workspace(COORDINATORS, {"winter-2027": training_with(attendees)})
    with pytest.raises(WorkspaceError) as raised:
        load_workspace(root)
    assert str(raised.value).endswith(
        "trainings/winter-2027.yaml, line 60, "
        "consultation.rounds[0].meetings[1].attendees[0].email: got 'nino@mia.example.gov.ge', "
        "expected the email of a contact of coordinators "
        "(giorgi@mia.example.gov.ge, maka@mia.example.gov.ge)"
    )


def test_a_filter_that_matches_nobody_names_its_field_and_the_known_values(
    write_workspace: Callable[..., Path],
) -> None:
    attendees = "          attendees:\n            - location: Batumi\n            - role: Judge\n"
    root = write_workspace(COORDINATORS, {"winter-2027": training_with(attendees)})
    with pytest.raises(WorkspaceError) as raised:
        load_workspace(root)
    message = str(raised.value)
    assert (
        "trainings/winter-2027.yaml, line 61, consultation.rounds[0].meetings[1].attendees[0]"
        ".location: got 'Batumi', expected the location of a contact of coordinators (Tbilisi)"
    ) in message
    assert (
        "line 62, consultation.rounds[0].meetings[1].attendees[1].role: got 'Judge', "
        "expected a part of the role of a contact of coordinators "
        "(Coordinator, Batumi, Senior coordinator, Tbilisi)"
    ) in message


def test_planning_counts_only_the_busy_time_of_the_people_invited(
    write_workspace: Callable[..., Path],
) -> None:
    # Maka is busy the whole round; a meeting that does not invite her still finds a time.
    always = ((PLANNED_AT, PLANNED_AT.replace(year=2027, month=2)),)
    url = "https://feeds.example.org/maka.ics"
    feeds = {url: FeedResult(url, busy=always)}
    giorgi = "          attendees: [giorgi@mia.example.gov.ge]\n"
    for attendees, placed in (("", False), (giorgi, True)):
        root = write_workspace(COORDINATORS, {"winter-2027": training_with(attendees)})
        workspace = load_workspace(root)
        plan = plan_round(workspace, "winter-2027", "round-1", feeds, [], now=PLANNED_AT)
        [row] = [r for r in plan.rows if r.id.endswith("/group")]
        assert (row.start is not None) is placed, attendees
        if placed:
            emails = [a.email for a in row.attendees if a.role != "CHAIR"]
            assert emails == ["giorgi@mia.example.gov.ge"]
            [shown] = [r for r in schedule_rows(workspace, plan) if r["meeting"] == "group"]
            assert shown["invited"] == "გიორგი კაპანაძე"


def test_the_demos_two_regional_discussions_invite_disjoint_coordinators() -> None:
    workspace = load_workspace(DEMO_WORKSPACE)
    meetings = {m.id: m for m in workspace.training(DEMO).round("round-1").meetings}
    east, west = meetings["coordinators-east"], meetings["coordinators-west"]
    coordinators = workspace.stakeholders.organisation(east.organisation)
    invited_east = {c.email for c in invitees(east, coordinators)}
    invited_west = {c.email for c in invitees(west, coordinators)}
    assert invited_east
    assert invited_west
    assert not invited_east & invited_west
    assert invited_east | invited_west == {c.email for c in coordinators.contacts}

"""Validation errors read the same in the workspace and in notes: file, line, field, value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from consult.errors import WorkspaceError
from consult.notes.files import read_notes_file
from consult.notes.meetings import HINTS
from consult.workspace.loading import load_workspace
from consult.workspace.problems import problems_from_validation
from consult.workspace.yamlfile import Loc, path_of
from schemas.notes import MeetingNotes
from tests.conftest import TINY_STAKEHOLDERS

MEETING = {"meeting": "east", "organisation": "mia", "date": "2027-01-06"}
OBSERVATION = {"kind": "gap", "theme": "referral", "severity": 2, "text": "No form."}


def workspace_problems(root: Path) -> list[str]:
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(root)
    return [str(problem) for problem in caught.value.problems]


def notes_problems(data: dict[str, object]) -> list[str]:
    def locate(loc: Loc) -> tuple[int | None, str]:
        return None, path_of(loc)

    with pytest.raises(ValidationError) as caught:
        MeetingNotes.model_validate(data)
    found = problems_from_validation(caught.value, MeetingNotes, "east.yaml", locate, HINTS)
    return [str(problem) for problem in found]


def test_a_blank_workspace_text_asks_for_at_least_one_character(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("role: Head of department", 'role: " "'))
    assert workspace_problems(root) == [
        "stakeholders.yaml, line 11, organisations[0].contacts[0].role: got ' ', "
        "expected at least 1 character"
    ]


def test_an_empty_workspace_list_asks_for_at_least_one_item(
    write_workspace: Callable[..., Path],
) -> None:
    head, rest = TINY_STAKEHOLDERS.split("    contacts:\n", 1)
    tail = rest.split("  - id: coordinators")[1]
    stakeholders = head + "    contacts: []\n  - id: coordinators" + tail
    assert workspace_problems(write_workspace(stakeholders)) == [
        "stakeholders.yaml, line 8, organisations[0].contacts: got [], expected at least 1 item"
    ]


def test_a_markdown_item_with_no_text_asks_for_at_least_one_character(tmp_path: Path) -> None:
    path = tmp_path / "east.md"
    front = "---\nmeeting: east\norganisation: mia\ndate: 2027-01-06\n---\n"
    path.write_text(front + "- [gap] [theme: referral] [severity: 2]\n", encoding="utf-8")
    assert [str(problem) for problem in read_notes_file(path, "east.md").problems] == [
        "east.md, line 6, observations[0].text: got '', expected at least 1 character"
    ]


def test_a_note_longer_than_allowed_says_how_long_it_may_be() -> None:
    observation = {**OBSERVATION, "text": "x" * 4001}
    assert notes_problems({**MEETING, "observations": [observation]}) == [
        f"east.yaml, observations[0].text: got '{'x' * 27}...{'x' * 28}', "
        "expected at most 4000 characters"
    ]


def test_an_unknown_field_inside_a_meeting_lists_the_fields_of_that_part() -> None:
    observation = {**OBSERVATION, "colour": "red"}
    assert notes_problems({**MEETING, "observations": [observation]}) == [
        "east.yaml, observations[0].colour: got 'colour', expected one of the known fields: "
        "id, kind, theme, severity, text, quote, speaker_role, confidentiality, owner, due, "
        "source, language, translations"
    ]


def test_notes_hints_reach_a_meeting_checked_whole() -> None:
    observation = {"kind": "commitment", "theme": "referral", "text": "A form."}
    assert notes_problems({**MEETING, "observations": [observation]}) == [
        "east.yaml, observations[0].severity: missing, expected a severity from 1 (minor) "
        "to 4 (critical)"
    ]

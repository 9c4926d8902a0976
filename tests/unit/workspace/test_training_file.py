"""A training file's text changed as a person wrote it: a round or meetings added, all else kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult.workspace.training_file import with_meetings, with_round

HAND_WRITTEN = """\
# A training written by hand.
title: {en: Winter school}   # flow style, as some write it
start: 2027-01-26

consultation:
  facilitators:
  - id: levan     # no indent before the dash
    name: Levan
  rounds:
  - id: round-1
    earliest: 2026-12-01
    latest: 2026-12-20
    meetings:
    - {id: mia, organisation: mia, format: in_person, duration_minutes: 60, facilitators: [levan]}

# What the pack needs.
briefing:
  due: 2027-01-19
"""

ROUND = {
    "id": "round-2",
    "earliest": "2027-01-04",
    "latest": "2027-01-15",
    "meetings": [
        {
            "id": "pdo",
            "organisation": "pdo",
            "format": "online",
            "duration_minutes": 60,
            "facilitators": ["levan"],
        }
    ],
}


def test_a_round_added_keeps_comments_order_and_layout_and_is_itself_block_style() -> None:
    text = with_round(HAND_WRITTEN, ROUND)
    assert text.startswith("# A training written by hand.\n")
    assert "# no indent before the dash" in text
    assert "# What the pack needs.\nbriefing:" in text
    assert "title: {en: Winter school}   # flow style, as some write it" in text
    assert "  - id: round-2\n    earliest: '2027-01-04'\n    latest: '2027-01-15'\n" in text
    assert text.index("round-1") < text.index("round-2") < text.index("briefing:")
    assert "    meetings:\n    - id: pdo\n      organisation: pdo\n" in text


def test_a_file_read_and_written_unchanged_is_the_same_text() -> None:
    demo = Path(__file__).resolve().parents[3] / "consult" / "demo_workspace" / "trainings"
    for path in demo.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert with_meetings(text, "round-1", []) == text, path.name


def test_meetings_are_added_to_the_round_named_and_a_missing_round_is_a_key_error() -> None:
    meeting = {
        "id": "court",
        "organisation": "court",
        "format": "in_person",
        "duration_minutes": 90,
        "facilitators": ["levan"],
    }
    text = with_meetings(HAND_WRITTEN, "round-1", [meeting])
    assert text.index("id: mia") < text.index("id: court") < text.index("briefing:")
    assert "# What the pack needs." in text
    with pytest.raises(KeyError):
        with_meetings(HAND_WRITTEN, "round-9", [meeting])

"""A cancelled meeting is one thing everywhere in the pack: not heard, its notes not counted.

In the golden store ngo-b's meeting is cancelled. Here its notes were imported all the
same (three observations, two people who came): the pack lists it as a missing voice,
so none of it may count in a figure, a gap, the log or the evidence.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from consult.briefing.analysis import Analysis
from consult.briefing.gathering import gather
from consult.briefing.labels import load_labels
from consult.briefing.render import render_pack
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.briefing_fixture import NOW, SLUG, fill_store, golden_workspace, meeting_id

CANCELLED = meeting_id("ngo-b")


@pytest.fixture
def analysis(tmp_path: Path) -> Analysis:
    root = golden_workspace(tmp_path)
    with open_store(Settings(workspace=root).store_url) as store:
        fill_store(store)
        store.audit(
            "test",
            "notes.attendance",
            CANCELLED,
            {
                "source": "notes/ngo-b.md",
                "attendance": [
                    {"name": "Nino Beridze", "role": "Lawyer"},
                    {"name": "Levan Kiknadze", "role": "Director"},
                ],
            },
        )
        for number, (theme, confidentiality) in enumerate(
            [("data", "public"), ("burnout", "internal"), ("data", "internal")], start=1
        ):
            store.upsert_observation(
                f"notes/ngo-b.md#{number}",
                meeting_id=CANCELLED,
                organisation="ngo-b",
                kind="gap",
                theme=theme,
                severity=4,
                text=f"Said at a meeting that was called off, {number}.",
                confidentiality=confidentiality,  # type: ignore[arg-type]
            )
        return gather(load_workspace(root), store, SLUG, NOW)


def test_a_cancelled_meetings_notes_count_nowhere(analysis: Analysis) -> None:
    assert ("ngo-b", "cancelled") in {
        (m.meeting_id.rsplit("/", 1)[1], m.reason) for m in analysis.missing
    }
    assert all(item.meeting_id != CANCELLED for item in analysis.evidence)
    assert analysis.gap("data") is None  # raised only at the cancelled meeting
    assert all(CANCELLED not in gap.meetings for gap in analysis.gaps)
    assert "ngo-b" not in {org for gap in analysis.gaps for org in gap.organisations}
    log = {entry.meeting_id: entry for entry in analysis.log}
    assert (log[CANCELLED].attended, log[CANCELLED].roles) == (0, ())
    assert log[CANCELLED].observations == 0
    assert analysis.observations == 13  # as without the cancelled meeting's notes
    assert analysis.cancelled == 3


@pytest.mark.parametrize("language", ["en", "ka", "ru"])
def test_the_pack_says_how_many_observations_a_cancelled_meeting_left_out(
    analysis: Analysis, language: str, tmp_path: Path
) -> None:
    training = load_workspace(golden_workspace(tmp_path / "again")).training(SLUG)
    pack = render_pack(analysis, training, language, version=1, compiled=NOW.date())
    said = load_labels(language, None)("method.cancelled", cancelled=3)
    assert said in pack.html
    assert said in pack.markdown
    assert "Said at a meeting that was called off" not in pack.html + pack.markdown

"""The pack lists the voices it misses most influential first: who to chase before the training."""

from __future__ import annotations

from pathlib import Path

from consult.briefing.gathering import gather
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from consult.workspace.registry_edit import update_organisation
from tests.briefing_fixture import NOW, SLUG, fill_store, golden_workspace


def test_missing_voices_are_ordered_by_influence_unrated_last(tmp_path: Path) -> None:
    root = golden_workspace(tmp_path)
    update_organisation(root, "osce", {"influence": "high"})
    update_organisation(root, "un", {"influence": "low"})
    with open_store(Settings(workspace=root).store_url) as store:
        fill_store(store)
        analysis = gather(load_workspace(root), store, SLUG, NOW)
    # among equals (ngo-b's two meetings, coords), the order of the plan stays
    assert [m.meeting_id.rsplit("/", 1)[1] for m in analysis.missing] == [
        "osce",
        "un",
        "ngo-b",
        "late",
        "coords-2",
    ]

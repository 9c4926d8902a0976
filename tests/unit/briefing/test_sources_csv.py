"""The pack's sources.csv: every observation it rests on, no cell a spreadsheet evaluates."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

from consult.briefing.gathering import gather
from consult.briefing.versions import sources_csv
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.briefing_fixture import NOW, SLUG, fill_store, golden_workspace, meeting_id

FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "=1+1")


def test_sources_csv_writes_formulas_in_observations_as_text(tmp_path: Path) -> None:
    root = golden_workspace(tmp_path)
    workspace = load_workspace(root)
    with open_store(Settings(workspace=root).store_url) as store:
        fill_store(store)
        analysis = gather(workspace, store, SLUG, NOW)
    evidence = tuple(
        dataclasses.replace(item, text=FORMULAS[n % 3], owner="=1+1" if item.owner else None)
        for n, item in enumerate(analysis.evidence)
    )
    by_number = {item.number: item for item in evidence}
    hostile = dataclasses.replace(
        analysis,
        evidence=evidence,
        actions=tuple(by_number[item.number] for item in analysis.actions),
        good_practices=tuple(by_number[item.number] for item in analysis.good_practices),
        recommendations=tuple(by_number[item.number] for item in analysis.recommendations),
    )
    rows = list(csv.DictReader(io.StringIO(sources_csv(hostile, workspace.trainings[SLUG]))))
    assert {row["text"] for row in rows} == {f"'{formula}" for formula in FORMULAS}
    owners = {row["owner"] for row in rows}
    assert "'=1+1" in owners
    assert "=1+1" not in owners
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())


def test_sources_csv_names_the_meeting_file_and_line_of_public_observations_only(
    tmp_path: Path,
) -> None:
    root = golden_workspace(tmp_path)
    workspace = load_workspace(root)
    with open_store(Settings(workspace=root).store_url) as store:
        fill_store(store)
        store.upsert_observation(
            "notes/osce.md#late-data",
            meeting_id=meeting_id("osce"),
            organisation="osce",
            kind="gap",
            theme="data",
            severity=3,
            text="Bias motives are lost between the police and the statistics office.",
            confidentiality="public",
            line=8,
        )
        store.upsert_observation(
            "notes/osce.md#hidden",
            meeting_id=meeting_id("osce"),
            organisation="osce",
            kind="gap",
            theme="data",
            severity=2,
            text="Hate crimes are filed as hooliganism.",
            confidentiality="internal",
            line=9,
        )
        analysis = gather(workspace, store, SLUG, NOW)
    rows = {
        int(row["number"]): row
        for row in csv.DictReader(io.StringIO(sources_csv(analysis, workspace.trainings[SLUG])))
    }
    assert list(rows[4])[5:9] == ["source", "meeting", "file", "line"]
    # #4 is public, from the prosecution's meeting, stored without a line (as from a form);
    # #15 public, from line 8 of a notes file.
    assert (rows[4]["meeting"], rows[4]["file"], rows[4]["line"]) == ("round-1/po", "golden", "")
    assert (rows[15]["meeting"], rows[15]["file"], rows[15]["line"]) == (
        "round-1/osce",
        "notes/osce.md",
        "8",
    )
    # #1, #6 and #16 are internal: their meeting, file or line would name their organisation.
    for number in (1, 6, 16):
        assert (rows[number]["meeting"], rows[number]["file"], rows[number]["line"]) == ("", "", "")

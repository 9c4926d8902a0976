"""The influence and interest grid: each organisation in its cell, the unrated apart.

The golden workspace, some of its organisations rated by the coordinator as a
spreadsheet import would (`update_organisation`), its pack rendered in each language.
"""

# The labels are in Georgian and Russian on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from pathlib import Path

import pytest

from consult.briefing.analysis import Analysis
from consult.briefing.gathering import gather
from consult.briefing.influence import Grid, grid, planned_organisations
from consult.briefing.render import Pack, render_pack
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import Workspace, load_workspace
from consult.workspace.registry_edit import update_organisation
from tests.briefing_fixture import NOW, SLUG, fill_store, golden_workspace

RATINGS = {
    "mia": {"influence": "high", "interest": "high", "stance": "supportive"},
    "po": {"influence": "high", "interest": "high", "stance": "opposed"},
    "un": {"influence": "low", "interest": "medium"},
    "osce": {"influence": "medium", "interest": "low", "stance": "neutral"},
    "ngo-b": {"influence": "high"},  # no interest: it cannot be placed
}


def rated(tmp_path: Path, ratings: dict[str, dict[str, str]]) -> tuple[Workspace, Analysis]:
    root = golden_workspace(tmp_path)
    for org_id, changes in ratings.items():
        update_organisation(root, org_id, changes)
    workspace = load_workspace(root)
    with open_store(Settings(workspace=root).store_url) as store:
        fill_store(store)
        return workspace, gather(workspace, store, SLUG, NOW)


@pytest.fixture
def workspace_analysis(tmp_path: Path) -> tuple[Workspace, Analysis]:
    return rated(tmp_path, RATINGS)


def the_grid(workspace: Workspace) -> Grid:
    training = workspace.training(SLUG)
    return grid(planned_organisations(training, workspace.stakeholders.organisations), "en")


def test_each_rated_organisation_is_in_its_cell_high_influence_on_top(
    workspace_analysis: tuple[Workspace, Analysis],
) -> None:
    found = the_grid(workspace_analysis[0])
    cells = {
        (row.influence, interest): [item.label for item in cell]
        for row in found.rows
        for interest, cell in zip(found.columns, row.cells, strict=True)
    }
    assert [row.influence for row in found.rows] == ["high", "medium", "low"]
    assert found.columns == ("low", "medium", "high")
    # by name within a cell, each with the sign of its stance
    assert cells["high", "high"] == ["Ministry of Internal Affairs (+)", "Prosecutor's Office (−)"]
    assert cells["medium", "low"] == ["OSCE ODIHR (=)"]
    assert cells["low", "medium"] == ["UN Refugee Agency"]
    assert sum(len(names) for names in cells.values()) == 4
    assert found.assessed


def test_organisations_without_both_ratings_are_not_assessed(
    workspace_analysis: tuple[Workspace, Analysis],
) -> None:
    found = the_grid(workspace_analysis[0])
    assert [item.name for item in found.not_assessed] == [
        "Bridge Centre",
        "Coordinators of victims and witnesses",
        "Rights First",
    ]


def test_nobody_rated_means_no_grid_and_no_annex(tmp_path: Path) -> None:
    workspace, analysis = rated(tmp_path, {})
    assert not the_grid(workspace).assessed
    pack = render_pack(analysis, workspace.training(SLUG), "en", version=1, compiled=NOW.date())
    assert "Influence and interest" not in pack.html
    assert "Influence and interest" not in pack.markdown


def pack(workspace_analysis: tuple[Workspace, Analysis], language: str) -> Pack:
    workspace, analysis = workspace_analysis
    training = workspace.training(SLUG)
    return render_pack(analysis, training, language, version=1, compiled=NOW.date())


@pytest.mark.parametrize(
    ("language", "heading", "high"),
    [
        ("en", "Annex: Influence and interest", "Influence: high"),
        ("ka", "დანართი: გავლენა და დაინტერესება", "გავლენა: მაღალი"),
        ("ru", "Приложение: Влияние и заинтересованность", "Влияние: высокий уровень"),
    ],
)
def test_the_annex_is_in_the_pack_in_its_language(
    workspace_analysis: tuple[Workspace, Analysis], language: str, heading: str, high: str
) -> None:
    rendered = pack(workspace_analysis, language)
    assert rendered.language == language
    html, markdown = rendered.html, rendered.markdown
    assert f"<h2>{heading}</h2>" in html
    assert 'href="#influence"' in html
    assert f"## {heading}" in markdown
    # the ministry's name in the pack's language, in the top right cell (high influence, interest)
    ministry = "შინაგან საქმეთა სამინისტრო" if language == "ka" else "Ministry of Internal Affairs"
    row = next(line for line in markdown.splitlines() if line.startswith(f"| {high} |"))
    assert f"{ministry} (+)" in row.split("|")[4]
    assert "Prosecutor's Office (−)" in row.split("|")[4]
    top = html.split(f"<th>{high}</th>", 1)[1].split("</tr>", 1)[0]
    assert top.count("<td>") == 3
    assert f"{ministry} (+)" in top.rsplit("<td>", 1)[1]
    assert "Bridge Centre" in markdown.split(f"## {heading}", 1)[1]


def test_missing_voices_come_most_influential_first(
    workspace_analysis: tuple[Workspace, Analysis],
) -> None:
    workspace, analysis = workspace_analysis
    registry = {o.id: o for o in workspace.stakeholders.organisations}
    levels = [registry[m.organisation].influence for m in analysis.missing]
    order = {"high": 0, "medium": 1, "low": 2, None: 3}
    assert levels == sorted(levels, key=order.__getitem__)
    assert levels[0] == "high"
    # and the pack lists them in that order
    section = pack(workspace_analysis, "en").markdown.split("## 8.", 1)[1].split("## 9.", 1)[0]
    names = [line for line in section.splitlines() if line.startswith("- ")]
    assert len(names) == len(analysis.missing)
    assert names[0].startswith("- Bridge Centre")

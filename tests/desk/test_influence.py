"""The training page places the plan's organisations by influence and interest, as the pack does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from consult.workspace.loading import load_workspace
from consult.workspace.registry_edit import update_organisation
from tests.desk.conftest import SLUG
from tests.desk.html import read_page


def page_html(client: TestClient) -> str:
    answer = client.get(f"/trainings/{SLUG}")
    assert answer.status_code == 200, answer.text
    return answer.text


def test_the_training_page_shows_the_influence_interest_grid(
    desk_demo: Path, open_desk: Callable[..., TestClient]
) -> None:
    update_organisation(
        desk_demo,
        "prosecutors-office",
        {"influence": "high", "interest": "high", "stance": "supportive"},
    )
    update_organisation(desk_demo, "unhcr-georgia", {"influence": "low", "interest": "medium"})
    names = {o.id: o.name.en for o in load_workspace(desk_demo).stakeholders.organisations}
    page = read_page(page_html(open_desk(desk_demo)))
    table = page.table("influence")
    assert table.header == [
        "Influence \\ Interest",
        "low interest",
        "medium interest",
        "high interest",
    ]
    assert [row[0] for row in table.rows] == ["high influence", "medium influence", "low influence"]
    assert table.rows[0][3] == f"{names['prosecutors-office']} (+)"
    assert table.rows[2][2] == names["unhcr-georgia"]
    assert sum(bool(cell) for row in table.rows for cell in row[1:]) == 2
    text = page.text("influence")
    assert "Not assessed:" in text
    assert names["ohchr-georgia"] in text.split("Not assessed:", 1)[1]
    assert names["prosecutors-office"] not in text.split("Not assessed:", 1)[1]


def test_unrated_organisations_leave_the_grid_out(desk_client: TestClient) -> None:
    page = read_page(page_html(desk_client))
    assert not [t for t in page.tables if t.section == "influence"]
    assert "No organisation of the plan is rated yet" in page.text("influence")

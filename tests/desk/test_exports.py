"""The exports downloaded from the desk on the finished demo, and their endpoint alone."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from desk.endpoints import files
from desk.resources import lifespan
from desk.responses import DeskError
from tests.desk.conftest import SLUG, desk_on


def test_the_training_page_links_the_eight_exports(desk_client: TestClient) -> None:
    page = desk_client.get(f"/trainings/{SLUG}").text
    for what in ("registry", "ledger", "answers", "observations"):
        for fmt in ("xlsx", "csv"):
            assert f'href="/trainings/{SLUG}/exports/{what}.{fmt}"' in page


def test_the_ledger_downloads_as_csv_and_xlsx(desk_client: TestClient) -> None:
    csv = desk_client.get(f"/trainings/{SLUG}/exports/ledger.csv")
    assert csv.status_code == 200
    assert csv.headers["content-disposition"] == f'attachment; filename="{SLUG}-ledger.csv"'
    assert csv.content.startswith(b"\xef\xbb\xbfMeeting,Kind,Sequence,Name,Organisation,Email")
    xlsx = desk_client.get(f"/trainings/{SLUG}/exports/observations.xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet["A1"].value == "Number"
    assert "restricted" not in [cell.value for cell in sheet["G"]]


def test_an_unknown_export_is_a_404_with_a_sentence(desk_client: TestClient) -> None:
    answer = desk_client.get(f"/trainings/{SLUG}/exports/ledger.pdf")
    assert answer.status_code == 404
    assert "there is no export ledger.pdf" in answer.text


def test_the_export_endpoint_works_alone_in_an_app_of_its_own(desk_demo: Path) -> None:
    app = Starlette(
        routes=[Route("/{slug}/{what}.{fmt}", files.export_file)],
        lifespan=lifespan(desk_on(desk_demo)),
    )
    with TestClient(app) as alone:
        answer = alone.get(f"/{SLUG}/answers.csv")
        assert answer.status_code == 200
        assert answer.headers["content-disposition"].endswith(f'filename="{SLUG}-answers.csv"')
        with pytest.raises(DeskError, match=r"there is no export answers\.pdf") as refused:
            alone.get(f"/{SLUG}/answers.pdf")
    assert refused.value.status == 404

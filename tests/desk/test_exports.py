"""The exports downloaded from the served desk on the finished demo."""

from __future__ import annotations

import io

import openpyxl
import requests

from tests.desk.conftest import SLUG


def test_the_training_page_links_the_eight_exports(desk_url: str) -> None:
    page = requests.get(f"{desk_url}/trainings/{SLUG}", timeout=30).text
    for what in ("registry", "ledger", "answers", "observations"):
        for fmt in ("xlsx", "csv"):
            assert f'href="/trainings/{SLUG}/exports/{what}.{fmt}"' in page


def test_the_ledger_downloads_as_csv_and_xlsx(desk_url: str) -> None:
    csv = requests.get(f"{desk_url}/trainings/{SLUG}/exports/ledger.csv", timeout=30)
    assert csv.status_code == 200
    assert csv.headers["content-disposition"] == f'attachment; filename="{SLUG}-ledger.csv"'
    assert csv.content.startswith(b"\xef\xbb\xbfMeeting,Kind,Sequence,Name,Organisation,Email")
    xlsx = requests.get(f"{desk_url}/trainings/{SLUG}/exports/observations.xlsx", timeout=30)
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet["A1"].value == "Number"
    assert "restricted" not in [cell.value for cell in sheet["G"]]


def test_an_unknown_export_is_a_404_with_a_sentence(desk_url: str) -> None:
    answer = requests.get(f"{desk_url}/trainings/{SLUG}/exports/ledger.pdf", timeout=30)
    assert answer.status_code == 404
    assert "there is no export ledger.pdf" in answer.text

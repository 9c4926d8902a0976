"""The exports' tables: restricted text never in them, formulas neutralised, XLSX readable."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from consult.coordination.exports import Table, build_table, write_table
from consult.csvsafe import neutralise
from consult.settings import Settings
from consult.store import Store, open_store
from consult.workspace.loading import Workspace, load_workspace
from tests.briefing_fixture import CANARY, SLUG, fill_store, golden_workspace


@pytest.fixture
def golden(tmp_path: Path) -> Iterator[tuple[Workspace, Store]]:
    """The golden workspace and its filled store."""
    root = golden_workspace(tmp_path)
    with open_store(Settings(workspace=root).store_url) as store:
        fill_store(store)
        yield load_workspace(root), store


def test_no_export_holds_a_restricted_observations_text(
    golden: tuple[Workspace, Store], tmp_path: Path
) -> None:
    workspace, store = golden
    for what in ("registry", "ledger", "answers", "observations"):
        table = build_table(what, workspace, store, SLUG)
        for fmt in ("csv", "xlsx"):
            target = tmp_path / f"{what}.{fmt}"
            write_table(table, target, fmt)
            assert CANARY.encode() not in target.read_bytes()
            assert all(CANARY not in cell for row in table.rows for cell in row)
    observations = build_table("observations", workspace, store, SLUG)
    assert observations.withheld == 1
    assert "restricted" not in {row[6] for row in observations.rows}


def test_the_answers_name_each_invitee_with_their_answer(golden: tuple[Workspace, Store]) -> None:
    workspace, store = golden
    table = build_table("answers", workspace, store, SLUG)
    answers = {row[5]: row[6] for row in table.rows}
    assert answers == {"sara@un.example.org": "declined", "omar@un.example.org": "declined"}


def test_a_formula_is_neutralised_in_csv_and_kept_as_text_in_xlsx(tmp_path: Path) -> None:
    assert neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert neutralise("Nino") == "Nino"
    table = Table("Test", ("Name",), (("=1+1",), ("@SUM(A1)",)))
    write_table(table, tmp_path / "t.csv", "csv")
    assert (tmp_path / "t.csv").read_text("utf-8-sig").splitlines()[1:] == ["'=1+1", "'@SUM(A1)"]
    write_table(table, tmp_path / "t.xlsx", "xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert sheet is not None
    assert [(c.value, c.data_type) for c in sheet["A"][1:]] == [("=1+1", "s"), ("@SUM(A1)", "s")]


def test_a_fullwidth_or_indented_formula_is_neutralised_in_csv(tmp_path: Path) -> None:
    table = Table("Test", ("Name",), (("\uff1d1+1",), ("\uff20SUM(A1)",), (" =1+1",), ("\t-1+1",)))
    write_table(table, tmp_path / "t.csv", "csv")
    with (tmp_path / "t.csv").open(encoding="utf-8-sig", newline="") as file:
        cells = [row[0] for row in csv.reader(file)][1:]
    assert cells == ["'\uff1d1+1", "'\uff20SUM(A1)", "' =1+1", "'\t-1+1"]


def test_an_xlsx_keeps_numbers_as_numbers_and_codes_as_text(
    golden: tuple[Workspace, Store], tmp_path: Path
) -> None:
    workspace, store = golden
    table = build_table("observations", workspace, store, SLUG)
    write_table(table, tmp_path / "observations.xlsx", "xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "observations.xlsx").active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    for name in ("Number", "Severity"):
        column = [row[header.index(name)] for row in sheet.iter_rows(min_row=2)]
        assert column
        assert all(isinstance(c.value, int) and c.data_type == "n" for c in column)
    codes = Table("Test", ("Code", "Score"), (("0105", "3.5"), ("-2", "1e5")))
    write_table(codes, tmp_path / "codes.xlsx", "xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "codes.xlsx").active
    assert sheet is not None
    assert [(c.value, c.data_type) for c in sheet[2]] == [("0105", "s"), (3.5, "n")]
    assert [c.value for c in sheet[3]] == [-2, "1e5"]

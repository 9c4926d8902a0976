"""Cells a spreadsheet would read as a formula, written as text, and read back as they were."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consult.csvsafe import neutralise, restore

HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "=1+1",
    "-2+3",
    "@SUM(A1)",
    "\uff1d1+1",
    "\uff0b1",
    "\uff0d1",
    "\uff20SUM(A1)",
    "  =1+1",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\tplain after a tab",
]


@pytest.mark.parametrize("cell", HOSTILE)
def test_a_cell_a_spreadsheet_would_evaluate_gets_a_leading_quote(cell: str) -> None:
    assert neutralise(cell) == f"'{cell}"


@pytest.mark.parametrize("cell", ["Nino", "", "-3", "+995", "2.5", "-0.75", "a=b", "'quoted"])
def test_text_and_plain_numbers_are_written_as_they_are(cell: str) -> None:
    assert neutralise(cell) == cell


def test_a_quote_before_a_formula_is_doubled_so_that_it_reads_back() -> None:
    assert neutralise("'=1+1") == "''=1+1"
    assert restore("''=1+1") == "'=1+1"


@pytest.mark.parametrize("cell", HOSTILE)
def test_a_neutralised_cell_reads_back_as_it_was(cell: str) -> None:
    assert restore(neutralise(cell)) == cell


@given(st.text())
def test_restore_undoes_neutralise_for_any_text(cell: str) -> None:
    assert restore(neutralise(cell)) == cell

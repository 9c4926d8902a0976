"""read_sheets bounds its work: bytes once unzipped, columns padded, and the length of a cell."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from consult.errors import WorkspaceError
from consult.workspace import sheets
from consult.workspace.sheets import MAX_CELL_CHARS, read_sheets, write_xlsx
from tests.memory import peak_bytes

SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """A one-sheet workbook of a header and one contact, as consult writes it."""
    path = tmp_path / "contacts.xlsx"
    write_xlsx(path, "Contacts", ["name", "email"], [["Nino", "nino@example.org"]])
    return path


def rewritten(path: Path, changes: dict[str, bytes]) -> Path:
    """Return a copy of the workbook with members replaced or added."""
    target = path.with_name("changed.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item.filename, changes.pop(item.filename, source.read(item.filename)))
        for name, data in changes.items():
            out.writestr(name, data)
    return target


def test_shared_strings_that_unzip_to_100_mb_are_refused_before_they_are_read(
    workbook: Path,
) -> None:
    # On the code before the bound: a 410 KB workbook took import-stakeholders to 922 MB.
    with zipfile.ZipFile(workbook) as archive:
        types = archive.read("[Content_Types].xml").decode()
    types = types.replace(
        "</Types>",
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/></Types>',
    )
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    strings += b"x" * 100_000_000 + b"</t></si></sst>"
    bomb = rewritten(
        workbook, {"[Content_Types].xml": types.encode(), "xl/sharedStrings.xml": strings}
    )
    del strings

    errors: list[WorkspaceError] = []

    def read() -> None:
        try:
            read_sheets(bomb)
        except WorkspaceError as error:
            errors.append(error)

    assert peak_bytes(read) < 5_000_000
    assert [str(problem) for problem in errors[0].problems] == [
        "changed.xlsx: is 100 MB once unzipped (xl/sharedStrings.xml alone 100 MB), "
        "more than the 50 MB consult reads"
    ]


def test_a_sheet_declaring_16384_columns_is_read_as_wide_as_its_cells(
    workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On the code before the bound: every row padded to column XFD, 32.8 million cells.
    with zipfile.ZipFile(workbook) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x{n}</t></is></c></row>'
        for n in range(1, 2001)
    )
    sheet = sheet.replace('<dimension ref="A1:B2"/>', '<dimension ref="A1:XFD1048576"/>')
    sheet = re.sub("<sheetData>.*</sheetData>", f"<sheetData>{rows}</sheetData>", sheet)
    wide = rewritten(workbook, {"xl/worksheets/sheet1.xml": sheet.encode()})
    cells: list[object] = []
    real_cell_text = sheets.cell_text

    def counted(value: object) -> str:
        cells.append(value)
        if len(cells) > 100_000:
            raise AssertionError("read more than 100,000 cells of a 2,000-cell sheet")
        return real_cell_text(value)

    monkeypatch.setattr(sheets, "cell_text", counted)

    (read,) = read_sheets(wide)

    assert len(read.rows) == 1999
    assert len(cells) == 2000


def test_text_beyond_the_last_column_read_is_refused_naming_its_cell(workbook: Path) -> None:
    with zipfile.ZipFile(workbook) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    far = '<c r="XFD2" t="inlineStr"><is><t>far</t></is></c></row></sheetData>'
    sheet = sheet.replace("</row></sheetData>", far)

    with pytest.raises(WorkspaceError) as raised:
        read_sheets(rewritten(workbook, {"xl/worksheets/sheet1.xml": sheet.encode()}))

    assert [str(problem) for problem in raised.value.problems] == [
        "changed.xlsx, row 2: text in column XFD, beyond column IV, the last consult reads"
    ]


def test_a_csv_cell_over_the_limit_is_an_error_naming_file_row_and_column(tmp_path: Path) -> None:
    # On the code before the bound: `_csv.Error: field larger than field limit (131072)`.
    path = tmp_path / "contacts.csv"
    long = "x" * 200_000
    path.write_text(f"name,email\nNino,nino@example.org\nGiorgi,{long}\n", encoding="utf-8")

    with pytest.raises(WorkspaceError) as raised:
        read_sheets(path)

    assert [str(problem) for problem in raised.value.problems] == [
        f"contacts.csv, row 3, column B: got '{'x' * 27}...{'x' * 28}', expected a cell of "
        f"at most {MAX_CELL_CHARS:,} characters (it has 200,000)"
    ]


def test_a_csv_saved_with_bare_carriage_returns_reads_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"name,email\rNino,nino@example.org\rGiorgi,giorgi@example.org\r")

    (read,) = read_sheets(path)

    assert read.rows == ((2, ("Nino", "nino@example.org")), (3, ("Giorgi", "giorgi@example.org")))

"""Reads and writes the sheets of a spreadsheet: .xlsx (openpyxl) and .csv.

A CSV file may be UTF-8, UTF-8 with a byte-order mark (as Excel saves it) or UTF-16
(Excel's "Unicode text"), with its delimiter (comma, semicolon, tab, bar) detected.
A sheet's header is its first row with any text; the rows under it keep their numbers
as the spreadsheet program shows them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from consult.csvsafe import neutralise, restore
from consult.errors import Problem, WorkspaceError
from consult.workspace.cells import cell_text
from consult.workspace.yamlwrite import write_atomically

FORMATS = (".xlsx", ".csv")
MAX_ROWS = 100_000
"""The most rows consult reads of one sheet: a registry has a few thousand contacts."""


@dataclass(frozen=True)
class Sheet:
    """One sheet's header and rows, each row with the number the spreadsheet shows."""

    file: str
    name: str | None
    """The sheet's name in a workbook; None for a CSV file."""
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]

    @property
    def where(self) -> str:
        """Return how an error names the sheet: `contacts.xlsx, sheet Ministries`."""
        return f"{self.file}, sheet {self.name}" if self.name else self.file


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def read_sheets(path: Path) -> list[Sheet]:
    """Return the sheets of an .xlsx or .csv file, or raise a WorkspaceError saying why not."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise _unreadable(name, f"is not a spreadsheet consult reads ({', '.join(FORMATS)})")
    if not path.is_file():
        raise _unreadable(name, "does not exist")
    if suffix == ".csv":
        return [_sheet(name, None, _csv_rows(path))]
    return _xlsx_sheets(path)


def _unreadable(name: str, why: str) -> WorkspaceError:
    return WorkspaceError([Problem(name, None, "", None, why)])


def _xlsx_sheets(path: Path) -> list[Sheet]:
    import openpyxl  # here, not at the top: only an import or export of .xlsx needs it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise _unreadable(path.name, f"is not an .xlsx workbook ({error})") from None
    try:
        return [
            _sheet(
                path.name,
                worksheet.title,
                (tuple(cell_text(v) for v in row) for row in worksheet.iter_rows(values_only=True)),
            )
            for worksheet in book.worksheets
        ]
    finally:
        book.close()


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _unreadable(
            name,
            f"is neither UTF-8 nor UTF-16 text (byte {raw[error.start]:#04x} at offset "
            f"{error.start}); save it as CSV UTF-8",
        ) from None


def _csv_rows(path: Path) -> Iterable[tuple[str, ...]]:
    text = _decode(path.read_bytes(), path.name)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return (
        tuple(restore(cell.strip()) for cell in row)
        for row in csv.reader(io.StringIO(text), dialect)
    )


def _sheet(file: str, name: str | None, rows: Iterable[tuple[str, ...]]) -> Sheet:
    header: tuple[str, ...] = ()
    body: list[tuple[int, tuple[str, ...]]] = []
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS:
            raise _unreadable(file, f"has more than {MAX_ROWS:,} rows")
        if not header:
            if any(row):
                header = tuple(row)
            continue
        if any(row):
            body.append((number, row))
    return Sheet(file, name, header, tuple(body))


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write a CSV file in UTF-8 with a byte-order mark, which Excel opens as UTF-8.

    No cell is a formula for a spreadsheet (`consult.csvsafe`); reading takes the
    apostrophe that keeps it so off again.
    """
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    write_atomically(path, "\ufeff" + stream.getvalue())


def write_xlsx(
    path: Path, title: str, header: Sequence[str], rows: Iterable[Sequence[str]]
) -> None:
    """Write one sheet of text cells to an .xlsx workbook, its header bold and frozen."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append(list(row))
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.data_type = "s"  # text stays text: a name starting with = is no formula
    stream = io.BytesIO()
    book.save(stream)
    write_atomically(path, stream.getvalue())

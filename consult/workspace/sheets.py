"""Reads and writes the sheets of a spreadsheet: .xlsx (openpyxl) and .csv.

A CSV file may be UTF-8, UTF-8 with a byte-order mark (as Excel saves it) or UTF-16
(Excel's "Unicode text"), with its delimiter (comma, semicolon, tab, bar) detected.
A sheet's header is its first row with any text; the rows under it keep their numbers
as the spreadsheet program shows them.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from consult.csvsafe import neutralise, restore
from consult.errors import Problem, SheetProblem, WorkspaceError
from consult.workspace.cells import cell_text
from consult.workspace.yamlwrite import write_atomically

FORMATS = (".xlsx", ".csv")
MAX_ROWS = 100_000
"""The most rows consult reads of one sheet: a registry has a few thousand contacts."""

MAX_COLUMNS = 256
"""The most columns consult reads of one sheet; text beyond them is refused, not dropped."""

MAX_CELL_CHARS = 32_767
"""The most characters of one cell, as in Excel: an email or a name is far shorter."""

MAX_FILE_BYTES = 50_000_000
"""The most bytes of a .csv file, or of an .xlsx workbook once unzipped, that consult reads.

Checked before reading: an .xlsx is a zip, and 400 KB of it can unzip to 400 MB.
"""


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
        total, largest = _unzipped_size(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise _unreadable(path.name, f"is not an .xlsx workbook ({error})") from None
    if total > MAX_FILE_BYTES:
        raise _unreadable(
            path.name,
            f"is {_size(total)} once unzipped ({largest.filename} alone "
            f"{_size(largest.file_size)}), more than the {_size(MAX_FILE_BYTES)} consult reads",
        )
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise _unreadable(path.name, f"is not an .xlsx workbook ({error})") from None
    try:
        sheets = []
        for worksheet in book.worksheets:
            # The <dimension> a workbook declares may say A1:XFD1048576 whatever it
            # holds, and openpyxl pads every row to it: read each row as it is.
            worksheet.reset_dimensions()
            rows = worksheet.iter_rows(values_only=True)
            try:
                sheets.append(_sheet(path.name, worksheet.title, _xlsx_rows(path.name, rows)))
            finally:
                rows.close()  # a sheet refused midway leaves openpyxl's reader open
        return sheets
    finally:
        book.close()


def _unzipped_size(path: Path) -> tuple[int, zipfile.ZipInfo]:
    """Return the bytes the workbook's members hold once unzipped, and its largest member."""
    # zipfile stops at each member's declared size (and fails its CRC past it), so
    # the sizes in the directory can be trusted before anything is inflated.
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    if not members:
        raise zipfile.BadZipFile("it holds no files")
    return sum(m.file_size for m in members), max(members, key=lambda m: m.file_size)


def _xlsx_rows(file: str, rows: Iterable[tuple[object, ...]]) -> Iterable[tuple[str, ...]]:
    for number, row in enumerate(rows, start=1):
        beyond = row[MAX_COLUMNS:]
        if beyond.count(None) != len(beyond):
            column = MAX_COLUMNS + next(i for i, value in enumerate(beyond) if value is not None)
            raise WorkspaceError(
                [
                    SheetProblem(
                        file,
                        number,
                        "",
                        None,
                        f"text in column {column_letter(column)}, beyond column "
                        f"{column_letter(MAX_COLUMNS - 1)}, the last consult reads",
                    )
                ]
            )
        yield tuple(cell_text(value) for value in row[:MAX_COLUMNS])


def _size(count: int) -> str:
    return f"{round(count / 1_000_000):,} MB" if count >= 1_000_000 else f"{count:,} bytes"


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
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _unreadable(path.name, f"is larger than the {_size(MAX_FILE_BYTES)} consult reads")
    text = _decode(path.read_bytes(), path.name)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    # The csv module's own limit (128 KB a cell) fails without saying where; the file's
    # size bounds the cells instead, and MAX_CELL_CHARS names the row and column.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            for column, cell in enumerate(row):
                if len(cell) > MAX_CELL_CHARS:
                    raise WorkspaceError(
                        [
                            SheetProblem(
                                path.name,
                                number,
                                f"column {column_letter(column)}",
                                cell,
                                f"a cell of at most {MAX_CELL_CHARS:,} characters "
                                f"(it has {len(cell):,})",
                            )
                        ]
                    )
            yield tuple(restore(cell.strip()) for cell in row)
    except csv.Error as error:
        raise WorkspaceError(
            [SheetProblem(path.name, number + 1, "", None, f"is not CSV ({error})")]
        ) from None


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


_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,6})?")
"""A count, a sequence, a severity: a number to sort and sum; "0105" (a code) stays text."""


def _number(text: str) -> str | int | float:
    """Return `text` as the number it writes, or as it is."""
    if not _NUMBER.fullmatch(text):
        return text
    return float(text) if "." in text else int(text)


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
        sheet.append([_number(text) for text in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text: a name starting with = is no formula
    stream = io.BytesIO()
    book.save(stream)
    write_atomically(path, stream.getvalue())

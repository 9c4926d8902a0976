"""Cells of a CSV file that no spreadsheet reads as a formula, and read back as they were.

Excel, LibreOffice and Google Sheets evaluate a cell that starts with = + - or @, or
their fullwidth forms (U+FF1D, U+FF0B, U+FF0D, U+FF20, which Excel folds to them),
even after spaces, tabs or line breaks; a leading tab or carriage return is also a
way into one. A cell consult writes to CSV that a spreadsheet could evaluate gets a
leading apostrophe (`neutralise`), which shows it as text; a plain number such as -3
is left as it is.
An import takes the apostrophe off again (`restore`), so exporting the registry and
importing it back changes nothing. A cell that already starts with an apostrophe
before a formula gets a second one, so that `restore` undoes exactly what
`neutralise` did.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

QUOTE = "'"
STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
"""The characters a formula starts with: ASCII and fullwidth."""
LEADING = " \t\r\n"
"""What a spreadsheet skips before a formula's first character."""
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def _evaluated(cell: str) -> bool:
    """Tell whether a spreadsheet could read the cell as a formula."""
    if cell.startswith(("\t", "\r")):
        return True
    stripped = cell.lstrip(LEADING)
    return bool(stripped) and stripped[0] in STARTS and not _NUMBER.fullmatch(stripped)


def _quoted(cell: str) -> bool:
    """Tell whether the cell needs a leading apostrophe: a formula, or quotes before one."""
    return _evaluated(cell.lstrip(QUOTE))


def neutralise(cell: str) -> str:
    """Return the cell as a CSV file should hold it: "=1+1" -> "'=1+1", "Nino" -> "Nino"."""
    return QUOTE + cell if _quoted(cell) else cell


def restore(cell: str) -> str:
    """Return a cell read from CSV as it was before `neutralise`: "'=1+1" -> "=1+1"."""
    return cell[1:] if cell.startswith(QUOTE) and _quoted(cell[1:]) else cell


def neutralise_row(row: Iterable[object]) -> list[object]:
    """Return a row for `csv.writer` with each text cell neutralised; numbers stay numbers."""
    return [neutralise(cell) if isinstance(cell, str) else cell for cell in row]

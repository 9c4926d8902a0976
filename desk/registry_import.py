"""A spreadsheet imported into the registry at the desk: uploaded, previewed, corrected, confirmed.

The same core functions as `consult import-stakeholders` (consult.application.registry):
the columns given, saved or guessed (`import_columns`), the preview (`preview_import`),
and the write, audited under the name typed (`apply_import`). Like the CLI, an import
with a problem imports nothing: the page lists every problem in the CLI's words, each
wrong cell as a field to correct; the corrections are kept with the upload and the
preview is made again, until there is none. Confirm writes exactly the preview shown:
the form carries its fingerprint, and a preview that differs by then is refused (409).

The upload is kept in the workspace's state folder, `.consult/uploads/<id>/` (never in
out/), under a random id, with the SHA-256 of the file it holds: removed once its
import is written, or an hour after it came.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import secrets
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from consult.application.registry import Columns, import_columns, preview_import
from consult.errors import Problem, SheetError, WorkspaceError
from consult.settings import STATE_DIR
from consult.workspace.columns import COLUMNS, KEYS
from consult.workspace.registry_import import Preview
from consult.workspace.sheets import FORMATS, MAX_FILE_BYTES, Sheet, read_sheets
from consult.workspace.yamlwrite import write_atomically

UPLOADS = "uploads"
"""The folder of the state folder that keeps the uploads between preview and confirm."""
KEPT_SECONDS = 3600
"""How long an upload is kept when its import is not confirmed: an hour."""
META = "upload.json"
_ID = re.compile(r"[A-Za-z0-9_-]{22}")
_CELL = re.compile(r"cell-(\d+)-(\d+)-(\d+)")
_COLUMN = re.compile(r"column ([A-Z]+) \(")


class UploadRefused(ValueError):
    """The file uploaded is not a spreadsheet the import reads: one sentence says why."""


@dataclass(frozen=True)
class Upload:
    """A spreadsheet kept for its import: where, its name as sent, its corrected cells."""

    id: str
    folder: Path
    name: str
    corrections: Mapping[str, str] = field(default_factory=dict)
    """`cell-<sheet>-<row>-<column>` (0-based sheet and column, the row as shown) -> value."""
    columns: Mapping[str, str] | None = None
    """The column mapping chosen in the page (header -> field); None: saved or guessed."""

    @property
    def file(self) -> Path:
        """Return the kept file."""
        return self.folder / self.name


def uploads(root: Path) -> Path:
    """Return the folder of the workspace's uploads."""
    return Path(root) / STATE_DIR / UPLOADS


def _safe_name(name: str) -> str:
    """Return the upload's name as the problems will show it, without any folder."""
    base = Path(name.replace("\\", "/")).name.strip()
    suffix = Path(base).suffix.lower()
    if suffix not in FORMATS:
        shown = base or "the file"
        raise UploadRefused(
            f"{shown} is not a spreadsheet the import reads ({', '.join(FORMATS)}): "
            "nothing was imported"
        )
    return base if re.fullmatch(r"[\w .()-]{1,120}", base) else f"upload{suffix}"


def keep(root: Path, name: str, data: bytes) -> Upload:
    """Return the upload kept for its preview; an UploadRefused if it is not one to import.

    The file must be a spreadsheet `read_sheets` reads, with rows under a header; a file
    refused is not kept. Uploads older than an hour are removed first.
    """
    forget_old(root)
    safe = _safe_name(name)
    if not data:
        raise UploadRefused(f"{safe} is empty: nothing was imported")
    if len(data) > MAX_FILE_BYTES:
        raise UploadRefused(
            f"{safe} is over {MAX_FILE_BYTES:,} bytes, more than consult reads: "
            "nothing was imported"
        )
    upload_id = secrets.token_urlsafe(16)
    upload = Upload(upload_id, uploads(root) / upload_id, safe)
    upload.folder.mkdir(parents=True, exist_ok=False)
    try:
        upload.file.write_bytes(data)
        sheets = read_sheets(upload.file)
        if not any(sheet.rows for sheet in sheets):
            raise UploadRefused(f"{safe} has no rows under its header: nothing was imported")
    except WorkspaceError as error:
        shutil.rmtree(upload.folder, ignore_errors=True)
        raise UploadRefused(f"{'; '.join(str(p) for p in error.problems)}") from None
    except BaseException:
        shutil.rmtree(upload.folder, ignore_errors=True)
        raise
    _write_meta(upload, hashlib.sha256(data).hexdigest(), time.time())
    return upload


def _write_meta(upload: Upload, digest: str, at: float) -> None:
    meta = {
        "name": upload.name,
        "sha256": digest,
        "at": at,
        "corrections": dict(upload.corrections),
        "columns": dict(upload.columns) if upload.columns is not None else None,
    }
    write_atomically(upload.folder / META, json.dumps(meta, ensure_ascii=False, indent=1))


def kept(root: Path, upload_id: str) -> Upload | None:
    """Return the kept upload of this id, or None: unknown, over an hour old, or altered."""
    if not _ID.fullmatch(upload_id):
        return None
    folder = uploads(root) / upload_id
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if time.time() - float(meta["at"]) > KEPT_SECONDS:
            return None
        chosen = meta.get("columns")
        upload = Upload(
            upload_id,
            folder,
            str(meta["name"]),
            dict(meta["corrections"]),
            dict(chosen) if chosen is not None else None,
        )
        if hashlib.sha256(upload.file.read_bytes()).hexdigest() != meta["sha256"]:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return upload


def corrected(upload: Upload, fields: Mapping[str, Sequence[str]]) -> Upload:
    """Return the upload with the cells posted (`cell-...` fields) as its corrections, kept."""
    corrections = dict(upload.corrections)
    for key, values in fields.items():
        if _CELL.fullmatch(key) and values:
            corrections[key] = values[0].strip()
    return _rewrite(dataclasses.replace(upload, corrections=corrections))


def with_columns(
    upload: Upload, headers: Sequence[str], fields: Mapping[str, Sequence[str]]
) -> tuple[Upload, str]:
    """Return the upload with the columns chosen (`column-<n>`: the n-th header's field), kept.

    Or the upload as it was and why not: two headers chosen for one field.
    """
    chosen: dict[str, str] = {}
    for index, header in enumerate(headers):
        key = (fields.get(f"column-{index}") or [""])[0]
        if key in KEYS:
            twice = [h for h, k in chosen.items() if k == key]
            if twice:
                return upload, (
                    f"{twice[0]} and {header} both read as {key}: choose one, and nothing for "
                    "the other; the columns are as they were"
                )
            chosen[header] = key
    return _rewrite(dataclasses.replace(upload, columns=chosen)), ""


def _rewrite(upload: Upload) -> Upload:
    meta = json.loads((upload.folder / META).read_text(encoding="utf-8"))
    _write_meta(upload, meta["sha256"], meta["at"])
    return upload


def forget(upload: Upload) -> None:
    """Remove the kept upload."""
    shutil.rmtree(upload.folder, ignore_errors=True)


def forget_old(root: Path) -> None:
    """Remove the uploads kept for more than an hour."""
    folder = uploads(root)
    if not folder.is_dir():
        return
    now = time.time()
    for each in folder.iterdir():
        try:
            at = float(json.loads((each / META).read_text(encoding="utf-8"))["at"])
        except (OSError, ValueError, KeyError, TypeError):
            at = each.stat().st_mtime  # an upload refused midway, or altered
        if now - at > KEPT_SECONDS:
            shutil.rmtree(each, ignore_errors=True)


def sheets_of(upload: Upload) -> list[Sheet]:
    """Return the upload's sheets with its corrections in their cells."""
    sheets = read_sheets(upload.file)
    for key, value in upload.corrections.items():
        found = _CELL.fullmatch(key)
        if found is None:
            continue
        index, number, column = (int(part) for part in found.groups())
        if index < len(sheets):
            sheets[index] = _with_cell(sheets[index], number, column, value)
    return sheets


def _with_cell(sheet: Sheet, number: int, column: int, value: str) -> Sheet:
    rows = []
    for at, row in sheet.rows:
        if at == number:
            cells = list(row) + [""] * max(0, column + 1 - len(row))
            cells[column] = value
            row = tuple(cells)
        rows.append((at, row))
    return Sheet(sheet.file, sheet.name, sheet.header, tuple(rows))


FIELD_CHOICES: tuple[tuple[str, str], ...] = (
    ("", "(ignored)"),
    *((column.key, f"{column.key} ({column.header})") for column in COLUMNS),
)
"""The fields a header may be read as, for the page's drop-downs."""


@dataclass(frozen=True)
class WrongCell:
    """A problem of the import, and the cell to correct when it names one."""

    text: str
    """The problem in the CLI's words: `contacts.csv, row 3, column C (Email): got ...`."""
    key: str = ""
    """The cell's field in the page (`cell-0-3-2`); "" when no cell holds the value."""
    label: str = ""
    value: str = ""


@dataclass(frozen=True)
class ImportPage:
    """What the import's page shows: the columns, then the preview or its problems."""

    upload: Upload
    columns: Columns
    headers: tuple[tuple[str, str], ...]
    preview: Preview | None
    heading: str = ""
    """The CLI's first line of the problems: `2 problems in contacts.csv, nothing imported:`."""
    problems: tuple[WrongCell, ...] = ()
    errors: Mapping[str, str] = field(default_factory=dict)
    edited_by: str = ""

    @property
    def fingerprint(self) -> str:
        """Return what names this preview: the registry as read, the columns, every line."""
        if self.preview is None:
            return ""
        text = json.dumps(
            [
                self.preview.digest,
                self.columns.columns,
                self.preview.summary(),
                *self.preview.details(),
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def field_choices(self) -> tuple[tuple[str, str], ...]:
        """Return the fields a header may be read as: the drop-downs' options."""
        return FIELD_CHOICES

    @property
    def cells(self) -> tuple[WrongCell, ...]:
        """Return the problems that name a cell, one per cell: the fields to correct."""
        seen: dict[str, WrongCell] = {}
        for problem in self.problems:
            if problem.key and problem.key not in seen:
                seen[problem.key] = problem
        return tuple(seen.values())


def plan(root: Path, upload: Upload) -> ImportPage:
    """Return the import's page: the columns and what the import would change, or its problems."""
    sheets = sheets_of(upload)
    columns = import_columns(root, sheets)
    if upload.columns is not None:
        columns = Columns(dict(upload.columns), "given", columns.saved)
    headers = tuple(
        (header, columns.columns.get(header, "(ignored)"))
        for header in dict.fromkeys(h for sheet in sheets for h in sheet.header if h.strip())
    )
    try:
        preview = preview_import(root, sheets, columns.columns)
    except SheetError as error:
        heading = str(error).splitlines()[0]
        problems = tuple(_wrong_cell(sheets, p) for p in error.problems)
        return ImportPage(upload, columns, headers, None, heading, problems)
    return ImportPage(upload, columns, headers, preview)


def _wrong_cell(sheets: Sequence[Sheet], problem: Problem) -> WrongCell:
    """Return the problem with the cell it names, to correct in the page."""
    found = _COLUMN.match(problem.path)
    where = [i for i, sheet in enumerate(sheets) if sheet.where == problem.file]
    if found is None or not where or problem.line is None:
        return WrongCell(str(problem))
    index, number = where[0], problem.line
    column = _column_index(found.group(1))
    row = next((cells for at, cells in sheets[index].rows if at == number), ())
    value = row[column] if column < len(row) else ""
    label = f"{problem.file}, row {number}, {problem.path}"
    return WrongCell(str(problem), f"cell-{index}-{number}-{column}", label, value)


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1

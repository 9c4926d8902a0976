"""Reads consultation notes from files: Markdown with front matter, YAML, or CSV.

Pure parsing: a file gives the notes of the meetings it holds, each under a stable
source key, and every problem found, each naming file, line, field and value. A bad
observation is reported and skipped; the rest of its file is kept. Text is data: HTML
or `{{ template }}` in a note is kept as written, never rendered nor stripped.
Each format has its parser (`markdown`, `yamlnotes`, `csvnotes`); this module finds the
files and reads them. The formats are documented for users in
consult/demo_workspace/notes/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from consult.errors import Problem
from consult.notes.csvnotes import read_csv_notes
from consult.notes.markdown import read_markdown_notes
from consult.notes.yamlnotes import read_yaml_notes
from consult.workspace.yamlfile import MAX_BYTES
from schemas.notes import MeetingNotes

SUFFIXES = (".md", ".yaml", ".yml", ".csv")
CSV_MAX_BYTES = 10_000_000
"""The largest CSV notes file consult reads: YAML and Markdown ones stop at `MAX_BYTES`."""


@dataclass(frozen=True)
class NotesFile:
    """The meeting notes read from a file or folder, each under its source key, and the problems."""

    items: tuple[tuple[str, MeetingNotes], ...] = ()
    problems: tuple[Problem, ...] = ()


def read_notes_folder(folder: Path) -> NotesFile:
    """Return the notes of every notes file under `folder` (recursive, in path order), merged.

    Each file's name is its path from the folder's parent, e.g. `notes/prosecutors-office.md`.
    README.md and hidden files are skipped.
    """
    found = notes_paths(folder)
    if isinstance(found, Problem):
        return NotesFile(problems=(found,))
    items: list[tuple[str, MeetingNotes]] = []
    problems: list[Problem] = []
    for path, name in found:
        notes = read_notes_file(path, name)
        items += notes.items
        problems += notes.problems
    return NotesFile(tuple(items), tuple(problems))


def notes_paths(folder: Path) -> list[tuple[Path, str]] | Problem:
    """Return every notes file under `folder` with its name (see `read_notes_folder`), in path
    order; or the problem if `folder` is no folder."""
    base = Path(folder).resolve()
    if not base.is_dir():
        return Problem(str(folder), None, "", None, "is not a folder")
    return [
        (path, (Path(base.name) / path.relative_to(base)).as_posix())
        for path in sorted(base.rglob("*"))
        if path.suffix.lower() in SUFFIXES
        and path.name.lower() != "readme.md"
        and not any(part.startswith(".") for part in path.relative_to(base).parts)
        and path.is_file()
    ]


def size_limit(path: Path) -> int:
    """Return the largest notes file of this kind consult reads, in bytes.

    CSV is read row by row, so it may be larger (`CSV_MAX_BYTES`); YAML and Markdown
    are parsed whole (`MAX_BYTES`).
    """
    return CSV_MAX_BYTES if path.suffix.lower() == ".csv" else MAX_BYTES


def read_notes_file(path: Path, name: str) -> NotesFile:
    """Return the meeting notes in one file, keyed by source, and the problems found in it."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        items, problems = read_yaml_notes(path, name)
    elif suffix in (".md", ".csv"):
        text = _read_text(path, name)
        if isinstance(text, Problem):
            return NotesFile(problems=(text,))
        items, problems = (read_markdown_notes if suffix == ".md" else read_csv_notes)(text, name)
    else:
        expected = "a notes file ending in .md, .yaml, .yml or .csv"
        return NotesFile(problems=(Problem(name, None, "", suffix or path.name, expected),))
    return NotesFile(tuple(items), tuple(sorted(problems, key=lambda p: p.line or 0)))


def _read_text(path: Path, name: str) -> str | Problem:
    """Return the text of a UTF-8 file, or the problem that stops it from being read."""
    try:
        if (large := too_large(path, path.stat().st_size, name)) is not None:
            return large
        raw = path.read_bytes()
    except FileNotFoundError:
        return Problem(name, None, "", None, "does not exist")
    except OSError as error:
        return Problem(name, None, "", None, f"cannot be read ({error.strerror})")
    if b"\x00" in raw:
        return Problem(name, None, "", None, "is a binary file, expected text")
    try:
        return raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        return Problem(name, line, "", None, f"is not UTF-8 text (byte {raw[error.start]:#04x})")


def too_large(path: Path, size: int, name: str) -> Problem | None:
    """Return the problem of a notes file of `size` bytes over its kind's limit, else None."""
    limit = size_limit(path)
    if size <= limit:
        return None
    why = (
        f"is {size:,} bytes, more than the {limit:,} consult reads in a "
        f"{'CSV' if limit == CSV_MAX_BYTES else 'Markdown or YAML'} notes file "
        f"(CSV: {CSV_MAX_BYTES:,}; Markdown and YAML: {MAX_BYTES:,})"
    )
    return Problem(name, None, "", None, why)

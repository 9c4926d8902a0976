"""Reads consultation notes from files: Markdown with front matter, YAML, or CSV.

Pure parsing: a file gives the notes of the meetings it holds, each under a stable
source key, and every problem found, each naming file, line, field and value. A bad
observation is reported and skipped; the rest of its file is kept. Text is data: HTML
or `{{ template }}` in a note is kept as written, never rendered nor stripped.
The formats are documented for users in workspace/notes/README.md.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from consult.errors import MISSING, Problem
from consult.workspace.yamlfile import Lines, Loc, path_of, read_yaml
from schemas.notes import Attendance, MeetingNotes, ObservationInput

SUFFIXES = (".md", ".yaml", ".yml", ".csv")

Locate = Callable[[Loc], tuple[int | None, str]]
"""Where a field of a checked model was written: its line, and its path as the reader knows it."""


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
    base = Path(folder).resolve()
    if not base.is_dir():
        return NotesFile(problems=(Problem(str(folder), None, "", None, "is not a folder"),))
    items: list[tuple[str, MeetingNotes]] = []
    problems: list[Problem] = []
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(base)
        if (
            path.suffix.lower() in SUFFIXES
            and path.name.lower() != "readme.md"
            and not any(part.startswith(".") for part in relative.parts)
            and path.is_file()
        ):
            notes = read_notes_file(path, (Path(base.name) / relative).as_posix())
            items += notes.items
            problems += notes.problems
    return NotesFile(tuple(items), tuple(problems))


def read_notes_file(path: Path, name: str) -> NotesFile:
    """Return the meeting notes in one file, keyed by source, and the problems found in it."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        items, problems = _read_yaml_notes(path, name)
    elif suffix in (".md", ".csv"):
        text = _read_text(path, name)
        if isinstance(text, Problem):
            return NotesFile(problems=(text,))
        items, problems = (_read_markdown if suffix == ".md" else _read_csv)(text, name)
    else:
        expected = "a notes file ending in .md, .yaml, .yml or .csv"
        return NotesFile(problems=(Problem(name, None, "", suffix or path.name, expected),))
    return NotesFile(tuple(items), tuple(sorted(problems, key=lambda p: p.line or 0)))


def problems_from_validation(
    error: ValidationError, model: type[BaseModel], file: str, locate: Locate
) -> list[Problem]:
    """Return one problem per error pydantic found in a `model`, naming file, line, field, value."""
    return [_problem(detail, model, file, locate) for detail in error.errors(include_url=False)]


_SEVERITY = "a severity from 1 (minor) to 4 (critical)"
_REQUIRED = {
    "kind": "a kind: gap, need, challenge, good_practice, recommendation, commitment or question",
    "severity": _SEVERITY,
    "theme": "a theme id of the training",
}
_SEVERITY_ERRORS = ("greater_than_equal", "less_than_equal", "int_parsing", "int_from_float")


def _problem(detail: ErrorDetails, model: type[BaseModel], file: str, locate: Locate) -> Problem:
    # pydantic puts the name of an Annotated validator chain into loc, e.g. 'function-after[...]'
    loc = tuple(part for part in detail["loc"] if not (isinstance(part, str) and "[" in part))
    kind = detail["type"]
    value: object = detail.get("input", MISSING)
    expected = detail["msg"]
    last = str(loc[-1]) if loc else ""
    if kind == "commitment":
        loc, value = (*loc, "owner"), MISSING
    elif kind == "missing":
        value, expected = MISSING, _REQUIRED.get(last, "a value (the field is required)")
    elif kind == "extra_forbidden":
        known = ", ".join(model.model_fields) if len(loc) == 1 else ""
        value, expected = last, f"one of the known fields: {known}" if known else "a known field"
    elif last == "severity" and kind in _SEVERITY_ERRORS:
        expected = _SEVERITY
    elif kind in ("too_short", "too_long"):
        bound = detail.get("ctx", {}).get("min_length" if kind == "too_short" else "max_length")
        word = "at least" if kind == "too_short" else "at most"
        unit = "character" if isinstance(value, str) else "item"
        expected = f"{word} {bound} {unit}{'s' if bound != 1 else ''}"
    else:
        for prefix in ("Input should be ", "Value error, "):
            expected = expected.removeprefix(prefix)
    line, path = locate(loc)
    return Problem(file, line, path, value, expected)


def _within(locate: Locate, prefix: Loc) -> Locate:
    """Return `locate` for a part, found at `prefix` of the whole, that is checked on its own."""
    return lambda loc: locate((*prefix, *loc))


def _each_valid(
    entries: Iterable[tuple[int, Any]],
    model: type[BaseModel],
    file: str,
    locate: Locate,
    problems: list[Problem],
) -> list[Any]:
    """Return the entries that are a valid `model`; each invalid one adds its problems."""
    valid = []
    for index, entry in entries:
        if model is ObservationInput and isinstance(entry, dict) and not entry.get("id"):
            # its place in the file, counting items that are invalid now: a fix to one
            # item never shifts the key of another
            entry = {**entry, "id": str(index + 1)}
        try:
            valid.append(model.model_validate(entry))
        except ValidationError as error:
            problems += problems_from_validation(error, model, file, _within(locate, (index,)))
    return valid


def _meeting(
    raw: dict[Any, Any], file: str, locate: Locate
) -> tuple[MeetingNotes | None, list[Problem]]:
    """Return the meeting notes in `raw`, keeping every valid attendee and observation."""
    problems: list[Problem] = []
    fields = dict(raw)
    for key, model in (("attendance", Attendance), ("observations", ObservationInput)):
        if isinstance(fields.get(key), list):
            at = _within(locate, (key,))
            fields[key] = _each_valid(enumerate(fields[key]), model, file, at, problems)
    try:
        return MeetingNotes.model_validate(fields), problems
    except ValidationError as error:
        return None, [*problems, *problems_from_validation(error, MeetingNotes, file, locate)]


def _key(name: str, notes: MeetingNotes) -> str:
    """Return the source key of one meeting among several in the file `name`."""
    return (
        f"{name}#{notes.meeting}"
        if notes.round is None
        else f"{name}#{notes.round}/{notes.meeting}"
    )


def _read_text(path: Path, name: str) -> str | Problem:
    """Return the text of a UTF-8 file, or the problem that stops it from being read."""
    try:
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


Items = list[tuple[str, MeetingNotes]]


def _read_yaml_notes(path: Path, name: str) -> tuple[Items, list[Problem]]:
    data, lines, problems = read_yaml(path, name)
    if data is None:
        return [], problems

    def locate(loc: Loc) -> tuple[int | None, str]:
        return lines.of(loc), path_of(loc)

    if "meetings" not in data:
        notes, found = _meeting(data, name, locate)
        return ([(name, notes)] if notes else []), problems + found
    for key in data:
        if key != "meetings":
            expected = "nothing beside 'meetings' (each meeting's fields go in its item)"
            problems.append(Problem(name, lines.of((key,)), path_of((key,)), key, expected))
    meetings = data["meetings"]
    if not isinstance(meetings, list):
        line = lines.of(("meetings",))
        return [], [*problems, Problem(name, line, "meetings", meetings, "a list of meetings")]
    items: Items = []
    for index, raw in enumerate(meetings):
        at: Loc = ("meetings", index)
        if not isinstance(raw, dict):
            expected = "the notes of one meeting (a mapping)"
            problems.append(Problem(name, lines.of(at), path_of(at), raw, expected))
            continue
        notes, found = _meeting(raw, name, _within(locate, at))
        problems += found
        if notes is None:
            continue
        if any(_key(name, notes) == key for key, _ in items):
            expected = "each meeting once in a file (this one is repeated)"
            where = (*at, "meeting")
            problems.append(Problem(name, lines.of(where), path_of(where), notes.meeting, expected))
            continue
        items.append((_key(name, notes), notes))
    return items, problems


# Markdown: YAML front matter, then one observation per top-level list item.

_ITEM = re.compile(r"[-*][ \t]+")
_RULE = re.compile(r"\*[ \t]*\*[ \t]*\*[ \t*]*")
_FENCE = ("```", "~~~")
_FIELD = re.compile(
    r'\[(?P<key>[A-Za-z][A-Za-z_]*):[ \t]*(?:"(?P<quoted>.*?)"|(?P<plain>[^\]]*?))[ \t]*\]',
    re.DOTALL,
)
_KIND = re.compile(r"\[(?P<kind>[A-Za-z][A-Za-z_ -]*)\](?!\()")
_MARKDOWN_FIELDS = {
    "theme": "theme",
    "severity": "severity",
    "confidentiality": "confidentiality",
    "quote": "quote",
    "speaker": "speaker_role",
    "speaker_role": "speaker_role",
    "owner": "owner",
    "due": "due",
    "id": "id",
}
_KINDS = (
    "gap",
    "need",
    "challenge",
    "good_practice",
    "recommendation",
    "commitment",
    "question",
)


@dataclass
class _Item:
    """One list item of a Markdown notes file, read into an observation's fields."""

    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)


def _read_markdown(text: str, name: str) -> tuple[Items, list[Problem]]:
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        expected = (
            "has no front matter: expected a first line '---', the meeting's fields "
            "(meeting, organisation, date...), then a line '---'"
        )
        return [], [Problem(name, 1, "", None, expected)]
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        expected = "has front matter with no end: expected a line '---' after the meeting's fields"
        return [], [Problem(name, 1, "", None, expected)]
    # A blank first line keeps the front matter's line numbers those of the file.
    header, header_lines, problems = _front_matter("\n".join(["", *lines[1:end]]), name)
    items: dict[int, _Item] = {}
    for index, parts in enumerate(_list_items(lines, end + 1)):
        item = _observation(parts, index, name, problems)
        if item is not None:
            items[index] = item

    def locate(loc: Loc) -> tuple[int | None, str]:
        if len(loc) < 2 or loc[0] != "observations" or not isinstance(loc[1], int):
            return header_lines.of(loc), path_of(loc)
        item = items[loc[1]]
        if len(loc) == 2:
            return item.line, path_of(loc)
        target = str(loc[2])
        written = item.written.get(target, target)
        return item.lines.get(target, item.line), path_of((*loc[:2], written, *loc[3:]))

    at = _within(locate, ("observations",))
    entries = ((index, item.fields) for index, item in items.items())
    observations = _each_valid(entries, ObservationInput, name, at, problems)
    if header is None:
        return [], problems
    if "observations" in header:
        expected = "observations in the body, one list item each, not in the front matter"
        line = header_lines.of(("observations",))
        problems.append(Problem(name, line, "observations", "observations", expected))
    notes, found = _meeting({**header, "observations": observations}, name, locate)
    return ([(name, notes)] if notes else []), problems + found


def _front_matter(text: str, name: str) -> tuple[dict[str, Any] | None, Lines, list[Problem]]:
    """Return the front matter's fields as text, the line of each, and its problems.

    Every value stays text (YAML's base loader): the fields' own checks read dates.
    """
    try:
        node = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = error.problem or error.context or "not valid YAML"
        line = mark.line + 1 if mark else None
        return (
            None,
            Lines(),
            [Problem(name, line, "", None, f"front matter is not valid YAML: {reason}")],
        )
    except yaml.YAMLError as error:
        return (
            None,
            Lines(),
            [Problem(name, None, "", None, f"front matter is not valid YAML: {error}")],
        )
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1 if node else 1
        value = (
            node.value
            if isinstance(node, yaml.ScalarNode)
            else MISSING
            if node is None
            else "a list"
        )
        expected = "front matter with the meeting's fields: meeting, organisation, date..."
        return None, Lines(), [Problem(name, line, "", value, expected)]
    lines = Lines()
    problems: list[Problem] = []
    return _text_of(node, (), lines, problems, name), lines, problems


def _text_of(node: yaml.Node, loc: Loc, lines: Lines, problems: list[Problem], name: str) -> Any:
    lines.values[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in result:
                expected = "each key once in a mapping (this one is repeated)"
                problems.append(Problem(name, line, path_of((*loc, key)), key, expected))
                continue
            lines.keys[(*loc, key)] = line
            result[key] = _text_of(value_node, (*loc, key), lines, problems, name)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _text_of(item, (*loc, i), lines, problems, name) for i, item in enumerate(node.value)
        ]
    if isinstance(node, yaml.ScalarNode) and node.style is None and node.value in ("", "~", "null"):
        return None
    return node.value


def _list_items(lines: list[str], start: int) -> list[list[tuple[int, str]]]:
    """Return each top-level list item of the body as its (line number, text) lines.

    An item runs on over indented lines; blank lines inside it are skipped; any other
    line ends it. Fenced code blocks and thematic breaks (`* * *`) are no items.
    """
    items: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] | None = None
    fenced = False
    for number, line in enumerate(lines[start:], start + 1):
        if line.lstrip().startswith(_FENCE):
            fenced, current = not fenced, None
            continue
        marker = _ITEM.match(line)
        if fenced or not line.strip():
            continue
        if marker and not _RULE.fullmatch(line.rstrip()):
            current = [(number, line[marker.end() :])]
            items.append(current)
        elif current is not None and line[:1] in (" ", "\t"):
            current.append((number, line.strip()))
        else:
            current = None
    return items


def _observation(
    parts: list[tuple[int, str]], index: int, name: str, problems: list[Problem]
) -> _Item | None:
    """Return the fields of one list item, or None when its brackets are wrong."""
    text = "\n".join(content for _, content in parts)
    item = _Item(line=parts[0][0])
    masked = text
    ok = True
    for match in _FIELD.finditer(text):
        key = match["key"].lower()
        line = parts[text.count("\n", 0, match.start())][0]
        path = path_of(("observations", index, key))
        target = _MARKDOWN_FIELDS.get(key)
        masked = masked[: match.start()] + " " * len(match[0]) + masked[match.end() :]
        if target is None:
            known = ", ".join(key for key in _MARKDOWN_FIELDS if key != "speaker_role")
            problems.append(Problem(name, line, path, key, f"one of the known fields: {known}"))
            ok = False
        elif target in item.lines:
            expected = "each field once in an observation (this one is repeated)"
            problems.append(Problem(name, line, path, key, expected))
            ok = False
        else:
            value = " ".join(
                (match["plain"] if match["quoted"] is None else match["quoted"]).split()
            )
            item.lines[target], item.written[target] = line, key
            if value:
                item.fields[target] = (
                    int(value) if target == "severity" and value.isdigit() else value
                )
    kind = _KIND.search(masked)
    if kind is not None:
        written = kind["kind"].strip()
        normal = re.sub(r"[ -]+", "_", written.lower())
        item.fields["kind"] = normal if normal in _KINDS else written
        item.lines["kind"] = parts[text.count("\n", 0, kind.start())][0]
        masked = masked[: kind.start()] + masked[kind.end() :]
    item.fields["text"] = " ".join(masked.split())
    return item if ok else None


# CSV: one observation per row, grouped into meetings by (meeting, round).

NoteField = Literal[
    "meeting",
    "round",
    "organisation",
    "date",
    "kind",
    "theme",
    "severity",
    "text",
    "quote",
    "speaker_role",
    "confidentiality",
    "owner",
    "due",
]
"""A field of a notes row: the meeting's, then the observation's (CSV columns, Kobo fields)."""
COLUMNS: tuple[str, ...] = (*get_args(NoteField), "id")
REQUIRED_FIELDS = ("meeting", "organisation", "date", "kind", "theme", "severity", "text")
MEETING_FIELDS = ("meeting", "round", "organisation", "date")


@dataclass
class _Rows:
    """The rows of one meeting: its fields as on its first row, and its valid observations."""

    line: int
    fields: dict[str, str]
    observations: list[ObservationInput] = field(default_factory=list)
    seen: int = 0


def _at_row(line: int) -> Locate:
    return lambda loc: (line, str(loc[0]) if loc else "")


def _read_csv(text: str, name: str) -> tuple[Items, list[Problem]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    meetings: dict[tuple[str, str], _Rows] = {}
    try:
        header = [column.strip() for column in next(reader, [])]
        if not any(header):
            return [], [Problem(name, None, "", None, "is empty, expected a header row")]
        problems += _header_problems(header, name)
        if problems:
            return [], problems
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                expected = f"has {len(row)} columns, expected {len(header)} as in the header"
                problems.append(Problem(name, line, "", None, expected))
                continue
            _add_row(dict(zip(header, row, strict=True)), line, name, meetings, problems)
    except csv.Error as error:
        problems.append(Problem(name, reader.line_num, "", None, f"is not valid CSV: {error}"))
    items: Items = []
    for rows in meetings.values():
        raw = {**rows.fields, "observations": rows.observations}
        notes, found = _meeting(raw, name, _at_row(rows.line))
        problems += found
        if notes is not None:
            items.append((_key(name, notes), notes))
    return items, problems


def _header_problems(header: list[str], name: str) -> list[Problem]:
    problems = [
        Problem(name, 1, "", column, f"a column among: {', '.join(COLUMNS)}")
        for column in header
        if column not in COLUMNS
    ]
    problems += [
        Problem(name, 1, column, MISSING, "a column of this name in the header")
        for column in REQUIRED_FIELDS
        if column not in header
    ]
    problems += [
        Problem(name, 1, column, column, "each column once in the header (this one is repeated)")
        for column in sorted({column for column in header if header.count(column) > 1})
    ]
    return problems


def _add_row(
    row: dict[str, str],
    line: int,
    name: str,
    meetings: dict[tuple[str, str], _Rows],
    problems: list[Problem],
) -> None:
    """Add one row's observation to its meeting, or its problems when it has any."""
    values = {column: cell.strip() for column, cell in row.items() if cell.strip()}
    fields = {column: values[column] for column in MEETING_FIELDS if column in values}
    rows = meetings.setdefault(
        (values.get("meeting", ""), values.get("round", "")), _Rows(line, fields)
    )
    for column in ("organisation", "date"):
        if fields.get(column) != rows.fields.get(column):
            first = rows.fields.get(column)
            shown = repr(first) if first else "an empty cell"
            expected = f"{shown} as on line {rows.line}, for the same meeting"
            problems.append(Problem(name, line, column, values.get(column, MISSING), expected))
            return
    observation: dict[str, Any] = {c: v for c, v in values.items() if c not in MEETING_FIELDS}
    rows.seen += 1
    # its place among the meeting's rows, counting invalid ones: keys never shift
    observation.setdefault("id", str(rows.seen))
    severity = observation.get("severity")
    if isinstance(severity, str) and severity.isdigit():
        observation["severity"] = int(severity)
    try:
        rows.observations.append(ObservationInput.model_validate(observation))
    except ValidationError as error:
        problems += problems_from_validation(error, ObservationInput, name, _at_row(line))

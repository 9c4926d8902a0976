"""Reads consultation notes from Markdown: YAML front matter, then one observation per list item.

The front matter holds the meeting's fields (meeting, organisation, date...); each
top-level list item of the body is an observation, its kind in brackets (`[gap]`) and
its other fields as `[key: value]`. Every value stays text until the models check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from consult.errors import MISSING, Problem
from consult.notes.meetings import Items, meeting_notes, valid_entries, within
from consult.notes.translated import FLAT, flat_key, fold
from consult.workspace.yamlfile import Lines, Loc, hazards, path_of
from schemas.notes import ObservationInput

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
    "language": "language",
    **{key: key for key in FLAT},
    "source": "source",
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


def read_markdown_notes(text: str, name: str) -> tuple[Items, list[Problem]]:
    """Return the meeting notes in the Markdown `text` of the file `name`, and its problems."""
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
        flat = flat_key(loc[2:])
        if flat is not None:
            return item.lines.get(flat, item.line), path_of((*loc[:2], flat))
        target = str(loc[2])
        written = item.written.get(target, target)
        return item.lines.get(target, item.line), path_of((*loc[:2], written, *loc[3:]))

    at = within(locate, ("observations",))
    entries = ((index, fold(item.fields)) for index, item in items.items())
    observations = valid_entries(entries, ObservationInput, name, at, problems)
    if header is None:
        return [], problems
    if "observations" in header:
        expected = "observations in the body, one list item each, not in the front matter"
        line = header_lines.of(("observations",))
        problems.append(Problem(name, line, "observations", "observations", expected))
    notes, found = meeting_notes({**header, "observations": observations}, name, locate)
    return ([(name, notes)] if notes else []), problems + found


def _front_matter(text: str, name: str) -> tuple[dict[str, Any] | None, Lines, list[Problem]]:
    """Return the front matter's fields as text, the line of each, and its problems.

    Every value stays text (YAML's base loader): the fields' own checks read dates.
    Anchors, aliases and deep nesting are refused before anything is composed.
    """
    refused = hazards(text, name)
    if refused:
        return None, Lines(), refused
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

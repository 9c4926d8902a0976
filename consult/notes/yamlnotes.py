"""Reads consultation notes from YAML: one meeting's fields, or a list of them under `meetings`."""

from __future__ import annotations

from pathlib import Path

from consult.errors import Problem
from consult.notes.meetings import Items, meeting_notes, source_key, within
from consult.workspace.problems import locate_in
from consult.workspace.yamlfile import Loc, path_of, read_yaml


def read_yaml_notes(path: Path, name: str) -> tuple[Items, list[Problem]]:
    """Return the meeting notes in the YAML file at `path`, keyed by source, and its problems."""
    data, lines, problems = read_yaml(path, name)
    if data is None:
        return [], problems
    locate = locate_in(lines)
    if "meetings" not in data:
        notes, found = meeting_notes(data, name, locate)
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
        notes, found = meeting_notes(raw, name, within(locate, at))
        problems += found
        if notes is None:
            continue
        if any(source_key(name, notes) == key for key, _ in items):
            expected = "each meeting once in a file (this one is repeated)"
            where = (*at, "meeting")
            problems.append(Problem(name, lines.of(where), path_of(where), notes.meeting, expected))
            continue
        items.append((source_key(name, notes), notes))
    return items, problems

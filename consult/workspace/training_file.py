"""A training file written from the desk: a new one whole, or rounds and meetings added to one.

    text = training_text(data, languages)         # block style, under init's header comment
    text = with_round(path.read_text(), round_data)  # its comments, order and layout kept

A new file is block style under the header comment `consult init` writes
(`starter.training_header`); a round or meetings are added to the file read as a
round-trip document, so its comments, key order and layout stay. Checking, writing
and auditing them is consult.application.trainings'.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from consult.errors import Problem
from consult.workspace.loading import TRAININGS
from consult.workspace.starter import training_header
from consult.workspace.yamlwrite import (
    append,
    block_text,
    dump_document,
    load_document,
    plain_to_document,
)
from schemas.types import ID_PATTERN

WRITTEN_BY = "the desk (consult ui)"
DESK_NEXT_STEP = (
    "Add rounds from the training's page,\n"
    "# or edit this file by hand (docs/workspace.md explains every field) and run\n"
    "# `consult validate`."
)


def path_of(root: Path, slug: str) -> Path:
    """Return the file of the training `slug` in the workspace at `root`."""
    return Path(root) / TRAININGS / f"{slug}.yaml"


def file_version(path: Path) -> str:
    """Return the version of a file as it is now (a hash of its bytes); "" when there is none."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return ""


def written_by_desk(path: Path) -> bool:
    """Tell whether the training file at `path` was written by the desk (its header says so)."""
    try:
        with open(path, encoding="utf-8") as file:
            head = file.read(600)
    except (OSError, UnicodeDecodeError):
        return False
    return f"Written by {WRITTEN_BY}" in head


def training_text(data: Mapping[str, Any], languages: tuple[str, ...]) -> str:
    """Return a new training file: the header comment, then `data` in block style."""
    title = data.get("title", {})
    title_en = title.get("en", "") if isinstance(title, Mapping) else ""
    header = training_header(title_en, languages, WRITTEN_BY, DESK_NEXT_STEP)
    parts = [header]
    for key, value in data.items():
        if isinstance(value, Mapping | list):
            parts.append("\n")
        parts.append(block_text({key: value}))
    return "".join(parts)


def slug_problems(root: Path, slug: str) -> list[Problem]:
    """Return what is wrong with a new training's slug: not id-shaped, or taken."""
    name = f"{TRAININGS}/{slug}.yaml"
    if not ID_PATTERN.match(slug):
        return [
            Problem(
                name,
                None,
                "slug",
                slug,
                "lowercase letters, digits and inner hyphens, at most 64 characters",
            )
        ]
    if path_of(root, slug).exists():
        return [Problem(name, None, "slug", slug, "a slug no training of the workspace has")]
    return []


def with_round(text: str, round_data: Mapping[str, Any]) -> str:
    """Return a training file's text with this round added after its rounds, all else kept."""

    def change(document: CommentedMap) -> None:
        consultation = document.get("consultation")
        if not isinstance(consultation, CommentedMap):
            consultation = document["consultation"] = CommentedMap()
        rounds = consultation.get("rounds")
        if isinstance(rounds, CommentedSeq):
            append(rounds, dict(round_data))
        else:
            consultation["rounds"] = plain_to_document([dict(round_data)])

    return _changed(text, change)


def with_meetings(text: str, round_id: str, meetings: Sequence[Mapping[str, Any]]) -> str:
    """Return a training file's text with these meetings added to a round, all else kept.

    Raises KeyError when the file has no round `round_id`.
    """

    def change(document: CommentedMap) -> None:
        consultation = document.get("consultation")
        rounds = consultation.get("rounds") if isinstance(consultation, CommentedMap) else None
        found = next(
            (r for r in rounds or () if isinstance(r, CommentedMap) and r.get("id") == round_id),
            None,
        )
        if found is None:
            raise KeyError(round_id)
        if not isinstance(found.get("meetings"), CommentedSeq):
            found["meetings"] = plain_to_document([])
        for meeting in meetings:
            append(found["meetings"], dict(meeting))

    return _changed(text, change)


def _changed(text: str, change: Callable[[CommentedMap], None]) -> str:
    """Return `text` read as a round-trip document, changed, and written back.

    Comments, key order and layout are kept (a value written in flow style stays so);
    what the change adds is block style. A file that holds no mapping is as it was
    (its check says so).
    """
    document = load_document(text)
    if not isinstance(document, CommentedMap):
        return text
    _hoist(document)
    change(document)
    return dump_document(document, text)


def _hoist(node: Any) -> None:
    """Move the comment lines that close a mapping's value to before the key that follows.

    ruamel.yaml keeps the comment before a key (`# What the pack needs.` above
    `briefing:`) at the end of the list that precedes it, however deep; an item added
    to that list would come after the comment. Held before the next key, it stays there.
    """
    if isinstance(node, CommentedSeq):
        for item in node:
            _hoist(item)
        return
    if not isinstance(node, CommentedMap):
        return
    keys = list(node)
    for index, key in enumerate(keys):
        _hoist(node[key])
        if index + 1 < len(keys) and (tokens := _closing(node[key])):
            slot = node.ca.items.setdefault(keys[index + 1], [None, None, None, None])
            slot[1] = [*tokens, *(slot[1] or [])]


def _closing(node: Any) -> list[Any]:
    """Take and return the comment lines at the end of the last list in `node`, at its deepest."""
    if isinstance(node, CommentedMap) and node:
        return _closing(node[list(node)[-1]])
    if isinstance(node, CommentedSeq) and node:
        found = _closing(node[-1])
        if found or not node.ca.end:
            return found
        tokens = list(node.ca.end)
        node.ca.end = []
        return tokens
    return []

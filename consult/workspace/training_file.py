"""Writes a training file from the desk: a new one whole, or a round added to one kept as written.

    problems = new_training(root, store, slug, data, by="nino")   # [] and written, or why not
    problems = add_round(root, store, slug, round_data, base=version, by="nino")

Both check what they would write as `consult validate` does (the same models, the
same checks across the registry, `loading.check_training`), and write nothing
while anything is wrong. A new file is block style under the header comment
`consult init` writes (`starter.training_header`); a round is added to the file
read as a round-trip document, so its comments, key order and layout stay. Each
holds the file's lock from reading to the audit entry; an edit made on a `base`
version of the file is refused (StaleEdit) when the file changed since.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from consult.errors import Problem, StaleEdit
from consult.store import Store
from consult.workspace.loading import TRAININGS, check_training
from consult.workspace.starter import training_header
from consult.workspace.yamlwrite import (
    append,
    block_text,
    dump_document,
    load_document,
    locked,
    write_atomically,
)
from schemas.types import ID_PATTERN

CREATED = "training.created"
ROUND_ADDED = "training.round_added"
"""The audit log's actions for a training file written, and a round added to one."""
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


def new_training(
    root: Path,
    store: Store,
    slug: str,
    data: Mapping[str, Any],
    languages: tuple[str, ...],
    *,
    by: str,
    check_only: bool = False,
) -> list[Problem]:
    """Return the problems of the training `data` would make; none: written and audited.

    Nothing is written when there is a problem, or with `check_only`.
    """
    problems = slug_problems(root, slug)
    text = training_text(data, languages)
    problems += check_training(root, slug if not problems else "new-training", text)
    if problems or check_only:
        return problems
    path = path_of(root, slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        if path.exists():
            return slug_problems(root, slug)
        write_atomically(path, text)
        store.audit(by, CREATED, slug, {"file": f"{TRAININGS}/{slug}.yaml"})
    return []


def add_round(
    root: Path,
    store: Store,
    slug: str,
    round_data: Mapping[str, Any],
    *,
    by: str,
    base: str | None = None,
    check_only: bool = False,
) -> list[Problem]:
    """Return the problems of the training with this round added; none: written and audited.

    Raises StaleEdit when the file is no longer the `base` version the form showed.
    """
    path = path_of(root, slug)
    with locked(path):
        if base and file_version(path) != base:
            raise StaleEdit(
                f"{TRAININGS}/{slug}.yaml changed since this form was opened; nothing was "
                "saved: reload the form to add the round to the file as it is now"
            )
        text = path.read_text(encoding="utf-8")
        document = load_document(text)
        consultation = document.setdefault("consultation", {})
        rounds = consultation.get("rounds")
        if rounds is None:
            consultation["rounds"] = [dict(round_data)]
            changed = dump_document(document, text)
            changed = dump_document(load_document(changed), text)
        else:
            append(rounds, dict(round_data))
            changed = dump_document(document, text)
        changed = _block_rounds(changed, text)
        problems = check_training(root, slug, changed)
        if problems or check_only:
            return problems
        write_atomically(path, changed)
        store.audit(by, ROUND_ADDED, f"{slug}/{round_data['id']}", {"file": path.name})
    return []


def _block_rounds(text: str, like: str) -> str:
    """Return `text` with every list of mappings in block style (ruamel keeps new ones so)."""
    from consult.workspace.yamlwrite import block_style

    document = load_document(text)
    if block_style(document):
        return dump_document(document, like)
    return text

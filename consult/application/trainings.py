"""A training file written or extended from the desk: checked, written whole, and audited.

    problems = create_training(root, store, NewFile(slug, data, languages), Edit(by="nino"))
    problems = add_round(root, store, slug, round_data, Edit(by="nino", base=version))

Like the registry's use cases these take the workspace folder and an open store, not
the built `Services`: a workspace with a training file with problems must not stop the
coordinator from writing another, or from completing that one. Each checks what it
would write as `consult validate` does (`loading.check_training`: the same models,
the same checks across the registry) and writes nothing while anything is wrong.
The file's lock is held from reading it to the audit entry; an edit made on a `base`
version of the file is refused with a StaleEdit when the file changed since.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consult.errors import Problem, StaleEdit
from consult.store import Store
from consult.workspace.loading import TRAININGS, check_training
from consult.workspace.training_file import (
    file_version,
    path_of,
    slug_problems,
    training_text,
    with_meetings,
    with_round,
)
from consult.workspace.yamlwrite import locked, write_atomically

CREATED = "training.created"
ROUND_ADDED = "training.round_added"
MEETINGS_ADDED = "training.meetings_added"
"""The audit log's actions: a training file written, a round added to one, meetings to a round."""


@dataclass(frozen=True)
class Edit:
    """Who writes, the version of the file their form showed, and whether only to check."""

    by: str
    base: str | None = None
    """The file's version (`training_file.file_version`) when the form was opened."""
    check_only: bool = False


@dataclass(frozen=True)
class NewFile:
    """A new training file: its slug, its data, the languages its texts are written in."""

    slug: str
    data: Mapping[str, Any]
    languages: tuple[str, ...] = ("en",)


def create_training(root: Path, store: Store, new: NewFile, edit: Edit) -> list[Problem]:
    """Return the problems of the training `new` would make; none: written and audited.

    Nothing is written when there is a problem, or with `check_only`.
    """
    problems = slug_problems(root, new.slug)
    text = training_text(new.data, new.languages)
    problems += check_training(root, new.slug if not problems else "new-training", text)
    if problems or edit.check_only:
        return problems
    path = path_of(root, new.slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        if path.exists():
            return slug_problems(root, new.slug)
        write_atomically(path, text)
        store.audit(edit.by, CREATED, new.slug, {"file": f"{TRAININGS}/{new.slug}.yaml"})
    return []


def add_round(
    root: Path, store: Store, slug: str, round_data: Mapping[str, Any], edit: Edit
) -> list[Problem]:
    """Return the problems of the training with this round added; none: written and audited.

    Raises StaleEdit when the file is no longer the `base` version the form showed.
    """
    subject = f"{slug}/{round_data.get('id')}"
    return _edit(
        root, store, slug, lambda text: with_round(text, round_data), (ROUND_ADDED, subject), edit
    )


def add_meetings(
    root: Path,
    store: Store,
    slug: str,
    at: tuple[str, Sequence[Mapping[str, Any]]],
    edit: Edit,
) -> list[Problem]:
    """Return the problems of the training with meetings added to a round; none: written.

    `at` is the round's id and the meetings. Raises StaleEdit when the file is no
    longer the `base` version the form showed, KeyError when it has no such round.
    """
    round_id, meetings = at
    return _edit(
        root,
        store,
        slug,
        lambda text: with_meetings(text, round_id, meetings),
        (MEETINGS_ADDED, f"{slug}/{round_id}"),
        edit,
    )


def _edit(
    root: Path,
    store: Store,
    slug: str,
    change: Callable[[str], str],
    audit: tuple[str, str],
    edit: Edit,
) -> list[Problem]:
    """Change the training file's text, check it whole, write it and audit it, or say why not."""
    path = path_of(root, slug)
    with locked(path):
        if edit.base and file_version(path) != edit.base:
            raise StaleEdit(
                f"{TRAININGS}/{slug}.yaml changed since this form was opened; nothing was "
                "saved: reload the form to add to the file as it is now"
            )
        changed = change(path.read_text(encoding="utf-8"))
        problems = check_training(root, slug, changed)
        if problems or edit.check_only:
            return problems
        write_atomically(path, changed)
        action, subject = audit
        store.audit(edit.by, action, subject, {"file": f"{TRAININGS}/{path.name}"})
    return []

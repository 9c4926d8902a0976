"""Stores consultation notes: checked against the plan, one stable key per observation.

Notes come from the Prefect UI form, from files (`consult.notes.files`) or from a
survey service; all arrive as `MeetingNotes`. Each observation is stored under
`<source>#<id or position>`, so importing the same source twice stores it once
and an edited source updates its observations. An observation that does not
fit the plan (unknown meeting or theme, the wrong organisation) is rejected
with its reason, and the valid rest is stored.

Restricted observations are stored like the others and leave the store
nowhere: reports name them by key and count, never by their text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consult.errors import ConsultError
from consult.notes.checks import against, meeting_problems, observation_problems
from consult.notes.files import read_notes_folder
from consult.notes.kobo import (
    fetch_submissions,
    load_kobo_mapping,
    submissions_to_notes,
    token_from_env,
)
from consult.store import Store
from consult.workspace.loading import Workspace
from consult.workspace.rounds import meeting_id, round_of
from schemas import Meeting, MeetingNotes, Training

KOBO_FILE = "kobo.yaml"
"""The workspace file that maps a KoboToolbox form onto notes."""


@dataclass
class ImportReport:
    """What an import did: counts of added, updated and unchanged observations, and rejections."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return the counts in one line."""
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )

    def to_markdown(self) -> str:
        """Return the report as Markdown: the counts, then each rejection with its reason."""
        lines = [f"**{self.summary()}**", ""]
        lines += [f"- {reason}" for reason in self.rejected]
        return "\n".join(lines) + "\n"


def store_notes(
    workspace: Workspace,
    store: Store,
    slug: str,
    items: Sequence[tuple[str, MeetingNotes]],
    actor: str,
    now: dt.datetime,
    report: ImportReport | None = None,
) -> ImportReport:
    """Return the report after storing each item's observations that fit the plan at `now`.

    A meeting's notes that do not hold (`consult.notes.checks`) are rejected
    whole; an observation that does not, alone.
    """
    report = report or ImportReport()
    training = workspace.training(slug)
    themes = {theme.id for theme in training.themes}
    for source, notes in items:
        stored = _meeting_of(store, training, slug, source, notes, report)
        if stored is None:
            continue
        context = against(workspace, slug, stored, store.attendees(stored.id), notes, now)
        problems = meeting_problems(notes, context)
        if problems:
            report.rejected += [f"{source}: {name}: {why}" for name, why in problems.items()]
            continue
        if stored.status == "cancelled":
            store.set_meeting_status(stored.id, "held", actor)
        _store_attendance(store, stored.id, source, notes, actor)
        for position, observation in enumerate(notes.observations, start=1):
            key = f"{source}#{observation.id or position}"
            problems = observation_problems(observation, context)
            if observation.theme not in themes:
                problems["theme"] = (
                    f"theme {observation.theme!r} is not in the training's themes "
                    f"({', '.join(sorted(themes))})"
                )
            if problems:
                report.rejected += [_rejection(key, name, why) for name, why in problems.items()]
                continue
            _, change = store.upsert_observation(
                key,
                meeting_id=stored.id,
                organisation=stored.organisation,
                kind=observation.kind,
                theme=observation.theme,
                severity=observation.severity,
                text=observation.text,
                confidentiality=observation.confidentiality,
                quote=observation.quote,
                speaker_role=observation.speaker_role,
                owner=observation.owner,
                due=observation.due,
                actor=actor,
                language=observation.language,
                translations={
                    language: translation.model_dump(exclude_none=True)
                    for language, translation in (observation.translations or {}).items()
                },
                line=observation.line,
            )
            setattr(report, change, getattr(report, change) + 1)
    return report


def _rejection(key: str, name: str, why: str) -> str:
    return f"{key}: {why}" if name == "theme" else f"{key}: {name}: {why}"


def _meeting_of(
    store: Store,
    training: Training,
    slug: str,
    source: str,
    notes: MeetingNotes,
    report: ImportReport,
) -> Meeting | None:
    """Return the stored meeting the notes are of; None, its reason reported, if none fits."""
    try:
        round_id = round_of(training, slug, notes.round)
    except ConsultError as error:
        report.rejected.append(f"{source}: {error}")
        return None
    stored = store.get_meeting(meeting_id(slug, round_id, notes.meeting))
    if stored is None:
        report.rejected.append(
            f"{source}: meeting {notes.meeting!r} is not planned in {slug}/{round_id} "
            f"(plan the round first)"
        )
        return None
    if notes.organisation != stored.organisation:
        report.rejected.append(
            f"{source}: organisation {notes.organisation!r} is not the meeting's "
            f"({stored.organisation!r})"
        )
        return None
    return stored


def _store_attendance(
    store: Store, meeting_id: str, source: str, notes: MeetingNotes, actor: str
) -> None:
    """Record who came in the audit log, the latest list of each source counting."""
    if not notes.attendance and not notes.others:
        return
    detail: dict[str, Any] = {
        "source": source,
        "date": notes.date.isoformat(),
        "attendance": [a.model_dump(exclude_none=True) for a in notes.attendance],
    }
    if notes.others:
        detail["others"] = notes.others
    if notes.date_reason:
        detail["date_reason"] = notes.date_reason
    store.audit(actor, "notes.attendance", meeting_id, detail)


def import_folder(
    workspace: Workspace, store: Store, slug: str, folder: Path, actor: str, now: dt.datetime
) -> ImportReport:
    """Return the report after importing every notes file under `folder`, if there is one."""
    if not folder.exists():
        return ImportReport()
    read = read_notes_folder(folder)
    report = ImportReport(rejected=[str(problem) for problem in read.problems])
    return store_notes(workspace, store, slug, read.items, actor, now, report)


def import_kobo(
    workspace: Workspace,
    store: Store,
    slug: str,
    actor: str,
    now: dt.datetime,
    environ: Mapping[str, str] | None = None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Return the report after importing the KoboToolbox submissions `kobo.yaml` points at.

    Without a kobo.yaml in the workspace there is nothing to import. The API
    token comes from the environment variable the file names, never the file.
    """
    report = report or ImportReport()
    if not (workspace.root / KOBO_FILE).exists():
        return report
    mapping = load_kobo_mapping(workspace.root)
    read = fetch_submissions(mapping, token_from_env(mapping, environ))
    items, problems = submissions_to_notes(mapping, read.results)
    report.rejected += [*read.problems, *problems]
    return store_notes(workspace, store, slug, items, actor, now, report)

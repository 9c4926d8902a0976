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

from consult.errors import ConsultError, Problem
from consult.notes.checks import (
    against,
    meeting_problems,
    observation_problems,
    workspace_names,
)
from consult.notes.files import NotesFile, notes_paths, read_notes_file, size_limit
from consult.notes.kobo import (
    fetch_submissions,
    load_kobo_mapping,
    submissions_to_notes,
    token_from_env,
)
from consult.store import Store
from consult.store.notes import (
    Attendance,
    Consent,
    Held,
    NotesFileRecord,
    Step,
    Upsert,
    digest_of,
)
from consult.store.observations import WRITTEN
from consult.store.personal import pseudonym
from consult.workspace.loading import Workspace
from consult.workspace.rounds import meeting_id, round_of
from schemas import Meeting, MeetingNotes, ObservationInput

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
    whole; an observation that does not, alone. The items' meetings are read at
    once and what holds is stored in one transaction (`Store.store_notes`).
    """
    target = _Target(workspace, store, slug, actor, now)
    return _store_items(target, items, report or ImportReport())


@dataclass(frozen=True)
class _Target:
    """Where and when notes are stored, and by whom."""

    workspace: Workspace
    store: Store
    slug: str
    actor: str
    now: dt.datetime


def _store_items(
    target: _Target,
    items: Sequence[tuple[str, MeetingNotes]],
    report: ImportReport,
    file: tuple[str, str] | None = None,
) -> ImportReport:
    """Return the report after `store_notes` of the items in one transaction.

    `file`, if given, is the notes file (name, digest) the items are the whole of:
    recorded when nothing of it is rejected, so that importing it unchanged again
    is a comparison of digests.
    """
    workspace, store, slug, now = target.workspace, target.store, target.slug, target.now
    rejected = len(report.rejected)
    training = workspace.training(slug)
    themes = {theme.id for theme in training.themes}
    wanted: dict[int, str] = {}
    rounds: dict[int, str] = {}
    for number, (source, notes) in enumerate(items):
        try:
            rounds[number] = round_of(training, slug, notes.round)
        except ConsultError as error:
            report.rejected.append(f"{source}: {error}")
            continue
        wanted[number] = meeting_id(slug, rounds[number], notes.meeting)
    found = store.notes_meetings(list(wanted.values())) if wanted else {}
    steps: list[Step] = []
    names = workspace_names(workspace, slug)
    for number, (source, notes) in enumerate(items):
        if number not in wanted:
            continue
        known = found.get(wanted[number])
        where = f"{slug}/{rounds[number]}"
        stored = _meeting_of(known[0] if known else None, where, source, notes, report)
        if stored is None or known is None:
            continue
        context = against(workspace, slug, stored, known[1], notes, now, names)
        problems = meeting_problems(notes, context)
        if problems:
            report.rejected += [f"{source}: {name}: {why}" for name, why in problems.items()]
            continue
        if stored.status == "cancelled":
            steps.append(Held(stored.id))
            found[stored.id] = (stored.model_copy(update={"status": "held"}), known[1])
        steps += _attendance(stored.id, source, notes)
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
            steps.append(Upsert(key, _fields(stored, observation)))
    record = None
    if file is not None:
        name, digest = file
        upserts = sum(isinstance(step, Upsert) for step in steps)
        whole = bool(digest) and len(report.rejected) == rejected
        meetings = tuple(sorted(set(wanted.values())))
        record = NotesFileRecord(slug, name, digest, meetings, upserts, whole)
    if steps or record is not None:
        for change in store.store_notes(steps, target.actor, record):
            setattr(report, change, getattr(report, change) + 1)
    return report


def store_written(
    target: WrittenTarget, observations: Sequence[ObservationInput], consent: Mapping[str, Any]
) -> ImportReport:
    """Return the report after storing written input as observations of the meeting, or none.

    Each observation is checked as a notes file's is (`observation_problems`, the
    training's themes); the meeting's own checks (its day, its having started) are
    not asked of input written before it. Stored all or nothing, under the keys
    `written/<round>/<meeting>/<the writer's pseudonym>#<theme>` (sending again updates
    them), with the consent given (`written.consent` in the audit log), in one transaction.
    """
    meeting, store, now = target.meeting, target.store, target.now
    slug, planned = meeting.training, meeting.id.rsplit("/", 1)[-1]
    report = ImportReport()
    themes = {theme.id for theme in target.workspace.training(slug).themes}
    notes = MeetingNotes(
        meeting=planned,
        round=meeting.round,
        organisation=meeting.organisation,
        date=now.date(),
        observations=tuple(observations),
    )
    invited = store.attendees(meeting.id)
    context = against(target.workspace, slug, meeting, invited, notes, now)
    # The writer's pseudonym, not their address: the key stays once they are forgotten.
    source = f"{WRITTEN}{meeting.round}/{planned}/{pseudonym(target.email)}"
    steps: list[Step] = [Consent(meeting.id, {**consent, "source": source})]
    for observation in observations:
        key = f"{source}#{observation.id or observation.theme}"
        problems = observation_problems(observation, context)
        if observation.theme not in themes:
            problems["theme"] = f"theme {observation.theme!r} is not in the training's themes"
        report.rejected += [_rejection(key, name, why) for name, why in problems.items()]
        steps.append(Upsert(key, _fields(meeting, observation)))
    if report.rejected:
        return report
    for change in store.store_notes(steps, target.actor, None):
        setattr(report, change, getattr(report, change) + 1)
    return report


@dataclass(frozen=True)
class WrittenTarget:
    """Where written input is stored: the workspace, the store, the meeting, who wrote, when."""

    workspace: Workspace
    store: Store
    meeting: Meeting
    email: str
    actor: str
    now: dt.datetime


def _fields(stored: Meeting, observation: ObservationInput) -> dict[str, Any]:
    """Return the columns of an observation of the meeting (`Store.upsert_observation`)."""
    translations = {
        language: translation.model_dump(exclude_none=True)
        for language, translation in (observation.translations or {}).items()
    }
    return {
        "meeting_id": stored.id,
        "organisation": stored.organisation,
        "kind": observation.kind,
        "theme": observation.theme,
        "severity": observation.severity,
        "text": observation.text,
        "quote": observation.quote,
        "speaker_role": observation.speaker_role,
        "confidentiality": observation.confidentiality,
        "owner": observation.owner,
        "due": observation.due,
        "language": observation.language,
        "translations": translations or None,
        "line": observation.line,
        "source": observation.source,
    }


def _rejection(key: str, name: str, why: str) -> str:
    return f"{key}: {why}" if name == "theme" else f"{key}: {name}: {why}"


def _meeting_of(
    stored: Meeting | None, where: str, source: str, notes: MeetingNotes, report: ImportReport
) -> Meeting | None:
    """Return the stored meeting the notes are of; None, its reason reported, if none fits."""
    if stored is None:
        report.rejected.append(
            f"{source}: meeting {notes.meeting!r} is not planned in {where} (plan the round first)"
        )
        return None
    if notes.organisation != stored.organisation:
        report.rejected.append(
            f"{source}: organisation {notes.organisation!r} is not the meeting's "
            f"({stored.organisation!r})"
        )
        return None
    return stored


def _attendance(meeting_id: str, source: str, notes: MeetingNotes) -> list[Step]:
    """Return who came, for the audit log, the latest list of each source counting."""
    if not notes.attendance and not notes.others:
        return []
    detail: dict[str, Any] = {
        "source": source,
        "date": notes.date.isoformat(),
        "attendance": [a.model_dump(exclude_none=True) for a in notes.attendance],
    }
    if notes.others:
        detail["others"] = notes.others
    if notes.date_reason:
        detail["date_reason"] = notes.date_reason
    return [Attendance(meeting_id, detail)]


def import_folder(
    workspace: Workspace, store: Store, slug: str, folder: Path, actor: str, now: dt.datetime
) -> ImportReport:
    """Return the report after importing every notes file under `folder`, if there is one.

    Each file is stored in one transaction. A file imported whole before, unchanged
    since (its bytes, the training and stakeholders it was checked against, its
    meetings and their attendees as stored), is not read again: its observations
    count as unchanged.
    """
    if not folder.exists():
        return ImportReport()
    found = notes_paths(folder)
    if isinstance(found, Problem):
        return ImportReport(rejected=[str(found)])
    report = ImportReport()
    target = _Target(workspace, store, slug, actor, now)
    plan = _plan_digest(workspace, slug)
    digests = {name: _file_digest(path, plan) for path, name in found}
    unchanged = store.unchanged_notes_files(
        slug, {name: digest for name, digest in digests.items() if digest}
    )
    read: list[tuple[NotesFile, str, str]] = []
    for path, name in found:
        if name in unchanged:
            report.unchanged += unchanged[name]
            continue
        notes = read_notes_file(path, name)
        report.rejected += [str(problem) for problem in notes.problems]
        read.append((notes, name, digests[name] or ""))
    for notes, name, digest in read:
        whole = digest if digest and not notes.problems else ""
        _store_items(target, notes.items, report, (name, whole))
    return report


FORMAT = "1"
"""The version of what a file's digest covers: a new one makes every file be imported whole."""


def _plan_digest(workspace: Workspace, slug: str) -> str:
    """Return the digest of what notes are checked against in the workspace: the training
    and the stakeholders (the names no speaker's role may give)."""
    return digest_of(
        FORMAT,
        slug,
        workspace.training(slug).model_dump_json(),
        workspace.stakeholders.model_dump_json(),
    )


def _file_digest(path: Path, plan: str) -> str | None:
    """Return the digest of a notes file's bytes and the plan; None if it cannot be read whole."""
    try:
        if path.stat().st_size > size_limit(path):
            return None
        return digest_of(plan, path.read_bytes())
    except OSError:
        return None


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

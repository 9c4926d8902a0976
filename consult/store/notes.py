"""Stores a batch of notes in one transaction: a notes file's observations, attendance, meetings.

A batch is the steps one notes file (or form, or KoboToolbox import) asks for, in order:
a meeting held after all, who came, each observation. They are applied as
`Store.upsert_observation` applies one, with the same changes and audit entries, but
in a bounded number of statements: the batch's observations read once, inserts,
updates and audit entries each written with one executemany. A notes file imported
whole is recorded with the digest of its bytes (and of the plan it was checked
against) and of its meetings and attendees as stored, so that importing it again
unchanged is a comparison of digests (`unchanged_file`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from consult.store.engine import reading, writing
from consult.store.meetings import set_meeting_status
from consult.store.observations import AUDITED, PLACE, Change
from consult.store.tables import attendees, audit, meetings, notes_files, observations
from schemas.state import Attendee, Meeting, Observation

CHUNK = 500
"""Keys asked for in one `IN (...)`: under SQLite's oldest limit of 999 parameters."""


@dataclass(frozen=True)
class Held:
    """A cancelled meeting whose notes say it was held: its status becomes `held`."""

    meeting_id: str


@dataclass(frozen=True)
class Attendance:
    """Who came to a meeting, for the audit log (`notes.attendance`)."""

    meeting_id: str
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class Consent:
    """The consent given with written input from a personal page, for the audit log."""

    meeting_id: str
    detail: Mapping[str, Any]


CONSENT = "written.consent"
"""The audit log's action of the consent recorded with a personal page's written input."""


@dataclass(frozen=True)
class Upsert:
    """An observation to store under `key`, its columns as `Store.upsert_observation` takes."""

    key: str
    fields: Mapping[str, Any]


Step = Held | Attendance | Consent | Upsert


@dataclass(frozen=True)
class NotesFileRecord:
    """A notes file imported whole, every observation stored: what its next import compares."""

    training: str
    name: str
    digest: str
    meetings: tuple[str, ...]
    observations: int
    whole: bool = True
    """Every item of the file stored, nothing rejected: else its record is dropped."""


def meetings_and_attendees(
    connection: sa.Connection, ids: Iterable[str]
) -> dict[str, tuple[Meeting, list[Any]]]:
    """Return each meeting of `ids` that is stored, with its attendees' rows, in two queries."""
    wanted = sorted(set(ids))
    found: dict[str, tuple[Meeting, list[Any]]] = {}
    for part in _chunks(wanted):
        for row in connection.execute(sa.select(meetings).where(meetings.c.id.in_(part))):
            found[row.id] = (Meeting.model_validate(row), [])
        rows = connection.execute(
            sa.select(attendees)
            .where(attendees.c.meeting_id.in_(part))
            .order_by(attendees.c.meeting_id, attendees.c.email)
        )
        for row in rows:
            if row.meeting_id in found:
                found[row.meeting_id][1].append(row)
    return found


def meeting_digests(connection: sa.Connection, ids: Iterable[str]) -> dict[str, str]:
    """Return the digest of each of these meetings and its attendees as stored (of none if
    it is not stored), all read in two queries."""
    wanted = set(ids)
    found = meetings_and_attendees(connection, wanted)
    digests = {}
    for meeting_id in wanted:
        if meeting_id not in found:
            digests[meeting_id] = digest_of(meeting_id, "none")
            continue
        meeting, rows = found[meeting_id]
        digests[meeting_id] = digest_of(
            meeting.model_dump_json(), *(repr(tuple(row)) for row in rows)
        )
    return digests


def context_digest(digests: Mapping[str, str], ids: Iterable[str]) -> str:
    """Return the digest of these meetings and their attendees, from `meeting_digests`."""
    return digest_of(*(f"{id}={digests[id]}" for id in sorted(set(ids))))


def unchanged_files(
    connection: sa.Connection, training: str, digests: Mapping[str, str]
) -> dict[str, int]:
    """Return, of the notes files named with their digests, each imported whole with that
    digest whose meetings and attendees are as they were then, with how many observations
    it stored: in three queries, whatever the number of files."""
    rows = [
        row
        for row in connection.execute(
            sa.select(notes_files).where(notes_files.c.training == training)
        )
        if digests.get(row.name) == row.digest
    ]
    if not rows:
        return {}
    meetings_now = meeting_digests(connection, {id for row in rows for id in row.meetings})
    return {
        row.name: int(row.observations)
        for row in rows
        if context_digest(meetings_now, row.meetings) == row.context
    }


def store_batch(
    connection: sa.Connection,
    now: dt.datetime,
    steps: Sequence[Step],
    actor: str,
    record: NotesFileRecord | None = None,
) -> list[Change]:
    """Return the change of each `Upsert` of `steps`, all applied in order on `connection`.

    `record`, if given, is the notes file the steps come from: recorded after them if they
    are its whole (nothing rejected), else its record dropped, so that its next import is
    a full one.
    """
    ids = {
        step.fields["meeting_id"] if isinstance(step, Upsert) else step.meeting_id for step in steps
    }
    stored = set(meetings_and_attendees(connection, ids)) if ids else set()
    if missing := sorted(ids - stored):
        raise ValueError(f"no meeting {missing[0]!r} in the store")
    keys = keys_in_order([step.key for step in steps if isinstance(step, Upsert)])
    existing: set[str] = set()
    state: dict[str, dict[str, Any]] = {}
    for part in _chunks(sorted(keys)):
        rows = connection.execute(sa.select(observations).where(observations.c.key.in_(part)))
        state |= {row.key: dict(row._mapping) for row in rows}
    existing = set(state)
    dirty: set[str] = set()
    logged: list[dict[str, Any]] = []
    changes: list[Change] = []
    for step in steps:
        if isinstance(step, Held):
            _flush_audit(connection, logged)
            _hold(connection, now, step.meeting_id, actor)
        elif isinstance(step, Attendance):
            logged.append(_entry(now, actor, "notes.attendance", step.meeting_id, step.detail))
        elif isinstance(step, Consent):
            logged.append(_entry(now, actor, CONSENT, step.meeting_id, step.detail))
        else:
            before = state.get(step.key)
            change, write = _apply(state, now, step.key, dict(step.fields))
            changes.append(change)
            if write:
                dirty.add(step.key)
            if change != "unchanged":
                after = state[step.key]
                detail = _detail(after, before)
                logged.append(
                    _entry(now, actor, f"observation.{change}", after["meeting_id"], detail)
                )
    added = [_columns(state[key]) for key in keys if key not in existing]
    updated = [_columns(state[key]) for key in keys if key in existing and key in dirty]
    if added:
        connection.execute(sa.insert(observations), added)
    if updated:
        names = [c for c in updated[0] if c != "key"]
        connection.execute(
            sa.update(observations)
            .where(observations.c.key == sa.bindparam("b_key"))
            .values({name: sa.bindparam(f"b_{name}") for name in names}),
            [{f"b_{name}": value for name, value in row.items()} for row in updated],
        )
    _flush_audit(connection, logged)
    if record is not None and record.whole:
        _record_file(connection, now, record)
    elif record is not None:
        forget_file(connection, record.training, record.name)
    return changes


def forget_file(connection: sa.Connection, training: str, name: str) -> None:
    """Drop the record of a notes file, so that its next import checks and stores it whole."""
    connection.execute(
        sa.delete(notes_files).where(notes_files.c.training == training, notes_files.c.name == name)
    )


def keys_in_order(keys: Sequence[str]) -> list[str]:
    """Return each key once, where it first comes."""
    return list(dict.fromkeys(keys))


def _apply(
    state: dict[str, dict[str, Any]], now: dt.datetime, key: str, fields: dict[str, Any]
) -> tuple[Change, bool]:
    """Return the change `upsert_observation` would make, and whether its row is to be
    written, the change made to `state` (the rows by key; a changed row is a new dict)."""
    row = state.get(key)
    if row is None:
        state[key] = {"id": 0, "key": key, "created_at": now, "updated_at": now, **fields}
        return "added", True
    said = {name: value for name, value in fields.items() if name not in PLACE}
    if all(row.get(name) == value for name, value in said.items()):
        moved = {name: fields[name] for name in PLACE if row.get(name) != fields.get(name)}
        # the same words, elsewhere in its file: its place follows, nothing is logged
        state[key] = row | moved
        return "unchanged", bool(moved)
    state[key] = row | {"updated_at": now, **fields}
    return "updated", True


def _columns(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name != "id"}


_COMPARED = tuple(
    name
    for name in Observation.model_fields
    if name not in ("id", "created_at", "updated_at", *PLACE)
)
"""The fields an update's audit entry says were changed, in their order."""


def _detail(after: Mapping[str, Any], before: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return what `audit_detail` says of the rows of an observation, without their models."""
    detail: dict[str, Any] = {"key": after["key"]}
    detail |= {name: after[name] for name in AUDITED}
    if before is not None:
        detail["changed"] = [name for name in _COMPARED if before.get(name) != after.get(name)]
    return detail


def _entry(
    now: dt.datetime, actor: str, action: str, subject: str, detail: Mapping[str, Any]
) -> dict[str, Any]:
    return {"at": now, "actor": actor, "action": action, "subject": subject, "detail": dict(detail)}


def _flush_audit(connection: sa.Connection, logged: list[dict[str, Any]]) -> None:
    if logged:
        connection.execute(sa.insert(audit), logged)
        logged.clear()


def _hold(connection: sa.Connection, now: dt.datetime, meeting_id: str, actor: str) -> None:
    """Set a meeting's status to held, logged as `Store.set_meeting_status` logs it."""
    before, after = set_meeting_status(connection, now, meeting_id, "held")
    if after != before:
        connection.execute(
            sa.insert(audit),
            [
                _entry(
                    now,
                    actor,
                    "meeting.status",
                    meeting_id,
                    {"from": before.status, "to": after.status, "sequence": after.sequence},
                )
            ],
        )


def _record_file(connection: sa.Connection, now: dt.datetime, record: NotesFileRecord) -> None:
    values = {
        "digest": record.digest,
        "context": context_digest(meeting_digests(connection, record.meetings), record.meetings),
        "meetings": sorted(set(record.meetings)),
        "observations": record.observations,
        "imported_at": now,
    }
    done = connection.execute(
        sa.update(notes_files)
        .where(notes_files.c.training == record.training, notes_files.c.name == record.name)
        .values(**values)
    )
    if done.rowcount == 0:
        connection.execute(
            sa.insert(notes_files).values(training=record.training, name=record.name, **values)
        )


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def digest_of(*parts: bytes | str) -> str:
    """Return the SHA-256 of these parts, each length-prefixed so that no two runs collide."""
    hashed = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hashed.update(f"{len(data)}:".encode())
        hashed.update(data)
    return hashed.hexdigest()


def canonical(value: Any) -> str:
    """Return `value` as canonical JSON, for a digest."""
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class NotesMethods:
    """The store's methods for notes files and their batches (`Store` has them)."""

    _engine: sa.Engine
    actor: str

    def notes_meetings(self, ids: Sequence[str]) -> dict[str, tuple[Meeting, list[Attendee]]]:
        """Return each stored meeting of `ids` with its attendees, by id, read at once."""
        with reading(self._engine) as connection:
            found = meetings_and_attendees(connection, ids)
        return {
            id: (meeting, [Attendee.model_validate(row) for row in rows])
            for id, (meeting, rows) in found.items()
        }

    def store_notes(
        self,
        steps: Sequence[Step],
        actor: str | None = None,
        record: NotesFileRecord | None = None,
    ) -> list[Change]:
        """Return the change of each observation of `steps`, all stored in one transaction.

        As `upsert_observation` stores one, with the same audit entries (`consult.store.notes`);
        `record`, if given, is the notes file they are the whole of, for its next import.
        """
        with writing(self._engine) as connection:
            return store_batch(connection, _utcnow(), steps, actor or self.actor, record)

    def unchanged_notes_files(self, training: str, digests: Mapping[str, str]) -> dict[str, int]:
        """Return, of the notes files named with their digests, those imported whole with that
        digest whose meetings and attendees are as they were then, each with how many
        observations it stored."""
        with reading(self._engine) as connection:
            return unchanged_files(connection, training, digests)

    def forget_notes_file(self, training: str, name: str) -> None:
        """Drop the record of a notes file: its next import checks and stores it whole."""
        with writing(self._engine) as connection:
            forget_file(connection, training, name)

"""Reads and writes observations: what was learnt in consultations, keyed by their source item."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import sqlalchemy as sa

from consult.store.audit import append
from consult.store.meetings import require_meeting
from consult.store.tables import meetings, observations
from schemas.state import Observation

Change = Literal["added", "updated", "unchanged"]

PLACE = ("line",)
WRITTEN = "written/"
"""How the key of an observation of source "written submission" (from a personal page) begins:
`written/<round>/<meeting>/<email>#<theme>`. The pack counts it even when the meeting was not
held, and marks its organisation as heard in writing."""


def written(key: str) -> bool:
    """Return whether an observation's key is that of a written submission."""
    return key.startswith(WRITTEN)


"""Where an observation is written, not what it says: a move alone leaves it unchanged."""


def upsert_observation(
    connection: sa.Connection, now: dt.datetime, key: str, fields: dict[str, Any]
) -> tuple[Observation, Change]:
    """Return the observation stored under `key`, and whether it was added, updated or unchanged."""
    require_meeting(connection, fields["meeting_id"])
    row = connection.execute(sa.select(observations).where(observations.c.key == key)).first()
    if row is None:
        connection.execute(
            sa.insert(observations).values(key=key, created_at=now, updated_at=now, **fields)
        )
        return _one(connection, key), "added"
    said = {name: value for name, value in fields.items() if name not in PLACE}
    if all(getattr(row, name) == value for name, value in said.items()):
        moved = {name: fields[name] for name in PLACE if getattr(row, name) != fields.get(name)}
        if not moved:
            return Observation.model_validate(row), "unchanged"
        # the same words, elsewhere in its file: its place follows, nothing is logged
        connection.execute(sa.update(observations).where(observations.c.key == key).values(**moved))
        return _one(connection, key), "unchanged"
    connection.execute(
        sa.update(observations).where(observations.c.key == key).values(updated_at=now, **fields)
    )
    return _one(connection, key), "updated"


def record_observation(
    connection: sa.Connection, now: dt.datetime, key: str, fields: dict[str, Any], actor: str
) -> tuple[Observation, Change]:
    """Return `upsert_observation`'s answer, an addition or update logged as done by `actor`."""
    before = get_observation(connection, key)
    observation, change = upsert_observation(connection, now, key, fields)
    if change != "unchanged":
        append(
            connection,
            now,
            actor=actor,
            action=f"observation.{change}",
            subject=observation.meeting_id,
            detail=audit_detail(observation, before),
        )
    return observation, change


def get_observation(connection: sa.Connection, key: str) -> Observation | None:
    """Return the observation stored under `key`, or None."""
    row = connection.execute(sa.select(observations).where(observations.c.key == key)).first()
    return None if row is None else Observation.model_validate(row)


def list_observations(
    connection: sa.Connection, training: str | None, meeting_id: str | None
) -> list[Observation]:
    """Return the observations (of a training, of a meeting, if given), oldest first."""
    query = sa.select(observations)
    if training is not None:
        query = query.join(meetings, meetings.c.id == observations.c.meeting_id).where(
            meetings.c.training == training
        )
    if meeting_id is not None:
        query = query.where(observations.c.meeting_id == meeting_id)
    rows = connection.execute(query.order_by(observations.c.id))
    return [Observation.model_validate(row) for row in rows]


def observation_counts(connection: sa.Connection, training: str) -> dict[str, int]:
    """Return how many observations of its notes each meeting of the training has, counted
    in SQL; a meeting without any is left out.

    Written input (`WRITTEN`) is not counted: it says nothing of the meeting being held, so
    a meeting ahead whose invitee wrote is still invited, and still watched for its quorum.
    """
    rows = connection.execute(
        sa.select(observations.c.meeting_id, sa.func.count())
        .join(meetings, meetings.c.id == observations.c.meeting_id)
        .where(meetings.c.training == training)
        .where(sa.not_(observations.c.key.startswith(WRITTEN)))
        .group_by(observations.c.meeting_id)
    )
    return {str(meeting_id): int(count) for meeting_id, count in rows}


def _one(connection: sa.Connection, key: str) -> Observation:
    row = connection.execute(sa.select(observations).where(observations.c.key == key)).one()
    return Observation.model_validate(row)


AUDITED = ("kind", "theme", "severity", "confidentiality")
"""What the audit log says of an observation; its text, quote and speaker stay in its row."""


def audit_detail(after: Observation, before: Observation | None) -> dict[str, Any]:
    """Return what the audit log says of an observation added or updated: never its text."""
    detail: dict[str, Any] = {"key": after.key}
    detail |= {name: getattr(after, name) for name in AUDITED}
    if before is not None:
        changed = [
            name
            for name in Observation.model_fields
            if name not in ("id", "created_at", "updated_at", *PLACE)
            and getattr(before, name) != getattr(after, name)
        ]
        detail["changed"] = changed
    return detail

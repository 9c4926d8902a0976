"""Appends to the audit log and reads it back; the database refuses to change or delete entries.

Every entry names its actor: who did it. A command names the operating-system
user (`consult.actors.default_actor`) unless told otherwise (`--by`); a flow names the Prefect
user who started the run, or the run itself and the operating-system user.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from consult.store.tables import audit, claimants
from schemas.state import AuditEvent


def append(
    connection: sa.Connection,
    now: dt.datetime,
    *,
    actor: str,
    action: str,
    subject: str,
    detail: Mapping[str, Any],
) -> AuditEvent:
    """Return the event appended to the audit log."""
    row = connection.execute(
        sa.insert(audit)
        .values(at=now, actor=actor, action=action, subject=subject, detail=dict(detail))
        .returning(audit)
    ).one()
    return AuditEvent.model_validate(row)


def log(connection: sa.Connection, subject: str | None) -> list[AuditEvent]:
    """Return the audit log (about one subject, if given), oldest first."""
    query = sa.select(audit)
    if subject is not None:
        query = query.where(audit.c.subject == subject)
    rows = connection.execute(query.order_by(audit.c.id))
    return [AuditEvent.model_validate(row) for row in rows]


def register_claimant(
    connection: sa.Connection, now: dt.datetime, claimed_by: str, actor: str
) -> None:
    """Record that the sender `claimed_by` acts for `actor`, unless it is recorded so already."""
    known = connection.execute(
        sa.select(claimants.c.actor).where(claimants.c.claimed_by == claimed_by)
    ).first()
    if known is None:
        connection.execute(sa.insert(claimants).values(claimed_by=claimed_by, actor=actor, at=now))
    elif known.actor != actor:
        connection.execute(
            sa.update(claimants).where(claimants.c.claimed_by == claimed_by).values(actor=actor)
        )

"""Appends to the audit log and reads it back; the database refuses to change or delete entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from consult.store.tables import audit
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

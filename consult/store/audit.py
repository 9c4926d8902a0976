"""Appends to the audit log and reads it back; the database refuses to change or delete entries.

Every entry names its actor: who did it. A command names the operating-system
user (`consult.actors.default_actor`) unless told otherwise (`--by`); a flow names the Prefect
user who started the run, or the run itself and the operating-system user.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from consult.store.prefixes import starts_with
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


@dataclass(frozen=True)
class AuditPage:
    """One page of the entries about some subjects, newest first, and what the filter offers."""

    events: list[AuditEvent]
    """The page's entries, newest first."""
    total: int
    """Entries the kind keeps, on every page."""
    actions: frozenset[str]
    """Every action of the entries about the subjects, whatever the kind."""
    page: int
    """The page shown: the one asked for, or the last if it asked for one past it."""
    pages: int


def page_about(
    connection: sa.Connection,
    subjects: Collection[str],
    prefixes: Sequence[str],
    kind: str,
    page: int,
    size: int,
) -> AuditPage:
    """Return a page of `size` entries about these subjects or any under these prefixes,
    newest first, of the actions of `kind` ("message": message.sent, message.rejected...;
    empty: all), in three queries whatever the log's length."""
    about = sa.or_(
        audit.c.subject.in_(sorted(subjects)),
        *(starts_with(audit.c.subject, prefix) for prefix in prefixes),
    )
    actions = frozenset(
        connection.execute(sa.select(audit.c.action).where(about).distinct()).scalars()
    )
    kept = about
    if kind:
        kept = sa.and_(
            about,
            sa.or_(audit.c.action == kind, starts_with(audit.c.action, f"{kind}.")),
        )
    total = connection.execute(sa.select(sa.func.count()).select_from(audit).where(kept)).scalar()
    pages = max(1, -(-(total or 0) // size))
    shown = min(max(page, 1), pages)
    rows = connection.execute(
        sa.select(audit)
        .where(kept)
        .order_by(audit.c.id.desc())
        .limit(size)
        .offset((shown - 1) * size)
    )
    events = [AuditEvent.model_validate(row) for row in rows]
    return AuditPage(events, total or 0, actions, shown, pages)


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

"""Counter-proposals (iTIP COUNTER): an attendee's proposed new time, and the decision on it.

Kept in the audit log, about the meeting: `counter.proposed` records one, keyed
by who proposed which times to which SEQUENCE (and the calendar's DTSTAMP), so
that reading the same message again records nothing; `counter.accepted` or
`counter.declined` records the coordinator's decision, with the same key. Each
write first reads the meeting's counters inside the write transaction, so two
runs cannot both record one, nor both decide it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from consult.store.audit import append
from consult.store.prefixes import starts_with
from consult.store.tables import audit

PROPOSED = "counter.proposed"
ACCEPTED = "counter.accepted"
DECLINED = "counter.declined"
_ACTIONS = (PROPOSED, ACCEPTED, DECLINED)

CounterState = Literal["pending", "accepted", "declined"]


@dataclass(frozen=True)
class Counter:
    """An attendee's proposal to move a meeting, and what became of it."""

    key: str
    meeting_id: str
    proposer: str
    start: dt.datetime
    end: dt.datetime
    sequence: int
    comment: str
    source: str
    received_at: dt.datetime
    state: CounterState = "pending"
    decided_by: str | None = None


def counter_key(
    proposer: str, sequence: int, start: dt.datetime, end: dt.datetime, stamp: str
) -> str:
    """Return the key that tells one counter-proposal from another, whatever file it came in."""
    return "|".join(
        (
            proposer.lower(),
            str(sequence),
            start.astimezone(dt.UTC).isoformat(),
            end.astimezone(dt.UTC).isoformat(),
            stamp,
        )
    )


def record_counter(
    connection: sa.Connection,
    now: dt.datetime,
    *,
    meeting_id: str,
    key: str,
    detail: Mapping[str, Any],
) -> bool:
    """Return whether the counter-proposal is recorded now; False if it was recorded before."""
    if any(c.key == key for c in _counters(connection, meeting_id)):
        return False
    append(
        connection,
        now,
        actor=str(detail["proposer"]),
        action=PROPOSED,
        subject=meeting_id,
        detail={"key": key, **detail},
    )
    return True


def decide_counter(
    connection: sa.Connection,
    now: dt.datetime,
    *,
    meeting_id: str,
    key: str,
    accepted: bool,
    actor: str,
    detail: Mapping[str, Any],
) -> Counter:
    """Return the counter-proposal decided; a ValueError if it is unknown or decided already."""
    found = {c.key: c for c in _counters(connection, meeting_id)}
    counter = found.get(key)
    if counter is None:
        raise ValueError(f"{meeting_id}: no counter-proposal {key!r}")
    if counter.state != "pending":
        raise ValueError(
            f"{meeting_id}: the counter-proposal of {counter.proposer} is {counter.state}"
        )
    append(
        connection,
        now,
        actor=actor,
        action=ACCEPTED if accepted else DECLINED,
        subject=meeting_id,
        detail={"key": key, **detail},
    )
    return next(c for c in _counters(connection, meeting_id) if c.key == key)


def list_counters(connection: sa.Connection, prefix: str) -> list[Counter]:
    """Return the counter-proposals of the meetings whose ids start with `prefix`, oldest first."""
    rows = connection.execute(
        sa.select(audit)
        .where(starts_with(audit.c.subject, prefix))
        .where(audit.c.action.in_(_ACTIONS))
        .order_by(audit.c.id)
    )
    return _fold(rows)


def _counters(connection: sa.Connection, meeting_id: str) -> list[Counter]:
    rows = connection.execute(
        sa.select(audit)
        .where(audit.c.subject == meeting_id, audit.c.action.in_(_ACTIONS))
        .order_by(audit.c.id)
    )
    return _fold(rows)


def _fold(rows: sa.CursorResult[Any]) -> list[Counter]:
    found: dict[tuple[str, str], Counter] = {}
    for row in rows:
        detail = row.detail
        key = (row.subject, str(detail["key"]))
        if row.action == PROPOSED:
            found[key] = Counter(
                key=key[1],
                meeting_id=row.subject,
                proposer=str(detail["proposer"]),
                start=dt.datetime.fromisoformat(detail["start"]),
                end=dt.datetime.fromisoformat(detail["end"]),
                sequence=int(detail["sequence"]),
                comment=str(detail.get("comment", "")),
                source=str(detail.get("source", "")),
                received_at=row.at,
            )
        elif key in found:
            state: CounterState = "accepted" if row.action == ACCEPTED else "declined"
            found[key] = dataclasses.replace(found[key], state=state, decided_by=row.actor)
    return list(found.values())

"""The timeline steps a training has started, kept in the audit log.

A step is claimed by appending `step.started` about `timeline/<training>/<key>`,
inside a write transaction that first reads the step's last event: under the
store's write lock two runs cannot both claim it. A step that could not be
started is released (`step.released`), so a later run may claim it again; the
log keeps both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from consult.store.audit import append
from consult.store.prefixes import starts_with
from consult.store.tables import audit

STARTED = "step.started"
RELEASED = "step.released"


def subject(training: str, key: str) -> str:
    """Return the audit log's subject for a step of a training."""
    return f"timeline/{training}/{key}"


def claim_step(
    connection: sa.Connection,
    now: dt.datetime,
    training: str,
    key: str,
    actor: str,
    detail: Mapping[str, Any],
) -> bool:
    """Return whether the step is claimed now; False if it is started already."""
    about = subject(training, key)
    last = connection.execute(
        sa.select(audit.c.action)
        .where(audit.c.subject == about, audit.c.action.in_((STARTED, RELEASED)))
        .order_by(audit.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if last == STARTED:
        return False
    append(connection, now, actor=actor, action=STARTED, subject=about, detail=detail)
    return True


def started_steps(connection: sa.Connection, training: str) -> set[str]:
    """Return the keys of the training's steps that are started and not released."""
    prefix = subject(training, "")
    rows = connection.execute(
        sa.select(audit.c.subject, audit.c.action)
        .where(starts_with(audit.c.subject, prefix))
        .where(audit.c.action.in_((STARTED, RELEASED)))
        .order_by(audit.c.id)
    )
    last = {row.subject: row.action for row in rows}
    return {about.removeprefix(prefix) for about, action in last.items() if action == STARTED}


SCHEDULE_ACTIONS = {
    "round.proposed": "proposed",
    "round.approved": "approved",
    "round.sent_back": "sent_back",
}
"""The audit actions that decide a round's schedule, and the state each leaves it in."""


def round_schedules(connection: sa.Connection, training: str) -> dict[str, str]:
    """Return each round's last schedule decision ("proposed", "approved", "sent_back").

    Read from the audit log, whoever decided: the plan flow, `consult plan` or the desk.
    """
    prefix = f"{training}/"
    rows = connection.execute(
        sa.select(audit.c.subject, audit.c.action)
        .where(starts_with(audit.c.subject, prefix))
        .where(audit.c.action.in_(tuple(SCHEDULE_ACTIONS)))
        .order_by(audit.c.id)
    )
    last = {row.subject.removeprefix(prefix): SCHEDULE_ACTIONS[row.action] for row in rows}
    return {round_: state for round_, state in last.items() if "/" not in round_}

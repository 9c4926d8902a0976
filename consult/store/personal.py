"""Where the store keeps a person's data, and how it is read, erased, expired or pseudonymised.

`PLACES` is the one table of it: each row names a table, the column that holds the
person's email, the kind of data it is (as retention names it) and what erasing does
(delete the row, or unattribute it). Reading a person's data (`held`), erasing it
(`erase`) and expiring a training's (`expire`) all walk that table, so a new table of
personal data (a poll's votes, a written submission) is one more `Place` here; the files
of the workspace are listed likewise in `consult.application.privacy.FILES`.

The audit log is append-only (triggers, `consult.store.tables`). Its personal fields are
rewritten in one controlled way only: `rewriting_audit` inserts a row in `audit_rewrites`,
which the triggers read as leave to update (never to delete), and removes it before its
transaction commits, so no other transaction ever sees it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from consult.store.audit import append
from consult.store.tables import (
    attendees,
    audit,
    audit_rewrites,
    consents,
    inbound,
    meetings,
    messages,
    observations,
    poll_votes,
    record_answers,
    replies,
)

Erasure = Literal["delete", "unattribute"]
ERASED = "[erased]"
"""What replaces a person's email or name in a past audit entry."""
_EMAIL = re.compile(r"[^\s<>\"'(),;:@]+@[^\s<>\"'(),;:@]+\.[A-Za-z]{2,}")
_NAME_KEYS = ("name", "names", "attendee", "recipient", "email", "address", "comment")
"""Keys of an audit entry's detail whose values name a person: expired with the training."""


@dataclass(frozen=True)
class Place:
    """A table of the store that holds personal data."""

    table: sa.Table
    email: str
    """The column that holds the person's email."""
    kind: str
    """What it is, as retention names it: messages, attendance, observations, consent."""
    erase: Erasure
    """What erasing the person does to a row: delete it, or unattribute it (the email set to
    None; a restricted one is deleted)."""
    meeting: str | None = None
    """The column of the meeting it is about (`<training>/...`), if it is about one."""


PLACES: tuple[Place, ...] = (
    Place(messages, "recipient", "messages", "delete", "meeting_id"),
    Place(replies, "attendee", "messages", "delete", "meeting_id"),
    Place(inbound, "address", "messages", "delete"),
    Place(attendees, "email", "attendance", "delete", "meeting_id"),
    Place(observations, "source", "observations", "unattribute", "meeting_id"),
    Place(consents, "email", "consent", "delete"),
    Place(poll_votes, "attendee", "messages", "delete", "meeting_id"),
    Place(record_answers, "attendee", "messages", "delete", "meeting_id"),
)
"""Every table of the store that holds a person's data, and the column that names them."""


def pseudonym(email: str) -> str:
    """Return the pseudonym of an email: the same for the same address, and no address."""
    digest = hashlib.sha256(email.strip().casefold().encode("utf-8")).hexdigest()
    return f"person-{digest[:16]}"


def _about(place: Place, email: str) -> sa.ColumnElement[bool]:
    return sa.func.lower(place.table.c[place.email]) == email.strip().casefold()


def _plain(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, dt.datetime | dt.date) else value
        for key, value in row._mapping.items()
    }


def held(connection: sa.Connection, email: str) -> dict[str, list[dict[str, Any]]]:
    """Return every row of the store naming this email, by table (as plain values)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for place in PLACES:
        rows = connection.execute(
            sa.select(place.table).where(_about(place, email)).order_by(*place.table.primary_key)
        )
        found.setdefault(place.table.name, []).extend(_plain(row) for row in rows)
    return found


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def whole(needle: str) -> re.Pattern[str]:
    """Return the pattern of `needle` as a whole word or address, case ignored: a name
    `Ana` is not found in `Banana`."""
    return re.compile(rf"(?<![\w.@-]){re.escape(needle)}(?![\w@-])", re.IGNORECASE)


def _names(value: Any, needles: Sequence[str]) -> bool:
    patterns = [whole(n) for n in needles]
    return any(p.search(s) for s in _strings(value) for p in patterns)


def _replaced(value: Any, needles: Sequence[str], by: str) -> Any:
    if isinstance(value, str):
        for needle in needles:
            value = whole(needle).sub(by, value)
        return value
    if isinstance(value, Mapping):
        return {key: _replaced(item, needles, by) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_replaced(item, needles, by) for item in value]
    return value


def _needles(email: str, names: Iterable[str]) -> list[str]:
    found = {email.strip().casefold(), *(n.strip().casefold() for n in names if n.strip())}
    return sorted(found, key=len, reverse=True)


def audit_naming(
    connection: sa.Connection, email: str, names: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Return the audit entries whose actor, subject or detail names the email or a name."""
    needles = _needles(email, names)
    rows = connection.execute(sa.select(audit).order_by(audit.c.id))
    return [_plain(row) for row in rows if _names([row.actor, row.subject, row.detail], needles)]


@contextmanager
def rewriting_audit(connection: sa.Connection, reason: str) -> Iterator[None]:
    """Let the block update audit entries (never delete them), in this transaction only."""
    row = connection.execute(
        sa.insert(audit_rewrites).values(reason=reason).returning(audit_rewrites.c.id)
    ).scalar_one()
    yield
    connection.execute(sa.delete(audit_rewrites).where(audit_rewrites.c.id == row))


def _rewrite(connection: sa.Connection, changed: Mapping[int, Mapping[str, Any]]) -> None:
    if not changed:
        return
    with rewriting_audit(connection, "personal data"):
        for id, values in changed.items():
            connection.execute(sa.update(audit).where(audit.c.id == id).values(**values))


def pseudonymise_audit(
    connection: sa.Connection, email: str, names: Iterable[str], by: str = ERASED
) -> int:
    """Return how many audit entries named the person, each rewritten with `by` instead."""
    needles = _needles(email, names)
    changed = {}
    for row in connection.execute(sa.select(audit).order_by(audit.c.id)):
        if _names([row.actor, row.subject, row.detail], needles):
            changed[row.id] = {
                "actor": _replaced(row.actor, needles, by),
                "subject": _replaced(row.subject, needles, by),
                "detail": _replaced(row.detail, needles, by),
            }
    _rewrite(connection, changed)
    return len(changed)


@dataclass(frozen=True)
class Erased:
    """What erasing a person did in the store, by what it was; no value of theirs."""

    rows: dict[str, int]
    """Rows deleted, by table."""
    unattributed: int
    """Observations kept without the person's name."""
    audit: int
    """Audit entries whose mention of the person was replaced by `[erased]`."""

    @property
    def anything(self) -> bool:
        """Return whether the store held anything of the person."""
        return bool(self.unattributed or self.audit or any(self.rows.values()))


def erase(
    connection: sa.Connection,
    email: str,
    names: Iterable[str],
    *,
    delete_observations: bool,
) -> Erased:
    """Return what was erased of the person: rows deleted, observations unattributed (a
    restricted one, or all with `delete_observations`, deleted), audit entries rewritten."""
    names = list(names)
    rows: dict[str, int] = {}
    unattributed = 0
    for place in PLACES:
        where = _about(place, email)
        if place.erase == "unattribute" and not delete_observations:
            kept = sa.and_(where, place.table.c.confidentiality != "restricted")
            unattributed += connection.execute(
                sa.update(place.table).where(kept).values({place.email: None})
            ).rowcount
        if place.table is observations:
            # the corrections proposed to what goes are about it: they go with it
            gone = sa.select(observations.c.key).where(where)
            connection.execute(
                sa.delete(record_answers).where(record_answers.c.observation_key.in_(gone))
            )
        rows[place.table.name] = connection.execute(sa.delete(place.table).where(where)).rowcount
    return Erased(rows, unattributed, pseudonymise_audit(connection, email, names))


def forgotten(connection: sa.Connection, email: str) -> dt.datetime | None:
    """Return when the person with this email was forgotten, if they were."""
    return connection.execute(
        sa.select(sa.func.max(audit.c.at)).where(
            audit.c.action == "person.forgotten", audit.c.subject == f"person/{pseudonym(email)}"
        )
    ).scalar()


def record_forgetting(
    connection: sa.Connection, now: dt.datetime, actor: str, email: str, detail: Mapping[str, Any]
) -> None:
    """Append the one audit entry of a forgetting: the pseudonym, what was done, no data."""
    append(
        connection,
        now,
        actor=actor,
        action="person.forgotten",
        subject=f"person/{pseudonym(email)}",
        detail=detail,
    )


Expiry = Literal[
    "messages",
    "attendance",
    "observations.public",
    "observations.internal",
    "observations.restricted",
    "audit",
]
EXPIRIES: tuple[Expiry, ...] = (
    "messages",
    "attendance",
    "observations.public",
    "observations.internal",
    "observations.restricted",
    "audit",
)
"""What of a training's data the store expires, each after its own period."""


def _of_training(column: sa.ColumnElement[Any], training: str) -> sa.ColumnElement[bool]:
    return sa.or_(column == training, column.startswith(f"{training}/", autoescape=True))


def _scrubbed(value: Any, key: str = "") -> Any:
    if isinstance(value, str):
        return ERASED if key in _NAME_KEYS else _EMAIL.sub(ERASED, value)
    if isinstance(value, Mapping):
        return {k: _scrubbed(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v, key) for v in value]
    return value


def expire(connection: sa.Connection, training: str, what: Expiry, apply: bool) -> int:
    """Return how many rows of the training's `what` are due (deleted or scrubbed if `apply`).

    Messages are the ledger, the replies and the mail read about them; attendance the
    attendees; observations those of one confidentiality; the audit log's personal fields
    every email and name of its entries about the training, replaced by `[erased]`.
    """
    if what == "audit":
        return _expire_audit(connection, training, apply)
    if what.startswith("observations."):
        mine = sa.select(meetings.c.id).where(meetings.c.training == training)
        where = sa.and_(
            observations.c.meeting_id.in_(mine),
            observations.c.confidentiality == what.removeprefix("observations."),
        )
        if apply:  # the corrections proposed to them say what they said: they go with them
            gone = sa.select(observations.c.key).where(where)
            connection.execute(
                sa.delete(record_answers).where(record_answers.c.observation_key.in_(gone))
            )
        return _delete(connection, observations, where, apply)
    if what == "attendance":
        mine = sa.select(meetings.c.id).where(meetings.c.training == training)
        return _delete(connection, attendees, attendees.c.meeting_id.in_(mine), apply)
    sent = sa.select(messages.c.id).where(_of_training(messages.c.meeting_id, training))
    count = _delete(connection, inbound, inbound.c.message.in_(sent), apply)
    count += _delete(connection, replies, _of_training(replies.c.meeting_id, training), apply)
    count += _delete(
        connection, record_answers, _of_training(record_answers.c.meeting_id, training), apply
    )
    count += _delete(connection, messages, _of_training(messages.c.meeting_id, training), apply)
    return count


def _delete(
    connection: sa.Connection, table: sa.Table, where: sa.ColumnElement[bool], apply: bool
) -> int:
    if apply:
        return int(connection.execute(sa.delete(table).where(where)).rowcount)
    return int(
        connection.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()
    )


def _expire_audit(connection: sa.Connection, training: str, apply: bool) -> int:
    changed = {}
    rows = connection.execute(
        sa.select(audit).where(_of_training(audit.c.subject, training)).order_by(audit.c.id)
    )
    for row in rows:
        detail = _scrubbed(row.detail)
        subject = _EMAIL.sub(ERASED, row.subject)
        if detail != row.detail or subject != row.subject:
            changed[row.id] = {"detail": detail, "subject": subject}
    if apply:
        _rewrite(connection, changed)
    return len(changed)

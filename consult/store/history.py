"""The audit's joined view: every action about a training, from the audit log, ledger and replies.

The audit log holds what people and flows decided or changed: rounds proposed,
approved or sent back, meetings rescheduled or cancelled, notes and
observations recorded, packs compiled, timeline steps. The delivery ledger
holds what went to whom, and the replies what stakeholders answered. `history`
reads all three, and reads them generically, so that what later versions add
shows up without a change here:

- every audit entry about the training: its subject is `<training>`,
  `<training>/...` or `timeline/<training>/...`;
- every message of the ledger about it (its meetings, `<training>/briefing`):
  `message.sent` at `sent_at` once it was sent, and `message.<status>` for any
  other status but pending, at the table's `<status>_at` column if it has one
  (else when it was last tried). Its actor is whom its sender acted for
  (`claimants`), or the sender's `claimed_by` if that was never recorded;
- every reply to its meetings, `reply.<partstat>`, by the attendee;
- every bounce, delayed delivery and automatic reply read about one of its
  messages (table `inbound`), `mail.<kind>` (`mail.bounce`, `mail.delayed`,
  `mail.auto_reply`) about that message's meeting, by the address it concerns,
  with its status code, what the server or the reply said, and where it was read.
  Unreadable mail, and an automatic reply about no message consult sent, belong
  to no training.

A column a view does not read by name goes into the entry's detail. The ledger
keeps a message's latest outcome only: a message rejected, then sent after the
address was corrected, shows as sent.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from consult.actors import UNKNOWN_ACTOR
from consult.csvsafe import neutralise_row
from consult.store.prefixes import starts_with
from consult.store.tables import audit, claimants, inbound, meetings, messages, replies


@dataclass(frozen=True)
class Entry:
    """One action in a training's history: when (UTC), who, what, about what, and its detail."""

    at: dt.datetime
    actor: str
    action: str
    subject: str
    detail: Mapping[str, Any]

    @property
    def kind(self) -> str:
        """Return the family of the action: "message" for "message.sent"."""
        return self.action.split(".", 1)[0]


def history(
    connection: sa.Connection,
    training: str,
    *,
    since: dt.datetime | None = None,
    kinds: Collection[str] = (),
) -> list[Entry]:
    """Return the training's actions, oldest first (since a moment, of some kinds, if given).

    A kind is an action ("message.rejected") or its family ("message").
    """
    entries = [*_audited(connection, training), *_ledger(connection, training)]
    entries += [*_replies(connection, training), *_inbound(connection, training)]
    entries.sort(key=lambda entry: entry.at)
    return [
        entry
        for entry in entries
        if (since is None or entry.at >= since) and (not kinds or of_kind(entry.action, kinds))
    ]


def of_kind(action: str, kinds: Collection[str]) -> bool:
    """Return whether the action is one of these kinds, or of the family of one."""
    return any(action == kind or action.startswith(f"{kind}.") for kind in kinds)


def _audited(connection: sa.Connection, training: str) -> Iterator[Entry]:
    about = sa.or_(
        audit.c.subject == training,
        starts_with(audit.c.subject, f"{training}/"),
        starts_with(audit.c.subject, f"timeline/{training}/"),
    )
    for row in connection.execute(sa.select(audit).where(about).order_by(audit.c.id)):
        yield Entry(row.at, row.actor, row.action, row.subject, dict(row.detail or {}))


_MESSAGE_READ = frozenset(
    (
        "id",
        "meeting_id",
        "recipient",
        "sequence",
        "kind",
        "status",
        "error",
        "message_id",
        "attempts",
        "claimed_by",
        "claimed_at",
        "created_at",
        "sent_at",
    )
)
"""The ledger's columns the view reads by name; any other goes into the detail."""


def _ledger(connection: sa.Connection, training: str) -> Iterator[Entry]:
    query = (
        sa.select(messages, claimants.c.actor.label("claimant"))
        .outerjoin(claimants, claimants.c.claimed_by == messages.c.claimed_by)
        .where(starts_with(messages.c.meeting_id, f"{training}/"))
        .where(messages.c.status != "pending")
        .order_by(messages.c.id)
    )
    for row in connection.execute(query).mappings():
        actor = row["claimant"] or row["claimed_by"] or UNKNOWN_ACTOR
        detail: dict[str, Any] = {
            "kind": row["kind"],
            "recipient": row["recipient"],
            "sequence": row["sequence"],
        }
        status = row["status"]
        when = f"{status}_at"
        detail |= _extras(row, _MESSAGE_READ | {"claimant", when})
        if row["sent_at"] is not None:
            yield Entry(row["sent_at"], actor, "message.sent", row["meeting_id"], detail)
        if status != "sent":
            at = row.get(when) or row["claimed_at"] or row["created_at"]
            if row["sent_at"] is not None:
                at = max(at, row["sent_at"])
            failed = detail | ({"error": row["error"]} if row["error"] else {})
            yield Entry(at, actor, f"message.{status}", row["meeting_id"], failed)


_REPLY_READ = frozenset(("id", "meeting_id", "attendee", "partstat", "received_at"))


def _replies(connection: sa.Connection, training: str) -> Iterator[Entry]:
    query = (
        sa.select(replies)
        .join(meetings, meetings.c.id == replies.c.meeting_id)
        .where(meetings.c.training == training)
        .order_by(replies.c.id)
    )
    for row in connection.execute(query).mappings():
        yield Entry(
            row["received_at"],
            row["attendee"],
            f"reply.{row['partstat'].lower()}",
            row["meeting_id"],
            _extras(row, _REPLY_READ),
        )


def _inbound(connection: sa.Connection, training: str) -> Iterator[Entry]:
    query = (
        sa.select(inbound, messages.c.meeting_id, messages.c.kind.label("about"))
        .join(messages, messages.c.id == inbound.c.message)
        .where(starts_with(messages.c.meeting_id, f"{training}/"))
        .order_by(inbound.c.id)
    )
    for row in connection.execute(query).mappings():
        detail = {
            "address": row["address"],
            "status": row["status"],
            "detail": row["detail"],
            "message": row["about"],
            "source": row["source"],
        }
        actor = row["address"] or UNKNOWN_ACTOR
        yield Entry(row["received_at"], actor, f"mail.{row['kind']}", row["meeting_id"], detail)


def _extras(row: sa.RowMapping, read: Collection[str]) -> dict[str, Any]:
    """Return the row's other columns that hold a value, dates written out (ISO 8601)."""
    extras: dict[str, Any] = {}
    for name, value in row.items():
        if name in read or value is None:
            continue
        extras[str(name)] = value.isoformat() if isinstance(value, dt.date) else value
    return extras


COLUMNS = ("time", "actor", "action", "subject", "detail")
"""The columns of a printed history."""


def history_lines(entries: Sequence[Entry], zone: ZoneInfo, training: str) -> list[str]:
    """Return one line per entry, in columns: local time, actor, action, subject, detail.

    The subject drops the training's own prefix (`<training>/round-1/mia` is
    `round-1/mia`); the time is in `zone`, the training's.
    """
    rows = [
        (
            entry.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor,
            entry.action,
            entry.subject.removeprefix(f"{training}/"),
            describe(entry.detail),
        )
        for entry in entries
    ]
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(4)]
    return [
        "  ".join(
            [*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[4]]
        ).rstrip()
        for row in rows
    ]


def history_csv(entries: Sequence[Entry], zone: ZoneInfo) -> str:
    """Return the entries as CSV: a header, then the time (ISO 8601, local), ..., detail as JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow(
            neutralise_row(
                (
                    entry.at.astimezone(zone).isoformat(timespec="seconds"),
                    entry.actor,
                    entry.action,
                    entry.subject,
                    json.dumps(dict(entry.detail), ensure_ascii=False, sort_keys=True, default=str),
                )
            )
        )
    return buffer.getvalue()


def describe(detail: Mapping[str, Any]) -> str:
    """Return an entry's detail in one line: `name: value` pairs (empty ones left out)."""
    return "; ".join(
        f"{name}: {_value(value)}" for name, value in detail.items() if value not in (None, "")
    )


def _value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_value(item) for item in value) or "none"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)

"""Mail read from the inbox that is no calendar answer: bounces, automatic replies, unreadable.

Each is recorded once under its source (`inbox/<file>` or an IMAP URL). A bounce
names the ledger's message it is about, found by the Message-IDs it returns or
refers to, else by its recipient: the latest message sent to that address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from consult.store import proposals as _proposals
from consult.store.engine import writing
from consult.store.tables import inbound, messages
from schemas.state import Message

InboundKind = Literal["bounce", "delayed", "auto_reply", "unreadable"]


@dataclass(frozen=True)
class InboundMail:
    """One message read that is no answer, as recorded."""

    id: int
    source: str
    kind: InboundKind
    message: int | None
    """The id of the ledger's message it is about, if it could be told."""
    address: str | None
    """A bounce's failed address, an automatic reply's sender."""
    status: str | None
    detail: str
    received_at: dt.datetime


@dataclass(frozen=True)
class InboundRecord:
    """A bounce, automatic reply or unreadable mail to record: its fields."""

    source: str
    kind: InboundKind
    detail: str
    message: int | None = None
    address: str | None = None
    status: str | None = None


def record_inbound(
    connection: sa.Connection,
    now: dt.datetime,
    *,
    source: str,
    kind: InboundKind,
    detail: str,
    message: int | None = None,
    address: str | None = None,
    status: str | None = None,
) -> bool:
    """Return whether the mail was recorded; False if its source was recorded before."""
    found = connection.execute(sa.select(inbound.c.id).where(inbound.c.source == source)).first()
    if found is not None:
        return False
    connection.execute(
        sa.insert(inbound).values(
            source=source,
            kind=kind,
            message=message,
            address=address.lower() if address else None,
            status=status or None,
            detail=detail,
            received_at=now,
        )
    )
    return True


def list_inbound(connection: sa.Connection, kind: InboundKind | None = None) -> list[InboundMail]:
    """Return the mail recorded (of one kind, if given), oldest first."""
    query = sa.select(inbound).order_by(inbound.c.id)
    if kind is not None:
        query = query.where(inbound.c.kind == kind)
    return [_mail(row) for row in connection.execute(query)]


def sources(connection: sa.Connection) -> set[str]:
    """Return the sources of every mail recorded: what need not be read again."""
    return set(connection.scalars(sa.select(inbound.c.source)))


def bounced(connection: sa.Connection) -> dict[str, InboundMail]:
    """Return the latest bounce of each address that bounced, by lower-cased address."""
    rows = list_inbound(connection, "bounce")
    return {row.address: row for row in rows if row.address}


def sent_message(
    connection: sa.Connection, message_ids: Sequence[str], recipient: str
) -> Message | None:
    """Return the message sent with the first of these Message-IDs the ledger knows, else
    the latest one sent to `recipient`; None if there is neither."""
    if message_ids:
        rows = connection.execute(
            sa.select(messages).where(messages.c.message_id.in_(list(message_ids)))
        ).all()
        by_id = {row.message_id: row for row in rows}
        for message_id in message_ids:
            if message_id in by_id:
                return Message.model_validate(by_id[message_id])
    if not recipient:
        return None
    row = connection.execute(
        sa.select(messages)
        .where(
            sa.func.lower(messages.c.recipient) == recipient.lower(),
            messages.c.status == "sent",
        )
        .order_by(messages.c.sent_at.desc(), messages.c.id.desc())
        .limit(1)
    ).first()
    return Message.model_validate(row) if row is not None else None


def _mail(row: sa.Row[tuple[object, ...]]) -> InboundMail:
    values = row._mapping
    return InboundMail(
        id=values["id"],
        source=values["source"],
        kind=values["kind"],
        message=values["message"],
        address=values["address"],
        status=values["status"],
        detail=values["detail"],
        received_at=values["received_at"],
    )


class InboundMethods:
    """The store's recordings of what a run read besides answers, each batch in one
    transaction (`Store` has them): bounces, automatic replies, unreadable mail and
    counter-proposals (issue 29: each was a transaction of its own)."""

    _engine: sa.Engine

    def record_inbounds(self, records: Sequence[InboundRecord]) -> list[bool]:
        """Return, for each bounce, automatic reply or unreadable mail, whether it was recorded
        now (False: its source was recorded before); all in one transaction."""
        if not records:
            return []
        now = dt.datetime.now(dt.UTC)
        with writing(self._engine) as connection:
            return [
                record_inbound(
                    connection,
                    now,
                    source=r.source,
                    kind=r.kind,
                    detail=r.detail,
                    message=r.message,
                    address=r.address,
                    status=r.status,
                )
                for r in records
            ]

    def record_counters(self, counters: Sequence[tuple[str, str, Mapping[str, Any]]]) -> list[bool]:
        """Return, for each (meeting id, key, detail) of a counter-proposal, whether it was
        recorded now (False: before); all in one transaction."""
        if not counters:
            return []
        now = dt.datetime.now(dt.UTC)
        with writing(self._engine) as connection:
            return [
                _proposals.record_counter(
                    connection, now, meeting_id=meeting_id, key=key, detail=detail
                )
                for meeting_id, key, detail in counters
            ]

    def record_counter(self, meeting_id: str, key: str, detail: Mapping[str, Any]) -> bool:
        """Return whether an attendee's counter-proposal is recorded now; False if it was before."""
        with writing(self._engine) as connection:
            return _proposals.record_counter(
                connection, dt.datetime.now(dt.UTC), meeting_id=meeting_id, key=key, detail=detail
            )

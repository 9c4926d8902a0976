"""The delivery ledger: each message is sent once, whatever retries, re-runs or crashes happen.

A message is keyed by (meeting, recipient, sequence, kind), unique in the table.
Sending starts with a claim: a pending row stamped with who claimed it and when.
Claims run under the store's write lock (see `engine`), so one worker wins each
claim, and the unique key backs that up. A sent message is never claimed again;
nor is a rejected one (the server refused its recipient for good, 5xx), unless
the coordinator asks for it (`retry_rejected`); a failed one (a transient fault,
or it could not be built), or one whose claim is older than the lease (its
sender crashed mid-send), can be claimed anew, which is how it gets sent again. A
claim whose holder is known to be gone (on this host, its process ended: see
`claims`) is taken over at once, without waiting for the lease.

A sender works through a `Ledger`: one connection for a whole round, on which
it claims a batch of messages in one transaction (with the same rules as one
`claim_message` after another), renews the claims of a batch that outlasts
half the lease, and records each message sent in a transaction of its own, so
that a crash forgets at most the message in flight. The statements are built
once: building one costs more than running it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Any, Literal

import sqlalchemy as sa

from consult.store.claims import abandoned
from consult.store.engine import writing_on
from consult.store.meetings import require_meeting
from consult.store.prefixes import starts_with
from consult.store.tables import meetings, messages
from schemas.state import Message, MessageKind, MessageStatus

Key = tuple[str, str, int, MessageKind]
"""A message's key in the ledger: (meeting id, recipient, sequence, kind)."""

MEETING_KINDS = frozenset(
    ("invitation", "update", "cancellation", "reminder", "nudge", "notes_missing")
)
"""The kinds of message about a meeting, whose meeting must be in the store to be claimed;
a message of any other kind is keyed by something else in `meeting_id`."""


def claim_message(
    connection: sa.Connection,
    now: dt.datetime,
    *,
    meeting_id: str,
    recipient: str,
    sequence: int,
    kind: MessageKind,
    claimed_by: str,
    lease: dt.timedelta,
) -> Message | None:
    """Return the message, pending and claimed by `claimed_by`; None if sent or claimed already."""
    if kind != "briefing":
        require_meeting(connection, meeting_id)
    key = sa.and_(
        messages.c.meeting_id == meeting_id,
        messages.c.recipient == recipient,
        messages.c.sequence == sequence,
        messages.c.kind == kind,
    )
    claim = {"status": "pending", "claimed_by": claimed_by, "claimed_at": now}
    holder = connection.execute(
        sa.select(messages.c.claimed_by).where(key, messages.c.status == "pending")
    ).scalar_one_or_none()
    free: sa.ColumnElement[bool] = (
        sa.true() if abandoned(holder) else messages.c.claimed_at <= now - lease
    )
    reclaimed = connection.execute(
        sa.update(messages)
        .where(
            key,
            sa.or_(messages.c.status == "failed", sa.and_(messages.c.status == "pending", free)),
        )
        .values(attempts=messages.c.attempts + 1, **claim)
    )
    if reclaimed.rowcount == 1:
        return _one(connection, key)
    if connection.execute(sa.select(messages.c.id).where(key)).first() is not None:
        return None
    connection.execute(
        sa.insert(messages).values(
            meeting_id=meeting_id,
            recipient=recipient,
            sequence=sequence,
            kind=kind,
            attempts=1,
            created_at=now,
            **claim,
        )
    )
    return _one(connection, key)


def claim_messages(
    connection: sa.Connection,
    now: dt.datetime,
    keys: Sequence[Key],
    *,
    claimed_by: str,
    lease: dt.timedelta,
    retry_rejected: bool = False,
    taken_over: dict[Key, str] | None = None,
) -> list[Message | None]:
    """Return, for each key, its message claimed by `claimed_by`, or None if sent or claimed.

    A rejected message is None too, unless `retry_rejected`. Claims taken over from
    another sender (its lease ran out, or its process is gone) are added to
    `taken_over`, with who held them.
    """
    meeting_ids = list(dict.fromkeys(key[0] for key in keys))
    about_meetings = list(dict.fromkeys(key[0] for key in keys if key[3] in MEETING_KINDS))
    known = set(
        connection.scalars(sa.select(meetings.c.id).where(meetings.c.id.in_(about_meetings)))
    )
    for meeting_id in about_meetings:
        if meeting_id not in known:
            raise ValueError(f"no meeting {meeting_id!r} in the store")
    stored = _by_key(connection, meeting_ids)
    stale = now - lease
    reclaim: list[int] = []
    insert: list[Key] = []
    wanted: set[Key] = set()
    for key in keys:
        if key in wanted:
            continue
        row = stored.get(key)
        if row is None:
            insert.append(key)
        elif row.status == "failed" or (retry_rejected and row.status == "rejected"):
            reclaim.append(row.id)
        elif row.status == "pending" and (
            (row.claimed_at is not None and row.claimed_at <= stale) or abandoned(row.claimed_by)
        ):
            reclaim.append(row.id)
            if taken_over is not None and row.claimed_by:
                taken_over[key] = row.claimed_by
        else:
            continue
        wanted.add(key)
    claim = {"status": "pending", "claimed_by": claimed_by, "claimed_at": now}
    if reclaim:
        connection.execute(
            sa.update(messages)
            .where(messages.c.id.in_(reclaim))
            .values(attempts=messages.c.attempts + 1, **claim)
        )
    if insert:
        connection.execute(
            sa.insert(messages),
            [
                {
                    "meeting_id": meeting_id,
                    "recipient": recipient,
                    "sequence": sequence,
                    "kind": kind,
                    "attempts": 1,
                    "created_at": now,
                    **claim,
                }
                for meeting_id, recipient, sequence, kind in insert
            ],
        )
    if not wanted:
        return [None] * len(keys)
    claimed = {
        key: Message.model_validate(row)
        for key, row in _by_key(connection, meeting_ids).items()
        if key in wanted
    }
    # A key asked for twice is claimed once: the first ask gets it.
    return [claimed.pop(key, None) for key in keys]


class Ledger:
    """The ledger as one sender sees it, over one connection; each call is one transaction."""

    def __init__(
        self, connection: sa.Connection, claimed_by: str, clock: Callable[[], dt.datetime]
    ) -> None:
        self._connection = connection
        self.claimed_by = claimed_by
        self._clock = clock

    def claim(
        self,
        keys: Sequence[Key],
        lease: dt.timedelta,
        *,
        retry_rejected: bool = False,
        taken_over: dict[Key, str] | None = None,
    ) -> list[Message | None]:
        """Return, for each key, its message claimed by this sender, or None if sent or claimed.

        A rejected message is None too, unless `retry_rejected`. Claims taken over from
        another sender are added to `taken_over`, with who held them.
        """
        if not keys:
            return []
        with writing_on(self._connection) as connection:
            return claim_messages(
                connection,
                self._clock(),
                keys,
                claimed_by=self.claimed_by,
                lease=lease,
                retry_rejected=retry_rejected,
                taken_over=taken_over,
            )

    def held(
        self, keys: Collection[Key], lease: dt.timedelta
    ) -> dict[Key, tuple[str, dt.datetime]]:
        """Return who holds each of these keys that another sender has claimed, and until when."""
        wanted = set(keys)
        if not wanted:
            return {}
        pending = sa.select(messages).where(
            messages.c.meeting_id.in_({key[0] for key in wanted}),
            messages.c.status == "pending",
            messages.c.claimed_by != self.claimed_by,
        )
        with writing_on(self._connection) as connection:
            rows = connection.execute(pending).all()
        return {
            key: (row.claimed_by or "", row.claimed_at + lease)
            for row in rows
            if (key := (row.meeting_id, row.recipient, row.sequence, row.kind)) in wanted
            and row.claimed_at is not None
        }

    def refusals(self, keys: Collection[Key]) -> dict[Key, str]:
        """Return the recorded refusal of each of these keys whose message was rejected."""
        wanted = set(keys)
        if not wanted:
            return {}
        rejected = sa.select(messages).where(
            messages.c.meeting_id.in_({key[0] for key in wanted}), messages.c.status == "rejected"
        )
        with writing_on(self._connection) as connection:
            rows = connection.execute(rejected).all()
        found = {(r.meeting_id, r.recipient, r.sequence, r.kind): r.error or "" for r in rows}
        return {key: error for key, error in found.items() if key in wanted}

    def renew(self, ids: Collection[int]) -> set[int]:
        """Return the ids among `ids` this sender still holds, their claims stamped anew."""
        held = sa.and_(
            messages.c.id.in_(ids),
            messages.c.status == "pending",
            messages.c.claimed_by == self.claimed_by,
        )
        with writing_on(self._connection) as connection:
            connection.execute(sa.update(messages).where(held).values(claimed_at=self._clock()))
            return set(connection.scalars(sa.select(messages.c.id).where(held)))

    def release(self, ids: Collection[int]) -> None:
        """Give up this sender's claims on these pending messages: any run may claim them now."""
        if not ids:
            return
        with writing_on(self._connection) as connection:
            connection.execute(
                sa.update(messages)
                .where(
                    messages.c.id.in_(ids),
                    messages.c.status == "pending",
                    messages.c.claimed_by == self.claimed_by,
                )
                .values(claimed_by=None, claimed_at=_RELEASED)
            )

    def sent(self, id: int, message_id: str) -> None:
        """Record the message as sent with this Message-ID (as `mark_sent`, without reading it)."""
        with writing_on(self._connection) as connection:
            now = self._clock()
            values = {"row": id, "message_id": message_id, "sent_at": now}
            if connection.execute(_RECORD_SENT, values).rowcount != 1:
                mark_sent(connection, now, id, message_id)

    def failed(self, id: int, error: str) -> None:
        """Record the message as failed with this error; it may be claimed again."""
        with writing_on(self._connection) as connection:
            mark_failed(connection, id, error)

    def rejected(self, id: int, error: str) -> None:
        """Record the message as rejected with the server's refusal; it is not claimed again."""
        with writing_on(self._connection) as connection:
            mark_failed(connection, id, error, status="rejected")


_RELEASED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
"""The claim time of a released message: older than any lease."""

_RECORD_SENT = (
    sa.update(messages)
    .where(messages.c.id == sa.bindparam("row"), messages.c.status != "sent")
    .values(
        status="sent",
        message_id=sa.bindparam("message_id"),
        sent_at=sa.bindparam("sent_at"),
        error=None,
    )
)


def mark_sent(connection: sa.Connection, now: dt.datetime, id: int, message_id: str) -> Message:
    """Return the message, recorded as sent with this Message-ID."""
    message = _require(connection, id)
    if message.status == "sent":
        if message.message_id == message_id:
            return message
        raise ValueError(f"message {id} was already sent as {message.message_id!r}")
    connection.execute(
        sa.update(messages)
        .where(messages.c.id == id)
        .values(status="sent", message_id=message_id, sent_at=now, error=None)
    )
    return _require(connection, id)


def mark_failed(
    connection: sa.Connection,
    id: int,
    error: str,
    status: Literal["failed", "rejected"] = "failed",
) -> Message:
    """Return the message, recorded as failed (it may be claimed again) or rejected (it is not)."""
    message = _require(connection, id)
    if message.status == "sent":
        raise ValueError(f"message {id} was sent as {message.message_id!r}: it cannot fail")
    connection.execute(
        sa.update(messages).where(messages.c.id == id).values(status=status, error=error)
    )
    return _require(connection, id)


def list_messages(
    connection: sa.Connection, meeting_id: str | None, status: MessageStatus | None
) -> list[Message]:
    """Return the messages of the ledger (of one meeting, in one status, if given), oldest first."""
    query = sa.select(messages)
    if meeting_id is not None:
        query = query.where(messages.c.meeting_id == meeting_id)
    if status is not None:
        query = query.where(messages.c.status == status)
    rows = connection.execute(query.order_by(messages.c.id))
    return [Message.model_validate(row) for row in rows]


def training_messages(connection: sa.Connection, training: str) -> list[Message]:
    """Return the messages of a training (its meetings' and its briefing's), oldest first."""
    return messages_where(
        connection,
        sa.or_(
            messages.c.meeting_id == training, starts_with(messages.c.meeting_id, f"{training}/")
        ),
    )


def messages_where(connection: sa.Connection, where: sa.ColumnElement[bool]) -> list[Message]:
    """Return the messages that meet `where`, oldest first."""
    rows = connection.execute(sa.select(messages).where(where).order_by(messages.c.id))
    return [Message.model_validate(row) for row in rows]


def _by_key(connection: sa.Connection, meeting_ids: Collection[str]) -> dict[Key, sa.Row[Any]]:
    """Return the ledger's rows for these meetings, by key."""
    rows = connection.execute(sa.select(messages).where(messages.c.meeting_id.in_(meeting_ids)))
    return {(row.meeting_id, row.recipient, row.sequence, row.kind): row for row in rows}


def _one(connection: sa.Connection, where: sa.ColumnElement[bool]) -> Message:
    return Message.model_validate(connection.execute(sa.select(messages).where(where)).one())


def _require(connection: sa.Connection, id: int) -> Message:
    row = connection.execute(sa.select(messages).where(messages.c.id == id)).first()
    if row is None:
        raise ValueError(f"no message {id} in the ledger")
    return Message.model_validate(row)

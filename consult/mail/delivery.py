"""Sends messages through the delivery ledger, so that each is sent once.

Messages are claimed before they are built: `Ledger.claim` records a batch
of them (`CLAIM_BATCH`, one transaction) pending under their keys (meeting,
recipient, sequence, kind) and answers None for those sent already or being
sent by another run. A batch whose sending outlasts half the lease renews its
claims, so no other run takes them over while this one still means to send
them. Only a claimed message is built and handed to the transport; once the
transport has taken it, it is marked sent at once, in its own transaction.

A run killed mid-batch leaves the rest of its batch claimed but unsent, and
the message in flight claimed but perhaps delivered: after the lease the next
run claims and sends them all, so a duplicate is possible only for the
message in flight at a kill. Its Message-ID is the same both times
(`message_id_for`), so mail clients and the file outbox see one message. A
run stopped by an exception (an interrupt, a bug) releases the rest of its
batch at once.

Transient failures (SMTP 4xx, dropped connections) are retried with backoff,
then marked failed, to be sent again on the next run. A permanent one (5xx for
the recipient) marks that message rejected with the server's reply: later runs
report it and do not try it again, unless asked (`retry_rejected`). A message
that cannot be built (`UNBUILDABLE`: a broken template, a bad header) is
marked failed with the reason. In all three cases the round goes on.

When the server itself is the problem (`SmtpServerError`: a refused login, a
server that cannot be reached after `BACKOFF`), every message would fail
alike: the run stops at once with that error, and the message at hand goes
back with the rest of its batch, pending, marked against no recipient.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from itertools import islice

from consult.errors import (
    CalendarError,
    HeaderError,
    InvalidInvite,
    PermanentSendError,
    SmtpServerError,
    TemplateError,
    TransientSendError,
    UnsendableMessageError,
)
from consult.mail.mime import RawMessage
from consult.mail.transports import Transport
from consult.store import LEASE, Store
from consult.store.messages import Ledger
from schemas.state import Message, MessageKind

BACKOFF = (2.0, 5.0, 15.0)
"""Seconds to wait before each retry of a transient failure: 22 s at most for one message, or
for a whole run that finds the server unreachable."""

UNBUILDABLE = (TemplateError, HeaderError, InvalidInvite, CalendarError, UnsendableMessageError)
"""What a message that cannot be built as it is raises: that message fails, the round goes on."""

CLAIM_BATCH = 50
"""How many messages are claimed in one transaction."""


@dataclass(frozen=True)
class Outgoing:
    """A message to send: its ledger key, and how to build it once claimed."""

    meeting_id: str
    recipient: str
    sequence: int
    kind: MessageKind
    build: Callable[[str], EmailMessage | RawMessage] = field(compare=False)
    """Given the Message-ID to use, return the message (built, or prepared for sending)."""


@dataclass(frozen=True)
class Delivered:
    """What happened to one outgoing message."""

    meeting_id: str
    recipient: str
    sequence: int
    kind: MessageKind
    outcome: str
    """'sent', 'already sent or in flight', 'rejected' (for good, by the server), 'failed'
    (it could not be built), 'will retry' (a transient fault)"""
    detail: str = ""


def message_id_for(item: Outgoing, domain: str) -> str:
    """Return the Message-ID of a ledger key: the same on every attempt to send it."""
    key = f"{item.meeting_id}\n{item.recipient.lower()}\n{item.sequence}\n{item.kind}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}.{item.kind}.{item.sequence}@{domain}>"


def deliver(
    store: Store,
    transport: Transport,
    outgoing: Iterable[Outgoing],
    *,
    domain: str,
    lease: dt.timedelta = LEASE,
    backoff: Sequence[float] = BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
    batch: int = CLAIM_BATCH,
    retry_rejected: bool = False,
) -> list[Delivered]:
    """Return what happened to each message after sending those not sent yet, once each.

    Messages the server rejected on an earlier run are tried again only if `retry_rejected`.
    Raises `SmtpServerError` when the server cannot take any message.
    """
    report = []
    with store.ledger() as ledger, transport:
        for items in _batches(outgoing, batch):
            keys = [(i.meeting_id, i.recipient, i.sequence, i.kind) for i in items]
            claims = ledger.claim(keys, lease, retry_rejected=retry_rejected)
            refused = ledger.refusals([k for k, c in zip(keys, claims, strict=True) if c is None])
            claimed_at = time.monotonic()
            current = 0
            try:
                for current, item in enumerate(items):
                    aged = time.monotonic() - claimed_at > lease.total_seconds() / 2
                    if aged and claims[current] is not None:
                        claims = _renew(ledger, claims, current)
                        claimed_at = time.monotonic()
                    claimed = claims[current]
                    refusal = refused.get(keys[current])
                    report.append(
                        _deliver_one(
                            ledger, transport, item, claimed, refusal, domain, backoff, sleep
                        )
                    )
            except SmtpServerError:
                # The server took none of them, the message at hand included: any run may send
                # them as soon as the server is back.
                ledger.release([c.id for c in claims[current:] if c is not None])
                raise
            except BaseException:
                # Stopped by an error or an interrupt: the rest of the batch was never handed
                # to the transport, so another run may have it now rather than after the lease.
                ledger.release([c.id for c in claims[current + 1 :] if c is not None])
                raise
    return report


def _deliver_one(
    ledger: Ledger,
    transport: Transport,
    item: Outgoing,
    claimed: Message | None,
    refusal: str | None,
    domain: str,
    backoff: Sequence[float],
    sleep: Callable[[float], None],
) -> Delivered:
    """Return what happened to one message after building and sending it, if it is claimed.

    `refusal` is the server's earlier answer to a rejected message that is not claimed.
    """
    if claimed is None:
        if refusal is not None:
            return _delivered(item, "rejected", f"{refusal} (an earlier run; not tried again)")
        return _delivered(item, "already sent or in flight")
    message_id = message_id_for(item, domain)
    try:
        outcome, reason = _send(transport, item.build(message_id), backoff, sleep)
    except UNBUILDABLE as error:
        outcome, reason = "failed", f"cannot be built: {error}"
    if outcome == "sent":
        # Marked at once, so that a crash can duplicate only the message in flight.
        ledger.sent(claimed.id, message_id)
    elif outcome == "rejected":
        ledger.rejected(claimed.id, reason)
    else:
        ledger.failed(claimed.id, reason)
    return _delivered(item, outcome, reason)


def _batches(outgoing: Iterable[Outgoing], size: int) -> Iterator[list[Outgoing]]:
    """Yield the messages in lists of `size`, the last one shorter, building none of them."""
    items = iter(outgoing)
    while chunk := list(islice(items, size)):
        yield chunk


def _renew(ledger: Ledger, claims: list[Message | None], start: int) -> list[Message | None]:
    """Return the claims with those from `start` on renewed, or None where another run took one."""
    held = ledger.renew([c.id for c in claims[start:] if c is not None])
    return claims[:start] + [c if c is not None and c.id in held else None for c in claims[start:]]


def _send(
    transport: Transport,
    message: EmailMessage | RawMessage,
    backoff: Sequence[float],
    sleep: Callable[[float], None],
) -> tuple[str, str]:
    """Return ("sent", "") once the transport took the message, or (outcome, reason).

    Raises `SmtpServerError` at once if it cannot pass, or once `backoff` is spent.
    """
    for attempt in range(len(backoff) + 1):
        last = attempt == len(backoff)
        try:
            transport.send(message)
            return "sent", ""
        except PermanentSendError as error:
            return "rejected", str(error)
        except TransientSendError as error:
            if last:
                return "will retry", f"{error} (after {attempt + 1} attempts)"
        except SmtpServerError as error:
            if last or not error.transient:
                raise
        sleep(backoff[attempt])
    raise AssertionError("unreachable")


def _delivered(item: Outgoing, outcome: str, detail: str = "") -> Delivered:
    return Delivered(item.meeting_id, item.recipient, item.sequence, item.kind, outcome, detail)


def delivery_rows(report: Sequence[Delivered]) -> list[dict[str, str]]:
    """Return the report as table rows: meeting, recipient, kind, sequence, outcome, detail."""
    return [
        {
            "meeting": d.meeting_id.rsplit("/", 1)[-1],
            "recipient": d.recipient,
            "kind": d.kind,
            "sequence": str(d.sequence),
            "outcome": d.outcome,
            "detail": d.detail,
        }
        for d in report
    ]


def counts(report: Iterable[Delivered], by_kind: bool = False) -> Counter[str]:
    """Return how many messages had each outcome ("invitation sent" for each kind, if `by_kind`)."""
    return Counter(f"{d.kind} {d.outcome}" if by_kind else d.outcome for d in report)


def summary(
    report: Iterable[Delivered], empty: str = "nothing to send", by_kind: bool = False
) -> str:
    """Return the counts as one line, "2 failed, 5 sent" in order of outcome, or `empty` if none."""
    tally = counts(report, by_kind)
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(tally.items())) or empty

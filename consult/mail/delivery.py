"""Sends messages through the delivery ledger, so that each is sent once.

Messages are claimed before they are built: `Ledger.claim` records a batch
of them (`CLAIM_BATCH`, one transaction) pending under their keys (meeting,
recipient, sequence, kind) and answers None for those sent already or being
sent by another run. A batch whose sending outlasts half the lease renews its
claims, so no other run takes them over while this one still means to send
them. Only a claimed message is built and handed to the transport; once the
transport has taken it, it is marked sent at once, in its own transaction.

A run killed mid-batch leaves the rest of its batch claimed but unsent, and
the message in flight claimed but perhaps delivered: the next run on the same
host sees that the claims' process is gone and takes them over at once (on
another host, after the lease), so a duplicate is possible only for the
message in flight at a kill. Claims another run still holds are reported as
`WAITING`, with who holds them and until when. Its Message-ID is the same both times
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
back with the rest of its batch, pending, marked against no recipient. So does
a full or read-only disk under the file outbox (`StorageError`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from itertools import islice

from consult.errors import (
    CalendarError,
    HeaderError,
    InvalidInvite,
    PermanentSendError,
    SmtpServerError,
    StorageError,
    TemplateError,
    TransientSendError,
    UnsendableMessageError,
)
from consult.mail.mime import RawMessage
from consult.mail.transports import Transport
from consult.store import LEASE, Store
from consult.store.claims import parse_holder
from consult.store.inbound import InboundMail
from consult.store.messages import Key, Ledger
from schemas.state import Message, MessageKind

BACKOFF = (2.0, 5.0, 15.0)
"""Seconds to wait before each retry of a transient failure: 22 s at most for one message, or
for a whole run that finds the server unreachable."""

UNBUILDABLE = (TemplateError, HeaderError, InvalidInvite, CalendarError, UnsendableMessageError)
"""What a message that cannot be built as it is raises: that message fails, the round goes on."""

CLAIM_BATCH = 50
"""How many messages are claimed in one transaction."""

ALREADY_SENT = "already sent"
BOUNCED = "bounced"
"""The outcome of a reminder or nudge not sent, because its recipient's address bounced."""
WAITING = "waiting for another run"
"""The outcome of a message another run has claimed and may still send, until its lease ends."""


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
    """'sent', 'already sent', 'waiting for another run' (claimed by a run that may still send
    it), 'rejected' (for good, by the server), 'failed' (it could not be built), 'will retry'
    (a transient fault)"""
    detail: str = ""
    taken_from: str = ""
    """Who held the claim this run took over (a run that ended, or whose lease ran out)."""
    until: dt.datetime | None = None
    """When the claim of the run it waits for ends (`WAITING` only)."""


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
    bounced = store.bounced()
    with store.ledger() as ledger, transport:
        for items in _batches(outgoing, batch):
            keys = [(i.meeting_id, i.recipient, i.sequence, i.kind) for i in items]
            taken: dict[Key, str] = {}
            claims = ledger.claim(keys, lease, retry_rejected=retry_rejected, taken_over=taken)
            unclaimed = [k for k, c in zip(keys, claims, strict=True) if c is None]
            refused = ledger.refusals(unclaimed)
            held = ledger.held(unclaimed, lease)
            claimed_at = time.monotonic()
            current = 0
            try:
                for current, item in enumerate(items):
                    aged = time.monotonic() - claimed_at > lease.total_seconds() / 2
                    if aged and claims[current] is not None:
                        claims = _renew(ledger, claims, current)
                        claimed_at = time.monotonic()
                    key = keys[current]
                    claimed = claims[current]
                    if claimed is None:
                        delivered = _not_claimed(item, refused.get(key), held.get(key))
                    else:
                        delivered = _deliver_one(
                            ledger, transport, item, claimed, domain, backoff, sleep
                        )
                    if key in taken:
                        delivered = replace(delivered, taken_from=taken[key])
                    report.append(_flag_bounced(delivered, bounced))
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


def _not_claimed(
    item: Outgoing, refusal: str | None, held: tuple[str, dt.datetime] | None
) -> Delivered:
    """Return why a message was not claimed: rejected before, held by another run, or sent.

    `refusal` is the server's earlier answer to a rejected message; `held`, who holds the
    claim of a message another run is sending, and until when.
    """
    if refusal is not None:
        return _delivered(item, "rejected", f"{refusal} (an earlier run; not tried again)")
    if held is not None:
        holder, until = held
        detail = f"claimed by {parse_holder(holder).describe()} until {until:%Y-%m-%d %H:%M} UTC"
        return replace(_delivered(item, WAITING, detail), until=until)
    return _delivered(item, ALREADY_SENT)


def _flag_bounced(delivered: Delivered, bounced: Mapping[str, InboundMail]) -> Delivered:
    """Return the outcome, with the bounce of its recipient's address in its detail, if any."""
    bounce = bounced.get(delivered.recipient.lower())
    if bounce is None:
        return delivered
    flag = f"the address {bounce_words(bounce)}"
    return replace(delivered, detail=f"{delivered.detail}; {flag}" if delivered.detail else flag)


def bounce_words(bounce: InboundMail) -> str:
    """Return a bounce as a person reads it: "bounced 5.1.1 (550 ...) on 2026-12-01"."""
    return f"bounced {bounce.detail.split('; about ', 1)[0]} on {bounce.received_at:%Y-%m-%d}"


def _deliver_one(
    ledger: Ledger,
    transport: Transport,
    item: Outgoing,
    claimed: Message,
    domain: str,
    backoff: Sequence[float],
    sleep: Callable[[float], None],
) -> Delivered:
    """Return what happened to one claimed message after building and sending it."""
    message_id = message_id_for(item, domain)
    try:
        outcome, reason = _send(transport, item.build(message_id), backoff, sleep)
    except UNBUILDABLE as error:
        outcome, reason = "failed", f"cannot be built: {error}"
    except StorageError:
        # The outbox's disk took none of it (its partial file is removed): pending again.
        ledger.release([claimed.id])
        raise
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


def waiting(report: Iterable[Delivered]) -> list[str]:
    """Return one line per run whose claims this one left alone: how many, who, until when."""
    runs: dict[str, list[dt.datetime]] = {}
    for d in report:
        if d.outcome == WAITING and d.until is not None:
            runs.setdefault(d.detail.split(" until ", 1)[0].removeprefix("claimed by "), []).append(
                d.until
            )
    return [
        f"{len(ends)} message{'s are' if len(ends) != 1 else ' is'} claimed by another run "
        f"({holder}), whose lease ends at {max(ends):%Y-%m-%d %H:%M} UTC"
        for holder, ends in runs.items()
    ]


def taken_over(report: Iterable[Delivered]) -> list[str]:
    """Return one line per run whose claims this one took over: how many, and whose."""
    runs = Counter(parse_holder(d.taken_from).describe() for d in report if d.taken_from)
    return [
        f"{n} message{'s' if n != 1 else ''} claimed by a run that ended ({holder})"
        for holder, n in runs.items()
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

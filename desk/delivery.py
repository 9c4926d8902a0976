"""The delivery ledger of a training as the desk shows it: totals by status, failures first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from consult.workspace.people import UNKNOWN, Person
from desk.paging import Window, window
from desk.wording import local, words
from schemas.state import Message

QUIET_STATUSES = ("pending", "sent")
"""Delivery statuses that need no look; every other (failed, rejected, bounced...) comes first."""


@dataclass(frozen=True)
class MessageRow:
    """A message of the delivery ledger, with the name and organisation of its recipient."""

    status: str
    kind: str
    recipient: str
    name: str
    organisation: str
    meeting: str
    attempts: int
    error: str
    sent_at: str


@dataclass(frozen=True)
class Delivery:
    """The training's ledger: totals by status, then the messages, failures first."""

    totals: Mapping[str, int]
    kinds: Mapping[str, int]
    messages: tuple[MessageRow, ...]
    """The rows of the page `shown`."""
    shown: Window


def delivery(
    messages: Sequence[Message], people: Mapping[str, Person], zone: ZoneInfo, page: int = 1
) -> Delivery:
    """Return the ledger of `messages`, each recipient named from `people` (by lower-case
    email): its totals, and the rows of page `page` (failures first)."""
    ordered = sorted(
        messages,
        key=lambda m: (
            QUIET_STATUSES.index(m.status) + 1 if m.status in QUIET_STATUSES else 0,
            m.meeting_id,
            m.recipient,
            m.id,
        ),
    )
    shown = window(len(ordered), page)
    rows = tuple(
        MessageRow(
            status=words(m.status),
            kind=words(m.kind),
            recipient=m.recipient,
            name=people.get(m.recipient.lower(), UNKNOWN).name,
            organisation=people.get(m.recipient.lower(), UNKNOWN).organisation,
            meeting=m.meeting_id.split("/", 1)[-1],
            attempts=m.attempts,
            error=m.error or "",
            sent_at=local(m.sent_at, zone) if m.sent_at else "",
        )
        for m in ordered[shown.start : shown.stop]
    )
    totals = Counter(words(m.status) for m in ordered)
    quiet = [words(s) for s in QUIET_STATUSES]
    order = [s for s in totals if s not in quiet] + [s for s in quiet if s in totals]
    return Delivery(
        totals={status: totals[status] for status in order},
        kinds=dict(sorted(Counter(words(m.kind) for m in ordered).items())),
        messages=rows,
        shown=shown,
    )

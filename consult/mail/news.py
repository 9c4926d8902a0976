"""What a message tells one recipient beyond the meeting as it is: what changed, and for whom.

An update says what changed since the recipient was last told of the meeting:
the meeting as it was at the SEQUENCE of the last message they were sent about
it (kept by the store, `Meeting.versions`), against the meeting as it is. Both
come from the store, never from the moment of rendering, so an update
previewed, sent, or sent again after a crash says the same; after two changes
before it goes out, it says the change from what the recipient last read to
the meeting now. The recipient whose counter-proposal moved the meeting is
told so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from consult.store.proposals import Counter
from schemas.state import Meeting, MeetingVersion, Message, MessageKind

TELLING = frozenset(("invitation", "update", "reminder", "nudge", "refresh"))
"""The kinds of message that tell their recipient the meeting's time, place and format."""


@dataclass(frozen=True)
class News:
    """What a message about a meeting tells its recipient: its kind, and for an update, more."""

    kind: MessageKind
    before: MeetingVersion | None = None
    """Updates: the meeting as the recipient was last told of it; None if they were told
    nothing, or the store did not keep it."""
    proposed: bool = False
    """Updates: the meeting's new time is the one the recipient proposed."""


def last_told(meeting: Meeting, ledger: Iterable[Message], recipient: str) -> MeetingVersion | None:
    """Return the meeting as `recipient` was last told of it before its SEQUENCE, if kept."""
    told = [
        m.sequence
        for m in ledger
        if m.status == "sent"
        and m.kind in TELLING
        and m.sequence < meeting.sequence
        and m.recipient.lower() == recipient.lower()
    ]
    return meeting.version(max(told)) if told else None


def proposers(meeting: Meeting, counters: Iterable[Counter]) -> frozenset[str]:
    """Return who proposed the meeting's time, in a counter-proposal the coordinator accepted."""
    return frozenset(
        c.proposer.lower()
        for c in counters
        if c.meeting_id == meeting.id and c.state == "accepted" and c.start == meeting.start
    )


def news_for(
    meeting: Meeting,
    kind: MessageKind,
    ledger: Iterable[Message],
    proposed: frozenset[str],
    recipient: str,
) -> News:
    """Return what a `kind` message about `meeting` tells `recipient` (`proposed`: by whom)."""
    if kind != "update":
        return News(kind)
    return News(kind, last_told(meeting, ledger, recipient), recipient.lower() in proposed)

"""Where a meeting stands, in one word or two, as the desk and the exports both say it.

The stored status, except that a confirmed meeting is said to be invited,
accepted, declined or counter-proposed by what its invitees were sent, answered
and proposed, and one with observations "notes in".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from consult.store import Store
from schemas.state import Attendee, Meeting, Message


def invited_at(messages: Iterable[Message]) -> set[tuple[str, int]]:
    """Return each (meeting, sequence) an invitation or update was sent for."""
    return {
        (m.meeting_id, m.sequence)
        for m in messages
        if m.kind in ("invitation", "update") and m.status == "sent"
    }


def waiting_counters(store: Store, prefix: str) -> dict[str, str]:
    """Return the meetings with a counter-proposal waiting, and who proposed (the first)."""
    waiting: dict[str, str] = {}
    for counter in store.counters(prefix):
        if counter.state == "pending":
            waiting.setdefault(counter.meeting_id, counter.proposer)
    return waiting


def meeting_state(
    meeting: Meeting,
    attendees: Sequence[Attendee],
    invited: bool,
    observations: int,
    countered: bool = False,
) -> str:
    """Return the one word (or two) that says where a meeting stands.

    The stored status, except that a confirmed meeting is said to be invited,
    accepted or declined by what its invitees were sent and answered, and a
    held one "notes in" once it has observations, and one with an attendee's
    proposal of another time waiting "counter-proposed". Any other stored
    status is shown as it is.
    """
    if meeting.status == "cancelled":
        return "cancelled"
    if observations:
        return "notes in"
    if meeting.status != "confirmed":
        return meeting.status.replace("_", " ")
    if countered:
        return "counter-proposed"
    guests = [a for a in attendees if a.role != "CHAIR"]
    if any(a.partstat == "DECLINED" for a in guests):
        return "declined"
    if guests and all(a.partstat == "ACCEPTED" for a in guests):
        return "accepted"
    return "invited" if invited else "confirmed"


def meeting_states(store: Store, slug: str) -> dict[str, str]:
    """Return the state of each meeting of the training, by its id, from what the store holds."""
    sent = invited_at(store.messages(status="sent"))
    noted = Counter(o.meeting_id for o in store.observations(slug))
    waiting = waiting_counters(store, f"{slug}/")
    return {
        m.id: meeting_state(
            m, store.attendees(m.id), (m.id, m.sequence) in sent, noted[m.id], m.id in waiting
        )
        for m in store.meetings(slug)
    }

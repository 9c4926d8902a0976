"""A training's meetings, attendees, messages and observations counted, read once for a page.

    known = Known.read(store, slug)
    at_risk(..., known=known); progress(store, slug, known)

The desk's training page asks several functions what they each read from the store
(which meetings lack their quorum, how far the timeline got, what the mail said);
given `known`, they use what was read once instead of reading it again (issue 29).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from schemas.state import Attendee, Meeting, Message

if TYPE_CHECKING:
    from consult.store.store import Store


@dataclass(frozen=True)
class Known:
    """What the store holds of a training, as read at one moment."""

    meetings: Sequence[Meeting]
    """The training's meetings, by start."""
    attendees: Mapping[str, Sequence[Attendee]]
    """Each meeting's attendees, by email."""
    messages: Sequence[Message]
    """The training's messages (its meetings' and its briefing's), oldest first."""
    noted: Mapping[str, int]
    """How many observations each meeting has; one without any is left out."""

    @classmethod
    def read(cls, store: Store, slug: str) -> Known:
        """Return what the store holds of the training `slug`, in four readings."""
        meetings = store.meetings(slug)
        return cls(
            meetings,
            store.attendees_of([m.id for m in meetings]),
            [
                m
                for m in store.messages()
                if m.meeting_id == slug or m.meeting_id.startswith(f"{slug}/")
            ],
            store.observation_counts(slug),
        )

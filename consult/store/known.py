"""A training's meetings, attendees, messages and observations counted, read once for a page.

    known = Known.read(store, slug)
    at_risk(..., known=known); progress(store, slug, known)

The desk's training page asks several functions what they each read from the store
(which meetings lack their quorum, how far the timeline got, what the mail said);
given `known`, they use what was read once instead of reading it again (issue 29).
`PageMethods` are the store's readings of many meetings at once that pages use.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from consult.store import audit as _audit
from consult.store import meetings as _meetings
from consult.store import messages as _messages
from consult.store import observations as _observations
from consult.store import tables
from consult.store.engine import reading
from consult.store.prefixes import starts_with
from schemas.state import Attendee, Meeting, Message, Reply

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
    """How many observations of its notes each meeting has (written input not counted);
    one without any is left out."""

    @classmethod
    def read(cls, store: Store, slug: str) -> Known:
        """Return what the store holds of the training `slug`, in four readings."""
        meetings = store.meetings(slug)
        return cls(
            meetings,
            store.attendees_of([m.id for m in meetings]),
            store.training_messages(slug),
            store.observation_counts(slug),
        )


class PageMethods:
    """The store's readings for many meetings at once, and of the audit log by the page
    (`Store` has them): a page's work does not grow with the meetings it counts."""

    _engine: sa.Engine

    def attendees_of(self, meeting_ids: Collection[str]) -> dict[str, list[Attendee]]:
        """Return the attendees of each of these meetings, by email, all in one reading;
        a meeting without any has an empty list."""
        with reading(self._engine) as connection:
            return _meetings.attendees_of(connection, meeting_ids)

    def replies_of(self, meeting_ids: Collection[str]) -> dict[str, list[Reply]]:
        """Return the replies to each of these meetings, in the order they were recorded,
        all in one reading; a meeting without any has an empty list."""
        with reading(self._engine) as connection:
            return _meetings.replies_of(connection, meeting_ids)

    def reply_sources(self, training: str) -> set[str]:
        """Return where each reply to the training's meetings was read from (its source), in
        one query: what reading the inbox has recorded."""
        query = (
            sa.select(tables.replies.c.source)
            .join(tables.meetings, tables.meetings.c.id == tables.replies.c.meeting_id)
            .where(tables.meetings.c.training == training)
        )
        with reading(self._engine) as connection:
            return {str(row[0]) for row in connection.execute(query)}

    def training_messages(self, training: str) -> list[Message]:
        """Return the messages of the training (its meetings' and its briefing's), oldest
        first, read by the index of their meetings."""
        with reading(self._engine) as connection:
            return _messages.training_messages(connection, training)

    def messages_under(self, prefix: str) -> list[Message]:
        """Return the messages of the meetings whose ids start with `prefix` (a round's:
        "<training>/<round>/"), oldest first, in one reading by the index."""
        with reading(self._engine) as connection:
            return _messages.messages_where(
                connection, starts_with(tables.messages.c.meeting_id, prefix)
            )

    def observation_counts(self, training: str) -> dict[str, int]:
        """Return how many observations of its notes each meeting of the training has
        (counted by the database; written input is no notes); a meeting without any is left
        out."""
        with reading(self._engine) as connection:
            return _observations.observation_counts(connection, training)

    def audit_page(
        self,
        subjects: Collection[str],
        prefixes: Sequence[str] = (),
        *,
        kind: str = "",
        page: int = 1,
        size: int = 50,
    ) -> _audit.AuditPage:
        """Return a page of the audit entries about these subjects or under these prefixes,
        newest first, of one family of actions (`kind`) or all; counted and paged by the
        database, whatever the log's length."""
        with reading(self._engine) as connection:
            return _audit.page_about(connection, subjects, prefixes, kind, page, size)

"""The state store: where flows keep meetings, attendees, messages, replies, observations, audit.

    with open_store("sqlite:///workspace/state.db") as store:
        meeting = store.upsert_meeting(MeetingPlan(id="t/r1/ngo", ...))

Each method runs in one transaction and hands back values of `schemas.state`,
every datetime among them aware and in UTC. Bad input raises a ValueError
(pydantic's ValidationError is one) and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa

from consult.actors import default_actor
from consult.errors import StoreError
from consult.store import audit as _audit
from consult.store import history as _history
from consult.store import inbound as _inbound
from consult.store import meetings as _meetings
from consult.store import messages as _messages
from consult.store import observations as _observations
from consult.store import packs as _packs
from consult.store import proposals as _proposals
from consult.store import rounds as _rounds
from consult.store import steps as _steps
from consult.store.claims import holder_id
from consult.store.engine import create_store_engine, reading, writing
from consult.store.history import Entry
from consult.store.inbound import InboundKind, InboundMail, InboundMethods
from consult.store.known import PageMethods
from consult.store.meetings import AnswerMethods, MeetingPlan
from consult.store.messages import Ledger
from consult.store.migrations import migrate
from consult.store.notes import NotesMethods
from consult.store.observations import Change
from consult.store.records import StakeholderMethods
from consult.store.rounds import Proposal
from schemas.state import (
    Attendee,
    AuditEvent,
    Confidentiality,
    Meeting,
    MeetingStatus,
    Message,
    MessageKind,
    MessageStatus,
    Observation,
    ObservationKind,
    PartStat,
    Reply,
)

LEASE = dt.timedelta(minutes=15)
"""How long a claim on a message holds before another worker may claim it and send it."""


def open_store(url: str, actor: str | None = None) -> Store:
    """Return the store at this SQLAlchemy URL, its schema created or brought up to date.

    `actor` is who the audit log names for what is done through it (the
    operating-system user by default); it may be changed before anything is done.
    """
    engine = create_store_engine(url)
    try:
        migrate(engine)
    except sa.exc.DBAPIError as error:
        engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot open the state database {where}: {error.orig}") from error
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, actor)


class Store(NotesMethods, PageMethods, AnswerMethods, InboundMethods, StakeholderMethods):
    """The state database behind an engine; build it with `open_store`, end it with `close`."""

    def __init__(self, engine: sa.Engine, actor: str | None = None) -> None:
        self._engine = engine
        self.actor = actor or default_actor()
        """Who the audit log names for what is done through this store, unless a call says."""
        self._claimants: dict[str, str] = {}
        self.claimer = holder_id()
        """Who claims messages, unless a claim says otherwise: host, pid, process start."""

    def upsert_meeting(self, plan: MeetingPlan) -> Meeting:
        """Return the meeting, inserted as proposed or updated; its UID never changes.

        Its SEQUENCE rises when start, end or location change after it was
        confirmed or a message about it went out.
        """
        with writing(self._engine) as connection:
            return _meetings.upsert_meeting(connection, _now(), plan)

    def get_meeting(self, id: str) -> Meeting | None:
        """Return the meeting with this id, or None."""
        with reading(self._engine) as connection:
            return _meetings.get_meeting(connection, id)

    def meeting_by_uid(self, uid: str) -> Meeting | None:
        """Return the meeting whose iCalendar UID this is, or None."""
        with reading(self._engine) as connection:
            return _meetings.meeting_by_uid(connection, uid)

    def meetings(self, training: str, round: str | None = None) -> list[Meeting]:
        """Return the meetings of a training (of one round, if given), by start time."""
        with reading(self._engine) as connection:
            return _meetings.list_meetings(connection, training, round)

    def booked(self, statuses: Sequence[str]) -> list[tuple[Meeting, tuple[str, ...]]]:
        """Return the meetings in these statuses, of any training, with their attendees' emails."""
        with reading(self._engine) as connection:
            return _meetings.list_booked(connection, statuses)

    def set_meeting_status(
        self, id: str, status: MeetingStatus, actor: str, reason: str = ""
    ) -> Meeting:
        """Return the meeting with its new status, the change written to the audit log.

        Cancelling a meeting people were told of raises its SEQUENCE. Setting
        the status it already has changes nothing and logs nothing. `reason`,
        if given, goes to the audit log with the change (never into an email).
        """
        with writing(self._engine) as connection:
            now = _now()
            before, after = _meetings.set_meeting_status(connection, now, id, status)
            if after != before:
                _audit.append(
                    connection,
                    now,
                    actor=actor,
                    action="meeting.status",
                    subject=id,
                    detail={"from": before.status, "to": after.status, "sequence": after.sequence}
                    | ({"reason": reason} if reason else {}),
                )
            return after

    def set_attendees(self, meeting_id: str, attendees: Sequence[Attendee]) -> None:
        """Make these the meeting's attendees, keeping answers already recorded."""
        with writing(self._engine) as connection:
            _meetings.set_attendees(connection, meeting_id, attendees)

    def attendees(self, meeting_id: str) -> list[Attendee]:
        """Return the attendees of the meeting, by email."""
        with reading(self._engine) as connection:
            return _meetings.list_attendees(connection, meeting_id)

    def claim_message(
        self,
        meeting_id: str,
        recipient: str,
        sequence: int,
        kind: MessageKind,
        *,
        claimed_by: str | None = None,
        lease: dt.timedelta = LEASE,
    ) -> Message | None:
        """Return the message, pending and claimed for sending; None if sent or claimed already.

        A failed message, or one claimed longer than `lease` ago and never
        marked sent (its sender crashed), is claimed anew.
        """
        claimed_by = claimed_by or self.claimer
        with writing(self._engine) as connection:
            now = _now()
            _audit.register_claimant(connection, now, claimed_by, self.actor)
            return _messages.claim_message(
                connection,
                now,
                meeting_id=meeting_id,
                recipient=recipient,
                sequence=sequence,
                kind=kind,
                claimed_by=claimed_by,
                lease=lease,
            )

    @contextmanager
    def ledger(self, *, claimed_by: str | None = None) -> Iterator[Ledger]:
        """Yield the delivery ledger over one connection, for a sender's claims and marks.

        Each call on it is a transaction of its own; none holds the write lock
        between calls. Cheaper than the methods here for a round of messages.
        The sender is recorded as acting for `actor`, for the history.
        """
        claimed_by = claimed_by or self.claimer
        if self._claimants.get(claimed_by) != self.actor:
            with writing(self._engine) as connection:
                _audit.register_claimant(connection, _now(), claimed_by, self.actor)
            self._claimants[claimed_by] = self.actor
        with self._engine.connect() as connection:
            yield Ledger(connection, claimed_by, _now)

    def mark_sent(self, id: int, message_id: str) -> Message:
        """Return the message, recorded as sent with this Message-ID."""
        with writing(self._engine) as connection:
            return _messages.mark_sent(connection, _now(), id, message_id)

    def mark_failed(self, id: int, error: str) -> Message:
        """Return the message, recorded as failed with this error; it may be claimed again."""
        with writing(self._engine) as connection:
            return _messages.mark_failed(connection, id, error)

    def messages(
        self, meeting_id: str | None = None, status: MessageStatus | None = None
    ) -> list[Message]:
        """Return the messages (of one meeting, in one status, if given), oldest first."""
        with reading(self._engine) as connection:
            return _messages.list_messages(connection, meeting_id, status)

    def record_reply(
        self,
        meeting_id: str,
        attendee: str,
        partstat: PartStat,
        sequence: int,
        source: str,
        received_at: dt.datetime | None = None,
        comment: str | None = None,
    ) -> Reply:
        """Return the reply recorded (and its comment); the current sequence's sets the answer."""
        with writing(self._engine) as connection:
            answer = _meetings.Answer(attendee, partstat, sequence, source, comment)
            return _meetings.record_reply(connection, meeting_id, answer, received_at or _now())

    def replies(self, meeting_id: str) -> list[Reply]:
        """Return the replies to the meeting, in the order they were recorded."""
        with reading(self._engine) as connection:
            return _meetings.list_replies(connection, meeting_id)

    def record_inbound(
        self,
        source: str,
        kind: InboundKind,
        detail: str,
        *,
        message: int | None = None,
        address: str | None = None,
        status: str | None = None,
    ) -> bool:
        """Return whether a bounce, automatic reply or unreadable mail was recorded (once)."""
        with writing(self._engine) as connection:
            return _inbound.record_inbound(
                connection,
                _now(),
                source=source,
                kind=kind,
                detail=detail,
                message=message,
                address=address,
                status=status,
            )

    def inbound(self, kind: InboundKind | None = None) -> list[InboundMail]:
        """Return the bounces, automatic replies and unreadable mail recorded, oldest first."""
        with reading(self._engine) as connection:
            return _inbound.list_inbound(connection, kind)

    def inbound_sources(self) -> set[str]:
        """Return where each recorded bounce, automatic reply or unreadable mail was read."""
        with reading(self._engine) as connection:
            return _inbound.sources(connection)

    def bounced(self) -> dict[str, InboundMail]:
        """Return the latest bounce of each address that bounced, by lower-cased address."""
        with reading(self._engine) as connection:
            return _inbound.bounced(connection)

    def sent_message(self, message_ids: Sequence[str], recipient: str) -> Message | None:
        """Return the message sent with one of these Message-IDs, else the latest to `recipient`."""
        with reading(self._engine) as connection:
            return _inbound.sent_message(connection, message_ids, recipient)

    def upsert_observation(
        self,
        key: str,
        *,
        meeting_id: str,
        organisation: str,
        kind: ObservationKind,
        theme: str,
        severity: int,
        text: str,
        confidentiality: Confidentiality,
        quote: str | None = None,
        speaker_role: str | None = None,
        owner: str | None = None,
        due: dt.date | None = None,
        actor: str | None = None,
        language: str | None = None,
        translations: Mapping[str, Mapping[str, str | None]] | None = None,
        line: int | None = None,
    ) -> tuple[Observation, Change]:
        """Return the observation stored under `key`, and whether it was added, updated or not.

        `language` is the one its text was written in; `translations` its text (and
        speaker's role) in others, by language, kept apart from the text as written.
        `line` is where it starts in its notes file: a move alone is no change.
        An addition or an update goes to the audit log, by `actor` (or the store's):
        the observation's key, kind and theme and the fields changed, never its text.
        """
        fields = {
            "meeting_id": meeting_id,
            "organisation": organisation,
            "kind": kind,
            "theme": theme,
            "severity": severity,
            "text": text,
            "quote": quote,
            "speaker_role": speaker_role,
            "confidentiality": confidentiality,
            "owner": owner,
            "due": due,
            "language": language,
            "translations": {k: dict(v) for k, v in translations.items()} if translations else None,
            "line": line,
        }
        with writing(self._engine) as connection:
            return _observations.record_observation(
                connection, _now(), key, fields, actor or self.actor
            )

    def observations(
        self, training: str | None = None, meeting_id: str | None = None
    ) -> list[Observation]:
        """Return the observations (of a training, of a meeting, if given), oldest first."""
        with reading(self._engine) as connection:
            return _observations.list_observations(connection, training, meeting_id)

    def record_pack(self, training: str, digest: str, actor: str | None = None) -> tuple[int, bool]:
        """Return the version of the training's pack with this content digest, and if it is new.

        The same digest as the latest version keeps that version; any other starts
        the next, and the audit log records who compiled it (`actor`, or the store's).
        """
        with writing(self._engine) as connection:
            now = _now()
            version, new = _packs.record_pack(connection, now, training, digest)
            if new:
                _audit.append(
                    connection,
                    now,
                    actor=actor or self.actor,
                    action="pack.compiled",
                    subject=f"{training}/briefing",
                    detail={"version": version, "digest": digest},
                )
            return version, new

    def pack_versions(self, training: str) -> list[tuple[int, str, dt.datetime]]:
        """Return (version, digest, created_at) of each version of the training's pack."""
        with reading(self._engine) as connection:
            return _packs.pack_versions(connection, training)

    def audit(
        self, actor: str, action: str, subject: str, detail: Mapping[str, Any] | None = None
    ) -> AuditEvent:
        """Return the event appended to the audit log."""
        with writing(self._engine) as connection:
            return _audit.append(
                connection, _now(), actor=actor, action=action, subject=subject, detail=detail or {}
            )

    def history(
        self, training: str, since: dt.datetime | None = None, kinds: Sequence[str] = ()
    ) -> list[Entry]:
        """Return every action about the training, oldest first: the audit log, ledger, replies.

        `since` keeps the actions from that moment on; `kinds` those of these
        actions or families ("message.rejected", "message"). See `history`.
        """
        with reading(self._engine) as connection:
            return _history.history(connection, training, since=since, kinds=kinds)

    def audit_log(self, subject: str | None = None) -> list[AuditEvent]:
        """Return the audit log (about one subject, if given), oldest first."""
        with reading(self._engine) as connection:
            return _audit.log(connection, subject)

    def decide_counter(
        self,
        meeting_id: str,
        key: str,
        accepted: bool,
        actor: str,
        detail: Mapping[str, Any] | None = None,
    ) -> _proposals.Counter:
        """Return the counter-proposal accepted or declined; ValueError if decided already."""
        with writing(self._engine) as connection:
            return _proposals.decide_counter(
                connection,
                _now(),
                meeting_id=meeting_id,
                key=key,
                accepted=accepted,
                actor=actor,
                detail=detail or {},
            )

    def counters(self, prefix: str) -> list[_proposals.Counter]:
        """Return the counter-proposals of the meetings whose ids start with `prefix`."""
        with reading(self._engine) as connection:
            return _proposals.list_counters(connection, prefix)

    def claim_step(
        self, training: str, key: str, actor: str, detail: Mapping[str, Any] | None = None
    ) -> bool:
        """Return whether this call claims a timeline step; False if it was started already."""
        with writing(self._engine) as connection:
            return _steps.claim_step(connection, _now(), training, key, actor, detail or {})

    def release_step(self, training: str, key: str, actor: str, reason: str) -> None:
        """Release a claimed step that could not be started, so that a later run may claim it."""
        with writing(self._engine) as connection:
            _audit.append(
                connection,
                _now(),
                actor=actor,
                action=_steps.RELEASED,
                subject=_steps.subject(training, key),
                detail={"reason": reason},
            )

    def started_steps(self, training: str) -> set[str]:
        """Return the keys of the training's timeline steps started (and not released)."""
        with reading(self._engine) as connection:
            return _steps.started_steps(connection, training)

    def round_schedules(self, training: str) -> dict[str, str]:
        """Return each round's last schedule decision: "proposed", "approved" or "sent_back"."""
        with reading(self._engine) as connection:
            return _steps.round_schedules(connection, training)

    def propose_round(
        self,
        training: str,
        round: str,
        proposals: Sequence[Proposal],
        withdraw: Sequence[str],
        actor: str,
        detail: Mapping[str, Any] | None = None,
    ) -> list[Meeting]:
        """Return the round's meetings after storing a plan in one transaction.

        Each proposal is inserted or updated and (again) proposed, with its
        attendees; each id in `withdraw` (proposed before, not placed now) is
        cancelled. Either all of it is stored or, on any error, none of it.
        """
        with writing(self._engine) as connection:
            return _rounds.propose_round(
                connection, _now(), training, round, proposals, withdraw, actor, detail or {}
            )

    def decide_round(
        self, training: str, round: str, approve: bool, actor: str, comment: str = ""
    ) -> list[Meeting]:
        """Return the round's meetings after the coordinator's decision on its proposal.

        Approval confirms every proposed meeting; sending it back leaves them
        proposed. Either way the decision, its author and comment go to the audit log.
        """
        with writing(self._engine) as connection:
            return _rounds.decide_round(
                connection, _now(), training, round, approve, actor, comment
            )

    def close(self) -> None:
        """Close every connection to the database; the store is not to be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)

"""Stores the check of the record: what an organisation was asked to check, and its answers.

A meeting's check (`record_checks`) holds the observations sent (each key and a digest of
its text as sent: `text_digest`, never a copy of the text, so that erasing or expiring an
observation leaves no copy here) and when answers close. Each invitee answers for the
whole (confirmed, or corrections with a comment) and proposes a new text for any observation; each
correction waits for the coordinator (pending, then accepted or declined). A later answer
of the same invitee replaces the rows nobody decided yet; a decided correction stays. The
audit log keeps each answer and decision (`record.answered`, `record.decided`), never a
text: what people wrote stays in its row, which access and erasure reach
(`consult.store.personal.PLACES`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from consult.errors import RecordCheckError
from consult.store import audit as _audit
from consult.store.engine import reading, writing
from consult.store.meetings import require_meeting
from consult.store.observations import WRITTEN
from consult.store.polls import PollMethods
from consult.store.privacy import PrivacyMethods
from consult.store.tables import meetings, observations, record_answers, record_checks
from schemas.state import Observation

Verdict = Literal["confirmed", "corrections"]
Decision = Literal["accepted", "declined"]


def text_digest(text: str) -> str:
    """Return the digest a check keeps of an observation's text: equal texts, equal digests."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RecordAnswer:
    """One row of an invitee's answer: the whole (observation None) or one correction."""

    id: int
    meeting_id: str
    attendee: str
    observation: str | None
    """The key of the observation corrected; None for the answer as a whole."""
    verdict: str
    """confirmed or corrections for the whole; correction for one observation."""
    text: str | None
    """The text proposed for the observation; the comment for the whole."""
    digest: str | None
    """The digest (`text_digest`) of the observation's text the correction is of."""
    language: str
    state: str
    """answered (the whole); pending, accepted or declined (a correction)."""
    answered_at: dt.datetime
    decided_by: str | None = None
    decided_at: dt.datetime | None = None


@dataclass(frozen=True)
class RecordCheck:
    """A meeting's check of the record: what was sent, until when, and the answers so far."""

    meeting_id: str
    deadline: dt.datetime
    observations: Mapping[str, str]
    """The key and text digest of each observation sent, in the order sent."""
    opened_by: str
    opened_at: dt.datetime
    answers: tuple[RecordAnswer, ...] = ()

    def open_at(self, moment: dt.datetime) -> bool:
        """Return whether answers are still taken at `moment`."""
        return moment < self.deadline

    def wholes(self) -> list[RecordAnswer]:
        """Return each invitee's current answer as a whole, oldest first."""
        return [a for a in self.answers if a.observation is None]

    def corrections(self, state: str | None = None) -> list[RecordAnswer]:
        """Return the corrections proposed (in one state, if given), oldest first."""
        return [
            a
            for a in self.answers
            if a.observation is not None and (state is None or a.state == state)
        ]

    def answer_of(self, email: str) -> list[RecordAnswer]:
        """Return the rows of this invitee's answer (the whole first), or none."""
        mine = [a for a in self.answers if a.attendee == email.strip().lower()]
        return sorted(mine, key=lambda a: (a.observation is not None, a.id))


def read_checks(
    connection: sa.Connection,
    meeting_ids: Collection[str] | None = None,
    training: str | None = None,
) -> dict[str, RecordCheck]:
    """Return the checks of these meetings (or of a training's, or every one), by meeting id."""
    query = sa.select(record_checks)
    if meeting_ids is not None:
        if not meeting_ids:
            return {}
        query = query.where(record_checks.c.meeting_id.in_(list(meeting_ids)))
    if training is not None:
        mine = sa.select(meetings.c.id).where(meetings.c.training == training)
        query = query.where(record_checks.c.meeting_id.in_(mine))
    rows = connection.execute(query.order_by(record_checks.c.meeting_id)).all()
    ids = [row.meeting_id for row in rows]
    answers: dict[str, list[RecordAnswer]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for a in connection.execute(
            sa.select(record_answers)
            .where(record_answers.c.meeting_id.in_(chunk))
            .order_by(record_answers.c.id)
        ):
            answers[a.meeting_id].append(_answer(a))
    return {
        row.meeting_id: RecordCheck(
            row.meeting_id,
            row.deadline,
            dict(row.observations),
            row.opened_by,
            row.opened_at,
            tuple(answers[row.meeting_id]),
        )
        for row in rows
    }


def _answer(row: sa.Row[tuple[object, ...]]) -> RecordAnswer:
    return RecordAnswer(
        row.id,
        row.meeting_id,
        row.attendee,
        row.observation_key,
        row.verdict,
        row.text,
        row.digest,
        row.language,
        row.state,
        row.answered_at,
        row.decided_by,
        row.decided_at,
    )


def _require(connection: sa.Connection, meeting_id: str) -> RecordCheck:
    found = read_checks(connection, [meeting_id]).get(meeting_id)
    if found is None:
        raise RecordCheckError(
            f"meeting: got {meeting_id!r}, expected a meeting whose record was sent to check"
        )
    return found


def open_check(
    connection: sa.Connection,
    now: dt.datetime,
    meeting_id: str,
    deadline: dt.datetime,
    observations: Mapping[str, str],
    actor: str,
) -> tuple[RecordCheck, bool]:
    """Return the meeting's check, and whether it was opened now (an open one stays as it is)."""
    require_meeting(connection, meeting_id)
    found = read_checks(connection, [meeting_id]).get(meeting_id)
    if found is not None:
        return found, False
    connection.execute(
        sa.insert(record_checks).values(
            meeting_id=meeting_id,
            deadline=deadline,
            observations=dict(observations),
            opened_by=actor,
            opened_at=now,
        )
    )
    _audit.append(
        connection,
        now,
        actor=actor,
        action="record.opened",
        subject=meeting_id,
        detail={"deadline": deadline.isoformat(), "observations": list(observations)},
    )
    return _require(connection, meeting_id), True


def answer_check(
    connection: sa.Connection,
    now: dt.datetime,
    meeting_id: str,
    email: str,
    language: str,
    comment: str | None,
    corrections: Mapping[str, str],
) -> RecordCheck:
    """Return the check once `email`'s answer replaced their undecided earlier one (audited).

    No corrections is a confirmation. Each correction names an observation sent and the
    text proposed for it. Raises RecordCheckError past the deadline or for an observation
    that was not sent.
    """
    check = _require(connection, meeting_id)
    if not check.open_at(now):
        raise RecordCheckError(
            f"{meeting_id}: answers were taken until {check.deadline:%Y-%m-%d %H:%M} UTC"
        )
    unknown = sorted(set(corrections) - set(check.observations))
    if unknown:
        raise RecordCheckError(
            f"{meeting_id}: observation: got {unknown[0]!r}, expected one of those sent"
        )
    attendee = email.strip().lower()
    connection.execute(
        sa.delete(record_answers).where(
            record_answers.c.meeting_id == meeting_id,
            record_answers.c.attendee == attendee,
            record_answers.c.state.in_(("answered", "pending")),
        )
    )
    verdict: Verdict = "corrections" if corrections else "confirmed"
    whole: dict[str, object] = {
        "observation_key": None,
        "verdict": verdict,
        "text": comment or None,
        "digest": None,
        "state": "answered",
    }
    rows = [whole]
    for key, text in corrections.items():
        rows.append(
            {
                "observation_key": key,
                "verdict": "correction",
                "text": text,
                "digest": check.observations[key],
                "state": "pending",
            }
        )
    common = {"meeting_id": meeting_id, "attendee": attendee, "language": language}
    connection.execute(
        sa.insert(record_answers), [{**common, "answered_at": now, **row} for row in rows]
    )
    _audit.append(
        connection,
        now,
        actor=attendee,
        action="record.answered",
        subject=meeting_id,
        detail={
            "attendee": attendee,
            "verdict": verdict,
            "corrections": sorted(corrections),
            "comment": bool(comment),
        },
    )
    return _require(connection, meeting_id)


def decide_correction(
    connection: sa.Connection, now: dt.datetime, answer_id: int, decision: Decision, actor: str
) -> RecordAnswer:
    """Return the correction once accepted or declined (audited); the first decision stands."""
    row = connection.execute(
        sa.select(record_answers).where(record_answers.c.id == answer_id)
    ).first()
    if row is None or row.observation_key is None:
        raise RecordCheckError(f"correction: got {answer_id!r}, expected a correction proposed")
    if row.state != "pending":
        raise RecordCheckError(
            f"correction {answer_id}: was {row.state} already (by {row.decided_by}): "
            "the first decision stands"
        )
    connection.execute(
        sa.update(record_answers)
        .where(record_answers.c.id == answer_id)
        .values(state=decision, decided_by=actor, decided_at=now)
    )
    _audit.append(
        connection,
        now,
        actor=actor,
        action="record.decided",
        subject=row.meeting_id,
        detail={"correction": answer_id, "key": row.observation_key, "decision": decision},
    )
    found = connection.execute(
        sa.select(record_answers).where(record_answers.c.id == answer_id)
    ).one()
    return _answer(found)


class RecordMethods:
    """The store's checks of the record (`Store` has them)."""

    _engine: sa.Engine

    def open_record_check(
        self,
        meeting_id: str,
        deadline: dt.datetime,
        observations: Mapping[str, str],
        actor: str,
    ) -> tuple[RecordCheck, bool]:
        """Return the meeting's check and whether it was opened now (see `open_check`)."""
        with writing(self._engine) as connection:
            return open_check(connection, _now(), meeting_id, deadline, observations, actor)

    def record_checks(
        self, meeting_ids: Collection[str] | None = None, training: str | None = None
    ) -> dict[str, RecordCheck]:
        """Return the checks of these meetings (or a training's, or all), by meeting id."""
        with reading(self._engine) as connection:
            return read_checks(connection, meeting_ids, training)

    def record_check(self, meeting_id: str) -> RecordCheck | None:
        """Return the meeting's check of the record, or None when none was sent."""
        return self.record_checks([meeting_id]).get(meeting_id)

    def ready_to_check(
        self, training: str, statuses: Collection[str], now: dt.datetime
    ) -> dict[str, str]:
        """Return the training's meetings whose record can be sent to check now, each with its
        organisation: in one of `statuses`, ended by `now`, no check sent, and with an
        observation a check sends (from notes, not written input; not restricted). One query,
        answered from the indexes."""
        sendable = (
            sa.select(observations.c.meeting_id)
            .where(
                observations.c.confidentiality != "restricted",
                sa.not_(observations.c.key.startswith(WRITTEN, autoescape=True)),
            )
            .scalar_subquery()
        )
        query = sa.select(meetings.c.id, meetings.c.organisation).where(
            meetings.c.training == training,
            meetings.c.status.in_(list(statuses)),
            meetings.c.end <= now,
            meetings.c.id.in_(sendable),
            meetings.c.id.not_in(sa.select(record_checks.c.meeting_id)),
        )
        with reading(self._engine) as connection:
            return {str(row.id): str(row.organisation) for row in connection.execute(query)}

    def organisations_of(self, meeting_ids: Collection[str]) -> dict[str, str]:
        """Return the organisation of each of these meetings, by meeting id."""
        wanted = list(meeting_ids)
        found: dict[str, str] = {}
        with reading(self._engine) as connection:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = connection.execute(
                    sa.select(meetings.c.id, meetings.c.organisation).where(
                        meetings.c.id.in_(chunk)
                    )
                )
                found |= {str(row.id): str(row.organisation) for row in rows}
        return found

    def observations_of(self, keys: Collection[str]) -> dict[str, Observation]:
        """Return the observations stored under these keys, by key."""
        found: dict[str, Observation] = {}
        wanted = list(keys)
        with reading(self._engine) as connection:
            for start in range(0, len(wanted), 500):
                rows = connection.execute(
                    sa.select(observations).where(
                        observations.c.key.in_(wanted[start : start + 500])
                    )
                )
                found |= {row.key: Observation.model_validate(row) for row in rows}
        return found

    def answer_record_check(
        self,
        meeting_id: str,
        email: str,
        language: str,
        comment: str | None,
        corrections: Mapping[str, str],
        now: dt.datetime | None = None,
    ) -> RecordCheck:
        """Return the check after `email`'s answer (see `answer_check`)."""
        with writing(self._engine) as connection:
            return answer_check(
                connection, now or _now(), meeting_id, email, language, comment, corrections
            )

    def decide_record_correction(
        self, answer_id: int, decision: Decision, actor: str
    ) -> RecordAnswer:
        """Return the correction once decided (see `decide_correction`)."""
        with writing(self._engine) as connection:
            return decide_correction(connection, _now(), answer_id, decision, actor)


class StakeholderMethods(PollMethods, PrivacyMethods, RecordMethods):
    """The store's side of the people consulted: date polls, personal data, checks of the record."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)

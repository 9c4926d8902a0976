"""The store's methods about personal data (`Store` has them): access, erasure, retention, consent.

Each runs in one transaction; what they change they audit without the data itself.
Where the data lives is `consult.store.personal.PLACES`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from consult.store import consents as _consents
from consult.store import personal as _personal
from consult.store.audit import append
from consult.store.consents import Consent
from consult.store.engine import reading, writing
from consult.store.personal import Erased, Expiry
from consult.store.tables import meetings, observations


class PrivacyMethods:
    """The store's methods about a person's data and a training's retention."""

    _engine: sa.Engine
    actor: str

    def personal_data(
        self, email: str, names: Iterable[str] = ()
    ) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
        """Return every row naming the email, by table, and the audit entries naming it
        (or one of `names`), as plain values."""
        with reading(self._engine) as connection:
            return (
                _personal.held(connection, email),
                _personal.audit_naming(connection, email, names),
            )

    def forget(
        self,
        email: str,
        names: Iterable[str],
        *,
        delete_observations: bool,
        detail: Mapping[str, Any],
        actor: str | None = None,
    ) -> Erased:
        """Return what was erased of the person, in one transaction with the one audit entry
        (`person.forgotten`, under their pseudonym) that says so with `detail`; nothing is
        appended when neither the store nor `detail` held anything of them."""
        with writing(self._engine) as connection:
            erased = _personal.erase(
                connection, email, names, delete_observations=delete_observations
            )
            if erased.anything or any(detail.values()):
                _personal.record_forgetting(
                    connection,
                    _now(),
                    actor or self.actor,
                    email,
                    {
                        **detail,
                        "rows": {k: v for k, v in erased.rows.items() if v},
                        "unattributed": erased.unattributed,
                        "audit_rewritten": erased.audit,
                    },
                )
            return erased

    def compact(self) -> None:
        """Rewrite a SQLite database without the free pages that deleted rows leave behind
        (`VACUUM`), so an erased person's data is not left in the file; PostgreSQL's own
        vacuum does it there."""
        if self._engine.dialect.name != "sqlite":
            return
        connection = self._engine.raw_connection()
        try:
            connection.driver_connection.execute("VACUUM")  # type: ignore[union-attr]
        finally:
            connection.close()

    def forgotten(self, email: str) -> dt.datetime | None:
        """Return when the person with this email was forgotten, if they were."""
        with reading(self._engine) as connection:
            return _personal.forgotten(connection, email)

    def expire(
        self,
        training: str,
        due: Sequence[Expiry],
        *,
        apply: bool,
        actor: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> dict[str, int]:
        """Return how many rows of each of the training's kinds of data are due; with
        `apply`, deleted or scrubbed, audited as `retention.applied` (the counts, no data)
        when anything was; a second run finds nothing."""
        with writing(self._engine) as connection:
            counts: dict[str, int] = {
                what: _personal.expire(connection, training, what, apply) for what in due
            }
            if apply and (any(counts.values()) or any((detail or {}).values())):
                append(
                    connection,
                    _now(),
                    actor=actor or self.actor,
                    action="retention.applied",
                    subject=training,
                    detail={**{k: v for k, v in counts.items() if v}, **(detail or {})},
                )
            return counts

    def record_consent(self, consent: Consent) -> Consent:
        """Return the consent recorded, audited as `consent.recorded`."""
        with writing(self._engine) as connection:
            return _consents.record(connection, _now(), consent)

    def consents(self) -> dict[str, Consent]:
        """Return each person's consent now, by casefolded email."""
        with reading(self._engine) as connection:
            return _consents.latest(connection)

    def consent_history(self, email: str) -> list[Consent]:
        """Return the person's consent records, oldest first."""
        with reading(self._engine) as connection:
            return _consents.history(connection, email)

    def restrict_observations(
        self,
        training: str,
        *,
        sources: Collection[str] = (),
        meeting_ids: Collection[str] = (),
        reason: str,
        actor: str | None = None,
    ) -> int:
        """Return how many of the training's observations became restricted: those attributed
        to one of `sources`, and those of `meeting_ids`; audited as `observations.restricted`
        (the count and the reason) when any did."""
        mine = sa.select(meetings.c.id).where(meetings.c.training == training)
        which = sa.or_(
            sa.func.lower(observations.c.source).in_([s.casefold() for s in sources]),
            observations.c.meeting_id.in_(list(meeting_ids)),
        )
        with writing(self._engine) as connection:
            count = connection.execute(
                sa.update(observations)
                .where(
                    observations.c.meeting_id.in_(mine),
                    which,
                    observations.c.confidentiality != "restricted",
                )
                .values(confidentiality="restricted")
            ).rowcount
            if count:
                append(
                    connection,
                    _now(),
                    actor=actor or self.actor,
                    action="observations.restricted",
                    subject=training,
                    detail={"count": count, "reason": reason},
                )
            return int(count)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)

"""Each contact's consent, recorded as given, refused or withdrawn: the latest one counts.

A record says when the person gave, refused or withdrew it, how (their stakeholder page,
an email, the coordinator's word with a note), and who recorded it when. Records are
kept as a history; `latest` reads what each person's consent is now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

import sqlalchemy as sa

from consult.store.audit import append
from consult.store.tables import consents

ConsentStatus = Literal["given", "refused", "withdrawn"]
ConsentHow = Literal["page", "email", "coordinator"]
STATUSES: tuple[str, ...] = get_args(ConsentStatus)
HOWS: tuple[str, ...] = get_args(ConsentHow)


@dataclass(frozen=True)
class Consent:
    """A person's consent as recorded once."""

    email: str
    status: str
    at: dt.datetime
    how: str
    note: str
    recorded_by: str
    recorded_at: dt.datetime


def _consent(row: sa.Row[object]) -> Consent:
    return Consent(
        str(row.email),
        str(row.status),
        row.at,
        str(row.how),
        str(row.note),
        str(row.recorded_by),
        row.recorded_at,
    )


def record(connection: sa.Connection, now: dt.datetime, consent: Consent) -> Consent:
    """Return the consent recorded, and audited as `consent.recorded` (without the note)."""
    connection.execute(
        sa.insert(consents).values(
            email=consent.email.strip().casefold(),
            status=consent.status,
            at=consent.at,
            how=consent.how,
            note=consent.note,
            recorded_by=consent.recorded_by,
            recorded_at=now,
        )
    )
    append(
        connection,
        now,
        actor=consent.recorded_by,
        action="consent.recorded",
        subject=f"consent/{consent.email.strip().casefold()}",
        detail={"status": consent.status, "how": consent.how, "at": consent.at.isoformat()},
    )
    return consent


def latest(connection: sa.Connection) -> dict[str, Consent]:
    """Return each person's consent now (their latest record), by casefolded email."""
    rows = connection.execute(sa.select(consents).order_by(consents.c.at, consents.c.id))
    return {str(row.email): _consent(row) for row in rows}


def history(connection: sa.Connection, email: str) -> list[Consent]:
    """Return the person's consent records, oldest first."""
    rows = connection.execute(
        sa.select(consents)
        .where(consents.c.email == email.strip().casefold())
        .order_by(consents.c.at, consents.c.id)
    )
    return [_consent(row) for row in rows]

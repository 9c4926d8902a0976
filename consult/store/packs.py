"""Numbers the versions of a training's briefing pack: a new one only when its content changes."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from consult.store.tables import packs


def record_pack(
    connection: sa.Connection, now: dt.datetime, training: str, digest: str
) -> tuple[int, bool]:
    """Return the pack's version, and whether it is new: the latest if `digest` is its digest."""
    latest = connection.execute(
        sa.select(packs.c.version, packs.c.digest)
        .where(packs.c.training == training)
        .order_by(packs.c.version.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.digest == digest:
        return latest.version, False
    version = 1 if latest is None else latest.version + 1
    connection.execute(
        sa.insert(packs).values(training=training, version=version, digest=digest, created_at=now)
    )
    return version, True


def pack_versions(connection: sa.Connection, training: str) -> list[tuple[int, str, dt.datetime]]:
    """Return (version, digest, created_at) of each version of the training's pack, oldest first."""
    rows = connection.execute(
        sa.select(packs.c.version, packs.c.digest, packs.c.created_at)
        .where(packs.c.training == training)
        .order_by(packs.c.version)
    )
    return [(row.version, row.digest, row.created_at) for row in rows]

"""Creates the schema of a state database, or brings an older one up to date.

`MIGRATIONS[n - 1]` takes a database from version n - 1 to version n. A fresh
database gets migration 1, which creates every table of `tables.metadata` as
the code has them now, and is stamped with the latest version: later
migrations are for databases that already exist. Migrations run in one write
transaction, under the write lock (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: an
advisory lock; see `engine`), so processes that open the same database at once
apply each migration once and all succeed.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from consult.errors import StoreError
from consult.store.engine import writing
from consult.store.tables import (
    OBSERVATIONS_BY_MEETING,
    POSTGRESQL_APPEND_ONLY,
    SQLITE_APPEND_ONLY,
    audit_rewrites,
    claimants,
    consents,
    inbound,
    meetings,
    messages,
    metadata,
    notes_files,
    observations,
    packs,
    poll_options,
    poll_votes,
    polls,
    record_answers,
    record_checks,
    replies,
    schema_version,
)

Migration = Callable[[sa.Connection], None]


def _create_all(connection: sa.Connection) -> None:
    metadata.create_all(connection)


def _ledger_for_packs(connection: sa.Connection) -> None:
    """Version 2: briefing packs, whose messages are keyed by training, not by meeting.

    `messages.meeting_id` loses its foreign key to `meetings`, and `packs` is created.
    """
    packs.create(connection)
    if connection.dialect.name == "postgresql":
        for foreign_key in sa.inspect(connection).get_foreign_keys(messages.name):
            connection.exec_driver_sql(
                f'ALTER TABLE messages DROP CONSTRAINT "{foreign_key["name"]}"'
            )
        return
    # SQLite cannot drop a constraint: rebuild the table with its rows and ids.
    connection.exec_driver_sql("ALTER TABLE messages RENAME TO messages_v1")
    for index in sa.inspect(connection).get_indexes("messages_v1"):
        if index["name"]:
            connection.exec_driver_sql(f'DROP INDEX "{index["name"]}"')
    messages.create(connection)
    columns = ", ".join(f'"{column.name}"' for column in messages.columns)
    connection.exec_driver_sql(
        f"INSERT INTO messages ({columns}) SELECT {columns} FROM messages_v1"
    )
    connection.exec_driver_sql("DROP TABLE messages_v1")


def _claimants(connection: sa.Connection) -> None:
    """Version 3: `claimants`, who each sender of the ledger acted for (see `history`)."""
    claimants.create(connection, checkfirst=True)


def _inbound(connection: sa.Connection) -> None:
    """Version 4: `inbound`, the bounces, automatic replies and unreadable mail read."""
    inbound.create(connection, checkfirst=True)


def _one_form_source(connection: sa.Connection) -> None:
    """Version 5: the desk's notes form stores under `form/`, as the Prefect UI's form does.

    Observations stored under `desk/<round>/<meeting>#...` move to `form/...`,
    unless that key is taken already (then the form's newer save stands).
    """
    moved = sa.literal("form/") + sa.func.substr(observations.c.key, 6)
    other = observations.alias("other")
    taken = sa.select(other.c.key)
    connection.execute(
        sa.update(observations)
        .where(observations.c.key.like("desk/%"), moved.not_in(taken))
        .values(key=moved)
    )


def _observation_translations(connection: sa.Connection) -> None:
    """Version 6: `observations.language` and `.translations`, apart from the text as written."""
    present = {column["name"] for column in sa.inspect(connection).get_columns(observations.name)}
    for name in ("language", "translations"):
        if name in present:  # a table created with them already
            continue
        column = observations.c[name]
        kind = column.type.compile(dialect=connection.dialect)
        connection.exec_driver_sql(f'ALTER TABLE observations ADD COLUMN "{name}" {kind}')


def _reply_comments(connection: sa.Connection) -> None:
    """Version 7: `replies.comment`, what an attendee said with an answer (a decline's reason).

    The iTIP COMMENT of the REPLY, else the text of the mail that carried it; replies
    recorded before have none.
    """
    if "comment" not in {c["name"] for c in sa.inspect(connection).get_columns(replies.name)}:
        connection.exec_driver_sql("ALTER TABLE replies ADD COLUMN comment TEXT")


def _meeting_versions(connection: sa.Connection) -> None:
    """Version 8: `meetings.versions`, what each meeting was at its earlier SEQUENCEs.

    Meetings changed before it keep none: their updates say what they are now.
    """
    column = meetings.c.versions
    if column.name in {c["name"] for c in sa.inspect(connection).get_columns(meetings.name)}:
        return
    kind = column.type.compile(dialect=connection.dialect)
    connection.exec_driver_sql(f'ALTER TABLE meetings ADD COLUMN "{column.name}" {kind}')


def _observation_lines(connection: sa.Connection) -> None:
    """Version 9: `observations.line`, where each starts in its notes file (sources.csv).

    Observations stored before have none until their file is imported again; those of
    the forms and KoboToolbox never have one.
    """
    column = observations.c.line
    if column.name in {c["name"] for c in sa.inspect(connection).get_columns(observations.name)}:
        return
    kind = column.type.compile(dialect=connection.dialect)
    connection.exec_driver_sql(f'ALTER TABLE observations ADD COLUMN "{column.name}" {kind}')


def _notes_files(connection: sa.Connection) -> None:
    """Version 10: `notes_files`, the digest of each notes file imported whole.

    Files imported before have none: their next import stores them as before and records it.
    """
    notes_files.create(connection, checkfirst=True)


def _polls(connection: sa.Connection) -> None:
    """Version 11: date polls: `polls`, their `poll_options` and the invitees' `poll_votes`."""
    for table in (polls, poll_options, poll_votes):
        table.create(connection, checkfirst=True)


def _personal_data(connection: sa.Connection) -> None:
    """Version 12: personal data (docs/data-protection.md): `observations.source`, the person
    an observation is attributed to; `consents`; and `audit_rewrites`, the one controlled way
    to pseudonymise a person's fields in past audit entries (the triggers allow an update of
    the log only while it has a row, inside that rewrite's transaction).
    """
    column = observations.c.source
    if column.name not in {
        c["name"] for c in sa.inspect(connection).get_columns(observations.name)
    }:
        kind = column.type.compile(dialect=connection.dialect)
        connection.exec_driver_sql(f'ALTER TABLE observations ADD COLUMN "{column.name}" {kind}')
        connection.exec_driver_sql(
            "CREATE INDEX IF NOT EXISTS ix_observations_source ON observations (source)"
        )
    consents.create(connection, checkfirst=True)
    audit_rewrites.create(connection, checkfirst=True)
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(POSTGRESQL_APPEND_ONLY)
        return
    connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_append_only_update")
    connection.exec_driver_sql(SQLITE_APPEND_ONLY["update"])


def _record_checks(connection: sa.Connection) -> None:
    """Version 13: the check of the record (`record_checks`, `record_answers`), and the index
    that counts a meeting's observations by where they come from and who may see them."""
    record_checks.create(connection, checkfirst=True)
    record_answers.create(connection, checkfirst=True)
    OBSERVATIONS_BY_MEETING.create(connection, checkfirst=True)


MIGRATIONS: list[Migration] = [
    _create_all,
    _ledger_for_packs,
    _claimants,
    _inbound,
    _one_form_source,
    _observation_translations,
    _reply_comments,
    _meeting_versions,
    _observation_lines,
    _notes_files,
    _polls,
    _personal_data,
    _record_checks,
]
LATEST = len(MIGRATIONS)


def migrate(engine: sa.Engine) -> list[int]:
    """Return the versions applied to bring the database to `LATEST`; none if it was there."""
    with writing(engine) as connection:
        found = current_version(connection)
        if found > LATEST:
            where = engine.url.render_as_string(hide_password=True)
            raise StoreError(
                f"the state database {where} has schema version {found}, but this consult "
                f"knows versions up to {LATEST} only: upgrade consult to use it"
            )
        if found == 0:
            _create_all(connection)
            connection.execute(sa.insert(schema_version).values(id=1, version=LATEST))
            return list(range(1, LATEST + 1))
        applied = list(range(found + 1, LATEST + 1))
        for version in applied:
            MIGRATIONS[version - 1](connection)
        if applied:
            connection.execute(sa.update(schema_version).values(version=LATEST))
        return applied


def current_version(connection: sa.Connection) -> int:
    """Return the schema version of the database; 0 if it has no schema yet."""
    if not sa.inspect(connection).has_table(schema_version.name):
        return 0
    return connection.execute(sa.select(schema_version.c.version)).scalar_one_or_none() or 0

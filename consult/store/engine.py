"""Builds the engine of a state database, and the transactions the store runs in.

Write transactions take the database's write lock before they read anything,
so writers queue up instead of deadlocking on a lock upgrade or losing a
write, and a look-then-write (is this message claimed? then claim it) is safe:
- SQLite: WAL, a 30 s busy timeout, foreign keys, and `BEGIN IMMEDIATE`;
- PostgreSQL: a transaction-level advisory lock, `pg_advisory_xact_lock`.
Read transactions take no lock (SQLite: a deferred `BEGIN`; WAL lets them
read while someone writes).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from consult.errors import StorageError, StoreError

BUSY_TIMEOUT_MS = 30_000
PG_WRITE_LOCK = 0x636F6E73756C74  # "consult"
_READ_ONLY = "consult_read_only"
_PG_LOCK = sa.select(sa.func.pg_advisory_xact_lock(PG_WRITE_LOCK))


_SQLITE_FAULTS = (
    (
        "database or disk is full",
        "write",
        "the disk is full",
        "free space on the disk that holds {}",
    ),
    ("readonly database", "write", "it is read-only", "make {path} and {} writable"),
    ("unable to open database file", "open", "", "make {} writable"),
    (
        "database is locked",
        "write",
        f"another process kept it locked over {BUSY_TIMEOUT_MS // 1000} s",
        "let that process finish, or stop it, and try again",
    ),
)
"""SQLite's messages for a database that cannot be written or opened, and what to do."""
_PG_FAULTS = {
    "53100": ("the server's disk is full", "free space on the database server"),
    "25006": ("the server takes no writes", "connect to the primary server, not a standby"),
}
"""PostgreSQL's SQLSTATE codes for a database that cannot be written, and what to do."""


def create_store_engine(url: str | sa.URL) -> sa.Engine:
    """Return an engine for the database at `url`, without connecting to it.

    A database that cannot be written (a full disk, a read-only file, a lock held too
    long) raises StorageError from any statement, one that cannot be opened StoreError:
    each names the database and what to do.
    """
    url = sa.make_url(url)
    if url.get_backend_name() != "sqlite":
        engine = sa.create_engine(url)
        sa.event.listen(engine, "handle_error", _postgresql_faults)
        return engine
    database = url.database or ""
    if database not in ("", ":memory:") and not database.startswith("file:"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError.writing(Path(database).parent, error) from error
    engine = sa.create_engine(url)
    sa.event.listen(engine, "connect", _configure_sqlite, insert=True)
    sa.event.listen(engine, "begin", _begin_sqlite)
    sa.event.listen(engine, "handle_error", _sqlite_faults)
    return engine


def _sqlite_faults(context: sa.engine.ExceptionContext) -> None:
    error = context.original_exception
    if not isinstance(error, sqlite3.OperationalError) or context.engine is None:
        return
    for text, verb, reason, remedy in _SQLITE_FAULTS:
        if text in str(error):
            path = _sqlite_path(context.engine.url)
            folder = str(Path(path).parent)
            advice = remedy.format(folder, path=path)
            # One that cannot be opened is unreachable (StoreError), as when `open_store` meets it.
            kind = StoreError if verb == "open" else StorageError
            told = f"{reason} ({error})" if reason else str(error)
            raise kind(f"cannot {verb} the state database {path}: {told}; {advice}") from error


def _postgresql_faults(context: sa.engine.ExceptionContext) -> None:
    error = context.original_exception
    fault = _PG_FAULTS.get(str(getattr(error, "sqlstate", "")))
    if fault is None or context.engine is None:
        return
    where = context.engine.url.render_as_string(hide_password=True)
    reason, advice = fault
    raise StorageError(f"cannot write the state database {where}: {reason}; {advice}") from error


def _sqlite_path(url: sa.URL) -> str:
    """Return the file of a SQLite URL, as a person would type it (no file: URI, no query)."""
    database = url.database or ":memory:"
    return database.removeprefix("file:").partition("?")[0]


def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    # Leave BEGIN to us (see _begin_sqlite): pysqlite's own would be deferred.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys = ON")
        # In WAL mode NORMAL survives any process crash (kill -9 included); only an OS
        # crash or power cut may lose the last commits, for a write per commit saved.
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    # Switching a fresh file to WAL needs a moment alone with it, and SQLite may
    # answer "database is locked" at once instead of waiting: try again a while.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _begin_sqlite(connection: sa.Connection) -> None:
    if connection.get_execution_options().get(_READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """Yield a connection in a write transaction holding the write lock, committed on success."""
    with engine.connect() as connection, writing_on(connection):
        yield connection


@contextmanager
def writing_on(connection: sa.Connection) -> Iterator[sa.Connection]:
    """Yield `connection` in a write transaction holding the write lock, committed on success.

    For a sender that keeps one connection across many short transactions.
    """
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(_PG_LOCK)
        yield connection


@contextmanager
def reading(engine: sa.Engine) -> Iterator[sa.Connection]:
    """Yield a connection in a transaction that only reads, and so takes no write lock."""
    with engine.connect() as connection:
        connection.execution_options(**{_READ_ONLY: True})
        with connection.begin():
            yield connection

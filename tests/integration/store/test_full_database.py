"""A state database that cannot be written: one sentence naming it and what to do, no half write.

SQLite's `max_page_count` makes a real "database or disk is full" without root or a
small file system of our own; `mode=ro` a real "attempt to write a readonly database"
(tests may run as root, whom chmod does not stop).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from consult.errors import StorageError, StoreError
from consult.store import open_store


@contextmanager
def no_more_pages() -> Iterator[None]:
    """Every SQLite connection opened meanwhile may not grow its database by a page."""

    def cap(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        [(pages,)] = cursor.execute("PRAGMA page_count").fetchall()
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    sa.event.listen(sa.Engine, "connect", cap)
    try:
        yield
    finally:
        sa.event.remove(sa.Engine, "connect", cap)


def test_a_full_database_names_its_file_and_the_disk_to_free_and_keeps_what_was_written(
    tmp_path: Path,
) -> None:
    database = tmp_path / "state.db"
    open_store(f"sqlite:///{database}").close()
    big = {"note": "x" * 3000}

    with no_more_pages(), open_store(f"sqlite:///{database}") as store:
        written = 0
        with pytest.raises(StorageError) as raised:  # noqa: PT012
            for _ in range(1000):
                store.audit("test", "filled", "t", big)
                written += 1
        kept = len(store.audit_log("t"))

    assert str(raised.value) == (
        f"cannot write the state database {database}: the disk is full"
        f" (database or disk is full); free space on the disk that holds {tmp_path}"
    )
    assert kept == written  # the event that did not fit is not half there


def test_a_read_only_database_says_to_make_it_writable(tmp_path: Path) -> None:
    database = tmp_path / "state.db"
    open_store(f"sqlite:///{database}").close()

    read_only = f"sqlite:///file:{database}?mode=ro&uri=true"
    with pytest.raises(StorageError) as raised, open_store(read_only) as store:
        store.audit("test", "written", "t")

    assert str(raised.value) == (
        f"cannot write the state database {database}: it is read-only"
        f" (attempt to write a readonly database); make {database} and {tmp_path} writable"
    )


def test_a_database_in_a_folder_that_cannot_be_made_says_which(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("")
    database = tmp_path / "not-a-folder" / "state.db"

    with pytest.raises(StorageError) as raised:
        open_store(f"sqlite:///{database}")

    assert str(raised.value).startswith(f"cannot write {database.parent}: ")


def test_a_database_that_cannot_be_opened_says_to_make_its_folder_writable(
    tmp_path: Path,
) -> None:
    database = tmp_path / "state.db"
    database.mkdir()  # a folder where the file should be: SQLite cannot open it

    with pytest.raises(StoreError) as raised:
        open_store(f"sqlite:///{database}")

    assert str(raised.value) == (
        f"cannot open the state database {database}: unable to open database file;"
        f" make {tmp_path} writable"
    )

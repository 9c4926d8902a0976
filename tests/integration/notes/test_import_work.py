"""Importing notes does work in proportion to the files, not the observations (issue 29).

SQL statements are counted (SQLAlchemy's `before_cursor_execute`), never seconds: a
file's observations are stored in one transaction, with a bounded number of statements
whatever their number, and a file imported again unchanged is a hash comparison: no
INSERT, no UPDATE, a few SELECTs. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from consult.application.notes import import_notes
from consult.application.references import training_ref
from consult.bootstrap import assemble
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import Store, open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT

SLUG = "winter-2027"
MEETING = f"{SLUG}/round-1/mia"
HEADER = "meeting,round,organisation,date,kind,theme,severity,text,confidentiality\n"
FILES = 3
STATEMENTS_PER_FILE = 20
"""Statements one file's import may take, whatever its number of observations."""


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, root: Path) -> str:
    """The store of the tiny workspace, its round planned: SQLite, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return Settings(workspace=root).store_url
    url: str = request.getfixturevalue("postgres_database_url")
    with open_store(url) as store:
        save_plan(store, plan_round(load_workspace(root), SLUG, "round-1", {}, [], PLANNED_AT), "t")
        store.decide_round(SLUG, "round-1", approve=True, actor="t")
    return url


@contextmanager
def counted(store: Store) -> Iterator[Counter[str]]:
    """Count the statements the store runs, by their first word (BEGIN, SELECT, INSERT...)."""
    counts: Counter[str] = Counter()

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        counts[statement.split(None, 1)[0].upper()] += 1
        # a write transaction: SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock
        if "BEGIN IMMEDIATE" in statement or "pg_advisory_xact_lock" in statement:
            counts["WRITE"] += 1

    engine = store._engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield counts
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def write_notes(root: Path, day: dt.date, per_file: int, word: str = "said") -> None:
    (root / "notes").mkdir(exist_ok=True)
    for number in range(FILES):
        rows = "".join(
            f"mia,round-1,mia,{day},gap,bias,3,Observation {number}-{n} {word}.,public\n"
            for n in range(per_file)
        )
        (root / "notes" / f"part-{number}.csv").write_text(HEADER + rows, encoding="utf-8")


def run_import(root: Path, store: Store) -> tuple[str, Counter[str]]:
    workspace = load_workspace(root)
    meeting = store.get_meeting(MEETING)
    assert meeting is not None
    after = meeting.end + dt.timedelta(hours=1)
    settings = Settings(workspace=root, database_url=store._engine.url.render_as_string(False))
    built = assemble(settings, workspace, store, lambda: after)
    with counted(store) as counts:
        report = import_notes(built, training_ref(workspace, SLUG), "test")
    return report.summary(), counts


def meeting_day(store: Store) -> dt.date:
    meeting = store.get_meeting(MEETING)
    assert meeting is not None
    return meeting.start.astimezone(ZoneInfo("Asia/Tbilisi")).date()


@pytest.mark.parametrize("per_file", [10, 100])
def test_a_files_observations_are_stored_in_one_transaction_of_bounded_statements(
    root: Path, store_url: str, per_file: int
) -> None:
    with open_store(store_url) as store:
        write_notes(root, meeting_day(store), per_file)
        summary, counts = run_import(root, store)
        assert summary == f"{FILES * per_file} added, 0 updated, 0 unchanged, 0 rejected"
        assert len(store.observations(SLUG)) == FILES * per_file
        assert counts["WRITE"] == FILES, counts
        assert sum(counts.values()) <= STATEMENTS_PER_FILE * FILES, counts
        # an edit of every observation: updated in bounded statements too
        write_notes(root, meeting_day(store), per_file, word="edited")
        summary, counts = run_import(root, store)
        assert summary == f"0 added, {FILES * per_file} updated, 0 unchanged, 0 rejected"
        assert counts["WRITE"] == FILES, counts
        assert sum(counts.values()) <= STATEMENTS_PER_FILE * FILES, counts
        log = [e for e in store.audit_log(MEETING) if e.action.startswith("observation.")]
        assert Counter(e.action for e in log) == {
            "observation.added": FILES * per_file,
            "observation.updated": FILES * per_file,
        }
        # the entries Store.upsert_observation writes: what changed, never the text
        said = {"kind": "gap", "theme": "bias", "severity": 3, "confidentiality": "public"}
        key = "notes/part-0.csv#round-1/mia#1"
        assert [(e.actor, e.detail) for e in log if e.detail["key"] == key] == [
            ("test", {"key": key, **said}),
            ("test", {"key": key, **said, "changed": ["text"]}),
        ]


def test_importing_unchanged_files_again_writes_nothing_and_reads_little(
    root: Path, store_url: str
) -> None:
    with open_store(store_url) as store:
        write_notes(root, meeting_day(store), 50)
        run_import(root, store)
        audit_rows = len(store.audit_log())
        summary, counts = run_import(root, store)
        assert summary == f"0 added, 0 updated, {FILES * 50} unchanged, 0 rejected"
        assert counts["INSERT"] == counts["UPDATE"] == counts["DELETE"] == counts["WRITE"] == 0
        assert counts["SELECT"] <= 4 * FILES + 4, counts
        assert len(store.audit_log()) == audit_rows


def test_two_imports_at_once_lose_no_write(root: Path, store_url: str) -> None:
    with open_store(store_url) as store:
        write_notes(root, meeting_day(store), 40)
    other = root.parent / "other"
    shutil.copytree(root, other)
    for number in range(FILES):  # the other workspace's files: other names, other words
        part = other / "notes" / f"part-{number}.csv"
        part.rename(part.with_name(f"other-{number}.csv"))
    with ThreadPoolExecutor(2) as pool:
        summaries = list(pool.map(lambda at: _import_into(at, store_url), [root, other]))
    assert summaries == [f"{FILES * 40} added, 0 updated, 0 unchanged, 0 rejected"] * 2
    with open_store(store_url) as store:
        assert len(store.observations(SLUG)) == 2 * FILES * 40
        added = [e for e in store.audit_log(MEETING) if e.action == "observation.added"]
        assert len(added) == 2 * FILES * 40


def _import_into(root: Path, url: str) -> str:
    with open_store(url) as store:
        return run_import(root, store)[0]


def test_a_rejected_observation_is_reported_again_and_the_rest_of_its_file_stays_stored(
    root: Path, store_url: str
) -> None:
    with open_store(store_url) as store:
        write_notes(root, meeting_day(store), 5)
        bad = root / "notes" / "part-0.csv"
        bad.write_text(
            bad.read_text(encoding="utf-8")
            + f"mia,round-1,mia,{meeting_day(store)},gap,nowhere,3,An unknown theme.,public\n",
            encoding="utf-8",
        )
        first, _ = run_import(root, store)
        assert first == f"{FILES * 5} added, 0 updated, 0 unchanged, 1 rejected"
        again, counts = run_import(root, store)
        assert again == f"0 added, 0 updated, {FILES * 5} unchanged, 1 rejected"
        assert counts["INSERT"] == counts["UPDATE"] == 0, counts

"""Personal data on the finished demo (issue 31): forget, personal-data, retention, consent.

The demo runs once per database (SQLite, and PostgreSQL on loopback: tests/pg.py);
each test works on a copy of its workspace (and, on PostgreSQL, a copy of its database).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import pytest
import sqlalchemy as sa

from consult.application.access import personal_data, write_personal_data
from consult.application.brief import compile_briefing
from consult.application.consent import record_consent, without_consent
from consult.application.notes import import_notes
from consult.application.privacy import forget
from consult.application.references import training_ref
from consult.application.retention import apply_retention
from consult.application.services import Services
from consult.bootstrap import assemble
from consult.cli import demo
from consult.errors import PersonUnknown, WorkspaceError
from consult.settings import Settings
from consult.store import Store, open_store
from consult.store.personal import pseudonym
from consult.workspace.loading import load_workspace
from tests import pg

SLUG = "intercultural-communication-2027"
LOMIDZE = ("e.lomidze@example.gov.ge", "ეკა ლომიძე")
MELNIKOV = "a.melnikov@example.gov.ge"
pytestmark = pytest.mark.xdist_group("privacy-demo")
"""The tests share each demo, run once per module: on one worker."""

QUOTE = "Люди боятся подписывать то, чего не понимают."


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace after `consult demo`, its state in SQLite."""
    target = tmp_path_factory.mktemp("privacy") / "demo"
    with redirect_stdout(StringIO()):
        demo(target)
    return target


@pytest.fixture(scope="module")
def postgres_demo(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> tuple[Path, str]:
    """The demo workspace after `consult demo`, its state in a PostgreSQL database."""
    url = pg.create_database(postgres_url)
    target = tmp_path_factory.mktemp("privacy-pg") / "demo"
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(StringIO()):
        patch.setenv("CONSULT_DATABASE_URL", url)
        demo(target)
    return target, url


def after_the_meetings(settings: Settings) -> dt.datetime:
    """Return the day after the demo's last meeting: when its notes may be imported."""
    with open_store(settings.store_url) as store:
        return max(m.end for m in store.meetings(SLUG)) + dt.timedelta(days=1)


def _copy(workspace: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(workspace, target)
    return target


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings of a copy of the finished demo, on SQLite or on a copy of the PostgreSQL one."""
    if request.param == "sqlite":
        return Settings(workspace=_copy(request.getfixturevalue("sqlite_demo"), tmp_path))
    workspace, url = request.getfixturevalue("postgres_demo")
    copy = pg.create_database(request.getfixturevalue("postgres_url"))
    _copy_database(url, copy)
    return Settings(workspace=_copy(workspace, tmp_path), database_url=copy)


def _copy_database(source: str, target: str) -> None:
    """Copy every row of the demo's PostgreSQL database into a new one, audit log included."""
    open_store(target).close()
    reading, writing = sa.create_engine(source), sa.create_engine(target)
    tables = sa.MetaData()
    tables.reflect(reading)
    with reading.connect() as old, writing.begin() as new:
        new.exec_driver_sql("ALTER TABLE audit DISABLE TRIGGER audit_append_only")
        for table in tables.sorted_tables:
            if table.name == "schema_version":
                continue
            rows = [dict(row._mapping) for row in old.execute(sa.select(table))]
            if rows:
                new.execute(sa.insert(table), rows)
            if rows and "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                new.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"
                )
        new.exec_driver_sql("ALTER TABLE audit ENABLE TRIGGER audit_append_only")
    reading.dispose()
    writing.dispose()


_opened: list[Store] = []


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    """Close the stores a test opened with `built`."""
    yield
    while _opened:
        _opened.pop().close()


def built(settings: Settings, now: dt.datetime | None = None) -> Services:
    """Return services on the settings as of `now` (default: the real clock), the workspace
    read afresh; the store is closed when the test ends."""
    store = open_store(settings.store_url, "tester")
    _opened.append(store)
    clock = (lambda: now) if now else (lambda: dt.datetime.now(dt.UTC))
    return assemble(settings, load_workspace(settings.workspace), store, clock)


def _dump(settings: Settings) -> str:
    """Return the whole state database as text: SQLite's `.dump`, every row of PostgreSQL's."""
    url = settings.store_url
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return "\n".join(connection.iterdump())
    engine = sa.create_engine(url)
    tables = sa.MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        text = "\n".join(
            repr(tuple(row)) + json.dumps([str(v) for v in row])
            for table in tables.sorted_tables
            for row in connection.execute(sa.select(table))
        )
    engine.dispose()
    return text


def _readable(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".eml":
        message = email.message_from_bytes(data, policy=email.policy.default)
        parts = [str(v) for v in message.values()]
        parts += [
            str(p.get_content()) for p in message.walk() if p.get_content_maintype() == "text"
        ]
        return "\n".join(parts)
    return data.decode("utf-8", "replace")


def places_naming(settings: Settings, *needles: str) -> list[str]:
    """Return every file of the workspace (the database as its dump) that names a needle:
    as written, or as JSON escapes it."""
    variants = {v.casefold() for n in needles for v in (n, json.dumps(n)[1:-1])}
    found = []
    for path in sorted(settings.workspace.rglob("*")):
        if not path.is_file() or path.name.startswith("state.db"):
            continue
        text = _readable(path).casefold()
        if any(v in text for v in variants):
            found.append(path.relative_to(settings.workspace).as_posix())
    dump = _dump(settings).casefold()
    found += [
        f"database: {line[:200]}" for line in dump.splitlines() if any(v in line for v in variants)
    ]
    return found


def test_forget_leaves_the_address_and_the_name_nowhere_but_one_pseudonymous_audit_line(
    demo_settings: Settings,
) -> None:
    address, name = LOMIDZE
    assert places_naming(demo_settings, address, name)  # the demo names her, everywhere

    done = forget(built(demo_settings), address, by="tester")

    assert places_naming(demo_settings, address, name) == []
    with open_store(demo_settings.store_url) as store:
        forgotten = [e for e in store.audit_log() if e.action == "person.forgotten"]
        assert [e.subject for e in forgotten] == [f"person/{pseudonym(address)}"]
    assert done.packs == [
        f"{SLUG} pack v1: named them, its files were deleted; compile a new version "
        "(`consult brief`), which no longer names them"
    ]
    assert load_workspace(demo_settings.workspace).trainings  # the workspace still loads

    again = forget(built(demo_settings), address, by="tester")
    assert not again.anything
    assert again.lines == [f"nothing found: forgotten on {dt.date.today():%Y-%m-%d}"]
    with open_store(demo_settings.store_url) as store:
        assert sum(e.action == "person.forgotten" for e in store.audit_log()) == 1


def test_the_next_pack_after_forget_no_longer_names_them(sqlite_demo: Path, tmp_path: Path) -> None:
    settings = Settings(workspace=_copy(sqlite_demo, tmp_path))
    forget(built(settings), LOMIDZE[0], by="tester")
    services = built(settings)
    compiled, _ = compile_briefing(services, training_ref(services.workspace, SLUG), send=False)

    assert compiled.version == 2
    assert places_naming(settings, *LOMIDZE) == []


def test_forgetting_an_address_nothing_names_is_one_clear_error(
    sqlite_demo: Path, tmp_path: Path
) -> None:
    settings = Settings(workspace=_copy(sqlite_demo, tmp_path))
    with pytest.raises(PersonUnknown, match=r"^nobody@example.org: no contact of stakeholders"):
        forget(built(settings), "nobody@example.org", by="tester")


def test_personal_data_lists_every_message_of_the_ledger_in_their_language(
    sqlite_demo: Path, tmp_path: Path
) -> None:
    settings = Settings(workspace=_copy(sqlite_demo, tmp_path))
    services = built(settings)
    address = LOMIDZE[0]
    held = personal_data(services, address)
    written = write_personal_data(services, held, tmp_path / "lomidze.json")

    ledger = [m for m in services.store.messages() if m.recipient == address]
    assert ledger
    assert len(held["messages"]) == len(ledger)
    assert held["registry"]["name"] == LOMIDZE[1]
    assert [a["meeting_id"] for a in held["attendance"]] == [
        f"{SLUG}/round-1/mia-human-rights-department"
    ]
    on_disk = json.loads(written[0].read_text(encoding="utf-8"))
    assert len(on_disk["messages"]) == len(ledger)
    page = written[1].read_text(encoding="utf-8")
    assert '<html lang="ka">' in page
    assert f"თქვენთვის გაგზავნილი წერილები ({len(ledger)})" in page


RETENTION = """
retention:
  messages: 30 days
  attendance: 1 month
  observations:
    restricted: 2 weeks
    internal: forever
  packs: 30 days
  audit: 30 days
"""


def _retention_workspace(sqlite_demo: Path, tmp_path: Path) -> Settings:
    settings = Settings(workspace=_copy(sqlite_demo, tmp_path))
    registry = settings.workspace / "stakeholders.yaml"
    registry.write_text(registry.read_text(encoding="utf-8") + RETENTION, encoding="utf-8")
    return settings


def test_retention_apply_past_the_periods_leaves_none_of_the_expired_data_and_keeps_the_rest(
    sqlite_demo: Path, tmp_path: Path
) -> None:
    settings = _retention_workspace(sqlite_demo, tmp_path)
    end = load_workspace(settings.workspace).training(SLUG).end
    within = dt.datetime.combine(end + dt.timedelta(days=10), dt.time(12), dt.UTC)
    past = dt.datetime.combine(end + dt.timedelta(days=40), dt.time(12), dt.UTC)
    with open_store(settings.store_url) as store:
        internal = [o.key for o in store.observations(SLUG) if o.confidentiality == "internal"]
        restricted = [o for o in store.observations(SLUG) if o.confidentiality == "restricted"]
    assert internal
    packs = settings.out_dir / "briefing" / SLUG
    shutil.copytree(packs / "v1", packs / "v2")  # a second version, as a later compile leaves
    assert apply_retention(built(settings, within), apply=True, by="tester") == []
    outbox = sorted(settings.outbox.glob("*.eml"))

    listed = apply_retention(built(settings, past), apply=False, by="tester")
    assert len(sorted(settings.outbox.glob("*.eml"))) == len(outbox)  # listing deletes nothing
    done = apply_retention(built(settings, past), apply=True, by="tester")

    assert done == [line.replace(" due", " deleted") for line in listed]
    assert any(line.startswith(f"{SLUG}: messages, kept 30 days") for line in done)
    with open_store(settings.store_url) as store:
        assert [m for m in store.messages() if m.meeting_id.startswith(SLUG)] == []
        assert store.attendees_of([m.id for m in store.meetings(SLUG)]) == {
            m.id: [] for m in store.meetings(SLUG)
        }
        kept = store.observations(SLUG)
        assert sorted(o.key for o in kept if o.confidentiality == "internal") == sorted(internal)
        assert [o for o in kept if o.confidentiality == "restricted"] == []
        log = store.audit_log()
        applied = [e for e in log if e.action == "retention.applied"]
        assert len(applied) == 1
        assert "@" not in json.dumps(applied[0].detail)
        assert not [e for e in log if e.subject.startswith(SLUG) and "@" in json.dumps(e.detail)]
        assert len(store.meetings(SLUG)) > 0  # the meetings themselves are kept
    assert list(settings.outbox.glob("*.eml")) == []
    assert sorted(p.name for p in packs.iterdir()) == ["v2"]
    assert f"{SLUG}: packs, kept 30 days after the training (since " in "\n".join(done)
    assert restricted

    assert apply_retention(built(settings, past), apply=True, by="tester") == []
    with open_store(settings.store_url) as store:
        assert sum(e.action == "retention.applied" for e in store.audit_log()) == 1


def test_a_malformed_retention_period_is_one_clear_error(tmp_path: Path, sqlite_demo: Path) -> None:
    settings = _retention_workspace(sqlite_demo, tmp_path)
    registry = settings.workspace / "stakeholders.yaml"
    text = registry.read_text(encoding="utf-8").replace(
        "messages: 30 days", "messages: 3 fortnights"
    )
    registry.write_text(text, encoding="utf-8")
    line = text.splitlines().index("  messages: 3 fortnights") + 1

    with pytest.raises(WorkspaceError) as raised:
        load_workspace(settings.workspace)

    assert [str(problem) for problem in raised.value.problems] == [
        f"stakeholders.yaml, line {line}, retention.messages: got '3 fortnights', expected a "
        "period such as '90 days', '6 weeks', '6 months', '2 years' or 'forever'"
    ]


def test_a_withdrawn_consent_leaves_no_quote_of_theirs_in_the_next_pack(
    sqlite_demo: Path, tmp_path: Path
) -> None:
    settings = Settings(workspace=_copy(sqlite_demo, tmp_path))
    notes = settings.workspace / "notes" / "atip-state-fund.md"
    text = notes.read_text(encoding="utf-8")
    notes.write_text(
        text.replace(
            "[speaker: social worker, shelter]",
            f"[speaker: social worker, shelter] [source: {MELNIKOV}]",
        ),
        encoding="utf-8",
    )
    services = built(settings, after_the_meetings(settings))
    training = training_ref(services.workspace, SLUG)
    import_notes(services, training, "tester")
    assert [o.source for o in services.store.observations(SLUG) if o.quote == QUOTE] == [MELNIKOV]
    before, _ = compile_briefing(services, training, send=False)
    assert QUOTE in before.markdown

    lines = record_consent(
        services, MELNIKOV, "withdrawn", how="email", note="by email", by="tester"
    )
    after, _ = compile_briefing(services, training, send=False)

    assert lines[1] == "1 observation(s) now restricted"
    assert after.version == before.version + 1
    assert QUOTE not in after.markdown
    assert all(QUOTE not in p.read_text(encoding="utf-8") for p in after.folder.glob("*.md"))


def test_a_training_that_requires_consent_lists_who_has_not_given_it_and_restricts_their_notes(
    sqlite_demo: Path, tmp_path: Path
) -> None:
    settings = Settings(workspace=_copy(sqlite_demo, tmp_path))
    path = settings.workspace / "trainings" / f"{SLUG}.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nconsent_required: true\n", encoding="utf-8"
    )
    services = built(settings, after_the_meetings(settings))
    missing = {m.email for m in without_consent(services, SLUG)}
    assert MELNIKOV in missing
    assert LOMIDZE[0] in missing

    record_consent(services, MELNIKOV, "given", how="page", by="tester")
    import_notes(services, training_ref(services.workspace, SLUG), "tester")

    assert MELNIKOV not in {m.email for m in without_consent(services, SLUG)}
    shown = [o for o in services.store.observations(SLUG) if o.confidentiality != "restricted"]
    assert shown == []  # every meeting has an invitee without consent


def test_consent_for_an_unknown_contact_or_status_is_one_clear_error(
    sqlite_demo: Path, tmp_path: Path
) -> None:
    services = built(Settings(workspace=_copy(sqlite_demo, tmp_path)))
    with pytest.raises(PersonUnknown, match=r"nobody@example\.org: no contact"):
        record_consent(services, "nobody@example.org", "given", by="tester")
    with pytest.raises(
        ValueError, match=r"consent: got 'maybe', expected one of given, refused, withdrawn"
    ):
        record_consent(services, MELNIKOV, "maybe", by="tester")

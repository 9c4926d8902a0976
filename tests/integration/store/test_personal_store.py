"""The store's personal data (consult.store.personal): erased, expired, and the audit log's one
controlled rewrite, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from consult.store import Store, open_store
from consult.store.engine import create_store_engine
from consult.store.migrations import migrate
from consult.store.personal import rewriting_audit
from consult.store.tables import audit, observations
from schemas.state import Attendee
from tests.integration.store.test_store import observe, plan

NINO = "Nino.Beridze@example.org"


def attribute(url: str, email: str) -> None:
    """Attribute every observation to `email`, as notes with `source:` do."""
    engine = create_store_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.update(observations).values(source=email))
    finally:
        engine.dispose()


@pytest.fixture
def store(empty_store_url: str) -> Iterator[Store]:
    """A store with a meeting, Nino invited, two observations of hers (one restricted) and an
    audit entry naming her."""
    with open_store(empty_store_url) as opened:
        meeting = plan(opened)
        opened.set_attendees(
            meeting.id,
            [
                Attendee(
                    meeting_id=meeting.id,
                    email=NINO.lower(),
                    name="ნინო ბერიძე",
                    role="REQ-PARTICIPANT",
                    organisation="mia",
                    language="ka",
                    timezone="Asia/Tbilisi",
                )
            ],
        )
        opened.claim_message(meeting.id, NINO.lower(), 0, "invitation")
        observe(opened)
        observe(opened, "notes/mia.md#2", confidentiality="restricted")
        attribute(empty_store_url, NINO.lower())
        opened.audit(
            "coordinator",
            "registry.contact.added",
            f"stakeholders/mia/{NINO}",
            {"values": {"name": "ნინო ბერიძე"}},
        )
        yield opened


def test_erasing_a_person_deletes_their_rows_unattributes_their_observations_and_rewrites_the_log(
    store: Store,
) -> None:
    erased = store.forget(NINO, ["ნინო ბერიძე"], delete_observations=False, detail={})

    assert erased.rows == {
        "messages": 1,
        "replies": 0,
        "inbound": 0,
        "attendees": 1,
        "observations": 1,
        "consents": 0,
        "poll_votes": 0,
        "record_answers": 0,
    }
    assert erased.unattributed == 1
    [kept] = store.observations()
    assert (kept.source, kept.confidentiality) == (None, "internal")
    held, named = store.personal_data(NINO, ["ნინო ბერიძე"])
    assert not any(held.values())
    assert named == []
    added = next(e for e in store.audit_log() if e.action == "registry.contact.added")
    assert (added.subject, added.detail) == (
        "stakeholders/mia/[erased]",
        {"values": {"name": "[erased]"}},
    )
    assert [e.action for e in store.audit_log()][-1] == "person.forgotten"


def test_the_audit_log_stays_append_only_outside_the_rewrite_and_is_never_deleted(
    store: Store, empty_store_url: str
) -> None:
    engine = create_store_engine(empty_store_url)
    try:
        with pytest.raises(sa.exc.IntegrityError, match="append-only"), engine.begin() as c:
            c.execute(sa.update(audit).values(actor="someone else"))
        with (
            pytest.raises(sa.exc.IntegrityError, match="append-only"),
            engine.begin() as c,
            rewriting_audit(c, "test"),
        ):
            c.execute(sa.delete(audit))
        with engine.begin() as c, rewriting_audit(c, "test"):
            c.execute(sa.update(audit).values(actor="rewritten"))
        with pytest.raises(sa.exc.IntegrityError, match="append-only"), engine.begin() as c:
            c.execute(sa.update(audit).values(actor="again"))
    finally:
        engine.dispose()
    assert {e.actor for e in store.audit_log()} == {"rewritten"}


def test_expiring_a_training_counts_then_deletes_and_finds_nothing_the_second_time(
    store: Store,
) -> None:
    due = ("messages", "attendance", "observations.restricted", "audit")
    assert store.expire("winter-2027", due, apply=False) == {
        "messages": 1,
        "attendance": 1,
        "observations.restricted": 1,
        "audit": 0,
    }
    assert store.expire("winter-2027", due, apply=True)["messages"] == 1
    assert store.expire("winter-2027", due, apply=True) == dict.fromkeys(due, 0)
    assert [o.confidentiality for o in store.observations()] == ["internal"]
    assert sum(e.action == "retention.applied" for e in store.audit_log()) == 1


def test_a_version_10_database_gains_consents_sources_and_the_controlled_rewrite(
    empty_store_url: str,
) -> None:
    with open_store(empty_store_url) as opened:
        plan(opened)
        kept, _ = observe(opened)
        opened.audit("coordinator", "schedule.approved", "winter-2027")
    engine = create_store_engine(empty_store_url)
    try:
        with engine.begin() as connection:  # as version 11 (10, and the polls) had it
            connection.exec_driver_sql("DROP INDEX ix_observations_source")
            connection.exec_driver_sql("ALTER TABLE observations DROP COLUMN source")
            connection.exec_driver_sql("DROP TABLE consents")
            connection.exec_driver_sql("DROP TABLE audit_rewrites")
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("DROP TRIGGER audit_append_only_update")
                connection.exec_driver_sql(
                    "CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit "
                    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
                )
            connection.exec_driver_sql("UPDATE schema_version SET version = 11")
        assert migrate(engine) == [12, 13]
        with pytest.raises(sa.exc.IntegrityError, match="append-only"), engine.begin() as c:
            c.execute(sa.update(audit).values(actor="someone else"))
        with engine.begin() as c, rewriting_audit(c, "test"):
            c.execute(sa.update(audit).values(actor="rewritten"))
    finally:
        engine.dispose()
    with open_store(empty_store_url) as opened:
        [old] = opened.observations()
        assert (old.key, old.source) == (kept.key, None)
        assert {e.actor for e in opened.audit_log()} == {"rewritten"}

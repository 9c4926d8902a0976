"""The audit's joined view (`Store.history`): every action about a training, by whom and when.

Each test runs on SQLite and on PostgreSQL (see `empty_store_url`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from consult.store import MeetingPlan, Store, open_store
from consult.store import tables as store_tables
from consult.store.engine import create_store_engine
from consult.store.history import Entry, history_csv
from schemas.state import Meeting

START = dt.datetime(2027, 1, 12, 6, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=15)


@pytest.fixture
def store(empty_store_url: str) -> Iterator[Store]:
    """A fresh store acting for the coordinator Lela."""
    with open_store(empty_store_url, actor="lela") as opened:
        yield opened


def meeting(store: Store, id: str = "winter-2027/round-1/mia") -> Meeting:
    training, round_id, organisation = id.split("/")
    return store.upsert_meeting(
        MeetingPlan(
            id=id,
            training=training,
            round=round_id,
            organisation=organisation,
            format="online",
            start=START,
            end=START + dt.timedelta(hours=1),
        )
    )


def observe(store: Store, **changes: Any) -> None:
    fields: dict[str, Any] = {
        "meeting_id": "winter-2027/round-1/mia",
        "organisation": "mia",
        "kind": "gap",
        "theme": "interpreters",
        "severity": 3,
        "text": "The judge named in the hearing refused an interpreter.",
        "confidentiality": "restricted",
    }
    store.upsert_observation("notes/mia.md#1", **{**fields, **changes})


def actions(entries: list[Entry]) -> list[tuple[str, str, str]]:
    return [(entry.actor, entry.action, entry.subject) for entry in entries]


def test_every_audit_entry_about_the_training_appears_and_no_other(store: Store) -> None:
    store.audit("ana", "round.approved", "winter-2027/round-1", {"comment": "fine"})
    store.audit("run-due-steps", "step.run", "timeline/winter-2027/remind/2027-01-05")
    store.audit("bob", "counter.accepted", "winter-2027/round-1/mia")  # a kind added later
    store.audit("ana", "round.approved", "winter-2027-bis/round-1")  # another training
    store.audit("demo", "workspace.prepared", "/tmp/demo")

    assert actions(store.history("winter-2027")) == [
        ("ana", "round.approved", "winter-2027/round-1"),
        ("run-due-steps", "step.run", "timeline/winter-2027/remind/2027-01-05"),
        ("bob", "counter.accepted", "winter-2027/round-1/mia"),
    ]


def test_messages_appear_by_outcome_with_whom_their_sender_acted_for(store: Store) -> None:
    meeting(store)
    keys = [
        ("winter-2027/round-1/mia", f"{name}@mia.example.gov.ge", 0, "invitation")
        for name in ("nino", "gone", "later", "waiting")
    ]
    with store.ledger() as ledger:
        sent, rejected, failed, _ = ledger.claim(keys, LEASE)
        assert sent is not None
        assert rejected is not None
        assert failed is not None
        ledger.sent(sent.id, "<1@consult>")
        ledger.rejected(rejected.id, "550 5.1.1 no such user")
        ledger.failed(failed.id, "421 try later")

    entries = store.history("winter-2027", kinds=["message"])

    # A refusal is dated by its attempt (the claim), a message sent by its sending.
    assert sorted((e.actor, e.action, e.detail["recipient"]) for e in entries) == [
        ("lela", "message.failed", "later@mia.example.gov.ge"),
        ("lela", "message.rejected", "gone@mia.example.gov.ge"),
        ("lela", "message.sent", "nino@mia.example.gov.ge"),
    ]  # the pending one is not an action yet
    [rejected_entry] = [e for e in entries if e.action == "message.rejected"]
    assert rejected_entry.detail == {
        "kind": "invitation",
        "recipient": "gone@mia.example.gov.ge",
        "sequence": 0,
        "error": "550 5.1.1 no such user",
    }


def test_each_sender_is_named_by_whom_it_acted_for(empty_store_url: str) -> None:
    with open_store(empty_store_url, actor="lela") as lela, open_store(empty_store_url) as flow:
        meeting(lela)
        flow.actor = "send-invitations/brave-fox (worker)"
        for store, recipient in ((lela, "nino@x.ge"), (flow, "giorgi@x.ge")):
            claimed = store.claim_message("winter-2027/round-1/mia", recipient, 0, "invitation")
            assert claimed is not None
            store.mark_sent(claimed.id, f"<{recipient}>")

        assert [(e.actor, e.detail["recipient"]) for e in lela.history("winter-2027")] == [
            ("lela", "nino@x.ge"),
            ("send-invitations/brave-fox (worker)", "giorgi@x.ge"),
        ]


def test_a_ledger_status_added_later_appears_at_its_own_time(
    store: Store, empty_store_url: str
) -> None:
    # A bounce arrives after the message was sent; a later version may give it a status of
    # its own and a `bounced_at`: the view shows the status whatever it is.
    meeting(store)
    claimed = store.claim_message("winter-2027/round-1/mia", "nino@x.ge", 0, "invitation")
    assert claimed is not None
    store.mark_sent(claimed.id, "<1@consult>")
    engine = create_store_engine(empty_store_url)
    with engine.begin() as connection:
        connection.execute(
            sa.update(store_tables.messages)
            .where(store_tables.messages.c.id == claimed.id)
            .values(status="bounced", error="550 mailbox full")
        )
    engine.dispose()

    entries = store.history("winter-2027")

    assert [e.action for e in entries] == ["message.sent", "message.bounced"]
    assert entries[1].detail["error"] == "550 mailbox full"
    assert entries[1].at >= entries[0].at


def test_replies_appear_by_the_attendee_who_answered(store: Store) -> None:
    meeting(store)
    store.record_reply("winter-2027/round-1/mia", "nino@x.ge", "DECLINED", 0, "inbox/nino.eml")

    [entry] = store.history("winter-2027")

    assert (entry.actor, entry.action, entry.subject) == (
        "nino@x.ge",
        "reply.declined",
        "winter-2027/round-1/mia",
    )
    assert entry.detail == {"sequence": 0, "source": "inbox/nino.eml"}


def test_observations_added_and_updated_are_logged_by_whom_without_their_text(
    store: Store,
) -> None:
    meeting(store)
    observe(store)
    observe(store)  # unchanged: not an action
    observe(store, severity=4, text="Reworded.", actor="giorgi")

    added, updated = store.history("winter-2027", kinds=["observation"])

    assert (added.actor, added.action, updated.actor, updated.action) == (
        "lela",
        "observation.added",
        "giorgi",
        "observation.updated",
    )
    assert updated.detail == {
        "key": "notes/mia.md#1",
        "kind": "gap",
        "theme": "interpreters",
        "severity": 4,
        "confidentiality": "restricted",
        "changed": ["severity", "text"],
    }
    assert "interpreter." not in repr(store.history("winter-2027"))


def test_a_pack_is_logged_when_its_content_changes(store: Store) -> None:
    store.record_pack("winter-2027", "digest-1")
    store.record_pack("winter-2027", "digest-1")
    store.record_pack("winter-2027", "digest-2", actor="compile-briefing/calm-owl (worker)")

    assert [(e.actor, e.action, e.detail["version"]) for e in store.history("winter-2027")] == [
        ("lela", "pack.compiled", 1),
        ("compile-briefing/calm-owl (worker)", "pack.compiled", 2),
    ]


def test_since_and_kinds_narrow_the_history(store: Store) -> None:
    meeting(store)
    store.audit("ana", "round.approved", "winter-2027/round-1")
    observe(store)
    middle = store.history("winter-2027")[-1].at
    store.audit("ana", "round.sent_back", "winter-2027/round-1")

    assert [e.action for e in store.history("winter-2027", since=middle)] == [
        "observation.added",
        "round.sent_back",
    ]
    assert [e.action for e in store.history("winter-2027", kinds=["round.sent_back"])] == [
        "round.sent_back"
    ]
    assert [e.action for e in store.history("winter-2027", kinds=["round", "observation"])] == [
        "round.approved",
        "observation.added",
        "round.sent_back",
    ]


def test_a_version_2_store_is_migrated_and_names_its_senders(empty_store_url: str) -> None:
    # Version 2 had no `claimants`: its messages keep the sender's claim as the actor.
    v2 = sa.MetaData()
    for table in store_tables.metadata.sorted_tables:
        if table.name != "claimants":
            table.to_metadata(v2)
    engine = create_store_engine(empty_store_url)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    with engine.begin() as connection:
        v2.create_all(connection)
        connection.execute(sa.insert(v2.tables["schema_version"]).values(id=1, version=2))
        connection.execute(
            sa.insert(v2.tables["messages"]).values(
                meeting_id="winter-2027/briefing", recipient="ana@example.org", sequence=1,
                kind="briefing", status="sent", attempts=1, created_at=now, sent_at=now,
                claimed_by="host:42:abcd1234", claimed_at=now,
            )
        )  # fmt: skip
    engine.dispose()

    with open_store(empty_store_url, actor="lela") as store:
        claimed = store.claim_message("winter-2027/briefing", "ana@example.org", 2, "briefing")
        assert claimed is not None
        store.mark_sent(claimed.id, "<2@consult>")

        assert [(e.actor, e.detail["sequence"]) for e in store.history("winter-2027")] == [
            ("host:42:abcd1234", 1),
            ("lela", 2),
        ]


def test_the_history_as_csv_writes_an_actor_named_as_a_formula_as_text() -> None:
    at = dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.UTC)
    entry = Entry(at, '=HYPERLINK("http://evil.example","x")', "notes.recorded", "t/r/m", {})
    rows = list(csv.reader(io.StringIO(history_csv([entry], ZoneInfo("Asia/Tbilisi")))))
    assert rows[1][:4] == [
        "2027-01-05T13:00:00+04:00",
        '\'=HYPERLINK("http://evil.example","x")',
        "notes.recorded",
        "t/r/m",
    ]

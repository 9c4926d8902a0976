"""The state store on SQLite and PostgreSQL: every method, idempotence, the ledger, audit, schema.

A test of a store runs twice: on a SQLite file, and on an empty database of a
throwaway PostgreSQL server (see `tests.pg`). Those marked `sqlite_only` check
what only SQLite has.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from consult.errors import StoreError
from consult.store import MeetingPlan, Store, open_store
from consult.store.engine import create_store_engine
from consult.store.migrations import LATEST, migrate
from schemas.state import Attendee, Meeting, MessageKind

TBILISI = dt.timezone(dt.timedelta(hours=4))
START = dt.datetime(2027, 1, 12, 10, 0, tzinfo=TBILISI)
END = START + dt.timedelta(hours=1)

sqlite_only = pytest.mark.parametrize("empty_store_url", ["sqlite"], indirect=True)


def plan(store: Store, **changes: Any) -> Meeting:
    fields: dict[str, Any] = {
        "id": "winter-2027/round-1/mia",
        "training": "winter-2027",
        "round": "round-1",
        "organisation": "mia",
        "format": "online",
        "start": START,
        "end": END,
        "location": "https://meet.example.org/mia",
        "facilitators": ["lela@example.org"],
    }
    return store.upsert_meeting(MeetingPlan(**{**fields, **changes}))


def attendee(email: str, **changes: Any) -> Attendee:
    fields: dict[str, Any] = {
        "meeting_id": "winter-2027/round-1/mia",
        "email": email,
        "name": "ნინო ბერიძე",
        "role": "REQ-PARTICIPANT",
        "organisation": "mia",
        "language": "ka",
        "timezone": "Asia/Tbilisi",
    }
    return Attendee(**{**fields, **changes})


def observe(store: Store, key: str = "notes/mia.md#1", **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "meeting_id": "winter-2027/round-1/mia",
        "organisation": "mia",
        "kind": "gap",
        "theme": "interpreters",
        "severity": 3,
        "text": "No interpreter is booked for hearings in Russian.",
        "confidentiality": "internal",
    }
    return store.upsert_observation(key, **{**fields, **changes})


@pytest.fixture
def store(empty_store_url: str) -> Iterator[Store]:
    """A freshly opened store."""
    with open_store(empty_store_url) as opened:
        yield opened


@pytest.fixture
def meeting(store: Store) -> Meeting:
    """A proposed meeting of the store."""
    return plan(store)


@pytest.fixture
def raw(empty_store_url: str, store: Store) -> Iterator[sa.Engine]:
    """An engine on the store's database that bypasses the store."""
    engine = create_store_engine(empty_store_url)
    yield engine
    engine.dispose()


def test_opening_a_store_creates_the_latest_schema(raw: sa.Engine) -> None:
    with raw.connect() as connection:
        version = connection.exec_driver_sql("SELECT version FROM schema_version").scalar()
    assert version == LATEST


@sqlite_only
def test_opening_a_sqlite_store_creates_its_folder_and_file(
    empty_store_url: str, store: Store
) -> None:
    assert Path(sa.make_url(empty_store_url).database or "").is_file()


@sqlite_only
def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(raw: sa.Engine) -> None:
    with raw.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000}


def test_a_new_meeting_is_proposed_at_sequence_zero_with_a_uid(meeting: Meeting) -> None:
    assert meeting.status == "proposed"
    assert meeting.sequence == 0
    assert meeting.uid.endswith("@consult")
    assert meeting.facilitators == ("lela@example.org",)


def test_meeting_times_come_back_aware_and_in_utc(store: Store, meeting: Meeting) -> None:
    stored = store.get_meeting(meeting.id)
    assert stored is not None
    assert stored.start == START
    assert stored.start.tzinfo == dt.UTC
    assert stored.start.hour == 6
    assert stored.updated_at.tzinfo == dt.UTC


def test_upserting_the_same_meeting_twice_changes_nothing(store: Store, meeting: Meeting) -> None:
    assert plan(store) == meeting
    assert store.meetings("winter-2027") == [meeting]


def test_a_changed_meeting_keeps_its_uid(store: Store, meeting: Meeting) -> None:
    changed = plan(store, organisation="mia-hq", facilitators=["lela@example.org", "ana@x.org"])
    assert changed.uid == meeting.uid
    assert changed.organisation == "mia-hq"
    assert changed.facilitators == ("lela@example.org", "ana@x.org")
    assert changed.updated_at > meeting.updated_at


def test_moving_a_meeting_nobody_was_told_of_keeps_its_sequence(
    store: Store, meeting: Meeting
) -> None:
    moved = plan(store, start=START + dt.timedelta(days=1), end=END + dt.timedelta(days=1))
    assert moved.sequence == 0


def test_moving_a_confirmed_meeting_raises_its_sequence(store: Store, meeting: Meeting) -> None:
    store.set_meeting_status(meeting.id, "confirmed", actor="coordinator")
    moved = plan(store, location="Room 4, Ministry of Internal Affairs")
    assert moved.sequence == 1
    assert plan(store, location="Room 4, Ministry of Internal Affairs").sequence == 1


def test_moving_a_meeting_after_an_invitation_went_out_raises_its_sequence(
    store: Store, meeting: Meeting
) -> None:
    claimed = store.claim_message(meeting.id, "nino@mia.example.gov.ge", 0, "invitation")
    assert claimed is not None
    store.mark_sent(claimed.id, "<1@consult>")
    assert plan(store, start=START - dt.timedelta(minutes=30)).sequence == 1


def test_a_change_people_were_told_of_keeps_the_meeting_as_it_was(
    store: Store, meeting: Meeting
) -> None:
    store.set_meeting_status(meeting.id, "confirmed", actor="coordinator")
    plan(store, start=START + dt.timedelta(days=1), end=END + dt.timedelta(days=1))
    later = dt.timedelta(days=2)
    moved = plan(store, facilitators=["ana@example.org"], start=START + later, end=END + later)
    assert moved.sequence == 2
    first, second = moved.version(0), moved.version(1)
    assert first is not None
    assert second is not None
    assert (first.start, first.facilitators) == (START, ("lela@example.org",))
    assert second.start == START + dt.timedelta(days=1)
    cancelled = store.set_meeting_status(meeting.id, "cancelled", actor="coordinator")
    assert cancelled.version(2) == moved.current()


@sqlite_only
def test_a_version_4_store_gains_the_meetings_versions_and_keeps_its_meetings(
    empty_store_url: str,
) -> None:
    with open_store(empty_store_url) as store:
        plan(store)
    engine = create_store_engine(empty_store_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE meetings DROP COLUMN versions")
        connection.exec_driver_sql("UPDATE schema_version SET version = 4")
    engine.dispose()
    with open_store(empty_store_url) as store:
        [kept] = store.meetings("winter-2027")
        assert (kept.start, kept.versions) == (START, ())
        store.set_meeting_status(kept.id, "confirmed", actor="coordinator")
        assert plan(store, location="Room 4").version(0) == kept.current()


def test_renaming_a_confirmed_meeting_keeps_its_sequence(store: Store, meeting: Meeting) -> None:
    store.set_meeting_status(meeting.id, "confirmed", actor="coordinator")
    assert plan(store, organisation="mia-hq").sequence == 0


def test_a_meeting_without_a_time_zone_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="start 2027-01-12T10:00:00 has no time zone"):
        plan(store, start=START.replace(tzinfo=None))
    assert store.meetings("winter-2027") == []


def test_a_meeting_that_ends_before_it_starts_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="is not after start"):
        plan(store, end=START - dt.timedelta(hours=1))


def test_an_unknown_meeting_is_none(store: Store) -> None:
    assert store.get_meeting("winter-2027/round-1/nobody") is None


def test_meetings_are_those_of_the_training_and_round_by_start(store: Store) -> None:
    later = plan(store, id="winter-2027/round-1/pgo", start=END, end=END + dt.timedelta(hours=1))
    first = plan(store)
    other_round = plan(store, id="winter-2027/round-2/mia", round="round-2")
    plan(store, id="spring-2027/round-1/mia", training="spring-2027")
    assert store.meetings("winter-2027") == [first, other_round, later]
    assert store.meetings("winter-2027", round="round-1") == [first, later]


def test_setting_a_status_writes_an_audit_event(store: Store, meeting: Meeting) -> None:
    confirmed = store.set_meeting_status(meeting.id, "confirmed", actor="coordinator")
    assert confirmed.status == "confirmed"
    [event] = store.audit_log(meeting.id)
    assert (event.actor, event.action, event.subject) == (
        "coordinator",
        "meeting.status",
        meeting.id,
    )
    assert event.detail == {"from": "proposed", "to": "confirmed", "sequence": 0}


def test_setting_the_status_a_meeting_has_logs_nothing(store: Store, meeting: Meeting) -> None:
    assert store.set_meeting_status(meeting.id, "proposed", actor="coordinator") == meeting
    assert store.audit_log() == []


def test_cancelling_a_confirmed_meeting_raises_its_sequence(store: Store, meeting: Meeting) -> None:
    store.set_meeting_status(meeting.id, "confirmed", actor="coordinator")
    cancelled = store.set_meeting_status(meeting.id, "cancelled", actor="coordinator")
    assert (cancelled.status, cancelled.sequence, cancelled.uid) == ("cancelled", 1, meeting.uid)


def test_the_status_of_an_unknown_meeting_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="no meeting 'winter-2027/x' in the store"):
        store.set_meeting_status("winter-2027/x", "confirmed", actor="coordinator")
    assert store.audit_log() == []


def test_attendees_are_stored_and_read_back_by_email(store: Store, meeting: Meeting) -> None:
    invited = [attendee("nino@mia.example.gov.ge"), attendee("giorgi@mia.example.gov.ge")]
    store.set_attendees(meeting.id, invited)
    assert store.attendees(meeting.id) == sorted(invited, key=lambda a: a.email)


def test_setting_attendees_again_replaces_them_and_keeps_their_answers(
    store: Store, meeting: Meeting
) -> None:
    store.set_attendees(meeting.id, [attendee("nino@x.ge"), attendee("giorgi@x.ge")])
    store.record_reply(meeting.id, "Nino@X.ge", "ACCEPTED", 0, source="imap")
    store.set_attendees(meeting.id, [attendee("nino@x.ge", name="Nino Beridze")])
    assert store.attendees(meeting.id) == [
        attendee("nino@x.ge", name="Nino Beridze", partstat="ACCEPTED")
    ]


def test_an_attendee_of_another_meeting_is_refused(store: Store, meeting: Meeting) -> None:
    stranger = attendee("nino@x.ge", meeting_id="winter-2027/round-1/pgo")
    with pytest.raises(ValueError, match="belongs to meeting 'winter-2027/round-1/pgo'"):
        store.set_attendees(meeting.id, [attendee("giorgi@x.ge"), stranger])
    assert store.attendees(meeting.id) == []


def test_a_first_claim_inserts_a_pending_message(store: Store, meeting: Meeting) -> None:
    message = store.claim_message(meeting.id, "nino@x.ge", 0, "invitation")
    assert message is not None
    assert (message.status, message.attempts, message.sent_at) == ("pending", 1, None)
    assert message.created_at.tzinfo == dt.UTC
    assert store.messages() == [message]


def test_a_message_being_sent_cannot_be_claimed_again(store: Store, meeting: Meeting) -> None:
    assert store.claim_message(meeting.id, "nino@x.ge", 0, "invitation") is not None
    assert store.claim_message(meeting.id, "nino@x.ge", 0, "invitation") is None


def test_a_sent_message_is_never_claimed_again(store: Store, meeting: Meeting) -> None:
    claimed = store.claim_message(meeting.id, "nino@x.ge", 0, "invitation")
    assert claimed is not None
    sent = store.mark_sent(claimed.id, "<1@consult>")
    assert (sent.status, sent.message_id) == ("sent", "<1@consult>")
    assert sent.sent_at is not None
    assert sent.sent_at.tzinfo == dt.UTC
    assert (
        store.claim_message(meeting.id, "nino@x.ge", 0, "invitation", lease=dt.timedelta()) is None
    )
    assert store.messages() == [sent]


def test_a_message_whose_sender_crashed_is_claimed_again_after_the_lease(
    store: Store, meeting: Meeting
) -> None:
    first = store.claim_message(meeting.id, "nino@x.ge", 0, "invitation", claimed_by="worker-1")
    again = store.claim_message(
        meeting.id, "nino@x.ge", 0, "invitation", claimed_by="worker-2", lease=dt.timedelta()
    )
    assert first is not None
    assert again is not None
    assert (again.id, again.status, again.attempts) == (first.id, "pending", 2)


def test_a_failed_message_is_claimed_again(store: Store, meeting: Meeting) -> None:
    claimed = store.claim_message(meeting.id, "nino@x.ge", 0, "invitation")
    assert claimed is not None
    failed = store.mark_failed(claimed.id, "421 try again later")
    assert (failed.status, failed.error) == ("failed", "421 try again later")
    again = store.claim_message(meeting.id, "nino@x.ge", 0, "invitation")
    assert again is not None
    assert (again.status, again.attempts) == ("pending", 2)
    assert store.mark_sent(again.id, "<2@consult>").error is None


def test_each_part_of_the_message_key_makes_a_new_message(store: Store, meeting: Meeting) -> None:
    keys: list[tuple[str, int, MessageKind]] = [
        ("nino@x.ge", 0, "invitation"),
        ("giorgi@x.ge", 0, "invitation"),
        ("nino@x.ge", 1, "invitation"),
        ("nino@x.ge", 0, "reminder"),
    ]
    for recipient, sequence, kind in keys:
        assert store.claim_message(meeting.id, recipient, sequence, kind) is not None
    assert len(store.messages(meeting.id)) == 4


def test_marking_a_sent_message_sent_again_with_its_id_changes_nothing(
    store: Store, meeting: Meeting
) -> None:
    claimed = store.claim_message(meeting.id, "nino@x.ge", 0, "invitation")
    assert claimed is not None
    sent = store.mark_sent(claimed.id, "<1@consult>")
    assert store.mark_sent(claimed.id, "<1@consult>") == sent
    with pytest.raises(ValueError, match="already sent as '<1@consult>'"):
        store.mark_sent(claimed.id, "<2@consult>")
    with pytest.raises(ValueError, match="cannot fail"):
        store.mark_failed(claimed.id, "timeout")


def test_messages_are_filtered_by_meeting_and_status(store: Store, meeting: Meeting) -> None:
    other = plan(store, id="winter-2027/round-1/pgo")
    sent = store.claim_message(meeting.id, "nino@x.ge", 0, "invitation")
    pending = store.claim_message(meeting.id, "giorgi@x.ge", 0, "invitation")
    elsewhere = store.claim_message(other.id, "nino@x.ge", 0, "invitation")
    assert sent is not None
    sent = store.mark_sent(sent.id, "<1@consult>")
    assert store.messages(meeting.id) == [sent, pending]
    assert store.messages(status="pending") == [pending, elsewhere]
    assert store.messages(other.id, status="sent") == []


def test_a_message_of_an_unknown_kind_or_meeting_is_refused(store: Store, meeting: Meeting) -> None:
    with pytest.raises(ValidationError, match="kind"):
        store.claim_message(meeting.id, "nino@x.ge", 0, "telegram")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no meeting 'winter-2027/x'"):
        store.claim_message("winter-2027/x", "nino@x.ge", 0, "invitation")
    with pytest.raises(ValueError, match="no message 99 in the ledger"):
        store.mark_sent(99, "<1@consult>")
    assert store.messages() == []


def test_a_ledger_claims_a_batch_as_one_claim_after_another_would(
    store: Store, meeting: Meeting
) -> None:
    sent = store.claim_message(meeting.id, "sent@x.ge", 0, "invitation")
    failed = store.claim_message(meeting.id, "failed@x.ge", 0, "invitation")
    busy = store.claim_message(meeting.id, "busy@x.ge", 0, "invitation", claimed_by="other")
    assert sent is not None
    assert failed is not None
    assert busy is not None
    store.mark_sent(sent.id, "<1@consult>")
    store.mark_failed(failed.id, "421 later")
    keys: list[tuple[str, str, int, MessageKind]] = [
        (meeting.id, "sent@x.ge", 0, "invitation"),
        (meeting.id, "failed@x.ge", 0, "invitation"),
        (meeting.id, "busy@x.ge", 0, "invitation"),
        (meeting.id, "new@x.ge", 0, "invitation"),
        (meeting.id, "new@x.ge", 0, "invitation"),
    ]
    with store.ledger(claimed_by="me") as ledger:
        claims = ledger.claim(keys, dt.timedelta(minutes=15))
    assert [None if c is None else (c.recipient, c.status, c.attempts) for c in claims] == [
        None,
        ("failed@x.ge", "pending", 2),
        None,
        ("new@x.ge", "pending", 1),
        None,
    ]
    assert len(store.messages(meeting.id)) == 4


def test_a_ledger_takes_over_a_claim_only_after_the_lease(store: Store, meeting: Meeting) -> None:
    key = (meeting.id, "nino@x.ge", 0, "invitation")
    with store.ledger(claimed_by="crashed") as ledger:
        [first] = ledger.claim([key], dt.timedelta(minutes=15))
    with store.ledger(claimed_by="next") as ledger:
        assert ledger.claim([key], dt.timedelta(minutes=15)) == [None]
        [again] = ledger.claim([key], dt.timedelta())
    assert first is not None
    assert again is not None
    assert (again.id, again.attempts) == (first.id, 2)


def test_a_renewal_keeps_the_claims_a_sender_still_holds_and_drops_those_taken_over(
    store: Store, meeting: Meeting
) -> None:
    keys: list[tuple[str, str, int, MessageKind]] = [
        (meeting.id, "nino@x.ge", 0, "invitation"),
        (meeting.id, "giorgi@x.ge", 0, "invitation"),
    ]
    with store.ledger(claimed_by="slow") as slow:
        nino, giorgi = slow.claim(keys, dt.timedelta(minutes=15))
        assert nino is not None
        assert giorgi is not None
        with store.ledger(claimed_by="fast") as fast:
            [taken] = fast.claim(keys[1:], dt.timedelta())
        assert taken is not None
        assert slow.renew([nino.id, giorgi.id]) == {nino.id}


def test_a_ledger_records_a_message_sent_once_with_its_message_id(
    store: Store, meeting: Meeting
) -> None:
    with store.ledger() as ledger:
        [claimed] = ledger.claim([(meeting.id, "nino@x.ge", 0, "invitation")], dt.timedelta())
        assert claimed is not None
        ledger.sent(claimed.id, "<1@consult>")
        ledger.sent(claimed.id, "<1@consult>")
        with pytest.raises(ValueError, match="already sent as '<1@consult>'"):
            ledger.sent(claimed.id, "<2@consult>")
        [sent] = store.messages(meeting.id)
        assert (sent.status, sent.message_id, sent.error) == ("sent", "<1@consult>", None)
        assert ledger.claim([(meeting.id, "nino@x.ge", 0, "invitation")], dt.timedelta()) == [None]


def test_a_ledger_refuses_a_batch_naming_an_unknown_meeting_and_claims_none_of_it(
    store: Store, meeting: Meeting
) -> None:
    keys: list[tuple[str, str, int, MessageKind]] = [
        (meeting.id, "nino@x.ge", 0, "invitation"),
        ("winter-2027/x", "nino@x.ge", 0, "invitation"),
    ]
    with store.ledger() as ledger, pytest.raises(ValueError, match="no meeting 'winter-2027/x'"):
        ledger.claim(keys, dt.timedelta())
    assert store.messages() == []


def test_a_reply_to_the_current_sequence_sets_the_attendee_answer(
    store: Store, meeting: Meeting
) -> None:
    store.set_attendees(meeting.id, [attendee("nino@x.ge")])
    at = dt.datetime(2027, 1, 2, 9, 30, tzinfo=TBILISI)
    reply = store.record_reply(meeting.id, "nino@x.ge", "DECLINED", 0, "imap", received_at=at)
    assert (reply.partstat, reply.received_at, reply.received_at.tzinfo) == ("DECLINED", at, dt.UTC)
    assert store.replies(meeting.id) == [reply]
    assert store.attendees(meeting.id)[0].partstat == "DECLINED"


def test_a_reply_to_an_earlier_sequence_is_kept_but_does_not_count(
    store: Store, meeting: Meeting
) -> None:
    store.set_attendees(meeting.id, [attendee("nino@x.ge")])
    store.set_meeting_status(meeting.id, "confirmed", actor="coordinator")
    plan(store, start=START + dt.timedelta(hours=2), end=END + dt.timedelta(hours=2))
    store.record_reply(meeting.id, "nino@x.ge", "ACCEPTED", 0, "imap")
    assert len(store.replies(meeting.id)) == 1
    assert store.attendees(meeting.id)[0].partstat == "NEEDS-ACTION"


def test_an_observation_is_added_then_unchanged_then_updated(
    store: Store, meeting: Meeting
) -> None:
    added, change = observe(store)
    assert change == "added"
    assert observe(store) == (added, "unchanged")
    updated, change = observe(store, severity=4, due=dt.date(2027, 1, 20))
    assert change == "updated"
    assert (updated.id, updated.severity, updated.due) == (added.id, 4, dt.date(2027, 1, 20))
    assert updated.created_at == added.created_at
    assert updated.updated_at > added.updated_at
    assert store.observations() == [updated]


def test_an_observation_keeps_the_line_of_its_notes_file_and_a_move_changes_nothing_else(
    store: Store, meeting: Meeting
) -> None:
    added, change = observe(store, line=6)
    assert (change, added.line) == ("added", 6)
    events = len(store.audit_log())
    moved, change = observe(store, line=9)
    assert (change, moved.line, moved.updated_at) == ("unchanged", 9, added.updated_at)
    assert store.observations() == [moved]
    assert len(store.audit_log()) == events  # where it is written is no change to log
    edited, change = observe(store, line=9, severity=4)
    assert (change, edited.line) == ("updated", 9)
    assert "line" not in store.audit_log()[-1].detail["changed"]
    assert observe(store, "form/round-1/mia#o1")[0].line is None


def test_observations_are_filtered_by_training_and_meeting(store: Store, meeting: Meeting) -> None:
    other = plan(store, id="spring-2027/round-1/mia", training="spring-2027")
    mine, _ = observe(store, "a")
    theirs, _ = observe(store, "b", meeting_id=other.id)
    assert store.observations(training="winter-2027") == [mine]
    assert store.observations(meeting_id=other.id) == [theirs]
    assert store.observations() == [mine, theirs]


def test_an_invalid_observation_is_refused_and_not_stored(store: Store, meeting: Meeting) -> None:
    with pytest.raises(ValidationError, match="severity"):
        observe(store, severity=5)
    assert store.observations() == []


def test_audit_events_are_appended_and_read_by_subject(store: Store) -> None:
    first = store.audit("coordinator", "schedule.approved", "winter-2027", {"meetings": 12})
    second = store.audit("flow", "briefing.sent", "winter-2027/briefing")
    assert (first.detail, second.detail) == ({"meetings": 12}, {})
    assert first.at.tzinfo == dt.UTC
    assert store.audit_log() == [first, second]
    assert store.audit_log("winter-2027") == [first]


@pytest.mark.parametrize(
    "statement", ["UPDATE audit SET actor = 'someone else'", "DELETE FROM audit"]
)
def test_the_audit_log_cannot_be_changed_or_deleted(
    store: Store, raw: sa.Engine, statement: str
) -> None:
    event = store.audit("coordinator", "schedule.approved", "winter-2027")
    with (
        pytest.raises(sa.exc.IntegrityError, match="the audit log is append-only"),
        raw.begin() as connection,
    ):
        connection.exec_driver_sql(statement)
    assert store.audit_log() == [event]


def test_reopening_a_store_migrates_nothing_and_keeps_the_data(empty_store_url: str) -> None:
    with open_store(empty_store_url) as store:
        meeting = plan(store)
    engine = create_store_engine(empty_store_url)
    try:
        assert migrate(engine) == []
    finally:
        engine.dispose()
    with open_store(empty_store_url) as store:
        assert store.get_meeting(meeting.id) == meeting


def test_a_version_4_database_gains_reply_comments_and_keeps_its_replies(
    empty_store_url: str,
) -> None:
    with open_store(empty_store_url) as store:
        meeting = plan(store)
        store.record_reply(meeting.id, "nino@example.org", "DECLINED", 0, "inbox/old.ics")
    engine = create_store_engine(empty_store_url)
    try:
        with engine.begin() as connection:  # the replies table as version 4 had it
            connection.exec_driver_sql("ALTER TABLE replies DROP COLUMN comment")
            connection.exec_driver_sql("UPDATE schema_version SET version = 4")
        assert migrate(engine) == list(range(5, LATEST + 1))
    finally:
        engine.dispose()
    with open_store(empty_store_url) as store:
        [old] = store.replies(meeting.id)
        assert (old.source, old.comment) == ("inbox/old.ics", None)
        said = store.record_reply(
            meeting.id, "nino@example.org", "DECLINED", 0, "inbox/new.eml", comment="Away, sorry"
        )
        assert store.replies(meeting.id)[-1] == said
        assert said.comment == "Away, sorry"


def test_a_version_8_database_gains_observation_lines_and_keeps_its_observations(
    empty_store_url: str,
) -> None:
    with open_store(empty_store_url) as store:
        plan(store)
        kept, _ = observe(store)
    engine = create_store_engine(empty_store_url)
    try:
        with engine.begin() as connection:  # the observations table as version 8 had it
            connection.exec_driver_sql("ALTER TABLE observations DROP COLUMN line")
            connection.exec_driver_sql("DROP TABLE notes_files")
            connection.exec_driver_sql("UPDATE schema_version SET version = 8")
        assert migrate(engine) == [9, 10, 11, 12, 13] == list(range(9, LATEST + 1))
    finally:
        engine.dispose()
    with open_store(empty_store_url) as store:
        [old] = store.observations()
        assert (old.key, old.text, old.line) == (kept.key, kept.text, None)
        assert observe(store, line=12)[0].line == 12


def test_a_version_9_database_gains_the_notes_files_record_and_keeps_its_observations(
    empty_store_url: str,
) -> None:
    with open_store(empty_store_url) as store:
        plan(store)
        kept, _ = observe(store)
    engine = create_store_engine(empty_store_url)
    try:
        with engine.begin() as connection:  # no notes_files, as version 9 had it
            connection.exec_driver_sql("DROP TABLE notes_files")
            connection.exec_driver_sql("UPDATE schema_version SET version = 9")
        assert migrate(engine) == [10, 11, 12, 13] == list(range(10, LATEST + 1))
        with engine.connect() as connection:
            assert sa.inspect(connection).has_table("notes_files")
    finally:
        engine.dispose()
    with open_store(empty_store_url) as store:
        [old] = store.observations()
        assert (old.key, old.text) == (kept.key, kept.text)


def test_a_version_10_database_gains_date_polls_and_keeps_its_meetings(
    empty_store_url: str,
) -> None:
    with open_store(empty_store_url) as store:
        plan(store)
        before = store.meetings("winter-2027")
    engine = create_store_engine(empty_store_url)
    try:
        with engine.begin() as connection:  # no date polls, as version 10 had it
            for table in ("poll_votes", "poll_options", "polls"):
                connection.exec_driver_sql(f"DROP TABLE {table}")
            connection.exec_driver_sql("UPDATE schema_version SET version = 10")
        assert migrate(engine) == [11, 12, 13] == list(range(11, LATEST + 1))
        with engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
            assert {"polls", "poll_options", "poll_votes"} <= tables
    finally:
        engine.dispose()
    with open_store(empty_store_url) as store:
        assert store.meetings("winter-2027") == before
        assert store.polls_of() == {}


def test_a_database_from_a_newer_consult_is_refused_naming_it(
    empty_store_url: str, raw: sa.Engine
) -> None:
    with raw.begin() as connection:
        connection.exec_driver_sql(f"UPDATE schema_version SET version = {LATEST + 1}")
    with pytest.raises(StoreError) as caught:
        open_store(empty_store_url)
    assert str(caught.value) == (
        f"the state database {empty_store_url} has schema version {LATEST + 1}, but this consult "
        f"knows versions up to {LATEST} only: upgrade consult to use it"
    )


def test_a_database_that_cannot_be_opened_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"cannot open the state database .*: unable to open"):
        open_store(f"sqlite:///{tmp_path}")


def test_a_postgresql_database_that_does_not_exist_is_a_store_error_without_the_password(
    postgres_url: str,
) -> None:
    url = sa.make_url(postgres_url).set(password="s3cret", database="nowhere")
    with pytest.raises(StoreError) as caught:
        open_store(url.render_as_string(hide_password=False))
    assert str(caught.value).startswith(
        f"cannot open the state database {url.render_as_string(hide_password=True)}: "
    )
    assert 'database "nowhere" does not exist' in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_notes_the_desk_stored_under_desk_move_to_the_forms_source_unless_taken(
    empty_store_url: str,
) -> None:
    with open_store(empty_store_url) as store:
        meeting = plan(store)
        for key in ("desk/round-1/mia#o1", "desk/round-1/mia#o2", "form/round-1/mia#o2"):
            store.upsert_observation(
                key,
                meeting_id=meeting.id,
                organisation="mia",
                kind="gap",
                theme="bias",
                severity=2,
                text=key,
                confidentiality="internal",
                actor="test",
            )
    engine = create_store_engine(empty_store_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE schema_version SET version = 4")
        assert migrate(engine) == list(range(5, LATEST + 1))
    finally:
        engine.dispose()
    with open_store(empty_store_url) as store:
        kept = {o.key: o.text for o in store.observations(meeting_id=meeting.id)}
    assert kept == {
        "form/round-1/mia#o1": "desk/round-1/mia#o1",
        "desk/round-1/mia#o2": "desk/round-1/mia#o2",
        "form/round-1/mia#o2": "form/round-1/mia#o2",
    }

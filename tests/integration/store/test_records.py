"""The check of the record in the store, on SQLite and PostgreSQL: answers, decisions, erasure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from consult.errors import RecordCheckError
from consult.store import Store, open_store
from consult.store.records import text_digest
from consult.store.tables import record_checks
from tests.integration.store.test_store import attendee, observe, plan

MEETING = "winter-2027/round-1/mia"
NINO, ANNA = "nino@example.org", "Anna@Example.org"
NOW = dt.datetime.now(dt.UTC)
DEADLINE = NOW + dt.timedelta(days=7)


@pytest.fixture
def store(empty_store_url: str) -> Iterator[Store]:
    """A store with a meeting, two observations, and the meeting's check opened."""
    with open_store(empty_store_url) as opened:
        plan(opened)
        first, _ = observe(opened, "notes/mia.md#1")
        second, _ = observe(opened, "notes/mia.md#2", text="Victims wait hours for a lawyer.")
        opened.open_record_check(
            MEETING,
            DEADLINE,
            {o.key: text_digest(o.text) for o in (first, second)},
            "coordinator",
        )
        yield opened


def test_a_check_opens_once_and_keeps_no_copy_of_the_texts(
    store: Store, empty_store_url: str
) -> None:
    again, opened = store.open_record_check(MEETING, DEADLINE + dt.timedelta(days=3), {}, "x")
    assert not opened
    assert again.deadline == DEADLINE
    assert list(again.observations) == ["notes/mia.md#1", "notes/mia.md#2"]
    engine = sa.create_engine(empty_store_url)
    try:
        with engine.connect() as connection:
            stored = str(connection.execute(sa.select(record_checks)).all())
    finally:
        engine.dispose()
    assert "interpreter" not in stored
    assert "lawyer" not in stored
    assert [e.action for e in store.audit_log(MEETING)].count("record.opened") == 1


def test_a_later_answer_replaces_what_nobody_decided_and_a_decision_stays(store: Store) -> None:
    store.answer_record_check(
        MEETING, ANNA, "en", None, {"notes/mia.md#1": "Interpreters are booked, late."}, now=NOW
    )
    [first] = store.record_checks([MEETING])[MEETING].corrections("pending")
    assert first.attendee == "anna@example.org"
    store.decide_record_correction(first.id, "accepted", "coordinator")
    check = store.answer_record_check(
        MEETING, ANNA, "en", "All good now.", {"notes/mia.md#2": "Victims wait a day."}, now=NOW
    )
    assert [(a.observation, a.state) for a in check.answer_of(ANNA)] == [
        (None, "answered"),
        ("notes/mia.md#1", "accepted"),
        ("notes/mia.md#2", "pending"),
    ]
    assert [(w.verdict, w.text) for w in check.wholes()] == [("corrections", "All good now.")]
    confirmed = store.answer_record_check(MEETING, NINO, "ka", None, {}, now=NOW)
    assert [(w.attendee, w.verdict) for w in confirmed.wholes()] == [
        ("anna@example.org", "corrections"),
        (NINO, "confirmed"),
    ]
    with pytest.raises(RecordCheckError, match="the first decision stands"):
        store.decide_record_correction(first.id, "declined", "someone else")
    actions = [e.action for e in store.audit_log(MEETING)]
    assert actions.count("record.answered") == 3
    assert actions.count("record.decided") == 1
    assert not any("Victims wait a day" in str(e.detail) for e in store.audit_log(MEETING))


def test_an_answer_past_the_deadline_or_about_an_observation_not_sent_is_refused(
    store: Store,
) -> None:
    with pytest.raises(RecordCheckError, match="answers were taken until"):
        store.answer_record_check(MEETING, NINO, "ka", None, {}, now=DEADLINE)
    with pytest.raises(RecordCheckError, match="expected one of those sent"):
        store.answer_record_check(MEETING, NINO, "ka", None, {"notes/other.md#9": "x"}, now=NOW)
    with pytest.raises(RecordCheckError, match="expected a meeting whose record was sent"):
        store.answer_record_check("winter-2027/round-1/none", NINO, "ka", None, {}, now=NOW)
    assert store.record_checks([MEETING])[MEETING].answers == ()


def test_a_person_forgotten_takes_their_answers_with_them_and_the_others_stay(
    store: Store,
) -> None:
    store.set_attendees(MEETING, [attendee(NINO)])
    store.answer_record_check(MEETING, ANNA, "en", None, {"notes/mia.md#1": "Anna's."}, now=NOW)
    store.answer_record_check(MEETING, NINO, "ka", "ნინოს კომენტარი", {}, now=NOW)
    held, _ = store.personal_data(NINO)
    assert [r["verdict"] for r in held["record_answers"]] == ["confirmed"]
    store.forget(NINO, ["ნინო ბერიძე"], delete_observations=False, detail={})
    check = store.record_checks([MEETING])[MEETING]
    assert [a.attendee for a in check.answers] == ["anna@example.org", "anna@example.org"]
    assert store.personal_data(NINO)[0]["record_answers"] == []


def test_expiring_observations_takes_the_corrections_proposed_to_them(store: Store) -> None:
    store.answer_record_check(MEETING, ANNA, "en", None, {"notes/mia.md#1": "Anna's."}, now=NOW)
    assert store.expire("winter-2027", ["observations.internal"], apply=True) == {
        "observations.internal": 2
    }
    check = store.record_checks([MEETING])[MEETING]
    assert check.corrections() == []
    assert len(check.wholes()) == 1


def test_ready_to_check_are_the_meetings_held_with_notes_that_may_leave_and_no_check(
    store: Store,
) -> None:
    ended = dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC)
    for planned, confidentiality in (("ngo", "internal"), ("court", "restricted")):
        meeting_id = f"winter-2027/round-1/{planned}"
        plan(
            store, id=meeting_id, organisation=planned,
            start=ended, end=ended + dt.timedelta(hours=1),
        )  # fmt: skip
        store.set_meeting_status(meeting_id, "held", "test")
        observe(store, f"notes/{planned}.md#1", meeting_id=meeting_id, organisation=planned,
                confidentiality=confidentiality)  # fmt: skip
    observe(store, "written/round-1/court/person-1#bias", meeting_id="winter-2027/round-1/court",
            organisation="court", confidentiality="internal")  # fmt: skip
    ready = store.ready_to_check("winter-2027", ("held", "confirmed"), NOW)
    assert ready == {"winter-2027/round-1/ngo": "ngo"}  # mia has its check; court, no notes to send
    assert store.ready_to_check("winter-2027", ("held",), ended) == {}  # not ended by then
    assert store.organisations_of([MEETING, "winter-2027/round-1/ngo"]) == {
        MEETING: "mia",
        "winter-2027/round-1/ngo": "ngo",
    }

"""The delivery ledger's sender: claims in batches, renewed while a batch outlasts the lease."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from consult.mail.delivery import Delivered, Outgoing, deliver, summary
from consult.mail.mime import RawMessage, prepare_message
from consult.mail.transports.outbox import FileOutbox
from consult.store import MeetingPlan, Store, open_store

START = dt.datetime(2027, 1, 12, 6, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(seconds=0.3)


def meeting_store(tmp_path: Path) -> Store:
    """A store with one meeting, `t/r/m`."""
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    store.upsert_meeting(
        MeetingPlan(
            id="t/r/m",
            training="t",
            round="r",
            organisation="o",
            format="online",
            start=START,
            end=START + dt.timedelta(hours=1),
        )
    )
    return store


def message_to(recipient: str, message_id: str) -> RawMessage:
    return prepare_message(
        sender=("Consult", "consult@example.org"),
        recipient=("Nino", recipient),
        subject="Meeting",
        text="Hello",
        html="<p>Hello</p>",
        calendar=None,
        method=None,
        date=START,
        message_id=message_id,
    )


def test_a_batch_that_outlasts_half_the_lease_keeps_its_claims_from_another_run(
    tmp_path: Path,
) -> None:
    store = meeting_store(tmp_path)
    other_run: list[object] = []

    def slow(recipient: str, message_id: str) -> RawMessage:
        time.sleep(0.2)  # two of these outlast the lease of the batch's claims
        return message_to(recipient, message_id)

    def last(recipient: str, message_id: str) -> RawMessage:
        with store.ledger(claimed_by="other run") as ledger:
            other_run.extend(ledger.claim([("t/r/m", recipient, 0, "invitation")], LEASE))
        return message_to(recipient, message_id)

    outgoing = [
        Outgoing("t/r/m", "a@x.ge", 0, "invitation", lambda m: slow("a@x.ge", m)),
        Outgoing("t/r/m", "b@x.ge", 0, "invitation", lambda m: slow("b@x.ge", m)),
        Outgoing("t/r/m", "c@x.ge", 0, "invitation", lambda m: last("c@x.ge", m)),
    ]
    with store:
        report = deliver(store, FileOutbox(tmp_path / "outbox"), outgoing, domain="x", lease=LEASE)
        messages = store.messages()

    assert other_run == [None]
    assert [d.outcome for d in report] == ["sent"] * 3
    assert [(m.status, m.attempts) for m in messages] == [("sent", 1)] * 3
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3


def test_messages_beyond_one_batch_are_claimed_batch_by_batch_and_sent_once(
    tmp_path: Path,
) -> None:
    store = meeting_store(tmp_path)
    outgoing = [
        Outgoing("t/r/m", f"p{n}@x.ge", 0, "invitation", partial(message_to, f"p{n}@x.ge"))
        for n in range(7)
    ]
    with store:
        first = deliver(store, FileOutbox(tmp_path / "outbox"), outgoing, domain="x", batch=3)
        again = deliver(store, FileOutbox(tmp_path / "outbox"), outgoing, domain="x", batch=3)

    assert [d.recipient for d in first] == [f"p{n}@x.ge" for n in range(7)]
    assert {d.outcome for d in first} == {"sent"}
    assert {d.outcome for d in again} == {"already sent"}
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 7


def test_a_run_stopped_by_an_error_leaves_only_the_message_at_fault_to_the_lease(
    tmp_path: Path,
) -> None:
    store = meeting_store(tmp_path)

    def broken(message_id: str) -> RawMessage:
        raise RuntimeError("the template broke")

    def outgoing(second: Callable[[str], RawMessage]) -> list[Outgoing]:
        return [
            Outgoing("t/r/m", "a@x.ge", 0, "invitation", partial(message_to, "a@x.ge")),
            Outgoing("t/r/m", "b@x.ge", 0, "invitation", second),
            Outgoing("t/r/m", "c@x.ge", 0, "invitation", partial(message_to, "c@x.ge")),
            Outgoing("t/r/m", "d@x.ge", 0, "invitation", partial(message_to, "d@x.ge")),
        ]

    with store:
        with pytest.raises(RuntimeError, match="the template broke"):
            deliver(store, FileOutbox(tmp_path / "outbox"), outgoing(broken), domain="x")
        again = deliver(
            store,
            FileOutbox(tmp_path / "outbox"),
            outgoing(partial(message_to, "b@x.ge")),
            domain="x",
        )

    assert [(d.recipient, d.outcome) for d in again] == [
        ("a@x.ge", "already sent"),
        ("b@x.ge", "already sent"),
        ("c@x.ge", "sent"),
        ("d@x.ge", "sent"),
    ]


def test_the_summary_counts_outcomes_in_order_or_says_what_an_empty_report_means() -> None:
    report = [
        Delivered("t/r/m", "a@example.org", 0, "invitation", "sent"),
        Delivered("t/r/m", "b@example.org", 0, "invitation", "failed", "550 no such user"),
        Delivered("t/r/m", "c@example.org", 0, "reminder", "sent"),
    ]
    assert summary(report) == "1 failed, 2 sent"
    assert summary(report, by_kind=True) == (
        "1 invitation failed, 1 invitation sent, 1 reminder sent"
    )
    assert summary([]) == "nothing to send"
    assert summary([], "nothing due") == "nothing due"

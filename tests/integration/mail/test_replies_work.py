"""Recording replies does work bounded by what the inbox holds (issue 29).

Each inbox file is parsed once, whatever it holds (an answer, a counter-proposal,
a bounce), and the answers of a run are recorded in one write transaction, with
a small constant number of SQL statements per answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import consult.mail.calendar
import consult.mail.letters
from consult.application.counter_proposals import read_inbox_requests
from consult.application.references import round_ref
from consult.application.replies import record_answers, record_replies
from consult.application.services import Services
from consult.settings import Settings
from consult.store import open_store
from tests.integration.planning.test_counters import COUNTER, NINO, TUESDAY, invite

ANSWERS = ("ACCEPTED", "DECLINED", "TENTATIVE")


@pytest.fixture
def invited(write_workspace: Callable[..., Path]) -> Iterator[Services]:
    """The tiny round planned, approved and invited through the file outbox."""
    root = write_workspace()
    with open_store(Settings(workspace=root).store_url) as store:
        yield invite(root, store)


def answer(uid: str, partstat: str) -> bytes:
    """Return an answer as a mail client sends it: a line of text and the REPLY calendar."""
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nSEQUENCE:0\r\nDTSTAMP:20261201T090000Z\r\n"
        f"ATTENDEE;PARTSTAT={partstat};CN=Nino:mailto:{NINO}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    message = EmailMessage()
    message["From"] = f"Nino <{NINO}>"
    message["To"] = "consultations@example.org"
    message["Subject"] = f"{partstat.title()}: Consultation"
    message.set_content("See you there.")
    message.add_alternative(calendar, subtype="calendar", params={"method": "REPLY"})
    return bytes(message)


def counter_message(uid: str) -> bytes:
    """Return a "propose a new time" as Google sends it: a COUNTER calendar in an email."""
    message = EmailMessage()
    message["From"] = f"Nino <{NINO}>"
    message["To"] = "consultations@example.org"
    message["Subject"] = "New time proposed: Consultation"
    message.set_content("Tuesday suits us better.")
    calendar = COUNTER.format(start=TUESDAY[0], end=TUESDAY[1], uid=uid, who=NINO)
    message.add_alternative(calendar, subtype="calendar", params={"method": "COUNTER"})
    return bytes(message)


def fill_inbox(built: Services, answers: int) -> int:
    """Write `answers` answer files and one counter-proposal into the inbox; return the files."""
    [meeting] = built.store.meetings("winter-2027", "round-1")
    inbox = built.settings.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    for n in range(answers):
        (inbox / f"answer-{n:03}.eml").write_bytes(answer(meeting.uid, ANSWERS[n % 3]))
    (inbox / "counter.eml").write_bytes(counter_message(meeting.uid))
    return answers + 1


class Statements:
    """The SQL statements the store's engine runs, counted while attached."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.seen: list[str] = []

    def __enter__(self) -> Statements:
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, _c: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.seen.append(statement)

    @property
    def writes(self) -> int:
        return sum(s.strip().upper() == "BEGIN IMMEDIATE" for s in self.seen)


def counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Wrap `module.name` so that each call is counted; return the counter."""
    calls = [0]
    original = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_each_inbox_file_is_parsed_once(invited: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    files = fill_inbox(invited, 9)
    emails = counted(monkeypatch, consult.mail.letters, "_parse_message")
    calendars = counted(monkeypatch, consult.mail.calendar, "_parse")

    recorded = record_replies(invited, round_ref(invited.workspace, "winter-2027"))

    assert emails[0] == files
    assert calendars[0] == files - 1  # each REPLY calendar once; the COUNTER's is read apart
    assert [r.outcome for r in recorded.report.rows].count("recorded ACCEPTED") == 3
    assert len(recorded.report.rows) == 9
    assert recorded.requests.outcomes == [
        f"inbox/counter.eml: counter-proposal of {NINO}: recorded"
    ]
    assert recorded.unread == []


def runs_of(built: Services, run: Callable[[], Any]) -> list[tuple[Statements, Any]]:
    """Call `run` on an inbox of 6 answers (and a counter-proposal), then of 18; return the
    statements each call ran, and what it returned."""
    runs = []
    for answers in (6, 18):
        for path in built.settings.inbox.glob("*"):
            path.unlink()
        fill_inbox(built, answers)
        # a fresh meeting state: earlier runs' files are gone, these have new names
        for path in built.settings.inbox.glob("answer-*.eml"):
            path.rename(path.with_name(f"run{answers}-{path.name}"))
        engine = built.store._engine  # counting the statements it runs
        with Statements(engine) as seen:
            runs.append((seen, run()))
    return runs


def test_the_daily_run_records_the_answers_in_one_write_transaction(
    invited: Services,
) -> None:
    runs = runs_of(invited, lambda: record_answers(invited))
    for answers, (seen, report) in zip((6, 18), runs, strict=True):
        assert [r.outcome.split()[0] for r in report.rows] == ["recorded"] * answers
        assert seen.writes == 1
    statements = [len(seen.seen) for seen, _ in runs]
    per_answer = (statements[1] - statements[0]) / 12
    assert per_answer <= 3, statements


def test_recording_replies_grows_by_a_few_statements_per_answer(invited: Services) -> None:
    runs = runs_of(
        invited, lambda: record_replies(invited, round_ref(invited.workspace, "winter-2027"))
    )
    statements = [len(seen.seen) for seen, _ in runs]
    assert (statements[1] - statements[0]) / 12 <= 3, statements


def test_the_counter_proposals_of_a_run_are_recorded_in_one_write_transaction(
    invited: Services,
) -> None:
    [meeting] = invited.store.meetings("winter-2027", "round-1")
    inbox = invited.settings.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    for n in range(4):  # the same proposal sent four times: recorded once
        (inbox / f"counter-{n}.eml").write_bytes(counter_message(meeting.uid))
    with Statements(invited.store._engine) as statements:
        requests = read_inbox_requests(invited)
    assert statements.writes == 1
    assert sorted(o.rsplit(": ", 1)[1] for o in requests.outcomes) == [
        "already recorded",
        "already recorded",
        "already recorded",
        "recorded",
    ]

"""Benchmark: recording N replies from inbox/, against parsing the same files once.

Stores a round of meetings with 10 attendees each, writes N answers as mail
clients send them (a line of text and a REPLY calendar, as `.eml` files) into an
inbox folder, then measures:
- bound: the email package and icalendar parsing each file once (the message,
  then each calendar part), and nothing else;
- consult: `read_inbox` then `record_inbox`, what the daily run and `consult
  replies` do with the answers: each file parsed once, the answers recorded in
  one transaction;
- again: the same inbox read and recorded a second time (every answer already
  recorded: what each later run pays).
Prints each time, its ratio to the bound, the SQL statements and write
transactions of the recording run. Full: 600 and 2,000 replies; `--quick`: 50.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from icalendar import Calendar

if not __package__:
    # Run by its path (python bench/replies.py): the project root on the path, as with -m.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._args import options
from consult.mail.notices import record_inbox
from consult.mail.replies import read_inbox
from consult.store import Proposal, Store, open_store
from schemas.state import Attendee

FULL, QUICK = (600, 2_000), (50,)
ATTENDEES = 10
SLUG, ROUND = "bench", "round-1"
START = dt.datetime(2027, 3, 1, 6, tzinfo=dt.UTC)
ANSWERS = ("ACCEPTED", "DECLINED", "TENTATIVE")


def store_round(store: Store, meetings: int) -> list[tuple[str, list[str]]]:
    """Store a confirmed round of `meetings`; return each one's UID and attendees' emails."""
    proposals = []
    for m in range(meetings):
        meeting_id = f"{SLUG}/{ROUND}/m-{m}"
        start = START + dt.timedelta(hours=m)
        people = tuple(
            Attendee(
                meeting_id=meeting_id,
                email=f"person-{a}@org-{m}.example.org",
                name=f"Person {a}",
                role="REQ-PARTICIPANT",
                organisation=f"org-{m}",
                language="en",
                timezone="Europe/Brussels",
            )
            for a in range(ATTENDEES)
        )
        proposals.append(
            Proposal(
                meeting_id,
                SLUG,
                ROUND,
                f"org-{m}",
                "online",
                start,
                start + dt.timedelta(hours=1),
                "https://meet.example.org/x",
                ("lela",),
                people,
            )
        )
    store.propose_round(SLUG, ROUND, proposals, [], "bench")
    store.decide_round(SLUG, ROUND, approve=True, actor="bench")
    return [(m.uid, [a.email for a in store.attendees(m.id)]) for m in store.meetings(SLUG, ROUND)]


def answer(uid: str, email: str, partstat: str) -> bytes:
    """Return an answer as a mail client sends it: a line of text and the REPLY calendar."""
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Bench//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nSEQUENCE:0\r\nDTSTAMP:20270201T090000Z\r\n"
        f"ATTENDEE;PARTSTAT={partstat}:mailto:{email}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    message = EmailMessage()
    message["From"] = email
    message["To"] = "consultations@example.org"
    message["Subject"] = f"{partstat.title()}: Consultation"
    message.set_content("Thank you, see you there.")
    message.add_alternative(calendar, subtype="calendar", params={"method": "REPLY"})
    return bytes(message)


def write_inbox(inbox: Path, meetings: list[tuple[str, list[str]]], replies: int) -> None:
    """Write `replies` answers, each from a different attendee while there are any."""
    inbox.mkdir(parents=True)
    for n in range(replies):
        uid, emails = meetings[n % len(meetings)]
        email = emails[(n // len(meetings)) % len(emails)]
        (inbox / f"reply-{n:05}.eml").write_bytes(answer(uid, email, ANSWERS[n % 3]))


def bound(inbox: Path) -> int:
    """Parse every file once with the email package and icalendar; return the calendars read."""
    parser = BytesParser(policy=policy.default)
    calendars = 0
    for path in sorted(inbox.glob("*.eml")):
        message = parser.parsebytes(path.read_bytes())
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                Calendar.from_ical(part.get_payload(decode=True))
                calendars += 1
    return calendars


def timed(work: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def run(base: Path, replies: int) -> None:
    meetings = max(1, replies // ATTENDEES)
    with open_store(f"sqlite:///{base}/state-{replies}.db", actor="bench") as store:
        inbox = base / f"inbox-{replies}"
        write_inbox(inbox, store_round(store, meetings), replies)
        floor, calendars = timed(lambda: bound(inbox))
        assert calendars == replies
        seen: list[str] = []

        def count(_c: Any, _cursor: Any, statement: str, *_: Any) -> None:
            seen.append(statement)

        engine = store._engine  # counting the statements the recording runs
        sa.event.listen(engine, "before_cursor_execute", count)
        first, report = timed(lambda: record_inbox(store, read_inbox(inbox)))
        sa.event.remove(engine, "before_cursor_execute", count)
        recorded = sum(r.outcome.startswith("recorded") for r in report.rows)
        assert recorded == replies, f"{recorded} of {replies} recorded"
        again, report = timed(lambda: record_inbox(store, read_inbox(inbox)))
        assert all(r.outcome == "already recorded" for r in report.rows)
    writes = sum(s.strip().upper() == "BEGIN IMMEDIATE" for s in seen)
    print(f"{replies:,} replies to {meetings:,} meetings of {ATTENDEES} attendees")
    print(f"  bound   (email + icalendar, once) {floor:7.3f} s")
    print(f"  consult (read + record)          {first:7.3f} s  {first / floor:5.2f}x the bound")
    print(f"  again   (all already recorded)   {again:7.3f} s  {again / floor:5.2f}x the bound")
    print(
        f"  recording: {len(seen):,} SQL statements ({len(seen) / replies:.2f} per reply), "
        f"{writes} write transaction(s)"
    )


def main() -> None:
    args = options(__doc__)
    with tempfile.TemporaryDirectory() as folder:
        warm = Path(folder) / "warm"  # first calls pay imports and caches: not measured
        with open_store(f"sqlite:///{folder}/warm.db", actor="bench") as store:
            write_inbox(warm, store_round(store, 1), 3)
            bound(warm)
            record_inbox(store, read_inbox(warm))
        for replies in QUICK if args.quick else FULL:
            run(Path(folder), replies)


if __name__ == "__main__":
    main()

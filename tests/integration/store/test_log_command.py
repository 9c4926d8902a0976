"""`consult log`: every action of a training's preparation, by whom and when, newest last.

One workspace goes through what a coordinator does from a shell, each step a
real `consult` process sending through a real SMTP server on loopback (which
refuses one address with a 550): plan, approve, send, replies, import notes
(then an edit), compile and send the pack, reschedule, cancel. The log then
names each of those actions and who did it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consult.settings import Settings
from consult.store import open_store
from consult.store.meetings import MeetingPlan
from schemas.state import Meeting
from tests.conftest import LIVE_TRAINING, TINY_STAKEHOLDERS
from tests.held import held_before
from tests.mailserver import Mailbox, running

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
NINO = "nino@mia.example.gov.ge"
LELA = "lela@example.org"
TBILISI = ZoneInfo("Asia/Tbilisi")

NOTES = """\
---
meeting: mia
round: round-1
organisation: mia
date: {date}
attendance:
  - name: ნინო ბერიძე
    organisation: mia
    role: Head of department
---

- [gap] [theme: bias] [severity: 3] [id: bias-forms] [confidentiality: restricted]
  Officers record no bias indicator on the incident form.
"""


def consult(root: Path, environment: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "consult", *args, "--workspace", str(root)],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def reply(meeting: Meeting, attendee: str, partstat: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Outlook//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{meeting.uid}\r\nSEQUENCE:{meeting.sequence}\r\n"
        "DTSTAMP:20261201T090000Z\r\n"
        f"ATTENDEE;PARTSTAT={partstat}:mailto:{attendee}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def later_the_same_day(start: dt.datetime) -> str:
    """Return a local start an hour from `start`, within working hours (09:00 to 18:00)."""
    local = start.astimezone(TBILISI).replace(tzinfo=None)
    moved = local + dt.timedelta(hours=1) if local.hour <= 15 else local - dt.timedelta(hours=1)
    return moved.isoformat(timespec="minutes")


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A workspace taken through the whole preparation; its root and the commands' environment."""
    root = tmp_path_factory.mktemp("log") / "workspace"
    (root / "trainings").mkdir(parents=True)
    (root / "stakeholders.yaml").write_text(TINY_STAKEHOLDERS, encoding="utf-8")
    (root / "trainings" / "winter-2027.yaml").write_text(LIVE_TRAINING, encoding="utf-8")
    settings = Settings(workspace=root)
    mailbox = Mailbox(refusals={NINO: "550 5.1.1 <nino@mia.example.gov.ge>: no such user"})
    with running(mailbox) as port:
        environment = {
            **os.environ,
            "CONSULT_TRANSPORT": "smtp",
            "CONSULT_SMTP_HOST": "127.0.0.1",
            "CONSULT_SMTP_PORT": str(port),
            "CONSULT_SMTP_SECURITY": "none",
            # A From that SMTP may send from (no domain kept for examples); it stays on loopback.
            "CONSULT_SENDER_NAME": "Consultations",
            "CONSULT_SENDER_EMAIL": "consultations@consult-mail.net",
        }
        run: Callable[..., str] = lambda *args: consult(root, environment, *args)  # noqa: E731
        run("plan", "winter-2027", "--approve", "--by", "Nino")
        run("send", "winter-2027", "--yes", "--by", "Lela")
        with open_store(settings.store_url) as store:
            [meeting] = store.meetings("winter-2027")
        settings.inbox.mkdir()
        (settings.inbox / "lela.ics").write_text(reply(meeting, LELA, "ACCEPTED"))
        run("replies", "winter-2027")
        # notes are taken once a meeting is held: it is held for them, then back where it was
        with open_store(settings.store_url) as store:
            [held] = held_before(store, "winter-2027", dt.datetime.now(dt.UTC))
        settings.notes.mkdir()
        notes = settings.notes / "mia.md"
        notes.write_text(NOTES.format(date=held.start.astimezone(TBILISI).date()), "utf-8")
        run("import-notes", "winter-2027", "--by", "Giorgi")
        notes.write_text(notes.read_text().replace("[severity: 3]", "[severity: 4]"), "utf-8")
        run("import-notes", "winter-2027", "--by", "Giorgi")
        run("brief", "winter-2027", "--by", "Ana")
        with open_store(settings.store_url) as store:
            store.upsert_meeting(MeetingPlan.of(meeting))
        run("reschedule", "winter-2027", "mia", later_the_same_day(meeting.start), "--by", "Nino")
        run("cancel", "winter-2027", "mia", "--by", "Lela")
        yield root, environment


def log(journey: tuple[Path, dict[str, str]], *args: str) -> list[str]:
    root, environment = journey
    return consult(root, environment, "log", "winter-2027", *args).splitlines()


def test_the_log_names_every_kind_of_action_and_who_did_it(
    journey: tuple[Path, dict[str, str]],
) -> None:
    header, *lines = log(journey)

    assert header == f"winter-2027: {len(lines)} actions, times in Asia/Tbilisi"
    done = [line.split()[2:4] for line in lines]  # actor, action (after date and time)
    for who, action in [
        ("Nino", "round.proposed"),
        ("Nino", "round.approved"),
        ("Lela", "message.sent"),  # the invitation to Lela
        ("Lela", "message.rejected"),  # Nino's address, refused with a 550
        (LELA, "reply.accepted"),
        ("Giorgi", "notes.attendance"),
        ("Giorgi", "observation.added"),
        ("Giorgi", "observation.updated"),
        ("Ana", "pack.compiled"),
        ("Ana", "message.sent"),  # the pack to the expert
        ("Nino", "meeting.rescheduled"),
        ("Nino", "message.sent"),  # the update
        ("Lela", "meeting.status"),  # cancelled
        ("Lela", "message.sent"),  # the cancellation
    ]:
        assert [who, action] in done, (who, action, lines)
    times = [line[:19] for line in lines]
    assert times == sorted(times)  # newest last
    [rejected] = [line for line in lines if "message.rejected" in line and "invitation" in line]
    assert "550 5.1.1" in rejected
    assert "round-1/mia" in rejected
    [cancelled] = [line for line in lines if "meeting.status" in line]
    assert "to: cancelled" in cancelled
    assert "Officers record" not in "\n".join(lines)  # a restricted text stays in the store


def test_kind_since_and_csv_narrow_and_export_the_log(
    journey: tuple[Path, dict[str, str]],
) -> None:
    _, *rejected = log(journey, "--kind", "message.rejected")
    assert rejected
    assert all(" message.rejected " in line for line in rejected)
    _, *packs_and_replies = log(journey, "--kind", "pack", "--kind", "reply")
    assert [line.split()[3] for line in packs_and_replies] == ["reply.accepted", "pack.compiled"]

    tomorrow = (dt.datetime.now(TBILISI) + dt.timedelta(days=1)).date().isoformat()
    assert log(journey, "--since", tomorrow) == ["winter-2027: 0 actions, times in Asia/Tbilisi"]

    rows = list(csv.DictReader(io.StringIO("\n".join(log(journey, "--csv")))))
    assert list(rows[0]) == ["time", "actor", "action", "subject", "detail"]
    [approved] = [row for row in rows if row["action"] == "round.approved"]
    assert approved["subject"] == "winter-2027/round-1"
    assert approved["actor"] == "Nino"
    assert dt.datetime.fromisoformat(approved["time"]).utcoffset() == dt.timedelta(hours=4)


def test_a_bad_date_or_an_unknown_training_is_one_clear_error(
    journey: tuple[Path, dict[str, str]],
) -> None:
    root, environment = journey
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "consult",
            "log",
            "winter-2027",
            "--since",
            "2027-13-01",
            "--workspace",
            str(root),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2
    assert "'2027-13-01'" in bad.stderr
    assert "Traceback" not in bad.stderr
    unknown = subprocess.run(
        [sys.executable, "-m", "consult", "log", "summer-2027", "--workspace", str(root)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert unknown.returncode == 1
    assert "summer-2027" in unknown.stderr
    assert "Traceback" not in unknown.stderr

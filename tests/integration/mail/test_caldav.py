"""An invitation stored on a real CalDAV server (Radicale on loopback) and found by time."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import caldav
import pytest

from consult.mail.calendar import build_invite, strip_method
from schemas.state import Attendee, Meeting

# 28 March 2027, 08:00 UTC: 11:00 in Bucharest, on the morning it moves to summer time.
START = datetime(2027, 3, 28, 8, tzinfo=UTC)
END = START + timedelta(hours=1)
UID = "winter-2027-round-1-mia@consult.example.org"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[str]:
    """The URL of a Radicale server on loopback, storing in tmp_path, that lets anyone in."""
    port = free_port()
    log = (tmp_path / "radicale.log").open("wb")
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "radicale", "--config", ""),
            *("--server-hosts", f"127.0.0.1:{port}"),
            *("--storage-filesystem-folder", str(tmp_path / "collections")),
            *("--auth-type", "none", "--logging-level", "warning"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    output = (tmp_path / "radicale.log").read_text()
                    pytest.fail(f"Radicale did not start:\n{output}")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def invitation() -> bytes:
    meeting = Meeting(
        id="winter-2027/round-1/mia",
        training="winter-2027",
        round="round-1",
        organisation="mia",
        format="online",
        status="confirmed",
        start=START,
        end=END,
        uid=UID,
        sequence=1,
        location="https://meet.example.org/mia-round-1",
        updated_at=START,
    )
    nino = Attendee(
        meeting_id=meeting.id,
        email="nino@mia.example.gov.ge",
        name="ნინო ბერიძე",
        role="REQ-PARTICIPANT",
        organisation="mia",
        language="ka",
        timezone="Asia/Tbilisi",
    )
    return build_invite(
        meeting,
        [nino],
        organizer_name="Lela Tsereteli",
        organizer_email="lela@example.org",
        method="REQUEST",
        summary="Consultation: შინაგან საქმეთა სამინისტრო",
        description="Before the training.",
        timezone="Europe/Bucharest",
        dtstamp=START - timedelta(days=30),
    )


def test_a_stored_invitation_is_found_by_a_utc_time_range_search(radicale: str) -> None:
    with caldav.DAVClient(url=radicale, username="lela", password="unused") as client:
        calendar = client.principal().make_calendar(name="Consultations")
        calendar.save_event(strip_method(invitation()))

        around = (START - timedelta(minutes=1), START + timedelta(minutes=1))
        [found] = calendar.search(start=around[0], end=around[1], event=True, expand=False)
        event = found.icalendar_component
        assert str(event["UID"]) == UID
        assert event["DTSTART"].params["TZID"] == "Europe/Bucharest"
        assert event["DTSTART"].dt == START
        assert event["DTSTART"].dt.replace(tzinfo=None) == datetime(2027, 3, 28, 11)
        assert "METHOD" not in found.icalendar_instance

        # The server files it at its instant: not in the hour before it, nor the hour after.
        before = calendar.search(start=START - timedelta(hours=1), end=START, event=True)
        after = calendar.search(start=END, end=END + timedelta(hours=1), event=True)
        assert (before, after) == ([], [])

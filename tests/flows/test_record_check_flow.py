"""Flow `send-record-check` on a real Prefect server: the record sent once, nothing twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from consult.settings import Settings
from consult.store import open_store
from consult.store.tables import meetings
from flows.send_record_check import RecordCheckParameters, send_record_check
from tests.flows.test_followup_flows import invited_workspace


def held_last_week(root: Path) -> str:
    """Return the tiny round's meeting, moved to last week and given two observations."""
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        [meeting] = store.meetings("winter-2027")
        engine = sa.create_engine(settings.store_url)
        start = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
        with engine.begin() as connection:  # it took place last week
            connection.execute(
                sa.update(meetings)
                .where(meetings.c.id == meeting.id)
                .values(start=start, end=start + dt.timedelta(hours=1))
            )
        engine.dispose()
        store.set_meeting_status(meeting.id, "held", "test")
        for n, confidentiality in enumerate(("public", "restricted"), start=1):
            store.upsert_observation(
                f"notes/mia.md#{n}",
                meeting_id=meeting.id,
                organisation=meeting.organisation,
                kind="gap",
                theme="bias",
                severity=3,
                text=f"Observation {n}, {confidentiality}.",
                confidentiality=confidentiality,
            )
    return meeting.id


def test_the_record_goes_once_to_each_who_checks_it_and_never_a_restricted_note(
    write_workspace: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, settings = invited_workspace(write_workspace)
    meeting_id = held_last_week(root)
    parameters = RecordCheckParameters(training="winter-2027", workspace=str(root))
    monkeypatch.delenv("CONSULT_PUBLIC_URL", raising=False)
    with pytest.raises(Exception, match="CONSULT_PUBLIC_URL: not set"):
        send_record_check(parameters)
    monkeypatch.setenv("CONSULT_PUBLIC_URL", "https://consult.example.org")
    first = send_record_check(parameters)
    second = send_record_check(parameters)
    sent = sorted(settings.outbox.glob("*.record_check.*.eml"))
    with open_store(settings.store_url) as store:
        invitees = [a for a in store.attendees(meeting_id) if a.role == "REQ-PARTICIPANT"]
        check = store.record_check(meeting_id)
    assert first == f"1 meeting(s) opened; {len(invitees)} record_check sent"
    assert second == f"{len(invitees)} record_check already sent"
    assert len(sent) == len(invitees)
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in sent)
    assert "restricted" not in text.lower() or "Observation 2" not in text
    assert check is not None
    assert list(check.observations) == ["notes/mia.md#1"]

"""Workers sharing a SQLite or PostgreSQL state database: none deadlocks, each message goes once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
KEYS = 200
WORKERS = 4

WORKER = """
import datetime as dt, json, sys, time
from pathlib import Path
from consult.store import MeetingPlan, open_store

url, go, name, keys = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
while not go.exists():
    time.sleep(0.001)
start = dt.datetime(2027, 1, 12, 6, 0, tzinfo=dt.UTC)
claimed = []
with open_store(url) as store:
    meeting = store.upsert_meeting(MeetingPlan(
        id="winter-2027/round-1/mia", training="winter-2027", round="round-1",
        organisation="mia", format="online", start=start, end=start + dt.timedelta(hours=1),
    ))
    for number in range(keys):
        message = store.claim_message(meeting.id, f"p{number}@x.ge", 0, "invitation")
        if message is not None:
            store.mark_sent(message.id, f"<{number}.{name}@consult>")
            claimed.append(number)
print(json.dumps(claimed))
"""


def test_processes_racing_on_a_fresh_database_claim_each_message_exactly_once(
    empty_store_url: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, empty_store_url, str(go), f"w{n}", str(KEYS)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    time.sleep(1.0)  # let every worker import and wait at the start line
    go.touch()
    outputs = [worker.communicate(timeout=120) for worker in workers]

    assert [
        (worker.returncode, err) for worker, (_, err) in zip(workers, outputs, strict=True)
    ] == [(0, "")] * WORKERS
    claimed = [number for out, _ in outputs for number in json.loads(out)]
    assert sorted(claimed) == list(range(KEYS))

"""Benchmark: a training's rounds sent by one process worker, then by two, of one work pool.

A team's setup on this machine (tests/teamprefect.py): a Prefect server on PostgreSQL
with basic auth, the `consult` process work pool, the send-invitations deployment, the
consult store on PostgreSQL, and a real SMTP server (aiosmtpd) on 127.0.0.1. The
workspace holds ROUNDS rounds of confirmed meetings (30 times the demo in full: 13
rounds of 30 meetings of 5 contacts, 1,950 invitations; the demo's first round is 47).
A send-invitations run is started for every round at once, and the wall time is taken
from the first start to the last run's end:
- baseline: one worker (`--limit 1`: a run at a time);
- two workers of the same pool, each `--limit 1`, on a fresh store and workspace.
Prints both, the ratio of one to two, the messages a second, and checks that every
message was sent once: the ledger holds each as sent, the SMTP server got each
Message-ID once. Each worker starts a Python process per flow run (Prefect's process
worker): about 3 s of CPU each on these machines, which two workers share with the
server, PostgreSQL and the SMTP server on 2 cores. `--quick`: 2 rounds of 2 meetings
of 2 contacts. One Prefect server serves both measures (each its own store and workspace).
"""

from __future__ import annotations

import copy
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path
from typing import Any

import yaml

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._args import options
from bench.send import SLUG, confirm_rounds, write_workspace
from consult.settings import Settings
from consult.store import open_store
from tests import pg
from tests.mailserver import Mailbox, running
from tests.teamprefect import TeamServer, deploy, team_server, worker
from tests.uiserver import trigger, wait_for_state


@dataclass(frozen=True)
class Sizes:
    rounds: int
    meetings: int
    """Meetings per round, one organisation each."""
    contacts: int

    @property
    def messages(self) -> int:
        return self.rounds * self.meetings * self.contacts


FULL, QUICK = Sizes(13, 30, 5), Sizes(2, 2, 2)
TIMEOUT = 1800
"""Seconds every run may take to end, in all."""


def write_rounds(root: Path, sizes: Sizes) -> None:
    """Write a workspace of `sizes.rounds` rounds of `sizes.meetings` online meetings."""
    write_workspace(root, sizes.rounds * sizes.meetings, sizes.contacts)
    path = root / "trainings" / f"{SLUG}.yaml"
    training = yaml.safe_load(path.read_text())
    [only] = training["consultation"]["rounds"]
    meetings = only["meetings"]
    training["consultation"]["rounds"] = [
        {
            **copy.deepcopy(only),
            "id": f"round-{r + 1}",
            "meetings": meetings[r * sizes.meetings : (r + 1) * sizes.meetings],
        }
        for r in range(sizes.rounds)
    ]
    path.write_text(yaml.safe_dump(training))


def worker_env(root: Path, store_url: str, smtp_port: int) -> dict[str, str]:
    """Return what a worker's machine sets for consult: workspace, store, SMTP server."""
    return {
        "CONSULT_WORKSPACE": str(root),
        "CONSULT_DATABASE_URL": store_url,
        "CONSULT_TRANSPORT": "smtp",
        "CONSULT_SMTP_HOST": "127.0.0.1",
        "CONSULT_SMTP_PORT": str(smtp_port),
        "CONSULT_SMTP_SECURITY": "none",
    }


def start_rounds(server: TeamServer, rounds: list[str]) -> list[str]:
    """Start a send-invitations run for every round; return the runs' ids."""
    with server.session() as http:
        return [
            trigger(
                server.api,
                "send-invitations",
                {"parameters": {"training": SLUG, "round": r}},
                session=http,
            )
            for r in rounds
        ]


def wait_all(server: TeamServer, runs: list[str], timeout: float = TIMEOUT) -> list[dict[str, Any]]:
    """Return every run once it ended."""
    with server.session() as http:
        return [
            wait_for_state(server.api, run, {"COMPLETED"}, timeout=timeout, session=http)
            for run in runs
        ]


def message_ids(mailbox: Mailbox) -> Counter[str]:
    """Return how many times the SMTP server got each Message-ID."""
    return Counter(str(message_from_bytes(d.content)["Message-ID"]) for d in mailbox.deliveries)


def sent_once(store_url: str, mailbox: Mailbox, expected: int) -> str:
    """Return "" when each of the `expected` messages was sent once, else what is wrong."""
    with open_store(store_url) as store:
        ledger = {m.message_id for m in store.messages(status="sent")}
    got = message_ids(mailbox)
    twice = sorted(i for i, n in got.items() if n > 1)
    if len(ledger) != expected or set(got) != ledger or twice:
        return (
            f"ledger {len(ledger)} sent of {expected}; SMTP got {len(got)} Message-IDs, "
            f"{len(twice)} of them more than once"
        )
    return ""


def measure(server: TeamServer, postgres: str, base: Path, sizes: Sizes, workers: int) -> float:
    """Return the wall seconds `workers` workers take to send every round of a new workspace
    on a new store."""
    folder = base / f"{workers}-workers"
    folder.mkdir()
    store_url = pg.create_database(postgres)
    root = folder / "workspace"
    write_rounds(root, sizes)
    rounds = confirm_rounds(Settings(workspace=root, database_url=store_url))
    mailbox = Mailbox()
    with ExitStack() as stack:
        env = worker_env(root, store_url, stack.enter_context(running(mailbox)))
        for n in range(workers):
            stack.enter_context(worker(server, folder, f"worker-{n + 1}", env))
        started = time.perf_counter()
        ended = wait_all(server, start_rounds(server, rounds))
        wall = time.perf_counter() - started
    failed = [run["name"] for run in ended if run["state_type"] != "COMPLETED"]
    if failed:
        raise SystemExit(f"workers: runs did not complete: {failed}")
    wrong = sent_once(store_url, mailbox, sizes.messages)
    if wrong:
        raise SystemExit(f"workers: {wrong}")
    return wall


def main(sizes: Sizes = FULL) -> None:
    postgres = pg.start_server()
    try:
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary)
            with team_server(postgres.url, folder) as server:
                deploy(server, "send-invitations")
                one = measure(server, postgres.url, folder, sizes, 1)
                two = measure(server, postgres.url, folder, sizes, 2)
    finally:
        postgres.stop()
    print(
        f"{sizes.rounds} rounds of {sizes.meetings} meetings of {sizes.contacts} contacts: "
        f"{sizes.messages:,} invitations, a send-invitations run per round, started at once; "
        "Prefect server and store on PostgreSQL, aiosmtpd, 127.0.0.1"
    )
    print(f"  baseline: 1 worker   {one:7.1f} s  {sizes.messages / one:6.1f} messages/s  1.00x")
    print(
        f"  2 workers            {two:7.1f} s  {sizes.messages / two:6.1f} messages/s  "
        f"{one / two:.2f}x faster (ratio of one worker's time to two's)"
    )
    print("  every message sent once in both: the ledger and the SMTP server's Message-IDs agree")


if __name__ == "__main__":
    main(QUICK if options(__doc__).quick else FULL)

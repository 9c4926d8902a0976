"""Two process workers of one work pool send a training's rounds; one is killed mid-round.

A team's setup (tests/teamprefect.py): a Prefect server and the consult store on
PostgreSQL, the `consult` process work pool, two workers on this machine. Four rounds
are started at once; while a round is half sent, one worker is killed with every
process under it (SIGKILL, as when its machine goes down). Its run stays Running
in Prefect (no worker is left to report it); the coordinator starts that round's
send again, the other worker takes the dead run's claims over at once (same host:
its process is gone) and sends the rest. Every message is then in the ledger as sent,
and the SMTP server got every Message-ID; only the message in flight at the kill may
come twice, with the same Message-ID (consult/mail/delivery.py).
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import pytest

from bench.send import confirm_rounds
from bench.workers import (
    Sizes,
    message_ids,
    start_rounds,
    wait_all,
    worker_env,
    write_rounds,
)
from consult.settings import Settings
from consult.store import open_store
from tests import pg
from tests.mailserver import Mailbox, running
from tests.teamprefect import deploy, descendants, kill_tree, team_server, worker

pytestmark = pytest.mark.e2e

SIZES = Sizes(rounds=4, meetings=4, contacts=3)
"""48 invitations, 12 a round."""


def round_of(recipient: str) -> int:
    """Return the round of an invitation from its recipient: c<meeting>-<contact>@..."""
    return int(recipient.split("-", 1)[0].removeprefix("c")) // SIZES.meetings


def test_two_workers_send_every_message_once_though_one_is_killed_mid_round(
    postgres_url: str, tmp_path: Path
) -> None:
    store_url = pg.create_database(postgres_url)
    root = tmp_path / "workspace"
    write_rounds(root, SIZES)
    rounds = confirm_rounds(Settings(workspace=root, database_url=store_url))
    mailbox = Mailbox(delay=0.4)  # a round takes about 5 s: time to be killed in it
    with ExitStack() as stack:
        server = stack.enter_context(team_server(postgres_url, tmp_path))
        deploy(server, "send-invitations")
        env = worker_env(root, store_url, stack.enter_context(running(mailbox)))
        doomed = stack.enter_context(worker(server, tmp_path, "doomed", env))
        stack.enter_context(worker(server, tmp_path, "survivor", env))
        runs = start_rounds(server, rounds)

        # Wait until the doomed worker runs a flow and some, not all, of a round is sent.
        deadline = time.monotonic() + 600
        while True:
            assert time.monotonic() < deadline, "no round was ever half sent"
            sent = Counter(round_of(d.recipients[0]) for d in mailbox.deliveries)
            half = [r for r, n in sent.items() if 0 < n < SIZES.meetings * SIZES.contacts]
            if half and descendants(doomed.pid):
                break
            time.sleep(0.05)
        killed = kill_tree(doomed)
        assert killed, "the doomed worker ran no flow when it was killed"
        before = len(mailbox.deliveries)

        # Every round the survivor could finish ends; the doomed worker's run never will.
        with server.session() as http:
            states = {
                run: http.get(f"{server.api}/flow_runs/{run}", timeout=10).json() for run in runs
            }
        unfinished = [
            rounds[i] for i, run in enumerate(runs) if states[run]["state_type"] != "COMPLETED"
        ]
        stranded = []
        for i, run in enumerate(runs):
            if states[run]["state_type"] == "RUNNING":
                # Its worker is gone: the run will stay Running. The coordinator starts it again.
                stranded.append(rounds[i])
        still = [run for i, run in enumerate(runs) if rounds[i] not in stranded]
        ended = wait_all(server, still, timeout=600)
        assert all(r["state_type"] == "COMPLETED" for r in ended), [r["state_name"] for r in ended]
        assert stranded, f"no run was stranded by the kill (unfinished: {unfinished})"
        again = wait_all(server, start_rounds(server, stranded), timeout=600)
        assert all(r["state_type"] == "COMPLETED" for r in again), [r["state_name"] for r in again]

    with open_store(store_url) as store:
        ledger = store.messages()
    assert len(ledger) == SIZES.messages
    assert {m.status for m in ledger} == {"sent"}
    got = message_ids(mailbox)
    assert set(got) == {m.message_id for m in ledger}
    twice = [i for i, n in got.items() if n > 1]
    # At most the message in flight at the kill, per run killed, came twice (same Message-ID).
    assert len(twice) <= len(stranded), twice
    assert len(mailbox.deliveries) > before

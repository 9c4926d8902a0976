"""A crashed run's claims are taken over at once on its host; claims held elsewhere are named.

Against a real aiosmtpd on loopback, with the lease at its default (15 minutes): a
rerun that had to wait for the lease would leave the crashed run's messages unsent.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from consult.demo import prepare_demo
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import MeetingPlan, Store, open_store
from consult.store.claims import holder_id, process_start
from consult.workspace.loading import load_workspace
from tests.conftest import LIVE_PLANNED_AT, LIVE_SHIFT
from tests.mailserver import Mailbox, running, send_from
from tests.polls import recipients_of_a_send

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
SLUG = "intercultural-communication-2027"


def confirmed_demo(tmp_path: Path) -> Path:
    """The demo workspace with its first round planned and approved, its sender one SMTP takes."""
    # `consult send` sends at the real now: the demo and its plan are dated for today.
    root = prepare_demo(tmp_path / "demo", dt.date(2026, 11, 28) + LIVE_SHIFT)
    stakeholders = root / "stakeholders.yaml"
    text = stakeholders.read_text(encoding="utf-8")
    stakeholders.write_text(text.replace("@iom.example.org", "@iom-georgia.ge"), encoding="utf-8")
    workspace = load_workspace(root)
    round_id = workspace.training(SLUG).consultation.rounds[0].id
    with open_store(Settings(workspace=root).store_url) as store:
        save_plan(store, plan_round(workspace, SLUG, round_id, {}, [], now=LIVE_PLANNED_AT), "test")
        store.decide_round(SLUG, round_id, approve=True, actor="test")
    send_from(root)  # SMTP refuses the demo's example.org sender
    return root


def smtp_environment(port: int) -> dict[str, str]:
    environment = {
        **os.environ,
        "CONSULT_TRANSPORT": "smtp",
        "CONSULT_SMTP_HOST": "127.0.0.1",
        "CONSULT_SMTP_PORT": str(port),
        "CONSULT_SMTP_SECURITY": "none",
    }
    environment.pop("CONSULT_CLAIM_LEASE_SECONDS", None)
    return environment


def send(root: Path, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "consult", "send", SLUG, "--yes", "--workspace", str(root)],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def expected_messages(store: Store) -> int:
    return recipients_of_a_send(store, SLUG)


def test_a_rerun_after_a_sigkill_takes_over_the_dead_runs_claims_at_once(tmp_path: Path) -> None:
    root = confirmed_demo(tmp_path)
    with open_store(Settings(workspace=root).store_url) as store:
        expected = expected_messages(store)
    mailbox = Mailbox(delay=0.05)
    with running(mailbox) as port:
        environment = smtp_environment(port)
        run = subprocess.Popen(
            [sys.executable, "-m", "consult", "send", SLUG, "--yes", "--workspace", str(root)],
            env=environment,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while len(mailbox.deliveries) < 10 and run.poll() is None:
            assert time.monotonic() < deadline, "the round never got that far"
            time.sleep(0.005)
        run.send_signal(signal.SIGKILL)
        run.wait()
        killed_at = len(mailbox.deliveries)
        assert killed_at < expected, "the run finished before it was killed"
        rerun = send(root, environment)
    # Every message arrives although the dead run's claims have 15 minutes of lease left.
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    received = Counter(
        email.message_from_bytes(d.content, policy=email.policy.default)["Message-ID"]
        for d in mailbox.deliveries
    )
    assert len(received) == expected
    assert sum(n - 1 for n in received.values()) <= 1
    assert "taken over" in rerun.stdout


def test_claims_held_by_a_live_run_elsewhere_are_counted_with_their_lease_and_exit_1(
    tmp_path: Path,
) -> None:
    root = confirmed_demo(tmp_path)
    with open_store(Settings(workspace=root).store_url) as store:
        expected = expected_messages(store)
        [first, *_] = store.meetings(SLUG)
        held = [a.email for a in store.attendees(first.id)]
        for recipient in held:
            store.claim_message(
                first.id, recipient, first.sequence, "invitation", claimed_by="other-host:4242:1:x"
            )
    mailbox = Mailbox()
    with running(mailbox) as port:
        result = send(root, smtp_environment(port))
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(mailbox.deliveries) == expected - len(held)
    assert f"{len(held)} waiting for another run" in result.stdout
    assert (
        f"waiting: {len(held)} messages are claimed by another run (other-host, process 4242), "
        "whose lease ends at " in result.stdout
    )
    assert "run `consult send` again after that" in result.stdout


def test_a_claim_by_this_host_is_held_only_while_its_process_lives_with_the_same_start(
    tmp_path: Path,
) -> None:
    host = socket.gethostname()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        start = process_start(sleeper.pid)
        assert start
        alive = f"{host}:{sleeper.pid}:{start}:a"
        reused = f"{host}:{sleeper.pid}:{int(start) - 1}:b"  # the same pid, another process
        with open_store(f"sqlite:///{tmp_path / 'state.db'}") as store:
            store.upsert_meeting(_meeting())
            for recipient, holder in (("a@x.ge", alive), ("b@x.ge", reused)):
                assert store.claim_message("t/r/m", recipient, 0, "invitation", claimed_by=holder)
            again = {
                recipient: store.claim_message("t/r/m", recipient, 0, "invitation")
                for recipient in ("a@x.ge", "b@x.ge")
            }
        assert again["a@x.ge"] is None
        taken = again["b@x.ge"]
        assert taken is not None
        assert taken.attempts == 2
    finally:
        sleeper.kill()
        sleeper.wait()


def test_this_processs_holder_id_names_its_host_pid_and_start() -> None:
    host, pid, start, _ = holder_id().split(":")
    assert (host, int(pid), start) == (
        socket.gethostname(),
        os.getpid(),
        process_start(os.getpid()),
    )


def _meeting() -> MeetingPlan:
    start = dt.datetime(2027, 1, 12, 6, tzinfo=dt.UTC)
    return MeetingPlan(
        id="t/r/m",
        training="t",
        round="r",
        organisation="o",
        format="online",
        start=start,
        end=start + dt.timedelta(hours=1),
    )

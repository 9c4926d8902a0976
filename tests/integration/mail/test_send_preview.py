"""A look before the first send: `consult send` shows what goes out, asks, or writes a dry run."""

from __future__ import annotations

import email
import email.policy
import os
import pty
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from consult.mail.preview import CONFIRMED, first_send
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT
from tests.mailserver import send_from

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
SLUG = "winter-2027"


def confirmed(root: Path) -> Settings:
    """Plan and approve the tiny round at `root`; return its settings."""
    workspace = load_workspace(root)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        plan = plan_round(workspace, SLUG, "round-1", {}, [], now=PLANNED_AT)
        save_plan(store, plan, "test")
        store.decide_round(SLUG, "round-1", approve=True, actor="test")
    return settings


def consult_send(
    root: Path, *args: str, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "consult", "send", SLUG, "--workspace", str(root), *args],
        env={**os.environ, "COLUMNS": "200", **(environment or {})},
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_first_send_without_yes_shows_the_preview_and_sends_nothing(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    settings = confirmed(root)
    result = consult_send(root)
    assert result.returncode == 1
    assert "1 invitation in en, 1 invitation in ka" in result.stdout
    assert "from IOM Georgia consultations <consultations@example.org>" in result.stdout
    assert "ნინო ბერიძე" in result.stdout
    assert "Ministry of Internal Affairs" in result.stdout
    assert "--- example in ka ---" in result.stdout
    assert "--- example in en ---" in result.stdout
    assert "Subject: Invitation to a consultation" in result.stdout
    assert "`consult send winter-2027 --round round-1 --yes`" in result.stderr
    assert "nothing was sent" in result.stderr
    assert "Traceback" not in result.stderr
    assert not settings.outbox.exists()
    with open_store(settings.store_url) as store:
        assert store.messages() == []
        assert first_send(store, SLUG, "round-1")


def test_yes_sends_the_first_send_and_records_who_confirmed_it(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    settings = confirmed(root)
    result = consult_send(root, "--yes", "--by", "Nino")
    assert result.returncode == 0, result.stderr
    assert len(list(settings.outbox.glob("*.eml"))) == 2
    with open_store(settings.store_url) as store:
        [event] = [e for e in store.audit_log(f"{SLUG}/round-1") if e.action == CONFIRMED]
        assert event.actor == "Nino"
        assert event.detail["messages"] == 2
        assert not first_send(store, SLUG, "round-1")


def test_a_coordinator_at_a_terminal_is_asked_and_yes_sends(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    settings = confirmed(root)
    controller, terminal = pty.openpty()
    run = subprocess.Popen(
        [sys.executable, "-m", "consult", "send", SLUG, "--workspace", str(root)],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    os.close(terminal)
    os.write(controller, b"y\n")
    stdout, stderr = run.communicate(timeout=120)
    os.close(controller)
    assert run.returncode == 0, stderr
    assert "Send these 2 messages?" in stdout
    assert len(list(settings.outbox.glob("*.eml"))) == 2


def test_dry_run_writes_the_messages_and_never_touches_the_ledger_or_the_server(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    send_from(root)
    settings = confirmed(root)
    with open_store(settings.store_url) as store:
        before = len(store.messages())
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        smtp = {
            "CONSULT_TRANSPORT": "smtp",
            "CONSULT_SMTP_HOST": "127.0.0.1",
            "CONSULT_SMTP_PORT": str(listener.getsockname()[1]),
            "CONSULT_SMTP_SECURITY": "none",
        }
        result = consult_send(root, "--dry-run", environment=smtp)
        listener.setblocking(False)
        try:
            listener.accept()
            connected = True
        except BlockingIOError:
            connected = False
    assert result.returncode == 0, result.stderr
    folder = settings.out_dir / "preview" / SLUG / "round-1"
    assert f"dry run: 2 messages written to {folder.resolve()}" in result.stdout
    files = sorted(folder.glob("*.eml"))
    recipients = sorted(
        str(email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["To"])
        for f in files
    )
    assert recipients == [
        "Lela Tsereteli <lela@example.org>",
        "ნინო ბერიძე <nino@mia.example.gov.ge>",
    ]
    assert not connected
    with open_store(settings.store_url) as store:
        assert len(store.messages()) == before == 0
        assert first_send(store, SLUG, "round-1")


def test_dry_run_leaves_out_what_was_sent_already(write_workspace: Callable[..., Path]) -> None:
    root = write_workspace()
    settings = confirmed(root)
    assert consult_send(root, "--yes").returncode == 0
    with open_store(settings.store_url) as store:
        rows = len(store.messages())
    result = consult_send(root, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "dry run: 0 messages written" in result.stdout
    with open_store(settings.store_url) as store:
        assert len(store.messages()) == rows == 2

"""The sender through a real SMTP server: the workspace's From and ORGANIZER, never an example."""

from __future__ import annotations

import email
import email.policy
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import icalendar
import pytest

from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT, TINY_TRAINING
from tests.mailserver import SMTP_SENDER, Mailbox, running, send_from

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


def confirmed(root: Path) -> Settings:
    """Plan and approve the tiny round at `root`; return its settings."""
    workspace = load_workspace(root)
    settings = Settings(workspace=root)
    with open_store(settings.store_url) as store:
        plan = plan_round(workspace, "winter-2027", "round-1", {}, [], now=PLANNED_AT)
        save_plan(store, plan, "test")
        store.decide_round("winter-2027", "round-1", approve=True, actor="test")
    return settings


def consult_send(root: Path, port: int, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "CONSULT_TRANSPORT": "smtp",
        "CONSULT_SMTP_HOST": "127.0.0.1",
        "CONSULT_SMTP_PORT": str(port),
        "CONSULT_SMTP_SECURITY": "none",
    }
    return subprocess.run(
        [sys.executable, "-m", "consult", "send", "winter-2027", "--workspace", str(root), *args],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_smtp_from_consultations_at_example_org_is_refused_before_any_connection(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    settings = confirmed(root)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        result = consult_send(root, listener.getsockname()[1], "--yes")
        listener.setblocking(False)
        try:
            listener.accept()
            connected = True
        except BlockingIOError:
            connected = False
    assert result.returncode == 1
    assert result.stderr.startswith(
        "the default sender (no `sender:` in stakeholders.yaml): got 'consultations@example.org'"
    )
    assert "Traceback" not in result.stderr
    assert not connected
    with open_store(settings.store_url) as store:
        assert store.messages() == []


def test_the_from_and_the_organizer_are_the_workspace_sender(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    send_from(root, SMTP_SENDER, "IOM Georgia consultations")
    confirmed(root)
    mailbox = Mailbox()
    with running(mailbox) as port:
        result = consult_send(root, port, "--yes")
    assert result.returncode == 0, result.stderr
    assert len(mailbox.deliveries) == 2
    for delivery in mailbox.deliveries:
        message = email.message_from_bytes(delivery.content, policy=email.policy.default)
        assert delivery.sender == SMTP_SENDER
        assert message["From"] == f"IOM Georgia consultations <{SMTP_SENDER}>"
        [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        [event] = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
        assert str(event["ORGANIZER"]).lower() == f"mailto:{SMTP_SENDER}"


def test_a_trainings_own_sender_and_reply_to_win_over_the_workspaces(
    write_workspace: Callable[..., Path],
) -> None:
    own = "sender:\n  name: Winter team\n  email: winter@consult-mail.net\n"
    own += "  reply_to: coordinator@consult-mail.net\n"
    root = write_workspace(trainings={"winter-2027": TINY_TRAINING + own})
    send_from(root)
    confirmed(root)
    mailbox = Mailbox()
    with running(mailbox) as port:
        result = consult_send(root, port, "--yes")
    assert result.returncode == 0, result.stderr
    message = email.message_from_bytes(mailbox.deliveries[0].content, policy=email.policy.default)
    assert message["From"] == "Winter team <winter@consult-mail.net>"
    assert message["Reply-To"] == "coordinator@consult-mail.net"
    assert mailbox.deliveries[0].sender == "winter@consult-mail.net"

"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it receives, for tests."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Delivery:
    """One message the server accepted: which connection, envelope and bytes."""

    peer: tuple[str, int]
    sender: str
    recipients: list[str]
    content: bytes


@dataclass
class Mailbox:
    """An SMTP handler that records deliveries, and refuses or hangs up when told to."""

    deliveries: list[Delivery] = field(default_factory=list)
    refusals: dict[str, str] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    """Every RCPT address the server was asked to take, refused or not, in order."""
    hang_ups: int = 0
    quits: int = 0
    delay: float = 0.0
    """Seconds each DATA takes, so a test can stop a sender in the middle of a round."""

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.hang_ups:
            self.hang_ups -= 1
            server.transport.close()
            return "421 4.4.2 hanging up"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.asked.append(address)
        if address in self.refusals:
            return self.refusals[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.deliveries.append(
            Delivery(session.peer, envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        self.quits += 1
        return "221 Bye"

    @property
    def connections(self) -> int:
        """Return how many connections delivered messages."""
        return len({delivery.peer for delivery in self.deliveries})


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def running(handler: Mailbox, authenticator: Callable[..., Any] | None = None) -> Iterator[int]:
    """Yield the port of an SMTP server on 127.0.0.1 that hands what it gets to `handler`.

    With an aiosmtpd `authenticator`, the server offers AUTH (without TLS) and asks it.
    """
    options: dict[str, Any] = {}
    if authenticator is not None:
        options = {"authenticator": authenticator, "auth_require_tls": False}
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


SMTP_SENDER = "consultations@consult-mail.net"
"""A From that SMTP accepts: not at a domain reserved for examples, which consult refuses to
send from by SMTP. The mail never leaves 127.0.0.1."""


def send_from(root: Path, email: str = SMTP_SENDER, name: str = "Consultations") -> None:
    """Make the workspace at `root` send from `email`: its `sender:` block, added or replaced."""
    path = root / "stakeholders.yaml"
    text = re.sub(r"(?m)^sender:\n(?:[ #].*\n|\n)*", "", path.read_text(encoding="utf-8"))
    path.write_text(f"sender:\n  name: {name}\n  email: {email}\n{text}", encoding="utf-8")

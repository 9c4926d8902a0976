"""Where messages go: the `Transport` port that every adapter implements.

The errors adapters raise (`SendError` and its kinds) are in `consult.errors`.

A message is an `EmailMessage`, or a `consult.mail.mime.RawMessage` (envelope and bytes, as
`prepare_message` gives it, so nothing is parsed or generated again on the way out).
A transport is used as a batch: `with transport: transport.send(m1); transport.send(m2)`.
An adapter may hold a resource across the batch (SMTP keeps one connection) and releases
it on leaving. `send` outside a `with` block is a batch of one.

Adapters: `consult.mail.transports.smtp.SmtpTransport`, `consult.mail.transports.outbox.FileOutbox`.
"""

from __future__ import annotations

from email.headerregistry import AddressHeader
from email.message import EmailMessage
from types import TracebackType
from typing import Protocol, Self

from consult.errors import UnsendableMessageError
from consult.mail.mime import RawMessage


class Transport(Protocol):
    """Sends messages, one batch per `with` block."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def send(self, message: EmailMessage | RawMessage) -> None:
        """Return once the message is handed over; raise a `SendError` when it is not."""


def envelope(message: EmailMessage | RawMessage) -> tuple[str, str]:
    """Return (sender, recipient) email addresses: the From and the single To."""
    if isinstance(message, RawMessage):
        return message.sender, message.recipient
    return _single_address(message, "From"), _single_address(message, "To")


def _single_address(message: EmailMessage, name: str) -> str:
    header = message[name]
    if not isinstance(header, AddressHeader) or len(header.addresses) != 1:
        raise UnsendableMessageError(
            f"{name}: {header!r} is not exactly one address; each message goes to one recipient"
        )
    return header.addresses[0].addr_spec

"""Where messages go: the `Transport` port, and the errors every adapter raises.

A message is an `EmailMessage`, or a `consult.mail.RawMessage` (envelope and bytes, as
`prepare_message` gives it, so nothing is parsed or generated again on the way out).
A transport is used as a batch: `with transport: transport.send(m1); transport.send(m2)`.
An adapter may hold a resource across the batch (SMTP keeps one connection) and releases
it on leaving. `send` outside a `with` block is a batch of one.

    ConsultError
    ├── SendError                   a message was not sent; carries the server's code and reply
    │   ├── TransientSendError      try again later: 4xx, connection dropped or refused, timeout
    │   └── PermanentSendError      do not retry: 5xx for this recipient, or a rejected login
    ├── UnsendableMessageError      (also ValueError) the message lacks a From, one To or an ID
    └── TransportSettingsError      (also ValueError) a transport was configured with bad values

Adapters: `consult.transports.smtp.SmtpTransport`, `consult.transports.outbox.FileOutbox`.
"""

from __future__ import annotations

from email.headerregistry import AddressHeader
from email.message import EmailMessage
from types import TracebackType
from typing import Protocol, Self

from consult.errors import ConsultError
from consult.mail import RawMessage


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


class SendError(ConsultError):
    """A message was not sent; `code` and `reply` are the server's, when it answered."""

    def __init__(
        self, what: str, *, recipient: str | None, code: int | None = None, reply: str = ""
    ) -> None:
        self.recipient = recipient
        self.code = code
        self.reply = reply
        answer = f": {code} {reply}" if code is not None else f": {reply}" if reply else ""
        super().__init__(f"{what}{answer}")


class TransientSendError(SendError):
    """The message may go through later: the server said 4xx, or could not be reached."""


class PermanentSendError(SendError):
    """The message will not go through as it is: the server said 5xx."""


class UnsendableMessageError(ConsultError, ValueError):
    """The message lacks what a transport needs: a From, exactly one To, a Message-ID."""


class TransportSettingsError(ConsultError, ValueError):
    """A transport's settings cannot work: an unknown value, or one without its partner."""


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

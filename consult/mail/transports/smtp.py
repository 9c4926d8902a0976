"""A transport that sends through an SMTP server, one connection per batch, at a bounded rate.

A refusal of one message (4xx, 5xx to its RCPT or DATA) is a `TransientSendError` or a
`PermanentSendError`; a fault of the server itself (it cannot be reached, refuses the login or
the sender, lacks what the settings ask for) is an `SmtpServerError` that says which settings
to check, since every other message would fail alike.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections import deque
from collections.abc import Callable
from email.message import EmailMessage
from types import TracebackType
from typing import Literal, Self

from consult.errors import (
    PermanentSendError,
    SendError,
    SmtpServerError,
    TransientSendError,
    TransportSettingsError,
)
from consult.mail.mime import RawMessage, message_bytes
from consult.mail.transports import envelope

logger = logging.getLogger(__name__)

Security = Literal["none", "starttls", "ssl"]

WINDOW = 60.0
"""Seconds over which `per_minute` is counted: any 60 s holds at most that many sends."""

CHECK_SERVER = (
    "CONSULT_SMTP_HOST, CONSULT_SMTP_PORT and CONSULT_SMTP_SECURITY (or the flow's SMTP block), "
    "and that the server is up"
)
CHECK_LOGIN = "CONSULT_SMTP_USERNAME and CONSULT_SMTP_PASSWORD (or the flow's SMTP block)"
CHECK_SENDER = "CONSULT_SENDER_EMAIL, and that the SMTP account may send as that address"
"""What an `SmtpServerError` tells the coordinator to check: the settings `bootstrap` reads."""

MECHANISMS = ("CRAM-MD5", "PLAIN", "LOGIN")
"""The AUTH mechanisms smtplib can do, in its order of preference."""


class SmtpTransport:
    """Sends each message over one SMTP connection, opened on the first send of a batch.

    Not thread-safe: one batch at a time. The connection is closed (QUIT) when the batch
    ends. A connection the server dropped between messages is reopened once per message;
    should it drop after taking the message but before answering, the retry duplicates it
    (SMTP cannot tell the two apart; a duplicate invitation beats a lost one).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: Security,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30,
        per_minute: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if security not in ("none", "starttls", "ssl"):
            raise TransportSettingsError(
                f"security: {security!r} is not one of 'none', 'starttls', 'ssl'"
            )
        if (username is None) != (password is None):
            raise TransportSettingsError("username and password: give both or neither")
        if per_minute is not None and per_minute < 1:
            raise TransportSettingsError(f"per_minute: {per_minute!r} is not at least 1")
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self._password = password
        self.timeout = timeout
        self.per_minute = per_minute
        self._clock = clock
        self._sleep = sleep
        self._sent_at: deque[float] = deque()
        self._connection: smtplib.SMTP | None = None
        self._in_batch = False

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host!r}, {self.port!r}, security={self.security!r})"

    def check(self) -> None:
        """Connect, log in and quit: raise the SmtpServerError sending would meet, before acting.

        What an action that changes something then tells people calls first, so that a
        server that is down or refuses the login leaves nothing changed (the desk's actions).
        """
        _close_quietly(self._connect())

    def __enter__(self) -> Self:
        self._in_batch = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._in_batch = False
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()

    def send(self, message: EmailMessage | RawMessage) -> None:
        """Return once the server accepted the message; raise a `SendError` if it did not."""
        if not self._in_batch:
            with self:
                self.send(message)
            return
        sender, recipient = envelope(message)
        data = message_bytes(message)
        self._wait_for_rate_limit()
        try:
            self._deliver(sender, recipient, data)
        except smtplib.SMTPServerDisconnected:
            logger.info("SMTP %s:%d dropped the connection; reconnecting", self.host, self.port)
            self._discard_connection()
            try:
                self._deliver(sender, recipient, data)
            except smtplib.SMTPServerDisconnected as error:
                self._discard_connection()
                raise TransientSendError(
                    f"{self.host}:{self.port} dropped the connection twice sending to {recipient}",
                    recipient=recipient,
                    reply=str(error),
                ) from error

    def _deliver(self, sender: str, recipient: str, data: bytes) -> None:
        connection = self._connection
        if connection is None:
            connection = self._connect()
        where = f"{self.host}:{self.port}"
        try:
            connection.sendmail(sender, [recipient], data)
        except smtplib.SMTPServerDisconnected:
            raise  # send() reconnects and tries once more
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
            # smtplib closes the connection itself after a 421; otherwise it stays usable.
            if connection.sock is None:
                self._connection = None
            if isinstance(error, smtplib.SMTPRecipientsRefused):
                code, reply = error.recipients[recipient]
                raise _refusal(f"{where} refused {recipient}", recipient, code, reply) from error
            # A 5xx to MAIL FROM refuses every message alike; but a 552 (RFC 1870: too big)
            # is about this one.
            code = error.smtp_code
            if isinstance(error, smtplib.SMTPSenderRefused) and 500 <= code < 600 and code != 552:
                raise SmtpServerError(
                    f"{where} refused the sender {sender}",
                    check=CHECK_SENDER,
                    transient=False,
                    code=code,
                    reply=_text(error.smtp_error),
                ) from error
            raise _refusal(
                f"{where} refused the message to {recipient}",
                recipient,
                error.smtp_code,
                error.smtp_error,
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            self._discard_connection()
            raise TransientSendError(
                f"{where} failed sending to {recipient}", recipient=recipient, reply=str(error)
            ) from error

    def _connect(self) -> smtplib.SMTP:
        logger.info(
            "SMTP connecting to %s:%d (security %s, user %s)",
            self.host,
            self.port,
            self.security,
            self.username,
        )
        where = f"{self.host}:{self.port}"
        connection: smtplib.SMTP | None = None
        try:
            if self.security == "ssl":
                connection = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
            if self.username is not None and self._password is not None:
                _login(connection, self.username, self._password)
        except smtplib.SMTPAuthenticationError as error:
            _close_quietly(connection)
            raise SmtpServerError(
                f"{where} refused the login of {self.username!r}",
                check=CHECK_LOGIN,
                transient=False,
                code=error.smtp_code,
                reply=_text(error.smtp_error),
            ) from error
        except smtplib.SMTPResponseException as error:
            _close_quietly(connection)
            raise SmtpServerError(
                f"{where} refused the connection",
                check=CHECK_SERVER,
                transient=not 500 <= error.smtp_code < 600,
                code=error.smtp_code,
                reply=_text(error.smtp_error),
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            _close_quietly(connection)
            raise SmtpServerError(
                f"{where} lacks what the settings ask for",
                check=CHECK_SERVER,
                transient=False,
                reply=str(error),
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            _close_quietly(connection)
            raise SmtpServerError(
                f"{where} could not be reached",
                check=CHECK_SERVER,
                transient=True,
                reply=str(error),
            ) from error
        self._connection = connection
        return connection

    def _discard_connection(self) -> None:
        connection, self._connection = self._connection, None
        _close_quietly(connection)

    def _wait_for_rate_limit(self) -> None:
        if self.per_minute is None:
            return
        now = self._clock()
        while self._sent_at and self._sent_at[0] <= now - WINDOW:
            self._sent_at.popleft()
        if len(self._sent_at) >= self.per_minute:
            wait = self._sent_at[-self.per_minute] + WINDOW - now
            logger.info("SMTP rate limit of %d a minute: waiting %.1f s", self.per_minute, wait)
            self._sleep(wait)
            now = self._clock()
        self._sent_at.append(now)


def _login(connection: smtplib.SMTP, username: str, password: str) -> None:
    """Log in with one AUTH command, in the first mechanism of `MECHANISMS` the server offers.

    smtplib's `login` tries each offered mechanism in turn after a refusal: a wrong password
    would count as two or three failed logins against the account on every run. So `login`
    is shown only the first one.
    """
    connection.ehlo_or_helo_if_needed()
    if not connection.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("the server offers no AUTH")
    offered = connection.esmtp_features["auth"].upper().split()
    mechanism = next((m for m in MECHANISMS if m in offered), None)
    if mechanism is None:
        raise smtplib.SMTPNotSupportedError(
            f"the server offers AUTH {' '.join(offered)}, none of {', '.join(MECHANISMS)}"
        )
    connection.esmtp_features["auth"] = mechanism
    connection.login(username, password)


def _refusal(what: str, recipient: str, code: int, reply: bytes | str) -> SendError:
    error_type = PermanentSendError if 500 <= code < 600 else TransientSendError
    return error_type(what, recipient=recipient, code=code, reply=_text(reply))


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _close_quietly(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        connection.close()

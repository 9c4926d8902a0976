"""Invitation emails: one recipient, a plain and an HTML part, and the calendar if there is one.

Headers are built from `email.headerregistry.Address`, never by formatting strings, and the
message is written with a 7-bit SMTP policy: non-ASCII names and subjects go out RFC 2047
encoded and every body part base64 or quoted-printable, so any relay passes it unchanged.

One recipient per message, by design and because Python 3.11 drops addresses from a To
header holding several non-ASCII display names (gh-100884).
"""

from __future__ import annotations

import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from consult.errors import ConsultError

POLICY = SMTP.clone(cte_type="7bit")
"""How invitations are written: CRLF line ends, RFC 2047 headers, 7-bit bodies."""

ATTACHMENT_NAME = "invite.ics"

_FOLD = re.compile(r"\r?\n[ \t]")
"""A folded iCalendar line break (RFC 5545, 3.1): removed to unfold."""


class HeaderError(ConsultError, ValueError):
    """A value cannot go into a mail header as given."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field}: {value!r} {reason}")


class CalendarError(ConsultError, ValueError):
    """The calendar cannot go into an invitation: not UTF-8, or its METHOD is missing or differs."""


def build_message(
    *,
    sender: tuple[str, str],
    recipient: tuple[str, str],
    subject: str,
    text: str,
    html: str,
    calendar: bytes | None,
    method: str | None,
    date: datetime,
    message_id: str | None = None,
    domain: str = "consult.local",
) -> EmailMessage:
    """Return the message to one recipient, with the calendar inline and as invite.ics.

    `sender` and `recipient` are (display name, email). Without a calendar the message is
    multipart/alternative [text/plain, text/html]; with one it is multipart/mixed >
    [multipart/alternative [text/plain, text/html, text/calendar], invite.ics]. `method`
    must match the calendar's METHOD; when None it is taken from the calendar.
    """
    calendar_method = _calendar_method(calendar, method)
    message = EmailMessage(policy=POLICY)
    message["Subject"] = _header_value("subject", subject)
    message["From"] = _address("sender", sender)
    message["To"] = _address("recipient", recipient)
    message["Date"] = format_datetime(_aware_date(date))
    message["Message-ID"] = _message_id(message_id, domain)
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    if calendar is not None:
        # Bytes go base64, so the part decodes to exactly the calendar given.
        message.add_alternative(
            calendar,
            maintype="text",
            subtype="calendar",
            params={"charset": "utf-8", "method": calendar_method},
        )
        message.add_attachment(
            calendar, maintype="application", subtype="ics", filename=ATTACHMENT_NAME
        )
    for part in message.iter_parts():
        _drop_nested_mime_version(part)
    return message


def message_bytes(message: EmailMessage) -> bytes:
    """Return the message as sent over SMTP: CRLF line ends, 7-bit clean for our messages."""
    return message.as_bytes(policy=POLICY)


def calendar_method(calendar: bytes) -> str:
    """Return the calendar's METHOD, upper-cased (iCalendar values are case-insensitive)."""
    try:
        text = calendar.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CalendarError(f"calendar: not UTF-8 ({error})") from None
    unfolded = _FOLD.sub("", text)
    methods = {
        value.strip().upper()
        for name, _, value in (line.partition(":") for line in unfolded.splitlines())
        if name.partition(";")[0].strip().upper() == "METHOD"
    }
    if len(methods) != 1:
        found = ", ".join(sorted(methods)) or "none"
        raise CalendarError(f"calendar: needs exactly one METHOD, found {found}")
    return methods.pop()


def _header_value(field: str, value: str) -> str:
    if "".join(value.splitlines()) != value:
        raise HeaderError(field, value, "contains a line break, which no mail header may hold")
    return value


def _address(field: str, name_and_email: tuple[str, str]) -> Address:
    name, email = name_and_email
    _header_value(f"{field} name", name)
    _header_value(f"{field} email", email)
    if not email.isascii():
        raise HeaderError(f"{field} email", email, "is not ASCII; SMTPUTF8 is not supported")
    try:
        return Address(display_name=name, addr_spec=email)
    except ValueError as error:
        raise HeaderError(f"{field} email", email, f"is not an email address ({error})") from None


def _aware_date(date: datetime) -> datetime:
    if date.utcoffset() is None:
        raise HeaderError("date", date, "has no time zone; a Date header needs one")
    return date


def _message_id(message_id: str | None, domain: str) -> str:
    if message_id is None:
        return make_msgid(domain=_header_value("domain", domain))
    _header_value("message_id", message_id)
    if not (message_id.startswith("<") and message_id.endswith(">") and "@" in message_id):
        raise HeaderError("message_id", message_id, "is not of the form <left@right>")
    return message_id


def _calendar_method(calendar: bytes | None, method: str | None) -> str | None:
    if method is not None:
        _header_value("method", method)
    if calendar is None:
        if method is not None:
            raise CalendarError(f"method: {method!r} given without a calendar")
        return None
    found = calendar_method(calendar)
    if method is not None and method.upper() != found:
        raise CalendarError(f"method: {method!r} differs from the calendar's METHOD:{found}")
    return found


def _drop_nested_mime_version(part: MIMEPart) -> None:
    # The email package stamps MIME-Version on every part it adds; only the top needs it.
    del part["MIME-Version"]
    for child in part.iter_parts():
        _drop_nested_mime_version(child)

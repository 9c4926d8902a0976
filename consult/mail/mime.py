"""Invitation emails: one recipient, a plain and an HTML part, and the calendar if there is one.

Address headers start from `email.headerregistry.Address` (which checks the address),
never from a formatted string, and the message is written 7-bit: non-ASCII names and
subjects go out RFC 2047 encoded and every body part 7bit, quoted-printable or base64, so
any relay passes it unchanged.

`prepare_message` writes the bytes directly, at a fraction of the cost of `EmailMessage`
and its generator, and folds the headers itself, because the email package's folder
breaks them: it leaves a space between two encoded words at a fold, which RFC 2047
readers drop ("свидетелями ипотерпевшими"), and folds a quoted display name without its
quotes, so `"Boss, <boss@evil.example>"` parses back as another address. Here a header
is pieces that are never cut, one space apart, folded only between pieces:

- a Subject of single-spaced printable ASCII words, none of which looks like an encoded
  word, stays as it is; any other goes out as UTF-8 encoded words of at most 75
  characters, its spaces inside them, so the whitespace between them is only the fold;
- a display name of atoms stays as it is, a printable ASCII one becomes a quoted-string,
  any other becomes ONE encoded word, however long (its line may pass 78 characters,
  within RFC 5322's 998): Python's address parser puts a space between adjacent encoded
  words in a phrase (gh-128110, open), where RFC 2047 readers join them, so no split of a
  name reads the same in both. (That parser also reads a run of spaces inside an encoded
  word as one space; no way of writing a non-ASCII name avoids it.) A name longer than
  one line can hold is refused.

`as_email` parses a message back into an `EmailMessage`, for code that wants to look
inside or add to it; `POLICY` never refolds the parsed headers when it is written again.

One recipient per message, by design and because Python 3.11 drops addresses from a To
header holding several non-ASCII display names (gh-100884).
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from functools import lru_cache

from consult.errors import CalendarError, HeaderError

POLICY = SMTP.clone(cte_type="7bit", refold_source="none")
"""How invitations are written: CRLF line ends, RFC 2047 headers, 7-bit bodies.

Parsed headers are written back as they were read: refolding them is what breaks them."""

ATTACHMENT_NAME = "invite.ics"

_FOLD = re.compile(r"\r?\n[ \t]")
"""A folded iCalendar line break (RFC 5545, 3.1): removed to unfold."""

_METHOD = re.compile(r"[A-Z0-9-]+")
"""An iTIP method as RFC 5545 spells it: an iana-token or an x-name."""

_CRLF = b"\r\n"
_LINE = POLICY.max_line_length or 78
_LONGEST_LINE = 998
"""RFC 5322's limit on a line, which a display name that cannot be folded may reach."""
_WORD_BYTES = 42
"""UTF-8 bytes per encoded word of a Subject: "=?utf-8?b?" + 56 base64 + "?=" is 68, so
"Subject: " and one word fit in 78 characters."""
_NAME_BYTES = 700
"""The longest display name in UTF-8: as one encoded word it still fits a line of 998."""
_ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,68}"
_ATOMS = re.compile(f"{_ATEXT}(?: {_ATEXT})*")
"""A display name that needs no quoting: RFC 5322 atoms, one space apart, each fits a line."""
_QUOTABLE = re.compile(r"[\t -~]+")
"""A display name that a quoted-string holds exactly: printable ASCII, spaces and tabs."""
_PLAIN_SUBJECT = re.compile(r"[!-~]{1,69}(?: [!-~]{1,69})*")
"""A Subject that goes out as it is: each word fits a line, after "Subject: " too."""
_QUOTED_PAIR = re.compile(r'["\\]')


@dataclass(frozen=True)
class RawMessage:
    """A message as it goes out: its envelope addresses, its Message-ID and its bytes."""

    sender: str
    recipient: str
    message_id: str
    data: bytes
    """CRLF line ends, 7-bit: what SMTP's DATA carries and an .eml file holds."""


def prepare_message(
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
    reply_to: str | None = None,
) -> RawMessage:
    """Return the message to one recipient, ready to send, with the calendar inline and attached.

    `sender` and `recipient` are (display name, email). Without a calendar the message is
    multipart/alternative [text/plain, text/html]; with one it is multipart/mixed >
    [multipart/alternative [text/plain, text/html, text/calendar], invite.ics]. `method`
    must match the calendar's METHOD; when None it is taken from the calendar. `reply_to`,
    an address, is where written answers go when not to the sender.
    """
    calendar_method = _calendar_method(calendar, method)
    headers = (
        _folded_subject(_header_value("subject", subject))
        + _folded_sender(sender)
        + (_folded_address("Reply-To", "reply_to", ("", reply_to)) if reply_to else b"")
        + _folded_address("To", "recipient", recipient)
        + b"Date: "
        + format_datetime(_aware_date(date)).encode("ascii")
        + _CRLF
    )
    message_id = _message_id(message_id, domain)
    headers += f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n".encode("ascii")
    parts = [_text_part("plain", text), _text_part("html", html)]
    if calendar is None:
        body = _multipart("alternative", parts)
    else:
        encoded = _base64_calendar(calendar)
        parts.append(
            b'Content-Type: text/calendar; charset="utf-8"; method="'
            + calendar_method.encode("ascii")
            + b'"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            + encoded
        )
        attachment = (
            b"Content-Type: application/ics\r\nContent-Transfer-Encoding: base64\r\n"
            b'Content-Disposition: attachment; filename="'
            + ATTACHMENT_NAME.encode("ascii")
            + b'"\r\n\r\n'
            + encoded
        )
        body = _multipart("mixed", [_multipart("alternative", parts), attachment])
    return RawMessage(sender[1], recipient[1], message_id, headers + body)


def as_email(message: RawMessage) -> EmailMessage:
    """Return a prepared message as an `EmailMessage`, to read or to add an attachment to."""
    parsed = BytesParser(policy=POLICY).parsebytes(message.data)
    assert isinstance(parsed, EmailMessage)  # POLICY's message factory
    return parsed


def message_bytes(message: EmailMessage | RawMessage) -> bytes:
    """Return the message as sent over SMTP: CRLF line ends, 7-bit clean for our messages."""
    if isinstance(message, RawMessage):
        return message.data
    return message.as_bytes(policy=POLICY)


@lru_cache(maxsize=64)
def calendar_method(calendar: bytes) -> str:
    """Return the calendar's METHOD, upper-cased (iCalendar values are case-insensitive).

    Cached: every recipient of a meeting carries the same calendar.
    """
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
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise HeaderError(f"{field} name", name, "is not Unicode text") from None
    if size > _NAME_BYTES:
        raise HeaderError(
            f"{field} name",
            name,
            f"is {size} bytes in UTF-8, more than the {_NAME_BYTES} a header line holds",
        )
    try:
        return Address(display_name=name, addr_spec=email)
    except ValueError as error:
        raise HeaderError(f"{field} email", email, f"is not an email address ({error})") from None


@lru_cache(maxsize=16)
def _folded_sender(name_and_email: tuple[str, str]) -> bytes:
    """Return the From line(s): one sender writes a whole round, so it is folded once."""
    return _folded_address("From", "sender", name_and_email)


def _folded_address(header: str, field: str, name_and_email: tuple[str, str]) -> bytes:
    """Return the address header line(s) of one mailbox: its display name, then <address>."""
    address = _address(field, name_and_email)
    if not address.display_name:
        return _folded(header, [address.addr_spec])
    return _folded(header, [*_display_name(address.display_name), f"<{address.addr_spec}>"])


def _display_name(name: str) -> list[str]:
    """Return the pieces a display name is written as: atoms, a quoted-string or one word.

    Text that looks like an encoded word is encoded, or a reader would decode it.
    """
    if "=?" not in name:
        if _ATOMS.fullmatch(name):
            return name.split(" ")
        quoted = '"' + _QUOTED_PAIR.sub(r"\\\g<0>", name) + '"'
        # Escaping may double its length; "Reply-To: " is the longest header it may follow.
        if _QUOTABLE.fullmatch(name) and len(quoted) <= _LONGEST_LINE - len("Reply-To: "):
            return [quoted]
    return [_encoded_word(name)]


@lru_cache(maxsize=256)
def _folded_subject(subject: str) -> bytes:
    """Return the Subject line(s): as written if plain ASCII, else in UTF-8 encoded words."""
    if not subject or (_PLAIN_SUBJECT.fullmatch(subject) and "=?" not in subject):
        return _folded("Subject", subject.split(" ") if subject else [])
    return _folded("Subject", [_encoded_word(chunk) for chunk in _chunks(subject)])


def _encoded_word(text: str) -> str:
    """Return `text` as one RFC 2047 encoded word, UTF-8 in base64."""
    return "=?utf-8?b?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def _chunks(text: str) -> list[str]:
    """Return `text` cut, between characters, into pieces of at most `_WORD_BYTES` in UTF-8."""
    chunks = [""]
    size = 0
    for character in text:
        width = len(character.encode("utf-8"))
        if size + width > _WORD_BYTES:
            chunks.append("")
            size = 0
        chunks[-1] += character
        size += width
    return chunks


def _folded(header: str, pieces: list[str]) -> bytes:
    """Return the header line(s): the pieces one space apart, folded only between two of them.

    A piece longer than a line goes on as it is; only it can make its line pass 78.
    """
    lines = [f"{header}:"]
    for i, piece in enumerate(pieces):
        if i and len(lines[-1]) + 1 + len(piece) > _LINE:
            lines.append("")
        lines[-1] += " " + piece
    return "\r\n".join(lines).encode("ascii") + _CRLF


def _text_part(subtype: str, text: str) -> bytes:
    """Return a text/`subtype` part in UTF-8, in the transfer encoding the email package picks."""
    lines = text.encode("utf-8").splitlines()
    if max((len(line) for line in lines), default=0) <= _LINE and all(
        line.isascii() for line in lines
    ):
        encoding, body = "7bit", _CRLF.join(lines) + _CRLF
    elif text.isascii():
        encoding = "quoted-printable"
        # Given CRLF line ends, b2a_qp keeps them and its soft breaks are CRLF too.
        body = binascii.b2a_qp(_CRLF.join(lines) + _CRLF, istext=True)
    else:
        encoding, body = "base64", _base64(_CRLF.join(lines) + _CRLF)
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n".encode("ascii")
        + body
    )


def _base64(data: bytes) -> bytes:
    """Return `data` base64-encoded in lines of 76 characters, each ending in CRLF."""
    return base64.encodebytes(data).replace(b"\n", _CRLF)


@lru_cache(maxsize=64)
def _base64_calendar(calendar: bytes) -> bytes:
    """Return `_base64(calendar)`: every recipient of a meeting carries the same calendar."""
    return _base64(calendar)


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    """Return a multipart/`subtype` entity of `parts`, under a boundary none of them holds."""
    boundary = _boundary()
    while any(boundary in part for part in parts):
        boundary = _boundary()
    delimiter = b"--" + boundary
    return (
        b"Content-Type: multipart/"
        + subtype.encode("ascii")
        + b';\r\n boundary="'
        + boundary
        + b'"\r\n\r\n'
        + b"".join(delimiter + _CRLF + part + _CRLF for part in parts)
        + delimiter
        + b"--\r\n"
    )


def _boundary() -> bytes:
    # "=_" cannot start a line of base64 or quoted-printable; 7bit parts are checked.
    return b"=_" + secrets.token_hex(16).encode("ascii")


def _aware_date(date: datetime) -> datetime:
    if date.utcoffset() is None:
        raise HeaderError("date", date, "has no time zone; a Date header needs one")
    return date


def _message_id(message_id: str | None, domain: str) -> str:
    if message_id is None:
        return make_msgid(domain=_header_value("domain", domain))
    _header_value("message_id", message_id)
    if not message_id.isascii():
        raise HeaderError("message_id", message_id, "is not ASCII")
    if not (message_id.startswith("<") and message_id.endswith(">") and "@" in message_id):
        raise HeaderError("message_id", message_id, "is not of the form <left@right>")
    return message_id


def _calendar_method(calendar: bytes | None, method: str | None) -> str:
    if method is not None:
        _header_value("method", method)
    if calendar is None:
        if method is not None:
            raise CalendarError(f"method: {method!r} given without a calendar")
        return ""
    found = calendar_method(calendar)
    if method is not None and method.upper() != found:
        raise CalendarError(f"method: {method!r} differs from the calendar's METHOD:{found}")
    if not _METHOD.fullmatch(found):
        raise CalendarError(f"calendar: METHOD {found!r} is not an iTIP method name")
    return found

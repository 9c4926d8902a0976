"""Bounces and auto-replies in the inbox: read from a message, told apart from answers.

`read_notice` gives, for a parsed email, a `Bounce` (the message could not be
delivered), an `AutoReply` (an out-of-office or other automatic answer, which is
no answer to the invitation), or None (mail for the calendar reader).

A bounce is read first as a delivery status notification (RFC 3464:
multipart/report; report-type=delivery-status): its per-recipient fields give the
failed address (Final-Recipient), the Action, the Status (e.g. 5.1.1) and the
Diagnostic-Code, and the returned message (message/rfc822, or only its headers as
text/rfc822-headers) the Message-ID it was about. Mail servers that send no such
report (Exim, qmail, some gateways) are recognised by a sender like MAILER-DAEMON
or a subject like "Undeliverable:", with a status code or an X-Failed-Recipients
header; their address, code and the returned headers are read from the text.

An automatic answer is one marked as such (RFC 3834 `Auto-Submitted` other than
"no", `X-Autoreply`, `X-Autorespond`, `X-Auto-Response-Suppress`, `Precedence:
auto_reply`) or whose subject says so (Exchange's "Automatic reply:", "Out of
office", and their Georgian and Russian forms), and that carries no calendar: an
iTIP REPLY sent automatically (a resource that accepts by itself) is still an
answer. Neither a bounce nor an automatic answer is ever answered.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses

DAEMONS = ("mailer-daemon", "mailer_daemon", "mail-daemon", "maildaemon", "postmaster")
"""Local parts of the addresses that report undelivered mail."""
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliverable|undelivered mail|undeliverable mail|delivery status notification"
    r"|delivery failure|delivery has failed|mail delivery failed|failure notice|returned mail"
    r"|message not delivered|non[- ]?delivery|delivery notification: delivery has failed"
    r"|недоставленное сообщение|не удалось доставить|сообщение не доставлено)",
    re.IGNORECASE,
)
_DAEMON_NAME = re.compile(r"mail delivery (system|subsystem)|mailer.daemon", re.IGNORECASE)
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?reply|auto:|auto response|out of (the )?office"
    r"|abwesenheitsnotiz|réponse automatique|автоответ|автоматический ответ|вне офиса"
    r"|ავტომატური პასუხი|ავტოპასუხი)",
    re.IGNORECASE,
)
_STATUS = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])")
_SMTP_CODE = re.compile(r"(?<!\d)([45]\d\d)[ -](?=\S)")
_ANGLED = re.compile(r"^\s*<([^<>\s@]+@[^<>\s@]+)>:?\s*$", re.MULTILINE)
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")
_QUOTED_HEADER = re.compile(r"^[ \t>]*(message-id|subject|to)[ \t]*:[ \t]*(.*)$", re.I | re.M)
_COPY = re.compile(
    r"^.*(this is a copy of the message|below this line is a copy of the message"
    r"|original message headers|original message follows|-----\s*original message\s*-----"
    r"|the original message was received|----- transcript of session follows).*$",
    re.IGNORECASE | re.MULTILINE,
)
_REPLY_LINE = re.compile(r"(?<=\S) [45]\d\d[- ](?:[245]\.\d{1,3}\.\d{1,3} )?")
"""The code that starts each continued line of an SMTP reply, as it reads once unfolded."""
_RETURNED_TYPES = ("message/rfc822", "message/global")
_HEADER_TYPES = ("text/rfc822-headers", "message/rfc822-headers", "message/global-headers")


@dataclass(frozen=True)
class Bounce:
    """A report that a message was not delivered (or not yet), and what it was about."""

    recipient: str
    """The address that failed, lower-cased; "" if the report names none."""
    action: str
    """RFC 3464's Action: "failed" for a bounce, "delayed" while the server still tries."""
    status: str
    """The enhanced status code (RFC 3463), e.g. "5.1.1"; "" if the report gives none."""
    diagnostic: str
    """The remote server's words, e.g. "550 5.1.1 <nino@...>: User unknown"; or ""."""
    message_ids: tuple[str, ...]
    """The Message-IDs it may be about, surest first: the returned one, then the references."""
    subject: str
    """The returned message's subject; "" if not returned."""

    @property
    def failed(self) -> bool:
        """Return whether delivery failed for good (not merely delayed)."""
        return self.action == "failed"

    def reason(self) -> str:
        """Return the status code and the server's words as one line: "5.1.1 (550 ...)"."""
        status = self.status or "no status code"
        return f"{status} ({self.diagnostic})" if self.diagnostic else status


@dataclass(frozen=True)
class AutoReply:
    """An answer a mail server or client sent by itself: an out-of-office, a notice."""

    sender: str
    """Who it comes from, lower-cased."""
    subject: str
    why: str
    """What marks it as automatic, e.g. "Auto-Submitted: auto-replied"."""
    message_ids: tuple[str, ...]
    """The Message-IDs it answers (In-Reply-To, then References)."""


Notice = Bounce | AutoReply


@dataclass(frozen=True)
class FoundNotice:
    """A bounce or automatic reply found in the inbox, and where (`inbox/<name>`, an IMAP URL)."""

    source: str
    notice: Notice


def read_notice(message: Message) -> Notice | None:
    """Return the bounce or automatic answer that the message is, or None if it is neither."""
    report = _report_part(message)
    if report is not None:
        return _dsn(message, report)
    if _looks_like_bounce(message):
        bounce = _plain_bounce(message)
        if bounce is not None:
            return bounce
    why = _automatic(message)
    if why and not any(_is_calendar(part) for part in message.walk()):
        return AutoReply(
            sender=_address(_get(message, "From")),
            subject=_text(_get(message, "Subject")),
            why=why,
            message_ids=_unique(_references(message)),
        )
    return None


def _report_part(message: Message) -> Message | None:
    """Return the message/delivery-status part of a delivery report, or None if it is none."""
    if message.get_content_type() != "multipart/report":
        return None
    for part in _own_parts(message):
        if part.get_content_type() in ("message/delivery-status", "message/global-delivery-status"):
            return part
    return None


def _dsn(message: Message, report: Message) -> Bounce:
    """Return the bounce an RFC 3464 report tells of: its first failed recipient, else the first."""
    blocks = _blocks(report)
    recipients = [
        b for b in blocks[1:] if _get(b, "Final-Recipient") or _get(b, "Original-Recipient")
    ]
    if not recipients and blocks and _get(blocks[0], "Action"):
        recipients = blocks[:1]  # a report that left out its per-message fields
    failed = [b for b in recipients if _text(_get(b, "Action")).lower() == "failed"]
    chosen = next(iter(failed or recipients), None)
    returned = _returned_headers(message)
    ids = _ids(_get(returned, "Message-ID") if returned is not None else None)
    if blocks:
        ids += _ids(_get(blocks[0], "X-Original-Message-ID"))
    ids += _references(message)
    if chosen is None:
        recipient, action, status, diagnostic = "", "failed", "", ""
    else:
        recipient = _typed_address(_get(chosen, "Final-Recipient")) or _typed_address(
            _get(chosen, "Original-Recipient")
        )
        action = _text(_get(chosen, "Action")).lower() or "failed"
        status = _first_status(_text(_get(chosen, "Status")))
        diagnostic = _one_reply(_after_type(_text(_get(chosen, "Diagnostic-Code"))))
    if not recipient:
        recipient = _failed_header(message) or _returned_to(returned)
    return Bounce(
        recipient=recipient,
        action=action,
        status=status,
        diagnostic=diagnostic,
        message_ids=_unique(ids),
        subject=_text(_get(returned, "Subject")) if returned is not None else "",
    )


def _looks_like_bounce(message: Message) -> bool:
    """Return whether a message without a delivery report is shaped like a bounce."""
    sender = _get(message, "From")
    local = _address(sender).split("@", 1)[0]
    daemon = local in DAEMONS or bool(_DAEMON_NAME.search(_text(sender)))
    return daemon or bool(_BOUNCE_SUBJECT.match(_text(_get(message, "Subject"))))


def _plain_bounce(message: Message) -> Bounce | None:
    """Return the bounce a message in words tells of, or None if it names no failure at all."""
    text = "\n".join(_own_texts(message))
    marker = _COPY.search(text)
    notification, quoted = (text[: marker.start()], text[marker.end() :]) if marker else (text, "")
    returned = _returned_headers(message)
    quoted_fields = _quoted_fields(quoted)
    status_found = _STATUS.search(notification)
    code_found = _SMTP_CODE.search(notification)
    failed_header = _failed_header(message)
    if not (status_found or code_found or failed_header or returned is not None or quoted_fields):
        return None
    status = status_found.group(1) if status_found else ""
    diagnostic = _diagnostic(notification, code_found or status_found)
    delayed = status.startswith("4") or (
        not status and re.search(r"\bdelay(ed)?\b", _text(_get(message, "Subject")), re.I)
    )
    ids: list[str] = []
    if returned is not None:
        ids += _ids(_get(returned, "Message-ID"))
    ids += _ids(quoted_fields.get("message-id"))
    ids += _references(message)
    own = {_address(_get(message, "To")), _address(_get(message, "From"))}
    recipient = (
        failed_header
        or _angled(notification, own)
        or _returned_to(returned)
        or _first_address(quoted_fields.get("to", ""), own)
        or _first_address(notification, own)
    )
    subject = _text(_get(returned, "Subject")) if returned is not None else ""
    return Bounce(
        recipient=recipient,
        action="delayed" if delayed else "failed",
        status=status,
        diagnostic=diagnostic,
        message_ids=_unique(ids),
        subject=subject or quoted_fields.get("subject", ""),
    )


def _automatic(message: Message) -> str:
    """Return what marks the message as sent automatically, or "" if nothing does."""
    submitted = _text(_get(message, "Auto-Submitted"))
    token = re.split(r"[;(\s]", submitted.strip(), maxsplit=1)[0].lower() if submitted else ""
    if token and token != "no":
        return f"Auto-Submitted: {submitted.strip()}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        value = _text(_get(message, name)).strip()
        if value and value.lower() != "no":
            return f"{name}: {value}"
    precedence = _text(_get(message, "Precedence")).strip().lower()
    if precedence == "auto_reply":
        return "Precedence: auto_reply"
    subject = _text(_get(message, "Subject"))
    if _AUTO_SUBJECT.match(subject):
        return f"the subject {subject.split(':', 1)[0].strip()!r}"
    return ""


def _own_parts(message: Message) -> Iterator[Message]:
    """Yield the message's parts, not looking inside a returned or reported message."""
    pending = [message]
    while pending:
        part = pending.pop(0)
        yield part
        if part is not message and part.get_content_maintype() == "message":
            continue
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                pending[:0] = [c for c in children if isinstance(c, Message)]


def _own_texts(message: Message) -> Iterator[str]:
    """Yield the text/plain content of the message itself (not of a message it returns)."""
    for part in _own_parts(message):
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            yield _content(part)


def _blocks(report: Message) -> list[Message]:
    """Return the field blocks of a delivery-status part: per message, then per recipient."""
    payload = report.get_payload()
    encoding = _text(_get(report, "Content-Transfer-Encoding")).lower()
    if isinstance(payload, list) and encoding not in ("base64", "quoted-printable"):
        return [b for b in payload if isinstance(b, Message)]
    # Some servers send it base64 or quoted-printable: the parser leaves it undecoded.
    if isinstance(payload, list):
        payload = "".join(str(b.get_payload()) for b in payload if isinstance(b, Message))
    raw = str(payload).encode("ascii", "replace")
    if encoding == "base64":
        try:
            data = base64.b64decode(raw, validate=False)
        except binascii.Error:
            data = raw
    elif encoding == "quoted-printable":
        data = quopri.decodestring(raw)
    else:
        data = raw
    text = data.decode("utf-8", "replace")
    return [
        HeaderParser(policy=policy.default).parsestr(block.strip() + "\n")
        for block in re.split(r"\r?\n[ \t]*\r?\n", text)
        if block.strip()
    ]


def _returned_headers(message: Message) -> Message | None:
    """Return the headers of the message returned (whole, or its headers only), or None."""
    for part in _own_parts(message):
        kind = part.get_content_type()
        if kind in _RETURNED_TYPES:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0]
            return _header_block(_content(part))
        if kind in _HEADER_TYPES:
            return _header_block(_content(part))
    return None


def _header_block(text: str) -> Message | None:
    """Return the header block at the start of `text`, or None if it holds no header."""
    parsed = HeaderParser(policy=policy.default).parsestr(text.lstrip("\r\n"))
    return parsed if len(parsed) else None


def _quoted_fields(quoted: str) -> dict[str, str]:
    """Return the Message-ID, Subject and To quoted in a bounce's text (first of each).

    Headers quoted as they were (folded lines and all) are read as headers; indented or
    `>`-quoted ones line by line.
    """
    block = _header_block(quoted)
    if block is not None:
        fields = {
            name: _text(_get(block, name))
            for name in ("message-id", "subject", "to")
            if name in block
        }
        if fields:
            return fields
    fields = {}
    for found in _QUOTED_HEADER.finditer(quoted):
        fields.setdefault(found.group(1).lower(), _decoded(found.group(2).strip()))
    return fields


def _diagnostic(text: str, found: re.Match[str] | None) -> str:
    """Return the server's words from the code found to the end of its line (and its next)."""
    if found is None:
        return ""
    line_end = text.find("\n", found.end())
    words = text[found.start() : line_end if line_end >= 0 else len(text)]
    following = text[line_end + 1 :].split("\n", 1)[0] if line_end >= 0 else ""
    if following[:1] in (" ", "\t") and following.strip():
        words += " " + following.strip()  # Postfix folds the server's reply
    return _one_reply(words)


def _one_reply(words: str) -> str:
    """Return a multi-line SMTP reply as one line: its codes once, its words in order."""
    first, *rest = _REPLY_LINE.split(" ".join(words.split()))
    return " ".join([first, *(r for r in rest if r)])[:300]


def _first_status(text: str) -> str:
    found = _STATUS.search(text)
    return found.group(1) if found else text.strip()[:20]


def _after_type(value: str) -> str:
    """Return a typed DSN field's value without its type: "smtp; 550 ..." gives "550 ..."."""
    kind, sep, rest = value.partition(";")
    return " ".join((rest if sep else kind).split())[:300]


def _typed_address(value: object) -> str:
    text = _after_type(_text(value)).strip("<> ")
    return text.lower() if "@" in text else ""


def _failed_header(message: Message) -> str:
    value = _text(_get(message, "X-Failed-Recipients"))
    return _first_address(value, set())


def _returned_to(returned: Message | None) -> str:
    if returned is None:
        return ""
    return _address(_get(returned, "To"))


def _angled(text: str, own: set[str]) -> str:
    for found in _ANGLED.finditer(text):
        address = found.group(1).lower()
        if address not in own:
            return address
    return ""


def _first_address(text: str, own: set[str]) -> str:
    for found in _ADDRESS.finditer(text):
        address = found.group(0).lower().strip(".")
        if address not in own and address.split("@", 1)[0] not in DAEMONS:
            return address
    return ""


def _references(message: Message) -> list[str]:
    """Return the Message-IDs a message refers to: In-Reply-To, then References from the last."""
    return _ids(_get(message, "In-Reply-To")) + list(reversed(_ids(_get(message, "References"))))


def _ids(value: object) -> list[str]:
    return _MESSAGE_ID.findall(_text(value)) if value is not None else []


def _unique(ids: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


def _address(value: object) -> str:
    """Return the first address of an address header, lower-cased; "" if it holds none."""
    if value is None:
        return ""
    addresses = getattr(value, "addresses", None)
    if addresses:
        first = addresses[0]
        if isinstance(first, Address) and first.addr_spec and "@" in first.addr_spec:
            return first.addr_spec.lower()
    for _, address in getaddresses([str(value)]):
        if "@" in address:
            return address.lower()
    return ""


def _get(message: Message, name: str) -> object | None:
    """Return a header's value: parsed, or raw where the email package's parser fails on it."""
    try:
        return message.get(name)
    except Exception:  # its header parser raises IndexError, AttributeError... on some values
        return next((v for k, v in message.raw_items() if k.lower() == name.lower()), None)


def _text(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())


def _decoded(value: str) -> str:
    """Return a quoted header value with its RFC 2047 words decoded."""
    parsed = HeaderParser(policy=policy.default).parsestr(f"Subject: {value}\n\n")
    return _text(_get(parsed, "Subject"))


def _content(part: Message) -> str:
    """Return a text part's content, decoded by its charset (a wrong one replaced, not raised)."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def _is_calendar(part: Message) -> bool:
    if part.is_multipart():
        return False
    filename = part.get_filename() or ""
    return part.get_content_type() in ("text/calendar", "application/ics") or (
        filename.lower().endswith(".ics")
    )

"""An email read once: whether it is a bounce, the answers it holds, what else it asks.

`read_letter` parses a message one time and hands back all the rest of consult reads in
it (`consult.mail.replies` for the inbox and `consult.mail.imap` for the mailbox): a bounce
or automatic reply (`consult.mail.bounces`), the answers of its REPLY calendars, and its
COUNTER and REFRESH calendars (`consult.mail.attendee_requests`).

In a message, a calendar is a text/calendar or application/ics part, or any attachment named
`*.ics`. Its Content-Type `method` (RFC 6047) says whether it is a REPLY; mail clients write
it quoted or not, in any case, or not at all, and then the calendar's own METHOD decides.

A message larger than a reply can be, or whose MIME parts nest deeper than mail clients
nest them, is refused before it is parsed: the email package parses nested parts
recursively, and slower the deeper they go (900 levels take 2 s; 5,000 overflow the stack).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, parseaddr

from consult.errors import CalendarError, InvalidCalendar
from consult.mail.bounces import Notice, read_notice
from consult.mail.calendar import ReplyLine, parse_reply
from consult.mail.comments import typed_text
from consult.mail.mime import calendar_method

CALENDAR_TYPES = ("text/calendar", "application/ics")
MAX_MESSAGE_BYTES = 5_000_000
"""The largest message read for a REPLY; an answer with its quoted invitation is a few kB."""
MAX_MIME_DEPTH = 20
"""The deepest MIME parts may nest; mail clients nest three or four, a forward a few more."""
MAX_MIME_PARTS = 200
"""The most MIME parts a message may hold in all: an answer with attachments has a dozen.

Counted by a scan of its lines before the email package parses it, as the depth is:
the parser takes seconds for every few thousand parts, on every run.
"""

_FOLD = re.compile(rb"\r?\n[ \t]")
_CONTAINER = re.compile(rb"^content-type[ \t]*:[ \t]*(?:multipart|message)/", re.IGNORECASE)
_BOUNDARY = re.compile(rb'boundary[ \t]*=[ \t]*(?:"([^"]*)"|([^;\s]+))', re.IGNORECASE)
_TOO_DEEP = f"the message nests its parts more than {MAX_MIME_DEPTH} deep"
_TOO_MANY = f"the message has more than {MAX_MIME_PARTS:,} MIME parts; a reply has a few"


@dataclass(frozen=True)
class Letter:
    """What one email holds, from one parse: a bounce or automatic reply, or its calendars."""

    notice: Notice | None
    lines: list[ReplyLine]
    """The answers of its REPLY calendars (none if it is a notice, or `problem` says why)."""
    asks: list[bytes]
    """Its COUNTER and REFRESH calendars."""
    sender: str
    has_calendar: bool
    problem: str = ""
    """Why it holds no answer, when it holds none (and is no notice)."""


def read_letter(data: bytes) -> Letter:
    """Return what an email holds, parsing it once: a notice, its answers, its requests.

    Raises InvalidCalendar for a message too large or too deeply nested to be read.
    An answer without a COMMENT takes the text typed in the mail as its comment.
    """
    message = _parse_message(data)
    notice = read_notice(message)
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    leaves = list(_leaves(message))
    calendars = []
    for part in leaves:
        payload = part.get_payload(decode=True) if _is_calendar(part) else None
        if isinstance(payload, bytes):
            calendars.append((_declared_method(part) or _calendar_method(payload), payload))
    asks = [payload for method, payload in calendars if method in REQUEST_METHODS]
    if notice is not None:
        return Letter(notice, [], asks, sender, bool(calendars))
    try:
        lines = _reply_lines(calendars, leaves)
    except InvalidCalendar as error:
        return Letter(None, [], asks, sender, bool(calendars), str(error))
    return Letter(None, lines, asks, sender, True)


def _reply_lines(calendars: list[tuple[str, bytes]], leaves: list[Message]) -> list[ReplyLine]:
    """Return the answers of an email's REPLY calendars, or InvalidCalendar saying why none."""
    lines: list[ReplyLine] = []
    others: set[str] = set()
    for method, payload in calendars:
        if method != "REPLY":
            others.add(method)
            continue
        lines += [line for line in parse_reply(payload) if line not in lines]
    if not lines:
        why = f" (its calendar's METHOD is {', '.join(sorted(others))})" if others else ""
        raise InvalidCalendar(f"no iTIP REPLY in the message{why}")
    if all(line.comment for line in lines):
        return lines
    typed = typed_text(leaves)  # no COMMENT: the words of the mail say it
    return [line if line.comment else replace(line, comment=typed) for line in lines]


def notice_in(data: bytes) -> Notice | None:
    """Return the bounce or automatic reply an email is, or None if it is neither.

    Raises InvalidCalendar for a message too large or too deeply nested to be read.
    """
    return read_notice(_parse_message(data))


def unreadable(error: Exception) -> str:
    """Return why a message the email package could not take apart cannot be read."""
    return f"the message cannot be read ({type(error).__name__}: {error})"


REQUEST_METHODS = ("COUNTER", "REFRESH")
"""The iTIP methods an attendee sends that are no answer but ask the organiser something."""


def has_calendar(data: bytes) -> bool:
    """Return whether an email holds a calendar part at all (a REPLY or not).

    Raises InvalidCalendar for a message too large or too deeply nested to be read.
    """
    return any(_is_calendar(part) for part in _leaves(_parse_message(data)))


def message_lines(data: bytes) -> list[ReplyLine]:
    """Return the answers of the REPLY calendars in an email, or InvalidCalendar saying why not.

    A calendar sent both inline and as an attachment gives its answers once. An answer
    without a COMMENT takes the text typed in the mail as its comment (`typed_text`).
    """
    message = _parse_message(data)
    leaves = list(_leaves(message))
    calendars = []
    for part in leaves:
        payload = part.get_payload(decode=True) if _is_calendar(part) else None
        if isinstance(payload, bytes):
            calendars.append((_declared_method(part) or _calendar_method(payload), payload))
    return _reply_lines(calendars, leaves)


def message_calendars(data: bytes) -> tuple[str, list[tuple[str, bytes]]]:
    """Return an email's From address and each calendar part in it, with its METHOD.

    For the iTIP messages other than REPLY (COUNTER, REFRESH: `consult.mail.attendee_requests`).
    Raises InvalidCalendar for a message too large or too deeply nested to be read.
    """
    message = _parse_message(data)
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    found = []
    for part in _leaves(message):
        payload = part.get_payload(decode=True) if _is_calendar(part) else None
        if isinstance(payload, bytes):
            found.append((_declared_method(part) or _calendar_method(payload), payload))
    return sender, found


def _parse_message(data: bytes) -> Message:
    """Return the parsed email, or InvalidCalendar if it is empty, too large or too deep."""
    if not data.strip():
        raise InvalidCalendar("the message is empty")
    if len(data) > MAX_MESSAGE_BYTES:
        raise InvalidCalendar(
            f"the message is {len(data):,} bytes, "
            f"more than the {MAX_MESSAGE_BYTES:,} a reply may be"
        )
    shape = _shape_exceeds(data, MAX_MIME_DEPTH, MAX_MIME_PARTS)
    if shape is not None:
        raise InvalidCalendar(shape)
    return BytesParser(policy=policy.default).parsebytes(data)


def _shape_exceeds(data: bytes, depth: int, parts: int) -> str | None:
    """Return why the message's parts nest deeper than `depth` or number over `parts`, if so.

    Each multipart or message/* Content-Type opens a level; a boundary line closes the levels
    opened inside its part. The scan errs towards depth: a level it cannot close stays open.
    Parts are counted as the parser finds them: each line that is a boundary declared
    anywhere, unfolded or not, starts one; it spends a fifth of a millisecond on each.
    """
    opened: list[bytes | None] = []
    declared: set[bytes] = set()
    for line in _FOLD.sub(b" ", data).splitlines():
        if line.startswith(b"--") and opened:
            marker = line.rstrip()
            for level in range(len(opened) - 1, -1, -1):
                boundary = opened[level]
                if boundary is None or marker not in (b"--" + boundary, b"--" + boundary + b"--"):
                    continue
                closing = marker == b"--" + boundary + b"--"
                del opened[level if closing else level + 1 :]
                break
        elif _CONTAINER.match(line):
            found = _BOUNDARY.search(line)
            opened.append((found.group(1) or found.group(2)) if found else None)
            if found:
                declared.add(opened[-1] or b"")
            if len(opened) > depth:
                return _TOO_DEEP
    started = (line.rstrip()[2:] for line in data.splitlines() if line.startswith(b"--"))
    return _TOO_MANY if sum(marker in declared for marker in started) > parts else None


def _leaves(message: Message) -> Iterator[Message]:
    """Yield the parts of the message that hold content, in order, or raise if too deep."""
    # The scan of `_shape_exceeds` guards the parser; this walk counts the depth it parsed.
    pending = [(message, 0)]
    while pending:
        part, depth = pending.pop()
        if depth > MAX_MIME_DEPTH:
            raise InvalidCalendar(_TOO_DEEP)
        children = part.get_payload()
        if part.is_multipart() and isinstance(children, list):
            pending += [(c, depth + 1) for c in reversed(children) if isinstance(c, Message)]
        else:
            yield part


def _is_calendar(part: Message) -> bool:
    """Return whether a MIME part holds a calendar: by its type, or by an attachment's name."""
    if part.is_multipart():
        return False
    filename = part.get_filename() or ""
    return part.get_content_type() in CALENDAR_TYPES or filename.lower().endswith(".ics")


def _declared_method(part: Message) -> str:
    """Return the part's Content-Type `method`, upper-cased, or "" if it has none."""
    value = part.get_param("method")
    if value is None:
        return ""
    return collapse_rfc2231_value(value).strip().upper()


def _calendar_method(payload: bytes) -> str:
    """Return the calendar's own METHOD, or a phrase saying that it has none that can be read."""
    try:
        return calendar_method(payload)
    except CalendarError:
        return "missing or unreadable"

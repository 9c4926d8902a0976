"""Attendees' answers from an IMAP mailbox: the iTIP REPLY messages of a folder, read-only.

    read = read_imap(ImapMailbox(host="imap.example.org", username="consultations", ...))
    record_replies(store, read.found)

The folder is opened read-only (EXAMINE) and messages are fetched with BODY.PEEK, so
reading marks nothing as seen and moves nothing: the coordinator's mail client sees the
mailbox as it was. Each answer's source is the message's IMAP URL (RFC 5092,
`imap://user@host/INBOX;UIDVALIDITY=v/;UID=n`), so reading the mailbox again records
nothing twice. Bounces and automatic replies are handed on as notices (`bounces`).
Messages without a calendar are skipped; a message whose calendar is not a readable
REPLY, or that is too large or too deeply nested to be read at all, is reported, with
its URL, and the others are still read, whatever the email package raises on it. Such
a message never changes, so each is also `unreadable`: once recorded (`skip`), it is
not fetched again, and one malformed email, which stays in the read-only mailbox, is
neither read nor reported by every later run.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Literal

from consult.errors import ImapError, InvalidCalendar
from consult.mail.bounces import FoundNotice
from consult.mail.replies import (
    Ask,
    Found,
    InboxRead,
    Unreadable,
    read_letter,
    unreadable,
)

TIMEOUT = 30.0
"""Seconds to wait for the server at each step."""
BATCH = 50
"""Messages fetched per FETCH command."""

_FETCHED = re.compile(rb"UID (\d+)")


@dataclass(frozen=True)
class ImapMailbox:
    """Where the answers arrive: an IMAP server, an account and a folder."""

    host: str
    username: str
    password: str = field(repr=False)
    port: int = 993
    security: Literal["ssl", "starttls", "none"] = "ssl"
    folder: str = "INBOX"

    def url(self, uidvalidity: str, uid: str) -> str:
        """Return the IMAP URL of one message (RFC 5092)."""
        return (
            f"imap://{self.username}@{self.host}:{self.port}/{self.folder}"
            f";UIDVALIDITY={uidvalidity}/;UID={uid}"
        )


def read_imap(
    mailbox: ImapMailbox, timeout: float = TIMEOUT, skip: Collection[str] = ()
) -> InboxRead:
    """Return the answers in the mailbox's folder, and one problem per unreadable message.

    Messages whose URL is in `skip` (recorded before as no answer) are not fetched.
    """
    where = f"{mailbox.host}:{mailbox.port}"
    try:
        client = _connect(mailbox, timeout)
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as error:
        raise ImapError(f"IMAP {where}: cannot connect ({error})") from None
    try:
        try:
            client.login(mailbox.username, mailbox.password)
        except imaplib.IMAP4.error as error:
            raise ImapError(
                f"IMAP {where}: the login of {mailbox.username!r} was refused ({_text(error)})"
            ) from None
        status, _ = client.select(_quoted(mailbox.folder), readonly=True)
        if status != "OK":
            raise ImapError(f"IMAP {where}: no folder {mailbox.folder!r}")
        uidvalidity = _first(client.response("UIDVALIDITY")[1])
        status, data = client.uid("SEARCH", "ALL")
        if status != "OK":
            raise ImapError(f"IMAP {where}: cannot search {mailbox.folder!r}")
        uids = [uid.decode() for uid in (data[0] or b"").split()]
        skipped = set(skip)
        uids = [uid for uid in uids if mailbox.url(uidvalidity, uid) not in skipped]
        return _read(client, mailbox, uidvalidity, uids)
    except (OSError, imaplib.IMAP4.abort) as error:
        raise ImapError(f"IMAP {where}: the connection failed ({error})") from None
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()


def _connect(mailbox: ImapMailbox, timeout: float) -> imaplib.IMAP4:
    if mailbox.security == "ssl":
        return imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=timeout
        )
    client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
    if mailbox.security == "starttls":
        client.starttls(ssl.create_default_context())
    return client


def _read(
    client: imaplib.IMAP4, mailbox: ImapMailbox, uidvalidity: str, uids: list[str]
) -> InboxRead:
    found: list[Found] = []
    problems: list[str] = []
    notices: list[FoundNotice] = []
    broken: list[Unreadable] = []
    asks: list[Ask] = []
    for start in range(0, len(uids), BATCH):
        batch = ",".join(uids[start : start + BATCH])
        status, data = client.uid("FETCH", batch, "(UID BODY.PEEK[])")
        if status != "OK":
            problems.append(f"IMAP {mailbox.folder}: cannot fetch messages {batch}")
            continue
        for item in data:
            if not isinstance(item, tuple):
                continue
            uid = _FETCHED.search(item[0])
            source = mailbox.url(uidvalidity, uid.group(1).decode() if uid else "?")
            body = item[1]
            try:
                letter = read_letter(body)  # the one parse of this message
                if letter.notice is not None:
                    notices.append(FoundNotice(source, letter.notice))
                elif letter.asks:
                    # A COUNTER or REFRESH: read by consult.mail.attendee_requests, answered once
                    asks += [Ask(source, letter.sender, calendar) for calendar in letter.asks]
                elif letter.problem and letter.has_calendar:
                    raise InvalidCalendar(letter.problem)
                elif letter.has_calendar:
                    found += [Found(source=source, line=line) for line in letter.lines]
            except InvalidCalendar as error:
                reason = str(error)
            except Exception as error:  # one malformed message must not stop the mailbox
                reason = unreadable(error)
            else:
                continue
            # A message in the mailbox never changes: what cannot be read now never can.
            problems.append(f"{source}: {reason}")
            broken.append(Unreadable(source, reason))
    return InboxRead(found=found, problems=problems, notices=notices, unreadable=broken, asks=asks)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _first(values: list[bytes] | list[None]) -> str:
    value = values[0] if values else None
    return value.decode() if isinstance(value, bytes) else "0"


def _text(error: Exception) -> str:
    text = str(error)
    return text[2:-1] if text.startswith("b'") else text

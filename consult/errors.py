"""Every error consult raises on purpose, in one module, and the tree they form.

    ConsultError                   every error consult raises on purpose; `exit_code` 1
    ├── WorkspaceError             (ValueError) workspace files that do not load; carries every
    │                              Problem found, each naming file, line, field and value
    ├── SheetError                 (ValueError) a spreadsheet of contacts that does not import;
    │                              carries every SheetProblem, each naming sheet, row, column
    ├── StaleEdit                  an edit of a registry entry changed since its form was opened:
    │                              nothing saved; says what changed, by whom if recorded
    ├── StoreError                 the state database is unreachable or from a newer consult
    ├── StorageError               a file or the state database cannot be written: the disk is
    │                              full, read-only or locked; names the path and what to free
    ├── PlanningError              (ValueError) a round cannot be planned or changed as asked
    │   ├── RuleBroken             a meeting's new time breaks planning rules; names each rule
    │   │                          and party, and offers free times that keep them all
    │   └── PollError              a vote or a pick a date poll cannot take: no such poll,
    │                              option or invitee, or one picked already
    ├── RecordCheckError           a check of the record that cannot be sent, answered or decided
    ├── InvalidFeed                (ValueError) a busy-time feed that is no calendar
    ├── TemplateError              (ValueError) an email template that does not render
    ├── InvalidInvite              (ValueError) an invitation cannot be built from the values given
    ├── InvalidCalendar            (ValueError) the bytes are not the iTIP calendar expected
    ├── HeaderError                (ValueError) a value no mail header may hold
    ├── CalendarError              (ValueError) a calendar that cannot go into an invitation
    ├── UnsendableMessageError     (ValueError) a message without a From, one To, an ID or its link
    ├── TransportSettingsError     (ValueError) a transport configured with bad values
    ├── SenderError                (ValueError) a From address SMTP must not send from
    ├── SendNotConfirmed           a round's first send, not confirmed: nothing was sent
    ├── SendError                  a message was not sent; carries the server's code and reply
    │   ├── TransientSendError     try again later: 4xx for this message, connection dropped
    │   ├── PermanentSendError     do not retry: 5xx for this recipient (recorded as rejected)
    │   └── SmtpServerError        the server, not the message: a refused login, a server that
    │                              cannot be reached; stops the run, naming host:port and what
    │                              to check, and marks no recipient
    ├── ImapError                  the mailbox cannot be read (server, login or folder)
    ├── KoboError                  (ValueError) the KoboToolbox settings cannot be used
    ├── BriefingError              the pack cannot be compiled: a template or labels broken
    ├── PersonUnknown              (ValueError) an email nothing in the workspace names, or a
    │                              person who cannot be forgotten yet (a facilitator, an expert)
    ├── ConsentError               (ValueError) a consent's status or way that consult does not know
    └── UiError                    the local Prefect server or the runner did not start

Bad input is always a `ValueError` too, so callers that know nothing of consult
can still tell it from a bug. Each class carries the `exit_code` the CLI exits
with (click's habit), so the entry point needs no table of codes.
"""

from __future__ import annotations

import errno
import os
import reprlib
from dataclasses import dataclass
from typing import ClassVar, Final


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""The value of a field that is absent."""

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one value of one file."""

    file: str
    line: int | None
    path: str
    value: object
    expected: str

    unit: ClassVar[str] = "line"
    """What `line` counts."""

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (self.file, f"{self.unit} {self.line}" if self.line else "", self.path)
            if part
        )
        if self.value is MISSING:
            return f"{where}: missing, expected {self.expected}"
        if self.value is None and not self.path:
            return f"{where}: {self.expected}"
        return f"{where}: got {_repr.repr(self.value)}, expected {self.expected}"


class ConsultError(Exception):
    """An error consult raises on purpose; its message is meant for a person."""

    exit_code: int = 1
    """What the command line exits with when this error ends a command."""


class WorkspaceError(ConsultError, ValueError):
    """The workspace files do not load: every problem found, in file and line order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.path))
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the workspace:"
        super().__init__("\n".join([heading, *(f"  {p}" for p in self.problems)]))


@dataclass(frozen=True)
class SheetProblem(Problem):
    """One thing wrong with one cell of a spreadsheet: `line` is its row, `path` its column."""

    unit: ClassVar[str] = "row"


class SheetError(ConsultError, ValueError):
    """A spreadsheet of contacts does not import: every problem found, in sheet and row order."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0))
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in {source}, nothing imported:"
        super().__init__("\n".join([heading, *(f"  {p}" for p in self.problems)]))


class StoreError(ConsultError):
    """The state database cannot be used as it is."""


class StorageError(ConsultError):
    """A file or the state database cannot be written; nothing was half-written.

    The message names the path and what to do: free space, make it writable, wait.
    """

    @classmethod
    def writing(cls, path: str | os.PathLike[str], error: OSError) -> StorageError:
        """Return the error for an OSError met writing `path`, saying what would let it pass."""
        folder = os.path.dirname(os.fspath(path)) or "."
        reason, remedy = _REMEDIES.get(error.errno or 0, (error.strerror or str(error), ""))
        code = errno.errorcode.get(error.errno or 0)
        told = f"{reason} ({code})" if code else reason
        advice = f"; {remedy.format(folder)}" if remedy else ""
        return cls(f"cannot write {os.fspath(path)}: {told}{advice}")


_REMEDIES: Final = {
    errno.ENOSPC: ("the disk is full", "free space on the disk that holds {}"),
    errno.EDQUOT: ("the disk quota is used up", "free space in your quota where {} is"),
    errno.EROFS: ("the file system is read-only", "make {} writable"),
    errno.EACCES: ("permission denied", "make {} writable"),
    errno.EPERM: ("operation not permitted", "make {} writable"),
}
"""What an errno met while writing means, and what to do about it, for the folder written to."""


class PlanningError(ConsultError, ValueError):
    """A round cannot be planned as asked (for example, a busy-time feed failed)."""


class RuleBroken(PlanningError):
    """A meeting cannot move to the time asked: `breaches` are the rules it breaks, for whom.

    `offered` are the next starts that keep every rule; `--force` with a reason
    moves the meeting anyway, and the reason goes to the audit log.
    """

    def __init__(self, message: str, breaches: list[str], offered: list[str]) -> None:
        self.breaches = breaches
        self.offered = offered
        super().__init__(message)


class PollError(PlanningError):
    """A date poll cannot take this vote or pick: it names the meeting, the field and the value."""


class RecordCheckError(ConsultError):
    """A check of the record cannot be sent, answered or decided: it names the field and value."""


class InvalidFeed(ConsultError, ValueError):
    """The bytes given are not an iCalendar feed whose busy time can be read."""


class TemplateError(ConsultError, ValueError):
    """A message cannot be rendered: a template is missing or broken, or the context is wrong."""


class InvalidInvite(ConsultError, ValueError):
    """An invitation cannot be built from the values given."""


class InvalidCalendar(ConsultError, ValueError):
    """The bytes given are not the iTIP calendar that was expected."""


class HeaderError(ConsultError, ValueError):
    """A value cannot go into a mail header as given."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field}: {value!r} {reason}")


class CalendarError(ConsultError, ValueError):
    """The calendar cannot go into an invitation: not UTF-8, or its METHOD is missing or differs."""


class UnsendableMessageError(ConsultError, ValueError):
    """The message lacks what it needs: a From, exactly one To, a Message-ID, an online link."""


class TransportSettingsError(ConsultError, ValueError):
    """A transport's settings cannot work: an unknown value, or one without its partner."""


class SenderError(ConsultError, ValueError):
    """The sender cannot send by SMTP: its address is at a domain for examples and tests."""


class StaleEdit(ConsultError):
    """An edit based on a registry entry that changed since its form was opened: nothing saved."""


class SendNotConfirmed(ConsultError):
    """A round's first send needs the coordinator's confirmation (`--yes`); nothing was sent."""


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
    """The message will not go through as it is: the server said 5xx for this recipient."""


class SmtpServerError(SendError):
    """The server cannot take any message: it refused the login or the sender, or is unreachable.

    Every message would fail alike, so a run stops at the first one and records nothing
    against its recipients. `transient` is True when it may pass within seconds (the
    connection refused or timed out, a 4xx greeting): worth a few attempts before stopping.
    """

    def __init__(
        self,
        what: str,
        *,
        check: str,
        transient: bool,
        code: int | None = None,
        reply: str = "",
    ) -> None:
        super().__init__(what, recipient=None, code=code, reply=reply)
        self.check = check
        self.transient = transient

    def __str__(self) -> str:
        return f"{super().__str__()}; check {self.check}"


class ImapError(ConsultError):
    """The mailbox cannot be read: the server is unreachable, refuses the login, or the folder."""


class KoboError(ConsultError, ValueError):
    """The KoboToolbox settings cannot be used as they are (e.g. the token is not set)."""


class BriefingError(ConsultError):
    """The pack cannot be compiled: a template or its labels are missing or broken."""


class PersonUnknown(ConsultError, ValueError):
    """An email that nothing names, or a person the files cannot forget yet; says which."""


class ConsentError(ConsultError, ValueError):
    """A consent recorded with a status or a way (`how`) consult does not know."""


class UiError(ConsultError):
    """The local Prefect server or the runner did not start; the message says why."""

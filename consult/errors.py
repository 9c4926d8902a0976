"""The errors consult raises.

    ConsultError                 every error consult raises on purpose
    ├── WorkspaceError           (also ValueError) workspace files that do not load;
    │                            carries every Problem found, each naming file, line,
    │                            field, value and what was expected
    ├── StoreError               the state database is unreachable or from a newer consult
    ├── PlanningError            (also ValueError) a round cannot be planned as asked
    ├── InvalidFeed              (also ValueError) a busy-time feed that is no calendar
    ├── TemplateError            (also ValueError) an email template that does not render
    ├── InvalidInvite, InvalidCalendar   (also ValueError) bad invite input, a bad iTIP REPLY
    ├── HeaderError, CalendarError       (also ValueError) a value no mail header may hold
    └── SendError                a message was not sent (transports: Transient, Permanent)

Bad input is always a `ValueError` too, so callers that know nothing of consult
can still tell it from a bug.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from typing import Final


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

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (self.file, f"line {self.line}" if self.line else "", self.path)
            if part
        )
        if self.value is MISSING:
            return f"{where}: missing, expected {self.expected}"
        if self.value is None and not self.path:
            return f"{where}: {self.expected}"
        return f"{where}: got {_repr.repr(self.value)}, expected {self.expected}"


class ConsultError(Exception):
    """An error consult raises on purpose; its message is meant for a person."""


class WorkspaceError(ConsultError, ValueError):
    """The workspace files do not load: every problem found, in file and line order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.path))
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the workspace:"
        super().__init__("\n".join([heading, *(f"  {p}" for p in self.problems)]))


class StoreError(ConsultError):
    """The state database cannot be used as it is."""

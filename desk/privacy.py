"""A contact's personal data on the desk: the consent form and its checks, as values (no HTML).

The forget page shows what `consult.application.privacy.forget_preview` finds; the
consent form records what `consult consent` records (`consult.application.consent`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from consult.store.consents import HOWS, STATUSES

HOW_LABELS = {
    "page": "on their stakeholder page",
    "email": "by email",
    "coordinator": "in person or by phone, recorded by the coordinator",
}
"""How a consent was given, refused or withdrawn, in words."""


@dataclass
class ConsentForm:
    """The consent form of a contact, as typed, with an error per field."""

    status: str = ""
    how: str = "coordinator"
    at: str = ""
    note: str = ""
    recorded_by: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def statuses(self) -> tuple[str, ...]:
        """Return the statuses a consent may have."""
        return STATUSES

    @property
    def hows(self) -> tuple[tuple[str, str], ...]:
        """Return each way a consent is recorded, with its words."""
        return tuple((how, HOW_LABELS[how]) for how in HOWS)

    def when(self, today: dt.date) -> dt.datetime:
        """Return the day typed (else today), at noon UTC."""
        day = dt.date.fromisoformat(self.at) if self.at else today
        return dt.datetime.combine(day, dt.time(12), dt.UTC)


def read_consent(fields: Mapping[str, Sequence[str]], today: dt.date) -> ConsentForm:
    """Return the posted consent form, each mistake beside its field."""

    def one(name: str) -> str:
        return (fields.get(name) or [""])[0].strip()

    typed = ConsentForm(one("status"), one("how"), one("at"), one("note"), one("recorded_by"))
    if typed.status not in STATUSES:
        shown = repr(typed.status) if typed.status else "nothing"
        typed.errors["status"] = f"got {shown}, expected one of {', '.join(STATUSES)}"
    if typed.how not in HOWS:
        typed.errors["how"] = f"got {typed.how!r}, expected one of {', '.join(HOWS)}"
    if typed.at:
        try:
            day = dt.date.fromisoformat(typed.at)
        except ValueError:
            typed.errors["at"] = f"got {typed.at!r}, expected a date such as 2027-01-15"
        else:
            if day > today:
                typed.errors["at"] = (
                    f"got {typed.at}, a day still to come: expected today or before"
                )
    if not typed.recorded_by:
        typed.errors["recorded_by"] = "your name, for the audit log"
    return typed

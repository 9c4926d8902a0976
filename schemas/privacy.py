"""How long a workspace keeps each kind of personal data after a training ends, and consent.

    retention:                 # in stakeholders.yaml (the workspace's) or a training's file
      messages: 1 year         # the delivery ledger, the replies and the mail read about them
      attendance: 6 months     # who was invited and who came
      observations: {public: forever, internal: 2 years, restricted: 90 days}
      packs: 1 year            # the briefing pack's versions on disk, all but the latest
      audit: 2 years           # the personal fields of the audit log (emails, names)

A period is a whole number of days, weeks, months or years, or `forever` (the default);
it runs from the day after the training's last day. A training's own `retention` overrides
the workspace's key by key.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from schemas.types import Strict

FOREVER = "forever"
_PERIOD = re.compile(r"^\s*(\d{1,4})\s*(day|week|month|year)s?\s*$", re.IGNORECASE)


def _check_period(value: str) -> str:
    if value.strip().casefold() == FOREVER or _PERIOD.match(value):
        return value.strip()
    raise PydanticCustomError(
        "period", "a period such as '90 days', '6 weeks', '6 months', '2 years' or 'forever'"
    )


Period = Annotated[str, AfterValidator(_check_period)]
"""How long something is kept: `90 days`, `6 weeks`, `6 months`, `2 years` or `forever`."""


def period_end(start: dt.date, period: str | None) -> dt.date | None:
    """Return the first day past `period` counted from `start`; None for `forever` or none."""
    found = _PERIOD.match(period or "")
    if found is None:
        return None
    count, unit = int(found.group(1)), found.group(2).casefold()
    if unit in ("day", "week"):
        return start + dt.timedelta(days=count * (7 if unit == "week" else 1))
    months = start.month - 1 + count * (12 if unit == "year" else 1)
    year, month = start.year + months // 12, months % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


class ObservationRetention(Strict):
    """How long observations are kept, by their confidentiality."""

    public: Period | None = None
    internal: Period | None = None
    restricted: Period | None = None


class Retention(Strict):
    """How long each kind of personal data is kept after the training ends; none: forever."""

    messages: Period | None = Field(
        default=None, description="The delivery ledger, the replies and the mail read about them."
    )
    attendance: Period | None = Field(default=None, description="Who was invited, who came.")
    observations: ObservationRetention = ObservationRetention()
    packs: Period | None = Field(
        default=None, description="The briefing pack's versions on disk, all but the latest."
    )
    audit: Period | None = Field(
        default=None, description="The personal fields (emails, names) of the audit log."
    )

"""Field types shared by the workspace files: ids, languages, time zones, emails, hours."""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

Language = Literal["ka", "en", "ru"]
"""Georgian, English, Russian: the languages consult writes to people in."""

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class Strict(BaseModel):
    """A workspace model: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise PydanticCustomError(
            "id",
            "an id of lowercase letters, digits and inner hyphens, at most 64 characters",
        )
    return value


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _check_zone(value: str) -> str:
    if value not in _zones():
        raise PydanticCustomError("timezone", "an IANA time zone such as 'Asia/Tbilisi'")
    return value


def _check_email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise PydanticCustomError(
            "email", "an email address ({reason})", {"reason": _lower_first(str(error).rstrip("."))}
        ) from None


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _check_country(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise PydanticCustomError("country", "an ISO 3166 two-letter country code such as 'GE'")
    return value


def _check_header_safe(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise PydanticCustomError("one_line", "a single line (no line breaks)")
    return value


def _check_local_time(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise PydanticCustomError(
            "local_time",
            "a time of day without a zone, such as '09:00' (it is read in the "
            "party's own time zone)",
        )
    return value


Id = Annotated[str, AfterValidator(_check_id)]
LocalTime = Annotated[dt.time, AfterValidator(_check_local_time)]
TimeZone = Annotated[str, AfterValidator(_check_zone)]
Email = Annotated[str, AfterValidator(_check_email)]
Country = Annotated[str, AfterValidator(_check_country)]
OneLine = Annotated[str, Field(min_length=1), AfterValidator(_check_header_safe)]
"""Text that may reach an email header (a name, a title): never a line break."""


class Localized(Strict):
    """Text in English, and in Georgian and Russian where it exists; English is the fallback."""

    en: OneLine
    ka: OneLine | None = None
    ru: OneLine | None = None

    def get(self, language: Language) -> str:
        """Return the text in `language`, or the English text when there is none."""
        return getattr(self, language) or self.en


class WorkingHours(Strict):
    """A working day: the days of the week and the hours, in the party's own time zone."""

    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: LocalTime = dt.time(9, 0)
    end: LocalTime = dt.time(18, 0)

    @model_validator(mode="after")
    def _end_after_start(self) -> WorkingHours:
        if self.end <= self.start:
            raise PydanticCustomError(
                "working_hours", "working hours whose end comes after their start"
            )
        return self

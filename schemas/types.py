"""Field types shared by the workspace files: ids, languages, time zones, emails, hours, text."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable
from typing import Annotated, Literal

import pycountry
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

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


@functools.cache
def _countries() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


_COUNTRY_MISTAKES = {
    "UK": "the United Kingdom is GB",
    "EL": "Greece is GR",
    "XK": "Kosovo has no ISO 3166 code",
}
"""Codes people write that ISO 3166 does not assign, and what they meant."""


def _check_country(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise PydanticCustomError("country", "an ISO 3166 two-letter country code such as 'GE'")
    if value not in _countries():
        hint = f"; {_COUNTRY_MISTAKES[value]}" if value in _COUNTRY_MISTAKES else ""
        raise PydanticCustomError(
            "country",
            "an ISO 3166 two-letter country code such as 'GE' ({value} is none{hint})",
            {"value": value, "hint": hint},
        )
    return value


_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
"""What `str.splitlines` splits on, and so a mail header, CSV or Markdown may break at."""
_NEW_LINES = frozenset("\n\r")
_MULTI_LINE_ALLOWED = frozenset("\n\r\t")
# Format characters that hide or reorder text: bidirectional embeddings, overrides and
# isolates (they can make a name or subject read differently from what it holds), a
# byte-order mark inside text, and interlinear annotations. Other format characters
# (zero-width joiners, soft hyphens, left-to-right marks) are part of how people write.
_HIDDEN_FORMATS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\ufff9\ufffa\ufffb"
)
# unicodedata names no control character: the aliases of those a person may have typed
_CONTROL_NAMES = {
    "\x09": "CHARACTER TABULATION",
    "\x0b": "LINE TABULATION",
    "\x0c": "FORM FEED",
    "\x1c": "INFORMATION SEPARATOR FOUR",
    "\x1d": "INFORMATION SEPARATOR THREE",
    "\x1e": "INFORMATION SEPARATOR TWO",
    "\x85": "NEXT LINE",
}


def _code_point(char: str) -> str:
    """Return "U+2028 (LINE SEPARATOR)", or "U+0007" for a character without a name."""
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "")
    return f"U+{ord(char):04X} ({name})" if name else f"U+{ord(char):04X}"


_SUSPECT = re.compile(
    "[\x00-\x1f\x7f-\x9f" + "".join(re.escape(char) for char in sorted(_HIDDEN_FORMATS)) + "]"
)
"""Every character `_check_characters` may refuse: the Cc category is U+0000-001F and
U+007F-009F, for good; a text with none of them is let through without a look at each."""


def _check_characters(value: str, allowed: frozenset[str]) -> None:
    """Raise for the first control character of `value` that is not `allowed` or a line break."""
    if _SUSPECT.search(value) is None:
        return
    for char in value:
        if char in allowed or char in _LINE_BREAKS:
            continue
        if unicodedata.category(char) == "Cc" or char in _HIDDEN_FORMATS:
            raise PydanticCustomError(
                "text",
                "text without control characters: {char} is one",
                {"char": _code_point(char)},
            )


def _check_one_line(value: str) -> str:
    _check_characters(value, frozenset())
    if any(char in _NEW_LINES for char in value):
        raise PydanticCustomError("one_line", "a single line (no line breaks)")
    for char in value:
        if char in _LINE_BREAKS:
            raise PydanticCustomError(
                "one_line",
                "a single line (no line breaks): {char} is one",
                {"char": _code_point(char)},
            )
    return value


def _check_text(value: str) -> str:
    _check_characters(value, _MULTI_LINE_ALLOWED)
    for char in value:
        if char in _LINE_BREAKS and char not in _NEW_LINES:
            raise PydanticCustomError(
                "text",
                "text whose line breaks are new lines: {char} is not one",
                {"char": _code_point(char)},
            )
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
OneLine = Annotated[str, Field(min_length=1), AfterValidator(_check_one_line)]
"""Text that may reach an email header (a name, a title): no line break, tab or control
character of any kind (U+2028, U+0085 and the vertical tab included), no bidi override."""
Text = Annotated[str, AfterValidator(_check_text)]
"""Free text over several lines (notes, descriptions): new lines and tabs, no other line
break or control character."""


LANGUAGE_NAMES: dict[Language, str] = {"ka": "Georgian", "en": "English", "ru": "Russian"}

Script = Literal["georgian", "cyrillic", "latin"]
"""The alphabets people's names are written in, here."""

READABLE: dict[Language, tuple[Script, ...]] = {
    "ka": ("georgian", "latin"),
    "en": ("latin",),
    "ru": ("cyrillic", "latin"),
}
"""The scripts a reader of each language reads a name in, the one they prefer first."""


def script_of(text: str) -> Script | None:
    """Return the one script of the letters of `text`, or None for none or several."""
    found: set[str] = set()
    for char in text:
        if char.isalpha():
            found.add(unicodedata.name(char, "").split(" ")[0].lower())
    if len(found) == 1 and (script := found.pop()) in ("georgian", "cyrillic", "latin"):
        return script  # type: ignore[return-value]
    return None


def spelling_for(
    language: Language, name: str, latin: str | None = None, cyrillic: str | None = None
) -> str:
    """Return the spelling of a name that a reader of `language` reads, best first.

    `name` is the name as written, in any script; `latin` and `cyrillic` its spellings in
    those scripts. Without one the reader reads, the name as written.
    """
    spellings = {"latin": latin, "cyrillic": cyrillic}
    for script in READABLE[language]:
        if script_of(name) == script:
            return name
        if spelled := spellings.get(script):
            return spelled
    return name


def readable_by(
    language: Language, name: str, latin: str | None = None, cyrillic: str | None = None
) -> bool:
    """Return whether a reader of `language` reads one of the spellings of a name."""
    return script_of(spelling_for(language, name, latin, cyrillic)) in READABLE[language]


def _check_script(script: Script) -> Callable[[str], str]:
    def check(value: str) -> str:
        if script_of(value) != script:
            raise PydanticCustomError(
                "script", "a name in {script} letters only", {"script": script.capitalize()}
            )
        return value

    return check


LatinName = Annotated[OneLine, AfterValidator(_check_script("latin"))]
"""A person's name in Latin letters: what English readers read."""
CyrillicName = Annotated[OneLine, AfterValidator(_check_script("cyrillic"))]
"""A person's name in Cyrillic letters: what Russian readers read first."""


class _Translations(Strict):
    """A text in English and, where written, Georgian and Russian; English is the fallback.

    A file gives either a plain string, which is the English text, or a mapping
    `{en: ..., ka: ..., ru: ...}` whose `en` is required.
    """

    en: str
    ka: str | None = None
    ru: str | None = None

    def get(self, language: Language) -> str:
        """Return the text in `language`, or the English text when there is none."""
        text: str | None = getattr(self, language)
        return text or self.en

    def lacks(self, languages: Iterable[Language]) -> tuple[Language, ...]:
        """Return those of `languages` that this text has no translation in."""
        return tuple(language for language in languages if not getattr(self, language))

    @classmethod
    def _check_plain(cls, value: str) -> str:
        if not value:
            raise PydanticCustomError(
                "string_too_short",
                "String should have at least {min_length} character",
                {"min_length": 1},
            )
        return cls._check_characters(value)

    @classmethod
    def _check_characters(cls, value: str) -> str:
        raise NotImplementedError

    @model_validator(mode="before")
    @classmethod
    def _plain_string_is_english(cls, data: object) -> object:
        # Checked here, not as `en`, so that an error names the field as the file wrote it.
        if isinstance(data, str):
            return {"en": cls._check_plain(data.strip())}
        return data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        mapping = handler.resolve_ref_schema(handler(core_schema))
        return {
            "anyOf": [
                {"type": "string", "description": "The English text."},
                {**mapping, "description": "The text per language; `en` is required."},
            ],
            "title": mapping.get("title", cls.__name__),
        }


class Localized(_Translations):
    """One line (a name, a title) in English, and in Georgian and Russian where written."""

    en: OneLine
    ka: OneLine | None = None
    ru: OneLine | None = None

    @classmethod
    def _check_characters(cls, value: str) -> str:
        return _check_one_line(value)


NonEmptyText = Annotated[Text, Field(min_length=1)]


class LocalizedText(_Translations):
    """Free text (a paragraph, an item) in English, and in Georgian and Russian where written."""

    en: NonEmptyText
    ka: NonEmptyText | None = None
    ru: NonEmptyText | None = None

    @classmethod
    def _check_characters(cls, value: str) -> str:
        return _check_text(value)


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

"""A spreadsheet cell's text as the registry's value, and back: one table both ways.

`read_cell` accepts what coordinators type ("Georgian", "ქართული", "mon-fri",
"9:00-18:00", "Georgia"); `write_cell` writes the form `read_cell` reads back to the
same value, so an export imported again changes nothing. A text `read_cell` cannot
read is passed on as it is, and the registry's check says what was expected.
"""

# ruff: noqa: RUF001 (Russian words are written in Cyrillic letters that look Latin)
from __future__ import annotations

import datetime as dt
import functools
import gettext
import re
from collections.abc import Mapping
from typing import Any

import pycountry

from schemas.types import WEEKDAYS

_LANGUAGE_WORDS = {
    "en": ("english", "eng", "ინგლისური", "ინგლისურად", "английский", "англ"),
    "ka": ("georgian", "geo", "ქართული", "ქართულად", "грузинский", "груз"),
    "ru": ("russian", "rus", "რუსული", "რუსულად", "русский", "рус"),
}
_KIND_WORDS = {
    "ministry": ("სამინისტრო", "министерство"),
    "prosecution": ("prosecutor's office", "prosecutors office", "პროკურატურა", "прокуратура"),
    "judiciary": ("court", "სასამართლო", "суд", "судебная власть"),
    "state_agency": ("agency", "სააგენტო", "სახელმწიფო უწყება", "государственное агентство"),
    "government_advisor": ("advisor", "adviser", "მრჩეველი", "советник"),
    "international_organisation": (
        "international organization",
        "io",
        "საერთაშორისო ორგანიზაცია",
        "международная организация",
    ),
    "un_agency": ("un", "un agency", "გაეროს სააგენტო", "агентство оон", "оон"),
    "ngo": ("nongovernmental organisation", "არასამთავრობო ორგანიზაცია", "нко", "нпо"),
    "participant_group": ("participants", "მონაწილეები", "участники"),
    "other": ("სხვა", "другое"),
}
_LEVEL_WORDS = {
    "low": ("დაბალი", "низкое", "низкий", "низкая"),
    "medium": ("საშუალო", "среднее", "средний", "средняя"),
    "high": ("მაღალი", "высокое", "высокий", "высокая"),
}
_STANCE_WORDS = {
    "supportive": ("supports", "for", "მხარდამჭერი", "поддерживает", "за"),
    "neutral": ("ნეიტრალური", "нейтральная", "нейтральный", "нейтрально"),
    "opposed": ("against", "opposes", "წინააღმდეგი", "против"),
}
_DAY_NAMES = {
    day: (day, name, name[:3])
    for day, name in zip(
        WEEKDAYS,
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        strict=True,
    )
}
_DAYS = {word: day for day, words in _DAY_NAMES.items() for word in words}


def _words(table: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    found = {key: key for key in table}
    found.update({key.replace("_", " "): key for key in table})
    found.update({word: key for key, words in table.items() for word in words})
    return found


_LANGUAGES = _words(_LANGUAGE_WORDS)
_KINDS = _words(_KIND_WORDS)
_LEVELS = _words(_LEVEL_WORDS)
_STANCES = _words(_STANCE_WORDS)


def _lookup(table: Mapping[str, str], text: str) -> str:
    return table.get(" ".join(text.casefold().split()), text)


def cell_text(value: object) -> str:
    """Return a cell's value as text: a time as 09:00, a whole number without `.0`."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_cell(key: str, text: str) -> Any:
    """Return the registry's value for a cell of field `key`, as it would be in the YAML file."""
    if key == "language":
        return _lookup(_LANGUAGES, text)
    if key == "kind":
        return _lookup(_KINDS, text)
    if key in ("influence", "interest"):
        return _lookup(_LEVELS, text)
    if key == "stance":
        return _lookup(_STANCES, text)
    if key == "country":
        return _country(text)
    if key == "working_days":
        return _days(text)
    if key == "working_hours":
        return _hours(text)
    return text


def _country(text: str) -> str:
    code = text.strip()
    if re.fullmatch(r"[A-Za-z]{2}", code):
        return code.upper()
    return _country_names().get(" ".join(code.casefold().split()), code)


@functools.cache
def _country_names() -> dict[str, str]:
    """Return each country's name in English, Georgian and Russian, as compared -> its code."""
    names: dict[str, str] = {}
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        for language in ("ka", "ru")
    ]
    for country in pycountry.countries:
        english = [country.name, getattr(country, "common_name", None)]
        english.append(getattr(country, "official_name", None))
        for name in filter(None, english):
            for translation in (None, *translations):
                shown = translation.gettext(name) if translation else name
                names.setdefault(" ".join(shown.casefold().split()), str(country.alpha_2))
    return names


def _days(text: str) -> Any:
    days: list[str] = []
    for part in re.split(r"[,;\s]+", text.casefold().strip()):
        if not part:
            continue
        span = re.fullmatch(r"(\w+)\s*[-\u2013\u2014]\s*(\w+)", part)
        if span and span.group(1) in _DAYS and span.group(2) in _DAYS:
            first, last = WEEKDAYS.index(_DAYS[span.group(1)]), WEEKDAYS.index(_DAYS[span.group(2)])
            days += WEEKDAYS[first : last + 1]
        elif part in _DAYS:
            days.append(_DAYS[part])
        else:
            return text
    return days


def _hours(text: str) -> Any:
    found = re.fullmatch(
        r"\s*(\d{1,2})(?::(\d{2}))?\s*[-\u2013\u2014]\s*(\d{1,2})(?::(\d{2}))?\s*", text
    )
    if not found:
        return {"start": text}
    start_h, start_m, end_h, end_m = found.groups()
    return {
        "start": f"{int(start_h):02d}:{start_m or '00'}",
        "end": f"{int(end_h):02d}:{end_m or '00'}",
    }


def write_days(days: tuple[str, ...]) -> str:
    """Return working days as a cell reads them: `mon, tue, wed, thu, fri`."""
    return ", ".join(days)


def write_hours(start: dt.time, end: dt.time) -> str:
    """Return working hours as a cell reads them: `09:00-18:00`."""
    return f"{start.strftime('%H:%M')}-{end.strftime('%H:%M')}"


def script_of(text: str) -> str:
    """Return the language a text's letters are written in: ka (Mkhedruli), ru (Cyrillic) or en."""
    for char in text:
        if (
            "\u10a0" <= char <= "\u10ff"
            or "\u1c90" <= char <= "\u1cbf"
            or "\u2d00" <= char <= "\u2d2f"
        ):
            return "ka"
        if "\u0400" <= char <= "\u04ff":
            return "ru"
    return "en"

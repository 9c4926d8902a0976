"""The columns of a spreadsheet of contacts: the registry's fields, and their headers in en, ka, ru.

A sheet has one row per contact, with its organisation's fields repeated on each row.
`guess_columns` reads the headers a coordinator wrote ("E-mail", "ელ. ფოსტა",
"Электронная почта") as fields; the mapping a coordinator confirmed is kept in the
workspace (`registry-columns.yaml`) and used again for a sheet with the same headers.
"""

# ruff: noqa: RUF001 (Russian words are written in Cyrillic letters that look Latin)
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from consult.errors import Problem, WorkspaceError
from consult.workspace.yamlfile import read_yaml
from consult.workspace.yamlwrite import write_atomically

MAPPING_FILE = "registry-columns.yaml"
"""Where a workspace keeps the column mapping its coordinator confirmed."""

LANGUAGES = ("en", "ka", "ru")


@dataclass(frozen=True)
class Column:
    """A field of the registry a sheet's column can hold."""

    key: str
    """The field's name in a mapping, e.g. `email` or `organisation_en`."""
    header: str
    """The English header `export-stakeholders` writes."""
    organisation: bool
    """Whether it is the organisation's (repeated on each of its rows) or the contact's."""


def _localised(key: str, header: str) -> list[Column]:
    return [Column(f"{key}_{lang}", f"{header} ({lang})", True) for lang in LANGUAGES]


COLUMNS: tuple[Column, ...] = (
    Column("organisation_id", "Organisation ID", True),
    *_localised("organisation", "Organisation"),
    Column("kind", "Kind", True),
    *_localised("kind_label", "Kind label"),
    Column("country", "Country", True),
    Column("working_days", "Working days", True),
    Column("working_hours", "Working hours", True),
    Column("organisation_busy_feed", "Organisation busy feed", True),
    Column("influence", "Influence", True),
    Column("interest", "Interest", True),
    Column("stance", "Stance", True),
    Column("name", "Contact name", False),
    Column("email", "Email", False),
    Column("role", "Role", False),
    Column("language", "Language", False),
    Column("timezone", "Time zone", False),
    Column("busy_feed", "Busy feed", False),
    Column("location", "Location", False),
)
BY_KEY: Mapping[str, Column] = {column.key: column for column in COLUMNS}

SCRIPT_KEYS = ("organisation", "kind_label")
"""Fields a column may hold without a language: the text's own script says which it is."""

KEYS = frozenset(BY_KEY) | frozenset(SCRIPT_KEYS)

# Headers as coordinators write them, normalised by `_normal`; a localised field's
# headers may end in a language ("Organisation (ka)", "Название (англ.)").
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "organisation_id": (
        "organisation id",
        "organization id",
        "org id",
        "id",
        "ორგანიზაციის id",
        "ორგანიზაციის იდენტიფიკატორი",
        "იდენტიფიკატორი",
        "id организации",
        "идентификатор организации",
        "идентификатор",
    ),
    "organisation": (
        "organisation",
        "organization",
        "organisation name",
        "organization name",
        "institution",
        "agency",
        "body",
        "ორგანიზაცია",
        "ორგანიზაციის დასახელება",
        "ორგანიზაციის სახელწოდება",
        "დასახელება",
        "უწყება",
        "დაწესებულება",
        "организация",
        "название организации",
        "наименование организации",
        "наименование",
        "учреждение",
        "ведомство",
    ),
    "kind": (
        "kind",
        "type",
        "organisation type",
        "organization type",
        "category",
        "ტიპი",
        "სახე",
        "კატეგორია",
        "ორგანიზაციის ტიპი",
        "უწყების ტიპი",
        "тип",
        "вид",
        "категория",
        "тип организации",
    ),
    "kind_label": (
        "kind label",
        "type label",
        "other kind",
        "other type",
        "ტიპის დასახელება",
        "სხვა ტიპი",
        "название типа",
        "другой тип",
    ),
    "country": (
        "country",
        "country code",
        "ქვეყანა",
        "ქვეყნის კოდი",
        "страна",
        "код страны",
    ),
    "working_days": (
        "working days",
        "work days",
        "workdays",
        "days",
        "სამუშაო დღეები",
        "დღეები",
        "рабочие дни",
        "дни",
    ),
    "working_hours": (
        "working hours",
        "work hours",
        "office hours",
        "hours",
        "სამუშაო საათები",
        "სამუშაო დრო",
        "საათები",
        "рабочие часы",
        "часы работы",
        "рабочее время",
        "часы",
    ),
    "organisation_busy_feed": (
        "organisation busy feed",
        "organization busy feed",
        "organisation calendar",
        "organization calendar",
        "ორგანიზაციის კალენდარი",
        "календарь организации",
    ),
    "influence": ("influence", "power", "გავლენა", "влияние"),
    "interest": (
        "interest",
        "ინტერესი",
        "დაინტერესება",
        "интерес",
        "заинтересованность",
    ),
    "stance": (
        "stance",
        "attitude",
        "position on the training",
        "პოზიცია",
        "დამოკიდებულება",
        "позиция",
        "отношение",
    ),
    "name": (
        "contact name",
        "contact",
        "name",
        "full name",
        "person",
        "contact person",
        "სახელი",
        "სახელი და გვარი",
        "სახელი გვარი",
        "საკონტაქტო პირი",
        "კონტაქტი",
        "контактное лицо",
        "фио",
        "ф и о",
        "имя",
        "имя и фамилия",
        "контакт",
    ),
    "email": (
        "email",
        "e mail",
        "email address",
        "e mail address",
        "mail",
        "ელ ფოსტა",
        "ელფოსტა",
        "ელექტრონული ფოსტა",
        "ელ ფოსტის მისამართი",
        "эл почта",
        "электронная почта",
        "почта",
        "адрес электронной почты",
    ),
    "role": (
        "role",
        "position",
        "job title",
        "title",
        "function",
        "თანამდებობა",
        "როლი",
        "პოზიცია სამსახურში",
        "должность",
        "роль",
    ),
    "language": (
        "language",
        "lang",
        "preferred language",
        "ენა",
        "სასურველი ენა",
        "язык",
        "предпочитаемый язык",
    ),
    "timezone": (
        "time zone",
        "timezone",
        "tz",
        "სასაათო სარტყელი",
        "დროის სარტყელი",
        "часовой пояс",
    ),
    "busy_feed": (
        "busy feed",
        "calendar",
        "calendar feed",
        "free busy",
        "ics",
        "კალენდარი",
        "კალენდრის ბმული",
        "календарь",
        "ссылка на календарь",
    ),
    "location": (
        "location",
        "city",
        "office",
        "ადგილმდებარეობა",
        "ქალაქი",
        "ოფისი",
        "местоположение",
        "город",
        "офис",
    ),
}
_LANGUAGE_MARKS: dict[str, tuple[str, ...]] = {
    "en": (
        "en",
        "eng",
        "english",
        "ინგლისურად",
        "ინგლისური",
        "англ",
        "английский",
        "на английском",
    ),
    "ka": (
        "ka",
        "ge",
        "geo",
        "georgian",
        "ქართულად",
        "ქართული",
        "груз",
        "грузинский",
        "на грузинском",
    ),
    "ru": ("ru", "rus", "russian", "რუსულად", "რუსული", "рус", "русский", "на русском"),
}


def _normal(text: str) -> str:
    """Return a header as compared: lower case, punctuation as spaces, single spaces."""
    return " ".join(re.sub(r"[_\-.:;,*/\\()\[\]\"'«»]+", " ", text.casefold()).split())


_BY_HEADER: dict[str, str] = {
    _normal(synonym): key for key, synonyms in _SYNONYMS.items() for synonym in synonyms
}
_BY_HEADER.update({_normal(column.header): column.key for column in COLUMNS})
_BY_MARK: dict[str, str] = {
    _normal(mark): lang for lang, marks in _LANGUAGE_MARKS.items() for mark in marks
}


def guess_column(header: str) -> str | None:
    """Return the field a header names, or None: `E-mail` is `email`, `Organisation (ka)` too."""
    text = _normal(header)
    if not text:
        return None
    if text in _BY_HEADER:
        return _BY_HEADER[text]
    words = text.split()
    for cut in (1, 2):
        head, mark = " ".join(words[:-cut]), " ".join(words[-cut:])
        if head and mark in _BY_MARK and _BY_HEADER.get(head) in SCRIPT_KEYS:
            return f"{_BY_HEADER[head]}_{_BY_MARK[mark]}"
    return None


def guess_columns(headers: Sequence[str]) -> dict[str, str]:
    """Return header -> field for each header a field is guessed for, each field once."""
    guessed: dict[str, str] = {}
    for header in headers:
        key = guess_column(header)
        if key is not None and key not in guessed.values() and header not in guessed:
            guessed[header] = key
    return guessed


def read_mapping(path: Path, name: str = MAPPING_FILE) -> dict[str, str]:
    """Return the header -> field mapping of a mapping file, or raise a WorkspaceError."""
    data, lines, found = read_yaml(path, name)
    if found:
        raise WorkspaceError(found)
    columns = data.get("columns") if isinstance(data, dict) else None
    if not isinstance(columns, dict):
        raise WorkspaceError(
            [Problem(name, lines.of(("columns",)), "columns", None, "a mapping of header: field")]
        )
    problems = [
        Problem(name, lines.of(("columns", header)), f"columns.{header}", key, _known())
        for header, key in columns.items()
        if key not in KEYS and key is not None
    ]
    if problems:
        raise WorkspaceError(problems)
    return {str(header): str(key) for header, key in columns.items() if key is not None}


def _known() -> str:
    return "a field of the registry (" + ", ".join(sorted(KEYS)) + ")"


def write_mapping(path: Path, mapping: Mapping[str, str]) -> None:
    """Write a column mapping to `path`, for the next import of a sheet with these headers."""
    text = yaml.safe_dump({"columns": dict(mapping)}, allow_unicode=True, sort_keys=False)
    header = (
        "# How `consult import-stakeholders` reads a spreadsheet's columns: header: field.\n"
        "# Fields: " + ", ".join(sorted(KEYS)) + "\n"
    )
    write_atomically(path, header + text)


def covers(mapping: Mapping[str, str], headers: Iterable[str]) -> bool:
    """Tell whether a saved mapping names every non-empty header of a sheet."""
    return all(header in mapping for header in headers if header.strip())

"""The headers coordinators write, in English, Georgian and Russian, as the registry's fields."""

# ruff: noqa: RUF001 (Russian words are written in Cyrillic letters that look Latin)
from __future__ import annotations

import pytest

from consult.workspace.cells import read_cell
from consult.workspace.columns import COLUMNS, guess_column, guess_columns


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mail", "email"),
        ("Email address", "email"),
        ("ელ. ფოსტა", "email"),
        ("Электронная почта", "email"),
        ("Organization", "organisation"),
        ("ორგანიზაციის დასახელება", "organisation"),
        ("Наименование организации", "organisation"),
        ("Organisation (ka)", "organisation_ka"),
        ("ორგანიზაცია (ინგლისურად)", "organisation_en"),
        ("Организация (рус.)", "organisation_ru"),
        ("სახელი და გვარი", "name"),
        ("ФИО", "name"),
        ("Position", "role"),
        ("თანამდებობა", "role"),
        ("Должность", "role"),
        ("ენა", "language"),
        ("Язык", "language"),
        ("Time zone", "timezone"),
        ("სასაათო სარტყელი", "timezone"),
        ("Часовой пояс", "timezone"),
        ("Working hours", "working_hours"),
        ("სამუშაო საათები", "working_hours"),
        ("Часы работы", "working_hours"),
        ("ქვეყანა", "country"),
        ("Страна", "country"),
        ("ტიპი", "kind"),
        ("Тип организации", "kind"),
        ("გავლენა", "influence"),
        ("Заинтересованность", "interest"),
        ("Позиция", "stance"),
    ],
)
def test_a_header_in_any_of_the_three_languages_names_its_field(header: str, field: str) -> None:
    assert guess_column(header) == field


def test_every_exported_header_is_read_back_as_its_own_field() -> None:
    headers = [column.header for column in COLUMNS]
    assert guess_columns(headers) == {column.header: column.key for column in COLUMNS}


def test_an_unknown_header_is_left_out_and_a_field_is_taken_once() -> None:
    assert guess_columns(["Email", "Notes", "E-mail"]) == {"Email": "email"}


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("language", "ქართული", "ka"),
        ("language", "Русский", "ru"),
        ("language", "English", "en"),
        ("kind", "სამინისტრო", "ministry"),
        ("kind", "State agency", "state_agency"),
        ("country", "საქართველო", "GE"),
        ("country", "Грузия", "GE"),
        ("country", "Armenia", "AM"),
        ("country", "ge", "GE"),
        ("working_days", "Mon-Fri", ["mon", "tue", "wed", "thu", "fri"]),
        ("working_days", "mon, wed, sat", ["mon", "wed", "sat"]),
        ("working_hours", "9:00\u201318:30", {"start": "09:00", "end": "18:30"}),
        ("influence", "მაღალი", "high"),
        ("stance", "против", "opposed"),
        ("role", "Head of unit", "Head of unit"),
    ],
)
def test_a_cell_reads_as_the_registry_writes_it(key: str, text: str, value: object) -> None:
    assert read_cell(key, text) == value

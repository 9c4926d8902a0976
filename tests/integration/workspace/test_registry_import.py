"""Importing a spreadsheet of contacts into stakeholders.yaml, and exporting it back."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from consult.errors import SheetError
from consult.workspace import registry_write
from consult.workspace.columns import guess_columns
from consult.workspace.loading import load_workspace
from consult.workspace.registry_export import export_registry
from consult.workspace.registry_import import apply_import, plan_import
from consult.workspace.sheets import read_sheets
from schemas.stakeholders import Organisation, StakeholdersFile

Write = Callable[..., Path]


@dataclass
class Work:
    """What an import did: registries and organisations validated, YAML documents emitted."""

    registries: int = 0
    organisations: int = 0
    emitted: int = 0


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Work:
    """Count the validations and YAML emissions of the imports while the test runs."""
    done = Work()

    def counting(model: type, attribute: str) -> None:
        validate = model.model_validate

        def counted(cls: type, data: object, **options: object) -> object:
            setattr(done, attribute, getattr(done, attribute) + 1)
            return validate(data, **options)

        monkeypatch.setattr(model, "model_validate", classmethod(counted))

    counting(StakeholdersFile, "registries")
    counting(Organisation, "organisations")
    dump_document = registry_write.dump_document

    def dump_counted(*args: object, **kwargs: object) -> str:
        done.emitted += 1
        return dump_document(*args, **kwargs)

    monkeypatch.setattr(registry_write, "dump_document", dump_counted)
    return done


HEADER = [
    "Organisation",
    "Kind",
    "Country",
    "Contact name",
    "E-mail",
    "Position",
    "Language",
    "Time zone",
    "Working hours",
]
BROKEN = {
    # row (as the spreadsheet shows it, the header being row 1) -> (column, value)
    12: ("E", "nino@"),
    140: ("H", "Asia/Tbilisy"),
    333: ("G", "fr"),
    678: ("C", "XX"),
    999: ("I", "18:00-09:00"),
}


def big_sheet(path: Path) -> Path:
    """Write a workbook of 300 organisations and 1,000 contacts, 5 rows of them broken."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Contacts")
    sheet.append(HEADER)
    for n in range(1000):
        org = n % 300
        row = [
            f"Organisation number {org}",
            "ngo",
            "GE",
            f"Person {n}",
            f"person{n}@org{org}.example.org",
            "Officer",
            ["ka", "en", "ru"][n % 3],
            "Asia/Tbilisi",
            "09:00-18:00",
        ]
        number = n + 2
        if number in BROKEN:
            column, value = BROKEN[number]
            row[ord(column) - ord("A")] = value
        sheet.append(row)
    book.save(path)
    return path


def test_a_sheet_of_1000_contacts_is_checked_once_per_organisation_naming_each_broken_row(
    write_workspace: Write, tmp_path: Path, work: Work
) -> None:
    root = write_workspace()
    before = (root / "stakeholders.yaml").read_bytes()
    source = big_sheet(tmp_path / "contacts.xlsx")
    sheets = read_sheets(source)
    with pytest.raises(SheetError) as caught:
        plan_import(root, sheets, guess_columns(sheets[0].header))
    # The registry once, each of the sheet's 300 organisations once: no work per row.
    assert (work.registries, work.organisations) == (1, 300)
    assert [str(p) for p in caught.value.problems] == [
        "contacts.xlsx, sheet Contacts, row 12, column E (E-mail): got 'nino@', expected an "
        "email address (there must be something after the @-sign)",
        "contacts.xlsx, sheet Contacts, row 140, column H (Time zone): got 'Asia/Tbilisy', "
        "expected an IANA time zone such as 'Asia/Tbilisi'",
        "contacts.xlsx, sheet Contacts, row 333, column G (Language): got 'fr', "
        "expected 'ka', 'en' or 'ru'",
        "contacts.xlsx, sheet Contacts, row 678, column C (Country): got 'XX', "
        "expected 'GE' as on row 78 (an organisation has one value of a field on all its rows)",
        "contacts.xlsx, sheet Contacts, row 999, column I (Working hours): got '18:00-09:00', "
        "expected '09:00-18:00' as on row 99 (an organisation has one value of a field on all "
        "its rows)",
    ]
    assert (root / "stakeholders.yaml").read_bytes() == before


def test_the_fixed_sheet_imports_every_organisation_and_contact(
    write_workspace: Write, tmp_path: Path, work: Work
) -> None:
    root = write_workspace()
    source = big_sheet(tmp_path / "contacts.xlsx")
    book = openpyxl.load_workbook(source)
    for number, (column, _) in BROKEN.items():
        fixed = {"E": f"fixed{number}@example.org", "H": "Asia/Tbilisi", "G": "ka", "C": "GE"}
        book["Contacts"][f"{column}{number}"] = fixed.get(column, "09:00-18:00")
    book.save(source)
    sheets = read_sheets(source)
    preview = plan_import(root, sheets, guess_columns(sheets[0].header))
    apply_import(root, preview)
    # The registry read and the file written are validated once each, each organisation
    # once; the new organisations are written as text, not emitted by ruamel.yaml.
    assert (work.registries, work.organisations, work.emitted) == (2, 300, 0)
    assert len(preview.added_organisations) == 300
    assert len(preview.added_contacts) == 1000
    registry = load_workspace(root).stakeholders
    assert len(registry.organisations) == 302
    assert registry.organisation("organisation-number-7").contacts[0].role == "Officer"


def test_the_yaml_keeps_its_comments_and_layout_through_an_import(
    demo_copy: Path, tmp_path: Path
) -> None:
    path = demo_copy / "stakeholders.yaml"
    before = path.read_text(encoding="utf-8")
    sheet = tmp_path / "changes.csv"
    sheet.write_text(
        "Organisation ID,Email,Role\r\n"
        "prosecutors-office,l.gelashvili@example.gov.ge,Senior Prosecutor\r\n",
        encoding="utf-8",
    )
    sheets = read_sheets(sheet)
    preview = plan_import(demo_copy, sheets, guess_columns(sheets[0].header))
    assert preview.summary().endswith("contacts 0 added, 1 changed, 25 unchanged")
    apply_import(demo_copy, preview)
    after = path.read_text(encoding="utf-8")
    changed = [
        (old, new)
        for old, new in zip(before.splitlines(), after.splitlines(), strict=True)
        if old != new
    ]
    assert changed == [
        (
            "        role: Prosecutor, Human Rights Protection Department",
            "        role: Senior Prosecutor",
        )
    ]
    assert "# Everything here is fictional" in after


def test_a_contact_added_to_an_organisation_goes_before_the_blank_line(
    write_workspace: Write, tmp_path: Path
) -> None:
    root = write_workspace()
    sheet = tmp_path / "new.csv"
    sheet.write_text(
        "Organisation ID;Contact name;Email;Role;Language;Time zone\n"
        "mia;Eka Lomidze;eka@mia.example.gov.ge;Analyst;ka;Asia/Tbilisi\n",
        encoding="utf-8",
    )
    sheets = read_sheets(sheet)
    apply_import(root, plan_import(root, sheets, guess_columns(sheets[0].header)))
    mia = load_workspace(root).stakeholders.organisation("mia")
    assert [c.email for c in mia.contacts] == ["nino@mia.example.gov.ge", "eka@mia.example.gov.ge"]


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(demo_copy: Path, tmp_path: Path, suffix: str) -> None:
    path = demo_copy / "stakeholders.yaml"
    before = path.read_bytes()
    target = tmp_path / f"registry.{suffix}"
    count = export_registry(load_workspace(demo_copy).stakeholders, target)
    sheets = read_sheets(target)
    preview = plan_import(demo_copy, sheets, guess_columns(sheets[0].header))
    assert preview.empty, preview.details()
    assert preview.unchanged_contacts == count
    assert apply_import(demo_copy, preview) is False
    assert path.read_bytes() == before


def test_an_exported_organisation_of_every_field_comes_back_the_same(
    write_workspace: Write, tmp_path: Path
) -> None:
    root = write_workspace(
        "organisations:\n"
        "  - id: mia\n"
        "    kind: other\n"
        "    kind_label: {en: Bar association, ka: ადვოკატთა ასოციაცია, ru: Коллегия адвокатов}\n"
        "    country: AM\n"
        "    name: {en: Bar, ka: ადვოკატები, ru: Адвокаты}\n"
        "    working_hours: {days: [mon, tue, sat], start: '08:30', end: '17:00'}\n"
        "    busy_feed: https://example.org/bar.ics\n"
        "    influence: high\n"
        "    interest: low\n"
        "    stance: opposed\n"
        "    contacts:\n"
        "      - {name: Ani, email: ani@example.org, role: Chair, language: ru,\n"
        "         timezone: Asia/Yerevan, busy_feed: 'https://example.org/ani.ics'}\n"
        "  - id: coordinators\n"
        "    kind: participant_group\n"
        "    country: GE\n"
        "    name: {en: Coordinators}\n"
        "    contacts:\n"
        "      - {name: Giorgi, email: giorgi@example.org, role: Coordinator, language: ka,\n"
        "         timezone: Asia/Tbilisi}\n"
    )
    for suffix in ("xlsx", "csv"):
        target = tmp_path / f"all.{suffix}"
        export_registry(load_workspace(root).stakeholders, target)
        sheets = read_sheets(target)
        assert plan_import(root, sheets, guess_columns(sheets[0].header)).empty


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t"), ("utf-8", "|")],
)
def test_csv_in_each_encoding_and_delimiter_reads_the_same(
    write_workspace: Write, tmp_path: Path, encoding: str, delimiter: str
) -> None:
    rows = [
        [
            "ორგანიზაცია",
            "ორგანიზაცია (ინგლისურად)",
            "ტიპი",
            "ქვეყანა",
            "სახელი და გვარი",
            "ელ. ფოსტა",
            "თანამდებობა",
            "ენა",
            "სასაათო სარტყელი",
        ],
        [
            "სახალხო დამცველი",
            "Public Defender of Georgia",
            "სახელმწიფო უწყება",
            "საქართველო",
            "თამარ გაბუნია",
            "tamar@pdo.example.ge",
            "მრჩეველი, სამართლებრივი დეპარტამენტი",
            "ქართული",
            "Asia/Tbilisi",
        ],
    ]
    stream = io.StringIO()
    csv.writer(stream, delimiter=delimiter).writerows(rows)
    sheet = tmp_path / "ka.csv"
    sheet.write_bytes(stream.getvalue().encode(encoding))
    root = write_workspace()
    sheets = read_sheets(sheet)
    preview = plan_import(root, sheets, guess_columns(sheets[0].header))
    assert preview.added_organisations == ("public-defender-of-georgia",)
    apply_import(root, preview)
    added = load_workspace(root).stakeholders.organisation("public-defender-of-georgia")
    assert (added.kind, added.country, added.name.ka) == ("state_agency", "GE", rows[1][0])
    assert added.contacts[0].language == "ka"


def test_a_russian_header_row_is_understood(write_workspace: Write, tmp_path: Path) -> None:
    sheet = tmp_path / "ru.csv"
    sheet.write_text(
        "ID организации,Контактное лицо,Электронная почта,Должность,Язык,Часовой пояс\n"
        "mia,Ирина Петрова,irina@mia.example.gov.ge,Аналитик,русский,Asia/Tbilisi\n",
        encoding="utf-8",
    )
    root = write_workspace()
    sheets = read_sheets(sheet)
    apply_import(root, plan_import(root, sheets, guess_columns(sheets[0].header)))
    added = load_workspace(root).stakeholders.organisation("mia").contacts[1]
    assert (added.name, added.role, added.language) == ("Ирина Петрова", "Аналитик", "ru")


def test_a_new_contact_without_a_required_column_names_the_field(
    write_workspace: Write, tmp_path: Path
) -> None:
    sheet = tmp_path / "thin.csv"
    sheet.write_text("Organisation ID,Email\nmia,someone@mia.example.gov.ge\n", encoding="utf-8")
    root = write_workspace()
    sheets = read_sheets(sheet)
    with pytest.raises(SheetError) as caught:
        plan_import(root, sheets, guess_columns(sheets[0].header))
    assert [str(p) for p in caught.value.problems] == [
        "thin.csv, row 2, name (no such column): missing, expected a value (the field is required)",
        "thin.csv, row 2, role (no such column): missing, expected a value (the field is required)",
        "thin.csv, row 2, language (no such column): missing, expected a value (the field is "
        "required)",
        "thin.csv, row 2, timezone (no such column): missing, expected a value (the field is "
        "required)",
    ]


def test_an_email_of_another_organisations_contact_is_refused(
    write_workspace: Write, tmp_path: Path
) -> None:
    sheet = tmp_path / "moved.csv"
    sheet.write_text("Organisation ID,Email,Role\nmia,giorgi@mia.example.gov.ge,Head\n")
    root = write_workspace()
    sheets = read_sheets(sheet)
    with pytest.raises(SheetError) as caught:
        plan_import(root, sheets, guess_columns(sheets[0].header))
    assert [str(p) for p in caught.value.problems] == [
        "moved.csv, row 2, column B (Email): got 'giorgi@mia.example.gov.ge', expected an email "
        "no other organisation's contact has (it is a contact of coordinators)"
    ]


def test_a_file_changed_since_the_preview_is_not_overwritten(
    write_workspace: Write, tmp_path: Path
) -> None:
    sheet = tmp_path / "one.csv"
    sheet.write_text("Organisation ID,Email,Role\nmia,nino@mia.example.gov.ge,Director\n")
    root = write_workspace()
    sheets = read_sheets(sheet)
    preview = plan_import(root, sheets, guess_columns(sheets[0].header))
    path = root / "stakeholders.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# edited meanwhile\n", encoding="utf-8")
    with pytest.raises(ValueError, match="changed since the preview"):
        apply_import(root, preview)
    assert path.read_text(encoding="utf-8").endswith("# edited meanwhile\n")


def test_an_error_in_working_hours_is_named_in_its_own_column_beside_working_days(
    write_workspace: Write, tmp_path: Path
) -> None:
    # Both columns fill the one mapping `working_hours`: the hours' error is the hours' column.
    sheet = tmp_path / "hours.csv"
    sheet.write_text(
        "Organisation ID,Working days,Working hours\nmia,Mon-Fri,18:00-09:00\n", encoding="utf-8"
    )
    root = write_workspace()
    sheets = read_sheets(sheet)
    with pytest.raises(SheetError) as caught:
        plan_import(root, sheets, guess_columns(sheets[0].header))
    [problem] = caught.value.problems
    assert str(problem).startswith("hours.csv, row 2, column C (Working hours): "), str(problem)


def test_a_contact_named_as_a_formula_is_exported_as_text_and_imported_back_the_same(
    write_workspace: Write, tmp_path: Path
) -> None:
    named = '=HYPERLINK("http://evil.example","x")'
    root = write_workspace(
        "organisations:\n"
        "  - id: mia\n"
        "    kind: ministry\n"
        "    country: GE\n"
        "    name: {en: '\uff1d1+1'}\n"
        "    contacts:\n"
        f"      - {{name: '{named}', email: nino@example.org, role: '+cmd|calc!A0',\n"
        "         language: ka, timezone: Asia/Tbilisi}\n"
        "  - id: coordinators\n"
        "    kind: participant_group\n"
        "    country: GE\n"
        "    name: {en: Coordinators}\n"
        "    contacts:\n"
        "      - {name: Giorgi, email: giorgi@example.org, role: Coordinator, language: ka,\n"
        "         timezone: Asia/Tbilisi}\n"
    )
    target = tmp_path / "registry.csv"
    export_registry(load_workspace(root).stakeholders, target)
    with target.open(encoding="utf-8-sig", newline="") as file:
        row = next(csv.DictReader(file))
    assert row["Contact name"] == f"'{named}"
    assert row["Role"] == "'+cmd|calc!A0"
    assert row["Organisation (en)"] == "'\uff1d1+1"
    sheets = read_sheets(target)
    assert plan_import(root, sheets, guess_columns(sheets[0].header)).empty

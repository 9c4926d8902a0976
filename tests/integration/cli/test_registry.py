"""The registry commands as a coordinator runs them: import, export and edit stakeholders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from consult.settings import Settings
from consult.store import open_store
from tests.conftest import TINY_STAKEHOLDERS
from tests.integration.cli.test_cli import consult

Write = Callable[..., Path]

SHEET = (
    "Organisation ID,Contact name,E-mail,Position,Language,Time zone\n"
    "mia,Eka Lomidze,eka@mia.example.gov.ge,Analyst,ka,Asia/Tbilisi\n"
)


def test_an_import_shows_the_columns_and_the_preview_then_writes(
    write_workspace: Write, tmp_path: Path
) -> None:
    root = write_workspace()
    sheet = tmp_path / "contacts.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    result = consult("import-stakeholders", str(sheet), "--yes", "--workspace", str(root))
    assert result.returncode == 0, result.stderr
    assert "E-mail" in result.stdout
    assert "contacts 1 added, 0 changed, 2 unchanged" in result.stdout
    assert "+ contact eka@mia.example.gov.ge (mia)" in result.stdout
    assert "eka@mia.example.gov.ge" in (root / "stakeholders.yaml").read_text(encoding="utf-8")
    assert "E-mail: email" in (root / "registry-columns.yaml").read_text(encoding="utf-8")

    again = consult("import-stakeholders", str(sheet), "--workspace", str(root))
    assert again.returncode == 0, again.stderr
    assert "columns as in" in again.stdout
    assert "nothing to change" in again.stdout


def test_an_import_without_yes_and_no_answer_writes_nothing(
    write_workspace: Write, tmp_path: Path
) -> None:
    root = write_workspace()
    before = (root / "stakeholders.yaml").read_bytes()
    sheet = tmp_path / "contacts.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    result = consult("import-stakeholders", str(sheet), "--workspace", str(root))
    assert result.returncode == 1
    assert (root / "stakeholders.yaml").read_bytes() == before
    assert "Traceback" not in result.stderr


def test_a_broken_row_exits_1_naming_row_and_column(write_workspace: Write, tmp_path: Path) -> None:
    root = write_workspace()
    sheet = tmp_path / "contacts.csv"
    sheet.write_text(SHEET.replace("Asia/Tbilisi", "Asia/Tbilisy"), encoding="utf-8")
    result = consult("import-stakeholders", str(sheet), "--yes", "--workspace", str(root))
    assert result.returncode == 1
    assert (
        "contacts.csv, row 2, column F (Time zone): got 'Asia/Tbilisy', expected an IANA time "
        "zone such as 'Asia/Tbilisi'" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_export_then_import_changes_nothing(write_workspace: Write, tmp_path: Path) -> None:
    root = write_workspace()
    target = tmp_path / "registry.xlsx"
    exported = consult("export-stakeholders", str(target), "--workspace", str(root))
    assert exported.returncode == 0, exported.stderr
    assert "2 contacts" in exported.stdout
    result = consult("import-stakeholders", str(target), "--yes", "--workspace", str(root))
    assert result.returncode == 0, result.stderr
    assert "nothing to change" in result.stdout


def test_an_edit_with_three_mistakes_reports_three_errors(write_workspace: Write) -> None:
    root = write_workspace()
    result = consult(
        "edit-stakeholder", "mia", "country=XX", "influence=huge", "kind=ministri",
        "--workspace", str(root),
    )  # fmt: skip
    assert result.returncode == 1
    assert "3 problems" in result.stderr
    assert "mia.country: got 'XX'" in result.stderr
    assert "mia.influence: got 'huge'" in result.stderr
    assert "mia.kind: got 'ministri'" in result.stderr


def test_an_edit_is_written_and_audited(write_workspace: Write) -> None:
    root = write_workspace()
    result = consult(
        "edit-stakeholder", "mia", "--contact", "nino@mia.example.gov.ge", "role=Deputy head",
        "--by", "lela", "--workspace", str(root),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "role changed" in result.stdout
    assert "role: Deputy head" in (root / "stakeholders.yaml").read_text(encoding="utf-8")
    assert (root / ".consult" / "state.db").exists()


def test_validate_warns_of_a_country_without_holidays(write_workspace: Write) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("country: GE", "country: BV", 1))
    result = consult("validate", str(root))
    assert result.returncode == 0, result.stderr
    assert "warning: stakeholders.yaml, line 4, organisations[0].country: got 'BV'" in result.stderr


def test_an_edit_fixes_the_registry_of_a_workspace_that_does_not_load(
    write_workspace: Write,
) -> None:
    # The registry commands read stakeholders.yaml alone: a broken training file does not stop
    # the edit, and the audit entry is the one the desk writes (consult.application.registry).
    root = write_workspace()
    (root / "trainings" / "winter-2027.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    assert consult("validate", str(root)).returncode == 1
    result = consult(
        "edit-stakeholder", "mia", "influence=high", "--by", "lela", "--workspace", str(root),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with open_store(Settings(workspace=root).store_url) as store:
        [entry] = store.audit_log("stakeholders/mia")
    assert (entry.actor, entry.action) == ("lela", "registry.organisation.updated")

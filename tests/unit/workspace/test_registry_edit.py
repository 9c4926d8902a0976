"""Editing one organisation or contact: checked like an import, written keeping comments."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from consult.errors import MISSING, WorkspaceError
from consult.workspace.loading import load_workspace
from consult.workspace.registry_edit import update_contact, update_organisation
from tests.conftest import TINY_STAKEHOLDERS

Write = Callable[..., Path]

COMMENTED = "# the registry, kept by hand\n" + TINY_STAKEHOLDERS.replace(
    "    kind: ministry\n", "    kind: ministry  # since 2019\n"
)


def test_a_contact_edit_writes_the_change_and_returns_its_audit_entry(
    write_workspace: Write,
) -> None:
    root = write_workspace(COMMENTED)
    entry = update_contact(
        root, "mia", "NINO@mia.example.gov.ge", {"role": "Deputy head", "language": "en"}
    )
    assert entry.action == "registry.contact.updated"
    assert entry.subject == "stakeholders/mia/nino@mia.example.gov.ge"
    assert entry.detail["fields"] == ["role", "language"]
    contact = load_workspace(root).stakeholders.organisation("mia").contacts[0]
    assert (contact.role, contact.language) == ("Deputy head", "en")
    text = (root / "stakeholders.yaml").read_text(encoding="utf-8")
    assert text.startswith("# the registry, kept by hand\n")
    assert "kind: ministry  # since 2019" in text


def test_an_organisation_edit_sets_influence_and_country(write_workspace: Write) -> None:
    root = write_workspace()
    entry = update_organisation(root, "mia", {"influence": "high", "country": "Armenia"})
    assert entry.detail["fields"] == ["country", "influence"]
    mia = load_workspace(root).stakeholders.organisation("mia")
    assert (mia.influence, mia.country) == ("high", "AM")


def test_an_edit_with_three_mistakes_names_all_three_and_writes_nothing(
    write_workspace: Write,
) -> None:
    root = write_workspace()
    before = (root / "stakeholders.yaml").read_bytes()
    with pytest.raises(WorkspaceError) as caught:
        update_contact(
            root,
            "mia",
            "nino@mia.example.gov.ge",
            {"language": "fr", "timezone": "Mars/Base", "busy_feed": "not a url"},
        )
    assert [p.path for p in caught.value.problems] == [
        "mia.nino@mia.example.gov.ge.busy_feed",
        "mia.nino@mia.example.gov.ge.language",
        "mia.nino@mia.example.gov.ge.timezone",
    ]
    assert (root / "stakeholders.yaml").read_bytes() == before


def test_an_unknown_field_or_contact_is_named(write_workspace: Write) -> None:
    root = write_workspace()
    with pytest.raises(WorkspaceError, match="expected a field to edit"):
        update_contact(root, "mia", "nino@mia.example.gov.ge", {"colour": "red"})
    with pytest.raises(WorkspaceError, match="expected the email of one of its contacts"):
        update_contact(root, "mia", "nobody@example.org", {"role": "x"})
    with pytest.raises(WorkspaceError, match="expected an organisation id"):
        update_organisation(root, "moj", {"country": "GE"})


def test_an_edit_that_changes_nothing_says_so(write_workspace: Write) -> None:
    root = write_workspace()
    entry = update_organisation(root, "mia", {"country": "GE"})
    assert not entry.changed


def test_a_checked_edit_names_what_it_would_change_and_writes_nothing(
    write_workspace: Write,
) -> None:
    root = write_workspace(COMMENTED)
    before = (root / "stakeholders.yaml").read_bytes()
    entry = update_contact(
        root, "mia", "nino@mia.example.gov.ge", {"role": "Deputy head"}, check_only=True
    )
    assert entry.detail["fields"] == ["role"]
    with pytest.raises(WorkspaceError, match="country"):
        update_organisation(root, "mia", {"country": "Atlantis"}, check_only=True)
    assert (root / "stakeholders.yaml").read_bytes() == before


def test_an_emptied_field_is_named_with_the_other_mistakes_of_the_edit(
    write_workspace: Write,
) -> None:
    root = write_workspace()
    before = (root / "stakeholders.yaml").read_bytes()
    with pytest.raises(WorkspaceError) as caught:
        update_organisation(
            root,
            "mia",
            {"organisation_en": " ", "country": "Atlantis", "influence": "huge"},
            check_only=True,
        )
    assert [(p.path, p.value) for p in caught.value.problems] == [
        ("mia.country", "Atlantis"),
        ("mia.influence", "huge"),
        ("mia.organisation_en", " "),
    ]
    with pytest.raises(WorkspaceError) as caught:
        update_contact(
            root,
            "mia",
            "NINO@mia.example.gov.ge",
            {"name": "", "timezone": "Mars/Base", "colour": "red"},
            check_only=True,
        )
    assert [p.path for p in caught.value.problems] == [
        "mia.nino@mia.example.gov.ge.colour",
        "mia.nino@mia.example.gov.ge.name",
        "mia.nino@mia.example.gov.ge.timezone",
    ]
    assert (root / "stakeholders.yaml").read_bytes() == before


def test_a_working_days_error_is_named_under_working_days_not_working_hours(
    write_workspace: Write,
) -> None:
    root = write_workspace()
    with pytest.raises(WorkspaceError) as caught:
        update_organisation(
            root,
            "mia",
            {"working_hours": "10:00-19:00", "working_days": "funday"},
            check_only=True,
        )
    assert [(p.path, p.value) for p in caught.value.problems] == [("mia.working_days", "funday")]


def test_wrong_working_days_and_hours_are_each_named_under_their_own_field(
    write_workspace: Write,
) -> None:
    root = write_workspace()
    before = (root / "stakeholders.yaml").read_bytes()
    with pytest.raises(WorkspaceError) as caught:
        update_organisation(
            root, "mia", {"working_days": "funday", "working_hours": "18:00-09:00"}, check_only=True
        )
    assert [(p.path, p.expected) for p in caught.value.problems] == [
        ("mia.working_days", "a valid tuple"),
        ("mia.working_hours", "working hours whose end comes after their start"),
    ]
    assert (root / "stakeholders.yaml").read_bytes() == before


def test_kind_other_without_a_label_is_named_under_the_english_label(
    write_workspace: Write,
) -> None:
    root = write_workspace()
    with pytest.raises(WorkspaceError) as caught:
        update_organisation(root, "mia", {"kind": "other", "country": "XX"}, check_only=True)
    assert [(p.path, p.value) for p in caught.value.problems] == [
        ("mia.country", "XX"),
        ("mia.kind_label_en", MISSING),
    ]
    assert "a label for kind 'other'" in caught.value.problems[1].expected
    entry = update_organisation(
        root, "mia", {"kind": "other", "kind_label_en": "Bar association"}, check_only=True
    )
    assert entry.detail["fields"] == ["kind", "kind_label"]

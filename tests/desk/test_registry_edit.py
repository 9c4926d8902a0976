"""Editing the registry in the desk: the CLI's checks and comment-keeping write, and the audit."""

from __future__ import annotations

import difflib
from pathlib import Path

from starlette.testclient import TestClient

from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from consult.workspace.registry_edit import CONTACT_FIELDS, ORGANISATION_FIELDS
from tests.desk.html import read_page

ORG = "prosecutors-office"
LASHA = "l.gelashvili@example.gov.ge"


CONTACT = f"/registry/organisations/{ORG}/contacts/{LASHA}"
"""The address of the form of a contact of the demo's prosecutor's office."""
ORGANISATION = f"/registry/organisations/{ORG}"
"""The address of the form of the demo's prosecutor's office."""


def as_shown(desk: TestClient, url: str, keys: tuple[str, ...], **changes: str) -> dict[str, str]:
    """Return the form as a browser posts it: every field as shown, its version, then `changes`."""
    page = read_page(desk.get(url).text)
    return {key: page.value(key) for key in (*keys, "version")} | changes


def registry(workspace: Path) -> bytes:
    return (workspace / "stakeholders.yaml").read_bytes()


def changed_lines(before: bytes, after: bytes) -> list[str]:
    diff = difflib.ndiff(before.decode().splitlines(), after.decode().splitlines())
    return [line for line in diff if line[:1] in "+-"]


def audit(workspace: Path, subject: str) -> list[tuple[str, str, list[str]]]:
    with open_store(Settings(workspace=workspace).store_url) as store:
        return [(e.actor, e.action, e.detail["fields"]) for e in store.audit_log(subject)]


def test_the_registry_lists_each_organisation_with_its_contacts_linking_to_their_forms(
    desk_client: TestClient,
) -> None:
    answer = desk_client.get("/registry")
    assert answer.status_code == 200
    assert f'href="/registry/organisations/{ORG}"' in answer.text
    assert f'href="/registry/organisations/{ORG}/contacts/l.gelashvili%40example.gov.ge"' in (
        answer.text
    )
    assert 'href="/registry" aria-current="page">Registry</a>' in answer.text


def test_the_form_shows_the_contact_as_the_registry_holds_it(desk_client: TestClient) -> None:
    page = read_page(desk_client.get(CONTACT).text)
    assert page.value("role") == "Prosecutor, Human Rights Protection Department"
    assert page.value("language") == "ka"
    assert page.ids["language"]["tag"] == "select"
    assert page.value("timezone") == "Asia/Tbilisi"
    assert page.value("busy_feed").endswith("/feeds/l-gelashvili.ics")
    assert page.value("edited_by") == ""


def test_a_saved_edit_changes_one_line_of_the_file_and_keeps_its_comments(
    desk_client: TestClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    form = as_shown(desk_client, CONTACT, CONTACT_FIELDS, role="Senior Prosecutor")
    answer = desk_client.post(CONTACT, data=form | {"edited_by": "Nino Beridze"})
    assert answer.status_code == 200
    assert [r.status_code for r in answer.history] == [303]
    assert "Saved: role changed." in answer.text
    assert read_page(answer.text).value("role") == "Senior Prosecutor"
    after = registry(desk_demo)
    assert changed_lines(before, after) == [
        "-         role: Prosecutor, Human Rights Protection Department",
        "+         role: Senior Prosecutor",
    ]
    assert after.startswith(
        b"# yaml-language-server: $schema=../schemas/stakeholders.schema.json\n"
    )
    contact = load_workspace(desk_demo).stakeholders.organisation(ORG).contacts[0]
    assert contact.role == "Senior Prosecutor"


def test_a_saved_edit_is_in_the_audit_log_under_the_name_typed(
    desk_client: TestClient, desk_demo: Path
) -> None:
    form = as_shown(desk_client, CONTACT, CONTACT_FIELDS, role="Senior Prosecutor", language="en")
    desk_client.post(CONTACT, data=form | {"edited_by": "Nino Beridze"})
    assert audit(desk_demo, f"stakeholders/{ORG}/{LASHA}") == [
        ("Nino Beridze", "registry.contact.updated", ["role", "language"])
    ]


def test_an_edit_that_changes_nothing_writes_and_records_nothing(
    desk_client: TestClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    form = as_shown(desk_client, CONTACT, CONTACT_FIELDS, edited_by="Nino Beridze")
    answer = desk_client.post(CONTACT, data=form)
    assert "Saved: nothing changed." in answer.text
    assert registry(desk_demo) == before
    assert audit(desk_demo, f"stakeholders/{ORG}/{LASHA}") == []


def test_an_edit_with_mistakes_comes_back_with_every_error_beside_its_field_and_every_value(
    desk_client: TestClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    form = as_shown(
        desk_client,
        CONTACT,
        CONTACT_FIELDS,
        role="Senior Prosecutor",
        timezone="Mars/Base",
        busy_feed="not a url",
        edited_by="",
    )
    answer = desk_client.post(CONTACT, data=form)
    assert answer.status_code == 422
    page = read_page(answer.text)
    assert "'Mars/Base'" in page.text("timezone-error")
    assert "got 'not a url'" in page.text("busy_feed-error")
    assert page.text("edited_by-error") == "your name, for the audit log"
    assert "role-error" not in page.ids
    assert page.ids["timezone"]["aria-invalid"] == "true"
    assert (page.value("role"), page.value("timezone"), page.value("busy_feed")) == (
        "Senior Prosecutor",
        "Mars/Base",
        "not a url",
    )
    assert "3 fields to correct" in page.html
    assert registry(desk_demo) == before
    assert audit(desk_demo, f"stakeholders/{ORG}/{LASHA}") == []


def test_an_organisation_edit_is_saved_and_a_bad_country_is_named_beside_its_field(
    desk_client: TestClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    bad = as_shown(desk_client, ORGANISATION, ORGANISATION_FIELDS, country="XX", influence="high")
    answer = desk_client.post(ORGANISATION, data=bad | {"edited_by": "Nino Beridze"})
    assert answer.status_code == 422
    page = read_page(answer.text)
    assert "got 'XX', expected an ISO 3166" in page.text("country-error")
    assert page.value("influence") == "high"
    assert registry(desk_demo) == before
    good = bad | {"country": "GE", "edited_by": "Nino Beridze"}
    answer = desk_client.post(ORGANISATION, data=good)
    assert "Saved: influence changed." in answer.text
    assert load_workspace(desk_demo).stakeholders.organisation(ORG).influence == "high"
    assert audit(desk_demo, f"stakeholders/{ORG}") == [
        ("Nino Beridze", "registry.organisation.updated", ["influence"])
    ]


def test_an_edit_posted_from_another_site_writes_nothing(
    desk_client: TestClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    form = as_shown(desk_client, CONTACT, CONTACT_FIELDS, role="Spy", edited_by="Mallory")
    answer = desk_client.post(CONTACT, data=form, headers={"Origin": "http://evil.example"})
    assert answer.status_code == 403
    assert registry(desk_demo) == before
    assert audit(desk_demo, f"stakeholders/{ORG}/{LASHA}") == []


def test_an_unknown_contact_is_a_page_that_names_it(desk_client: TestClient) -> None:
    answer = desk_client.get(f"/registry/organisations/{ORG}/contacts/nobody@example.org")
    assert answer.status_code == 404
    expected = (
        f"there is no contact &#39;nobody@example.org&#39; of &#39;{ORG}&#39; in the registry"
    )
    assert expected in answer.text


def test_an_emptied_name_is_named_beside_its_field_with_the_other_mistakes(
    desk_client: TestClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    form = as_shown(
        desk_client, ORGANISATION, ORGANISATION_FIELDS, organisation_en="", country="XX"
    )
    answer = desk_client.post(ORGANISATION, data=form | {"edited_by": "Nino Beridze"})
    assert answer.status_code == 422
    page = read_page(answer.text)
    assert "an edit cannot empty a field" in page.text("organisation_en-error")
    assert "got 'XX'" in page.text("country-error")
    assert "2 fields to correct" in page.html
    assert registry(desk_demo) == before


def test_wrong_working_days_and_hours_are_each_named_beside_their_own_field(
    desk_client: TestClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    form = as_shown(
        desk_client,
        ORGANISATION,
        ORGANISATION_FIELDS,
        working_days="funday",
        working_hours="25:00-26:00",
    )
    answer = desk_client.post(ORGANISATION, data=form | {"edited_by": "Nino Beridze"})
    assert answer.status_code == 422
    page = read_page(answer.text)
    assert "got 'funday'" in page.text("working_days-error")
    assert "25:00" not in page.text("working_days-error")
    assert "got '25:00'" in page.text("working_hours-error")
    assert page.ids["working_hours"]["aria-invalid"] == "true"
    assert registry(desk_demo) == before


def test_kind_other_without_a_label_is_named_beside_the_label_field(
    desk_client: TestClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    form = as_shown(desk_client, ORGANISATION, ORGANISATION_FIELDS, kind="other")
    answer = desk_client.post(ORGANISATION, data=form | {"edited_by": "Nino Beridze"})
    assert answer.status_code == 422
    page = read_page(answer.text)
    assert "a label for kind 'other'" in page.text("kind_label_en-error")
    assert page.ids["kind_label_en"]["aria-invalid"] == "true"
    assert "form-error" not in page.ids
    assert registry(desk_demo) == before

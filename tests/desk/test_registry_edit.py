"""Editing the registry in the desk: the CLI's checks and comment-keeping write, and the audit."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from consult.workspace.registry_edit import CONTACT_FIELDS, ORGANISATION_FIELDS
from tests.desk.html import forms, read_page

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


# Adding and removing organisations and contacts, and correcting an email.

NEW_CONTACT = f"/registry/organisations/{ORG}/contacts/new"
EKA = {
    "email": "eka@example.gov.ge",
    "name": "Eka Lomidze",
    "role": "Analyst",
    "language": "en",
    "timezone": "Asia/Tbilisi",
}


def comments(text: bytes) -> list[str]:
    return [line.strip() for line in text.decode().splitlines() if line.strip().startswith("#")]


def actions(workspace: Path, subject: str) -> list[tuple[str, str]]:
    with open_store(Settings(workspace=workspace).store_url) as store:
        return [(e.actor, e.action) for e in store.audit_log(subject)]


def add_eka(desk: TestClient, **changes: str) -> Any:
    return desk.post(NEW_CONTACT, data=EKA | {"edited_by": "Nino"} | changes)


def test_a_contact_added_is_written_keeping_the_comments_and_audited(
    desk_client: TestClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    assert desk_client.get(NEW_CONTACT).status_code == 200
    answer = add_eka(desk_client)
    assert answer.status_code == 200
    assert answer.url.path == f"/registry/organisations/{ORG}/contacts/eka@example.gov.ge"
    assert read_page(answer.text).value("role") == "Analyst"
    after = registry(desk_demo)
    assert comments(after) == comments(before)
    assert all(line[:1] == "+" for line in changed_lines(before, after))
    contact = f"stakeholders/{ORG}/eka@example.gov.ge"
    assert actions(desk_demo, contact) == [("Nino", "registry.contact.added")]


def test_a_new_contact_with_mistakes_comes_back_with_each_beside_its_field(
    desk_client: TestClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    answer = add_eka(desk_client, timezone="Europe/Berlyn", language="xx", edited_by="")
    assert answer.status_code == 422
    page = read_page(answer.text)
    assert "an IANA time zone" in page.text("timezone-error")
    assert "'ka', 'en' or 'ru'" in page.text("language-error")
    assert "your name" in page.text("edited_by-error")
    assert page.value("timezone") == "Europe/Berlyn"
    taken = add_eka(desk_client, email=LASHA)
    assert taken.status_code == 422
    assert f"a contact of {ORG} has it" in read_page(taken.text).text("email-error")
    assert registry(desk_demo) == before


def test_an_organisation_added_with_its_first_contact_then_removed(
    desk_client: TestClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    new = {
        "organisation_id": "tbilisi-bar",
        "organisation_en": "Tbilisi Bar Association",
        "kind": "ngo",
        "country": "GE",
    }
    answer = desk_client.post("/registry/organisations/new", data=new | EKA | {"edited_by": "Nino"})
    assert answer.status_code == 200
    assert answer.url.path == "/registry/organisations/tbilisi-bar"
    built = load_workspace(desk_demo)
    added = next(o for o in built.stakeholders.organisations if o.id == "tbilisi-bar")
    assert [c.email for c in added.contacts] == ["eka@example.gov.ge"]
    assert actions(desk_demo, "stakeholders/tbilisi-bar") == [
        ("Nino", "registry.organisation.added")
    ]
    again = desk_client.post("/registry/organisations/new", data=new | EKA | {"edited_by": "Nino"})
    assert again.status_code == 422
    assert "an id no organisation has" in read_page(again.text).text("organisation_id-error")
    removed = desk_client.post(
        "/registry/organisations/tbilisi-bar/remove", data={"edited_by": "N"}
    )
    assert removed.url.path == "/registry"
    assert registry(desk_demo) == before
    assert actions(desk_demo, "stakeholders/tbilisi-bar")[-1] == (
        "N",
        "registry.organisation.removed",
    )


def test_a_contact_or_organisation_in_use_is_not_removed_and_the_page_says_where(
    desk_client: TestClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    page = desk_client.get(f"{CONTACT}/remove")
    assert page.status_code == 200
    assert f"1 message to {LASHA} in the store" in read_page(page.text).text("used")
    assert not [f for f in forms(page.text) if f["method"] == "post"]
    refused = desk_client.post(f"{CONTACT}/remove", data={"edited_by": "Nino"})
    assert refused.status_code == 409
    organisation = read_page(desk_client.get(f"{ORGANISATION}/remove").text).text("used")
    assert f"round round-1, meeting {ORG}" in organisation
    assert desk_client.post(f"{ORGANISATION}/remove", data={"edited_by": "N"}).status_code == 409
    assert registry(desk_demo) == before


def test_a_contact_no_one_used_is_removed_keeping_the_files_comments(
    desk_client: TestClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    add_eka(desk_client)
    eka = f"/registry/organisations/{ORG}/contacts/eka@example.gov.ge"
    assert read_page(desk_client.get(f"{eka}/remove").text).ids.get("used") is None
    answer = desk_client.post(f"{eka}/remove", data={"edited_by": "Nino"})
    assert answer.status_code == 200
    assert answer.url.path == "/registry"
    assert "Removed: Eka Lomidze" in read_page(answer.text).text("done")
    assert registry(desk_demo) == before  # added then removed: the file as it was
    assert actions(desk_demo, f"stakeholders/{ORG}/eka@example.gov.ge")[-1] == (
        "Nino",
        "registry.contact.removed",
    )


def test_an_email_corrected_in_the_contacts_form_changes_the_trainings_that_name_it(
    desk_client: TestClient, desk_demo: Path
) -> None:
    add_eka(desk_client)
    training = next((desk_demo / "trainings").glob("*.yaml"))
    text = training.read_text(encoding="utf-8")
    named = text.replace(
        f"          organisation: {ORG}\n",
        f"          organisation: {ORG}\n          attendees:\n            - eka@example.gov.ge\n",
        1,
    )
    training.write_text(named, encoding="utf-8")
    eka = f"/registry/organisations/{ORG}/contacts/eka@example.gov.ge"
    page = read_page(desk_client.get(eka).text)
    assert "keep the old address in the store's history" in page.text("new_email-hint")
    form = as_shown(desk_client, eka, CONTACT_FIELDS)
    wrong = desk_client.post(eka, data=form | {"new_email": "eka-at-example", "edited_by": "N"})
    assert wrong.status_code == 422
    assert "an email address" in read_page(wrong.text).text("new_email-error")
    answer = desk_client.post(
        eka, data=form | {"new_email": "eka.lomidze@example.gov.ge", "edited_by": "Nino"}
    )
    assert answer.status_code == 200
    assert answer.url.path == f"/registry/organisations/{ORG}/contacts/eka.lomidze@example.gov.ge"
    assert "email corrected from eka@example.gov.ge to eka.lomidze@example.gov.ge" in answer.text
    assert "eka@example.gov.ge" not in registry(desk_demo).decode()
    assert training.read_text(encoding="utf-8") == named.replace(
        "- eka@example.gov.ge", "- eka.lomidze@example.gov.ge"
    )
    assert ("Nino", "registry.contact.email_changed") in actions(
        desk_demo, f"stakeholders/{ORG}/eka@example.gov.ge"
    )


def test_an_email_corrected_on_a_contact_changed_since_is_refused_409(
    desk_client: TestClient, desk_demo: Path
) -> None:
    form = as_shown(desk_client, CONTACT, CONTACT_FIELDS)
    desk_client.post(CONTACT, data=form | {"role": "Changed meanwhile", "edited_by": "Other"})
    late = desk_client.post(
        CONTACT, data=form | {"new_email": "l.g@example.gov.ge", "edited_by": "N"}
    )
    assert late.status_code == 409
    assert LASHA in registry(desk_demo).decode()


def test_the_registry_opens_and_saves_while_a_training_file_has_a_problem(
    desk_client: TestClient, desk_demo: Path
) -> None:
    # A hand-edited training file that does not load (here, an organisation it names that the
    # registry lacks) must not lock the coordinator out of the registry that may fix it.
    [training] = sorted((desk_demo / "trainings").glob("*.yaml"))
    text = training.read_text(encoding="utf-8")
    training.write_text(
        text.replace("organisation: prosecutors-office", "organisation: bar-association", 1),
        encoding="utf-8",
    )
    assert desk_client.get("/").status_code == 200  # the home page lists the problem
    listed = desk_client.get("/registry")
    assert listed.status_code == 200, listed.text
    assert f'href="/registry/organisations/{ORG}"' in listed.text
    assert "trainings/" in listed.text  # it says a training file waits for a correction
    form = as_shown(desk_client, CONTACT, CONTACT_FIELDS, role="Senior Prosecutor")
    answer = desk_client.post(CONTACT, data=form | {"edited_by": "Nino Beridze"})
    assert answer.status_code == 200, answer.text
    assert "Saved: role changed." in answer.text
    assert b"role: Senior Prosecutor" in registry(desk_demo)

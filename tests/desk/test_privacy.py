"""A contact's personal data on the desk: forgetting them after a confirmation, their consent."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from consult.settings import Settings
from consult.store import open_store
from consult.store.personal import pseudonym
from tests.desk.html import read_page

ORG = "mia-human-rights-department"
EKA = "e.lomidze@example.gov.ge"
CONTACT = f"/registry/organisations/{ORG}/contacts/{EKA}"
SLUG = "intercultural-communication-2027"


def test_forget_shows_what_it_removes_then_forgets_the_contact_everywhere(
    desk_client: TestClient, desk_demo: Path
) -> None:
    shown = desk_client.get(f"{CONTACT}/forget")
    assert shown.status_code == 200
    what = read_page(shown.text).text("what")
    assert "stakeholders.yaml: their contact in mia-human-rights-department" in what
    assert "store, messages: 1 row(s)" in what
    assert f"{SLUG} pack v1: names them" in what

    unnamed = desk_client.post(f"{CONTACT}/forget", data={"edited_by": " "})
    assert unnamed.status_code == 422
    assert read_page(unnamed.text).text("edited_by-error") == "your name, for the audit log"
    assert EKA in (desk_demo / "stakeholders.yaml").read_text(encoding="utf-8")

    done = desk_client.post(f"{CONTACT}/forget", data={"edited_by": "Nino"})
    assert done.url.path == "/registry"
    assert f"Forgotten everywhere: the audit log names them {pseudonym(EKA)}" in done.text
    assert "compile a new version" in done.text
    assert EKA not in (desk_demo / "stakeholders.yaml").read_text(encoding="utf-8")
    assert desk_client.get(CONTACT).status_code == 404
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        entries = [e for e in store.audit_log() if e.action == "person.forgotten"]
        assert [(e.actor, e.subject) for e in entries] == [("Nino", f"person/{pseudonym(EKA)}")]


def test_a_facilitator_is_not_forgotten_and_the_page_says_why(
    desk_client: TestClient, desk_demo: Path
) -> None:
    shown = desk_client.get(f"{CONTACT}/forget")
    assert read_page(shown.text).ids.get("refused") is None
    training = desk_demo / "trainings" / f"{SLUG}.yaml"
    text = training.read_text(encoding="utf-8")
    first = text.index("email:", text.index("facilitators:"))
    end = text.index("\n", first)
    training.write_text(text[:first] + f"email: {EKA}" + text[end:], encoding="utf-8")

    refused = desk_client.post(f"{CONTACT}/forget", data={"edited_by": "Nino"})

    assert refused.status_code == 409
    assert f"{EKA} is a facilitator of training {SLUG}" in read_page(refused.text).text("refused")
    assert EKA in (desk_demo / "stakeholders.yaml").read_text(encoding="utf-8")


def test_consent_is_recorded_with_its_mistakes_beside_their_fields(
    desk_client: TestClient, desk_demo: Path
) -> None:
    assert read_page(desk_client.get(f"{CONTACT}/consent").text).text("consent-now") == (
        "No consent recorded."
    )
    wrong = desk_client.post(
        f"{CONTACT}/consent", data={"status": "maybe", "how": "email", "at": "2027-13-01"}
    )
    assert wrong.status_code == 422
    page = read_page(wrong.text)
    assert page.text("status-error") == "got 'maybe', expected one of given, refused, withdrawn"
    assert page.text("at-error") == "got '2027-13-01', expected a date such as 2027-01-15"
    assert page.text("recorded_by-error") == "your name, for the audit log"
    assert "3 fields to correct" in page.text("error-summary")

    done = desk_client.post(
        f"{CONTACT}/consent",
        data={"status": "given", "how": "email", "note": "Replied yes", "recorded_by": "Nino"},
    )
    assert done.status_code == 200
    assert read_page(done.text).text("consent-now") == "given"
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        assert [c.status for c in store.consent_history(EKA)] == ["given"]


def test_a_training_that_needs_consent_lists_its_invitees_without_it(
    desk_client: TestClient, desk_demo: Path
) -> None:
    assert 'id="consent"' not in desk_client.get(f"/trainings/{SLUG}").text
    training = desk_demo / "trainings" / f"{SLUG}.yaml"
    training.write_text(
        training.read_text(encoding="utf-8") + "\nconsent_required: true\n", encoding="utf-8"
    )
    desk_client.post(
        f"{CONTACT}/consent", data={"status": "given", "how": "email", "recorded_by": "Nino"}
    )

    section = read_page(desk_client.get(f"/trainings/{SLUG}").text).text("consent")

    assert "g.maisuradze@example.gov.ge (mia-human-rights-department): no consent" in section
    assert EKA not in section

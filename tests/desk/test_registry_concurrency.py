"""Edits of the registry at the same moment: each kept, or refused and said so, never lost."""

from __future__ import annotations

import threading
from pathlib import Path

from starlette.testclient import TestClient

from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from consult.workspace.registry_edit import ORGANISATION_FIELDS
from tests.desk.html import read_page
from tests.desk.test_registry_edit import ORG, ORGANISATION, as_shown, registry


def edited_names(workspace: Path) -> dict[str, str]:
    """Return each organisation's English name, by id."""
    return {o.id: o.name.en for o in load_workspace(workspace).stakeholders.organisations}


def audited(workspace: Path) -> list[str]:
    """Return the subjects of the registry edits the audit log records, in order."""
    with open_store(Settings(workspace=workspace).store_url) as store:
        return [e.subject for e in store.audit_log() if e.action.startswith("registry.")]


def test_twelve_edits_of_twelve_organisations_at_once_are_all_kept_and_audited(
    desk_client: TestClient, desk_demo: Path
) -> None:
    ids = list(edited_names(desk_demo))
    assert len(ids) == 12
    forms = {
        org: as_shown(
            desk_client,
            f"/registry/organisations/{org}",
            ORGANISATION_FIELDS,
            organisation_en=f"Edited {n}",
            edited_by=f"editor {n}",
        )
        for n, org in enumerate(ids)
    }
    start = threading.Barrier(len(ids))
    answers: dict[str, int] = {}

    def post(org: str) -> None:
        start.wait()
        answer = desk_client.post(f"/registry/organisations/{org}", data=forms[org])
        answers[org] = answer.status_code

    threads = [threading.Thread(target=post, args=(org,)) for org in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kept = {org for org, name in edited_names(desk_demo).items() if name.startswith("Edited ")}
    assert {org for org, status in answers.items() if status == 200} == kept
    assert kept == set(ids)
    assert sorted(audited(desk_demo)) == sorted(f"stakeholders/{org}" for org in kept)


def test_an_edit_of_an_organisation_changed_since_its_form_was_opened_is_refused(
    desk_client: TestClient, desk_demo: Path
) -> None:
    first = as_shown(desk_client, ORGANISATION, ORGANISATION_FIELDS, edited_by="Nino")
    second = dict(first, edited_by="Giorgi")
    desk_client.post(ORGANISATION, data=first | {"influence": "low"})
    before = registry(desk_demo)
    answer = desk_client.post(ORGANISATION, data=second | {"stance": "opposed"})
    assert answer.status_code == 409
    said = read_page(answer.text).text("form-error")
    assert said.startswith(f"stakeholders.yaml: {ORG} changed since this form was opened")
    assert "(last recorded: Nino changed influence, at " in said
    assert registry(desk_demo) == before
    assert audited(desk_demo) == [f"stakeholders/{ORG}"]


def test_an_edit_opened_before_another_organisation_changed_is_saved_beside_it(
    desk_client: TestClient, desk_demo: Path
) -> None:
    mine = as_shown(desk_client, ORGANISATION, ORGANISATION_FIELDS, stance="opposed")
    other = "/registry/organisations/ohchr-georgia"
    theirs = as_shown(desk_client, other, ORGANISATION_FIELDS, influence="low", edited_by="Nino")
    desk_client.post(other, data=theirs)
    answer = desk_client.post(ORGANISATION, data=mine | {"edited_by": "Giorgi"})
    assert answer.status_code == 200
    registry_now = load_workspace(desk_demo).stakeholders
    assert registry_now.organisation(ORG).stance == "opposed"
    assert registry_now.organisation("ohchr-georgia").influence == "low"

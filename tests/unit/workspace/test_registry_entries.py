"""Adding and removing organisations and contacts, and correcting an email, in the files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from consult.errors import WorkspaceError
from consult.workspace.loading import load_workspace
from consult.workspace.registry_entries import (
    add_contact,
    change_email,
    remove_contact,
    training_uses,
)
from tests.conftest import TINY_STAKEHOLDERS, TINY_TRAINING

Write = Callable[..., Path]

COMMENTED = "# the registry, kept by hand\n" + TINY_STAKEHOLDERS.replace(
    "    kind: ministry\n", "    kind: ministry  # since 2019\n"
)
NAMED = TINY_TRAINING.replace(
    "          organisation: mia\n",
    "          organisation: mia\n          attendees:\n            - nino@mia.example.gov.ge\n",
)
ANA = {
    "email": "ana@mia.example.gov.ge",
    "name": "Ana",
    "role": "Analyst",
    "language": "en",
    "timezone": "Asia/Tbilisi",
}


def test_a_contact_added_then_removed_leaves_the_file_as_it_was(write_workspace: Write) -> None:
    root = write_workspace(COMMENTED)
    before = (root / "stakeholders.yaml").read_bytes()
    entry = add_contact(root, "mia", ANA)
    assert entry.action == "registry.contact.added"
    mia = load_workspace(root).stakeholders.organisation("mia")
    assert [c.email for c in mia.contacts] == ["nino@mia.example.gov.ge", ANA["email"]]
    assert remove_contact(root, "mia", ANA["email"]).action == "registry.contact.removed"
    assert (root / "stakeholders.yaml").read_bytes() == before


def test_an_added_contact_with_another_contacts_email_or_a_bad_zone_is_refused(
    write_workspace: Write,
) -> None:
    root = write_workspace()
    before = (root / "stakeholders.yaml").read_bytes()
    with pytest.raises(WorkspaceError, match="a contact of coordinators has it"):
        add_contact(root, "mia", ANA | {"email": "giorgi@mia.example.gov.ge"})
    with pytest.raises(WorkspaceError, match="an IANA time zone"):
        add_contact(root, "mia", ANA | {"timezone": "Europe/Berlyn"})
    with pytest.raises(WorkspaceError, match="keeps at least one"):
        remove_contact(root, "mia", "nino@mia.example.gov.ge")
    assert (root / "stakeholders.yaml").read_bytes() == before


def test_an_email_corrected_in_the_registry_and_the_attendees_that_name_it(
    write_workspace: Write,
) -> None:
    root = write_workspace(COMMENTED, {"winter-2027": NAMED})
    assert training_uses(root, "mia", "nino@mia.example.gov.ge") == [
        "training winter-2027, round round-1, meeting mia (attendees)"
    ]
    entry = change_email(root, "mia", "nino@mia.example.gov.ge", "nino.b@mia.example.gov.ge")
    assert entry.detail["values"] == {
        "email": "nino.b@mia.example.gov.ge",
        "was": "nino@mia.example.gov.ge",
    }
    assert entry.detail["trainings"] == ["winter-2027.yaml"]
    training = (root / "trainings" / "winter-2027.yaml").read_text(encoding="utf-8")
    assert training == NAMED.replace("nino@", "nino.b@")
    registry = (root / "stakeholders.yaml").read_text(encoding="utf-8")
    assert registry == COMMENTED.replace("nino@", "nino.b@")
    with pytest.raises(WorkspaceError, match="an email address"):
        change_email(root, "mia", "nino.b@mia.example.gov.ge", "nino-at-mia")
    assert (root / "stakeholders.yaml").read_text(encoding="utf-8") == registry

"""Every change to stakeholders.yaml holds its lock, from reading the file to the audit entry."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from consult.application import registry
from consult.errors import StaleEdit
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.registry_edit import current_version
from consult.workspace.sheets import Sheet
from consult.workspace.yamlwrite import locked

Write = Callable[..., Path]
NINO = "nino@mia.example.gov.ge"


def waits_for_the_lock(root: Path, change: Callable[[], object]) -> None:
    """Assert that `change` does not finish while the registry's lock is held, and then does."""
    done = threading.Event()

    def run() -> None:
        change()
        done.set()

    with locked(root / "stakeholders.yaml"):
        thread = threading.Thread(target=run)
        thread.start()
        assert not done.wait(0.5)
    thread.join(timeout=30)
    assert done.is_set()


def test_an_edit_waits_for_the_registrys_lock(write_workspace: Write) -> None:
    root = write_workspace()
    with open_store(Settings(workspace=root).store_url) as store:
        waits_for_the_lock(
            root,
            lambda: registry.edit_stakeholder(
                root, store, registry.Entry("mia", NINO), {"role": "Deputy"}, by="lela"
            ),
        )
    assert "role: Deputy" in (root / "stakeholders.yaml").read_text(encoding="utf-8")


def test_an_import_waits_for_the_registrys_lock(write_workspace: Write) -> None:
    root = write_workspace()
    sheet = Sheet(
        "contacts", None, ("organisation_id", "email", "role"), ((2, ("mia", NINO, "Head")),)
    )
    columns = {key: key for key in sheet.header}
    preview = registry.preview_import(root, [sheet], columns)
    with open_store(Settings(workspace=root).store_url) as store:
        waits_for_the_lock(root, lambda: registry.apply_import(root, store, preview, by="lela"))
    assert "role: Head" in (root / "stakeholders.yaml").read_text(encoding="utf-8")


def test_an_edit_on_a_version_its_entry_has_left_is_refused_and_not_audited(
    write_workspace: Write,
) -> None:
    root = write_workspace()
    opened = current_version(root, "mia", NINO)
    assert opened is not None
    with open_store(Settings(workspace=root).store_url) as store:
        registry.edit_stakeholder(
            root, store, registry.Entry("mia", NINO), {"role": "Deputy"}, by="lela"
        )
        before = (root / "stakeholders.yaml").read_bytes()
        with pytest.raises(StaleEdit) as refused:
            registry.edit_stakeholder(
                root,
                store,
                registry.Entry("mia", NINO),
                {"language": "en"},
                by="giorgi",
                base=opened,
            )
        assert [e.actor for e in store.audit_log()] == ["lela"]
    assert str(refused.value).startswith(
        f"stakeholders.yaml: mia's contact {NINO} changed since this form was opened "
        "(last recorded: lela changed role, at "
    )
    assert (root / "stakeholders.yaml").read_bytes() == before

"""The pack's email: it greets its reader, never the sender, in the reader's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from consult.briefing.sending import pack_messages
from consult.briefing.versions import CompiledPack, compile_pack
from consult.mail.invitations import Sender
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.briefing_fixture import NOW, SLUG, fill_store, golden_workspace

SENDER = Sender("IOM Georgia - Counter-Trafficking Unit", "consultations@example.org", "IOM")


def greetings(root: Path) -> dict[str, str]:
    """Return the first line of the plain text each recipient of the golden pack gets."""
    workspace = load_workspace(root)
    with open_store(Settings(workspace=root).store_url) as store:
        fill_store(store)
        compiled: CompiledPack = compile_pack(workspace, store, SLUG, root / "out", NOW)
    found = {}
    for item in pack_messages(workspace, compiled, SENDER, NOW):
        body = item.build("<test@example.org>").get_body(preferencelist=("plain",))
        assert body is not None
        found[item.recipient] = body.get_content().splitlines()[0]  # type: ignore[union-attr]
    return found


@pytest.mark.slow
def test_the_coordinator_of_unknown_name_is_greeted_neutrally_not_as_the_sender(
    tmp_path: Path,
) -> None:
    found = greetings(golden_workspace(tmp_path))
    assert found["coordinator@example.org"] == "Dear colleague,"
    assert found["ana@example.org"] == "Dear Ana Popescu,"
    assert found["tamar@example.org"] == "ძვირფასო თამარ ჯაფარიძე,"
    assert not any(SENDER.name in line for line in found.values())


@pytest.mark.slow
def test_a_coordinator_who_is_a_facilitator_is_greeted_by_name_in_her_language(
    tmp_path: Path,
) -> None:
    root = golden_workspace(tmp_path)
    path = root / "trainings" / "golden.yaml"
    yaml = YAML()
    training = yaml.load(path)
    training["briefing"]["coordinator_email"] = "Lela@Example.org"
    training["consultation"]["facilitators"][0]["language"] = "ru"
    with path.open("w", encoding="utf-8") as stream:
        yaml.dump(training, stream)
    found = {address.lower(): line for address, line in greetings(root).items()}
    assert found["lela@example.org"] == "Уважаемый(-ая) Lela Tsereteli,"

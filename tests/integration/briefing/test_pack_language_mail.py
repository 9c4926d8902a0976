"""The pack's email and pages name the sender and the experts as each reader reads them.

The golden workspace, its Georgian expert given a Latin spelling, and a sender whose
name and organisation are given in Georgian: the Georgian expert's email comes from
and is signed by the sender in Georgian, the English pack names her in Latin letters.
"""

from __future__ import annotations

import email
from email.policy import default
from pathlib import Path

import pytest

from consult.briefing.sending import send_pack
from consult.briefing.versions import compile_pack
from consult.mail.sender import Sender
from consult.mail.transports.outbox import FileOutbox
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from schemas.types import Localized
from tests.briefing_fixture import NOW, SLUG, fill_store, golden_workspace

SENDER = Sender(
    "IOM Georgia consultations",
    "consultations@example.org",
    "IOM Georgia",
    names=Localized(en="IOM Georgia consultations", ka="IOM საქართველოს კონსულტაციები"),
    organisations=Localized(en="IOM Georgia", ka="IOM საქართველო"),
)


@pytest.mark.slow
def test_each_expert_reads_the_sender_and_the_names_in_their_language(tmp_path: Path) -> None:
    root = golden_workspace(tmp_path)
    training = root / "trainings" / f"{SLUG}.yaml"
    training.write_text(
        training.read_text(encoding="utf-8").replace(
            "name: თამარ ჯაფარიძე,", "name: თამარ ჯაფარიძე, name_latin: Tamar Japaridze,"
        ),
        encoding="utf-8",
    )
    workspace = load_workspace(root)
    with open_store(Settings(workspace=root).store_url) as store:
        fill_store(store)
        compiled = compile_pack(workspace, store, SLUG, root / "out", NOW)
        send_pack(store, FileOutbox(root / "outbox"), SENDER, workspace, compiled, now=NOW)
    english = compiled.files["en"]["html"].read_text(encoding="utf-8")
    assert "Tamar Japaridze: National expert" in english
    assert "თამარ" not in english
    messages = {}
    for path in (root / "outbox").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        messages[message["To"].addresses[0].addr_spec] = message
    georgian = messages["tamar@example.org"]
    assert georgian["From"].addresses[0].display_name == "IOM საქართველოს კონსულტაციები"
    text = georgian.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert (
        text.replace("\r\n", "\n")
        .rstrip()
        .endswith("IOM საქართველოს კონსულტაციები\nIOM საქართველო")
    )
    assert messages["ana@example.org"]["From"].addresses[0].display_name == (
        "IOM Georgia consultations"
    )

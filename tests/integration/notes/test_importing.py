"""Importing notes: each observation once, edits update, restricted text stays in the store."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pytest

from consult.demo import date_notes, prepare_demo
from consult.planning.plan import plan_round, save_plan
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from schemas import Meeting
from tests.conftest import PLANNED_AT
from tests.held import held_before

pytestmark = pytest.mark.slow

SLUG = "intercultural-communication-2027"
CANARY = "CANARY-91c2 the restricted words"


def consult(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "consult", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def demo_with_plan(tmp_path: Path) -> Path:
    """The demo workspace with its round planned, approved and held, notes not yet imported.

    The meetings are moved into the past, so that their notes may be taken, and
    the notes files are dated to them, as `consult demo` does.
    """
    root = prepare_demo(tmp_path / "demo", dt.date(2026, 11, 28))
    with open_store(Settings(workspace=root).store_url) as store:
        save_plan(
            store, plan_round(load_workspace(root), SLUG, "round-1", {}, [], now=PLANNED_AT), "test"
        )
        store.decide_round(SLUG, "round-1", approve=True, actor="test")
        meetings = held_before(store, SLUG, dt.datetime.now(dt.UTC))
    date_notes(root / "notes", {m.id.rsplit("/", 1)[-1]: day_of(m) for m in meetings})
    return root


def day_of(meeting: Meeting) -> dt.date:
    return meeting.start.astimezone(ZoneInfo("Asia/Tbilisi")).date()


def day(root: Path, planned: str) -> dt.date:
    """The day of the meeting planned as `planned`, in the training's zone."""
    with open_store(Settings(workspace=root).store_url) as store:
        found = store.get_meeting(f"{SLUG}/round-1/{planned}")
    assert found is not None
    return day_of(found)


def test_importing_twice_stores_once_and_an_edit_updates(tmp_path: Path) -> None:
    root = demo_with_plan(tmp_path)
    first = consult("import-notes", SLUG, "--workspace", str(root))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "43 added, 0 updated, 0 unchanged, 0 rejected"
    again = consult("import-notes", SLUG, "--workspace", str(root))
    assert again.stdout.strip() == "0 added, 0 updated, 43 unchanged, 0 rejected"
    [markdown] = [p for p in sorted((root / "notes").glob("*.md")) if p.name != "README.md"][:1]
    text = markdown.read_text(encoding="utf-8")
    markdown.write_text(text.replace("[severity: 3]", "[severity: 4]", 1), encoding="utf-8")
    edited = consult("import-notes", SLUG, "--workspace", str(root))
    assert edited.stdout.strip() == "0 added, 1 updated, 42 unchanged, 0 rejected"


def test_a_bad_note_is_named_and_the_valid_rest_imported(tmp_path: Path) -> None:
    root = demo_with_plan(tmp_path)
    shutil.rmtree(root / "notes")
    (root / "notes").mkdir()
    (root / "notes" / "mia.md").write_text(
        "---\nmeeting: mia-human-rights-department\norganisation: mia-human-rights-department\n"
        f"date: {day(root, 'mia-human-rights-department')}\n---\n"
        "- [gap] [theme: bias-indicators] [severity: 9] Too severe.\n"
        "- [gap] [theme: no-such-theme] [severity: 2] Unknown theme.\n"
        "- [need] [theme: interpreters] [severity: 2] <b>Interpreters</b> {{ at night }}.\n",
        encoding="utf-8",
    )
    result = consult("import-notes", SLUG, "--workspace", str(root))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "notes/mia.md, line 6, observations[0].severity: got 9, expected a severity from 1 "
        "(minor) to 4 (critical)",
        "notes/mia.md#2: theme 'no-such-theme' is not in the training's themes (bias-indicators,"
        " burnout, cooperation-investigators, data-recording, intercultural-competence, "
        "international-instruments, interpreters, migrants-refugees, referral, "
        "victim-communication)",
    ]
    assert result.stdout.strip() == "1 added, 0 updated, 0 unchanged, 2 rejected"
    with open_store(Settings(workspace=root).store_url) as store:
        [stored] = store.observations(training=SLUG)
    assert stored.text == "<b>Interpreters</b> {{ at night }}."


def test_a_restricted_observation_appears_in_no_output(tmp_path: Path) -> None:
    root = demo_with_plan(tmp_path)
    (root / "notes" / "canary.md").write_text(
        f"---\nmeeting: unhcr-georgia\norganisation: unhcr-georgia\n"
        f"date: {day(root, 'unhcr-georgia')}\n---\n"
        f"- [challenge] [theme: interpreters] [severity: 4] [confidentiality: restricted] "
        f'{CANARY} [quote: "{CANARY} quoted"]\n',
        encoding="utf-8",
    )
    outputs = [
        consult("import-notes", SLUG, "--workspace", str(root)),
        consult("send", SLUG, "--workspace", str(root), "--yes"),
        consult("remind", SLUG, "--workspace", str(root)),
        consult("replies", SLUG, "--workspace", str(root)),
        consult("validate", str(root)),
        consult("brief", SLUG, "--workspace", str(root)),
    ]
    assert outputs[-1].returncode == 0, outputs[-1].stderr
    pdfs = list((root / "out" / "briefing").rglob("*.pdf"))
    assert pdfs
    with open_store(Settings(workspace=root).store_url) as store:
        assert any(o.text == CANARY for o in store.observations(training=SLUG))
        audit = str([e.detail for e in store.audit_log()])
    written = [
        p.read_bytes().decode("utf-8", "replace") for p in (root / "out").rglob("*") if p.is_file()
    ]
    # PDFs are compressed: read their text. Emails carry them base64: decode the attachments.
    written += ["\n".join(page.extract_text() for page in pypdf.PdfReader(p).pages) for p in pdfs]
    for eml in (root / "out" / "outbox").glob("*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        for part in message.walk():
            if part.get_content_type() == "application/pdf":
                data = part.get_payload(decode=True)
                assert isinstance(data, bytes)
                reader = pypdf.PdfReader(io.BytesIO(data))
                written.append("\n".join(page.extract_text() for page in reader.pages))
            elif part.get_content_maintype() == "text":
                written.append(part.get_content())
    for text in [*(o.stdout + o.stderr for o in outputs), *written, audit]:
        assert "CANARY-91c2" not in text

"""A spreadsheet imported into the registry at the desk: upload, preview, correct, confirm."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import desk.security
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from desk.registry_import import uploads
from desk.security import CSRF_FIELD
from tests.desk.conftest import DeskClient, form_token
from tests.desk.html import forms, read_page
from tests.desk.test_registry_edit import ORG, registry

IMPORT = "/registry/import"
SHEET = (
    "Organisation ID,Contact name,E-mail,Position,Language,Time zone\n"
    f"{ORG},Eka Lomidze,eka@example.gov.ge,Analyst,ka,Asia/Tbilisi\n"
    f"{ORG},Giorgi Kapanadze,giorgi@example.gov.ge,Advisor,en,Europe/Berlin\n"
)
TWO_MISTAKES = SHEET.replace("eka@example.gov.ge", "eka-at-example.gov.ge").replace(
    "Europe/Berlin", "Europe/Berlyn"
)


def upload(desk: DeskClient, text: str | bytes, name: str = "contacts.csv", **options: object):  # type: ignore[no-untyped-def]
    """POST the file as the upload form does: multipart, with the session's token."""
    content = text.encode("utf-8") if isinstance(text, str) else text
    data = {CSRF_FIELD: form_token(desk.cookies)}
    return desk.post(IMPORT, data=data, files={"sheet": (name, content)}, **options)


def audit(workspace: Path) -> list[tuple[str, str, str]]:
    with open_store(Settings(workspace=workspace).store_url) as store:
        return [(e.actor, e.action, e.detail["summary"]) for e in store.audit_log("stakeholders")]


def confirm(desk: DeskClient, preview: str, **fields: str):  # type: ignore[no-untyped-def]
    """POST the preview's Confirm form as shown, with `fields` typed in it."""
    [shown] = [f for f in forms(desk.get(preview).text) if f.get("hidden:action") == "confirm"]
    data = {"action": "confirm", "fingerprint": shown["hidden:fingerprint"]} | fields
    return desk.post(preview, data=data)


def test_an_upload_shows_the_clis_preview_and_confirm_writes_exactly_it(
    desk_client: DeskClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    answer = upload(desk_client, SHEET)
    assert answer.status_code == 200
    assert [r.status_code for r in answer.history] == [303]
    preview = answer.url.path
    page = read_page(answer.text)
    assert page.text("summary").startswith("contacts.csv: organisations 0 added, 0 changed,")
    assert "contacts 2 added, 0 changed" in page.text("summary")
    assert f"+ contact eka@example.gov.ge ({ORG})" in answer.text
    assert "E-mail" in page.text("columns")
    assert registry(desk_demo) == before
    assert list(uploads(desk_demo).iterdir())

    done = confirm(desk_client, preview, edited_by="Nino Beridze")
    assert done.status_code == 200
    assert done.url.path == "/registry"
    summary = page.text("summary")
    assert f"Imported: {summary}." in read_page(done.text).text("done")
    text = registry(desk_demo).decode()
    assert "eka@example.gov.ge" in text
    assert "giorgi@example.gov.ge" in text
    assert text.startswith(before.decode().split("\n", 1)[0])  # its header comment kept
    assert audit(desk_demo)[-1] == ("Nino Beridze", "registry.imported", summary)
    assert "E-mail: email" in (desk_demo / "registry-columns.yaml").read_text(encoding="utf-8")
    assert not list(uploads(desk_demo).iterdir())  # the upload is removed once written
    assert desk_client.get(preview).status_code == 404


def test_confirm_without_a_name_or_on_a_registry_changed_since_writes_nothing(
    desk_client: DeskClient, desk_demo: Path
) -> None:
    preview = upload(desk_client, SHEET).url.path
    unnamed = confirm(desk_client, preview, edited_by=" ")
    assert unnamed.status_code == 422
    assert "your name, for the audit log" in unnamed.text
    stale = desk_client.post(
        preview, data={"action": "confirm", "fingerprint": "0" * 64, "edited_by": "Nino"}
    )
    assert stale.status_code == 409
    assert "no longer the one previewed" in stale.text
    assert "eka@example.gov.ge" not in registry(desk_demo).decode()
    assert audit(desk_demo) == []


def test_two_mistakes_are_corrected_in_the_page_then_imported(
    desk_client: DeskClient, desk_demo: Path
) -> None:
    answer = upload(desk_client, TWO_MISTAKES)
    assert answer.status_code == 200
    preview = answer.url.path
    page = read_page(answer.text)
    problems = page.text("problems")
    assert "2 problems in contacts.csv, nothing imported:" in problems
    assert "contacts.csv, row 2, column C (E-mail): got 'eka-at-example.gov.ge'" in problems
    assert "contacts.csv, row 3, column F (Time zone): got 'Europe/Berlyn'" in problems
    assert page.value("cell-0-2-2") == "eka-at-example.gov.ge"
    assert page.value("cell-0-3-5") == "Europe/Berlyn"
    assert not [f for f in forms(answer.text) if f.get("hidden:action") == "confirm"]

    half = desk_client.post(preview, data={"action": "correct", "cell-0-2-2": "eka@example.gov.ge"})
    assert "1 problem in contacts.csv, nothing imported:" in read_page(half.text).text("problems")
    assert read_page(half.text).value("cell-0-3-5") == "Europe/Berlyn"
    fixed = desk_client.post(preview, data={"action": "correct", "cell-0-3-5": "Europe/Berlin"})
    assert "contacts 2 added, 0 changed" in read_page(fixed.text).text("summary")

    done = confirm(desk_client, preview, edited_by="Nino")
    assert done.url.path == "/registry"
    text = registry(desk_demo).decode()
    assert "eka@example.gov.ge" in text
    assert "Europe/Berlin" in text
    assert "Berlyn" not in text


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("contacts.pdf", b"%PDF-1.4", "contacts.pdf is not a spreadsheet the import reads"),
        ("contacts.csv", b"", "contacts.csv is empty: nothing was imported"),
        ("contacts.csv", b"Organisation ID,Email\n", "contacts.csv has no rows under its header"),
        ("contacts.xlsx", b"not a zip", "contacts.xlsx: is not an .xlsx workbook"),
    ],
)
def test_a_file_that_is_no_spreadsheet_is_refused_in_one_sentence_beside_its_field(
    desk_client: DeskClient, desk_demo: Path, name: str, content: bytes, said: str
) -> None:
    before = registry(desk_demo)
    answer = upload(desk_client, content, name)
    assert answer.status_code == 422
    assert said in read_page(answer.text).text("sheet-error")
    assert "Traceback" not in answer.text
    assert registry(desk_demo) == before
    assert not uploads(desk_demo).exists() or not list(uploads(desk_demo).iterdir())


def test_an_upload_over_the_limit_is_refused_before_it_is_read(
    desk_client: DeskClient, desk_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(desk.security, "UPLOAD_LIMIT", 2_000)
    answer = upload(desk_client, SHEET * 40)
    assert answer.status_code == 413
    assert "the upload is over 2,000 bytes, more than a spreadsheet consult reads" in answer.text
    assert not uploads(desk_demo).exists()


def test_an_upload_without_the_sessions_token_or_with_a_wrong_one_is_refused(
    desk_client: DeskClient, desk_demo: Path
) -> None:
    files = {"sheet": ("contacts.csv", SHEET.encode())}
    for data in ({}, {CSRF_FIELD: "forged"}):
        answer = desk_client.post(IMPORT, data=data, files=files, token=False)
        assert answer.status_code == 403
        assert "nothing was saved" in answer.text
    elsewhere = desk_client.post(
        IMPORT, data={CSRF_FIELD: form_token(desk_client.cookies)}, files=files, origin=None
    )
    assert elsewhere.status_code == 403
    assert not uploads(desk_demo).exists()


def test_an_unknown_or_forged_upload_id_is_a_404(desk_client: DeskClient) -> None:
    for upload_id in ("x" * 22, "x" * 23, "a.b"):
        answer = desk_client.get(f"{IMPORT}/{upload_id}")
        assert answer.status_code == 404
        assert "upload the spreadsheet again" in answer.text
    assert desk_client.get(f"{IMPORT}/../../stakeholders.yaml").status_code == 404


def test_the_columns_are_chosen_in_the_page_and_saved_with_the_import(
    desk_client: DeskClient, desk_demo: Path
) -> None:
    sheet = SHEET.replace("Position", "Job")  # a header the guess leaves out
    answer = upload(desk_client, sheet)
    preview = answer.url.path
    page = read_page(answer.text)
    assert page.value("column-3") == ""
    assert "role (no such column)" in page.text("problems")
    columns = {f"column-{n}": page.value(f"column-{n}") for n in range(6)}
    twice = desk_client.post(preview, data=columns | {"action": "columns", "column-3": "email"})
    assert twice.status_code == 422
    assert "E-mail and Job both read as email" in twice.text
    chosen = desk_client.post(preview, data=columns | {"action": "columns", "column-3": "role"})
    assert read_page(chosen.text).value("column-3") == "role"
    assert "contacts 2 added" in read_page(chosen.text).text("summary")
    confirm(desk_client, preview, edited_by="Nino")
    built = load_workspace(desk_demo)
    eka = next(
        c for o in built.stakeholders.organisations for c in o.contacts if c.name == "Eka Lomidze"
    )
    assert eka.role == "Analyst"
    assert "Job: role" in (desk_demo / "registry-columns.yaml").read_text(encoding="utf-8")


def test_an_upload_over_an_hour_old_is_gone_and_the_next_upload_removes_it(
    desk_client: DeskClient, desk_demo: Path
) -> None:
    old = upload(desk_client, SHEET).url.path
    [folder] = uploads(desk_demo).iterdir()
    meta = folder / "upload.json"
    kept = json.loads(meta.read_text(encoding="utf-8"))
    meta.write_text(json.dumps(kept | {"at": kept["at"] - 3601}), encoding="utf-8")
    answer = desk_client.get(old)
    assert answer.status_code == 404
    assert "upload the spreadsheet again" in answer.text
    upload(desk_client, SHEET)
    assert folder not in list(uploads(desk_demo).iterdir())
    assert len(list(uploads(desk_demo).iterdir())) == 1

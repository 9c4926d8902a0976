"""The briefing pack on the golden workspace: files, PDF text, escaping, anonymity, versions."""

from __future__ import annotations

import csv
import datetime as dt
import email
import io
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pypdf
import pytest
import sqlalchemy as sa

from consult.briefing.labels import TEMPLATES_DIR, load_labels
from consult.briefing.render import Limits
from consult.briefing.sending import send_pack
from consult.briefing.versions import compile_pack
from consult.errors import BriefingError, WorkspaceError
from consult.mail.invitations import Sender
from consult.mail.transports.outbox import FileOutbox
from consult.settings import Settings
from consult.store import Store, open_store
from consult.store import tables as store_tables
from consult.store.engine import create_store_engine
from consult.workspace.loading import Workspace, load_workspace
from tests.briefing_fixture import (
    CANARY,
    HIDDEN_ROLE,
    NOW,
    SCRIPT,
    SLUG,
    fill_store,
    golden_workspace,
    meeting_id,
)

SENDER = Sender("IOM Georgia consultations", "consultations@example.org", "IOM Georgia")
EN_HEADINGS = ["Purpose and terms of reference", "Ranked gaps", "Agenda coverage", "Missing voices"]
KA_HEADINGS = [
    "მიზანი და ტექნიკური დავალება",
    "ხარვეზები პრიორიტეტის მიხედვით",
    "მოუსმენელი მხარეები",
]


@pytest.fixture
def golden(tmp_path: Path) -> tuple[Workspace, Store, Path]:
    root = golden_workspace(tmp_path)
    store = open_store(Settings(workspace=root).store_url)
    fill_store(store)
    yield load_workspace(root), store, root / "out"  # type: ignore[misc]
    store.close()


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def outbox_messages(folder: Path) -> list[EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=default)  # type: ignore[misc]
        for path in sorted(folder.glob("*.eml"))
    ]


@pytest.mark.slow
def test_the_pack_is_written_in_each_experts_language(
    golden: tuple[Workspace, Store, Path],
) -> None:
    workspace, store, out = golden
    compiled = compile_pack(workspace, store, SLUG, out, NOW)
    assert (compiled.version, compiled.new) == (1, True)
    assert set(compiled.files) == {"en", "ka"}
    for files in compiled.files.values():
        assert all(path.is_file() and path.stat().st_size > 0 for path in files.values())
    english, georgian = pdf_text(compiled.pdf("en")), pdf_text(compiled.pdf("ka"))
    assert all(heading in english for heading in EN_HEADINGS)
    assert all(heading in georgian for heading in KA_HEADINGS)
    assert "საცდელი ტრენინგი" in georgian  # the training's Georgian title
    # The priority can be checked from the page: the formula with its figures. With
    # k = 3 the four organisations heard are one column (K = 1), and the participants'
    # notes on bias are internal: P = 1 (test_anonymity.py).
    assert (
        "Priority 14.0 = 2.8 \N{MULTIPLICATION SIGN} (4 + 1) \N{MULTIPLICATION SIGN} 1" in english
    )
    # A language without labels falls back to English.
    assert compiled.pdf("ru") == compiled.pdf("en")


@pytest.mark.slow
def test_user_text_is_escaped_and_restricted_text_appears_nowhere(
    golden: tuple[Workspace, Store, Path],
) -> None:
    workspace, store, out = golden
    compiled = compile_pack(workspace, store, SLUG, out, NOW)
    html = compiled.files["en"]["html"].read_text(encoding="utf-8")
    markdown = compiled.files["en"]["md"].read_text(encoding="utf-8")
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT not in markdown
    assert r"\<script\>alert(1)\</script\>" in markdown
    outbox = out / "outbox"
    send_pack(store, FileOutbox(outbox), SENDER, workspace, compiled, now=NOW)
    texts = [path.read_text(encoding="utf-8") for path in out.rglob("*.html")]
    texts += [path.read_text(encoding="utf-8") for path in out.rglob("*.md")]
    texts += [pdf_text(path) for path in out.rglob("*.pdf")]
    for message in outbox_messages(outbox):
        for part in message.walk():
            if part.get_content_maintype() == "text":
                texts.append(part.get_content())
            elif part.get_content_type() == "application/pdf":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                texts.append(pdf_text_of(payload))
    assert len(texts) > 6
    for text in texts:
        assert "CANARY-7f3e" not in text
    assert any(o.text == CANARY for o in store.observations(training=SLUG))


def pdf_text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.mark.slow
def test_internal_observations_name_their_kind_only_when_k_organisations_share_it(
    golden: tuple[Workspace, Store, Path],
) -> None:
    workspace, store, out = golden
    # #6 is internal, from the only NGO heard; #4 is public, from the prosecution.
    escaped = r"\<script\>alert(1)\</script\> Attacks recorded as hooliganism."
    lenient = compile_pack(workspace, store, SLUG, out, NOW, anonymity_k=1)
    markdown = lenient.files["en"]["md"].read_text(encoding="utf-8")
    assert f"{escaped} — a representative of an NGO (#6)" in markdown
    georgian = lenient.files["ka"]["md"].read_text(encoding="utf-8")
    assert "არასამთავრობო ორგანიზაციის წარმომადგენელი (#6)" in georgian
    # By default k = 3: one NGO, one civil-society organisation, is too few to name.
    compiled = compile_pack(workspace, store, SLUG, out, NOW)
    markdown = compiled.files["en"]["md"].read_text(encoding="utf-8")
    assert f"{escaped} — a stakeholder (#6)" in markdown
    assert "representative of an NGO" not in markdown
    assert "“We see the motive too late.” — Prosecutor's Office, prosecutor (#4)" in markdown
    assert HIDDEN_ROLE not in markdown
    assert HIDDEN_ROLE not in compiled.files["en"]["html"].read_text(encoding="utf-8")
    georgian = compiled.files["ka"]["md"].read_text(encoding="utf-8")
    assert "დაინტერესებული მხარის წარმომადგენელი (#6)" in georgian


@pytest.mark.slow
def test_each_version_is_mailed_once_and_a_changed_pack_is_a_new_version(
    golden: tuple[Workspace, Store, Path],
) -> None:
    workspace, store, out = golden
    outbox = out / "outbox"
    first = compile_pack(workspace, store, SLUG, out, NOW)
    report = send_pack(store, FileOutbox(outbox), SENDER, workspace, first, now=NOW)
    assert [(d.recipient, d.outcome) for d in report] == [
        ("ana@example.org", "sent"),
        ("tamar@example.org", "sent"),
        ("coordinator@example.org", "sent"),
    ]
    messages = {str(m["To"]): m for m in outbox_messages(outbox)}
    assert len(messages) == 3
    tamar = next(m for to, m in messages.items() if "tamar@example.org" in to)
    assert tamar["Subject"] == "ბრიფინგის პაკეტი: საცდელი ტრენინგი"
    attachment = _pdf_attachment(tamar)
    assert attachment.get_filename() == "briefing-golden-ka.pdf"
    assert attachment.get_payload(decode=True) == first.pdf("ka").read_bytes()

    # Compiled again, unchanged: the same version, nothing sent twice.
    again = compile_pack(workspace, store, SLUG, out, NOW + dt.timedelta(days=1))
    assert (again.version, again.new) == (1, False)
    report = send_pack(store, FileOutbox(outbox), SENDER, workspace, again, now=NOW)
    assert {d.outcome for d in report} == {"already sent"}
    assert len(list(outbox.glob("*.eml"))) == 3

    # A new observation changes the pack: version 2, sent and marked as an update.
    store.upsert_observation(
        "golden#late",
        meeting_id=meeting_id("osce"),
        organisation="osce",
        kind="gap",
        theme="data",
        severity=3,
        text="Bias motives are lost between the police and the statistics office.",
        confidentiality="public",
    )
    second = compile_pack(workspace, store, SLUG, out, NOW)
    assert (second.version, second.new) == (2, True)
    assert second.folder.name == "v2"
    assert first.folder.is_dir()
    report = send_pack(store, FileOutbox(outbox), SENDER, workspace, second, now=NOW)
    assert [d.outcome for d in report] == ["sent"] * 3
    updates = [m for m in outbox_messages(outbox) if "version 2 (updated)" in str(m["Subject"])]
    assert len(updates) == 2  # ana and the coordinator read English; tamar Georgian
    body = updates[0].get_body(preferencelist=("plain",))
    assert body is not None
    assert "replaces version 1" in body.get_content()
    assert [v for v, _, _ in store.pack_versions(SLUG)] == [1, 2]


def _pdf_attachment(message: EmailMessage) -> EmailMessage:
    for part in message.iter_attachments():
        if part.get_content_type() == "application/pdf":
            return part  # type: ignore[return-value]
    raise AssertionError("no PDF attached")


def test_a_broken_template_stores_no_version_and_writes_no_file(
    golden: tuple[Workspace, Store, Path],
) -> None:
    workspace, store, out = golden
    override = workspace.root / "templates" / "briefing"
    override.mkdir(parents=True)
    (override / "pack.md.j2").write_text("# {{ title }\n", encoding="utf-8")
    with pytest.raises(BriefingError, match=r"pack\.md\.j2, line 1"):
        compile_pack(workspace, store, SLUG, out, NOW)
    assert store.pack_versions(SLUG) == []
    assert not (out / "briefing").exists() or not any((out / "briefing").rglob("*.pdf"))


@pytest.mark.slow
def test_a_workspace_template_overrides_the_built_in_one(
    golden: tuple[Workspace, Store, Path],
) -> None:
    workspace, store, out = golden
    override = workspace.root / "templates" / "briefing"
    override.mkdir(parents=True)
    (override / "pack.md.j2").write_text("# {{ title|md }}: {{ a.gaps|length }} gaps\n", "utf-8")
    compiled = compile_pack(workspace, store, SLUG, out, NOW)
    assert compiled.files["en"]["md"].read_text(encoding="utf-8") == "# Golden training: 4 gaps\n"


def test_every_language_has_the_same_labels() -> None:
    english = load_labels("en", None).keys()
    for path in sorted((TEMPLATES_DIR / "labels").glob("*.yaml")):
        assert load_labels(path.stem, None).keys() == english, path.name


def test_a_version_1_store_is_migrated_and_keeps_its_messages(empty_store_url: str) -> None:
    # Version 1 had a foreign key from messages to meetings, and no packs table.
    url = empty_store_url
    v1 = sa.MetaData()
    for table in store_tables.metadata.sorted_tables:
        if table.name != "packs":
            table.to_metadata(v1)
    v1.tables["messages"].append_constraint(
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"])
    )
    engine = create_store_engine(url)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    with engine.begin() as connection:
        v1.create_all(connection)
        connection.execute(sa.insert(v1.tables["schema_version"]).values(id=1, version=1))
        connection.execute(
            sa.insert(v1.tables["meetings"]).values(
                id="t/r/m", training="t", round="r", organisation="o", format="online",
                status="confirmed", start=now, end=now, uid="u@x", sequence=0,
                facilitators=[], updated_at=now,
            )
        )  # fmt: skip
        connection.execute(
            sa.insert(v1.tables["messages"]).values(
                meeting_id="t/r/m", recipient="a@example.org", sequence=0, kind="invitation",
                status="sent", attempts=1, created_at=now,
            )
        )  # fmt: skip
    engine.dispose()
    with open_store(url) as store:
        assert [m.recipient for m in store.messages("t/r/m")] == ["a@example.org"]
        assert store.claim_message("t/r/m", "a@example.org", 0, "invitation") is None  # sent
        claimed = store.claim_message("t/briefing", "ana@example.org", 1, "briefing")
        assert claimed is not None
        assert claimed.meeting_id == "t/briefing"
        assert store.record_pack("t", "abc") == (1, True)


def test_an_unknown_training_is_named_and_nothing_is_stored(
    golden: tuple[Workspace, Store, Path],
) -> None:
    workspace, store, out = golden
    with pytest.raises(WorkspaceError, match=r"'nope'.*golden"):
        compile_pack(workspace, store, "nope", out, NOW)
    assert store.pack_versions("nope") == []


@pytest.mark.slow
def test_long_lists_are_cut_in_the_pack_and_complete_in_sources_csv(
    golden: tuple[Workspace, Store, Path],
) -> None:
    workspace, store, out = golden
    compiled = compile_pack(
        workspace, store, SLUG, out, NOW, limits=Limits(sources=2, actions=1, practices=1)
    )
    markdown = compiled.files["en"]["md"].read_text(encoding="utf-8")
    assert r"observations \#1, \#4 and 2 more in sources.csv." in markdown
    assert "The 1 most urgent of 2, by due date; all are in sources.csv" in markdown
    rows = list(
        csv.DictReader(io.StringIO((compiled.folder / "sources.csv").read_text("utf-8-sig")))
    )
    by_section = {}
    for row in rows:
        by_section.setdefault(row["section"], []).append(int(row["number"]))
    # At k = 3 all four organisations heard are one column (K = 1): interpreters
    # 3.7 x (3 + 1) = 14.8, bias 2.8 x (4 + 1) = 14.0, referral 8.0, burnout 6.0.
    assert by_section == {
        "gap 1": [5, 8, 10],
        "gap 2": [1, 4, 6, 12],
        "gap 3": [7],
        "gap 4": [11],
        "action": [3, 9],
        "practice": [2, 14],
    }
    sources = {int(row["number"]): row["source"] for row in rows}
    assert sources[4] == "Prosecutor's Office"  # public
    assert sources[6] == "a stakeholder"  # internal, and the only NGO heard
    assert all("CANARY" not in value for row in rows for value in row.values())


def test_a_broken_pdf_records_no_version(
    golden: tuple[Workspace, Store, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, store, out = golden

    def fail(html: str) -> bytes:
        raise BriefingError("the PDF could not be typeset")

    monkeypatch.setattr("consult.briefing.versions.pdf_bytes", fail)
    with pytest.raises(BriefingError):
        compile_pack(workspace, store, SLUG, out, NOW)
    assert store.pack_versions(SLUG) == []
    assert not any((out / "briefing").rglob("*.html"))


def test_an_organisation_gone_from_the_registry_is_named_and_nothing_is_stored(
    golden: tuple[Workspace, Store, Path],
) -> None:
    workspace, store, out = golden
    stakeholders = workspace.root / "stakeholders.yaml"
    text = stakeholders.read_text(encoding="utf-8")
    start = text.index("  - id: ngo-a")
    stakeholders.write_text(text[:start] + text[text.index("  - id: ngo-b") :], "utf-8")
    trainings = workspace.root / "trainings" / "golden.yaml"
    trainings.write_text(
        "\n".join(
            line for line in trainings.read_text("utf-8").splitlines() if "id: ngo-a," not in line
        )
        + "\n",
        "utf-8",
    )
    with pytest.raises(BriefingError, match=r"#6 \(golden#6\) is from organisation 'ngo-a'"):
        compile_pack(load_workspace(workspace.root), store, SLUG, out, NOW)
    assert store.pack_versions(SLUG) == []

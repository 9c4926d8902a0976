"""`consult init`: a workspace of one's own, from an empty folder, as a new coordinator starts."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

from consult.workspace.loading import load_workspace

SLUG = "interview-techniques-2027"
ANSWERS = (
    "--sender-name",
    "IOM Georgia consultations",
    "--sender-email",
    "consultations@iom.int",
    "--sender-organisation",
    "IOM Georgia",
    "--training",
    SLUG,
    "--title",
    "Interview techniques for trafficking-victim case workers",
    "--title",
    "ka=ინტერვიუს ტექნიკა ტრეფიკინგის მსხვერპლებთან მომუშავეთათვის",
    "--start",
    "2027-03-01",
    "--end",
    "2027-03-03",
    "--timezone",
    "Asia/Tbilisi",
    "--venue",
    "Hotel Intourist Palace",
    "--address",
    "11 Ninoshvili St, Batumi",
    "--city",
    "Batumi",
    "--country",
    "GE",
    "--facilitator",
    "Levan Kavtaradze <levan.kavtaradze@iom.int>",
)
PARTICIPANTS = """\
  - id: mia-victim-coordinators
    kind: participant_group
    country: GE
    name:
      en: Coordinators of victims and witnesses
    contacts:
      - name: Nino Beridze
        email: n.beridze@mia.gov.ge
        role: Coordinator
        language: ka
        timezone: Asia/Tbilisi
"""
SHEET = (
    "Organisation ID,Organisation,Kind,Country,Contact name,E-mail,Position,Language,Time zone\n"
    "mia,Ministry of Internal Affairs,ministry,GE,Eka Lomidze,eka@mia.gov.ge,Analyst,ka,"
    "Asia/Tbilisi\n"
    'ngo-a,"Rights Centre, Tbilisi",ngo,GE,Nino Gelashvili,nino@rights.org,Lawyer,en,'
    "Asia/Tbilisi\n"
)


def consult(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "consult", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def uncomment_examples(text: str) -> str:
    """Return `text` with its commented YAML examples (`# key:`, `#   ...`) made live."""
    return re.sub(r"(?m)^(\s*)# ((?:[a-z_]+:)|(?:  ))", r"\1\2", text)


def test_init_writes_a_commented_block_style_workspace_that_validate_walks_to_the_end(
    tmp_path: Path,
) -> None:
    root = tmp_path / "batumi"
    made = consult("init", str(root), *ANSWERS)
    assert made.returncode == 0, made.stderr
    registry = (root / "stakeholders.yaml").read_text(encoding="utf-8")
    training = (root / "trainings" / f"{SLUG}.yaml").read_text(encoding="utf-8")
    assert all((root / folder).is_dir() for folder in ("trainings", "notes", "inbox"))
    assert registry.startswith("# Stakeholder registry")
    assert yaml.safe_load(registry)["sender"] == {
        "name": "IOM Georgia consultations",
        "email": "consultations@iom.int",
        "organisation": "IOM Georgia",
    }
    loaded = yaml.safe_load(training)
    assert loaded["title"]["ka"].startswith("ინტერვიუს")
    assert loaded["venue"]["city"] == {"en": "Batumi"}
    assert loaded["consultation"]["facilitators"][0]["id"] == "levan-kavtaradze"
    assert str(loaded["briefing"]["due"]) == "2027-02-22"

    # What is left to write is named, each on its line.
    checked = consult("validate", str(root))
    assert checked.returncode == 1
    assert "Traceback" not in checked.stderr
    for field in ("organisations", "experts", "participants", "themes", "consultation.rounds"):
        assert re.search(rf"line \d+, {re.escape(field)}: ", checked.stderr), checked.stderr

    # Its commented examples are right: made live, the workspace loads.
    registry = uncomment_examples(registry).replace("organisations: []\n", "")
    registry = registry.replace("# Each organisation, for example:\n", "organisations:\n")
    (root / "stakeholders.yaml").write_text(registry + PARTICIPANTS, encoding="utf-8")
    (root / "trainings" / f"{SLUG}.yaml").write_text(uncomment_examples(training), encoding="utf-8")
    workspace = load_workspace(root)
    assert [m.id for m in workspace.training(SLUG).consultation.rounds[0].meetings] == [
        "mia-human-rights-department"
    ]


def test_a_spreadsheet_imported_into_a_new_workspace_is_written_one_value_a_line(
    tmp_path: Path,
) -> None:
    root = tmp_path / "batumi"
    assert (
        consult("init", str(root), "--sender-name", "IOM", "--sender-email", "c@iom.int").returncode
        == 0
    )
    sheet = tmp_path / "contacts.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    imported = consult("import-stakeholders", str(sheet), "--yes", "--workspace", str(root))
    assert imported.returncode == 0, imported.stderr
    text = (root / "stakeholders.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Stakeholder registry")
    assert "  - id: ngo-a\n" in text
    assert "      en: Rights Centre, Tbilisi\n" in text
    assert "{" not in text
    assert yaml.safe_load(text)["sender"]["email"] == "c@iom.int"


def test_an_import_into_an_empty_folder_writes_block_style_with_its_header(tmp_path: Path) -> None:
    sheet = tmp_path / "contacts.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    root = tmp_path / "empty"
    root.mkdir()
    imported = consult("import-stakeholders", str(sheet), "--yes", "--workspace", str(root))
    assert imported.returncode == 0, imported.stderr
    text = (root / "stakeholders.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Stakeholder registry")
    assert "# sender:" in text  # the placeholder to fill in
    assert len(text.splitlines()) > 20
    assert "{" not in text


def test_a_registry_written_on_one_line_is_written_back_one_value_a_line(tmp_path: Path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    (root / "stakeholders.yaml").write_text(
        "organisations: [{id: mia, kind: ministry, country: GE, name: {en: Ministry}, "
        "contacts: [{name: Eka Lomidze, email: eka@mia.gov.ge, role: Analyst, language: ka, "
        "timezone: Asia/Tbilisi}], working_hours: {days: [mon, tue]}}]\n",
        encoding="utf-8",
    )
    sheet = tmp_path / "contacts.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    imported = consult("import-stakeholders", str(sheet), "--yes", "--workspace", str(root))
    assert imported.returncode == 0, imported.stderr
    text = (root / "stakeholders.yaml").read_text(encoding="utf-8")
    assert "  - id: mia\n" in text
    assert "    working_hours:\n      days: [mon, tue]\n" in text
    assert "organisations: [" not in text
    assert [o["id"] for o in yaml.safe_load(text)["organisations"]] == ["mia", "ngo-a"]


def test_init_never_overwrites_and_names_each_wrong_answer(tmp_path: Path) -> None:
    root = tmp_path / "batumi"
    assert consult("init", str(root), *ANSWERS).returncode == 0
    before = (root / "stakeholders.yaml").read_bytes()
    again = consult("init", str(root), *ANSWERS)
    assert again.returncode == 1
    assert "init never overwrites" in again.stderr
    assert (root / "stakeholders.yaml").read_bytes() == before

    other = tmp_path / "other"
    wrong = [
        *(a if a != SLUG else "Interview Techniques" for a in ANSWERS[:-2]),
        "--end",
        "2027-02-27",
        "--facilitator",
        "Levan Kavtaradze",
    ]
    bad = consult("init", str(other), *wrong)
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert "slug: got 'Interview Techniques', expected an id of lowercase letters" in bad.stderr
    assert "end: got datetime.date(2027, 2, 27), expected a date from 2027-03-01 on" in bad.stderr
    assert "--facilitator: got 'Levan Kavtaradze', expected `Name <email>`" in bad.stderr
    assert not (other / "stakeholders.yaml").exists()


def test_init_without_a_training_asks_for_what_it_needs(tmp_path: Path) -> None:
    missing = consult("init", str(tmp_path / "w"), "--training", SLUG, "--title", "A title")
    assert missing.returncode == 1
    assert "--start, --end, --timezone, --venue, --address, --city, --country" in missing.stderr
    assert not (tmp_path / "w" / "stakeholders.yaml").exists()


def test_validate_names_a_missing_sender_block(write_workspace: Callable[..., Path]) -> None:
    root = write_workspace()
    checked = consult("validate", str(root))
    assert checked.returncode == 0, checked.stderr
    assert "warning: stakeholders.yaml: no `sender:` block" in checked.stderr

    text = (root / "stakeholders.yaml").read_text(encoding="utf-8")
    (root / "stakeholders.yaml").write_text(
        "sender:\n  name: IOM Georgia\n  email: consultations@iom.int\n" + text, encoding="utf-8"
    )
    again = consult("validate", str(root))
    assert again.returncode == 0, again.stderr
    assert "sender" not in again.stderr

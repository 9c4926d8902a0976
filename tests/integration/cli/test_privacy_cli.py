"""`consult forget`, `consult personal-data`, `consult consent` and `consult retention` as a
coordinator runs them: one clear line for bad input, nothing changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import TINY_STAKEHOLDERS
from tests.integration.cli.test_cli import consult

NINO = "nino@mia.example.gov.ge"
SECOND = """\
      - name: თამარ ლომაძე
        email: tamar@mia.example.gov.ge
        role: Deputy head
        language: ka
        timezone: Asia/Tbilisi
  - id: coordinators
"""


def test_forget_an_unknown_address_or_the_last_contact_is_one_line_and_changes_nothing(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace()
    before = (root / "stakeholders.yaml").read_bytes()

    unknown = consult("forget", "nobody@example.org", "--yes", "--workspace", str(root))
    last = consult("forget", NINO, "--yes", "--workspace", str(root))

    assert unknown.returncode == 1
    assert unknown.stderr.strip() == (
        "nobody@example.org: no contact of stakeholders.yaml, no message, answer, attendance, "
        "observation, consent or audit entry names this address; check its spelling"
    )
    assert last.returncode == 1
    assert last.stderr.startswith(f"{NINO} is the last contact of mia, which training winter-2027")
    assert "Traceback" not in unknown.stderr + last.stderr
    assert (root / "stakeholders.yaml").read_bytes() == before


def test_consent_then_personal_data_then_forget_then_nothing_found(
    write_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("  - id: coordinators\n", SECOND, 1))
    where = ("--workspace", str(root))

    given = consult("consent", NINO, "given", "--how", "email", "--at", "2027-01-05", *where)
    assert given.returncode == 0, given.stderr
    assert given.stdout.strip() == f"{NINO}: consent given (email, 2027-01-05) recorded"
    held = consult("personal-data", NINO, "--out", str(tmp_path / "nino.json"), *where)
    assert held.returncode == 0, held.stderr
    data = json.loads((tmp_path / "nino.json").read_text(encoding="utf-8"))
    assert [c["status"] for c in data["consent"]] == ["given"]
    assert '<html lang="ka">' in (tmp_path / "nino.html").read_text(encoding="utf-8")

    forgotten = consult("forget", NINO, "--yes", "--by", "Tamar", *where)
    again = consult("forget", NINO, "--yes", *where)

    assert forgotten.returncode == 0, forgotten.stderr
    assert "stakeholders.yaml: the contact removed" in forgotten.stdout
    assert NINO not in (root / "stakeholders.yaml").read_text(encoding="utf-8")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("nothing found: forgotten on ")
    assert consult("retention", *where).stdout.strip() == "nothing is due"

"""`consult export` as a coordinator runs it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.integration.cli.test_cli import consult


def test_export_writes_the_registry_and_refuses_a_bad_table(
    write_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_workspace()
    target = tmp_path / "registry.csv"
    args = ("--format", "csv", "--out", str(target), "--workspace", str(root))
    result = consult("export", "winter-2027", "--what", "registry", *args)
    assert result.returncode == 0, result.stderr
    assert "2 rows" in result.stdout
    assert "nino@mia.example.gov.ge" in target.read_text("utf-8-sig")
    bad = consult("export", "winter-2027", "--what", "nope", *args)
    assert bad.returncode == 2
    words = " ".join(bad.stderr.replace("│", " ").split())
    assert "got 'nope', expected one of registry, ledger, answers, observations" in words
    assert "Traceback" not in bad.stderr

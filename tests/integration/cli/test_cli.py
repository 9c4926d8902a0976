"""The `consult` command as a coordinator runs it: exit codes and messages, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import LIVE_TRAINING, TINY_STAKEHOLDERS


def consult(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "consult", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_validate_prints_what_a_valid_workspace_holds(
    write_workspace: Callable[..., Path],
) -> None:
    result = consult("validate", str(write_workspace()))
    assert result.returncode == 0, result.stderr
    assert (
        "2 organisations (1 ministry, 1 participant group), 2 contacts, 1 training(s), "
        "1 planned consultations" in result.stdout
    )
    assert "valid" in result.stdout


def test_validate_exits_1_with_the_problem_and_no_traceback(
    write_workspace: Callable[..., Path],
) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("nino@mia.example.gov.ge", "nino@"))
    result = consult("validate", str(root))
    assert result.returncode == 1
    assert (
        "stakeholders.yaml, line 10, organisations[0].contacts[0].email: got 'nino@'"
        in result.stderr
    )
    assert "Traceback" not in result.stderr + result.stdout


def test_a_wrong_usage_exits_2() -> None:
    result = consult("validate", "--no-such-option")
    assert result.returncode == 2
    assert "No such option" in result.stderr


def test_the_demo_prints_its_summary_and_where_its_outputs_are(tmp_path: Path) -> None:
    result = consult("demo", "--into", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    assert "planned consultations" in result.stdout
    assert f"demo workspace: {tmp_path / 'demo'}" in result.stdout
    assert (tmp_path / "demo" / ".consult" / "state.db").exists()
    # It ends with the pack: its path printed, in English and Georgian, emailed to the experts.
    folder = tmp_path / "demo" / "out" / "briefing" / "intercultural-communication-2027" / "v1"
    for language in ("en", "ka"):
        pdf = folder / f"briefing-intercultural-communication-2027-{language}.pdf"
        assert f"{language}: {pdf}" in result.stdout
        assert pdf.read_bytes().startswith(b"%PDF")
    assert "the pack emailed to 3 recipients" in result.stdout
    # A meeting of the round is a date poll: its invitees vote, its best time is picked.
    assert "justice-bridge-legal-aid: date poll of 3 times sent to 2 invitees" in result.stdout
    # After the notes, an invitee of a meeting without notes writes on her personal page.
    assert (
        "round-1/ohchr-georgia: written input from სოფიკო ბაქრაძე on the personal page "
        "(ka, 2 themes, internal, consent given): 2 added, 0 updated, 0 unchanged, 0 rejected"
    ) in result.stdout
    assert (
        "briefing pack v1 (new version): 10 gaps ranked, 1 not covered by the agenda, "
        "41 observations (4 restricted left out)"
    ) in result.stdout


def test_schema_check_passes_on_the_committed_schema() -> None:
    result = consult("schema", "--check")
    assert result.returncode == 0, result.stderr


def test_plan_proposes_then_approves_and_a_rerun_keeps_the_confirmed_meeting(
    write_workspace: Callable[..., Path],
) -> None:
    root = str(write_workspace(trainings={"winter-2027": LIVE_TRAINING}))
    proposed = consult("plan", "winter-2027", "--workspace", root)
    assert proposed.returncode == 0, proposed.stderr
    assert "1 of 1 meetings placed." in proposed.stdout
    assert "| mia | Ministry of Internal Affairs | online |" in proposed.stdout
    approved = consult("plan", "winter-2027", "--workspace", root, "--approve", "--by", "Nino")
    assert "approved by Nino: 1 meetings confirmed" in approved.stdout
    again = consult("plan", "winter-2027", "--workspace", root)
    assert "| kept (confirmed) |" in again.stdout


def test_plan_names_an_unknown_round(write_workspace: Callable[..., Path]) -> None:
    result = consult(
        "plan", "winter-2027", "--round", "round-9", "--workspace", str(write_workspace())
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "trainings/winter-2027.yaml, consultation.rounds: got 'round-9', expected one of round-1"
    )


def test_ui_on_a_workspace_with_problems_starts_nothing_and_says_why(
    write_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_workspace(TINY_STAKEHOLDERS.replace("nino@mia.example.gov.ge", "nino@"))
    result = consult("ui", "--workspace", str(root), "--home", str(tmp_path / "home"))
    assert result.returncode == 1
    assert "stakeholders.yaml, line 10, organisations[0].contacts[0].email" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "home").exists()


def test_a_pack_compiled_without_sending_is_sent_later_by_its_version_once(
    tmp_path: Path,
) -> None:
    root = tmp_path / "demo"
    assert consult("demo", "--into", str(root)).returncode == 0
    slug = "intercultural-communication-2027"
    training = root / "trainings" / f"{slug}.yaml"
    text = training.read_text(encoding="utf-8")
    training.write_text(text.replace("Kachreti Vineyard Hotel", "Kachreti Hotel", 1), "utf-8")
    compiled = consult("brief", slug, "--no-send", "--workspace", str(root))
    assert compiled.returncode == 0, compiled.stderr
    assert (root / "out" / "briefing" / slug / "v2").is_dir()
    outbox = root / "out" / "outbox"
    before = set(outbox.rglob("*.eml"))

    sent = consult("send-pack", slug, "2", "--workspace", str(root))
    assert sent.returncode == 0, sent.stderr
    emailed = set(outbox.rglob("*.eml")) - before
    assert len(emailed) == 3
    again = consult("send-pack", slug, "2", "--workspace", str(root))
    assert again.returncode == 0, again.stderr
    assert set(outbox.rglob("*.eml")) - before == emailed

    missing = consult("send-pack", slug, "9", "--workspace", str(root))
    assert missing.returncode == 1
    assert "got pack version 9" in missing.stderr
    assert "Traceback" not in missing.stderr

"""The demo's briefing pack, made once for the tests that read it: en and ka as the demo
writes them, ru rendered from the same analysis (no demo expert reads Russian)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from consult.briefing.analysis import Analysis
from consult.briefing.gathering import gather
from consult.briefing.pdf import pdf_bytes
from consult.briefing.render import render_pack
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import Workspace, load_workspace
from schemas.training import Training

DEMO_TRAINING = "intercultural-communication-2027"
LANGUAGES = ("en", "ka", "ru")


@dataclass(frozen=True)
class DemoPack:
    """The demo's workspace and the files of its pack, per language and format."""

    root: Path
    workspace: Workspace
    folder: Path
    files: dict[str, dict[str, Path]]
    """language -> html, md, pdf -> file."""
    analysis: Analysis
    training: Training

    @property
    def sources(self) -> Path:
        """Return the pack's sources.csv."""
        return self.folder / "sources.csv"


@pytest.fixture(scope="session")
def demo_pack(tmp_path_factory: pytest.TempPathFactory) -> DemoPack:
    """The pack `consult demo` writes, and the same pack in Russian beside it."""
    root = tmp_path_factory.mktemp("demo-pack") / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "consult", "demo", "--into", str(root)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    folder = root / "out" / "briefing" / DEMO_TRAINING / "v1"
    files = {
        lang: {ext: folder / f"briefing-{DEMO_TRAINING}-{lang}.{ext}" for ext in ("html", "md")}
        | {"pdf": folder / f"briefing-{DEMO_TRAINING}-{lang}.pdf"}
        for lang in ("en", "ka")
    }
    workspace = load_workspace(root)
    training = workspace.training(DEMO_TRAINING)
    now = dt.datetime.now(dt.UTC)
    with open_store(Settings(workspace=root).store_url) as store:
        analysis = gather(workspace, store, DEMO_TRAINING, now)
    russian = render_pack(analysis, training, "ru", version=1, compiled=now.date())
    files["ru"] = {ext: folder.parent / f"ru.{ext}" for ext in ("html", "md", "pdf")}
    files["ru"]["html"].write_text(russian.html, encoding="utf-8")
    files["ru"]["md"].write_text(russian.markdown, encoding="utf-8")
    files["ru"]["pdf"].write_bytes(pdf_bytes(russian.html))
    return DemoPack(
        root=root,
        workspace=workspace,
        folder=folder,
        files=files,
        analysis=analysis,
        training=training,
    )

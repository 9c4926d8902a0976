"""Flow `compile-briefing` on a real Prefect server: the pack, its artifacts, its delivery."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from prefect import get_client

from consult.settings import Settings
from consult.store import open_store
from desk.app import Desk, create_app
from desk.security import login_url
from desk.serving import served
from flows.compile_briefing import BriefingParameters, compile_briefing
from tests.briefing_fixture import CANARY, SLUG, fill_store, golden_workspace


def artifacts() -> dict[str, str]:
    with get_client(sync_client=True) as client:
        found = client.read_latest_artifacts()
    return {str(a.key): str(a.data) for a in found if a.key}


def test_the_flow_publishes_the_pack_and_sends_each_version_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = golden_workspace(tmp_path)
    with open_store(Settings(workspace=root).store_url) as store:
        fill_store(store)
    parameters = BriefingParameters(training=SLUG, workspace=str(root))

    desk = Desk(settings=Settings(workspace=root), secret="the-desk-secret")
    with served(create_app(desk)) as desk_url:
        monkeypatch.setenv("CONSULT_DESK_URL", desk_url)
        assert compile_briefing(parameters) == "v1 (new version); 3 sent"
        published = artifacts()
        # The UI cannot open file:// links: the PDF's link downloads it from the desk.
        [link] = re.findall(r"\]\((.*)\)", published["briefing-pdf-ka"])
        assert link == f"{desk_url}/trainings/{SLUG}/packs/1/briefing-{SLUG}-ka.pdf"
        # The link is token-free: the coordinator's browser carries the desk's session cookie.
        http = requests.Session()
        http.get(login_url(desk_url, desk.secret), timeout=10)
        assert http.get(link, timeout=10).content.startswith(b"%PDF")
        assert f"]({desk_url}/trainings/{SLUG})" in published["briefing-pack"]
    published = artifacts()
    assert "# Golden training" in published["briefing-pack"]
    # At k = 3 the four organisations heard are one column: interpreters 3.7 x (3 + 1).
    assert "| 1 | Working with interpreters | **14.8** |" in published["briefing-pack"]
    assert CANARY not in published["briefing-pack"]
    pdf = root / "out" / "briefing" / SLUG / "v1" / f"briefing-{SLUG}-ka.pdf"
    assert published["briefing-pdf-ka"].startswith(f"[{pdf.name}](")
    assert pdf.is_file()
    assert len(list((root / "out" / "outbox").glob("*.eml"))) == 3

    assert compile_briefing(parameters) == "v1 (unchanged); 3 already sent"
    assert len(list((root / "out" / "outbox").glob("*.eml"))) == 3

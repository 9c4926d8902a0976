"""`consult ui` starts the desk and the stakeholders' pages with the Prefect server and the
runner; one Ctrl-C stops all."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest
import requests

from tests.desk.conftest import SLUG
from tests.e2e.test_local_ui import start_ui

pytestmark = pytest.mark.e2e


def test_consult_ui_serves_the_desk_on_loopback_and_ctrl_c_stops_it_too(
    desk_demo: Path, tmp_path: Path
) -> None:
    ui = start_ui(desk_demo, tmp_path / "prefect-home")
    try:
        said = ui.lines.get(timeout=30)
        assert said.startswith("Desk: http://127.0.0.1:"), said
        first = said.removeprefix("Desk: ").strip()
        desk, _, secret = first.partition("/?token=")
        assert len(secret) >= 40, first
        said = ui.lines.get(timeout=30)
        assert said.startswith("Stakeholders' pages: http://127.0.0.1:"), said
        pages = said.removeprefix("Stakeholders' pages: ").strip()
        assert pages != desk
        assert requests.get(f"{pages}/", timeout=30).status_code == 404  # none of the desk's
        assert requests.get(f"{pages}/trainings/{SLUG}", timeout=30).status_code == 404
        refused = requests.get(f"{desk}/trainings/{SLUG}", timeout=30)
        assert refused.status_code == 403
        assert "the link `consult ui` printed" in refused.text
        http = requests.Session()
        assert http.get(first, timeout=30).url == f"{desk}/"  # the clean address, the cookie set
        page = http.get(f"{desk}/trainings/{SLUG}", timeout=30)
        assert page.status_code == 200
        assert f'href="{ui.url}/runs"' in page.text  # the desk links to the Prefect UI
        decisions = http.get(f"{desk}/decisions", timeout=60)
        assert decisions.status_code == 200
        assert "Nothing waits for a decision." in decisions.text
        http.close()
        home = tmp_path / "prefect-home"
        assert (home / "desk-token").stat().st_mode & 0o777 == 0o600
        for log in (home / "logs").glob("*.log"):
            assert secret not in log.read_text(errors="replace"), log
        ui.process.send_signal(signal.SIGINT)
        assert ui.process.wait(timeout=90) == 0
        assert not (home / "desk-token").exists()
        for url in (ui.url, desk, pages):
            port = int(url.rsplit(":", 1)[1])
            with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
                probe.connect(("127.0.0.1", port))
    finally:
        if ui.process.poll() is None:
            ui.process.kill()
            ui.process.wait()
        assert ui.process.stdout is not None
        ui.process.stdout.close()

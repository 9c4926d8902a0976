"""`consult ui` starts the desk with the Prefect server and the runner; one Ctrl-C stops all."""

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
        desk = said.removeprefix("Desk: ").strip()
        page = requests.get(f"{desk}/trainings/{SLUG}", timeout=30)
        assert page.status_code == 200
        assert f'href="{ui.url}/runs"' in page.text  # the desk links to the Prefect UI
        decisions = requests.get(f"{desk}/decisions", timeout=60)
        assert decisions.status_code == 200
        assert "Nothing waits for a decision." in decisions.text
        ui.process.send_signal(signal.SIGINT)
        assert ui.process.wait(timeout=90) == 0
        for url in (ui.url, desk):
            port = int(url.rsplit(":", 1)[1])
            with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
                probe.connect(("127.0.0.1", port))
    finally:
        if ui.process.poll() is None:
            ui.process.kill()
            ui.process.wait()
        assert ui.process.stdout is not None
        ui.process.stdout.close()

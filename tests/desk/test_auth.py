"""On a team's setup the desk asks for the Prefect server's credentials and refuses all else."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from starlette.testclient import TestClient

from consult.ui import PROJECT, free_port
from tests.desk.conftest import SLUG

AUTH = "consult:a-long-random-password"
PATHS = (
    "/",
    f"/trainings/{SLUG}",
    f"/trainings/{SLUG}/packs/1/sources.csv",
    f"/trainings/{SLUG}/meetings/round-1/unhcr-georgia/notes",
    "/static/desk.css",
    "/no-such-page",
)


def test_every_request_without_the_team_credentials_is_refused(
    desk_demo: Path, open_desk: Callable[..., TestClient]
) -> None:
    desk = open_desk(desk_demo, auth_string=AUTH)
    for path in PATHS:
        for auth in (None, ("consult", "guess"), ("someone", "a-long-random-password")):
            answer = desk.get(path, auth=auth)
            assert answer.status_code == 401, (path, auth)
            assert answer.headers["www-authenticate"].startswith('Basic realm="consult desk"')
            assert "consult" not in answer.text.split("credentials")[1]
    refused = desk.post(
        f"/trainings/{SLUG}/meetings/round-1/unhcr-georgia/notes",
        data={"date": "2026-12-08", "recorded_by": "x"},
        headers={"Authorization": "Basic bm90IGJhc2U2NA=="},
    )
    assert refused.status_code == 401
    for path in PATHS[:-1]:
        answer = desk.get(path, auth=tuple(AUTH.split(":", 1)))
        assert answer.status_code == 200, path


def start_desk(workspace: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """Start `python -m desk` on the workspace with this environment; return it and its address."""
    port = free_port(0)
    log = workspace.parent / "desk.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "desk", "--port", str(port)],
            cwd=PROJECT,
            env={
                **{
                    k: v
                    for k, v in os.environ.items()
                    if not k.startswith(("PREFECT_", "CONSULT_"))
                },
                "CONSULT_WORKSPACE": str(workspace),
                **env,
            },
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            requests.get(url, timeout=2)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("python -m desk did not answer within 60 s")


@pytest.mark.e2e
@pytest.mark.parametrize("setting", ["PREFECT_SERVER_API_AUTH_STRING", "PREFECT_API_AUTH_STRING"])
def test_python_m_desk_asks_for_the_credentials_the_prefect_server_is_set_up_with(
    desk_demo: Path, setting: str
) -> None:
    process, url = start_desk(desk_demo, {setting: AUTH})
    try:
        assert requests.get(f"{url}/trainings/{SLUG}", timeout=30).status_code == 401
        auth = tuple(AUTH.split(":", 1))
        assert requests.get(f"{url}/trainings/{SLUG}", auth=auth, timeout=30).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.e2e
def test_python_m_desk_without_team_credentials_opens_with_the_link_it_prints(
    desk_demo: Path,
) -> None:
    process, url = start_desk(desk_demo, {})
    try:
        assert requests.get(f"{url}/trainings/{SLUG}", timeout=30).status_code == 403
        said = (desk_demo.parent / "desk.log").read_text().splitlines()
        [first] = [line.removeprefix("Desk: ") for line in said if line.startswith("Desk: ")]
        assert first.startswith(f"{url}/?token=")
        with requests.Session() as http:
            http.get(first, timeout=30)
            assert http.get(f"{url}/trainings/{SLUG}", timeout=30).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)

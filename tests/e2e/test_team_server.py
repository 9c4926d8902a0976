"""A team's setup: Prefect server and consult store on PostgreSQL, basic auth, a process worker.

Everything as the README's "A team's server" says: `prefect server start`
with PREFECT_API_DATABASE_CONNECTION_URL and PREFECT_SERVER_API_AUTH_STRING,
`prefect work-pool create`, `prefect deploy --all` and `prefect worker start`
with PREFECT_API_AUTH_STRING, CONSULT_DATABASE_URL on the worker.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from consult.store import open_store
from consult.ui import PROJECT, free_port
from tests import pg
from tests.uiserver import DEMO_SLUG, approved_demo, trigger, wait_for_state

pytestmark = pytest.mark.e2e

PREFECT = str(Path(sys.executable).parent / "prefect")
USER = "consult"


@dataclass
class TeamServer:
    """A running Prefect server with basic auth, and how clients reach it."""

    api: str
    auth_string: str
    client_env: dict[str, str]


def prefect_free_environment() -> dict[str, str]:
    """Return this process's environment without Prefect's or consult's settings."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PREFECT_", "CONSULT_"))
    }


def run(argv: list[str], env: dict[str, str], cwd: Path = PROJECT) -> str:
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 0, f"{argv} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


def wait_healthy(api: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text(errors="replace")
        try:
            if requests.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail("the Prefect server did not start:\n" + log.read_text(errors="replace"))


@pytest.fixture
def team_server(postgres_url: str, tmp_path: Path) -> Iterator[TeamServer]:
    """A Prefect server on a PostgreSQL database, with basic auth, on 127.0.0.1."""
    database = pg.create_database(postgres_url).replace("+psycopg://", "+asyncpg://")
    auth_string = f"{USER}:{secrets.token_urlsafe(16)}"
    port = free_port(0)
    api = f"http://127.0.0.1:{port}/api"
    base = {**prefect_free_environment(), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    server_env = {
        **base,
        "PREFECT_HOME": str(tmp_path / "server-home"),
        "PREFECT_API_DATABASE_CONNECTION_URL": database,
        "PREFECT_SERVER_API_AUTH_STRING": auth_string,
    }
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=server_env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            wait_healthy(api, server, log)
            client_env = {
                **base,
                "PREFECT_HOME": str(tmp_path / "client-home"),
                "PREFECT_API_URL": api,
                "PREFECT_API_AUTH_STRING": auth_string,
            }
            yield TeamServer(api, auth_string, client_env)
        finally:
            server.terminate()
            server.wait(timeout=60)


def test_a_team_server_refuses_strangers_and_its_worker_runs_the_deployments(
    team_server: TeamServer, postgres_url: str, tmp_path: Path
) -> None:
    api, env = team_server.api, team_server.client_env
    assert requests.post(f"{api}/flows/filter", json={}, timeout=10).status_code == 401
    wrong = requests.post(f"{api}/flows/filter", json={}, auth=(USER, "guess"), timeout=10)
    assert wrong.status_code == 401

    store_url = pg.create_database(postgres_url)
    workspace = approved_demo(tmp_path / "demo", database_url=store_url)
    project_env = {**env, "CONSULT_PROJECT_DIR": str(PROJECT)}
    run([PREFECT, "work-pool", "create", "consult", "--type", "process"], env)
    run([PREFECT, "--no-prompt", "deploy", "--all"], project_env)

    worker_env = {
        **project_env,
        "CONSULT_WORKSPACE": str(workspace),
        "CONSULT_DATABASE_URL": store_url,
        "PREFECT_WORKER_QUERY_SECONDS": "1",
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", "consult", "--type", "process"],
            cwd=tmp_path,
            env=worker_env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            with requests.Session() as http:
                http.auth = tuple(team_server.auth_string.split(":", 1))
                names = {d["name"] for d in http.post(f"{api}/deployments/filter", json={}).json()}
                assert {"validate-workspace", "send-invitations", "run-due-steps"} <= names
                checked = trigger(api, "validate-workspace", {}, session=http)
                demo = {"parameters": {"training": DEMO_SLUG}}
                sent = trigger(api, "send-invitations", demo, session=http)
                for flow_run in (checked, sent):
                    state = wait_for_state(api, flow_run, {"COMPLETED"}, session=http)
                    assert state["state_type"] == "COMPLETED", log.read_text(errors="replace")
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    assert team_server.auth_string not in log.read_text(errors="replace")
    outbox = sorted((workspace / "out" / "outbox").glob("*.eml"))
    with open_store(store_url) as store:
        sent_rows = store.messages(status="sent")
    assert outbox
    assert len(sent_rows) == len(outbox)

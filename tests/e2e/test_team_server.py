"""A team's setup: Prefect server and consult store on PostgreSQL, basic auth, a process worker.

Everything as the README's "A team's server" says: `prefect server start`
with PREFECT_API_DATABASE_CONNECTION_URL and PREFECT_SERVER_API_AUTH_STRING,
`prefect work-pool create`, `prefect deploy --all` and `prefect worker start`
with PREFECT_API_AUTH_STRING, CONSULT_DATABASE_URL on the worker.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from consult.store import open_store
from consult.ui import PROJECT
from tests import pg
from tests.teamprefect import PREFECT, USER, TeamServer, run
from tests.teamprefect import team_server as started
from tests.uiserver import DEMO_SLUG, approved_demo, trigger, wait_for_state

pytestmark = pytest.mark.e2e


@pytest.fixture
def team_server(postgres_url: str, tmp_path: Path) -> Iterator[TeamServer]:
    """A Prefect server on a PostgreSQL database, with basic auth, on 127.0.0.1."""
    with started(postgres_url, tmp_path) as server:
        yield server


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

"""Helpers for the tests and benchmarks that drive a real Prefect server over its REST API.

workspace = approved_demo(tmp_path / "demo")       # the demo, its rounds planned and approved
demo = {"training": DEMO_SLUG, "workspace": str(workspace)}
run = trigger(api, "send-invitations", {"parameters": demo})
state = wait_for_state(api, run, {"COMPLETED"})
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import requests

from consult.application.plan import propose_plan
from consult.application.references import round_ref
from consult.bootstrap import assemble
from consult.demo import prepare_demo, serve_feeds
from consult.mail.preview import CONFIRMED
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace

FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
DEMO_SLUG = "intercultural-communication-2027"
"""The demo's training: what the runs these helpers start are for (no form has a default)."""


def approved_demo(target: Path, database_url: str | None = None) -> Path:
    """Return a fresh copy of the demo workspace: every round planned, approved, its send confirmed.

    The confirmation of each round's first send is recorded, so send-invitations sends at once
    instead of pausing for it.

    Its state goes to the SQLite file inside it, or to `database_url`.
    """
    with serve_feeds() as port:
        root = prepare_demo(target, dt.date.today(), feed_port=port)
        settings = Settings(workspace=root, database_url=database_url)
        workspace = load_workspace(root)
        with open_store(settings.store_url) as store:
            built = assemble(settings, workspace, store)
            for slug, training in workspace.trainings.items():
                for round_ in training.consultation.rounds:
                    propose_plan(
                        built, round_ref(workspace, slug, round_.id), replan=False, by="test"
                    )
                    store.decide_round(slug, round_.id, approve=True, actor="test")
                    store.audit("test", CONFIRMED, f"{slug}/{round_.id}")
    return root


def deployment_id(
    api: str, name: str, timeout: float = 120, session: requests.Session | None = None
) -> str:
    """Return the id of the deployment `name` (of the flow of that name), once it exists."""
    http: Any = session or requests
    deadline = time.monotonic() + timeout
    while True:
        answer = http.get(f"{api}/deployments/name/{name}/{name}", timeout=10)
        if answer.status_code == 200:
            found: str = answer.json()["id"]
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"no deployment {name} at {api}: {answer.status_code}")
        time.sleep(0.3)


def trigger(
    api: str, name: str, parameters: dict[str, Any], session: requests.Session | None = None
) -> str:
    """Return the id of a new run of the deployment `name`, as the UI's Run button makes it."""
    http: Any = session or requests
    deployment = deployment_id(api, name, session=http)
    for attempt in range(10):
        answer = http.post(
            f"{api}/deployments/{deployment}/create_flow_run",
            json={"parameters": parameters},
            timeout=10,
        )
        # SQLite busy (the runner registering deployments) is a 503: Prefect's client retries too.
        if answer.status_code not in (429, 502, 503):
            break
        time.sleep(0.5 * (attempt + 1))
    if answer.status_code >= 400:
        raise requests.HTTPError(
            f"{answer.status_code} starting {name}: {answer.text}", response=answer
        )
    run: str = answer.json()["id"]
    return run


def wait_for_state(
    api: str,
    run: str,
    states: set[str],
    timeout: float = 180,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """Return the run once its state is one of `states` or final; fail after `timeout`."""
    http: Any = session or requests
    deadline = time.monotonic() + timeout
    while True:
        flow_run: dict[str, Any] = http.get(f"{api}/flow_runs/{run}", timeout=10).json()
        if flow_run["state_type"] in states | FINAL or flow_run["state_name"] in states:
            return flow_run
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run} is still {flow_run['state_name']} after {timeout} s")
        time.sleep(0.2)


def picked_up_after(api: str, run: str, session: requests.Session | None = None) -> float:
    """Return the seconds between a run's creation and its first state after Scheduled."""
    http: Any = session or requests
    history = http.get(f"{api}/flow_run_states/", params={"flow_run_id": run}, timeout=10)
    created = http.get(f"{api}/flow_runs/{run}", timeout=10).json()["created"]
    later = sorted(
        dt.datetime.fromisoformat(state["timestamp"])
        for state in history.json()
        if state["type"] != "SCHEDULED"
    )
    return (later[0] - dt.datetime.fromisoformat(created)).total_seconds()

"""What a flow test reads back from the Prefect server: the paused run, an artifact."""

from __future__ import annotations

import time
from typing import Any

import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateName,
)


def paused_run_id(
    flow: str, waiting_for: str, seen: set[Any] | None = None, timeout: float = 90
) -> Any:
    """Return the id of the run of `flow` paused for the coordinator; fail the test after `timeout`.

    Filtering by flow keeps one test's run, left paused by a failure, from being resumed
    by the next test with input meant for another form. With `seen`, only a pause not
    seen before counts, for a flow that asks again.
    """
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=[flow])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(name=FlowRunFilterStateName(any_=["Paused"]))
                ),
            )
            for run in runs:
                key = (run.id, run.state.timestamp if run.state else None)
                if seen is None or key not in seen:
                    if seen is not None:
                        seen.add(key)
                    return run.id
            time.sleep(0.2)
    pytest.fail(f"{flow} never paused for the coordinator's {waiting_for}")


def artifact(key: str) -> str:
    """Return the data of the latest artifact with that key."""
    with get_client(sync_client=True) as client:
        found = [a for a in client.read_latest_artifacts() if a.key == key]
    assert found, f"no artifact {key!r}"
    return str(found[0].data)

"""What a flow test reads back from the Prefect server: the paused run, an artifact."""

from __future__ import annotations

import time
from typing import Any

import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateName


def paused_run_id(waiting_for: str, timeout: float = 90) -> Any:
    """Return the id of the flow run paused for the coordinator; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(name=FlowRunFilterStateName(any_=["Paused"]))
                )
            )
            if runs:
                return runs[0].id
            time.sleep(0.2)
    pytest.fail(f"the flow never paused for the coordinator's {waiting_for}")


def artifact(key: str) -> str:
    """Return the data of the latest artifact with that key."""
    with get_client(sync_client=True) as client:
        found = [a for a in client.read_latest_artifacts() if a.key == key]
    assert found, f"no artifact {key!r}"
    return str(found[0].data)

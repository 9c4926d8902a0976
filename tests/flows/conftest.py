"""One real, temporary Prefect server for the whole session's flow tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from prefect.settings import temporary_settings
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    """A temporary Prefect server (SQLite) with flow heartbeats off, for every flow test."""
    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={"flows.heartbeat_frequency": None}),
    ):
        yield


Background = Callable[..., tuple[threading.Thread, dict[str, Any]]]


@pytest.fixture
def in_background() -> Background:
    """Start a flow in a thread: `thread, outcome = in_background(flow, parameters)`.

    `outcome` gets "result" or "error" when the flow ends; the test, meanwhile, plays
    the coordinator (resumes the paused run).
    """

    def start(
        flow: Callable[[Any], Any], parameters: Any
    ) -> tuple[threading.Thread, dict[str, Any]]:
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                outcome["result"] = flow(parameters)
            except BaseException as error:  # the test thread reports it
                outcome["error"] = error

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        return thread, outcome

    return start

"""One real, temporary Prefect server for the whole session's flow tests."""

from __future__ import annotations

from collections.abc import Iterator

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

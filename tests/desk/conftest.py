"""Fixtures of the desk's tests: the demo after `consult demo`, and the desk served on it."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import pytest

from consult.cli import demo
from consult.settings import Settings
from desk.app import Desk, create_app
from desk.prefect_api import PrefectApi
from desk.serving import served

SLUG = "intercultural-communication-2027"


@pytest.fixture(scope="session")
def demo_done(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace once `consult demo` ran on it: planned, approved, sent, noted, packed."""
    target = tmp_path_factory.mktemp("desk") / "demo"
    with redirect_stdout(StringIO()):
        demo(target)
    return target


@pytest.fixture
def desk_demo(demo_done: Path, tmp_path: Path) -> Path:
    """A copy of the finished demo workspace, with its state and outputs, that a test may change."""
    target = tmp_path / "demo"
    shutil.copytree(demo_done, target)
    return target


@pytest.fixture
def serve_desk() -> Iterator[Callable[..., str]]:
    """Serve the desk on a workspace on 127.0.0.1: `url = serve_desk(workspace, clock=...)`."""
    stops: list[Callable[[], None]] = []

    def serve(
        workspace: Path,
        *,
        auth_string: str | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        prefect_ui: str | None = None,
        prefect: PrefectApi | None = None,
    ) -> str:
        desk = Desk(
            settings=Settings(workspace=workspace),
            auth_string=auth_string,
            prefect_ui=prefect_ui,
            prefect=prefect,
            **({"clock": clock} if clock else {}),
        )
        server = served(create_app(desk))
        url = server.__enter__()
        stops.append(lambda: server.__exit__(None, None, None))
        return url

    yield serve
    for stop in reversed(stops):
        stop()


@pytest.fixture
def desk_url(desk_demo: Path, serve_desk: Callable[..., str]) -> str:
    """The desk served on a fresh copy of the finished demo."""
    return serve_desk(desk_demo)

"""Fixtures of the desk's tests: the demo after `consult demo`, and the desk on it.

Most tests ask the desk through Starlette's TestClient (`open_desk`, `desk_client`):
no server, no port. The browser tests need a real one (`serve_desk`: uvicorn
on 127.0.0.1).
"""

from __future__ import annotations

import datetime as dt
import shutil
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, redirect_stdout
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 in its TestClient and warns when it finds httpx (Prefect's)
    # instead; the TestClient works the same with either. Imported here first, for every test.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

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


def desk_on(
    workspace: Path,
    *,
    auth_string: str | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    prefect_ui: str | None = None,
    prefect: PrefectApi | None = None,
) -> Desk:
    """Return the desk of a workspace, its clock and Prefect as given."""
    return Desk(
        settings=Settings(workspace=workspace),
        auth_string=auth_string,
        prefect_ui=prefect_ui,
        prefect=prefect,
        **({"clock": clock} if clock else {}),
    )


@pytest.fixture
def open_desk() -> Iterator[Callable[..., TestClient]]:
    """Open the desk on a workspace, no server: `client = open_desk(workspace, clock=...)`."""
    with ExitStack() as stack:

        def opened(workspace: Path, **options: Any) -> TestClient:
            app = create_app(desk_on(workspace, **options))
            return stack.enter_context(TestClient(app))

        yield opened


@pytest.fixture
def desk_client(desk_demo: Path, open_desk: Callable[..., TestClient]) -> TestClient:
    """The desk on a fresh copy of the finished demo, asked through Starlette's TestClient."""
    return open_desk(desk_demo)


@pytest.fixture
def serve_desk() -> Iterator[Callable[..., str]]:
    """Serve the desk on a workspace on 127.0.0.1: `url = serve_desk(workspace, clock=...)`."""
    with ExitStack() as stack:

        def serve(workspace: Path, **options: Any) -> str:
            return stack.enter_context(served(create_app(desk_on(workspace, **options))))

        yield serve

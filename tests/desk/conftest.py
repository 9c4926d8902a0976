"""Fixtures of the desk's tests: the demo after `consult demo`, and the desk on it.

Most tests ask the desk through Starlette's TestClient (`open_desk`, `desk_client`):
no server, no port. The browser tests need a real one (`serve_desk`: uvicorn
on 127.0.0.1). Every desk here has the secret SECRET; a client opens its session
with the first address (`login_url`), as the coordinator does with the link
`consult ui` prints, and posts forms with the session's token (`DeskClient`,
`logged_in` and `post_form` for a served desk).
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
import requests
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
from desk.security import CSRF_FIELD, csrf_token, login_url, session_of
from desk.serving import served

SLUG = "intercultural-communication-2027"
SECRET = "the-secret-consult-ui-would-print"
"""The secret of every desk of the tests: `?token=SECRET` opens a session."""
SAME_ORIGIN = object()
"""DeskClient.post's default Origin: the desk's own."""


def form_token(cookies: Any, secret: str = SECRET) -> str:
    """Return the CSRF token of the session whose cookie is in `cookies` (the desk's forms')."""
    value = next((v for k, v in cookies.items() if k.startswith("consult-desk")), None)
    session = session_of(secret, value)
    return csrf_token(secret, session) if session else ""


class DeskClient(TestClient):
    """A TestClient of the desk: `login()` opens a session; a post carries Origin and token."""

    def login(self, secret: str = SECRET) -> DeskClient:
        """Open a session as the link `consult ui` prints does: a 303 that sets the cookie."""
        answer = self.get("/", params={"token": secret}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        return self

    def post(  # type: ignore[override]
        self,
        url: Any,
        *,
        data: Any = None,
        headers: dict[str, str] | None = None,
        origin: Any = SAME_ORIGIN,
        token: bool = True,
        **options: Any,
    ) -> Any:
        """POST as a form of the desk's own pages: its Origin and, in `data`, the token."""
        sent = dict(headers or {})
        if origin is SAME_ORIGIN:
            sent.setdefault("Origin", str(self.base_url).rstrip("/"))
        elif origin is not None:
            sent["Origin"] = origin
        if token and isinstance(data, dict) and CSRF_FIELD not in data:
            data = {**data, CSRF_FIELD: form_token(self.cookies)}
        return super().post(url, data=data, headers=sent, **options)


def logged_in(url: str, secret: str = SECRET) -> requests.Session:
    """Return a requests session with the desk at `url` opened, as a browser after the link."""
    http = requests.Session()
    answer = http.get(login_url(url, secret), allow_redirects=False, timeout=30)
    assert answer.status_code == 303, answer.text
    return http


def post_form(http: requests.Session, url: str, data: dict[str, Any]) -> requests.Response:
    """POST `data` as the desk's own page does: its Origin and the session's token."""
    origin = "/".join(url.split("/")[:3])
    fields = {**data, CSRF_FIELD: form_token(http.cookies)}
    return http.post(url, data=fields, headers={"Origin": origin}, timeout=60)


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
    """Return the desk of a workspace, its clock and Prefect as given, its secret SECRET."""
    return Desk(
        settings=Settings(workspace=workspace),
        auth_string=auth_string,
        prefect_ui=prefect_ui,
        prefect=prefect,
        secret=SECRET,
        hosts=("testserver",),
        **({"clock": clock} if clock else {}),
    )


@pytest.fixture
def open_desk() -> Iterator[Callable[..., DeskClient]]:
    """Open the desk on a workspace, no server: `client = open_desk(workspace, clock=...)`.

    The client has opened its session with the desk's secret (`login=False`: not), except
    on a team's setup (`auth_string=`), where Basic auth is the key.
    """
    with ExitStack() as stack:

        def opened(workspace: Path, login: bool = True, **options: Any) -> DeskClient:
            app = create_app(desk_on(workspace, **options))
            client = stack.enter_context(DeskClient(app))
            if login and not options.get("auth_string"):
                client.login()
            return client

        yield opened


@pytest.fixture
def desk_client(desk_demo: Path, open_desk: Callable[..., DeskClient]) -> DeskClient:
    """The desk on a fresh copy of the finished demo, asked through Starlette's TestClient."""
    return open_desk(desk_demo)


@pytest.fixture
def serve_desk() -> Iterator[Callable[..., str]]:
    """Serve the desk on a workspace on 127.0.0.1: `url = serve_desk(workspace, clock=...)`.

    Its secret is SECRET: a browser opens `login_url(url, SECRET)` first, requests
    `logged_in(url)`.
    """
    with ExitStack() as stack:

        def serve(workspace: Path, **options: Any) -> str:
            return stack.enter_context(served(create_app(desk_on(workspace, **options))))

        yield serve

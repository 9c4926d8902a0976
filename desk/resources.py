"""What every request of the desk shares, built when the app starts and closed when it stops.

    app = Starlette(routes=ROUTES, lifespan=lifespan(desk))
    ...
    shared = resources(request)        # in an endpoint
    shared.store.meetings(slug)

The lifespan yields them as Starlette's lifespan state, which every request
sees as `request.state`: the Desk (settings, clock, Prefect), the one Store,
the Jinja environment of the templates, the cache of busy-time feeds and the
workspace as last read (desk.workspaces).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from consult.settings import Settings
from consult.store import Store, open_store
from consult.templating import environment
from desk.feeds import FeedCache
from desk.prefect_api import PrefectApi
from desk.results import ActionResults
from desk.security import new_secret
from desk.wording import breakable
from desk.workspaces import WorkspaceCache

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Desk:
    """What the desk serves: the workspace and store of `settings`, and where Prefect is."""

    settings: Settings
    auth_string: str | None = None
    """The team's `user:password`: every request must carry it (HTTP Basic); None: none asked."""
    prefect_ui: str | None = None
    """The Prefect UI's address, to link each run to; None: no links."""
    prefect: PrefectApi | None = None
    """Prefect's API, for the decisions that wait and the steps to start; None: not set up."""
    clock: Callable[[], dt.datetime] = field(default=_now)
    secret: str = field(default_factory=new_secret, repr=False)
    """The secret of the desk's first address (`?token=`) and of its sessions and forms' tokens;
    by default a new random one, which no one knows (desk.security)."""
    hosts: tuple[str, ...] = ()
    """Host names the desk answers to besides `settings.desk_hosts` (its bind address)."""

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        """Return every host name the desk answers to; any other Host header gets 400."""
        return tuple(dict.fromkeys((*self.settings.desk_hosts, *self.hosts)))


@dataclass(frozen=True)
class Resources:
    """The desk's shared resources, one of each for the app's life."""

    desk: Desk
    store: Store
    templates: jinja2.Environment
    """consult's sandboxed, autoescaped Jinja environment, on desk/templates."""
    feeds: FeedCache
    workspaces: WorkspaceCache
    """The workspace as last read, kept while its files are unchanged (desk.workspaces)."""
    results: ActionResults = field(default_factory=ActionResults)
    """What the desk's actions did, for the page each redirects to (desk.results)."""

    @property
    def settings(self) -> Settings:
        """Return consult's settings the desk serves: the workspace, the store, out/."""
        return self.desk.settings

    @property
    def prefect(self) -> PrefectApi | None:
        """Return the client of Prefect's API; None: the desk has none to ask."""
        return self.desk.prefect


def lifespan(
    desk: Desk,
) -> Callable[[Starlette], AbstractAsyncContextManager[dict[str, Resources]]]:
    """Return the desk app's lifespan: it opens the store and builds the rest, then closes it."""

    @asynccontextmanager
    async def opened(app: Starlette) -> AsyncIterator[dict[str, Resources]]:
        store = await run_in_threadpool(open_store, desk.settings.store_url)
        try:
            templates = environment(TEMPLATES)
            templates.filters["breakable"] = breakable
            kept = WorkspaceCache(desk.settings.workspace)
            yield {"resources": Resources(desk, store, templates, FeedCache(), kept)}
        finally:
            store.close()

    return opened


def resources(request: Request) -> Resources:
    """Return the resources the app's lifespan built, as a request sees them."""
    shared: Resources = request.state.resources
    return shared

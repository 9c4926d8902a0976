"""What every request of the public pages shares: the settings, the one store, the templates.

shared = resources(request)   # in an endpoint
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from starlette.requests import Request

from answers_web.security import RateLimits
from consult.application.services import utc_now
from consult.settings import Settings
from consult.store import Store
from desk.feeds import FeedCache

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Public:
    """What the public pages serve: the workspace and store of `settings`, and their limits."""

    settings: Settings
    clock: Callable[[], dt.datetime] = field(default=utc_now)
    limits: RateLimits = field(default_factory=RateLimits)
    hosts: tuple[str, ...] = ()
    """Host names answered besides the settings' public hosts and URL's: the bind address."""

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        """Return every host name the pages answer to; any other Host header gets 400."""
        own = urlsplit(self.settings.public_url or "").hostname
        return tuple(
            dict.fromkeys((*self.settings.public_hosts, *([own] if own else []), *self.hosts))
        )


@dataclass(frozen=True)
class Resources:
    """The pages' shared resources, one of each for the app's life."""

    public: Public
    store: Store
    templates: jinja2.Environment
    feeds: FeedCache = field(default_factory=FeedCache)
    """Each round's busy-time feeds, kept ten minutes for the free times the pages offer."""


def resources(request: Request) -> Resources:
    """Return the resources the app's lifespan built, as a request sees them."""
    shared: Resources = request.state.resources
    return shared


def path_params(**params: Any) -> dict[str, Any]:
    """Return the parameters of a link, each text percent-encoded as one path segment."""
    return {
        key: quote(value, safe="") if isinstance(value, str) else value
        for key, value in params.items()
    }

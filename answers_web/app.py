"""The public pages' web application (Starlette): server-rendered, no JavaScript needed.

    app = create_app(Public(settings=Settings(workspace=Path("workspace"))))

Its addresses are answers_web.routes' only. Every request must name one of its
hosts (400 otherwise: no DNS rebinding); answers_web.security limits the rate per
address and per token and takes a form only with its session's token. Each
request reads the workspace afresh and works on the one store the lifespan
opened; nothing here talks to Prefect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from answers_web.endpoints import error_page
from answers_web.resources import TEMPLATES, Public, Resources
from answers_web.routes import ROUTES
from answers_web.security import PublicGuard
from consult.answers.tokens import page_secret
from consult.errors import ConsultError
from consult.store import open_store
from consult.templating import environment


def create_app(public: Public) -> Starlette:
    """Return the public pages' ASGI application."""
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=public.allowed_hosts, www_redirect=False),
        Middleware(
            PublicGuard,
            secret=page_secret(public.settings),
            limits=public.limits,
            public_url=public.settings.public_url,
        ),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Resources]]:
        store = await run_in_threadpool(open_store, public.settings.store_url, "personal page")
        try:
            yield {"resources": Resources(public, store, environment(TEMPLATES))}
        finally:
            store.close()

    return Starlette(
        routes=ROUTES,
        middleware=middleware,
        exception_handlers={HTTPException: error_page, ConsultError: error_page},
        lifespan=lifespan,
    )

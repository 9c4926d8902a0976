"""The desk's web application (Starlette): server-rendered pages, no JavaScript needed.

    app = create_app(Desk(settings=Settings(workspace=Path("workspace"))))

Its addresses are desk.routes', each served by an endpoint of desk/endpoints;
what they share (the store, the templates, the feed cache) the lifespan builds
(desk.resources). Every request reads the workspace files afresh (about 15 ms
on the demo), so an edit shows at once. Templates are Jinja in consult's
sandbox, autoescaped, their links built from the routes' names. Every request
must name one of the desk's hosts (400 otherwise: no DNS rebinding), carry the
team's credentials on a team's setup (desk.auth), else the session the first
address's secret opened; a form must carry its session's token and come from
the desk's own origin (desk.security).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from consult.errors import ConsultError
from desk.auth import BasicAuth
from desk.resources import Desk, lifespan
from desk.responses import DeskError, error_page
from desk.routes import ROUTES
from desk.security import SessionGuard

__all__ = ["Desk", "create_app"]


def create_app(desk: Desk) -> Starlette:
    """Return the desk's ASGI application."""
    team = [Middleware(BasicAuth, auth_string=desk.auth_string)] if desk.auth_string else []
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=desk.allowed_hosts, www_redirect=False),
        *team,
        Middleware(SessionGuard, secret=desk.secret, token_login=not desk.auth_string),
    ]
    return Starlette(
        routes=ROUTES,
        middleware=middleware,
        exception_handlers={
            DeskError: error_page,
            ConsultError: error_page,
            HTTPException: error_page,
        },
        lifespan=lifespan(desk),
    )

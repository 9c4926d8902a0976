"""The desk's web application (Starlette): server-rendered pages, no JavaScript needed.

    app = create_app(Desk(settings=Settings(workspace=Path("workspace"))))

Its addresses are desk.routes', each served by an endpoint of desk/endpoints;
what they share (the store, the templates, the feed cache) the lifespan builds
(desk.resources). Every request reads the workspace files afresh (about 15 ms
on the demo), so an edit shows at once. Templates are Jinja in consult's
sandbox, autoescaped, their links built from the routes' names. Forms must
come from the desk's own pages (desk.endpoints.shared); on a team's setup
every request needs the team's credentials (desk.auth).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from consult.errors import ConsultError
from desk.auth import BasicAuth
from desk.resources import Desk, lifespan
from desk.responses import DeskError, error_page
from desk.routes import ROUTES

__all__ = ["Desk", "create_app"]


def create_app(desk: Desk) -> Starlette:
    """Return the desk's ASGI application."""
    middleware = [Middleware(BasicAuth, auth_string=desk.auth_string)] if desk.auth_string else []
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

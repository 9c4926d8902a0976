"""The desk's answers: a page rendered from its template, and the page of an error.

Templates build every link with `url_for(name, **params)`, the path of a route
of desk.routes (`/trainings/<slug>`, relative to the desk's host), so no
template writes an address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from consult.errors import ConsultError
from consult.templating import render
from desk.resources import resources
from desk.routes import path_params
from desk.security import CSRF_FIELD, CSRF_KEY


class DeskError(Exception):
    """A page that cannot be shown: its status and one sentence for the coordinator."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def url_for(request: Request) -> Callable[..., str]:
    """Return the `url_for(name, **params)` of the templates: a route's path on this app."""

    def path(name: str, /, **params: Any) -> str:
        return str(request.app.url_path_for(name, **path_params(**params)))

    return path


def page(request: Request, name: str, status: int = 200, **variables: Any) -> HTMLResponse:
    """Return template `name` rendered with `variables`, where it is, Prefect's UI and `url_for`."""
    shared = resources(request)
    html = render(
        shared.templates,
        name,
        {
            "prefect_ui": shared.desk.prefect_ui,
            "path": request.url.path,
            "url_for": url_for(request),
            "csrf_field": CSRF_FIELD,
            "csrf_token": request.scope.get(CSRF_KEY, ""),
            **variables,
        },
        ConsultError,
    )
    return HTMLResponse(html, status_code=status)


async def error_page(request: Request, exc: Exception) -> Response:
    """Return the page of an error: its status and its sentence, no traceback."""
    if isinstance(exc, DeskError):
        status, message = exc.status, exc.message
    elif isinstance(exc, HTTPException):
        status, message = exc.status_code, str(exc.detail)
    else:
        status, message = 500, str(exc)
    return page(request, "error.html.j2", status=status, message=message)

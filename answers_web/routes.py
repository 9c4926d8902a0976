"""Every address of the public pages, each with its name: templates build links from the names.

    url_path("personal_page", token="...")   # '/i/...'

A new page (a poll's vote page, say) is one more Route here, its endpoint a
function of answers_web.endpoints (or a module beside it); the guard (answers_web.security)
applies to it as to every other: hosts, rate limits, CSRF on every form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.routing import Mount, Route, Router
from starlette.staticfiles import StaticFiles

from answers_web import endpoints, polls, records
from answers_web.resources import path_params

STATIC = Path(__file__).resolve().parent / "static"
GET, POST = ["GET"], ["POST"]

ROUTES: list[Route | Mount] = [
    Route("/i/{token}", endpoints.personal_page, methods=GET, name="personal_page"),
    Route("/i/{token}/answer", endpoints.answer, methods=POST, name="page_answer"),
    Route("/i/{token}/written", endpoints.written, methods=POST, name="page_written"),
    Route("/i/{token}/vote", polls.vote, methods=POST, name="page_vote"),
    Route("/i/{token}/record", records.record, methods=["GET", "POST"], name="page_record"),
    Route("/i/{token}/done/{what}", endpoints.done, methods=GET, name="page_done"),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]
"""The public pages' addresses: nothing else answers (404), and no desk route is among them."""

router = Router(routes=ROUTES)


def url_path(name: str, /, **params: Any) -> str:
    """Return the path of the route `name` with these parameters."""
    return str(router.url_path_for(name, **path_params(**params)))

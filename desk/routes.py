"""Every address of the desk, in one place, each with its name: the links are built from the names.

    url_path("pack_file", slug="winter-2027", version=1, name="sources.csv")
    # '/trainings/winter-2027/packs/1/sources.csv'

Templates call `url_for(name, ...)` (desk.responses) and the flows' artifacts
`flows.desk_links`, both through these routes, so renaming an address breaks
no link. The endpoints are module-level functions of desk/endpoints/, one
module per area, named here as `module:function`; each module is imported on
its route's first request, so a flow that builds a link imports this module
and Starlette's routing, not the pages, the forms or what they import.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.routing import Mount, Route, Router, request_response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

STATIC = Path(__file__).resolve().parent / "static"


class Endpoint:
    """An endpoint function of desk/endpoints named `module:function`, imported when first asked."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._app: ASGIApp | None = None

    def function(self) -> Callable[..., Any]:
        """Return the endpoint function, importing its module."""
        module, _, function = self.name.partition(":")
        found: Callable[..., Any] = getattr(import_module(f"desk.endpoints.{module}"), function)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self._app = request_response(self.function())
        await self._app(scope, receive, send)


GET, POST, FORM = ["GET"], ["POST"], ["GET", "POST"]

ROUTES: list[Route | Mount] = [
    Route("/", Endpoint("trainings:trainings"), methods=GET, name="trainings"),
    Route(
        "/trainings/new",
        Endpoint("training_files:create_training"),
        methods=FORM,
        name="new_training",
    ),
    Route("/trainings/{slug}", Endpoint("trainings:training"), methods=GET, name="training"),
    Route(
        "/trainings/{slug}/rounds/new",
        Endpoint("training_files:create_round"),
        methods=FORM,
        name="new_round",
    ),
    Route(
        "/trainings/{slug}/rounds/{round}/meetings/new",
        Endpoint("training_files:create_meetings"),
        methods=FORM,
        name="new_meeting",
    ),
    Route(
        "/trainings/{slug}/packs/{version:int}/{name}",
        Endpoint("files:pack_file"),
        methods=GET,
        name="pack_file",
    ),
    Route(
        "/trainings/{slug}/exports/{what}.{fmt}",
        Endpoint("files:export_file"),
        methods=GET,
        name="export_file",
    ),
    Route(
        "/trainings/{slug}/meetings/{round}/{meeting}/notes",
        Endpoint("notes:meeting_notes"),
        methods=FORM,
        name="meeting_notes",
    ),
    Route(
        "/trainings/{slug}/meetings/{round}/{meeting}/reschedule",
        Endpoint("actions:reschedule"),
        methods=FORM,
        name="reschedule_meeting",
    ),
    Route(
        "/trainings/{slug}/meetings/{round}/{meeting}/cancel",
        Endpoint("actions:cancel"),
        methods=FORM,
        name="cancel_meeting",
    ),
    Route(
        "/trainings/{slug}/meetings/{round}/{meeting}/poll",
        Endpoint("polls:poll"),
        methods=FORM,
        name="meeting_poll",
    ),
    Route(
        "/trainings/{slug}/meetings/{round}/{meeting}/poll/vote",
        Endpoint("polls:poll_vote"),
        methods=POST,
        name="poll_vote",
    ),
    Route("/trainings/{slug}/start", Endpoint("steps:start_step"), methods=POST, name="start_step"),
    Route(
        "/trainings/{slug}/replies", Endpoint("actions:read_replies"), methods=POST, name="replies"
    ),
    Route(
        "/trainings/{slug}/reminders",
        Endpoint("actions:send_reminders"),
        methods=POST,
        name="reminders",
    ),
    Route(
        "/trainings/{slug}/counters/{counter}",
        Endpoint("actions:decide_counter"),
        methods=POST,
        name="decide_counter",
    ),
    Route(
        "/trainings/{slug}/record-check",
        Endpoint("records:send_record_check"),
        methods=POST,
        name="send_record_check",
    ),
    Route(
        "/trainings/{slug}/corrections/{correction:int}",
        Endpoint("records:decide_correction"),
        methods=POST,
        name="decide_correction",
    ),
    Route(
        "/trainings/{slug}/pack",
        Endpoint("actions:compile_pack"),
        methods=POST,
        name="compile_pack",
    ),
    Route(
        "/trainings/{slug}/packs/{version:int}/send",
        Endpoint("actions:send_pack"),
        methods=POST,
        name="send_pack",
    ),
    Route("/registry", Endpoint("registry:registry"), methods=GET, name="registry"),
    Route(
        "/registry/import",
        Endpoint("registry:registry_import"),
        methods=FORM,
        name="registry_import",
    ),
    Route(
        "/registry/import/{upload}",
        Endpoint("registry:registry_import_preview"),
        methods=FORM,
        name="registry_import_preview",
    ),
    Route(
        "/registry/organisations/new",
        Endpoint("registry:registry_new"),
        methods=FORM,
        name="registry_organisation_new",
    ),
    Route(
        "/registry/organisations/{org}/remove",
        Endpoint("registry:registry_remove"),
        methods=FORM,
        name="registry_organisation_remove",
    ),
    Route(
        "/registry/organisations/{org}/contacts/new",
        Endpoint("registry:registry_new"),
        methods=FORM,
        name="registry_contact_new",
    ),
    Route(
        "/registry/organisations/{org}/contacts/{email}/remove",
        Endpoint("registry:registry_remove"),
        methods=FORM,
        name="registry_contact_remove",
    ),
    Route(
        "/registry/organisations/{org}/contacts/{email}/forget",
        Endpoint("privacy:contact_forget"),
        methods=FORM,
        name="registry_contact_forget",
    ),
    Route(
        "/registry/organisations/{org}/contacts/{email}/consent",
        Endpoint("privacy:contact_consent"),
        methods=FORM,
        name="registry_contact_consent",
    ),
    Route(
        "/registry/organisations/{org}",
        Endpoint("registry:registry_edit"),
        methods=FORM,
        name="registry_organisation",
    ),
    Route(
        "/registry/organisations/{org}/contacts/{email}",
        Endpoint("registry:registry_edit"),
        methods=FORM,
        name="registry_contact",
    ),
    Route("/decisions", Endpoint("decisions:decisions"), methods=GET, name="decisions"),
    Route("/decisions/{run}", Endpoint("decisions:decide"), methods=POST, name="decide"),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]
"""The desk's addresses: what `create_app` serves and every link is built from."""

router = Router(routes=ROUTES)


def path_params(**params: Any) -> dict[str, Any]:
    """Return the parameters of a link, each text percent-encoded as one path segment."""
    return {
        key: quote(value, safe="") if isinstance(value, str) else value
        for key, value in params.items()
    }


def url_path(name: str, /, **params: Any) -> str:
    """Return the path of the route `name` with these parameters: '/trainings/<slug>'."""
    return str(router.url_path_for(name, **path_params(**params)))

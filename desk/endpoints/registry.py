"""The stakeholder registry: its list, and the form of an organisation or of a contact."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from desk import registry as registry_form
from desk.endpoints.shared import Fields, form, in_thread, workspace
from desk.resources import resources
from desk.responses import DeskError, page


def registry(request: Request) -> HTMLResponse:
    """The registry's organisations, each with its contacts."""
    organisations = registry_form.registry_list(workspace(request))
    return page(request, "registry.html.j2", organisations=organisations)


async def registry_edit(request: Request) -> Response:
    """The form of an organisation or a contact (GET), or the posted edit saved or refused."""
    fields = await form(request) if request.method == "POST" else None
    return await in_thread(_edit, request, fields)


def _edit(request: Request, fields: Fields | None) -> Response:
    built = workspace(request)
    org_id: str = request.path_params["org"]
    email: str | None = request.path_params.get("email")
    shown = registry_form.load(built, org_id, email)
    if shown is None:
        named = f"contact {email!r} of {org_id!r}" if email else f"organisation {org_id!r}"
        raise DeskError(404, f"there is no {named} in the registry")
    contacts = next(o.contacts for o in registry_form.registry_list(built) if o.id == org_id)
    if fields is None:
        return page(
            request,
            "registry_edit.html.j2",
            form=shown,
            contacts=contacts,
            saved=request.query_params,
        )
    shared = resources(request)
    checked = registry_form.save(
        shared.settings.workspace, shared.store, registry_form.read(shown, fields)
    )
    if checked.errors:
        status = 409 if checked.stale else 422
        return page(
            request,
            "registry_edit.html.j2",
            status=status,
            form=checked,
            contacts=contacts,
            saved={},
        )
    target = request.url.replace(query=urlencode({"saved": checked.saved}))
    return RedirectResponse(str(target), status_code=303)

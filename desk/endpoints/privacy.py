"""A contact's personal data: forgetting them everywhere, and recording their consent."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from consult.application.consent import record_consent
from consult.application.privacy import forget, forget_preview
from consult.bootstrap import assemble
from consult.errors import ConsultError
from desk import privacy
from desk import registry as registry_form
from desk.endpoints.shared import Fields, form, registry_workspace, writing_thread
from desk.resources import resources
from desk.responses import DeskError, page


def _contact(request: Request) -> tuple[registry_form.RegistryForm, str]:
    """Return the contact's form and their email as the registry has it; 404 if none."""
    org_id: str = request.path_params["org"]
    email: str = request.path_params["email"]
    shown = registry_form.load(registry_workspace(request)[0], org_id, email)
    if shown is None or shown.email is None:
        raise DeskError(404, f"there is no contact {email!r} of {org_id!r} in the registry")
    return shown, shown.email


async def contact_forget(request: Request) -> Response:
    """What forgetting a contact removes (GET); the contact forgotten everywhere (POST)."""
    fields = await form(request) if request.method == "POST" else None
    return await writing_thread(request, _forget, request, fields)


def _forget(request: Request, fields: Fields | None) -> Response:
    shown, email = _contact(request)
    shared = resources(request)
    now = shared.desk.clock()
    built = assemble(shared.settings, registry_workspace(request)[0], shared.store, lambda: now)
    lines, refused = forget_preview(built, email)
    variables: dict[str, Any] = {
        "form": shown,
        "lines": lines,
        "refused": refused,
        "edited_by": "",
        "delete_observations": False,
        "errors": {},
    }
    if fields is None:
        return page(request, "contact_forget.html.j2", **variables)
    edited_by = (fields.get("edited_by") or [""])[0].strip()
    delete = (fields.get("delete_observations") or [""])[0] == "yes"
    typed = variables | {"edited_by": edited_by, "delete_observations": delete}
    if refused:
        return page(request, "contact_forget.html.j2", status=409, **typed)
    if not edited_by:
        errors = {"edited_by": "your name, for the audit log"}
        return page(request, "contact_forget.html.j2", status=422, **typed | {"errors": errors})
    try:
        done = forget(built, email, delete_observations=delete, by=edited_by)
    except ConsultError as error:
        return page(
            request, "contact_forget.html.j2", status=409, **typed | {"errors": {"": str(error)}}
        )
    said = f"Forgotten everywhere: the audit log names them {done.pseudonym}"
    said += "".join(f". {line}" for line in done.packs)
    target = request.url_for("registry").path
    return RedirectResponse(f"{target}?{urlencode({'done': said})}", status_code=303)


async def contact_consent(request: Request) -> Response:
    """A contact's consent: its history and the form (GET); a consent recorded (POST)."""
    fields = await form(request) if request.method == "POST" else None
    return await writing_thread(request, _consent, request, fields)


def _consent(request: Request, fields: Fields | None) -> Response:
    shown, email = _contact(request)
    shared = resources(request)
    now = shared.desk.clock()
    history = shared.store.consent_history(email)
    variables: dict[str, Any] = {"form": shown, "history": history, "saved": request.query_params}
    if fields is None:
        return page(request, "contact_consent.html.j2", consent=privacy.ConsentForm(), **variables)
    typed = privacy.read_consent(fields, now.date())
    if typed.errors:
        return page(
            request,
            "contact_consent.html.j2",
            status=422,
            consent=typed,
            **variables | {"saved": {}},
        )
    built = assemble(shared.settings, registry_workspace(request)[0], shared.store, lambda: now)
    lines = record_consent(
        built,
        email,
        typed.status,
        how=typed.how,
        at=typed.when(now.date()),
        note=typed.note,
        by=typed.recorded_by,
    )
    target = request.url_for("registry_contact_consent", org=shown.organisation, email=email).path
    return RedirectResponse(f"{target}?{urlencode({'saved': '; '.join(lines)})}", status_code=303)

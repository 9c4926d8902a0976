"""The stakeholder registry: its list, and the form of an organisation or of a contact."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from consult.application import registry as registry_core
from consult.errors import WorkspaceError
from desk import registry as registry_form
from desk import registry_entries as entries
from desk import registry_import as importing
from desk.endpoints.shared import Fields, form, in_thread, registry_workspace, writing_thread
from desk.resources import resources
from desk.responses import DeskError, page


def registry(request: Request) -> HTMLResponse:
    """The registry's organisations, each with its contacts."""
    built, waiting = registry_workspace(request)
    organisations = registry_form.registry_list(built)
    done = request.query_params.get("done", "")
    return page(
        request,
        "registry.html.j2",
        organisations=organisations,
        done=done,
        waiting=sorted({p.file for p in waiting}),
    )


async def registry_edit(request: Request) -> Response:
    """The form of an organisation or a contact (GET), or the posted edit saved or refused."""
    fields = await form(request) if request.method == "POST" else None
    return await writing_thread(request, _edit, request, fields)


def _edit(request: Request, fields: Fields | None) -> Response:
    built = registry_workspace(request)[0]
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
    path = request.url.path
    if checked.email_changed:
        path = request.url_for("registry_contact", org=org_id, email=checked.new_email).path
    target = path + "?" + urlencode({"saved": checked.saved})
    return RedirectResponse(target, status_code=303)


async def registry_import(request: Request) -> Response:
    """The form to upload a spreadsheet (GET), or the upload kept and its preview's address."""
    if request.method != "POST":
        return page(request, "registry_import.html.j2", error="")
    async with request.form(max_files=1, max_fields=10) as data:
        sent = data.get("sheet")
        if not isinstance(sent, UploadFile) or not sent.filename:
            return page(
                request,
                "registry_import.html.j2",
                status=422,
                error="choose a spreadsheet (.xlsx or .csv) to upload",
            )
        name, content = sent.filename, await sent.read()
    return await in_thread(_keep, request, name, content)


def _keep(request: Request, name: str, content: bytes) -> Response:
    try:
        upload = importing.keep(resources(request).settings.workspace, name, content)
    except importing.UploadRefused as refused:
        return page(request, "registry_import.html.j2", status=422, error=str(refused))
    target = request.url_for("registry_import_preview", upload=upload.id)
    return RedirectResponse(str(target.path), status_code=303)


async def registry_import_preview(request: Request) -> Response:
    """An upload's preview or problems (GET); its cells corrected, or its import confirmed."""
    fields = await form(request) if request.method == "POST" else None
    return await writing_thread(request, _preview, request, fields)


def _preview(request: Request, fields: Fields | None) -> Response:
    shared = resources(request)
    root = shared.settings.workspace
    upload = importing.kept(root, request.path_params["upload"])
    if upload is None:
        raise DeskError(
            404,
            "this upload is not kept any more (an upload is kept for an hour, and until its "
            "import is written): upload the spreadsheet again",
        )
    if fields is None:
        return page(request, "registry_import_preview.html.j2", view=importing.plan(root, upload))
    action = (fields.get("action") or [""])[0]
    if action == "correct":
        importing.corrected(upload, fields)
        return RedirectResponse(request.url.path, status_code=303)
    shown = importing.plan(root, upload)
    if action == "columns":
        headers = [header for header, _ in shown.headers]
        _, refused = importing.with_columns(upload, headers, fields)
        if refused:
            view = dataclasses.replace(shown, errors={"": refused})
            return page(request, "registry_import_preview.html.j2", status=422, view=view)
        return RedirectResponse(request.url.path, status_code=303)
    edited_by = (fields.get("edited_by") or [""])[0].strip()
    errors, status = {} if edited_by else {"edited_by": "your name, for the audit log"}, 422
    if shown.preview is None:
        errors[""] = "correct the problems below first: nothing was imported"
    elif (fields.get("fingerprint") or [""])[0] != shown.fingerprint:
        errors[""] = (
            "the import is no longer the one previewed (the registry or its columns changed "
            "since): check the preview below and confirm again; nothing was imported"
        )
        status = 409
    if errors or shown.preview is None:
        view = dataclasses.replace(shown, errors=errors, edited_by=edited_by)
        return page(request, "registry_import_preview.html.j2", status=status, view=view)
    if shown.columns.source != "saved":
        registry_core.save_columns(shown.columns)
    try:
        registry_core.apply_import(root, shared.store, shown.preview, edited_by)
    except WorkspaceError as error:
        view = dataclasses.replace(
            shown, errors={"": f"{error}; nothing was imported"}, edited_by=edited_by
        )
        return page(request, "registry_import_preview.html.j2", status=409, view=view)
    importing.forget(upload)
    said = "nothing to change" if shown.preview.empty else shown.preview.summary()
    target = request.url_for("registry").path + "?" + urlencode({"done": f"Imported: {said}"})
    return RedirectResponse(target, status_code=303)


async def registry_new(request: Request) -> Response:
    """The form of a new organisation, or of a new contact of one (GET); the entry added."""
    fields = await form(request) if request.method == "POST" else None
    return await writing_thread(request, _new, request, fields)


def _new(request: Request, fields: Fields | None) -> Response:
    org_id: str | None = request.path_params.get("org")
    name = ""
    if org_id is not None:
        found = [
            o for o in registry_form.registry_list(registry_workspace(request)[0]) if o.id == org_id
        ]
        if not found:
            raise DeskError(404, f"there is no organisation {org_id!r} in the registry")
        name = found[0].name
    shown = entries.NewEntryForm(org_id, name)
    if fields is None:
        return page(request, "registry_new.html.j2", form=shown)
    shared = resources(request)
    checked, added = entries.save(
        shared.settings.workspace, shared.store, entries.read(shown, fields)
    )
    if checked.errors:
        return page(request, "registry_new.html.j2", status=422, form=checked)
    if org_id is None:
        target = request.url_for("registry_organisation", org=added).path
    else:
        target = request.url_for("registry_contact", org=org_id, email=added).path
    return RedirectResponse(target + "?" + urlencode({"saved": "added"}), status_code=303)


async def registry_remove(request: Request) -> Response:
    """What removing an organisation or a contact would remove, or where it is used (GET); done."""
    fields = await form(request) if request.method == "POST" else None
    return await writing_thread(request, _remove, request, fields)


def _remove(request: Request, fields: Fields | None) -> Response:
    org_id: str = request.path_params["org"]
    email: str | None = request.path_params.get("email")
    shown = registry_form.load(registry_workspace(request)[0], org_id, email)
    if shown is None:
        named = f"contact {email!r} of {org_id!r}" if email else f"organisation {org_id!r}"
        raise DeskError(404, f"there is no {named} in the registry")
    shared = resources(request)
    root = shared.settings.workspace
    used = registry_core.uses(root, shared.store, org_id, shown.email)
    variables: dict[str, Any] = {"form": shown, "used": used, "edited_by": "", "errors": {}}
    if fields is None:
        return page(request, "registry_remove.html.j2", **variables)
    edited_by = (fields.get("edited_by") or [""])[0].strip()
    if not edited_by:
        errors = {"edited_by": "your name, for the audit log"}
        return page(
            request, "registry_remove.html.j2", status=422, **variables | {"errors": errors}
        )
    try:
        registry_core.remove_entry(root, shared.store, org_id, shown.email, by=edited_by)
    except WorkspaceError as error:
        said = {"": "; ".join(registry_form._message(p) for p in error.problems)}
        return page(
            request,
            "registry_remove.html.j2",
            status=409,
            **variables | {"errors": said, "edited_by": edited_by},
        )
    done = f"Removed: {shown.title}"
    return RedirectResponse(
        request.url_for("registry").path + "?" + urlencode({"done": done}), status_code=303
    )

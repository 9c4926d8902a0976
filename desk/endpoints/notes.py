"""A meeting's notes: the form (desk.notes), and the notes it stores once it is all valid."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from consult.bootstrap import assemble
from desk import notes as notes_form
from desk.endpoints.shared import Fields, form, in_thread, known, workspace
from desk.resources import resources
from desk.responses import DeskError, page


async def meeting_notes(request: Request) -> Response:
    """The notes form of a meeting (GET), or the posted form saved or shown with its errors."""
    fields = await form(request) if request.method == "POST" else None
    return await in_thread(_notes, request, fields)


def _notes(request: Request, fields: Fields | None) -> Response:
    shared = resources(request)
    built = workspace(request)
    slug = known(built, request.path_params["slug"])
    round_id, planned = request.path_params["round"], request.path_params["meeting"]
    shown = notes_form.load(built, shared.store, slug, round_id, planned, shared.desk.clock())
    if shown is None:
        raise DeskError(404, f"there is no meeting {planned!r} in {slug}/{round_id}")
    if fields is None:
        return page(request, "notes.html.j2", form=shown, saved=request.query_params)
    if shown.closed:
        return page(request, "notes.html.j2", status=409, form=shown, saved={})
    now = shared.desk.clock()
    filled = notes_form.read(shown, fields)
    if not filled.error_count:
        filled = notes_form.checked(built, shared.store, filled, now)
    if filled.error_count:
        return page(request, "notes.html.j2", status=422, form=filled, saved={})
    services = assemble(shared.settings, built, shared.store, lambda: now)
    report = notes_form.save(services, filled, actor=filled.recorded_by)
    target = request.url_for("meeting_notes", slug=slug, round=round_id, meeting=planned)
    return RedirectResponse(f"{target}?saved={report.summary()}", status_code=303)

"""What the endpoints share: the workspace (kept while unchanged), a training, a form, Prefect,
and an action: the training and meeting its path names, run for the coordinator named, its
result shown on the training page.

Forms are posted urlencoded; desk.security let one through only with its
session's token, from the desk's own origin, up to FORM_LIMIT bytes, UTF-8.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from consult.application.services import Services
from consult.bootstrap import services
from consult.errors import ConsultError, Problem, WorkspaceError
from consult.mail.transports.smtp import SmtpTransport
from consult.workspace.loading import STAKEHOLDERS, Workspace, load_registry
from desk.prefect_api import PrefectApi, PrefectUnavailable, WaitingRun
from desk.resources import resources
from desk.responses import DeskError
from desk.results import ActionResult, failed
from desk.security import CSRF_FIELD, FORM_LIMIT

Fields = dict[str, list[str]]
"""A posted form: each field's values, in order."""
NAME_MISSING = "give your name, for the audit log: nothing was done"
"""The sentence beside an action's empty `by` field: the audit log names who acted."""


def workspace(request: Request) -> Workspace:
    """Return the workspace, read again whenever one of its files changed: an edited file
    shows at once (desk.workspaces)."""
    return resources(request).workspaces.workspace()


def registry_workspace(request: Request) -> tuple[Workspace, tuple[Problem, ...]]:
    """Return the workspace for the registry's pages, and the trainings' problems if any.

    When only training files have problems, the registry alone (no training): the
    registry may be what a training needs corrected, so it stays open.
    """
    try:
        return workspace(request), ()
    except WorkspaceError as error:
        waiting = tuple(p for p in error.problems if p.file != STAKEHOLDERS)
        if len(waiting) == len(error.problems):
            return load_registry(resources(request).settings.workspace), waiting
        raise


def known(built: Workspace, slug: str) -> str:
    """Return `slug` if the workspace has that training; else the 404 that names it."""
    if slug not in built.trainings:
        raise DeskError(404, f"there is no training {slug!r} in the workspace")
    return slug


def training_of(request: Request) -> tuple[Workspace, str]:
    """Return the workspace and the training the path names (`slug`); else that 404."""
    built = workspace(request)
    return built, known(built, request.path_params["slug"])


def round_and_meeting(request: Request, built: Workspace, slug: str) -> tuple[str, str]:
    """Return the round and the planned meeting the path names; a 404 if the training has no
    such round."""
    round_id, planned = request.path_params["round"], request.path_params["meeting"]
    if round_id not in {r.id for r in built.trainings[slug].consultation.rounds}:
        raise DeskError(404, f"training {slug!r} has no round {round_id!r}")
    return round_id, planned


def one_value(fields: Fields, name: str) -> str:
    """Return a form field's first value, stripped ("" when the form has none)."""
    return (fields.get(name) or [""])[0].strip()


def decision_of(fields: Fields) -> bool:
    """Return whether a decision form says accept (True) or decline; 400 for anything else."""
    decision = one_value(fields, "decision")
    if decision not in ("accept", "decline"):
        raise DeskError(400, f"got decision {decision!r}, expected accept or decline")
    return decision == "accept"


def run_for(request: Request, by: str, action: Callable[[Services], ActionResult]) -> ActionResult:
    """Return what `action` did with the services acting for `by`, on the desk's clock; the
    SMTP server is asked first: if it is down, nothing is done (its ConsultError raised)."""
    shared = resources(request)
    with services(shared.settings, actor=by) as opened:
        if isinstance(opened.transport, SmtpTransport):
            opened.transport.check()
        return action(dataclasses.replace(opened, clock=shared.desk.clock))


def act(
    request: Request, slug: str, title: str, by: str, action: Callable[[Services], ActionResult]
) -> Response:
    """Run `action` with the services acting for `by`, keep its result, redirect to the page."""
    return shown_on_training(request, slug, run_action(request, title, by, action))


def run_action(
    request: Request, title: str, by: str, action: Callable[[Services], ActionResult]
) -> ActionResult:
    """Return what `action` did; a ConsultError is its one sentence, nothing else done."""
    if not by:
        return failed(title, NAME_MISSING[0].upper() + NAME_MISSING[1:] + ".")
    try:
        return run_for(request, by, action)
    except ConsultError as error:
        return failed(title, str(error))


def shown_on_training(request: Request, slug: str, result: ActionResult) -> RedirectResponse:
    """Keep an action's result and return the redirect (303) to the training page showing it."""
    key = resources(request).results.keep(slug, result)
    target = request.url_for("training", slug=slug)
    return RedirectResponse(f"{target}?done={key}#done", 303)


def prefect(request: Request) -> PrefectApi:
    """Return the client of Prefect's API; without one, the 503 that says how to set it."""
    found = resources(request).prefect
    if found is None:
        raise DeskError(503, "the desk has no Prefect API to ask (set PREFECT_API_URL)")
    return found


def waiting_runs(request: Request) -> tuple[WaitingRun, ...]:
    """Return the runs that wait for a decision; none when there is no Prefect to ask."""
    found = resources(request).prefect
    if found is None:
        return ()
    try:
        return tuple(found.waiting())
    except PrefectUnavailable:
        return ()


async def in_thread(function: Callable[..., Response], *args: Any) -> Response:
    """Return what `function` answers, run in a worker thread (it reads files and the store)."""
    return await run_in_threadpool(function, *args)


async def writing_thread(
    request: Request, function: Callable[..., Response], *args: Any
) -> Response:
    """Return what `function` answers, run in a worker thread; it may write the workspace's
    files, so the workspace kept is dropped once it is done, whatever it answered."""
    try:
        return await run_in_threadpool(function, *args)
    finally:
        if request.method == "POST":
            resources(request).workspaces.forget()


async def form(request: Request) -> Fields:
    """Return the fields of a form desk.security let through, its token left out."""
    body = await request.body()
    if len(body) > FORM_LIMIT:
        raise DeskError(413, f"the form is over {FORM_LIMIT:,} bytes: nothing was saved")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise DeskError(400, "the form is not UTF-8: nothing was saved") from None
    fields = parse_qs(text, keep_blank_values=True)
    fields.pop(CSRF_FIELD, None)
    return fields

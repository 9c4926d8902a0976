"""The desk's web application (Starlette): server-rendered pages, no JavaScript needed.

    app = create_app(Desk(settings=Settings(workspace=Path("workspace"))))

Every request reads the workspace files afresh (about 15 ms on the demo), so an
edit shows at once, and the store through one `Store` kept for the app's life.
Templates are Jinja in consult's sandbox, autoescaped. Forms are posted
urlencoded and must come from the desk's own pages (the Origin header), since
a browser sends the team's credentials with any request to it.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from consult.coordination import export_options, exports
from consult.errors import ConsultError
from consult.planning.feeds import FeedResult
from consult.planning.problem import fetch_round_feeds
from consult.settings import Settings
from consult.store import Store, open_store
from consult.templating import environment, render
from consult.workspace.loading import Workspace, load_workspace
from desk import decisions as decision_facts
from desk import notes as notes_form
from desk import registry as registry_form
from desk.auth import BasicAuth
from desk.pages import pack_files, pack_folder, training_list, training_page
from desk.prefect_api import STEPS, PrefectApi, PrefectUnavailable, WaitingRun, run_input, run_name

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
FEEDS_KEPT = 600
"""Seconds the desk keeps a round's busy-time feeds for the free times it offers."""
FORM_LIMIT = 1_000_000
"""The largest form body the desk reads, in bytes: a meeting's notes are far smaller."""

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class DeskError(Exception):
    """A page that cannot be shown: its status and one sentence for the coordinator."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Desk:
    """What the desk serves: the workspace and store of `settings`, and where Prefect is."""

    settings: Settings
    auth_string: str | None = None
    """The team's `user:password`: every request must carry it (HTTP Basic); None: none asked."""
    prefect_ui: str | None = None
    """The Prefect UI's address, to link each run to; None: no links."""
    prefect: PrefectApi | None = None
    """Prefect's API, for the decisions that wait and the steps to start; None: not set up."""
    clock: Callable[[], dt.datetime] = field(default=_now)


class _Opened:
    """The store, opened on first use and kept until the app stops."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._store: Store | None = None
        self._lock = threading.Lock()

    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = open_store(self._url)
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def create_app(desk: Desk) -> Starlette:
    """Return the desk's ASGI application."""
    env = environment(TEMPLATES)
    opened = _Opened(desk.settings.store_url)

    def page(request: Request, name: str, status: int = 200, **variables: Any) -> HTMLResponse:
        html = render(
            env,
            name,
            {"prefect_ui": desk.prefect_ui, "path": request.url.path, **variables},
            ConsultError,
        )
        return HTMLResponse(html, status_code=status)

    def workspace() -> Workspace:
        return load_workspace(desk.settings.workspace)

    fetched: dict[tuple[str, str], tuple[float, dict[str, FeedResult]]] = {}

    def feeds_of(built: Workspace, slug: str, round_id: str) -> dict[str, FeedResult]:
        """Return a round's busy-time feeds, fetched at most once per FEEDS_KEPT seconds.

        Only a meeting without its quorum asks for them (its free times): a
        training page shown again soon after must not wait for the feeds again.
        """
        key, now = (slug, round_id), time.monotonic()
        if key not in fetched or now - fetched[key][0] > FEEDS_KEPT:
            cache = desk.settings.feed_cache
            fetched[key] = (now, fetch_round_feeds(built, slug, round_id, cache_dir=cache))
        return fetched[key][1]

    def known(built: Workspace, slug: str) -> str:
        if slug not in built.trainings:
            raise DeskError(404, f"there is no training {slug!r} in the workspace")
        return slug

    def trainings(request: Request) -> HTMLResponse:
        built = workspace()
        runs = waiting_runs()
        decisions = {slug: sum(run.training == slug for run in runs) for slug in built.trainings}
        return page(
            request,
            "trainings.html.j2",
            trainings=training_list(built, opened.store()),
            decisions=decisions,
        )

    def training(request: Request) -> HTMLResponse:
        built = workspace()
        slug = known(built, request.path_params["slug"])
        shown = training_page(
            built,
            opened.store(),
            slug,
            desk.clock(),
            desk.settings.out_dir,
            feeds=lambda round_id: feeds_of(built, slug, round_id),
            lead_working_days=desk.settings.lead_working_days,
        )
        started = request.query_params.get("started", "")
        run = request.query_params.get("run", "")
        return page(
            request,
            "training.html.j2",
            page=shown,
            started=started,
            run=run,
            decisions=waiting_for(slug),
        )

    def waiting_for(slug: str) -> tuple[WaitingRun, ...]:
        """Return the runs of the training that wait for a decision; none when Prefect is away."""
        return tuple(run for run in waiting_runs() if run.training == slug)

    def waiting_runs() -> tuple[WaitingRun, ...]:
        """Return the runs that wait for a decision; none when there is no Prefect to ask."""
        if desk.prefect is None:
            return ()
        try:
            return tuple(desk.prefect.waiting())
        except PrefectUnavailable:
            return ()

    def pack_file(request: Request) -> FileResponse:
        built = workspace()
        slug = known(built, request.path_params["slug"])
        version: int = request.path_params["version"]
        name: str = request.path_params["name"]
        if name not in pack_files(desk.settings.out_dir, slug, version):
            raise DeskError(404, f"version {version} of the pack of {slug} has no file {name!r}")
        path = pack_folder(desk.settings.out_dir, slug, version) / name
        return FileResponse(
            path, media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"), filename=name
        )

    def export_file(request: Request) -> Response:
        built = workspace()
        slug = known(built, request.path_params["slug"])
        what, fmt = request.path_params["what"], request.path_params["fmt"]
        if what not in export_options.TABLES or fmt not in export_options.FORMATS:
            raise DeskError(
                404,
                f"there is no export {what}.{fmt}: the desk exports "
                f"{', '.join(export_options.TABLES)}, each as csv or xlsx",
            )
        table = exports.build_table(what, built, opened.store(), slug)
        name = exports.file_name(slug, what, fmt)
        return Response(
            exports.table_bytes(table, fmt),
            media_type=MEDIA_TYPES[f".{fmt}"],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def meeting_notes(request: Request) -> Response:
        fields = await _form(request) if request.method == "POST" else None
        return await _in_thread(notes_page, request, fields)

    def notes_page(request: Request, fields: Mapping[str, list[str]] | None) -> Response:
        built = workspace()
        slug = known(built, request.path_params["slug"])
        round_id, planned = request.path_params["round"], request.path_params["meeting"]
        store = opened.store()
        form = notes_form.load(built, store, slug, round_id, planned, desk.clock())
        if form is None:
            raise DeskError(404, f"there is no meeting {planned!r} in {slug}/{round_id}")
        if fields is None:
            return page(request, "notes.html.j2", form=form, saved=request.query_params)
        if form.closed:
            return page(request, "notes.html.j2", status=409, form=form, saved={})
        filled = notes_form.read(form, fields)
        if filled.error_count:
            return page(request, "notes.html.j2", status=422, form=filled, saved={})
        report = notes_form.save(built, store, filled, actor=filled.recorded_by)
        target = request.url_for("meeting_notes", slug=slug, round=round_id, meeting=planned)
        return RedirectResponse(f"{target}?saved={report.summary()}", status_code=303)

    def registry(request: Request) -> HTMLResponse:
        organisations = registry_form.registry_list(workspace())
        return page(request, "registry.html.j2", organisations=organisations)

    async def registry_edit(request: Request) -> Response:
        fields = await _form(request) if request.method == "POST" else None
        return await _in_thread(registry_edit_page, request, fields)

    def registry_edit_page(request: Request, fields: Mapping[str, list[str]] | None) -> Response:
        built = workspace()
        org_id: str = request.path_params["org"]
        email: str | None = request.path_params.get("email")
        form = registry_form.load(built, org_id, email)
        if form is None:
            named = f"contact {email!r} of {org_id!r}" if email else f"organisation {org_id!r}"
            raise DeskError(404, f"there is no {named} in the registry")
        contacts = next(o.contacts for o in registry_form.registry_list(built) if o.id == org_id)
        if fields is None:
            return page(
                request,
                "registry_edit.html.j2",
                form=form,
                contacts=contacts,
                saved=request.query_params,
            )
        checked = registry_form.save(
            desk.settings.workspace, opened.store(), registry_form.read(form, fields)
        )
        if checked.error_count:
            return page(
                request,
                "registry_edit.html.j2",
                status=422,
                form=checked,
                contacts=contacts,
                saved={},
            )
        target = request.url.replace(query=urlencode({"saved": checked.saved}))
        return RedirectResponse(str(target), status_code=303)

    def prefect() -> PrefectApi:
        if desk.prefect is None:
            raise DeskError(503, "the desk has no Prefect API to ask (set PREFECT_API_URL)")
        return desk.prefect

    def facts(built: Workspace, run: WaitingRun) -> decision_facts.Facts:
        return decision_facts.facts(desk.settings, built, opened.store(), run, desk.clock())

    def decisions_page(
        request: Request,
        answered: str | None = None,
        values: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
        problem: str = "",
        status: int = 200,
    ) -> HTMLResponse:
        built = workspace()
        try:
            runs = prefect().waiting()
        except PrefectUnavailable as unavailable:
            return page(
                request,
                "decisions.html.j2",
                status=503,
                runs=[],
                facts={},
                problem=str(unavailable),
                answered=None,
                values={},
                errors={},
                done="",
            )
        return page(
            request,
            "decisions.html.j2",
            status=status,
            runs=runs,
            facts={run.id: facts(built, run) for run in runs},
            problem=problem,
            answered=answered,
            values=values or {},
            errors=errors or {},
            done=request.query_params.get("resumed", ""),
        )

    def decisions(request: Request) -> HTMLResponse:
        return decisions_page(request)

    async def decide(request: Request) -> Response:
        fields = await _form(request)
        return await _in_thread(decide_in_thread, request, fields)

    def decide_in_thread(request: Request, fields: Mapping[str, list[str]]) -> Response:
        run_id: str = request.path_params["run"]
        posted = {name: values[0] for name, values in fields.items() if values}
        try:
            runs = {run.id: run for run in prefect().waiting()}
        except PrefectUnavailable as unavailable:
            raise DeskError(503, str(unavailable)) from None
        if run_id not in runs:
            return decisions_page(
                request, problem=f"flow run {run_id} waits for nothing (any more)", status=409
            )
        run = runs[run_id]
        values, errors = run_input(run.fields, posted)
        if errors:
            return decisions_page(request, run_id, posted, errors, status=422)
        refused = prefect().resume(run_id, values)
        if refused:
            return decisions_page(request, run_id, posted, {}, problem=refused, status=409)
        return RedirectResponse(f"{request.url_for('decisions')}?resumed={run.name}", 303)

    async def start_step(request: Request) -> Response:
        fields = await _form(request)
        return await _in_thread(start_in_thread, request, fields)

    def start_in_thread(request: Request, fields: Mapping[str, list[str]]) -> Response:
        built = workspace()
        slug = known(built, request.path_params["slug"])
        step = (fields.get("step") or [""])[0]
        kind, _, round_id = step.partition("/")
        rounds = {r.id for r in built.trainings[slug].consultation.rounds}
        if kind not in STEPS or (kind != "brief" and round_id not in rounds):
            raise DeskError(
                400, f"got step {step!r}, expected plan/<round>, invite/<round> or brief"
            )
        parameters: dict[str, Any] = {"training": slug}
        if kind != "brief":
            parameters["round"] = round_id
        name = run_name(kind, slug, round_id or None)
        try:
            run = prefect().start(STEPS[kind][0], {"parameters": parameters}, name)
        except PrefectUnavailable as unavailable:
            raise DeskError(503, str(unavailable)) from None
        target = request.url_for("training", slug=slug)
        return RedirectResponse(f"{target}?started={name}&run={run}#start", 303)

    async def failed(request: Request, exc: Exception) -> Response:
        if isinstance(exc, DeskError):
            status, message = exc.status, exc.message
        elif isinstance(exc, HTTPException):
            status, message = exc.status_code, str(exc.detail)
        else:
            status, message = 500, str(exc)
        return page(request, "error.html.j2", status=status, message=message)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            opened.close()

    middleware = [Middleware(BasicAuth, auth_string=desk.auth_string)] if desk.auth_string else []
    return Starlette(
        routes=[
            Route("/", trainings, name="trainings"),
            Route("/trainings/{slug}", training, name="training"),
            Route("/trainings/{slug}/packs/{version:int}/{name}", pack_file, name="pack_file"),
            Route("/trainings/{slug}/exports/{what}.{fmt}", export_file, name="export_file"),
            Route(
                "/trainings/{slug}/meetings/{round}/{meeting}/notes",
                meeting_notes,
                methods=["GET", "POST"],
                name="meeting_notes",
            ),
            Route("/trainings/{slug}/start", start_step, methods=["POST"], name="start_step"),
            Route("/registry", registry, name="registry"),
            Route(
                "/registry/organisations/{org}",
                registry_edit,
                methods=["GET", "POST"],
                name="registry_organisation",
            ),
            Route(
                "/registry/organisations/{org}/contacts/{email}",
                registry_edit,
                methods=["GET", "POST"],
                name="registry_contact",
            ),
            Route("/decisions", decisions, name="decisions"),
            Route("/decisions/{run}", decide, methods=["POST"], name="decide"),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=middleware,
        exception_handlers={DeskError: failed, ConsultError: failed, HTTPException: failed},
        lifespan=lifespan,
    )


async def _in_thread(function: Callable[..., Response], *args: Any) -> Response:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)


async def _form(request: Request) -> dict[str, list[str]]:
    """Return the fields of a form posted from the desk's own pages (urlencoded, UTF-8)."""
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        here = urlsplit(str(request.url))
        there = urlsplit(origin)
        if (there.scheme, there.netloc) != (here.scheme, here.netloc):
            raise DeskError(403, f"a form from {origin} is not the desk's: nothing was saved")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_LIMIT:
            raise DeskError(413, f"the form is over {FORM_LIMIT:,} bytes: nothing was saved")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise DeskError(400, "the form is not UTF-8: nothing was saved") from None
    return parse_qs(text, keep_blank_values=True)

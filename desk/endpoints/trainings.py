"""The trainings: the list, by date, and a training's page (desk.pages)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from consult.application.consent import missing_consents
from consult.errors import WorkspaceError
from consult.planning.feeds import FeedResult
from consult.planning.problem import fetch_round_feeds
from consult.workspace.loading import TRAININGS, Workspace
from desk.actions import counter_rows, inbox_unread, sent_packs
from desk.audit import AuditQuery
from desk.endpoints.shared import known, waiting_runs, workspace
from desk.feeds import Feeds
from desk.pages import training_list, training_page, workspace_problems
from desk.paging import Paging
from desk.records import record_view
from desk.resources import Resources, resources
from desk.responses import page


def trainings(request: Request) -> HTMLResponse:
    """The trainings, with how many schedules and Prefect decisions wait for each."""
    shared = resources(request)
    try:
        built = workspace(request)
    except WorkspaceError as error:
        return page(
            request,
            "trainings.html.j2",
            trainings=(),
            decisions={},
            problems=workspace_problems(shared.settings.workspace, error.problems),
            unread=0,
        )
    runs = waiting_runs(request)
    decisions = {slug: sum(run.training == slug for run in runs) for slug in built.trainings}
    listed = training_list(
        built,
        shared.store,
        shared.desk.clock(),
        lambda slug: lambda round_id: _feeds(shared, built, slug, round_id),
        lead_working_days=shared.settings.lead_working_days,
    )
    unread = inbox_unread(shared.settings.inbox, shared.store, built.trainings)
    return page(
        request,
        "trainings.html.j2",
        trainings=listed,
        decisions=decisions,
        problems=(),
        unread=unread,
    )


def training(request: Request) -> HTMLResponse:
    """A training's page; after a step was started, the run it started."""
    shared = resources(request)
    built = workspace(request)
    slug = known(built, request.path_params["slug"])
    shown = training_page(
        built,
        shared.store,
        slug,
        shared.desk.clock(),
        shared.settings.out_dir,
        lambda round_id: _feeds(shared, built, slug, round_id),
        lead_working_days=shared.settings.lead_working_days,
        audit=AuditQuery.of(dict(request.query_params)),
        paging=Paging.of(request.query_params),
    )
    counters = counter_rows(
        built,
        shared.store,
        slug,
        shared.desk.clock(),
        lambda round_id: _feeds(shared, built, slug, round_id),
        lead_working_days=shared.settings.lead_working_days,
    )
    return page(
        request,
        "training.html.j2",
        page=shown,
        counters=counters,
        unread=inbox_unread(shared.settings.inbox, shared.store, built.trainings),
        result=shared.results.get(slug, request.query_params.get("done", "")),
        sent_packs=sent_packs(shared.store, slug),
        started=request.query_params.get("started", ""),
        run=request.query_params.get("run", ""),
        decisions=tuple(run for run in waiting_runs(request) if run.training == slug),
        consent_missing=missing_consents(built, slug, shared.store.consents()),
        record=record_view(
            built,
            shared.store,
            slug,
            shared.desk.clock(),
            public_url=shared.settings.public_url,
        ),
        written=_written(
            shared,
            slug,
            request.query_params.get("written", ""),
            {r.id for r in built.trainings[slug].consultation.rounds},
        ),
    )


def _written(shared: Resources, slug: str, what: str, rounds: set[str]) -> str:
    """Return the sentence that says what the desk just wrote into the training's file."""
    file = shared.settings.workspace / TRAININGS / f"{slug}.yaml"
    if what == "training":
        return f"Written: the new training, to {file}."
    if what.startswith("round ") and what.removeprefix("round ") in rounds:
        return f"Written: {what} and its meetings, added to {file}; its comments are kept."
    if what.startswith("meetings ") and what.removeprefix("meetings ") in rounds:
        named = what.removeprefix("meetings ")
        return f"Written: the meetings added to round {named}, in {file}; its comments are kept."
    return ""


def _feeds(shared: Resources, built: Workspace, slug: str, round_id: str) -> Feeds:
    """Return a round's busy-time feeds, fetched at most once per FEEDS_KEPT seconds."""

    def fetch() -> dict[str, FeedResult]:
        return fetch_round_feeds(built, slug, round_id, cache_dir=shared.settings.feed_cache)

    return shared.feeds.get(slug, round_id, fetch)

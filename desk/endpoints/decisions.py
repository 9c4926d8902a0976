"""The decisions Prefect's runs wait for, with their facts (desk.decisions), and the answers.

An answer resumes its run through Prefect's API (desk.prefect_api), so the run
records it as when resumed in the Prefect UI.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from desk import decisions as decision_facts
from desk.endpoints.shared import Fields, form, in_thread, prefect, workspace
from desk.prefect_api import PrefectUnavailable, run_input
from desk.resources import resources
from desk.responses import DeskError, page


def decisions(request: Request) -> HTMLResponse:
    """Every run that waits for a decision, each with its facts and its form."""
    return _decisions(request)


async def decide(request: Request) -> Response:
    """The answer to a waiting run: it resumes the run, or comes back with why not."""
    fields = await form(request)
    return await in_thread(_decide, request, fields)


def _decisions(
    request: Request,
    answered: str | None = None,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    problem: str = "",
    status: int = 200,
) -> HTMLResponse:
    """Return the decisions page, the form of run `answered` with its `values` and `errors`."""
    shared = resources(request)
    built = workspace(request)
    try:
        runs = prefect(request).waiting()
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
    now = shared.desk.clock()
    return page(
        request,
        "decisions.html.j2",
        status=status,
        runs=runs,
        facts={
            run.id: decision_facts.facts(shared.settings, built, shared.store, run, now)
            for run in runs
        },
        problem=problem,
        answered=answered,
        values=values or {},
        errors=errors or {},
        done=request.query_params.get("resumed", ""),
    )


def _decide(request: Request, fields: Fields) -> Response:
    run_id: str = request.path_params["run"]
    posted = {name: values[0] for name, values in fields.items() if values}
    try:
        runs = {run.id: run for run in prefect(request).waiting()}
    except PrefectUnavailable as unavailable:
        raise DeskError(503, str(unavailable)) from None
    if run_id not in runs:
        return _decisions(
            request, problem=f"flow run {run_id} waits for nothing (any more)", status=409
        )
    run = runs[run_id]
    values, errors = run_input(run.fields, posted)
    if errors:
        return _decisions(request, run_id, posted, errors, status=422)
    refused = prefect(request).resume(run_id, values)
    if refused:
        return _decisions(request, run_id, posted, {}, problem=refused, status=409)
    return RedirectResponse(f"{request.url_for('decisions')}?resumed={run.name}", 303)

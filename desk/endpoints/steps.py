"""Start a step of a training: a run of its deployment in Prefect, named for what it does."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from desk.endpoints.shared import Fields, form, in_thread, known, prefect, workspace
from desk.prefect_api import STEPS, PrefectUnavailable, run_name
from desk.responses import DeskError
from flows.choices import workspace_choices


async def start_step(request: Request) -> Response:
    """Start the posted step (plan/<round>, invite/<round> or brief); back to the training."""
    fields = await form(request)
    return await in_thread(_start, request, fields)


def _start(request: Request, fields: Fields) -> Response:
    built = workspace(request)
    slug = known(built, request.path_params["slug"])
    step = (fields.get("step") or [""])[0]
    kind, _, round_id = step.partition("/")
    rounds = {r.id for r in built.trainings[slug].consultation.rounds}
    if kind not in STEPS or (kind != "brief" and round_id not in rounds):
        raise DeskError(400, f"got step {step!r}, expected plan/<round>, invite/<round> or brief")
    parameters: dict[str, Any] = {"training": slug}
    if kind != "brief":
        parameters["round"] = round_id
    name = run_name(kind, slug, round_id or None)
    try:
        run = prefect(request).start(
            STEPS[kind][0], {"parameters": parameters}, name, workspace_choices(built)
        )
    except PrefectUnavailable as unavailable:
        raise DeskError(503, str(unavailable)) from None
    target = request.url_for("training", slug=slug)
    return RedirectResponse(f"{target}?started={name}&run={run}#start", 303)

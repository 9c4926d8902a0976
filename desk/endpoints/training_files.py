"""A new training's file written from the desk, and a round of meetings added to one."""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from consult.errors import StaleEdit
from consult.workspace.training_file import add_round, file_version, new_training, path_of
from consult.workspace.yamlfile import read_yaml
from desk import training_form
from desk.endpoints.shared import Fields, form, in_thread
from desk.resources import resources
from desk.responses import DeskError, page
from desk.routes import url_path
from schemas.types import ID_PATTERN


async def create_training(request: Request) -> Response:
    """The new-training form (GET), or the posted training written or refused."""
    fields = await form(request) if request.method == "POST" else None
    return await in_thread(_create, request, fields)


def _create(request: Request, fields: Fields | None) -> Response:
    shared = resources(request)
    root = shared.settings.workspace
    blank = training_form.blank_training(root, shared.desk.clock().date())
    if fields is None:
        return page(request, "new_training.html.j2", label_of=training_form.label_of, form=blank)
    shown = training_form.posted(blank, fields)
    slug = shown.value("slug").strip()
    built = training_form.read_training(shown)
    problems = new_training(
        root,
        shared.store,
        slug,
        built.data,
        shown.languages,
        by=shown.value("edited_by").strip(),
        check_only=bool(shown.errors),
    )
    if problems or shown.errors:
        errors = {**training_form.errors_of(problems, built), **shown.errors}
        refused = dataclasses.replace(shown, errors=errors)
        return page(
            request,
            "new_training.html.j2",
            status=422,
            label_of=training_form.label_of,
            form=refused,
        )
    return _to_training(slug, "training")


async def create_round(request: Request) -> Response:
    """The new-round form of a training (GET), or the posted round added or refused."""
    fields = await form(request) if request.method == "POST" else None
    return await in_thread(_round, request, fields)


def _round(request: Request, fields: Fields | None) -> Response:
    shared = resources(request)
    root = shared.settings.workspace
    slug: str = request.path_params["slug"]
    path = path_of(root, slug)
    if not ID_PATTERN.match(slug) or not path.is_file():
        raise DeskError(404, f"there is no training {slug!r} in the workspace")
    data, _, _ = read_yaml(path, path.name)
    data = data if isinstance(data, dict) else {}
    rounds = (data.get("consultation") or {}).get("rounds") or []
    round_ids = [r.get("id") for r in rounds if isinstance(r, dict)]
    start = data.get("start") if isinstance(data.get("start"), dt.date) else None
    facilitators = [
        f.get("id")
        for f in (data.get("consultation") or {}).get("facilitators") or []
        if isinstance(f, dict) and isinstance(f.get("id"), str)
    ]
    blank = training_form.blank_round(root, round_ids, start, file_version(path))
    title = (
        (data.get("title") or {}).get("en", slug) if isinstance(data.get("title"), dict) else slug
    )
    shown_page = {"slug": slug, "title": title, "round_ids": round_ids}
    if fields is None:
        return page(
            request,
            "new_round.html.j2",
            label_of=training_form.label_of,
            form=blank,
            training=shown_page,
        )
    shown = training_form.posted(blank, fields)
    built = training_form.read_round(shown.values, facilitators)
    try:
        problems = add_round(
            root,
            shared.store,
            slug,
            built.data,
            by=shown.value("edited_by").strip(),
            base=shown.version or None,
            check_only=bool(shown.errors),
        )
    except StaleEdit as error:
        stale = dataclasses.replace(shown, errors={"": str(error)}, stale=True)
        return page(
            request,
            "new_round.html.j2",
            status=409,
            label_of=training_form.label_of,
            form=stale,
            training=shown_page,
        )
    if problems or shown.errors:
        at = f"consultation.rounds[{len(rounds)}]"
        ours = [
            dataclasses.replace(p, path="consultation.rounds[0]" + p.path.removeprefix(at))
            for p in problems
            if p.path.startswith(at)
        ]
        others = [str(p) for p in problems if not p.path.startswith(at)]
        errors = {**training_form.errors_of(ours, built), **shown.errors}
        if others:
            errors[""] = "the file has problems of its own, outside this form: " + "; ".join(others)
        refused = dataclasses.replace(shown, errors=errors)
        return page(
            request,
            "new_round.html.j2",
            status=422,
            label_of=training_form.label_of,
            form=refused,
            training=shown_page,
        )
    return _to_training(slug, f"round {built.data['id']}")


def _to_training(slug: str, what: str) -> Response:
    target = url_path("training", slug=slug) + "?" + urlencode({"written": what})
    return RedirectResponse(target, status_code=303)

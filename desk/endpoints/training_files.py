"""A new training's file written from the desk, and a round of meetings added to one."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from consult.application import trainings
from consult.errors import MISSING, Problem, StaleEdit
from consult.workspace.training_file import file_version, path_of
from desk import training_form
from desk.endpoints.shared import Fields, form, writing_thread
from desk.resources import resources
from desk.responses import DeskError, page
from desk.routes import url_path
from schemas.types import ID_PATTERN


async def create_training(request: Request) -> Response:
    """The new-training form (GET), or the posted training written or refused."""
    fields = await form(request) if request.method == "POST" else None
    return await writing_thread(request, _create, request, fields)


def _create(request: Request, fields: Fields | None) -> Response:
    shared = resources(request)
    root = shared.settings.workspace
    blank = training_form.blank_training(root, shared.desk.clock().date())
    if fields is None:
        return page(request, "new_training.html.j2", label_of=training_form.label_of, form=blank)
    shown = training_form.with_slug(training_form.posted(blank, fields))
    slug = shown.value("slug")
    built = training_form.read_training(shown)
    problems = trainings.create_training(
        root,
        shared.store,
        trainings.NewFile(slug, built.data, shown.languages),
        trainings.Edit(shown.value("edited_by").strip(), check_only=bool(shown.errors)),
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
    return await writing_thread(request, _round, request, fields)


def _training_file(request: Request) -> tuple[Path, training_form.Outline]:
    """Return the file of the training the address names, and its outline; else the 404."""
    slug: str = request.path_params["slug"]
    path = path_of(resources(request).settings.workspace, slug)
    if not ID_PATTERN.match(slug) or not path.is_file():
        raise DeskError(404, f"there is no training {slug!r} in the workspace")
    return path, training_form.outline(path, slug)


def _round(request: Request, fields: Fields | None) -> Response:
    shared = resources(request)
    root = shared.settings.workspace
    path, training = _training_file(request)
    blank = training_form.blank_round(
        root, list(training.rounds), training.start, file_version(path)
    )
    shown = blank if fields is None else training_form.posted(blank, fields)
    shows: dict[str, Any] = {
        "label_of": training_form.label_of,
        "training": training,
        "adding": None,
    }
    if fields is None:
        return page(request, "new_round.html.j2", form=shown, **shows)
    built = training_form.read_round(shown.values, training.facilitators)
    try:
        problems = trainings.add_round(
            root, shared.store, training.slug, built.data, _edit_of(shown)
        )
    except StaleEdit as error:
        stale = dataclasses.replace(shown, errors={"": str(error)}, stale=True)
        return page(request, "new_round.html.j2", status=409, form=stale, **shows)
    if problems or shown.errors:
        at = f"consultation.rounds[{len(training.rounds)}]"
        refused = _refused(shown, problems, built, at, 0)
        return page(request, "new_round.html.j2", status=422, form=refused, **shows)
    return _to_training(training.slug, f"round {built.data['id']}")


async def create_meetings(request: Request) -> Response:
    """The form of meetings to add to a round (GET), or the posted meetings added or refused."""
    fields = await form(request) if request.method == "POST" else None
    return await writing_thread(request, _meetings, request, fields)


def _meetings(request: Request, fields: Fields | None) -> Response:
    shared = resources(request)
    root = shared.settings.workspace
    path, training = _training_file(request)
    round_id: str = request.path_params["round"]
    if round_id not in training.rounds:
        raise DeskError(404, f"training {training.slug!r} has no round {round_id!r}")
    blank = training_form.blank_round(root, [], training.start, file_version(path))
    shown = blank if fields is None else training_form.posted(blank, fields)
    shows: dict[str, Any] = {
        "label_of": training_form.label_of,
        "training": training,
        "adding": round_id,
    }
    if fields is None:
        return page(request, "new_round.html.j2", form=shown, **shows)
    taken = training.rounds[round_id]
    built = training_form.read_round(shown.values, training.facilitators, taken)
    at = f"consultation.rounds[{list(training.rounds).index(round_id)}]"
    none = [Problem("", None, f"{at}.meetings", MISSING, "a meeting: choose its organisation")]
    try:
        problems = trainings.add_meetings(
            root,
            shared.store,
            training.slug,
            (round_id, built.data["meetings"]),
            _edit_of(shown, check_only=not built.meetings),
        )
    except StaleEdit as error:
        stale = dataclasses.replace(shown, errors={"": str(error)}, stale=True)
        return page(request, "new_round.html.j2", status=409, form=stale, **shows)
    except KeyError:
        raise DeskError(404, f"training {training.slug!r} has no round {round_id!r}") from None
    problems += [] if built.meetings else none
    if problems or shown.errors:
        refused = _refused(shown, problems, built, at, len(taken))
        return page(request, "new_round.html.j2", status=422, form=refused, **shows)
    return _to_training(training.slug, f"meetings {round_id}")


def _shows(training: training_form.Outline, adding: str | None) -> dict[str, Any]:
    """Return what the round form shows beside the form: the training, the round added to."""
    return {"label_of": training_form.label_of, "training": training, "adding": adding}


def _edit_of(shown: training_form.TrainingForm, check_only: bool = False) -> trainings.Edit:
    """Return who edits, on which version of the file, and whether only to check."""
    return trainings.Edit(
        shown.value("edited_by").strip(),
        shown.version or None,
        check_only or bool(shown.errors),
    )


def _refused(
    shown: training_form.TrainingForm,
    problems: list[Problem],
    built: training_form.Built,
    at: str,
    before: int,
) -> training_form.TrainingForm:
    """Return the form with each problem beside its field: those of the round at `at` whose
    meetings from number `before` on are the form's rows; the file's other problems above it."""
    ours: list[Problem] = []
    others: list[str] = []
    for problem in problems:
        if not problem.path.startswith(at) and problem.file:
            others.append(str(problem))
            continue
        rest = problem.path.removeprefix(at)
        found = re.match(r"^\.meetings\[(\d+)\](.*)$", rest)
        if found:
            index = int(found.group(1)) - before
            if index < 0:
                others.append(str(problem))
                continue
            rest = f".meetings[{index}]{found.group(2)}"
        ours.append(dataclasses.replace(problem, path="consultation.rounds[0]" + rest))
    errors = {**training_form.errors_of(ours, built), **shown.errors}
    if others:
        errors[""] = "the file has problems outside this form: " + "; ".join(others)
    return dataclasses.replace(shown, errors=errors)


def _to_training(slug: str, what: str) -> Response:
    target = url_path("training", slug=slug) + "?" + urlencode({"written": what})
    return RedirectResponse(target, status_code=303)

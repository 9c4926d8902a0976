"""The actions after the first send: replies, reschedule, cancel, counters, reminders, pack.

Each runs in-process, in a worker thread, through the same use cases as the CLI
and the flows (desk.actions), with the store acting for the coordinator named
in the form. A POST acts, keeps its result (desk.results) and redirects (303)
to the training page, which shows it under `?done=<id>`: a reload shows it
again and does nothing twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from consult.application import changes
from consult.application.references import round_ref
from consult.bootstrap import services
from consult.errors import ConsultError, RuleBroken
from consult.workspace.loading import Workspace
from desk import actions
from desk.endpoints.shared import (
    NAME_MISSING,
    Fields,
    act,
    decision_of,
    form,
    in_thread,
    one_value,
    round_and_meeting,
    run_for,
    shown_on_training,
    training_of,
)
from desk.resources import resources
from desk.responses import DeskError, page


async def read_replies(request: Request) -> Response:
    """Record the answers of inbox/ (and IMAP), as `consult replies`."""
    fields = await form(request)
    return await in_thread(_replies, request, fields)


def _replies(request: Request, fields: Fields) -> Response:
    _, slug = training_of(request)
    by = one_value(fields, "by") or "desk"
    return act(request, slug, "Replies read", by, lambda built: actions.read_replies(built, slug))


async def send_reminders(request: Request) -> Response:
    """Send the reminders due now, as `consult remind`."""
    fields = await form(request)
    return await in_thread(_reminders, request, fields)


def _reminders(request: Request, fields: Fields) -> Response:
    _, slug = training_of(request)
    by = one_value(fields, "by") or "desk"
    return act(
        request, slug, "Reminders", by, lambda built: actions.send_due_reminders(built, slug)
    )


async def decide_counter(request: Request) -> Response:
    """Accept or decline a waiting counter-proposal, as `consult counter`."""
    fields = await form(request)
    return await in_thread(_decide, request, fields)


def _decide(request: Request, fields: Fields) -> Response:
    _, slug = training_of(request)
    accept = decision_of(fields)
    ident = request.path_params["counter"]
    title = "Counter-proposal accepted" if accept else "Counter-proposal declined"
    return act(
        request,
        slug,
        title,
        one_value(fields, "by"),
        lambda built: actions.decide(built, slug, ident, accept=accept, by=one_value(fields, "by")),
    )


async def compile_pack(request: Request) -> Response:
    """Compile the briefing pack without sending it."""
    fields = await form(request)
    return await in_thread(_compile, request, fields)


def _compile(request: Request, fields: Fields) -> Response:
    _, slug = training_of(request)
    by = one_value(fields, "by") or "desk"
    return act(
        request, slug, "Briefing pack", by, lambda built: actions.compile_pack(built, slug)[0]
    )


async def send_pack(request: Request) -> Response:
    """Send a compiled version of the pack to the experts, each message once."""
    fields = await form(request)
    return await in_thread(_send_pack, request, fields)


def _send_pack(request: Request, fields: Fields) -> Response:
    _, slug = training_of(request)
    version = int(request.path_params["version"])
    return act(
        request,
        slug,
        f"Briefing pack v{version}",
        one_value(fields, "by"),
        lambda built: actions.send_pack_version(built, slug, version),
    )


# --- a meeting: reschedule and cancel, each a form of its own ---------------------------------


def _stored(request: Request, slug: str, round_id: str, planned: str) -> Any:
    found = resources(request).store.get_meeting(f"{slug}/{round_id}/{planned}")
    if found is None:
        raise DeskError(404, f"round {round_id!r} of {slug!r} has no meeting {planned!r}")
    return found


async def reschedule(request: Request) -> Response:
    """The form that moves a meeting (GET), and the move with its updates (POST)."""
    fields = await form(request) if request.method == "POST" else None
    return await in_thread(_reschedule, request, fields)


def _offered(
    request: Request, built: Workspace, slug: str, round_id: str, planned: str
) -> list[str]:
    """Return the local starts ('2027-01-12T10:00') the meeting could move to, within the rules."""
    shared = resources(request)
    with services(shared.settings, workspace=built) as opened:
        opened = dataclasses.replace(opened, clock=shared.desk.clock)
        round_ = round_ref(built, slug, round_id)
        _, times = changes.free_times(opened, round_, planned)
    zone = round_.training.zone
    return [t.astimezone(zone).strftime("%Y-%m-%dT%H:%M") for t in times]


def _reschedule(request: Request, fields: Fields | None) -> Response:
    built, slug = training_of(request)
    round_id, planned = round_and_meeting(request, built, slug)
    meeting = _stored(request, slug, round_id, planned)
    training = built.trainings[slug]
    values = {"choice": "", "date": "", "time": "", "force_reason": "", "by": ""}
    errors: dict[str, str] = {}
    breaches: list[str] = []
    if meeting.status not in ("proposed", "confirmed"):
        errors[""] = f"{planned} is {meeting.status}: it cannot move"
    offered = _offered(request, built, slug, round_id, planned) if not errors else []
    if fields is not None and not errors:
        values = {name: one_value(fields, name) for name in values}
        start = _start_of(values, offered, errors)
        if not values["by"]:
            errors["by"] = NAME_MISSING
        if not errors:
            try:
                result = run_for(
                    request,
                    values["by"],
                    lambda s: actions.reschedule_meeting(
                        s,
                        round_ref(s.workspace, slug, round_id),
                        planned,
                        start,
                        values["by"],
                        force=values["force_reason"],
                    ),
                )
            except RuleBroken as broken:
                breaches = broken.breaches
                errors["force_reason"] = (
                    "this time breaks the planning rules listed above: give the reason to "
                    "force it, or choose another time"
                )
            except ConsultError as error:
                errors[""] = str(error)
            else:
                return shown_on_training(request, slug, result)
    return page(
        request,
        "reschedule.html.j2",
        status=400 if errors else 200,
        slug=slug,
        round=round_id,
        planned=planned,
        now=_local(meeting.start, training.timezone),
        timezone=training.timezone,
        offered=offered,
        values=values,
        errors=errors,
        breaches=breaches,
    )


def _local(moment: dt.datetime, zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(zone)):%a %Y-%m-%d %H:%M}"


def _start_of(values: dict[str, str], offered: list[str], errors: dict[str, str]) -> str:
    """Return the local start the form asks for; else '' with the error beside its field."""
    choice = values["choice"]
    if choice == "own":
        try:
            day = dt.date.fromisoformat(values["date"])
        except ValueError:
            errors["date"] = f"got {values['date']!r}, expected a date such as 2027-01-12"
            return ""
        try:
            hour = dt.time.fromisoformat(values["time"])
        except ValueError:
            errors["time"] = f"got {values['time']!r}, expected a time such as 10:00"
            return ""
        return f"{day.isoformat()}T{hour:%H:%M}"
    if choice in offered:
        return choice
    errors["choice"] = (
        f"got {choice!r}, expected one of the free times or a time of your own"
        if choice
        else "choose one of the free times or a time of your own"
    )
    return ""


async def cancel(request: Request) -> Response:
    """The confirmation of a cancellation, with who will be told (GET); the cancellation (POST)."""
    fields = await form(request) if request.method == "POST" else None
    return await in_thread(_cancel, request, fields)


def _cancel(request: Request, fields: Fields | None) -> Response:
    built, slug = training_of(request)
    round_id, planned = round_and_meeting(request, built, slug)
    meeting = _stored(request, slug, round_id, planned)
    shared = resources(request)
    told = [(a.name, a.email) for a in shared.store.attendees(meeting.id)]
    values = {"reason": "", "by": ""}
    errors: dict[str, str] = {}
    if meeting.status == "cancelled":
        errors[""] = f"{planned} is cancelled already: nothing to do"
    if fields is not None and not errors:
        values = {name: one_value(fields, name) for name in values}
        if not values["reason"]:
            errors["reason"] = "say why the meeting is cancelled, for the audit log"
        if not values["by"]:
            errors["by"] = NAME_MISSING
        if not errors:
            return act(
                request,
                slug,
                "Meeting not cancelled",
                values["by"],
                lambda s: actions.cancel_meeting(
                    s,
                    round_ref(s.workspace, slug, round_id),
                    planned,
                    values["by"],
                    values["reason"],
                ),
            )
    return page(
        request,
        "cancel.html.j2",
        status=400 if errors and fields is not None else 200,
        slug=slug,
        round=round_id,
        planned=planned,
        now=_local(meeting.start, built.trainings[slug].timezone),
        timezone=built.trainings[slug].timezone,
        told=told,
        values=values,
        errors=errors,
    )

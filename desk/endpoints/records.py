"""The check of the record's two actions: send it (POST), and decide a correction (POST).

Each runs as the desk's other actions do (desk.endpoints.actions): in a worker
thread, acting for the coordinator named in the form, its result kept and shown
on the training page after a redirect.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from desk import records
from desk.endpoints.shared import (
    Fields,
    act,
    decision_of,
    form,
    in_thread,
    one_value,
    training_of,
)


async def send_record_check(request: Request) -> Response:
    """Send the check of the record of every meeting ready for it."""
    fields = await form(request)
    return await in_thread(_send, request, fields)


def _send(request: Request, fields: Fields) -> Response:
    _, slug = training_of(request)
    by = one_value(fields, "by")
    return act(
        request,
        slug,
        "Check of the record",
        by,
        lambda built: records.send_checks(built, slug, by),
    )


async def decide_correction(request: Request) -> Response:
    """Accept or decline a correction an organisation proposed to its record."""
    fields = await form(request)
    return await in_thread(_decide, request, fields)


def _decide(request: Request, fields: Fields) -> Response:
    _, slug = training_of(request)
    accept = decision_of(fields)
    ident = int(request.path_params["correction"])
    by = one_value(fields, "by")
    return act(
        request,
        slug,
        records.DECISION,
        by,
        lambda built: records.decide(built, slug, ident, accept=accept, by=by),
    )

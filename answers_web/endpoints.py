"""The public pages' endpoints: a personal page, its two forms, the confirmation after each.

Every endpoint reads its token first: a wrong, altered or expired token, one of
a meeting no longer stored or of someone it does not invite, gets the same 404
as an address that does not exist (`not_found`). Forms post, then redirect to
the confirmation (Post/Redirect/Get); a form with mistakes comes back with each
beside its field and a summary linking to them, nothing recorded.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from answers_web.polls import open_poll
from answers_web.resources import path_params, resources
from answers_web.security import CSRF_FIELD, CSRF_KEY
from answers_web.wording import words
from consult.application import page_answers as answers
from consult.application.record_check import record_on_page
from consult.application.services import Services
from consult.application.written import WrittenEntry, record_written
from consult.bootstrap import assemble
from consult.errors import ConsultError
from consult.mail.render import local_date
from consult.store.observations import written as is_written
from consult.templating import render
from consult.workspace.loading import load_workspace
from schemas import Confidentiality

MAX_COMMENT = 2000
MAX_TEXT = 4000
LOG = logging.getLogger("answers_web")
DONE = (
    "ACCEPTED",
    "DECLINED",
    "proposed",
    "written",
    "voted",
    "record_confirmed",
    "record_corrected",
)
CONFIDENTIALITY: dict[str, Confidentiality] = {
    "public": "public",
    "internal": "internal",
    "restricted": "restricted",
}
SEVERITIES = ("1", "2", "3", "4")
ANSWERED = {"ACCEPTED": "accept", "DECLINED": "decline"}
"""The answer form's choice that the reader's recorded answer ticks."""


INVISIBLE = dict.fromkeys(
    [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF]
)
"""Zero-width and direction marks that messaging apps paste around numbers: dropped."""


def clean(text: str) -> str:
    """Return typed text as it is checked and stored: line breaks as "\n" (a browser sends
    "\r\n", and U+2028/U+2029 come with pasted text), invisible marks dropped, trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    return text.translate(INVISIBLE).strip()


def form_of(fields: Any) -> dict[str, str]:
    """Return a posted form's fields (not its CSRF token), each value cleaned."""
    return {k: clean(str(v)) for k, v in fields.items() if k != CSRF_FIELD}


def _services(request: Request) -> Services:
    shared = resources(request)
    settings = shared.public.settings
    return assemble(settings, load_workspace(settings.workspace), shared.store, shared.public.clock)


def _open(request: Request) -> tuple[Services, answers.PersonalPage]:
    """Return the services and the page of the request's token; 404 if it opens none."""
    try:
        built = _services(request)
    except ConsultError as error:
        # the reader sees "unavailable"; whoever runs the pages reads why here
        LOG.error("the stakeholders' pages cannot open the workspace or store: %s", error)
        raise HTTPException(503, "unavailable") from error
    page = answers.open_page(built, str(request.path_params["token"]))
    if page is None:
        raise HTTPException(404)
    return built, page


def _offered(request: Request, built: Services, page: answers.PersonalPage) -> list[dt.datetime]:
    """Return the times the page offers, from its round's feeds as fetched within ten minutes."""
    if not page.open:
        return []
    try:
        feeds = resources(request).feeds.get(
            page.training.slug, page.meeting.round, lambda: answers.round_feeds(built, page)
        )
        return answers.offered_times(built, page, feeds)
    except ConsultError as error:
        # a busy-time feed that cannot be read (or must not be planned without): the page
        # offers no other time, and still takes an answer and written input
        LOG.warning("%s: no other time offered on the page: %s", page.meeting.id, error)
        return []


def _html(request: Request, name: str, status: int = 200, **variables: Any) -> HTMLResponse:
    shared = resources(request)

    def url_for(route: str, /, **params: Any) -> str:
        return str(request.app.url_path_for(route, **path_params(**params)))

    html = render(
        shared.templates,
        name,
        {
            "url_for": url_for,
            "csrf_field": CSRF_FIELD,
            "csrf_token": request.scope.get(CSRF_KEY, ""),
            **variables,
        },
        ConsultError,
    )
    return HTMLResponse(html, status_code=status)


def _show(
    request: Request,
    built: Services,
    page: answers.PersonalPage,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    """Return the personal page, with a form's mistakes and values when it came back."""
    w = words(page.language)
    poll = open_poll(built, page)
    pending = answers.pending_counter(built, page)
    offered = [] if poll else _offered(request, built, page)
    facts = {
        "when": w["poll_when"] if poll else page.when(),
        "purpose": page.purpose(),
        "format": {"online": w["online"], "in_person": w["in_person"]}.get(
            page.meeting.format, w["group"]
        ),
        "link": page.link(),
        "place": None if page.link() else (page.place() or w["to_be_confirmed"]),
        "answer": (w["voted"] if poll.voted else w["not_voted"])
        if poll
        else w.get(page.attendee.partstat, w["NEEDS-ACTION"]),
        "pending": w["pending"].format(when=page.when(pending.start)) if pending else None,
        "closed": None if page.open else _closed(page),
    }
    return _html(
        request,
        "page.html.j2",
        400 if errors else 200,
        w=w,
        language=page.language,
        token=page.token_text,
        greeting=w["greeting"].format(name=page.attendee.name),
        intro=w["intro"].format(organisation=page.organisation(built), training=page.title()),
        facts=facts,
        times=[(t.isoformat(), page.when(t)) for t in offered],
        themes=page.themes() if page.consulted else [],
        yours=_yours(built, page),
        consent=w["consent"].format(
            sender=built.sender(page.training.slug).organisation_for(page.language),
            training=page.title(),
        ),
        poll=poll,
        record=record_on_page(built, page) is not None,
        vote_intro=w["vote_intro"].format(deadline=poll.deadline) if poll else "",
        errors=errors or {},
        form=form or {"answer": ANSWERED.get(page.attendee.partstat, "")},
    )


def _closed(page: answers.PersonalPage) -> str:
    """Return why the page takes no more answers: the meeting was cancelled, or has begun."""
    w = words(page.language)
    if page.meeting.status == "cancelled":
        return w["closed"]
    when = local_date(page.meeting.start, page.attendee.timezone, page.language)
    return w["closed_past"].format(date=when)


def _yours(built: Services, page: answers.PersonalPage) -> list[tuple[str, str, str]]:
    """Return what the reader sent in writing on this meeting's page: (theme, text, who sees)."""
    labels = dict(page.themes())
    w = words(page.language)
    return [
        (labels.get(o.theme, o.theme), o.text, w[o.confidentiality])
        for o in built.store.observations(meeting_id=page.meeting.id)
        if is_written(o.key) and (o.source or "").lower() == page.token.email
    ]


async def personal_page(request: Request) -> Response:
    """GET /i/<token>: the invitee's page of the meeting, in their language and zone."""

    def shown() -> Response:
        built, page = _open(request)
        return _show(request, built, page)

    return await run_in_threadpool(shown)


def _done(request: Request, page: answers.PersonalPage, what: str) -> Response:
    url = request.app.url_path_for("page_done", **path_params(token=page.token_text, what=what))
    return RedirectResponse(str(url), status_code=303)


async def answer(request: Request) -> Response:
    """POST /i/<token>/answer: accept, decline (with a comment) or propose an offered time."""
    form = form_of(await request.form())

    def answered() -> Response:
        built, page = _open(request)
        w = words(page.language)
        choice, comment = form.get("answer", ""), form.get("comment", "").strip()
        errors: dict[str, str] = {}
        if not page.open:
            errors["answer-accept"] = w["error_closed"]
        elif choice not in ("accept", "decline", "propose"):
            errors["answer-accept"] = w["error_answer"]
        if len(comment) > MAX_COMMENT:
            errors["comment"] = w["error_comment"]
        start = None
        if choice == "propose" and not errors:
            offered = {t.isoformat(): t for t in _offered(request, built, page)}
            start = offered.get(form.get("time", ""))
            if start is None:
                errors["time-0"] = w["error_time"]
        if errors:
            return _show(request, built, page, errors, form)
        if start is not None:
            answers.propose_on_page(built, page, start, comment)
            return _done(request, page, "proposed")
        partstat: answers.PageAnswer = "ACCEPTED" if choice == "accept" else "DECLINED"
        answers.answer_on_page(built, page, partstat, comment)
        return _done(request, page, partstat)

    return await run_in_threadpool(answered)


def _written_entries(
    page: answers.PersonalPage, form: dict[str, str], errors: dict[str, str]
) -> list[WrittenEntry]:
    """Return the themes written on, noting in `errors` each field that does not hold."""
    w = words(page.language)
    entries = []
    for theme, _ in page.themes():
        text = form.get(f"text-{theme}", "").strip()
        severity = form.get(f"severity-{theme}", "")
        if not text:
            if severity:  # a severity with nothing written is a mistake, not nothing
                errors[f"text-{theme}"] = w["error_no_text"]
            continue
        if len(text) > MAX_TEXT:
            errors[f"text-{theme}"] = w["error_text"]
        if severity not in SEVERITIES:
            errors[f"severity-{theme}"] = w["error_severity"]
        else:
            entries.append(WrittenEntry(theme, text, int(severity)))
    return entries


async def written(request: Request) -> Response:
    """POST /i/<token>/written: written input per theme, with its confidentiality and consent."""
    form = form_of(await request.form())

    def recorded() -> Response:
        built, page = _open(request)
        if not page.consulted:
            raise HTTPException(404)  # a facilitator's page has no written input
        w = words(page.language)
        errors: dict[str, str] = {}
        entries = _written_entries(page, form, errors)
        if not entries and not errors:
            first = page.themes()[0][0]
            errors[f"text-{first}"] = w["error_nothing"]
        confidentiality = CONFIDENTIALITY.get(form.get("confidentiality", ""))
        if confidentiality is None:
            errors["confidentiality-public"] = w["error_confidentiality"]
        if form.get("consent") != "yes":
            errors["consent"] = w["error_consent"]
        if errors or confidentiality is None:
            return _show(request, built, page, errors, form)
        consent = w["consent"].format(
            sender=built.sender(page.training.slug).organisation_for(page.language),
            training=page.title(),
        )
        report = record_written(built, page, entries, confidentiality, consent)
        if report.rejected:
            return _show(request, built, page, _rejected(page, report.rejected), form)
        return _done(request, page, "written")

    return await run_in_threadpool(recorded)


def _rejected(page: answers.PersonalPage, rejected: list[str]) -> dict[str, str]:
    """Return the checks' refusals of written input, each beside its theme's text."""
    w = words(page.language)
    themes = [theme for theme, _ in page.themes()]
    errors = {}
    for reason in rejected:
        key, _, why = reason.partition(": ")
        theme = key.rpartition("#")[2]
        name = f"text-{theme}" if theme in themes else f"text-{themes[0]}"
        errors[name] = w["error_rejected"].format(why=why)
    return errors


async def done(request: Request) -> Response:
    """GET /i/<token>/done/<what>: the confirmation after a form, in the reader's language."""
    what = str(request.path_params["what"])

    def shown() -> Response:
        _, page = _open(request)
        if what not in DONE:
            raise HTTPException(404)
        w = words(page.language)
        return _html(
            request,
            "done.html.j2",
            w=w,
            language=page.language,
            token=page.token_text,
            message=w[f"done_{what}"],
        )

    return await run_in_threadpool(shown)


async def error_page(request: Request, exc: Exception) -> Response:
    """Return the page of a refusal: the same 404 for every token that opens nothing."""
    status = exc.status_code if isinstance(exc, HTTPException) else 503
    status = status if status in (404, 405, 503) else 404
    return _html(request, "not_found.html.j2", status, code=status)

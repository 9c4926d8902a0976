"""The check of the record on the personal page: confirm what was recorded, or correct it.

    GET  /i/<token>/record    what was recorded from the meeting, in the reader's words
    POST /i/<token>/record    correction-1=..., correction-3=..., comment=...

Once a meeting's check of the record is sent (consult.application.record_check), each
invitee who checks it reads its observations here (in their language where translated,
quotes as said) and answers until the day it names: no correction confirms the record,
a corrected text of any point proposes a correction, which waits for the coordinator.
A later answer replaces the earlier one. A page with no check for its reader answers 404.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from answers_web.wording import words
from consult.application import page_answers as answers
from consult.application import record_check as records
from consult.application.services import Services
from consult.errors import RecordCheckError
from consult.mail.render import last_day, local_date


def _shown(built: Services, page: answers.PersonalPage) -> records.RecordOnPage:
    shown = records.record_on_page(built, page)
    if shown is None:
        raise HTTPException(404)
    return shown


def _show(
    request: Request,
    built: Services,
    page: answers.PersonalPage,
    shown: records.RecordOnPage,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    from answers_web.endpoints import _html

    w = words(page.language)
    zone = page.attendee.timezone
    deadline = last_day(shown.check.deadline, zone, page.language)
    number = {key: n for n, key in enumerate(shown.keys, start=1)}
    states = {
        number[a.observation]: (a.state, w[f"record_state_{a.state}"])
        for a in shown.mine
        if a.observation in number
    }
    whole = next((a for a in shown.mine if a.observation is None), None)
    answered = (
        ""
        if whole is None
        else w["record_" + {"corrections": "corrected"}.get(whole.verdict, whole.verdict)]
    )
    return _html(
        request,
        "record.html.j2",
        400 if errors else 200,
        w=w,
        language=page.language,
        token=page.token_text,
        greeting=w["greeting"].format(name=page.attendee.name),
        intro=w["record_intro"].format(
            date=local_date(page.meeting.start, zone, page.language),
            organisation=page.organisation(built),
            deadline=deadline,
        ),
        lines=shown.lines,
        states=states,
        answered=answered,
        open=shown.open,
        closed=w["record_closed"].format(deadline=deadline),
        note=w["record_note"].format(deadline=deadline),
        errors=errors or {},
        form=form or {},
    )


async def record(request: Request) -> Response:
    """GET and POST /i/<token>/record: the meeting's record, and the reader's answer to it."""
    from answers_web.endpoints import _done, _open, form_of

    form = form_of(await request.form()) if request.method == "POST" else None

    def handled() -> Response:
        built, page = _open(request)
        shown = _shown(built, page)
        if form is None:
            return _show(request, built, page, shown)
        w = words(page.language)
        errors: dict[str, str] = {}
        corrections = {}
        for n, key in enumerate(shown.keys, start=1):
            text = form.get(f"correction-{n}", "")
            if len(text) > records.MAX_CORRECTION:
                errors[f"correction-{n}"] = w["error_text"]
            elif text:
                corrections[key] = text
        comment = form.get("comment", "")
        if len(comment) > records.MAX_CORRECTION:
            errors["comment"] = w["error_text"]
        if not shown.open:
            errors["comment"] = w["error_record_closed"]
        if not errors:
            try:
                records.answer_record(built, page, comment, corrections)
            except RecordCheckError:
                errors["comment"] = w["error_record_closed"]
        if errors:
            return _show(request, built, page, shown, errors, form)
        return _done(request, page, "record_corrected" if corrections else "record_confirmed")

    return await run_in_threadpool(handled)

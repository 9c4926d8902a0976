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
    late: dict[str, str] | None = None,
) -> Response:
    """Return the record page; its form holds the reader's answer so far (pending corrections
    and comment) or what they just typed; `late`: what they sent after answers closed."""
    from answers_web.endpoints import _html

    w = words(page.language)
    zone = page.attendee.timezone
    deadline = last_day(shown.check.deadline, zone, page.language)
    number = {key: n for n, key in enumerate(shown.keys, start=1)}
    states = {
        number[a.observation]: (a.state, _state(w, a.state, a.text))
        for a in shown.mine
        if a.observation in number and a.state != "pending"
    }
    whole = next((a for a in shown.mine if a.observation is None), None)
    answered = "" if whole is None else w["record_" + _VERDICT.get(whole.verdict, "confirmed")]
    if form is None:  # the reader's answer so far, to change or keep
        form = {
            f"correction-{number[a.observation]}": a.text or ""
            for a in shown.mine
            if a.observation in number and a.state == "pending"
        }
        form["comment"] = (whole.text or "") if whole else ""
    facts = {
        "date": local_date(page.meeting.start, zone, page.language),
        "organisation": page.organisation(built),
        "deadline": deadline,
    }
    intro = w["record_intro" if shown.open else "record_intro_closed"].format(**facts)
    return _html(
        request,
        "record.html.j2",
        400 if errors or late else 200,
        w=w,
        language=page.language,
        token=page.token_text,
        greeting=w["greeting"].format(name=page.attendee.name),
        intro=intro,
        lines=shown.lines,
        states=states,
        answered=answered,
        open=shown.open,
        note=w["record_note"].format(deadline=deadline),
        late=w["record_late"].format(deadline=deadline) if late else "",
        late_texts=[text for text in (late or {}).values() if text],
        errors=errors or {},
        form=form,
    )


_VERDICT = {"confirmed": "confirmed", "corrections": "corrected"}


def _state(w: dict[str, str], state: str, text: str | None) -> str:
    """Return what became of a correction decided, with the text proposed."""
    said = f" {w['quote_open']}{text}{w['quote_close']}" if text else ""
    return w[f"record_state_{state}"] + said


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


async def record(request: Request) -> Response:
    """GET and POST /i/<token>/record: the meeting's record, and the reader's answer to it."""
    from answers_web.endpoints import _done, _open, form_of

    form = form_of(await request.form()) if request.method == "POST" else None

    def handled() -> Response:
        built, page = _open(request)
        shown = _shown(built, page)
        if form is None:
            return _show(request, built, page, shown)
        if not shown.open:  # closed meanwhile: nothing recorded, what they wrote shown back
            return _show(request, built, page, shown, late=form)
        w = words(page.language)
        errors: dict[str, str] = {}
        corrections = {}
        points = zip(shown.keys, shown.lines, shown.recorded, strict=True)
        for n, (key, line, recorded) in enumerate(points, start=1):
            text = form.get(f"correction-{n}", "")
            if len(text) > records.MAX_CORRECTION:
                errors[f"correction-{n}"] = w["record_point"].format(
                    number=n, error=w["error_text"]
                )
            elif text and not _same(text, line.text) and not _same(text, recorded):
                corrections[key] = text  # the text as shown, pasted back, corrects nothing
        comment = form.get("comment", "")
        if len(comment) > records.MAX_CORRECTION:
            errors["comment"] = w["error_text"]
        if not errors:
            try:
                records.answer_record(built, page, comment, corrections)
            except RecordCheckError:  # closed between the reading and the writing
                return _show(request, built, page, _shown(built, page), late=form)
        if errors:
            return _show(request, built, page, shown, errors, form)
        return _done(request, page, "record_corrected" if corrections else "record_confirmed")

    return await run_in_threadpool(handled)

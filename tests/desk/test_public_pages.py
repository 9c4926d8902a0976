"""The stakeholders' personal pages (public/): what they refuse, what they record, and where.

Through Starlette's TestClient on a copy of the finished demo; the browser test
(tests/e2e/test_public_browser.py) opens them from the outbox's emails.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

from answers_web.security import CSRF_FIELD, RateLimits
from answers_web.wording import words
from consult.briefing.gathering import gather
from consult.mail.replies import round_status
from consult.settings import Settings
from consult.store import open_store
from consult.store.meetings import Answer
from consult.store.notes import CONSENT
from consult.workspace.loading import load_workspace
from desk.routes import ROUTES as DESK_ROUTES
from schemas.state import Attendee, Meeting
from tests.desk.conftest import SLUG
from tests.desk.public_fixtures import (
    PUBLIC_URL,
    form_token,
    page_path,
    post,
    public_client,
    silent_invitee,
)

if TYPE_CHECKING:
    from starlette.testclient import TestClient


def store_of(workspace: Path):  # type: ignore[no-untyped-def]
    return open_store(Settings(workspace=workspace).store_url)


def partstat_of(workspace: Path, meeting_id: str, email: str) -> str:
    with store_of(workspace) as store:
        [found] = [a for a in store.attendees(meeting_id) if a.email == email]
        return found.partstat


class Page(NamedTuple):
    """An invitee's personal page: the meeting, the invitee, and the page's path."""

    meeting: Meeting
    invitee: Attendee
    path: str


@pytest.fixture
def page(desk_demo: Path) -> Page:
    """The page of an invitee yet to answer a confirmed meeting to come, without notes."""
    meeting, invitee = silent_invitee(desk_demo)
    return Page(meeting, invitee, page_path(desk_demo, meeting, invitee.email))


def post_written(
    client: TestClient, path: str, text: str, fields: dict[str, str], **options: Any
) -> tuple[str, Any]:
    """Post `text` as written input on the page's first theme (severity 3, internal) with
    `fields`; return the theme and the answer."""
    html = client.get(path).text
    theme = re.findall(r'name="text-([^"]+)"', html)[0]
    written = {f"text-{theme}": text, f"severity-{theme}": "3", "confidentiality": "internal"}
    return theme, post(client, f"{path}/written", html, written | fields, **options)


# Tokens: every refusal is the same 404 as an address that does not exist.


def test_an_altered_expired_or_other_meetings_token_gets_the_same_404_as_no_page(
    desk_demo: Path,
) -> None:
    meeting, invitee = silent_invitee(desk_demo)
    other, _ = next(
        pair for n in range(8) if (pair := silent_invitee(desk_demo, n))[0].id != meeting.id
    )
    good = page_path(desk_demo, meeting, invitee.email)
    token = good.rsplit("/", 1)[1]
    altered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    expired = page_path(desk_demo, meeting, invitee.email, expires=dt.date(2020, 1, 1))
    others = page_path(desk_demo, other, invitee.email)  # a meeting that does not invite them
    with public_client(desk_demo) as client:
        assert client.get(good).status_code == 200
        refused = [
            client.get(path)
            for path in (altered, expired, others, "/i/nothing", "/i/" + token[::-1], "/nowhere")
        ]
        answers = [
            client.post(
                f"{path}/answer",
                data={CSRF_FIELD: form_token(client.get(good).text), "answer": "accept"},
                headers={"Origin": PUBLIC_URL},
            )
            for path in (altered, expired, others)
        ]
    assert {r.status_code for r in refused + answers} == {404}
    assert len({r.text for r in refused + answers}) == 1
    assert partstat_of(desk_demo, meeting.id, invitee.email) == "NEEDS-ACTION"


def test_no_desk_route_answers_under_the_public_pages(desk_demo: Path) -> None:
    values = {"slug": SLUG, "round": "round-1", "meeting": "unhcr-georgia", "version": 1}
    with public_client(desk_demo, limits=RateLimits(1000, 1000)) as client:
        for route in DESK_ROUTES:
            path = re.sub(r"{(\w+)(:\w+)?}", lambda m: str(values.get(m.group(1), "x")), route.path)
            for target in (path or "/", f"{path}/desk.css", f"{path}?token=anything"):
                assert client.get(target).status_code == 404, target
    assert not any(route.path.startswith("/i/") for route in DESK_ROUTES)


def test_a_host_not_allowed_is_refused(desk_demo: Path, page: Page) -> None:
    with public_client(desk_demo) as client:
        answer = client.get(page.path, headers={"Host": "evil.example"})
    assert answer.status_code == 400


# Forms: only from the page itself, with its session's token.


@pytest.mark.parametrize(
    ("origin", "token"),
    [(None, True), ("null", True), ("http://evil.example", True), (PUBLIC_URL, False)],
)
def test_a_form_not_from_the_page_records_nothing(
    desk_demo: Path, page: Page, origin: str | None, token: bool
) -> None:
    meeting, invitee, path = page
    with public_client(desk_demo) as client:
        html = client.get(path).text
        data = {"answer": "accept", **({CSRF_FIELD: form_token(html)} if token else {})}
        headers = {"Origin": origin} if origin else {}
        answer = client.post(f"{path}/answer", data=data, headers=headers)
    assert answer.status_code == 403
    assert partstat_of(desk_demo, meeting.id, invitee.email) == "NEEDS-ACTION"


def test_another_sessions_token_is_no_key(desk_demo: Path, page: Page) -> None:
    meeting, invitee, path = page
    with public_client(desk_demo) as mallory, public_client(desk_demo) as victim:
        stolen = form_token(mallory.get(path).text)
        victim.get(path)
        answer = victim.post(
            f"{path}/answer",
            data={CSRF_FIELD: stolen, "answer": "decline"},
            headers={"Origin": PUBLIC_URL},
        )
    assert answer.status_code == 403
    assert partstat_of(desk_demo, meeting.id, invitee.email) == "NEEDS-ACTION"


def test_requests_over_the_rate_limit_of_a_token_or_an_address_get_429(
    desk_demo: Path, page: Page
) -> None:
    with public_client(desk_demo, limits=RateLimits(per_address=50, per_token=3)) as client:
        codes = [client.get(page.path).status_code for _ in range(4)]
        guesses = [client.get(f"/i/guess-{n}").status_code for n in range(50)]
    assert codes == [200, 200, 200, 429]
    assert guesses[-1] == 429
    assert set(guesses[:45]) == {404}


# Answers: the same store calls as calendar replies, with the same effects.


def test_an_answer_on_the_page_and_a_calendar_reply_count_once_the_latest_winning(
    desk_demo: Path, page: Page
) -> None:
    meeting, invitee, path = page
    with public_client(desk_demo) as client:
        html = client.get(path).text
        done = post(client, f"{path}/answer", html, {"answer": "accept"}, follow_redirects=False)
        assert done.status_code == 303
        assert done.headers["location"].endswith("/done/ACCEPTED")
        assert partstat_of(desk_demo, meeting.id, invitee.email) == "ACCEPTED"
        with store_of(desk_demo) as store:  # then the calendar says no, as an iTIP REPLY does
            reply = Answer(invitee.email, "DECLINED", meeting.sequence, "inbox/reply.eml")
            store.record_answers([(meeting.uid, reply)])
        assert partstat_of(desk_demo, meeting.id, invitee.email) == "DECLINED"
        post(client, f"{path}/answer", client.get(path).text, {"answer": "accept"})
        confirmation = client.get(done.headers["location"])

    assert partstat_of(desk_demo, meeting.id, invitee.email) == "ACCEPTED"
    workspace = load_workspace(desk_demo)
    with store_of(desk_demo) as store:
        sources = [r.source for r in store.replies(meeting.id) if r.attendee == invitee.email]
        rows = round_status(workspace, store, SLUG, meeting.round)
    [row] = [r for r in rows if r.meeting_id == meeting.id]
    counted = [a.email for a in (*row.accepted, *row.declined, *row.no_answer)]
    assert counted.count(invitee.email) == 1
    assert invitee.email in [a.email for a in row.accepted]
    assert [s.split(" ")[0] for s in sources] == ["personal", "inbox/reply.eml", "personal"]
    assert confirmation.status_code == 200
    assert 'lang="ka"' in confirmation.text  # the invitee's language


def test_a_decline_keeps_its_comment(desk_demo: Path, page: Page) -> None:
    with public_client(desk_demo) as client:
        post(
            client,
            f"{page.path}/answer",
            client.get(page.path).text,
            {"answer": "decline", "comment": "On mission"},
        )
    with store_of(desk_demo) as store:
        [reply] = store.replies(page.meeting.id)[-1:]
    assert (reply.partstat, reply.comment) == ("DECLINED", "On mission")


def test_a_proposed_time_must_be_one_offered_and_waits_for_the_coordinator(
    desk_demo: Path, page: Page
) -> None:
    meeting, invitee, path = page
    with public_client(desk_demo) as client:
        html = client.get(path).text
        offered = re.findall(r'name="time" id="time-\d+" value="([^"]+)"', html)
        wrong = post(
            client,
            f"{path}/answer",
            html,
            {"answer": "propose", "time": "2026-12-25T03:00:00+00:00"},
        )
        right = post(
            client,
            f"{path}/answer",
            html,
            {"answer": "propose", "time": offered[0]},
            follow_redirects=False,
        )
        after = client.get(path).text
    assert wrong.status_code == 400
    assert 'id="time-0-error"' in wrong.text
    assert 'href="#time-0"' in wrong.text
    assert right.headers["location"].endswith("/done/proposed")
    with store_of(desk_demo) as store:
        [counter] = [c for c in store.counters(meeting.id) if c.meeting_id == meeting.id]
    assert counter.state == "pending"
    assert counter.start == dt.datetime.fromisoformat(offered[0])
    assert counter.proposer == invitee.email.lower()
    assert "ოთხშაბათი" in after or "ორშაბათი" in after or "პარასკევი" in after


# Written input: checked as notes are, counted by the pack.


def test_written_input_without_consent_records_nothing_and_says_why_beside_the_box(
    desk_demo: Path, page: Page
) -> None:
    with store_of(desk_demo) as store:
        before = {o.key for o in store.observations(SLUG)}
    with public_client(desk_demo) as client:
        _, answer = post_written(client, page.path, "We need interpreters", {})
    assert answer.status_code == 400
    assert 'id="consent-error"' in answer.text
    assert 'href="#consent"' in answer.text
    assert "We need interpreters" in answer.text  # what was typed is kept
    with store_of(desk_demo) as store:
        assert {o.key for o in store.observations(SLUG)} == before


def test_written_input_becomes_observations_with_its_consent_and_the_pack_hears_it(
    desk_demo: Path,
) -> None:
    # The demo's own written input (OHCHR's, in Georgian) is heard already: another missing
    # voice, a state institution whose invitee reads Georgian, writes now.
    meeting, invitee = silent_invitee(desk_demo)
    workspace = load_workspace(desk_demo)
    with store_of(desk_demo) as store:
        before = gather(workspace, store, SLUG, dt.datetime.now(dt.UTC))
    assert meeting.id in [m.meeting_id for m in before.missing]
    assert meeting.id not in [w.meeting_id for w in before.written]
    path = page_path(desk_demo, meeting, invitee.email)
    with public_client(desk_demo) as client:
        theme, done = post_written(
            client,
            path,
            "გამომძიებლებს იშვიათად ჰყავთ ქურთული ენის თარჯიმანი.",
            {"answer": "", "consent": "yes"},
            follow_redirects=False,
        )
    assert done.headers["location"].endswith("/done/written")
    with store_of(desk_demo) as store:
        [written] = [
            o
            for o in store.observations(SLUG)
            if o.key.startswith("written/") and o.meeting_id == meeting.id
        ]
        consent = [e for e in store.audit_log(meeting.id) if e.action == CONSENT]
        after = gather(workspace, store, SLUG, dt.datetime.now(dt.UTC))
    assert (written.theme, written.severity, written.confidentiality) == (theme, 3, "internal")
    assert written.organisation == meeting.organisation
    assert consent
    assert consent[-1].detail["language"] == "ka"
    assert "საბრიფინგო პაკეტში" in consent[-1].detail["consent"]  # "into the briefing pack"
    assert meeting.id not in [m.meeting_id for m in after.missing]
    assert meeting.id in [w.meeting_id for w in after.written]


def test_every_form_of_the_public_templates_carries_the_token() -> None:
    templates = Path(__file__).resolve().parents[2] / "answers_web" / "templates"
    hidden = '<input type="hidden" name="{{ csrf_field }}" value="{{ csrf_token }}">'
    for path in sorted(templates.glob("*.j2")):
        text = path.read_text(encoding="utf-8")
        for form in re.findall(r"<form\b.*?</form>", text, flags=re.DOTALL):
            assert 'method="post"' in form, path.name
            assert hidden in form, path.name
    assert "<form" in (templates / "page.html.j2").read_text(encoding="utf-8")


def test_a_facilitators_page_answers_but_takes_no_written_input(desk_demo: Path) -> None:
    meeting, _ = silent_invitee(desk_demo)
    with store_of(desk_demo) as store:
        [chair, *_] = [a for a in store.attendees(meeting.id) if a.role == "CHAIR"]
    path = page_path(desk_demo, meeting, chair.email)
    with public_client(desk_demo) as client:
        html = client.get(path).text
        written = post(
            client,
            f"{path}/written",
            html,
            {"text-x": "planted", "severity-x": "1", "confidentiality": "public", "consent": "yes"},
        )
        answered = post(client, f"{path}/answer", html, {"answer": "accept"})
    assert 'name="confidentiality"' not in html
    assert written.status_code == 404
    assert answered.status_code == 200
    assert partstat_of(desk_demo, meeting.id, chair.email) == "ACCEPTED"


def test_a_severity_without_a_text_is_a_mistake_beside_the_theme_not_nothing(
    desk_demo: Path, page: Page
) -> None:
    with store_of(desk_demo) as store:
        before = {o.key for o in store.observations(SLUG)}
    with public_client(desk_demo) as client:
        html = client.get(page.path).text
        theme = re.findall(r'name="text-([^"]+)"', html)[0]
        second = re.findall(r'name="text-([^"]+)"', html)[1]
        answer = post(
            client,
            f"{page.path}/written",
            html,
            {
                f"text-{theme}": "Interpreters are missing.",
                f"severity-{theme}": "3",
                f"severity-{second}": "2",  # chosen, with nothing written
                "confidentiality": "internal",
                "consent": "yes",
            },
        )
    assert answer.status_code == 400
    assert f'id="text-{second}-error"' in answer.text
    assert words("ka")["error_no_text"] in answer.text  # the page is in its reader's language
    with store_of(desk_demo) as store:
        assert {o.key for o in store.observations(SLUG)} == before


def test_the_page_shows_the_reader_what_they_sent_in_writing(desk_demo: Path, page: Page) -> None:
    with public_client(desk_demo) as client:
        assert "written-yours" not in client.get(page.path).text
        post_written(
            client, page.path, "Investigators need Kurdish interpreters.", {"consent": "yes"}
        )
        shown = client.get(page.path).text
    assert 'id="written-yours"' in shown
    assert "Investigators need Kurdish interpreters." in shown

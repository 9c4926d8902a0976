"""The check of the record: sent once per invitee, answered on the page, decided, in the pack.

On a copy of the finished demo (its notes imported), a day after its meetings: the
messages come from the outbox, the pages through Starlette's TestClient.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from answers_web.app import create_app
from answers_web.resources import Public
from consult.application.changes import reschedule
from consult.application.record_check import decide_correction, send_record_checks
from consult.application.references import round_ref, training_ref
from consult.application.services import Services
from consult.bootstrap import assemble
from consult.briefing.gathering import gather
from consult.briefing.render import render_pack
from consult.coordination.exports import observations_table
from consult.errors import PlanningError, RecordCheckError
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.desk.conftest import SLUG
from tests.desk.public_fixtures import PUBLIC_URL, TestClient, page_path, post, silent_invitee

Clock = Callable[[], dt.datetime]


def after_meetings(root: Path) -> dt.datetime:
    """Return a moment a day after the demo's last meeting: its notes are in."""
    with open_store(Settings(workspace=root).store_url) as store:
        return max(m.end for m in store.meetings(SLUG)) + dt.timedelta(days=1)


@contextmanager
def built(root: Path, clock: Clock, public: bool = True) -> Iterator[Services]:
    settings = Settings(workspace=root, public_url=PUBLIC_URL if public else None)
    with open_store(settings.store_url) as store:
        yield assemble(settings, load_workspace(root), store, clock)


def record_mail(root: Path) -> list[EmailMessage]:
    """Return the check of the record's messages in the outbox."""
    found = []
    for path in sorted(Settings(workspace=root).outbox.rglob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        text = message.get_body(("plain",))
        if text is not None and "/record" in text.get_content():
            found.append(message)
    return found


def link_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"https?://\S+/record", body.get_content())
    assert found, body.get_content()
    return urlsplit(found.group(0)).path


def sent_checks(root: Path) -> tuple[Clock, list[EmailMessage]]:
    moment = after_meetings(root)
    clock = lambda: moment  # noqa: E731
    with built(root, clock) as services:
        report = send_record_checks(services, training_ref(services.workspace, SLUG), by="Nino")
    assert report.opened, report
    return clock, record_mail(root)


def test_each_organisation_gets_its_record_once_without_restricted_notes(desk_demo: Path) -> None:
    clock, messages = sent_checks(desk_demo)
    with built(desk_demo, clock) as services:
        checks = services.store.record_checks(training=SLUG)
        observations = services.store.observations(training=SLUG)
        ledger = [m for m in services.store.messages_under(f"{SLUG}/") if m.kind == "record_check"]
        again = send_record_checks(services, training_ref(services.workspace, SLUG), by="Nino")
    assert checks
    assert len(messages) == len(ledger) == len({m.recipient for m in ledger})
    assert {d.outcome for d in again.delivered} == {"already sent"}
    assert len(record_mail(desk_demo)) == len(messages)
    restricted = [o for o in observations if o.confidentiality == "restricted"]
    assert restricted, "the demo's notes have restricted observations"
    for check in checks.values():
        assert not set(check.observations) & {o.key for o in restricted}
    every = "\n".join(m.get_body(("plain",)).get_content() for m in messages)  # type: ignore[union-attr]
    for observation in restricted:
        assert observation.text not in every
    # each message lists its meeting's public and internal observations, in order
    shown = [
        o
        for o in observations
        if o.meeting_id in checks and o.key in checks[o.meeting_id].observations
    ]
    assert any(o.confidentiality == "internal" for o in shown)


def by_language(root: Path, clock: Clock, messages: list[EmailMessage]) -> dict[str, tuple]:  # type: ignore[type-arg]
    """Return, per language, one check's (meeting id, recipient, page path), from distinct
    organisations."""
    with built(root, clock) as services:
        meeting_of = {
            m.recipient.lower(): m.meeting_id
            for m in services.store.messages_under(f"{SLUG}/")
            if m.kind == "record_check"
        }
        language_of = {
            a.email.lower(): a.language
            for meeting_id in set(meeting_of.values())
            for a in services.store.attendees(meeting_id)
        }
    found: dict[str, tuple] = {}  # type: ignore[type-arg]
    used = set()
    for message in messages:
        address = message["To"].addresses[0].addr_spec.lower()
        meeting_id = meeting_of[address]
        organisation = meeting_id.rsplit("/", 1)[1]
        language = language_of[address]
        if language not in found and organisation not in used:
            found[language] = (meeting_id, address, link_of(message))
            used.add(organisation)
    return found


def page_client(root: Path, clock: Clock) -> TestClient:
    settings = Settings(workspace=root, public_url=PUBLIC_URL)
    return TestClient(create_app(Public(settings=settings, clock=clock)))


def test_one_organisation_confirms_another_corrects_the_coordinator_accepts_the_pack_says_both(
    desk_demo: Path,
) -> None:
    clock, messages = sent_checks(desk_demo)
    readers = by_language(desk_demo, clock, messages)
    confirming, correcting = readers["ru"], readers["en"]
    with page_client(desk_demo, clock) as client:
        page = client.get(confirming[2])
        assert page.status_code == 200
        assert "Что мы записали" in page.text
        confirmed = post(client, confirming[2], page.text, {}, follow_redirects=False)
        page = client.get(correcting[2])
        assert "What we recorded" in page.text
        assert "correction-1" in page.text
        corrected = post(
            client,
            correcting[2],
            page.text,
            {"correction-1": "We said the motive is added by the investigator, not weeks later.",
             "comment": "Thank you for the summary."},
            follow_redirects=False,
        )  # fmt: skip
        done = client.get(corrected.headers["location"])
    assert confirmed.status_code == corrected.status_code == 303
    assert confirmed.headers["location"].endswith("/done/record_confirmed")
    assert "Your corrections are recorded" in done.text
    with built(desk_demo, clock) as services:
        check = services.store.record_checks([correcting[0]])[correcting[0]]
        [pending] = check.corrections("pending")
        decide_correction(services, pending.id, "accepted", by="Nino")
        with pytest.raises(RecordCheckError, match="the first decision stands"):
            decide_correction(services, pending.id, "declined", by="Levan")
        analysis = gather(services.workspace, services.store, SLUG, clock())
        training = services.workspace.training(SLUG)
        names = {
            m: services.workspace.stakeholders.organisation(m.rsplit("/", 1)[1]).name.get("en")
            for m in (confirming[0], correcting[0])
        }
        observation = next(
            o for o in services.store.observations(training=SLUG) if o.key == pending.observation
        )
        exported = observations_table(services.workspace, services.store, SLUG)
    statuses = {v.organisation: v.status for v in analysis.checked}
    assert statuses[confirming[0].rsplit("/", 1)[1]] == "confirmed"
    assert statuses[correcting[0].rsplit("/", 1)[1]] == "corrected"
    assert "no_answer" in statuses.values()
    assert analysis.corrected == {pending.observation}
    pack = render_pack(analysis, training, "en", version=2, compiled=clock().date()).markdown
    method = pack[pack.index("Check of the record") :]
    assert f"{names[confirming[0]]}: confirmed as recorded" in method
    assert f"{names[correcting[0]]}: corrected" in method
    assert "We said the motive is added by the investigator" in pack
    assert observation.text not in pack
    if observation.confidentiality == "public":
        assert "(corrected at the organisation's request)" in pack
    else:
        assert "1 internal observation(s) were corrected" in method
    # the coordinator's export keeps the text as recorded, and gives the correction beside it
    column = exported.header.index("Corrected by its organisation")
    [row] = [r for r in exported.rows if r[0] == str(observation.id)]
    assert row[exported.header.index("Text")] == observation.text
    assert row[column].startswith("We said the motive is added by the investigator")
    assert sum(1 for r in exported.rows if r[column]) == 1
    with page_client(desk_demo, clock) as client:
        again = client.get(correcting[2])
    assert "Your correction was accepted." in again.text


def test_the_record_page_refuses_what_it_cannot_take(desk_demo: Path) -> None:
    clock, messages = sent_checks(desk_demo)
    meeting_id, address, path = by_language(desk_demo, clock, messages)["en"]
    with built(desk_demo, clock) as services:
        deadline = services.store.record_checks([meeting_id])[meeting_id].deadline
        chair = next(a for a in services.store.attendees(meeting_id) if a.role == "CHAIR")
    with page_client(desk_demo, clock) as client:
        html = client.get(path).text
        too_long = post(client, path, html, {"correction-1": "x" * 4001})
        own_page = client.get(path.removesuffix("/record"))
    assert too_long.status_code == 400
    assert "Write at most 4,000 characters." in too_long.text
    later = lambda: deadline + dt.timedelta(minutes=1)  # noqa: E731
    with page_client(desk_demo, later) as client:
        closed = client.get(path)
        refused = post(client, path, closed.text, {"correction-1": "Too late, but said."})
    assert "Answers were taken until" in closed.text
    assert 'name="correction-1"' not in closed.text
    assert refused.status_code == 400
    assert 'id="record-late"' in refused.text  # said plainly, with what they wrote to keep
    assert "Too late, but said." in refused.text
    with built(desk_demo, clock) as services:
        assert services.store.record_checks([meeting_id])[meeting_id].answer_of(address) == []
        meeting = services.store.get_meeting(meeting_id)
        assert meeting is not None
        chairs = page_path(desk_demo, meeting, chair.email) + "/record"
    unchecked, invitee = silent_invitee(desk_demo)  # a meeting to come: no record to check
    elsewhere = page_path(desk_demo, unchecked, invitee.email) + "/record"
    with page_client(desk_demo, clock) as client:
        assert client.get(elsewhere).status_code == 404
        assert client.get(chairs).status_code == 404
        assert client.get(chairs.removesuffix("/record")).status_code == 200
    # the reader's own page links to the record; a facilitator has no record to check
    assert 'id="record-link"' in own_page.text


def test_no_check_is_sent_without_the_pages_address(desk_demo: Path) -> None:
    moment = after_meetings(desk_demo)
    with built(desk_demo, lambda: moment, public=False) as services:
        with pytest.raises(RecordCheckError, match="CONSULT_PUBLIC_URL"):
            send_record_checks(services, training_ref(services.workspace, SLUG), by="Nino")
        assert services.store.record_checks(training=SLUG) == {}


def test_the_record_page_keeps_the_answer_so_far_and_a_text_pasted_back_corrects_nothing(
    desk_demo: Path,
) -> None:
    clock, messages = sent_checks(desk_demo)
    meeting_id, address, path = by_language(desk_demo, clock, messages)["en"]
    with page_client(desk_demo, clock) as client:
        html = client.get(path).text
        recorded = re.search(r'<p class="said"[^>]*>([^<]+)', html)
        assert recorded is not None
        post(client, path, html, {"correction-2": "Point two, as we said it.", "comment": "Thanks"})
        again = client.get(path).text
        # the pending correction and the comment are in the form, to keep or change
        assert "Point two, as we said it.</textarea>" in again
        assert "Thanks</textarea>" in again
        pasted = unescape(recorded.group(1)).strip()  # the recorded text, as it is shown
        fields = {"correction-1": pasted, "correction-2": "Point two, as we said it."}
        post(client, path, again, fields | {"comment": "Thanks"})
    with built(desk_demo, clock) as services:
        mine = services.store.record_checks([meeting_id])[meeting_id].answer_of(address)
    assert [(a.observation is None, a.state) for a in mine] == [
        (True, "answered"),
        (False, "pending"),
    ]
    assert mine[1].text == "Point two, as we said it."


def test_after_its_meeting_the_personal_page_takes_no_answer_and_the_meeting_is_not_moved(
    desk_demo: Path,
) -> None:
    clock, messages = sent_checks(desk_demo)
    meeting_id, _, path = by_language(desk_demo, clock, messages)["en"]
    with page_client(desk_demo, clock) as client:
        shown = client.get(path.removesuffix("/record")).text
    assert "took place on" in shown
    assert 'name="answer"' not in shown
    assert 'name="time"' not in shown
    with built(desk_demo, clock) as services:
        meeting = services.store.get_meeting(meeting_id)
        assert meeting is not None
        round_ = round_ref(services.workspace, SLUG, meeting.round)
        with pytest.raises(PlanningError, match="a meeting held is not moved"):
            reschedule(services, round_, meeting_id.rsplit("/", 1)[1], "2027-01-05 10:00", "Nino")

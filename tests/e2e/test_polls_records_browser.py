"""In Chromium: a date poll voted on the pages and picked on the desk; the check of the record.

Both serve the stakeholders' pages and the desk on 127.0.0.1, each with its own port,
the messages in the outbox carrying the pages' links (CONSULT_PUBLIC_URL).

A poll round: its three invitees (ka, en, ru) open the link of their `poll` message and
vote on their page; the coordinator opens the poll's page on the desk and picks the
time; each invitee then has a calendar invitation (METHOD:REQUEST) at that time.

The check of the record, on the finished demo a day after its meetings: the
coordinator sends it from the training page; a Russian-speaking invitee confirms
their organisation's record, an English-speaking one (another organisation) corrects
point 1; the coordinator accepts the correction on the desk and compiles the pack,
whose method section says the first organisation confirmed and the second corrected.

Screenshots of each page go to $CONSULT_SCREENSHOTS, or else the test's folder.
"""

from __future__ import annotations

import datetime as dt
import email
import re
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import TYPE_CHECKING

import icalendar
import pytest

from answers_web.app import create_app as public_app
from answers_web.resources import Public
from consult.application.references import training_ref
from consult.bootstrap import assemble
from consult.briefing.versions import pack_folder
from consult.mail.invitations import send_round
from consult.settings import Settings
from consult.store import open_store
from consult.ui import free_port
from consult.workspace.loading import load_workspace
from desk.app import Desk
from desk.app import create_app as desk_app
from desk.security import login_url
from desk.serving import served
from tests.browser import browser_page, screenshots
from tests.polls import ANNA, IVAN, MEETING, NINO, ROUND, planned_poll
from tests.polls import SLUG as POLL_SLUG

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

DEMO = "intercultural-communication-2027"
SECRET = "the-secret-consult-ui-would-print"
"""The desk's secret: the browser opens its session with `login_url(url, SECRET)`."""


def messages(outbox: Path, kind: str) -> list[EmailMessage]:
    """Return the messages of a kind in the outbox (`poll`, `invitation`), oldest first."""
    found = []
    for path in sorted(outbox.glob(f"*.{kind}.*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def to(message: EmailMessage) -> str:
    return str(message["To"].addresses[0].addr_spec).lower()


def link_in(message: EmailMessage, public_url: str, tail: str = "") -> str:
    """Return the pages' link in the plain text of a message (ending in `tail`, if given)."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(re.escape(public_url) + r"/i/[^\s/]+" + re.escape(tail), body.get_content())
    assert found, body.get_content()
    return found.group(0)


def calendar_of(message: EmailMessage) -> icalendar.Calendar:
    """Return the calendar part of an invitation."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return icalendar.Calendar.from_ical(str(part.get_content()))
    raise AssertionError(f"no calendar part in the message to {message['To']}")


def send_form(page: Page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def shot_down_to(page: Page, path: Path, selector: str) -> None:
    """Screenshot the page from its top down to the bottom of `selector`, the rest left out."""
    bottom = page.locator(selector).evaluate(
        "e => e.getBoundingClientRect().bottom + window.scrollY"
    )
    width = page.evaluate("document.documentElement.clientWidth")
    height = bottom + 24
    page.screenshot(
        path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height}
    )


def desk_of(settings: Settings, clock: Callable[[], dt.datetime] | None = None) -> Desk:
    """Return the desk of these settings, its secret SECRET, its clock `clock` if given."""
    if clock is None:
        return Desk(settings=settings, secret=SECRET)
    return Desk(settings=settings, secret=SECRET, clock=clock)


def test_in_chromium_three_invitees_vote_on_their_pages_the_coordinator_picks_invitations_go(
    write_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    root = planned_poll(write_workspace)
    port = free_port(0)
    public_url = f"http://127.0.0.1:{port}"
    settings = Settings(workspace=root, public_url=public_url)
    with open_store(settings.store_url) as store:
        built = assemble(settings, load_workspace(root), store)
        mail = built.mailing(training_ref(built.workspace, POLL_SLUG)).round(ROUND)
        send_round(mail, store, built.transport)
    links = {to(m): link_in(m, public_url) for m in messages(settings.outbox, "poll")}
    assert set(links) == {NINO, ANNA, IVAN}
    shots = screenshots(tmp_path)
    # (language, address, the label of each time's vote, the button, the done text)
    voters = (
        ("ka", NINO, ("არა", "დიახ", "საჭიროების შემთხვევაში"), "არჩევანის გაგზავნა",
         "თქვენი არჩევანი ჩაწერილია."),
        ("en", ANNA, ("If need be", "Yes", "No"), "Send my votes", "Your votes are recorded."),
        ("ru", IVAN, ("Да", "Да", "Нет"), "Отправить мои ответы", "Ваши ответы записаны."),
    )  # fmt: skip

    with (
        served(public_app(Public(settings=settings)), port=port),
        served(desk_app(desk_of(settings))) as desk,
        browser_page(width=800, height=1000, timeout_ms=60_000) as page,
    ):
        for language, address, votes, button, done in voters:
            page.goto(links[address])
            expect(page.locator("html")).to_have_attribute("lang", language)
            vote = page.locator("form.vote")
            for number, choice in enumerate(votes, start=1):
                vote.locator("fieldset").nth(number - 1).get_by_label(choice, exact=True).check()
            shot_down_to(page, shots / f"stakeholder-vote-{language}.png", "form.vote")
            send_form(page, button)
            expect(page.locator("main")).to_contain_text(done)

        page.goto(login_url(desk, SECRET))
        page.goto(f"{desk}/trainings/{POLL_SLUG}/meetings/{ROUND}/mia/poll")
        expect(page.get_by_role("heading", name="Date poll of mia")).to_be_visible()
        best = page.locator('input[name="option"]').nth(1)
        expect(page.locator("#option")).to_contain_text("3 yes, 0 if need be, 0 no")
        shot_down_to(page, shots / "desk-poll.png", "#pick + form")
        best.check()
        page.get_by_label("Your name, for the audit log").first.fill("Nino Beridze")
        send_form(page, "Pick this time and send the invitations")
        expect(page.locator("#done")).to_contain_text("option 2 picked")
        expect(page.locator("#done")).to_contain_text("4 invitations: 4 sent.")
        page.screenshot(path=str(shots / "desk-poll-picked.png"), full_page=True)

    with open_store(settings.store_url) as store:
        poll = store.poll(MEETING)
    assert poll is not None
    assert poll.picked == 2
    assert poll.votes[NINO] == {1: "no", 2: "yes", 3: "if_need_be"}
    assert poll.votes[ANNA] == {1: "if_need_be", 2: "yes", 3: "no"}
    assert poll.votes[IVAN] == {1: "yes", 2: "yes", 3: "no"}
    picked = poll.options[1]
    invitations = {to(m): calendar_of(m) for m in messages(settings.outbox, "invitation")}
    for address in (NINO, ANNA, IVAN):
        calendar = invitations[address]
        [event] = calendar.walk("VEVENT")
        assert str(calendar["METHOD"]) == "REQUEST"
        assert event.decoded("DTSTART") == picked.start
        assert event.decoded("DTEND") == picked.end


def test_in_chromium_one_organisation_confirms_its_record_another_corrects_the_pack_says_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    from tests.desk.test_public_records import after_meetings, by_language, record_mail
    from tests.e2e.test_public_browser import demo_with_pages

    settings, port = demo_with_pages(tmp_path, monkeypatch)
    target, public_url = settings.workspace, str(settings.public_url)
    moment = after_meetings(target)
    clock = lambda: moment  # noqa: E731
    shots = screenshots(tmp_path)
    correction = (
        "Coordinators should know ECRI's latest recommendations to Georgia on hate crime; "
        "we said the prosecutors need them in Georgian, as a one-page summary."
    )

    with (
        served(public_app(Public(settings=settings, clock=clock)), port=port),
        served(desk_app(desk_of(settings, clock))) as desk,
        browser_page(width=800, height=1000, timeout_ms=30_000) as page,
    ):
        page.goto(login_url(desk, SECRET))
        page.goto(f"{desk}/trainings/{DEMO}#record-check")
        check = page.locator("#record-check-form")
        expect(check).to_contain_text("ready to check")
        check.get_by_label("Your name").fill("Nino Beridze")
        send_form(page, "Send the check of the record")
        expect(page.locator("#done")).to_contain_text("messages of the check of the record")
        page.screenshot(path=str(shots / "desk-record-check-sent.png"), full_page=True)
        sent = record_mail(target)
        assert sent, "the check of the record sent no message"
        readers = by_language(target, clock, sent)
        confirming, correcting = readers["ru"], readers["en"]
        [russian] = [m for m in sent if to(m) == confirming[1]]
        russian_html = russian.get_body(preferencelist=("html",))
        assert russian_html is not None
        # a Russian date ends with its own full stop (after "\u0433", year): none is added
        assert "\u0433.." not in russian_html.get_content()

        page.goto(public_url + confirming[2])
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        expect(page.get_by_role("heading", level=1)).to_have_text("Что мы записали")
        page.screenshot(path=str(shots / "stakeholder-record-ru.png"), full_page=True)
        send_form(page, "Отправить ответ")
        expect(page.locator("main")).to_contain_text("Вы подтвердили запись в нынешнем виде.")

        # a Georgian reader of a third organisation reads theirs, and leaves it unanswered
        page.goto(public_url + readers["ka"][2])
        expect(page.locator("html")).to_have_attribute("lang", "ka")
        expect(page.get_by_role("heading", level=1)).to_have_text("რა ჩავიწერეთ")
        page.screenshot(path=str(shots / "stakeholder-record-ka.png"), full_page=True)

        page.goto(public_url + correcting[2])
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text("What we recorded")
        recorded = page.locator("#point-1 .said").inner_text()
        page.get_by_label("Your corrected text of point 1").fill(correction)
        page.get_by_label("Anything else you want us to know about the record").fill(
            "Thank you for the summary."
        )
        page.screenshot(path=str(shots / "stakeholder-record-en.png"), full_page=True)
        send_form(page, "Send my answer")
        expect(page.locator("main")).to_contain_text("Your corrections are recorded")

        page.goto(f"{desk}/trainings/{DEMO}#corrections")
        waiting = page.locator("table.corrections tbody tr")
        expect(waiting).to_have_count(1)
        expect(waiting).to_contain_text(correction)
        page.locator("#record-check").screenshot(path=str(shots / "desk-corrections.png"))
        wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not wide, "the training page scrolls sideways with a correction waiting"
        waiting.get_by_label("Your name").fill("Nino Beridze")
        send_form(page, "Accept")
        expect(page.locator("#done")).to_contain_text("Correction accepted")
        page.screenshot(path=str(shots / "desk-correction-accepted.png"), full_page=True)

        page.goto(f"{desk}/trainings/{DEMO}#pack")
        send_form(page, "Compile the pack (sends nothing)")
        expect(page.locator("#done")).to_contain_text("compiled")
        version = int(re.findall(r"Briefing pack v(\d+) compiled", page.content())[0])
        html = pack_folder(settings.out_dir, DEMO, version) / f"briefing-{DEMO}-en.html"
        page.goto(html.as_uri())
        method = page.locator("ul.record-check")
        workspace = load_workspace(target)
        names = {
            meeting_id: workspace.stakeholders.organisation(meeting_id.rsplit("/", 1)[1]).name.get(
                "en"
            )
            for meeting_id in (confirming[0], correcting[0])
        }
        expect(method).to_contain_text(f"{names[confirming[0]]}: confirmed as recorded")
        expect(method).to_contain_text(f"{names[correcting[0]]}: corrected")
        expect(method.locator('li[data-check="confirmed"]')).to_have_count(1)
        expect(method.locator('li[data-check="corrected"]')).to_have_count(1)
        page.locator("section#method").screenshot(path=str(shots / "pack-method.png"))
        corrected = page.get_by_text(correction).first
        expect(corrected).to_be_visible()
        corrected.locator("xpath=..").screenshot(path=str(shots / "pack-corrected.png"))
        text = page.locator("body").inner_text()

    assert correction in text
    assert recorded not in text
    with open_store(settings.store_url) as store:
        [accepted] = [
            a
            for c in store.record_checks(training=DEMO).values()
            for a in c.corrections("accepted")
        ]
        observation = next(o for o in store.observations(DEMO) if o.key == accepted.observation)
    if observation.confidentiality == "public":
        assert "(corrected at the organisation's request)" in text
    else:
        assert "internal observation(s) were corrected" in text

"""The check of the record on the desk: sent from the training page, its corrections decided.

On a copy of the finished demo, a day after its meetings: the desk sends the check
(each message once, into the outbox), an organisation proposes a correction on its
page (the public app), and the coordinator accepts or declines it on the desk.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from consult.settings import Settings
from consult.store import open_store
from desk.app import Desk, create_app
from tests.desk.conftest import SECRET, SLUG, DeskClient
from tests.desk.html import read_page
from tests.desk.public_fixtures import PUBLIC_URL, post
from tests.desk.test_public_records import after_meetings, by_language, page_client, record_mail


def desk_at(root: Path, moment: dt.datetime, public: bool = True) -> DeskClient:
    settings = Settings(workspace=root, public_url=PUBLIC_URL if public else None)
    desk = Desk(settings=settings, secret=SECRET, hosts=("testserver",), clock=lambda: moment)
    return DeskClient(create_app(desk))


def corrections(root: Path) -> list[tuple[int, str]]:
    with open_store(Settings(workspace=root).store_url) as store:
        return [
            (a.id, a.state)
            for check in store.record_checks(training=SLUG).values()
            for a in check.corrections()
        ]


def test_the_coordinator_sends_the_check_and_decides_each_correction_on_the_desk(
    desk_demo: Path,
) -> None:
    moment = after_meetings(desk_demo)
    with desk_at(desk_demo, moment) as desk:
        desk.login()
        before = read_page(desk.get(f"/trainings/{SLUG}").text)
        assert "ready to check" in before.text("record-check")
        unnamed = desk.post(f"/trainings/{SLUG}/record-check", data={"by": ""})
        assert record_mail(desk_demo) == []
        assert "give your name" in read_page(unnamed.text).text("done").lower()
        sent = desk.post(f"/trainings/{SLUG}/record-check", data={"by": "Nino"})
        result = read_page(sent.text).text("done")
        messages = record_mail(desk_demo)
        again = read_page(
            desk.post(f"/trainings/{SLUG}/record-check", data={"by": "Nino"}).text
        ).text("done")
    assert "Check of the record" in result
    assert f"{len(messages)} messages of the check of the record: {len(messages)} sent" in result
    assert len(record_mail(desk_demo)) == len(messages)
    assert "nothing was sent" in again or "already sent" in again
    readers = by_language(desk_demo, lambda: moment, messages)
    for language, text in (("en", "Not what we said: the unit reviews within five days."),
                           ("ru", "Мы говорили про пять дней, не про десять.")):  # fmt: skip
        with page_client(desk_demo, lambda: moment) as client:
            path = readers[language][2]
            post(client, path, client.get(path).text, {"correction-1": text})
    [(first, _), (second, _)] = corrections(desk_demo)
    with desk_at(desk_demo, moment) as desk:
        desk.login()
        waiting = read_page(desk.get(f"/trainings/{SLUG}").text)
        assert "2 corrections to the record wait for your decision" in waiting.text("waiting")
        table = waiting.text(f"correction-{first}")
        assert "Not what we said" in table or "пять дней" in table
        accepted = desk.post(
            f"/trainings/{SLUG}/corrections/{first}", data={"by": "Nino", "decision": "accept"}
        )
        declined = desk.post(
            f"/trainings/{SLUG}/corrections/{second}", data={"by": "Nino", "decision": "decline"}
        )
        twice = desk.post(
            f"/trainings/{SLUG}/corrections/{first}", data={"by": "Levan", "decision": "decline"}
        )
        unknown = desk.post(
            f"/trainings/{SLUG}/corrections/99999", data={"by": "Levan", "decision": "accept"}
        )
        after_html = desk.get(f"/trainings/{SLUG}").text
    after = read_page(after_html)
    assert "Correction accepted" in read_page(accepted.text).text("done")
    assert "Correction declined" in read_page(declined.text).text("done")
    refused = read_page(twice.text).text("done")
    assert refused.startswith("Decision on a correction: nothing was done")  # not "declined"
    assert "point 1, by" in refused
    assert "was accepted already (by Nino): the first decision stands" in refused
    assert "is not one of this training's" in read_page(unknown.text).text("done")
    assert corrections(desk_demo) == [(first, "accepted"), (second, "declined")]
    assert "Corrections decided" in after.text("record-check")
    assert 'id="corrections-waiting"' not in after_html  # nothing waits any more


def test_without_the_pages_address_the_desk_says_why_no_check_can_go(desk_demo: Path) -> None:
    with desk_at(desk_demo, after_meetings(desk_demo), public=False) as desk:
        desk.login()
        shown = read_page(desk.get(f"/trainings/{SLUG}").text)
        refused = desk.post(f"/trainings/{SLUG}/record-check", data={"by": "Nino"})
    assert "CONSULT_PUBLIC_URL" in shown.text("record-check-no-url")
    assert "CONSULT_PUBLIC_URL" in read_page(refused.text).text("done")
    assert record_mail(desk_demo) == []


def consult(root: Path, *args: str, public: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CONSULT_PUBLIC_URL"}
    if public:
        env["CONSULT_PUBLIC_URL"] = PUBLIC_URL
    return subprocess.run(
        [sys.executable, "-m", "consult", *args, "--workspace", str(root)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def test_the_command_line_lists_the_answers_and_decides_a_correction(desk_demo: Path) -> None:
    refused = consult(desk_demo, "record-check", SLUG)
    assert refused.returncode == 1
    assert "CONSULT_PUBLIC_URL: not set" in refused.stderr
    assert "Traceback" not in refused.stderr
    none_yet = consult(desk_demo, "corrections", SLUG)
    assert f"{SLUG}: no record was sent to check yet" in none_yet.stdout
    moment = after_meetings(desk_demo)
    with desk_at(desk_demo, moment) as desk:
        desk.login()
        desk.post(f"/trainings/{SLUG}/record-check", data={"by": "Nino"})
    readers = by_language(desk_demo, lambda: moment, record_mail(desk_demo))
    with page_client(desk_demo, lambda: moment) as client:
        path = readers["en"][2]
        post(client, path, client.get(path).text, {"correction-1": "Five days, not ten."})
    [(ident, state)] = corrections(desk_demo)
    assert state == "pending"
    listed = consult(desk_demo, "corrections", SLUG)
    assert f"correction {ident} of " in listed.stdout
    assert 'pending: "Five days, not ten."' in listed.stdout
    decided = consult(desk_demo, "correction", str(ident), "--decline", "--by", "Levan")
    assert decided.returncode == 0, decided.stderr
    assert f"correction {ident} of" in decided.stdout
    again = consult(desk_demo, "correction", str(ident), "--accept", "--by", "Levan")
    assert again.returncode == 1
    assert "the first decision stands" in again.stderr
    assert corrections(desk_demo) == [(ident, "declined")]

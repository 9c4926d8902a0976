"""Decisions and steps through Prefect's API: a paused plan approved on the desk, a step started."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from consult.demo import prepare_demo, serve_feeds
from consult.settings import Settings
from consult.store import open_store
from desk.prefect_api import PrefectApi, WaitingRun
from desk.security import CSRF_FIELD, login_url
from tests.browser import browser_page
from tests.desk.conftest import SECRET, SLUG, form_token, logged_in, post_form
from tests.desk.html import forms, read_page

pytestmark = pytest.mark.prefect


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[PrefectApi]:
    """A temporary Prefect server (SQLite) for this module, and the desk's client of it."""
    from prefect.settings import get_current_settings, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={"flows.heartbeat_frequency": None}),
    ):
        url = get_current_settings().api.url
        assert url
        yield PrefectApi(url)


@pytest.fixture
def fresh_demo(tmp_path: Path) -> Iterator[Path]:
    """A fresh demo workspace, nothing planned, its busy-time feeds served meanwhile."""
    with serve_feeds() as port:
        yield prepare_demo(tmp_path / "demo", dt.date.today(), feed_port=port)


def wait_until(check: Callable[[], Any], timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
    return found


def assert_fits_narrow_window(url: str, run_id: str, width: int = 800) -> None:
    """Assert the page needs no sideways scroll and the run's choices stand in one column."""
    with browser_page(width, 900) as page:
        page.goto(login_url(url, SECRET))
        page.goto(url)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{url} is {wide} px wide in a {width} px window"
        radios = page.locator(f"#f-{run_id}-decision input[type=radio]")
        boxes = [radios.nth(i).bounding_box() for i in range(radios.count())]
        assert len(boxes) == 2
        assert len({round(box["x"]) for box in boxes if box}) == 1, boxes


def paused(
    prefect_api: PrefectApi, flow: Callable[[Any], Any], parameters: Any
) -> tuple[threading.Thread, dict[str, Any], WaitingRun]:
    """Return the thread running the flow, where its result goes, and its run once it waits."""
    outcome: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: outcome.update(result=flow(parameters)), daemon=True)
    thread.start()
    [run] = wait_until(prefect_api.waiting)
    return thread, outcome, run


def test_a_paused_schedule_is_listed_with_its_meetings_and_approved_from_the_desk(
    prefect_api: PrefectApi, fresh_demo: Path, open_desk: Callable[..., TestClient]
) -> None:
    from flows.plan_consultations import PlanParameters, plan_consultations

    thread, outcome, run = paused(
        prefect_api, plan_consultations, PlanParameters(training=SLUG, workspace=str(fresh_demo))
    )
    desk = open_desk(fresh_demo, prefect=prefect_api)
    html = desk.get("/decisions").text
    [decision_form] = [f for f in forms(html) if f["method"] == "post"]
    assert decision_form[f"hidden:{CSRF_FIELD}"] == form_token(desk.cookies)
    page = read_page(html)
    assert f"Review the schedule artifact of {SLUG}, round-1" in page.text(f"run-{run.id}")
    assert "(Asia/Tbilisi)" in page.text(f"run-{run.id}").split("since ", 1)[1][:40]
    with open_store(Settings(workspace=fresh_demo).store_url) as store:
        proposed = store.meetings(SLUG, "round-1")
    schedule = page.table(f"run-{run.id}")
    assert schedule.header[0] == "When"
    assert len(schedule.rows) == len(proposed)
    assert {row[4] for row in schedule.rows} == {"proposed"}

    unsigned = desk.post(f"/decisions/{run.id}", data={"decision": "approve"})
    assert unsigned.status_code == 422
    assert read_page(unsigned.text).text(f"f-{run.id}-decided_by-error") == "required"

    approved = desk.post(
        f"/decisions/{run.id}",
        data={"decision": "approve", "comment": "fine", "decided_by": "Nino Beridze"},
    )
    assert approved.status_code == 200, approved.text
    assert "Resumed:" in approved.text
    thread.join(timeout=120)
    assert str(outcome.get("result", "")).startswith("approved by Nino Beridze"), outcome
    with open_store(Settings(workspace=fresh_demo).store_url) as store:
        assert {m.status for m in store.meetings(SLUG, "round-1")} == {"confirmed"}
        [event] = [e for e in store.audit_log(f"{SLUG}/round-1") if e.action == "round.approved"]
    assert event.actor == "Nino Beridze"
    assert event.detail["comment"] == "fine"
    assert prefect_api.waiting() == []


def test_a_step_started_on_the_desk_is_a_run_of_its_deployment_named_for_what_it_does(
    prefect_api: PrefectApi, desk_demo: Path, open_desk: Callable[..., TestClient]
) -> None:
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.deployments.runner import RunnerDeployment

    from flows.serve import deployments

    [plan] = [d for d in deployments() if d.name == "plan-consultations"]
    assert isinstance(plan, RunnerDeployment)
    plan.apply()
    desk = open_desk(desk_demo, prefect=prefect_api)
    answer = desk.post(f"/trainings/{SLUG}/start", data={"step": "plan/round-1"})
    assert answer.status_code == 200, answer.text
    # The browser lands on the buttons (#start): the confirmation is there, where one clicked.
    assert str(answer.url).endswith("#start") or "#start" in answer.history[0].headers["location"]
    assert f"Started: plan · {SLUG} · round-1" in read_page(answer.text).text("start")
    run_id = str(answer.url).split("run=")[1].split("#")[0]
    with SyncPrefectClient(prefect_api.url) as client:
        run = client.read_flow_run(run_id)
    assert run.name == f"plan · {SLUG} · round-1"
    assert run.parameters["parameters"] == {"training": SLUG, "round": "round-1"}
    wrong = desk.post(f"/trainings/{SLUG}/start", data={"step": "plan/round-9"})
    assert wrong.status_code == 400
    assert "got step &#39;plan/round-9&#39;" in wrong.text


def test_without_prefect_the_decisions_page_says_where_it_looked(
    desk_demo: Path, open_desk: Callable[..., TestClient]
) -> None:
    from consult.ui import free_port

    nowhere = PrefectApi(f"http://127.0.0.1:{free_port(0)}/api")
    desk = open_desk(desk_demo, prefect=nowhere)
    answer = desk.get("/decisions")
    assert answer.status_code == 503
    assert f"Prefect at {nowhere.url} does not answer" in answer.text
    assert "Traceback" not in answer.text


def test_a_first_send_waits_with_who_gets_what_and_one_example_per_language(
    prefect_api: PrefectApi, fresh_demo: Path, serve_desk: Callable[..., str]
) -> None:
    from consult.application.references import round_ref
    from consult.application.send import preview_round
    from consult.bootstrap import assemble
    from consult.mail.preview import example_text
    from consult.planning.plan import plan_round, save_plan
    from consult.workspace.loading import load_workspace
    from flows.send_invitations import SendParameters, send_invitations

    settings, workspace = Settings(workspace=fresh_demo), load_workspace(fresh_demo)
    now = dt.datetime.now(dt.UTC)
    with open_store(settings.store_url) as store:
        save_plan(store, plan_round(workspace, SLUG, "round-1", {}, [], now=now), "t")
        store.decide_round(SLUG, "round-1", approve=True, actor="t")
        built = assemble(settings, workspace, store, lambda: now)
        expected = preview_round(built, round_ref(workspace, SLUG, "round-1"))
    assert {"ka", "en"} <= set(expected.examples), "the demo writes to readers of ka and en"
    # Each example is a stakeholder's message where the language has one: what organisations read.
    own = {f.email for f in workspace.training(SLUG).consultation.facilitators}
    for language, message in expected.examples.items():
        if any(r.language == language and r.email not in own for r in expected.recipients):
            assert message.recipient not in own, (language, message.recipient)

    thread, outcome, run = paused(
        prefect_api, send_invitations, SendParameters(training=SLUG, workspace=str(fresh_demo))
    )
    url = serve_desk(fresh_demo, prefect=prefect_api)
    http = logged_in(url)
    html = http.get(f"{url}/decisions", timeout=60).text
    page = read_page(html)

    recipients = page.table(f"run-{run.id}", 0)
    assert recipients.header == ["Recipient", "Organisation", "Meeting", "Message", "Language"]
    assert len(recipients.rows) == len(expected.recipients)
    by_email = {r.email: r for r in expected.recipients}
    for row in recipients.rows:
        email = row[0].split()[-1]
        assert row[0].startswith(by_email[email].name), row
        assert row[1] == by_email[email].organisation, row
        assert row[2][:3] in {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}, row
        assert " · " in row[2], row  # the meeting's organisation after its time
        assert row[4] == by_email[email].language, row
    for language, message in expected.examples.items():
        example = page.text(f"example-{run.id}-{language}")
        assert example.startswith(f"Example in {language}")
        subject = next(x for x in example_text(message).splitlines() if x.startswith("Subject:"))
        assert " ".join(subject.split()) in example
    # Each choice is a group with its question as the legend, not a label of its first radio.
    decision = page.ids[f"f-{run.id}-decision"]
    assert decision["tag"] == "fieldset"
    assert f'<label for="f-{run.id}-decision"' not in html
    assert f'<label for="f-{run.id}-decided_by">Decided by <span class="quiet">(required)' in html

    assert_fits_narrow_window(f"{url}/decisions", run.id)
    training = read_page(http.get(f"{url}/trainings/{SLUG}", timeout=60).text)
    assert training.text("decisions-waiting") == (
        f"1 decision waits for you in Prefect: {run.name}"
    )
    trainings = read_page(http.get(url, timeout=60).text)
    assert "1 decision in Prefect" in trainings.text(f"waits-{SLUG}")

    not_sent = post_form(
        http, f"{url}/decisions/{run.id}", {"decision": "do not send", "decided_by": "Nino Beridze"}
    )
    assert not_sent.status_code == 200, not_sent.text
    thread.join(timeout=120)
    assert outcome.get("result") == "not sent: Nino Beridze did not confirm the first send"
    assert prefect_api.waiting() == []
    # Nothing waits any more: the training page no longer points to decisions.
    training = read_page(http.get(f"{url}/trainings/{SLUG}", timeout=60).text)
    assert "decisions-waiting" not in training.ids
    http.close()


def test_a_counter_proposal_waits_with_the_proposed_time_checked_against_the_rules(
    prefect_api: PrefectApi,
    write_workspace: Callable[..., Path],
    open_desk: Callable[..., TestClient],
) -> None:
    from consult.application.counter_proposals import read_inbox_requests
    from flows.review_counter import CounterParameters, review_counter_proposal
    from tests.conftest import PLANNED_AT
    from tests.integration.planning.test_counters import NINO, TUESDAY, invite, propose

    root = write_workspace()
    with open_store(Settings(workspace=root).store_url) as store:
        built = invite(root, store)
        propose(built, TUESDAY)
        read_inbox_requests(built)
    desk = open_desk(root, prefect=prefect_api, clock=lambda: PLANNED_AT)
    training = read_page(desk.get("/trainings/winter-2027").text)
    assert "counter-proposed" in training.text("meeting-mia")
    assert f"round-1/mia: {NINO} proposes another time" in training.text("waiting")

    thread, outcome, run = paused(
        prefect_api,
        review_counter_proposal,
        CounterParameters(training="winter-2027", meeting="mia", workspace=str(root)),
    )
    page = read_page(desk.get("/decisions").text)
    counter = page.text(f"counter-{run.id}")
    assert counter.startswith(f"winter-2027/round-1/mia: {NINO} proposes Tue 2026-12-15 "), counter
    assert "breaks:" in counter or "keeps every planning rule" in counter
    [row] = page.table(f"run-{run.id}").rows
    assert row[4] == "counter-proposed"

    declined = desk.post(
        f"/decisions/{run.id}",
        data={"decision": "decline", "decided_by": "Nino Beridze", "comment": "taken"},
    )
    assert declined.status_code == 200, declined.text
    thread.join(timeout=120)
    assert str(outcome.get("result", "")).startswith("declined by Nino Beridze"), outcome
    assert prefect_api.waiting() == []


def test_a_training_added_after_the_runner_started_can_be_started_from_the_desk(
    prefect_api: PrefectApi, desk_demo: Path, open_desk: Callable[..., TestClient], tmp_path: Path
) -> None:
    """The runner offered the trainings it saw at its start; a training the coordinator adds
    later (at the desk) is offered too, and a run of it is not refused by the form's choices."""
    import shutil

    from prefect.client.orchestration import SyncPrefectClient
    from prefect.deployments.runner import RunnerDeployment

    from consult.workspace.loading import load_workspace
    from flows.serve import deployments

    earlier = tmp_path / "earlier"
    shutil.copytree(desk_demo / "trainings", earlier / "trainings")
    shutil.copy(desk_demo / "stakeholders.yaml", earlier / "stakeholders.yaml")
    (earlier / "trainings" / f"{SLUG}.yaml").rename(earlier / "trainings" / "earlier-2027.yaml")
    [plan] = [
        d for d in deployments(workspace=load_workspace(earlier)) if d.name == "plan-consultations"
    ]
    assert isinstance(plan, RunnerDeployment)
    plan.apply()
    desk = open_desk(desk_demo, prefect=prefect_api)
    answer = desk.post(f"/trainings/{SLUG}/start", data={"step": "plan/round-1"})
    assert answer.status_code == 200, answer.text
    assert f"Started: plan · {SLUG} · round-1" in read_page(answer.text).text("start")
    with SyncPrefectClient(prefect_api.url) as client:
        found = client.read_deployment_by_name("plan-consultations/plan-consultations")
    schema = found.parameter_openapi_schema or {}
    offered = [
        definition["properties"]["training"]["enum"]
        for definition in schema.get("definitions", {}).values()
        if "training" in definition.get("properties", {})
    ]
    assert offered
    assert all(SLUG in each for each in offered), offered

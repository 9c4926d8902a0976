"""The desk's pages on the finished demo: what a coordinator reads on the list and training page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from starlette.testclient import TestClient

from consult.coordination.timeline import round_days
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from desk.audit import AUDIT_PAGE
from desk.paging import ROWS
from tests.desk.conftest import SLUG
from tests.desk.html import read_page

TBILISI = ZoneInfo("Asia/Tbilisi")
UNHCR = "Office of the UN High Commissioner for Refugees (UNHCR) in Georgia"


def training_page(client: TestClient) -> httpx.Response:
    answer = client.get(f"/trainings/{SLUG}")
    assert answer.status_code == 200, answer.text
    return answer


def test_the_training_list_links_each_training_with_its_dates(
    desk_client: TestClient, desk_demo: Path
) -> None:
    training = load_workspace(desk_demo).training(SLUG)
    answer = desk_client.get("/")
    page = read_page(answer.text)
    [table] = page.tables
    assert table.header[0] == "Dates"
    [row] = table.rows
    assert row[0] == f"{training.start.isoformat()} \N{EN DASH} {training.end.isoformat()}"
    assert row[1].startswith(training.title.en)
    assert f'href="/trainings/{SLUG}"' in answer.text


def test_each_meeting_shows_its_date_and_time_first_then_the_organisation_by_name(
    desk_client: TestClient, desk_demo: Path
) -> None:
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        meetings = store.meetings(SLUG)
        zones = {m.id: {a.timezone for a in store.attendees(m.id)} for m in meetings}
    page = read_page(training_page(desk_client).text)
    table = page.table("rounds")
    assert table.header[:2] == ["When", "Organisation"]
    assert len(table.rows) == len(meetings)
    for meeting, row in zip(meetings, table.rows, strict=True):
        start = meeting.start.astimezone(TBILISI)
        assert row[0].startswith(f"{start:%a %d %b %Y %H:%M}"), row[0]
        assert "(Asia/Tbilisi)" in row[0]
        for other in zones[meeting.id] - {"Asia/Tbilisi"}:
            local = meeting.start.astimezone(ZoneInfo(other))
            assert f"{other} {local:%H:%M}" in row[0]
    [unhcr] = [row for row in table.rows if row[1].startswith(UNHCR)]
    assert "Europe/Istanbul" in unhcr[0]
    assert "Selin Aydemir" in unhcr[3]
    # a meeting near its day without an acceptance adds "no quorum ..." after its state
    # (and a meeting still ahead offers Move · Cancel: tests/desk/test_actions.py)
    states = {row[4].split(" no quorum")[0].removesuffix(" Move · Cancel") for row in table.rows}
    assert states <= {"invited", "notes in", "accepted", "declined"}


def test_the_answers_are_counted_per_organisation_and_an_accepted_meeting_says_so(
    desk_client: TestClient, desk_demo: Path
) -> None:
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        meeting = store.get_meeting(f"{SLUG}/round-1/unhcr-georgia")
        assert meeting is not None
        guests = [a for a in store.attendees(meeting.id) if a.role != "CHAIR"]
        for guest in guests:
            store.record_reply(meeting.id, guest.email, "ACCEPTED", meeting.sequence, "test")
    page = read_page(training_page(desk_client).text)
    answers = page.table("answers")
    [row] = [r for r in answers.rows if r[0] == UNHCR]
    assert row[answers.header.index("Invited")] == str(len(guests))
    assert row[answers.header.index("accepted")] == str(len(guests))
    assert "needs action" not in answers.header  # said as "no answer yet"
    assert row[answers.header.index("Quorum")] == ""  # its notes are in: held, nothing to flag
    assert page.text("meeting-unhcr-georgia").count("accepted") >= 1


def test_the_delivery_totals_put_failures_first_with_names_and_organisations(
    desk_client: TestClient, desk_demo: Path
) -> None:
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        sent = store.messages(status="sent")
        invited = next(m for m in sent if m.recipient == "s.chkheidze@example.gov.ge")
        reminder = store.claim_message(
            invited.meeting_id, invited.recipient, invited.sequence, "reminder"
        )
        assert reminder is not None
        store.mark_failed(reminder.id, "550 5.1.1 mailbox unavailable")
    page = read_page(training_page(desk_client).text)
    totals = page.html.split('class="totals"', 1)[1].split("</p>", 1)[0]
    assert totals.index("failed") < totals.index("sent")
    assert f"<strong>{len(sent)}</strong> sent" in totals
    table = page.table("delivery")
    first = dict(zip(table.header, table.rows[0], strict=True))
    assert first["Status"] == "failed"
    assert first["Recipient"] == "სალომე ჩხეიძე s.chkheidze@example.gov.ge"
    assert first["Organisation"]
    assert first["Error"] == "550 5.1.1 mailbox unavailable"
    assert first["Message"].startswith("reminder")
    # the first page of the ledger: the failure, then sent messages up to ROWS in all
    assert [row[0] for row in table.rows[1:]] == ["sent"] * min(len(sent), ROWS - 1)


def test_each_pack_version_links_its_files_and_the_pdf_downloads(desk_client: TestClient) -> None:
    page = read_page(training_page(desk_client).text)
    [row] = page.table("pack").rows
    assert row[0].startswith("v1")
    base = f"/trainings/{SLUG}/packs/1/"
    for name in (f"briefing-{SLUG}-en.pdf", f"briefing-{SLUG}-ka.html", "sources.csv"):
        assert f'href="{base}{name}"' in page.html
    pdf = desk_client.get(f"{base}briefing-{SLUG}-en.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment")
    sources = desk_client.get(f"{base}sources.csv")
    assert sources.headers["content-type"].startswith("text/csv")
    assert sources.content.decode("utf-8-sig").startswith("section,theme,kind")


def test_no_file_but_the_pack_files_is_served(desk_client: TestClient, desk_demo: Path) -> None:
    (desk_demo / "out" / "briefing" / "secret.txt").write_text("no", encoding="utf-8")
    for path in ("1/..%2Fsecret.txt", "1/../../secret.txt", "1/nothing.pdf", "9/sources.csv"):
        answer = desk_client.get(f"/trainings/{SLUG}/packs/{path}")
        assert answer.status_code == 404, path
        assert answer.text != "no"


def test_the_audit_log_shows_who_approved_newest_first(desk_client: TestClient) -> None:
    rounds = desk_client.get(f"/trainings/{SLUG}", params={"audit_kind": "round"})
    table = read_page(rounds.text).table("audit")
    assert table.header == ["When", "Who", "What", "About", "Detail"]
    approved = [row for row in table.rows if row[2] == "round approved"]
    assert approved
    assert approved[0][1] == "demo"
    assert approved[0][3] == "round-1"
    times = [dt.datetime.strptime(row[0], "%a %d %b %Y %H:%M:%S") for row in table.rows]
    assert times == sorted(times, reverse=True)
    assert not any(cell.startswith("{") for row in table.rows for cell in row)  # no raw JSON


def test_the_audit_log_is_paged_and_filtered_by_kind(
    desk_client: TestClient, desk_demo: Path
) -> None:
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        for n in range(AUDIT_PAGE + 5):
            store.audit("Nino Beridze", "test.entry", SLUG, {"number": n, "note": "x" * 100})
    first = read_page(training_page(desk_client).text).table("audit")
    assert len(first.rows) == AUDIT_PAGE
    assert first.rows[0][2] == "test entry"
    assert first.rows[0][4].startswith("number: 54; note: …number: 54; note: xxx")
    tests_only = desk_client.get(
        f"/trainings/{SLUG}", params={"audit_kind": "test", "audit_page": "2"}
    )
    second = read_page(tests_only.text).table("audit")
    assert [row[4].split(";")[0] for row in second.rows] == [
        f"number: {n}" for n in range(4, -1, -1)
    ]
    assert "<details><summary>" in tests_only.text
    assert 'href="/trainings/' in tests_only.text
    assert "audit_page=1#audit" in tests_only.text
    odd = desk_client.get(f"/trainings/{SLUG}", params={"audit_page": "-3x"})
    assert odd.status_code == 200


def test_the_timeline_says_what_is_done_due_and_next_in_the_training_zone(
    desk_demo: Path, open_desk: Callable[..., TestClient]
) -> None:
    training = load_workspace(desk_demo).training(SLUG)
    invite_day, _ = round_days(training, training.consultation.rounds[0])
    at = dt.datetime.combine(invite_day, dt.time(0, 30), TBILISI)  # 20:30 UTC the day before
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        store.claim_step(SLUG, "plan/round-1", "test")
    client = open_desk(desk_demo, clock=lambda: at)
    table = read_page(training_page(client).text).table("timeline")
    states = {row[2]: row[3] for row in table.rows}
    assert states["round-1: plan the round"] == "done"
    # the demo sent the invitations and compiled the pack by hand: done, not due again
    assert states["round-1: send the round's invitations"] == "done"
    assert states["compile the briefing pack and send it"] == "done"
    assert table.rows[1][0] == invite_day.isoformat()


def test_text_from_the_store_is_escaped(desk_client: TestClient, desk_demo: Path) -> None:
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        store.audit("<script>alert(1)</script>", "test.action", SLUG, {})
    html = training_page(desk_client).text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_unknown_training_is_a_page_that_names_it(desk_client: TestClient) -> None:
    answer = desk_client.get("/trainings/winter-2099")
    assert answer.status_code == 404
    assert "there is no training &#39;winter-2099&#39; in the workspace" in answer.text
    assert "Traceback" not in answer.text


def test_every_delivery_row_names_whom_it_went_to_as_the_ledger_export_does(
    desk_client: TestClient, desk_demo: Path
) -> None:
    from consult.coordination.exports import build_table

    workspace = load_workspace(desk_demo)
    facilitators = {f.email for f in workspace.training(SLUG).consultation.facilitators}
    table = read_page(training_page(desk_client).text).table("delivery")
    shown = {
        row["Recipient"].split()[-1]: (" ".join(row["Recipient"].split()[:-1]), row["Organisation"])
        for row in (dict(zip(table.header, cells, strict=True)) for cells in table.rows)
    }
    assert facilitators & set(shown), "the demo sends the facilitators their invitations"
    for email in facilitators & set(shown):
        assert shown[email][1] in ("facilitator", "facilitator, expert"), (email, shown[email])
    assert [e for e, (_, organisation) in shown.items() if not organisation] == []
    coordinator = workspace.training(SLUG).briefing.coordinator_email
    assert [e for e, (name, _) in shown.items() if not name] in ([], [coordinator])
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        ledger = build_table("ledger", workspace, store, SLUG)
    name, organisation, email = (ledger.header.index(h) for h in ("Name", "Organisation", "Email"))
    exported = {row[email]: (row[name], row[organisation]) for row in ledger.rows}
    assert {e: exported[e] for e in shown} == shown


def test_invitations_wait_for_the_plan_then_for_its_approval(
    write_workspace: Callable[..., Path], open_desk: Callable[..., TestClient]
) -> None:
    from consult.planning.plan import plan_round, save_plan
    from tests.conftest import PLANNED_AT

    root = write_workspace()
    client = open_desk(root, clock=lambda: PLANNED_AT)

    def invite_state() -> str:
        table = read_page(client.get("/trainings/winter-2027").text).table("timeline")
        [state] = [row[3] for row in table.rows if "invitations" in row[2]]
        return state

    assert invite_state() == "waits for the plan"
    with open_store(Settings(workspace=root).store_url) as store:
        plan = plan_round(load_workspace(root), "winter-2027", "round-1", {}, [], now=PLANNED_AT)
        save_plan(store, plan, "test")
    assert invite_state() == "waits for approval"


def test_the_answers_export_says_each_meeting_state_as_the_training_page_does(
    desk_client: TestClient, desk_demo: Path
) -> None:
    from consult.coordination.exports import build_table

    page = read_page(training_page(desk_client).text)
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        answers = build_table("answers", load_workspace(desk_demo), store, SLUG)
    exported = {row[0].split("/")[-1]: row[2] for row in answers.rows}
    assert set(exported.values()) - {"confirmed"}, "the demo's meetings are invited or noted"
    for planned, state in exported.items():
        row = page.html.split(f'id="meeting-{planned}"', 1)[1].split("</tr>", 1)[0]
        assert f'class="state state-{state.replace(" ", "-")}">{state}</span>' in row, planned

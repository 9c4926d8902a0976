"""A new training written from the desk, rounds added to it, and the desk on an empty workspace.

Through Starlette's TestClient on a workspace made as `consult init` makes it, with a
registry of four organisations and a participant group (tests/desk/workspaces.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from consult.errors import WorkspaceError
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from consult.workspace.starter import InitAnswers, init_workspace
from consult.workspace.training_file import file_version
from tests.desk.conftest import DeskClient
from tests.desk.workspaces import SENDER, init_with_registry

SLUG = "interview-techniques-2027"
MEETINGS = ("public-defender", "prosecutors-office", "city-court", "victim-support-ngo")


def valid_form(**changes: str) -> dict[str, str]:
    """Return the fields of a valid new-training form, with a first round of four meetings."""
    fields = {
        "title_en": "Interview techniques for case workers",
        "title_ka": "ინტერვიუს ტექნიკა",
        "lang": "ka",
        "slug": SLUG,
        "start": "2027-03-15",
        "end": "2027-03-17",
        "timezone": "Asia/Tbilisi",
        "venue_name": "Hotel Intourist",
        "venue_address": "",
        "venue_city": "Batumi",
        "venue_country": "GE",
        "participants_organisation": "case-workers",
        "participants_count": "16",
        "f1_name": "Levan Kavtaradze",
        "f1_email": "levan@iom.example.org",
        "e1_name": "Andreea Vasilescu",
        "e1_email": "andreea@iom.example.org",
        "e1_language": "en",
        "e1_role": "Lead trainer",
        "themes": "Practice today\nNeeds and gaps",
        "briefing_due": "2027-03-08",
        "coordinator_email": "",
        "meeting_link": "",
        "round_id": "round-1",
        "round_earliest": "2027-01-11",
        "round_latest": "2027-02-26",
        "edited_by": "Nino",
    }
    for row, organisation in enumerate(MEETINGS, start=1):
        fields[f"m{row}_organisation"] = organisation
        fields[f"m{row}_format"] = "in_person"
        fields[f"m{row}_duration"] = "60"
        fields[f"m{row}_location"] = ""
    fields["m4_format"] = "online"
    fields["m4_location"] = "https://meet.jit.si/interview-round-1"
    fields.update(changes)
    return fields


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """A workspace made by `consult init`, its registry of four organisations and a group."""
    return init_with_registry(tmp_path / "workspace")


@pytest.fixture
def client(fresh: Path, open_desk: Callable[..., DeskClient]) -> DeskClient:
    """The desk on the fresh workspace."""
    return open_desk(fresh)


def text_of(html: str) -> str:
    """Return a page's words, tags left out, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def error_beside(html: str, field: str) -> str:
    """Return the error shown beside a field, or ""."""
    found = re.search(rf'id="{re.escape(field)}-error"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def audited(workspace: Path) -> list[tuple[str, str, str]]:
    """Return the audit log's entries: who, what, about what."""
    with open_store(Settings(workspace=workspace).store_url) as store:
        return [(e.actor, e.action, e.subject) for e in store.audit_log()]


def test_an_empty_workspace_home_page_links_to_the_new_training_form(client: DeskClient) -> None:
    home = client.get("/")
    assert home.status_code == 200, home.text
    assert 'href="/trainings/new"' in home.text
    assert "no training yet" in text_of(home.text)
    assert 'href="/registry"' in home.text
    form = client.get("/trainings/new")
    assert form.status_code == 200
    assert 'value="case-workers"' in form.text  # the participant group offered
    assert "Practice today" in form.text  # the default themes, to keep or change


def test_a_workspace_just_made_by_init_opens_on_the_desk_and_the_registry_takes_an_import(
    tmp_path: Path, open_desk: Callable[..., DeskClient]
) -> None:
    # `consult init` without organisations: the desk's first page, not a problem to correct
    root = tmp_path / "workspace"
    init_workspace(root, InitAnswers(sender=SENDER))
    client = open_desk(root)
    home = client.get("/")
    assert home.status_code == 200, home.text
    assert "no training yet" in text_of(home.text)
    assert "problem" not in text_of(home.text)
    registry = client.get("/registry")
    assert registry.status_code == 200, registry.text
    assert 'href="/registry/import"' in registry.text
    # `consult validate` still names the empty registry, with its line
    with pytest.raises(WorkspaceError) as raised:
        load_workspace(root)
    assert any(
        p.path == "organisations" and p.line and "at least 1 organisation" in p.expected
        for p in raised.value.problems
    ), raised.value.problems


def test_a_valid_form_writes_a_training_that_validate_passes(
    client: DeskClient, fresh: Path
) -> None:
    answer = client.post("/trainings/new", data=valid_form(), follow_redirects=False)
    assert answer.status_code == 303, text_of(answer.text)
    assert answer.headers["location"] == f"/trainings/{SLUG}?written=training"
    path = fresh / "trainings" / f"{SLUG}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Training: Interview techniques for case workers")
    assert "{" not in text  # block style
    training = load_workspace(fresh).trainings[SLUG]
    assert training.title.ka == "ინტერვიუს ტექნიკა"
    assert [m.organisation for m in training.consultation.rounds[0].meetings] == list(MEETINGS)
    validated = subprocess.run(
        [sys.executable, "-m", "consult", "validate", str(fresh)], capture_output=True, text=True
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert audited(fresh) == [("Nino", "training.created", SLUG)]
    page = client.get(answer.headers["location"])
    assert page.status_code == 200
    assert f"to {path}" in text_of(page.text)
    assert "round-1" in page.text


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("title_en", "", "missing"),
        ("slug", "Not A Slug", "lowercase letters"),
        ("end", "2027-03-01", "on or after the start"),
        ("timezone", "Mars/Olympus", "Mars/Olympus"),
        ("venue_country", "XX", "XX"),
        ("f1_email", "not-an-email", "not-an-email"),
        ("e1_email", "nobody", "nobody"),
        ("briefing_due", "2027-04-01", "on or before the training starts"),
        ("round_latest", "2027-03-20", "before the training starts"),
        ("m2_duration", "5", "15"),
        ("m4_location", "http://insecure.example.org", "https"),
        ("participants_organisation", "public-defender", "participant_group"),
        ("edited_by", "", "your name"),
    ],
)
def test_each_invalid_field_comes_back_beside_it_and_nothing_is_written(
    client: DeskClient, fresh: Path, field: str, value: str, said: str
) -> None:
    answer = client.post("/trainings/new", data=valid_form(**{field: value}))
    assert answer.status_code == 422
    assert said in error_beside(answer.text, field), text_of(answer.text)
    assert f'href="#{field}"' in answer.text  # the error summary links to it
    assert not list((fresh / "trainings").glob("*.yaml"))


def test_a_training_without_facilitators_experts_themes_or_meetings_is_refused_row_by_row(
    client: DeskClient, fresh: Path
) -> None:
    empty = {f"m{row}_organisation": "" for row in range(1, len(MEETINGS) + 1)}
    fields = valid_form(f1_name="", f1_email="", e1_name="", e1_email="", themes=" \n", **empty)
    fields["title_en"] = "<script>alert(1)</script>"
    answer = client.post("/trainings/new", data=fields)
    assert answer.status_code == 422
    for field in ("f1_name", "e1_name", "themes", "m1_organisation"):
        assert "at least 1 item" in error_beside(answer.text, field), field
    assert "<script>alert" not in answer.text  # what was typed comes back as text
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in answer.text
    assert not list((fresh / "trainings").glob("*.yaml"))


def test_a_slug_that_exists_is_refused(client: DeskClient, fresh: Path) -> None:
    assert (
        client.post("/trainings/new", data=valid_form(), follow_redirects=False).status_code == 303
    )
    before = (fresh / "trainings" / f"{SLUG}.yaml").read_bytes()
    again = client.post("/trainings/new", data=valid_form(title_en="Another"))
    assert again.status_code == 422
    assert "no training of the workspace has" in error_beside(again.text, "slug")
    assert (fresh / "trainings" / f"{SLUG}.yaml").read_bytes() == before


def test_a_slug_left_empty_is_made_of_the_english_title(client: DeskClient, fresh: Path) -> None:
    answer = client.post(
        "/trainings/new",
        data=valid_form(slug="", title_en="Victims' Rights 2027"),
        follow_redirects=False,
    )
    assert answer.status_code == 303, text_of(answer.text)
    assert (fresh / "trainings" / "victims-rights-2027.yaml").is_file()
    wrong = client.post("/trainings/new", data=valid_form(slug="", title_en="Victims' Rights 2027"))
    assert 'value="victims-rights-2027"' in wrong.text  # shown, to change
    assert "no training of the workspace has" in error_beside(wrong.text, "slug")


def round_form(version: str, **changes: str) -> dict[str, Any]:
    """Return the fields of a valid new-round form: round-2 of two meetings."""
    fields = {
        "version": version,
        "round_id": "round-2",
        "round_earliest": "2027-02-01",
        "round_latest": "2027-02-20",
        "m1_organisation": "city-court",
        "m1_format": "in_person",
        "m1_duration": "90",
        "m2_organisation": "public-defender",
        "m2_format": "online",
        "m2_duration": "60",
        "m2_location": "https://meet.jit.si/round-2-pdo",
        "edited_by": "Nino",
    }
    fields.update(changes)
    return fields


HAND_WRITTEN_COMMENT = "# Written by hand: Levan checks the rooms with the venue."


def test_adding_a_round_keeps_the_comments_of_a_hand_written_file(
    client: DeskClient, fresh: Path
) -> None:
    client.post("/trainings/new", data=valid_form(), follow_redirects=False)
    path = fresh / "trainings" / f"{SLUG}.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("venue:\n", f"{HAND_WRITTEN_COMMENT}\nvenue:\n", 1)
    text = text.replace("timezone: Asia/Tbilisi\n", "timezone: Asia/Tbilisi  # Batumi's\n", 1)
    path.write_text(text, encoding="utf-8")
    shown = client.get(f"/trainings/{SLUG}/rounds/new")
    assert shown.status_code == 200
    assert 'value="round-2"' in shown.text
    answer = client.post(
        f"/trainings/{SLUG}/rounds/new", data=round_form(file_version(path)), follow_redirects=False
    )
    assert answer.status_code == 303, text_of(answer.text)
    after = path.read_text(encoding="utf-8")
    assert HAND_WRITTEN_COMMENT in after
    assert "timezone: Asia/Tbilisi  # Batumi's" in after
    assert after.index("title:") < after.index("venue:") < after.index("consultation:")
    training = load_workspace(fresh).trainings[SLUG]
    assert [r.id for r in training.consultation.rounds] == ["round-1", "round-2"]
    assert [m.organisation for m in training.round("round-2").meetings] == [
        "city-court",
        "public-defender",
    ]
    assert audited(fresh)[-1] == ("Nino", "training.round_added", f"{SLUG}/round-2")
    page = client.get(answer.headers["location"])
    assert "round round-2" in text_of(page.text)


def test_a_round_form_opened_before_the_file_changed_is_refused_409(
    client: DeskClient, fresh: Path
) -> None:
    client.post("/trainings/new", data=valid_form(), follow_redirects=False)
    path = fresh / "trainings" / f"{SLUG}.yaml"
    opened = file_version(path)
    path.write_text(path.read_text(encoding="utf-8") + "# edited meanwhile\n", encoding="utf-8")
    before = path.read_bytes()
    answer = client.post(f"/trainings/{SLUG}/rounds/new", data=round_form(opened))
    assert answer.status_code == 409
    assert "changed since this form was opened" in text_of(answer.text)
    assert path.read_bytes() == before


def test_an_invalid_round_comes_back_beside_its_fields(client: DeskClient, fresh: Path) -> None:
    client.post("/trainings/new", data=valid_form(), follow_redirects=False)
    path = fresh / "trainings" / f"{SLUG}.yaml"
    before = path.read_bytes()
    answer = client.post(
        f"/trainings/{SLUG}/rounds/new",
        data=round_form(file_version(path), round_id="round-1", m2_location=""),
    )
    assert answer.status_code == 422
    assert "unique round id" in error_beside(answer.text, "round_id")
    assert "https link" in error_beside(answer.text, "m2_location")
    assert path.read_bytes() == before


def test_a_training_file_with_problems_is_listed_on_the_home_page(
    client: DeskClient, fresh: Path
) -> None:
    client.post("/trainings/new", data=valid_form(), follow_redirects=False)
    path = fresh / "trainings" / f"{SLUG}.yaml"
    text = path.read_text(encoding="utf-8").replace("end: 2027-03-17", "end: 2027-02-30")
    path.write_text(
        text.replace("duration_minutes: 60", "duration_minutes: 5", 1), encoding="utf-8"
    )
    home = client.get("/")
    assert home.status_code == 200
    said = text_of(home.text)
    assert f"trainings/{SLUG}.yaml 13 end got '2027-02-30', expected a valid date" in said
    assert "consultation.rounds[0].meetings[0].duration_minutes got 5" in said
    assert f'href="/trainings/{SLUG}/rounds/new"' in home.text  # the desk wrote it
    assert 'href="/trainings/new"' in home.text


@pytest.mark.e2e
def test_in_chromium_a_coordinator_creates_a_training_with_a_round_of_four_meetings(
    fresh: Path, serve_desk: Callable[..., str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from desk.security import login_url
    from tests.browser import browser_page, screenshots
    from tests.desk.conftest import SECRET
    from tests.desk.flows_browser import (
        Meeting,
        NewRound,
        NewTraining,
        add_round,
        fill_new_training,
        open_new_training,
    )

    url = serve_desk(fresh)
    shots = screenshots(tmp_path)
    first = NewRound(
        "round-1",
        "2027-01-11",
        "2027-02-26",
        [
            Meeting("public-defender"),
            Meeting("prosecutors-office", minutes=90),
            Meeting("city-court", location="Court, room 12"),
            Meeting("victim-support-ngo", "online", location="https://meet.jit.si/vsn-round-1"),
        ],
    )
    training = NewTraining(
        title_en="Interview techniques for case workers",
        slug=SLUG,
        start="2027-03-15",
        end="2027-03-17",
        venue_name="Hotel Intourist",
        venue_city="Batumi",
        participants="case-workers",
        facilitator=("Levan Kavtaradze", "levan@iom.example.org"),
        expert=("Andreea Vasilescu", "andreea@iom.example.org"),
        first_round=first,
        briefing_due="2027-03-08",
        languages=("ka",),
        titles={"ka": "ინტერვიუს ტექნიკა"},
    )
    with browser_page(800, 900, timeout_ms=30_000) as page:
        page.goto(login_url(url, SECRET))
        expect(page.locator("#no-training")).to_be_visible()
        page.screenshot(path=shots / "1-empty-home.png", full_page=True)
        open_new_training(page)
        fill_new_training(page, training)
        page.fill("#m4_location", "http://not-https.example.org")  # a mistake first
        page.get_by_role("button", name="Write the training").click()
        expect(page.locator("#error-summary")).to_be_visible()
        expect(page.locator("#m4_location-error")).to_contain_text("https")
        page.screenshot(path=shots / "2-new-training-invalid.png", full_page=True)
        page.locator("#error-summary a").first.click()
        page.fill("#m4_location", "https://meet.jit.si/vsn-round-1")
        page.fill("#edited_by", "Nino Beridze")
        page.get_by_role("button", name="Write the training").click()
        expect(page.locator("#written")).to_contain_text(f"{SLUG}.yaml")
        expect(page.locator("#rounds h3").first).to_contain_text("round-1")
        page.screenshot(path=shots / "3-training.png", full_page=True)
        add_round(
            page,
            NewRound(
                "round-2",
                "2027-02-01",
                "2027-02-20",
                [Meeting("city-court", "online", location="https://meet.jit.si/court-2")],
            ),
        )
        expect(page.locator("#written")).to_contain_text("round round-2")
        expect(page.locator("#rounds")).to_contain_text("round-2")
        page.screenshot(path=shots / "4-training-two-rounds.png", full_page=True)
    rounds = load_workspace(fresh).trainings[SLUG].consultation.rounds
    assert [len(r.meetings) for r in rounds] == [4, 1]


def test_meetings_added_to_a_round_keep_its_own_and_take_ids_of_their_own(
    client: DeskClient, fresh: Path
) -> None:
    client.post("/trainings/new", data=valid_form(), follow_redirects=False)
    path = fresh / "trainings" / f"{SLUG}.yaml"
    address = f"/trainings/{SLUG}/rounds/round-1/meetings/new"
    assert f'href="{address}"' in client.get(f"/trainings/{SLUG}").text
    shown = client.get(address)
    assert shown.status_code == 200
    assert 'id="round_id"' not in shown.text  # the round is the one named
    fields = {
        "version": file_version(path),
        "m1_organisation": "city-court",  # a second meeting with the court
        "m1_format": "group_discussion",
        "m1_duration": "120",
        "edited_by": "Nino",
    }
    answer = client.post(address, data=fields, follow_redirects=False)
    assert answer.status_code == 303, text_of(answer.text)
    meetings = load_workspace(fresh).trainings[SLUG].round("round-1").meetings
    assert [m.id for m in meetings] == [*MEETINGS, "city-court-2"]
    assert audited(fresh)[-1] == ("Nino", "training.meetings_added", f"{SLUG}/round-1")
    said = text_of(client.get(answer.headers["location"]).text)
    assert "the meetings added to round round-1" in said


def test_a_meeting_row_with_a_mistake_is_refused_beside_it(client: DeskClient, fresh: Path) -> None:
    client.post("/trainings/new", data=valid_form(), follow_redirects=False)
    path = fresh / "trainings" / f"{SLUG}.yaml"
    before = path.read_bytes()
    address = f"/trainings/{SLUG}/rounds/round-1/meetings/new"
    fields = {
        "version": file_version(path),
        "m1_organisation": "city-court",
        "m1_format": "in_person",
        "m1_duration": "60",
        "m2_organisation": "public-defender",
        "m2_format": "online",
        "m2_duration": "60",
        "edited_by": "Nino",
    }
    answer = client.post(address, data=fields)
    assert answer.status_code == 422
    assert "https link" in error_beside(answer.text, "m2_location")
    assert not error_beside(answer.text, "m1_organisation")
    nothing = client.post(address, data={"version": file_version(path), "edited_by": "Nino"})
    assert nothing.status_code == 422
    assert "choose its organisation" in error_beside(nothing.text, "m1_organisation")
    assert path.read_bytes() == before
    assert client.get(f"/trainings/{SLUG}/rounds/round-9/meetings/new").status_code == 404

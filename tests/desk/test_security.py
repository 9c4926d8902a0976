"""The desk against other sites: its own hosts only, a session only with its secret, forms only
from its own pages with the session's token (desk.security)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from consult.settings import Settings
from consult.workspace.registry_edit import CONTACT_FIELDS, ORGANISATION_FIELDS
from desk.app import create_app
from desk.security import CSRF_FIELD, LOCKED, TOKEN_PARAMETER
from tests.desk.conftest import SECRET, SLUG, DeskClient, desk_on, form_token
from tests.desk.html import forms
from tests.desk.test_notes import the_meeting
from tests.desk.test_registry_edit import CONTACT, ORGANISATION, as_shown, registry

NOTES = f"/trainings/{SLUG}/meetings/round-1/unhcr-georgia/notes"
TEMPLATES = Path(__file__).resolve().parents[2] / "desk" / "templates"
AUTH = "consult:a-long-random-password"


def state_db(workspace: Path) -> bytes:
    return (workspace / ".consult" / "state.db").read_bytes()


# Cross-site request forgery: a form is the desk's only with its session's token and Origin.


@pytest.mark.parametrize("origin", [None, "null", "http://127.0.0.1:9999"])
def test_an_organisation_edit_from_anywhere_but_the_desk_writes_nothing(
    desk_client: DeskClient, desk_demo: Path, origin: str | None
) -> None:
    before = registry(desk_demo)
    form = as_shown(desk_client, ORGANISATION, ORGANISATION_FIELDS, name="Pwned", edited_by="M")
    answer = desk_client.post(ORGANISATION, data=form, origin=origin)
    assert answer.status_code == 403
    assert "nothing was saved" in answer.text
    assert registry(desk_demo) == before


def test_a_form_without_the_desks_token_writes_nothing_even_from_its_own_origin(
    desk_client: DeskClient, desk_demo: Path
) -> None:
    before, store = registry(desk_demo), state_db(desk_demo)
    contact = as_shown(desk_client, CONTACT, CONTACT_FIELDS, busy_feed="http://evil.example/f.ics")
    for url, form in (
        (CONTACT, contact | {"edited_by": "Mallory"}),
        (CONTACT, contact | {"edited_by": "Mallory", CSRF_FIELD: "forged"}),
        (NOTES, {"date": "2026-12-08", "recorded_by": "M", "o1-text": "planted"}),
        (f"/trainings/{SLUG}/start", {"step": "plan/round-1"}),
        ("/decisions/00000000-0000-0000-0000-000000000000", {"decision": "approve"}),
        ("/registry/import", {"sheet": "Organisation ID,Email"}),
        ("/registry/import/" + "x" * 22, {"action": "confirm", "edited_by": "Mallory"}),
        ("/registry/organisations/new", {"organisation_id": "pwned", "edited_by": "Mallory"}),
        (f"{ORGANISATION}/contacts/new", {"email": "m@evil.example", "edited_by": "Mallory"}),
        (f"{CONTACT}/remove", {"edited_by": "Mallory"}),
        (f"{ORGANISATION}/remove", {"edited_by": "Mallory"}),
    ):
        answer = desk_client.post(url, data=form, token=False, follow_redirects=False)
        assert answer.status_code == 403, url
        assert "nothing was saved" in answer.text, url
    assert registry(desk_demo) == before
    assert state_db(desk_demo) == store


def test_another_sessions_token_is_no_key(
    desk_client: DeskClient, desk_demo: Path, open_desk: Callable[..., DeskClient]
) -> None:
    before = registry(desk_demo)
    other = open_desk(desk_demo)
    form = as_shown(desk_client, ORGANISATION, ORGANISATION_FIELDS, name="Pwned", edited_by="M")
    stolen = form | {CSRF_FIELD: form_token(other.cookies)}
    assert form_token(other.cookies) != form_token(desk_client.cookies)
    assert desk_client.post(ORGANISATION, data=stolen).status_code == 403
    assert registry(desk_demo) == before


def test_every_post_form_of_every_template_carries_the_token() -> None:
    for template in TEMPLATES.glob("*.j2"):
        text = template.read_text(encoding="utf-8")
        for opened in re.finditer(r"<form\b[^>]*>", text):
            if 'method="post"' in opened.group(0):
                after = text[opened.end() :].lstrip()
                assert after.startswith(
                    '<input type="hidden" name="{{ csrf_field }}" value="{{ csrf_token }}">'
                ), (template.name, opened.group(0))


def test_every_form_of_the_desks_pages_carries_its_sessions_token(
    desk_demo: Path, open_desk: Callable[..., DeskClient]
) -> None:
    held = the_meeting(desk_demo).end + dt.timedelta(hours=1)
    desk = open_desk(desk_demo, clock=lambda: held)
    token = form_token(desk.cookies)
    assert token
    # The training page: compile the pack, read replies, send reminders, start a step.
    meeting = f"/trainings/{SLUG}/meetings/round-1/pm-human-rights-advisor"
    pages = {
        f"/trainings/{SLUG}": 4,
        NOTES: 1,
        ORGANISATION: 1,
        CONTACT: 1,
        "/registry/import": 1,
        "/registry/organisations/new": 1,
        f"{ORGANISATION}/contacts/new": 1,
        f"{meeting}/reschedule": 1,
        f"{meeting}/cancel": 1,
    }
    for path, count in pages.items():
        posted = [f for f in forms(desk.get(path).text) if f["method"] == "post"]
        assert len(posted) == count, path
        assert all(f[f"hidden:{CSRF_FIELD}"] == token for f in posted), path


def test_the_desks_own_form_as_shown_saves(desk_client: DeskClient, desk_demo: Path) -> None:
    html = desk_client.get(ORGANISATION).text
    [form] = [f for f in forms(html) if f["method"] == "post"]
    fields = as_shown(desk_client, ORGANISATION, ORGANISATION_FIELDS, influence="high")
    fields |= {"edited_by": "Nino", CSRF_FIELD: form[f"hidden:{CSRF_FIELD}"]}
    answer = desk_client.post(ORGANISATION, data=fields, token=False)
    assert answer.status_code == 200
    assert "Saved: influence changed." in answer.text


# DNS rebinding: the desk answers only to its own host names.


@pytest.mark.parametrize(
    "path", ["/", f"/trainings/{SLUG}/exports/registry.csv", "/static/desk.css"]
)
def test_a_request_for_a_host_not_allowed_is_refused(desk_client: DeskClient, path: str) -> None:
    answer = desk_client.get(path, headers={"Host": "evil.example:4381"})
    assert answer.status_code == 400
    assert "@" not in answer.text


def test_an_edit_for_a_host_not_allowed_writes_nothing(
    desk_client: DeskClient, desk_demo: Path
) -> None:
    before = registry(desk_demo)
    form = as_shown(desk_client, ORGANISATION, ORGANISATION_FIELDS, name="Pwned", edited_by="M")
    rebound = {"Host": "evil.example:4381"}
    answer = desk_client.post(ORGANISATION, data=form, headers=rebound, origin=None)
    assert answer.status_code == 400
    answer = desk_client.post(ORGANISATION, data=form, headers=rebound)
    assert answer.status_code == 400
    assert registry(desk_demo) == before


def test_the_hosts_are_loopback_by_default_and_a_setting_adds_a_teams_server(
    desk_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Settings().desk_hosts == ("127.0.0.1", "localhost")
    monkeypatch.setenv("CONSULT_DESK_HOSTS", "desk.team.example, 127.0.0.1")
    assert Settings().desk_hosts == ("desk.team.example", "127.0.0.1")
    desk = dataclasses.replace(desk_on(desk_demo), settings=Settings(workspace=desk_demo), hosts=())
    with DeskClient(create_app(desk), base_url="http://desk.team.example:4280") as team:
        assert team.get("/", params={TOKEN_PARAMETER: SECRET}).status_code == 200
        assert team.get("/", headers={"Host": "localhost:4280"}).status_code == 400
        assert team.get("/", headers={"Host": "127.0.0.1:4280"}).status_code == 200


# The local desk opens only with the secret `consult ui` printed.


@pytest.mark.parametrize("path", ["/", f"/trainings/{SLUG}/exports/registry.csv", "/registry"])
def test_the_local_desk_refuses_a_request_without_its_session(
    desk_demo: Path, open_desk: Callable[..., DeskClient], path: str
) -> None:
    stranger = open_desk(desk_demo, login=False)
    for cookies in ({}, {"consult-desk": "forged.0123"}):
        stranger.cookies.clear()
        for name, value in cookies.items():
            stranger.cookies.set(name, value)
        answer = stranger.get(path)
        assert answer.status_code == 403
        assert LOCKED in answer.text
        assert "@" not in answer.text
    wrong = stranger.get(path, params={TOKEN_PARAMETER: "guess"}, follow_redirects=False)
    assert wrong.status_code == 403
    assert "set-cookie" not in wrong.headers


def test_the_first_address_opens_a_session_and_goes_to_the_clean_address(
    desk_demo: Path, open_desk: Callable[..., DeskClient]
) -> None:
    coordinator = open_desk(desk_demo, login=False)
    answer = coordinator.get(
        f"/trainings/{SLUG}", params={TOKEN_PARAMETER: SECRET, "x": "1"}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/trainings/{SLUG}?x=1"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("consult-desk=")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert SECRET not in cookie
    assert coordinator.get(f"/trainings/{SLUG}").status_code == 200
    assert coordinator.get("/static/desk.css").status_code == 200
    encoded = "/registry/organisations/prosecutors-office/contacts/l.gelashvili%40example.gov.ge"
    again = coordinator.get(f"{encoded}?token={SECRET}", follow_redirects=False)
    assert again.headers["location"] == encoded
    elsewhere = coordinator.get(
        f"http://testserver//evil.example/?token={SECRET}", follow_redirects=False
    )
    assert elsewhere.headers["location"] == "/evil.example/"


def test_a_team_desk_asks_basic_auth_and_no_token_and_its_forms_still_need_the_token(
    desk_demo: Path, open_desk: Callable[..., DeskClient]
) -> None:
    team = open_desk(desk_demo, auth_string=AUTH)
    auth = tuple(AUTH.split(":", 1))
    assert team.get("/registry").status_code == 401
    first = team.get(ORGANISATION, params={TOKEN_PARAMETER: "anything"}, auth=auth)
    assert first.status_code == 200  # the credentials are the key: no token is looked at
    assert "SameSite=Strict" in first.headers["set-cookie"]
    before = registry(desk_demo)
    team.auth = auth
    form = as_shown(team, ORGANISATION, ORGANISATION_FIELDS, influence="high", edited_by="N")
    assert team.post(ORGANISATION, data=form, token=False).status_code == 403
    assert team.post(ORGANISATION, data=form, origin="null").status_code == 403
    assert registry(desk_demo) == before
    saved = team.post(ORGANISATION, data=form)
    assert saved.status_code == 200
    assert "Saved: influence changed." in saved.text


def test_consult_ui_keeps_the_desks_secret_in_a_file_of_its_owner_alone(tmp_path: Path) -> None:
    from consult.ui import desk_secret_file

    path = tmp_path / "home" / "desk-token"
    path.parent.mkdir()
    path.write_text("an old one")
    path.chmod(0o644)
    secret = desk_secret_file(path)
    assert path.read_text() == secret
    assert len(secret) >= 40
    assert path.stat().st_mode & 0o777 == 0o600
    assert desk_secret_file(path) != secret


def test_python_m_desk_reads_its_secret_from_the_file_and_answers_to_its_bind_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import desk.__main__ as main

    (tmp_path / "desk-token").write_text("from-the-file\n")
    seen: dict[str, object] = {}
    monkeypatch.setattr(main.uvicorn, "run", lambda app, **options: seen.update(options))
    monkeypatch.setattr(main, "create_app", lambda desk: seen.update(desk=desk))
    main.main(
        ["--host", "10.0.0.5", "--port", "4281", "--token-file", str(tmp_path / "desk-token")]
    )
    desk = seen["desk"]
    assert desk.secret == "from-the-file"  # type: ignore[attr-defined]
    assert "10.0.0.5" in desk.allowed_hosts  # type: ignore[attr-defined]

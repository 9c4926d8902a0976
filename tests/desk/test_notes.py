"""Notes in minutes: a meeting's attendance and observations typed into the desk's form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from consult.settings import Settings
from consult.store import open_store
from schemas import Meeting
from tests.desk.conftest import SLUG
from tests.desk.html import read_page

MEETING = f"{SLUG}/round-1/unhcr-georgia"
NOTES = f"/trainings/{SLUG}/meetings/round-1/unhcr-georgia/notes"
"""The address of the notes form of the UNHCR meeting of the demo."""
SELIN = "s.aydemir@unhcr.example.org"
TBILISI = ZoneInfo("Asia/Tbilisi")


@pytest.fixture
def notes_at(
    desk_demo: Path, open_desk: Callable[..., TestClient]
) -> Callable[[dt.datetime], TestClient]:
    """Open the desk with its clock at a moment: `desk = notes_at(moment)`."""
    return lambda moment: open_desk(desk_demo, clock=lambda: moment)


@pytest.fixture
def day(desk_demo: Path) -> str:
    """The UNHCR meeting's day in Tbilisi, as the form wants it."""
    return meeting_day(desk_demo)


@pytest.fixture
def desk(desk_demo: Path, notes_at: Callable[[dt.datetime], TestClient]) -> TestClient:
    """The desk an hour after the UNHCR meeting of the demo ended, its notes to record."""
    return notes_at(the_meeting(desk_demo).end + dt.timedelta(hours=1))


def observation(number: int, **values: str) -> dict[str, str]:
    """Return the form fields of observation row `number`."""
    fields = {"kind": "", "theme": "", "severity": "", "confidentiality": "internal", "text": ""}
    fields.update({"quote": "", "speaker_role": "", "owner": "", "due": ""}, **values)
    return {f"o{number}-{name}": value for name, value in fields.items()}


def posted(
    day: str, *rows: dict[str, str], **fields: str | list[str]
) -> dict[str, str | list[str]]:
    """Return a whole form: the meeting's fields (dated `day` unless `date` says otherwise),
    then one observation row per `rows`."""
    form: dict[str, str | list[str]] = {"date": day, "recorded_by": "Nino Beridze"}
    form.update(fields)
    form["row"] = [str(n) for n in range(1, len(rows) + 1)]
    for row in rows:
        form.update(row)
    return form


def stored(workspace: Path) -> list[tuple[str, str, str, str]]:
    with open_store(Settings(workspace=workspace).store_url) as store:
        return [
            (o.key, o.kind, o.theme, o.text)
            for o in store.observations(meeting_id=MEETING)
            if o.key.startswith("form/")
        ]


def the_meeting(workspace: Path) -> Meeting:
    with open_store(Settings(workspace=workspace).store_url) as store:
        meeting = store.get_meeting(MEETING)
    assert meeting is not None
    return meeting


def meeting_day(workspace: Path) -> str:
    return the_meeting(workspace).start.astimezone(TBILISI).date().isoformat()


def attendance(workspace: Path) -> dict[str, bool | None]:
    with open_store(Settings(workspace=workspace).store_url) as store:
        return {a.email: a.attended for a in store.attendees(MEETING)}


def invitee_email(workspace: Path) -> str:
    with open_store(Settings(workspace=workspace).store_url) as store:
        return next(a.email for a in store.attendees(MEETING) if a.role != "CHAIR")


def test_the_form_offers_the_training_themes_and_kinds_as_drop_downs(
    desk: TestClient, desk_demo: Path
) -> None:
    page = read_page(desk.get(NOTES).text)
    assert page.ids["o1-theme"]["tag"] == "select"
    assert page.ids["o1-kind"]["tag"] == "select"
    assert 'value="bias-indicators"' in page.html
    assert 'value="good_practice">good practice</option>' in page.html
    assert page.value("o1-confidentiality") == "internal"
    assert "o1-id" not in page.ids
    assert page.value("date") == meeting_day(desk_demo)
    assert "Attendance" in page.html


def test_a_form_with_mistakes_comes_back_with_every_value_kept_and_each_error_beside_its_field(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    email = invitee_email(desk_demo)
    form = posted(
        day,
        observation(1, kind="gap", theme="interpreters", severity="3", text="No interpreter."),
        observation(
            2,
            kind="commitment",
            theme="bias-indicators",
            severity="2",
            text="Share the checklist.",
            quote="We will send it",
        ),
        observation(3, kind="need", theme="made-up", severity="9", text="Training on <bias>"),
        date="08.12.2026",
        attended=[email],
    )
    answer = desk.post(NOTES, data=form)
    assert answer.status_code == 422
    page = read_page(answer.text)
    expected = f"got '08.12.2026', expected a date such as {meeting_day(desk_demo)}"
    assert page.text("date-error") == expected
    assert page.value("date") == "08.12.2026"
    assert page.text("o2-owner-error") == "required"
    assert page.value("o2-text") == "Share the checklist."
    assert page.value("o2-quote") == "We will send it"
    assert page.value("o2-kind") == "commitment"
    assert page.text("o3-theme-error") == "'made-up' is not a theme of this training"
    assert page.text("o3-severity-error") == "Input should be less than or equal to 4"
    assert page.value("o3-text") == "Training on <bias>"
    assert "o1-kind-error" not in page.ids
    assert page.value("o1-text") == "No interpreter."
    assert page.value("recorded_by") == "Nino Beridze"
    assert f'value="{email}" checked' in answer.text
    assert "4 fields to correct" in page.html
    assert stored(desk_demo) == []


def test_saving_the_same_notes_twice_stores_them_once_and_an_edit_updates(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    first = observation(1, kind="gap", theme="interpreters", severity="3", text="No interpreter.")
    answer = desk.post(NOTES, data=posted(day, first))
    assert answer.status_code == 200
    assert "Saved: 1 added, 0 updated, 0 unchanged, 0 rejected." in answer.text
    again = desk.post(NOTES, data=posted(day, first))
    assert "Saved: 0 added, 0 updated, 1 unchanged, 0 rejected." in again.text
    page = read_page(again.text)
    assert page.value("o1-text") == "No interpreter."
    assert page.value("o1-theme") == "interpreters"
    edited = observation(1, kind="gap", theme="interpreters", severity="4", text="None at all.")
    desk.post(NOTES, data=posted(day, edited))
    assert stored(desk_demo) == [
        ("form/round-1/unhcr-georgia#o1", "gap", "interpreters", "None at all.")
    ]


def test_the_ticked_invitees_are_recorded_as_attended(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    email = invitee_email(desk_demo)
    desk.post(NOTES, data=posted(day, attended=[email]))
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        attended = {a.email: a.attended for a in store.attendees(MEETING) if a.role != "CHAIR"}
        log = store.audit_log(MEETING)
    assert attended[email] is True
    assert [value for other, value in attended.items() if other != email] == [False] * (
        len(attended) - 1
    )
    assert log[-1].action == "notes.attendance"
    assert log[-1].actor == "Nino Beridze"
    page = read_page(desk.get(NOTES).text)
    assert f'value="{email}" checked' in page.html


def test_a_restricted_observation_is_stored_and_never_shown_back(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    secret = observation(
        1,
        kind="challenge",
        theme="interpreters",
        severity="2",
        confidentiality="restricted",
        text="The named officer refuses interpreters.",
    )
    answer = desk.post(NOTES, data=posted(day, secret))
    assert "The named officer" not in answer.text
    assert "A restricted challenge on interpreters" in answer.text
    assert [row[3] for row in stored(desk_demo)] == ["The named officer refuses interpreters."]
    training = desk.get(f"/trainings/{SLUG}")
    assert "The named officer" not in training.text


def test_an_unknown_meeting_is_a_page_that_names_it(desk_client: TestClient) -> None:
    answer = desk_client.get(f"/trainings/{SLUG}/meetings/round-1/nobody/notes")
    assert answer.status_code == 404
    assert f"there is no meeting &#39;nobody&#39; in {SLUG}/round-1" in answer.text


def test_a_form_posted_from_another_site_saves_nothing(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    form = posted(day, observation(1, kind="gap", theme="interpreters", severity="3", text="x"))
    answer = desk.post(NOTES, data=form, headers={"Origin": "http://evil.example"})
    assert answer.status_code == 403
    assert stored(desk_demo) == []


def test_a_mistake_in_one_observation_alone_saves_nothing_of_the_form(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    form = posted(
        day,
        observation(1, kind="gap", theme="interpreters", severity="3", text="No interpreter."),
        observation(2, kind="commitment", theme="interpreters", severity="2", text="A list."),
    )
    answer = desk.post(NOTES, data=form)
    assert answer.status_code == 422
    assert read_page(answer.text).text("o2-owner-error") == "required"
    assert stored(desk_demo) == []


def test_a_meeting_not_started_yet_says_when_it_is_and_offers_no_form(
    notes_at: Callable[[dt.datetime], TestClient], desk_demo: Path
) -> None:
    meeting = the_meeting(desk_demo)
    answer = notes_at(meeting.start - dt.timedelta(minutes=1)).get(NOTES)
    assert answer.status_code == 200
    page = read_page(answer.text)
    when = meeting.start.astimezone(TBILISI).strftime("%a %d %b %Y %H:%M")
    assert page.text("closed") == (
        f"This meeting is on {when} (Asia/Tbilisi): notes can be recorded once it has started."
    )
    assert "<form" not in page.html
    assert "recorded_by" not in page.ids
    assert "Save notes" not in page.html


def test_notes_posted_before_the_meeting_started_are_refused_and_nothing_is_stored(
    notes_at: Callable[[dt.datetime], TestClient], desk_demo: Path, day: str
) -> None:
    meeting = the_meeting(desk_demo)
    before = attendance(desk_demo)
    form = posted(
        day,
        observation(1, kind="gap", theme="interpreters", severity="3", text="No interpreter."),
        attended=[invitee_email(desk_demo)],
    )
    answer = notes_at(meeting.start - dt.timedelta(days=1)).post(NOTES, data=form)
    assert answer.status_code == 409
    when = meeting.start.astimezone(TBILISI).strftime("%a %d %b %Y %H:%M")
    assert read_page(answer.text).text("closed") == (
        f"This meeting is on {when} (Asia/Tbilisi): notes can be recorded once it has started."
    )
    assert stored(desk_demo) == []
    assert attendance(desk_demo) == before
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        assert [e for e in store.audit_log(MEETING) if e.actor == "Nino Beridze"] == []


def test_a_cancelled_meetings_notes_are_refused_unless_it_was_held_after_all(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        store.set_meeting_status(MEETING, "cancelled", "test")
    before = attendance(desk_demo)
    training = desk.get(f"/trainings/{SLUG}").text
    assert f'{NOTES}">held after all?</a>' in training
    page = read_page(desk.get(NOTES).text)
    assert page.ids["held"]["tag"] == "input"
    assert "It was held after all" in page.html
    form = posted(
        day,
        observation(1, kind="gap", theme="interpreters", severity="3", text="No interpreter."),
        attended=[invitee_email(desk_demo)],
    )
    answer = desk.post(NOTES, data=form)
    assert answer.status_code == 422
    assert read_page(answer.text).text("held-error") == (
        "this meeting was cancelled: tick this box if it was held after all, or record no notes"
    )
    assert stored(desk_demo) == []
    assert attendance(desk_demo) == before
    assert the_meeting(desk_demo).status == "cancelled"


def test_a_cancelled_meeting_held_after_all_takes_its_notes_and_is_cancelled_no_more(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        store.set_meeting_status(MEETING, "cancelled", "test")
    form = posted(
        day,
        observation(1, kind="gap", theme="interpreters", severity="3", text="No interpreter."),
        held="yes",
    )
    answer = desk.post(NOTES, data=form)
    assert "Saved: 1 added, 0 updated, 0 unchanged, 0 rejected." in answer.text
    assert the_meeting(desk_demo).status == "held"
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        [change] = [e for e in store.audit_log(MEETING) if e.action == "meeting.status"][-1:]
    assert (change.actor, change.detail["from"], change.detail["to"]) == (
        "Nino Beridze",
        "cancelled",
        "held",
    )
    assert "held-error" not in read_page(answer.text).ids


def test_after_a_save_the_form_comes_back_recorded_by_the_same_name(
    desk: TestClient, day: str
) -> None:
    first = observation(1, kind="gap", theme="interpreters", severity="3", text="No interpreter.")
    saved = desk.post(NOTES, data=posted(day, first))
    assert "Saved: 1 added" in saved.text
    assert read_page(saved.text).value("recorded_by") == "Nino Beridze"
    assert read_page(desk.get(NOTES).text).value("recorded_by") == ("Nino Beridze")


def test_the_name_comes_from_the_last_desk_save_of_this_meeting_alone(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    email = invitee_email(desk_demo)
    desk.post(NOTES, data=posted(day, attended=[email], recorded_by="Giorgi Kapanadze"))
    desk.post(NOTES, data=posted(day, attended=[email], recorded_by="Nino Beridze"))
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        store.audit("Someone Else", "notes.attendance", MEETING, {"source": "notes/unhcr.yaml"})
    page = read_page(desk.get(NOTES).text)
    assert page.value("recorded_by") == "Nino Beridze"


def test_a_form_over_the_limit_or_not_utf8_saves_nothing_and_says_why(
    desk: TestClient, desk_demo: Path
) -> None:
    from desk.endpoints.shared import FORM_LIMIT

    big = desk.post(NOTES, content=b"o1-text=" + b"x" * FORM_LIMIT)
    assert big.status_code == 413
    assert f"the form is over {FORM_LIMIT:,} bytes: nothing was saved" in big.text
    latin = desk.post(NOTES, content="recorded_by=Zo\xe9".encode("latin-1"))
    assert latin.status_code == 400
    assert "the form is not UTF-8: nothing was saved" in latin.text
    assert stored(desk_demo) == []


def invitee_name(workspace: Path) -> str:
    with open_store(Settings(workspace=workspace).store_url) as store:
        return next(a.name for a in store.attendees(MEETING) if a.role != "CHAIR")


def test_a_speaker_role_that_names_an_invitee_is_refused_beside_its_field(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    name = invitee_name(desk_demo)
    surname = name.split()[-1]
    form = posted(
        day,
        observation(1, kind="gap", theme="interpreters", severity="3", text="No interpreter."),
        observation(
            2, kind="need", theme="interpreters", severity="2", text="A list.", speaker_role=surname
        ),
    )
    answer = desk.post(NOTES, data=form)
    assert answer.status_code == 422
    page = read_page(answer.text)
    assert page.text("o2-speaker_role-error") == (
        f"{surname!r} names a person (a contact of unhcr-georgia): write the speaker's role, "
        "never a name"
    )
    assert page.value("o2-speaker_role") == surname
    assert stored(desk_demo) == []


def test_a_date_such_as_9999_12_31_is_refused_even_with_a_reason(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    today = (the_meeting(desk_demo).end + dt.timedelta(hours=1)).astimezone(TBILISI).date()
    far = posted(day, date="9999-12-31")
    answer = desk.post(NOTES, data=far)
    assert answer.status_code == 422
    held = dt.date.fromisoformat(day)
    assert read_page(answer.text).text("date-error") == (
        f"9999-12-31 is not the meeting's day ({held:%a %d %b %Y}): give its day, or say why in "
        "date_reason"
    )
    answer = desk.post(NOTES, data=posted(day, date="9999-12-31", date_reason="typed late"))
    assert answer.status_code == 422
    assert read_page(answer.text).text("date-error") == (
        f"9999-12-31 has not come yet (today is {today.isoformat()})"
    )
    assert read_page(answer.text).value("date_reason") == "typed late"


def test_a_commitment_due_before_its_meeting_or_years_ahead_is_refused(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    held = dt.date.fromisoformat(day)
    before = (held - dt.timedelta(days=3)).isoformat()
    commitment = {"kind": "commitment", "theme": "interpreters", "severity": "2", "owner": "UNHCR"}
    form = posted(
        day,
        observation(1, text="Send the list.", due=before, **commitment),
        observation(2, text="Send the rest.", due="9999-12-31", **commitment),
    )
    answer = desk.post(NOTES, data=form)
    assert answer.status_code == 422
    page = read_page(answer.text)
    assert page.text("o1-due-error") == (
        f"{before} is before the meeting ({held:%a %d %b %Y}): a commitment falls due after it"
    )
    assert page.text("o2-due-error").startswith("9999-12-31 is more than a year after the training")
    assert stored(desk_demo) == []


def test_an_attended_address_that_is_no_invitee_is_refused(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    before = attendance(desk_demo)
    answer = desk.post(
        NOTES, data=posted(day, attended=[invitee_email(desk_demo), "someone@else.example"])
    )
    assert answer.status_code == 422
    assert read_page(answer.text).text("attended-error") == (
        "'someone@else.example' is no invitee of this meeting: tick the invitees who came, and "
        "write the names of people who came uninvited below"
    )
    assert attendance(desk_demo) == before


def test_people_who_came_uninvited_and_a_count_of_others_are_recorded_and_shown_again(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    email = invitee_email(desk_demo)
    form = posted(day, attended=[email], guests="Levan Abashidze\nმაკა ლომიძე\n", others="13")
    answer = desk.post(NOTES, data=form)
    assert answer.status_code == 200, answer.text
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        [event] = [e for e in store.audit_log(MEETING) if e.action == "notes.attendance"][-1:]
    assert event.detail["source"] == "form/round-1/unhcr-georgia"
    assert event.detail["others"] == 13
    names = [a["name"] for a in event.detail["attendance"]]
    assert names[1:] == ["Levan Abashidze", "მაკა ლომიძე"]
    page = read_page(desk.get(NOTES).text)
    assert page.value("guests") == "Levan Abashidze\nმაკა ლომიძე"
    assert page.value("others") == "13"
    assert f'value="{email}" checked' in page.html


def test_the_desk_and_the_prefect_form_keep_one_meetings_notes_once(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    from consult.application.notes import FormNotes, record_meeting_notes
    from consult.application.references import round_ref
    from consult.bootstrap import assemble
    from consult.workspace.loading import load_workspace
    from schemas import ObservationInput

    row = {"kind": "gap", "theme": "interpreters", "severity": "3", "text": "No interpreter."}
    assert "1 added" in desk.post(NOTES, data=posted(day, observation(1, **row))).text
    settings = Settings(workspace=desk_demo)
    workspace = load_workspace(desk_demo)
    after = the_meeting(desk_demo).end + dt.timedelta(hours=2)
    with open_store(settings.store_url) as store:
        built = assemble(settings, workspace, store, lambda: after)
        report = record_meeting_notes(  # as the Prefect UI's record-notes form does
            built,
            round_ref(workspace, SLUG, "round-1"),
            "unhcr-georgia",
            FormNotes(
                date=dt.date.fromisoformat(day),
                observations=[ObservationInput.model_validate({**row, "severity": 3})],
            ),
            "Giorgi",
        )
    assert report.summary() == "0 added, 0 updated, 1 unchanged, 0 rejected"
    assert stored(desk_demo) == [
        ("form/round-1/unhcr-georgia#o1", "gap", "interpreters", "No interpreter.")
    ]


def test_translations_typed_into_the_form_are_stored_apart_and_shown_back(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    row = observation(
        1,
        kind="gap",
        theme="interpreters",
        severity="3",
        text="No interpreter for Persian.",
        speaker_role="protection officer",
        text_ka="სპარსულის თარჯიმანი არ არის.",
        speaker_role_ka="დაცვის ოფიცერი",
    )
    answer = desk.post(NOTES, data=posted(day, row))
    assert answer.status_code == 200, answer.text
    with open_store(Settings(workspace=desk_demo).store_url) as store:
        [saved] = [o for o in store.observations(meeting_id=MEETING) if o.key.startswith("form/")]
    assert saved.text == "No interpreter for Persian."
    assert saved.translations == {
        "ka": {"text": "სპარსულის თარჯიმანი არ არის.", "speaker_role": "დაცვის ოფიცერი"}
    }
    page = read_page(desk.get(NOTES).text)
    assert page.value("o1-text_ka") == "სპარსულის თარჯიმანი არ არის."
    assert page.value("o1-speaker_role_ka") == "დაცვის ოფიცერი"


def test_a_translated_role_without_its_text_is_an_error_beside_the_text(
    desk: TestClient, desk_demo: Path, day: str
) -> None:
    row = observation(
        1,
        kind="gap",
        theme="interpreters",
        severity="3",
        text="No interpreter.",
        speaker_role="protection officer",
        speaker_role_ru="сотрудник по защите",
    )
    answer = desk.post(NOTES, data=posted(day, row))
    assert answer.status_code == 422
    assert read_page(answer.text).text("o1-text_ru-error") == "required"
    assert stored(desk_demo) == []

"""Notes that hold: the checks every source of notes goes through, seen through notes files.

The same checks answer the desk's form (tests/desk/test_notes.py) and KoboToolbox
(test_kobo_checks.py); here a Markdown or CSV file is imported as `consult
import-notes` does, at a moment the test chooses.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consult.application.notes import import_notes
from consult.application.references import training_ref
from consult.bootstrap import assemble
from consult.briefing.gathering import gather
from consult.mail.invitations import kind_for
from consult.notes.importing import ImportReport
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from schemas import Meeting

SLUG = "winter-2027"
MEETING = f"{SLUG}/round-1/mia"
TBILISI = ZoneInfo("Asia/Tbilisi")
NOTES = """\
---
meeting: mia
round: round-1
organisation: mia
date: {date}
{extra}
---
- [gap] [theme: bias] [severity: 3] [speaker: {role}] Bias indicators are not recorded.
- [need] [theme: interpreters] [severity: 2] [speaker: head of department] No interpreters.
"""


def meeting(root: Path) -> Meeting:
    with open_store(Settings(workspace=root).store_url) as store:
        found = store.get_meeting(MEETING)
    assert found is not None
    return found


def day(root: Path) -> dt.date:
    """The MIA meeting's day in Tbilisi."""
    return meeting(root).start.astimezone(TBILISI).date()


def write_notes(root: Path, text: str, name: str = "mia.md") -> None:
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / name).write_text(text, encoding="utf-8")


def notes(root: Path, date: dt.date | None = None, role: str = "investigator", **extra: str) -> str:
    lines = "\n".join(f"{key}: {value}" for key, value in extra.items())
    return NOTES.format(date=(date or day(root)).isoformat(), role=role, extra=lines)


def imported(root: Path, at: dt.datetime | None = None) -> ImportReport:
    """Import notes/ as `consult import-notes` does, at `at` (an hour after the meeting ended)."""
    moment = at or meeting(root).end + dt.timedelta(hours=1)
    settings = Settings(workspace=root)
    workspace = load_workspace(root)
    with open_store(settings.store_url) as store:
        built = assemble(settings, workspace, store, lambda: moment)
        return import_notes(built, training_ref(workspace, SLUG), "test")


def stored_texts(root: Path) -> list[str]:
    with open_store(Settings(workspace=root).store_url) as store:
        return [o.text for o in store.observations(meeting_id=MEETING)]


@pytest.mark.parametrize(
    ("role", "who"),
    [
        ("ნინო ბერიძე", "a contact of mia"),
        ("Beridze", "a contact of mia"),
        ("beridze   NINO", "a contact of mia"),
        ("Нино Беридзе", "a contact of mia"),
        ("deputy to Kapanadze", "a contact of coordinators"),
        ("Tsereteli", "a facilitator"),
        ("Ana Popescu", "an expert"),
    ],
)
def test_a_speaker_role_that_names_someone_is_refused_in_any_script_and_the_rest_kept(
    root: Path, role: str, who: str
) -> None:
    write_notes(root, notes(root, role=role))
    report = imported(root)
    written = " ".join(role.split())  # as Markdown reads it
    assert report.rejected == [
        f"notes/mia.md#1: speaker_role: {written!r} names a person ({who}): write the speaker's "
        "role, never a name"
    ]
    assert stored_texts(root) == ["No interpreters."]


def test_a_speaker_role_that_names_someone_who_came_uninvited_is_refused(root: Path) -> None:
    text = notes(root, role="Levan", attendance="\n  - name: Levan Abashidze")
    write_notes(root, text)
    assert imported(root).rejected == [
        "notes/mia.md#1: speaker_role: 'Levan' names a person (someone who came): write the "
        "speaker's role, never a name"
    ]


def test_a_role_is_no_name_for_sharing_letters_with_one(root: Path) -> None:
    write_notes(root, notes(root, role="senior investigator, Anaklia office"))
    assert imported(root).summary() == "2 added, 0 updated, 0 unchanged, 0 rejected"


def test_notes_dated_a_week_after_the_meeting_are_refused_unless_a_reason_is_given(
    root: Path,
) -> None:
    held = day(root)
    week = held + dt.timedelta(days=7)
    write_notes(root, notes(root, date=week))
    report = imported(root, meeting(root).end + dt.timedelta(days=8))
    assert report.rejected == [
        f"notes/mia.md: date: {week.isoformat()} is not the meeting's day "
        f"({held:%a %d %b %Y}): give its day, or say why in date_reason"
    ]
    assert stored_texts(root) == []
    write_notes(root, notes(root, date=week, date_reason="held a week late, by phone"))
    assert imported(root, meeting(root).end + dt.timedelta(days=8)).rejected == []
    assert len(stored_texts(root)) == 2


def test_a_date_far_ahead_is_refused_even_with_a_reason(root: Path) -> None:
    write_notes(root, notes(root, date=dt.date(9999, 12, 31), date_reason="typo"))
    assert imported(root).rejected == [
        "notes/mia.md: date: 9999-12-31 has not come yet (today is "
        f"{(meeting(root).end + dt.timedelta(hours=1)).astimezone(TBILISI).date().isoformat()})"
    ]


def test_a_commitment_due_before_its_meeting_is_refused_and_one_due_after_kept(
    root: Path,
) -> None:
    held = day(root)
    before, after = held - dt.timedelta(days=2), held + dt.timedelta(days=5)
    write_notes(
        root,
        notes(root)
        + f"- [commitment] [theme: bias] [severity: 2] [owner: MIA] [due: {before}] Send cases.\n"
        + f"- [commitment] [theme: bias] [severity: 2] [owner: MIA] [due: {after}] Send forms.\n",
    )
    report = imported(root)
    assert report.rejected == [
        f"notes/mia.md#3: due: {before.isoformat()} is before the meeting "
        f"({held:%a %d %b %Y}): a commitment falls due after it"
    ]
    assert "Send forms." in stored_texts(root)
    assert "Send cases." not in stored_texts(root)


def test_notes_of_a_meeting_that_has_not_started_are_refused(root: Path) -> None:
    write_notes(root, notes(root))
    start = meeting(root).start
    report = imported(root, start - dt.timedelta(hours=2))
    shown = start.astimezone(TBILISI).strftime("%a %d %b %Y %H:%M")
    assert report.rejected == [
        f"notes/mia.md: date: the meeting is on {shown} (Asia/Tbilisi): notes can be recorded "
        "once it has started"
    ]
    assert stored_texts(root) == []


def test_a_cancelled_meetings_notes_are_refused(root: Path) -> None:
    with open_store(Settings(workspace=root).store_url) as store:
        store.set_meeting_status(MEETING, "cancelled", "t")
    write_notes(root, notes(root))
    assert imported(root).rejected == [
        "notes/mia.md: held: the meeting was cancelled: its notes are refused, unless it was "
        "held after all (say so with held: true, and it is no longer cancelled)"
    ]
    assert stored_texts(root) == []
    assert meeting(root).status == "cancelled"


def test_a_cancelled_meeting_held_after_all_keeps_its_notes_and_is_no_longer_cancelled(
    root: Path,
) -> None:
    with open_store(Settings(workspace=root).store_url) as store:
        store.set_meeting_status(MEETING, "cancelled", "t")
    write_notes(root, notes(root, held="true"))
    assert imported(root).summary() == "2 added, 0 updated, 0 unchanged, 0 rejected"
    after = meeting(root)
    assert after.status == "held"
    assert kind_for(after, announced=True) is None  # no cancellation goes out for it
    with open_store(Settings(workspace=root).store_url) as store:
        changes = [e.detail for e in store.audit_log(MEETING) if e.action == "meeting.status"]
    assert changes[-1]["from"] == "cancelled"
    assert changes[-1]["to"] == "held"


def test_people_not_invited_and_a_count_of_others_are_attendance_the_pack_counts(
    root: Path,
) -> None:
    attendance = (
        "\n  - name: ნინო ბერიძე\n    organisation: mia\n    role: Head of department"
        "\n  - name: Levan Abashidze\n    role: Patrol officer"
    )
    write_notes(root, notes(root, attendance=attendance, others="13"))
    moment = meeting(root).end + dt.timedelta(hours=1)
    assert imported(root, moment).rejected == []
    with open_store(Settings(workspace=root).store_url) as store:
        [event] = [e for e in store.audit_log(MEETING) if e.action == "notes.attendance"]
        analysis = gather(load_workspace(root), store, SLUG, moment)
    assert event.detail["others"] == 13
    assert [a["name"] for a in event.detail["attendance"]] == ["ნინო ბერიძე", "Levan Abashidze"]
    [entry] = [e for e in analysis.log if e.meeting_id == MEETING]
    assert entry.attended == 15


def test_a_csv_row_whose_speaker_is_a_name_is_refused_and_the_other_rows_kept(
    root: Path,
) -> None:
    held = day(root).isoformat()
    write_notes(
        root,
        "meeting,round,organisation,date,kind,theme,severity,text,speaker_role\n"
        f"mia,round-1,mia,{held},gap,bias,3,Not recorded.,Нино Беридзе\n"
        f"mia,round-1,mia,{held},need,interpreters,2,No interpreters.,head of department\n",
        name="mia.csv",
    )
    assert imported(root).rejected == [
        "notes/mia.csv#round-1/mia#1: speaker_role: 'Нино Беридзе' names a person "
        "(a contact of mia): write the speaker's role, never a name"
    ]
    assert stored_texts(root) == ["No interpreters."]

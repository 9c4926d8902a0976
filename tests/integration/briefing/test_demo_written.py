"""The demo's written submission: OHCHR's officer writes; the pack hears OHCHR in writing.

`consult demo` keeps no notes of the OHCHR meeting; its Georgian-speaking invitee
sends written input (two themes, internal) through the page's own call after the
consent text in Georgian. The pack then lists OHCHR as heard in writing only, not
as a missing voice, and the audit log keeps the consent she agreed to.
"""

from __future__ import annotations

from consult.answers.wording import CONSENT
from consult.coordination.states import meeting_states
from consult.settings import Settings
from consult.store import open_store
from consult.store.notes import CONSENT as CONSENT_ACTION
from tests.integration.briefing.conftest import DEMO_TRAINING, DemoPack

MEETING = f"{DEMO_TRAINING}/round-1/ohchr-georgia"
WRITER = "sopiko.bakradze@example.org"
OHCHR_EN = "Office of the UN High Commissioner for Human Rights (OHCHR) in Georgia"


def _section(markdown: str, heading: str) -> str:
    """Return the text of the pack's section under `heading`, up to the next section."""
    return markdown.split(heading, 1)[1].split("\n## ", 1)[0]


def test_the_demo_pack_hears_ohchr_in_writing_only_not_as_a_missing_voice(
    demo_pack: DemoPack,
) -> None:
    english = demo_pack.files["en"]["md"].read_text(encoding="utf-8")
    missing = _section(english, "## 8. Missing voices")
    planned, written = missing.split("Heard in writing only", 1)
    assert "ohchr-georgia" not in planned  # no longer "not held yet"
    assert "- Advisor to the Prime Minister" in planned  # the voices still missing stay
    assert f"- {OHCHR_EN} (ohchr-georgia): written" in written
    georgian = demo_pack.files["ka"]["md"].read_text(encoding="utf-8")
    name_ka = demo_pack.workspace.stakeholders.organisation("ohchr-georgia").name.get("ka")
    assert "მოსმენილია მხოლოდ წერილობით" in georgian
    assert f"- {name_ka} (ohchr-georgia): წერილობით" in georgian


def test_the_written_entries_are_in_the_pack_in_georgian_without_naming_ohchr(
    demo_pack: DemoPack,
) -> None:
    english = demo_pack.files["en"]["md"].read_text(encoding="utf-8")
    [line] = [row for row in english.splitlines() if "(CERD)" in row]
    assert line.startswith("- *need · 2/4* კოორდინატორებს სჭირდებათ")
    assert "(in Georgian)" in line
    # internal: attributed to its column, never to its organisation
    assert line.endswith("— a representative of an international body (#45)")
    assert "OHCHR" not in line
    assert "This pack rests on 41 observation(s). 4 restricted observation(s)" in english


def test_the_demo_keeps_the_written_input_and_its_consent_in_georgian(
    demo_pack: DemoPack,
) -> None:
    with open_store(Settings(workspace=demo_pack.root).store_url) as store:
        written = [o for o in store.observations(DEMO_TRAINING) if o.key.startswith("written/")]
        consent = [e for e in store.audit_log(MEETING) if e.action == CONSENT_ACTION]
    assert sorted((o.theme, o.severity) for o in written) == [
        ("international-instruments", 2),
        ("interpreters", 3),
    ]
    assert {(o.meeting_id, o.confidentiality, o.language, o.source) for o in written} == {
        (MEETING, "internal", "ka", WRITER)
    }
    [entry] = consent
    assert entry.actor == WRITER
    assert (entry.detail["by"], entry.detail["language"]) == (WRITER, "ka")
    assert entry.detail["confidentiality"] == "internal"
    assert entry.detail["kind"] == "written submission"
    # the consent text she agreed to, in Georgian, naming the training in Georgian
    head, tail = CONSENT["ka"].split("{training}")
    text = entry.detail["consent"]
    assert head.split("{sender}")[1] in text
    assert tail in text
    assert demo_pack.training.title.get("ka") in text


def test_written_input_is_no_notes_the_meeting_ahead_stays_invited(demo_pack: DemoPack) -> None:
    # Her input says nothing of the meeting being held: it is not "notes in" on the desk,
    # and its quorum is still watched (consult.planning.quorum reads the same counts).
    with open_store(Settings(workspace=demo_pack.root).store_url) as store:
        counts = store.observation_counts(DEMO_TRAINING)
        states = meeting_states(store, DEMO_TRAINING)
    assert MEETING not in counts
    assert states[MEETING] == "invited"
    assert states[f"{DEMO_TRAINING}/round-1/mosaic-minority-rights-centre"] == "notes in"

"""Each public observation's line in its notes file, from the file to the pack's sources.csv.

A notes file (YAML, CSV, Markdown) is imported as `consult import-notes` does and the
pack compiled; sources.csv names the line where each public observation starts, and
nothing for an internal one (it would point to its organisation).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consult.application.notes import import_notes
from consult.application.references import training_ref
from consult.bootstrap import assemble
from consult.briefing.versions import compile_pack
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace

SLUG = "winter-2027"
MEETING = f"{SLUG}/round-1/mia"

YAML = """\
meeting: mia
round: round-1
organisation: mia
date: {date}
observations:
  - kind: gap
    theme: bias
    severity: 3
    text: Bias indicators are not recorded.
    confidentiality: public
  - kind: need
    theme: interpreters
    severity: 2
    text: No interpreters at night.

  # a comment, then the third
  - kind: challenge
    theme: interpreters
    severity: 2
    text: Interpreters are booked by phone.
    confidentiality: public
"""

CSV = """\
meeting,round,organisation,date,kind,theme,severity,text,confidentiality
mia,round-1,mia,{date},gap,bias,3,"Bias indicators
are not recorded.",public
mia,round-1,mia,{date},need,interpreters,2,No interpreters at night.,internal

mia,round-1,mia,{date},challenge,interpreters,2,Interpreters are booked by phone.,public
"""

MARKDOWN = """\
---
meeting: mia
round: round-1
organisation: mia
date: {date}
---
Notes of the meeting.

- [gap] [theme: bias] [severity: 3] [confidentiality: public]
  Bias indicators are not recorded.
- [need] [theme: interpreters] [severity: 2] No interpreters at night.

* [challenge] [theme: interpreters] [severity: 2] [confidentiality: public] Interpreters are
  booked by phone.
"""

CASES = {
    "yaml": (YAML, {"gap": "6", "need": "", "challenge": "17"}),
    "csv": (CSV, {"gap": "2", "need": "", "challenge": "6"}),
    "md": (MARKDOWN, {"gap": "9", "need": "", "challenge": "13"}),
}
"""Format -> the notes, and the line sources.csv gives each kind (none: internal)."""


@pytest.mark.parametrize("suffix", sorted(CASES))
def test_sources_csv_names_the_line_of_each_public_observation_in_its_notes_file(
    root: Path, suffix: str
) -> None:
    text, lines = CASES[suffix]
    settings = Settings(workspace=root)
    workspace = load_workspace(root)
    with open_store(settings.store_url) as store:
        meeting = store.get_meeting(MEETING)
        assert meeting is not None
        day = meeting.start.astimezone(ZoneInfo("Asia/Tbilisi")).date()
        (root / "notes").mkdir()
        (root / "notes" / f"mia.{suffix}").write_text(text.format(date=day), encoding="utf-8")
        after = meeting.end + dt.timedelta(hours=1)
        built = assemble(settings, workspace, store, lambda: after)
        report = import_notes(built, training_ref(workspace, SLUG), "test")
        assert report.summary() == "3 added, 0 updated, 0 unchanged, 0 rejected"
        # k = 1: the one organisation's internal observation is counted, not left out
        compiled = compile_pack(workspace, store, SLUG, root / "out", after, anonymity_k=1)
    sources = (compiled.folder / "sources.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(sources)))
    assert list(rows[0])[5:9] == ["source", "meeting", "file", "line"]
    assert {row["kind"]: row["line"] for row in rows} == lines
    files = {row["kind"]: (row["meeting"], row["file"]) for row in rows}
    assert files == {
        "gap": ("round-1/mia", f"notes/mia.{suffix}"),
        "need": ("", ""),
        "challenge": ("round-1/mia", f"notes/mia.{suffix}"),
    }

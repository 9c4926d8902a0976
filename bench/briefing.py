"""Benchmark: the gap analysis and the briefing pack of 10,000 observations.

Builds a workspace of 60 organisations (every kind) and 25 themes, one held
meeting per organisation, and 10,000 observations in a SQLite store, then measures:
- load: reading the training's observations from the store (the baseline);
- analysis: `consult.briefing.analysis.analyse` on what was loaded (pure, no I/O);
- pack: one language's HTML and Markdown, and its PDF typeset by WeasyPrint;
- compile: `consult.briefing.versions.compile_pack` as the flow runs it (gather, version, both
  languages of the experts, files written).
Prints each time, and the analysis as a ratio to the load. Targets: analysis < 1 s,
one pack (HTML + PDF) < 10 s. `--quick`: 20 organisations, 5 themes, 1,000 observations.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import sqlalchemy as sa
import yaml

if not __package__:
    # Run by its path (python bench/briefing.py): the project root on the path, as with -m.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._args import options
from consult.briefing.analysis import analyse
from consult.briefing.gathering import _attendance
from consult.briefing.pdf import pdf_bytes
from consult.briefing.render import render_pack
from consult.briefing.versions import compile_pack
from consult.settings import Settings
from consult.store import MeetingPlan, open_store
from consult.store.engine import create_store_engine
from consult.store.tables import observations
from consult.workspace.loading import load_workspace
from schemas.stakeholders import OrganisationKind


@dataclass(frozen=True)
class Sizes:
    """How many organisations (one meeting each), themes and observations."""

    organisations: int
    themes: int
    observations: int


FULL = Sizes(organisations=60, themes=25, observations=10_000)
QUICK = Sizes(organisations=20, themes=5, observations=1_000)
SLUG, ROUND = "bench", "round-1"
KINDS = get_args(OrganisationKind)
OBSERVATION_KINDS = ("gap", "need", "challenge", "good_practice", "recommendation", "commitment")
NOW = dt.datetime(2027, 1, 20, 8, tzinfo=dt.UTC)


def organisation(i: int) -> dict[str, object]:
    """Return the i-th organisation: the kinds in turn, `other` saying what it is."""
    kind = KINDS[i % len(KINDS)]
    label = {"kind_label": {"en": "Bar association"}} if kind == "other" else {}
    return {
        "id": f"org-{i:02d}",
        "kind": kind,
        **label,
        "country": "GE",
        "name": {"en": f"Organisation {i:02d}", "ka": f"ორგანიზაცია {i:02d}"},
        "contacts": [
            {
                "name": f"Contact {i:02d}",
                "email": f"contact{i:02d}@example.org",
                "role": "Head of unit",
                "language": "en",
                "timezone": "Asia/Tbilisi",
            }
        ],
    }


def write_workspace(root: Path, sizes: Sizes) -> None:
    """Write a valid workspace of `sizes`: the organisations, the themes, a plan for each."""
    (root / "trainings").mkdir(parents=True)
    organisations = [organisation(i) for i in range(sizes.organisations)]
    themes = sizes.themes
    training = {
        "title": {"en": "Benchmark training", "ka": "სატესტო ტრენინგი"},
        "start": "2027-01-26",
        "end": "2027-01-28",
        "timezone": "Asia/Tbilisi",
        "venue": {"name": "Hotel", "address": "1 Road", "city": "Kachreti", "country": "GE"},
        "participants": {"organisation": "org-08", "count": 16},
        "experts": [
            {
                "id": "lead",
                "name": "Ana Popescu",
                "email": "ana@example.org",
                "role": "Lead trainer",
                "language": "en",
                "timezone": "Europe/Bucharest",
            },
            {
                "id": "national",
                "name": "თამარ ჯაფარიძე",
                "email": "tamar@example.org",
                "role": "Co-trainer",
                "language": "ka",
                "timezone": "Asia/Tbilisi",
            },
        ],
        "themes": [
            {"id": f"theme-{t:02d}", "label": {"en": f"Theme {t:02d}", "ka": f"თემა {t:02d}"}}
            for t in range(themes)
        ],
        "agenda": [
            {
                "id": f"session-{s:02d}",
                "day": 1 + s // 10,
                "title": {"en": f"Session {s:02d}"},
                "themes": [f"theme-{s % themes:02d}", f"theme-{(s * 7) % themes:02d}"],
            }
            for s in range(20)
        ],
        "consultation": {
            "facilitators": [
                {
                    "id": "lela",
                    "name": "Lela Tsereteli",
                    "email": "lela@example.org",
                    "timezone": "Asia/Tbilisi",
                    "country": "GE",
                }
            ],
            "rounds": [
                {
                    "id": ROUND,
                    "earliest": "2026-11-02",
                    "latest": "2027-01-15",
                    "meetings": [
                        {
                            "id": f"org-{i:02d}",
                            "organisation": f"org-{i:02d}",
                            "format": "online",
                            "duration_minutes": 60,
                            "facilitators": ["lela"],
                            "location": f"https://meet.example.org/org-{i:02d}",
                        }
                        for i in range(sizes.organisations)
                    ],
                }
            ],
        },
        "briefing": {"due": "2027-01-19"},
    }
    (root / "stakeholders.yaml").write_text(
        yaml.safe_dump({"organisations": organisations}, allow_unicode=True), encoding="utf-8"
    )
    (root / "trainings" / f"{SLUG}.yaml").write_text(
        yaml.safe_dump(training, allow_unicode=True), encoding="utf-8"
    )


def plan_meetings(url: str, sizes: Sizes, start: dt.datetime, every: dt.timedelta) -> None:
    """Store one confirmed online meeting an hour long per organisation, `every` apart."""
    with open_store(url) as store:
        for i in range(sizes.organisations):
            meeting_id = f"{SLUG}/{ROUND}/org-{i:02d}"
            begins = start + every * i
            store.upsert_meeting(
                MeetingPlan(
                    id=meeting_id,
                    training=SLUG,
                    round=ROUND,
                    organisation=f"org-{i:02d}",
                    format="online",
                    start=begins,
                    end=begins + dt.timedelta(hours=1),
                )
            )
            store.set_meeting_status(meeting_id, "confirmed", "bench")


def fill_store(url: str, sizes: Sizes) -> None:
    """Store one held meeting per organisation and the observations of `sizes`, in bulk."""
    rng = random.Random(7)
    plan_meetings(url, sizes, dt.datetime(2026, 12, 1, 7, tzinfo=dt.UTC), dt.timedelta(hours=1))
    rows = []
    for n in range(sizes.observations):
        org = rng.randrange(sizes.organisations)
        kind = rng.choice(OBSERVATION_KINDS)
        rows.append(
            {
                "key": f"bench#{n}",
                "meeting_id": f"{SLUG}/{ROUND}/org-{org:02d}",
                "organisation": f"org-{org:02d}",
                "kind": kind,
                "theme": f"theme-{rng.randrange(sizes.themes):02d}",
                "severity": rng.randint(1, 4),
                "text": f"Observation {n}: what was said, in a sentence or two of plain text.",
                "quote": "A verbatim quote." if n % 5 == 0 else None,
                "speaker_role": "officer",
                "confidentiality": rng.choice(("public", "internal", "internal", "restricted")),
                "owner": "An owner" if kind == "commitment" else None,
                "due": None,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    engine = create_store_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.insert(observations), rows)
    engine.dispose()


def main(sizes: Sizes = FULL) -> None:
    """Print the figures of one run."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "workspace"
        write_workspace(root, sizes)
        workspace = load_workspace(root)
        training = workspace.training(SLUG)
        url = Settings(workspace=root).store_url
        fill_store(url, sizes)
        with open_store(url) as store:
            meetings = store.meetings(SLUG)
            attendees = {m.id: store.attendees(m.id) for m in meetings}
            attendance = {m.id: _attendance(store, m.id) for m in meetings}

            began = time.perf_counter()
            loaded = store.observations(training=SLUG)
            load = time.perf_counter() - began

            began = time.perf_counter()
            result = analyse(
                training,
                SLUG,
                workspace.stakeholders.organisations,
                meetings,
                loaded,
                attendees,
                attendance,
                NOW,
            )
            analysis = time.perf_counter() - began

            began = time.perf_counter()
            pack = render_pack(result, training, "en", version=1, compiled=NOW.date())
            render = time.perf_counter() - began
            began = time.perf_counter()
            pdf = pdf_bytes(pack.html)
            typeset = time.perf_counter() - began

            began = time.perf_counter()
            compiled = compile_pack(workspace, store, SLUG, root / "out", NOW)
            whole = time.perf_counter() - began

        print(
            f"observations: {len(loaded)} ({sizes.organisations} organisations, "
            f"{sizes.themes} themes; "
            f"{result.observations} analysed, {result.withheld} restricted left out)"
        )
        print(f"load from the store (baseline): {load:.3f} s")
        print(f"analysis: {analysis:.3f} s, {analysis / load:.2f}x the load (target < 1 s)")
        print(
            f"one pack: HTML + Markdown {render:.2f} s, PDF {typeset:.2f} s "
            f"({len(pdf) // 1024} KiB), together {render + typeset:.2f} s (target < 10 s)"
        )
        print(
            f"compile_pack (gather + {len(compiled.files)} languages, files written): {whole:.2f} s"
        )


if __name__ == "__main__":
    main(QUICK if options(__doc__).quick else FULL)

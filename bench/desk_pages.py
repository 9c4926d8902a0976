"""Benchmark: each desk page's answer time on the demo, against a static page served the same way.

Runs `consult demo` into a temporary folder (planned, approved, sent, noted, packed),
serves the desk on it on 127.0.0.1 (`desk.serving.served`, uvicorn in a thread, no
credentials asked, no Prefect), and asks each page REQUESTS times over one kept-alive
connection after WARMUP requests each, the pages taking turns so that a slow spell of the
machine falls on all of them alike:
- the trainings list, a training's page, a meeting's notes form;
- two files of the briefing pack (the PDF and sources.csv) and the desk's stylesheet;
- the decisions page, which without a Prefect API answers 503 "no Prefect API to ask":
  its time is the workspace read and the error page, not the list of waiting runs.
Baseline, measured in the same run: a static page served the same way (uvicorn by
`served`, a Starlette route run in the thread pool as the desk's are) whose body is the
training page's own HTML, fixed, so that it costs the sending of the same bytes and
nothing else. Prints each page's median and 90th percentile, the median as a ratio to
the baseline's, and whether it meets the target (median < 200 ms). Exits 1 if a page
answers with another status than its own. `--quick`: 5 requests a page after 1.

Then the training page at scale (issue 29), in-process (Starlette's TestClient, no
socket): a generated workspace (`generate`: bench/briefing.py's organisations, one
held meeting each with its contact invited and answered, a sent invitation each, the
observations and their audit entries in bulk) at 1x, 10x and 30x the demo (12, 120
and 360 organisations; 1,000, 10,000 and 30,000 observations). Each size's median is
printed with its SQL statements per page and its size, as a ratio to a static page of
the same bytes answered the same way (the baseline, measured in the same run), and
how it grows from 1x. `--quick`: 1x and 3x, 3 requests each.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import requests
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

if not __package__:
    # Run by its path (python bench/desk_pages.py): the project root on the path, as with -m.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from bench._args import options
from bench.briefing import NOW as HELD_BY
from bench.briefing import ROUND, Sizes, fill_store, write_workspace
from bench.briefing import SLUG as BENCH_SLUG
from consult.cli import demo
from consult.settings import Settings
from consult.store import open_store
from consult.store.engine import create_store_engine
from consult.store.tables import audit, messages
from desk.app import Desk, create_app
from desk.security import login_url
from desk.serving import served
from schemas.state import Attendee

FULL, QUICK = (30, 5), (5, 1)
"""(requests timed, requests to warm up) per page."""
TARGET_MS = 200.0
SLUG = "intercultural-communication-2027"
MEETING = "round-1/unhcr-georgia"


@dataclass(frozen=True)
class Page:
    """A page to time: its name, its path on the desk and the status it should answer."""

    name: str
    path: str
    status: int = 200


PAGES = (
    Page("trainings", "/"),
    Page("training", f"/trainings/{SLUG}"),
    Page("meeting notes", f"/trainings/{SLUG}/meetings/{MEETING}/notes"),
    Page("pack PDF", f"/trainings/{SLUG}/packs/1/briefing-{SLUG}-en.pdf"),
    Page("pack sources.csv", f"/trainings/{SLUG}/packs/1/sources.csv"),
    Page("stylesheet", "/static/desk.css"),
    Page("decisions (no Prefect)", "/decisions", status=503),
)
STATIC = Page("static page (baseline)", "/")


class WrongStatus(Exception):
    """A page answered with another status than the one it should."""


def static_app(html: str) -> Starlette:
    """Return an app whose one page answers `html`, from a sync route as the desk's pages are."""

    def fixed(request: Request) -> HTMLResponse:
        return HTMLResponse(html)

    return Starlette(routes=[Route("/", fixed)])


def ask(http: requests.Session, url: str, page: Page) -> float:
    """Return the milliseconds `page` took to answer in full; raise WrongStatus if it went wrong."""
    started = time.perf_counter()
    answer = http.get(f"{url}{page.path}", timeout=30)
    took = (time.perf_counter() - started) * 1000
    if answer.status_code != page.status:
        raise WrongStatus(f"{page.name} ({page.path}) answered {answer.status_code}")
    return took


def timings(
    sites: list[tuple[str, Page]], first: str, count: int, warmup: int
) -> dict[str, list[float]]:
    """Return each page's `count` answer times (ms), after `warmup`, the pages taking turns.

    `first` is the desk's first address (`?token=`): it opens the session the pages need.
    """
    times: dict[str, list[float]] = {page.name: [] for _, page in sites}
    with requests.Session() as http:
        http.get(first, timeout=30)
        for _ in range(warmup):
            for url, page in sites:
                ask(http, url, page)
        for _ in range(count):
            for url, page in sites:
                times[page.name].append(ask(http, url, page))
    return times


def line(page: Page, times: list[float], baseline: float, size: int) -> str:
    """Return the line of one page's figures."""
    median = statistics.median(times)
    p90 = statistics.quantiles(times, n=10)[-1]
    met = "met" if median < TARGET_MS else "NOT met"
    if page.status != 200:
        met += f" (by its {page.status} page)"
    return (
        f"{page.name:<23} {median:7.1f} ms median, p90 {p90:7.1f} ms, "
        f"{median / baseline:6.1f}x static, {size / 1024:5.1f} KiB, "
        f"target < {TARGET_MS:.0f} ms: {met}"
    )


def main(size: tuple[int, int] = FULL) -> int:
    """Print the figures of one run; return 1 if a page answered with a wrong status."""
    count, warmup = size
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder) / "demo"
        with redirect_stdout(StringIO()):
            demo(workspace)
        settings = Settings(workspace=workspace)
        with open_store(settings.store_url) as store:
            held = max(m.end for m in store.meetings(SLUG)) + dt.timedelta(hours=1)
        # The demo's meetings lie ahead; the desk is asked once they are held, so the notes
        # page is the whole form (before a meeting starts it only says when it is).
        desk = Desk(settings=settings, clock=lambda: held)
        with served(create_app(desk)) as url, requests.Session() as http:
            first = login_url(url, desk.secret)
            http.get(first, timeout=30)
            sizes = {
                page.name: len(http.get(f"{url}{page.path}", timeout=30).content) for page in PAGES
            }
            html = http.get(f"{url}/trainings/{SLUG}", timeout=30).text
            with served(static_app(html)) as static_url:
                sizes[STATIC.name] = len(html.encode("utf-8"))
                sites = [(static_url, STATIC)] + [(url, page) for page in PAGES]
                try:
                    times = timings(sites, first, count, warmup)
                except WrongStatus as wrong:
                    print(f"desk_pages: {wrong}", file=sys.stderr)
                    return 1
    baseline = statistics.median(times[STATIC.name])
    print(
        f"the desk on the demo (uvicorn in a thread, 127.0.0.1), {count} requests a page "
        f"after {warmup} to warm up, over one kept-alive connection"
    )
    for page in (STATIC, *PAGES):
        print(line(page, times[page.name], baseline, sizes[page.name]))
    print("decisions: 503 without a Prefect API; its time is the workspace read and the error page")
    return 0


@dataclass(frozen=True)
class Scale:
    """A generated workspace's size: organisations (one held meeting each), observations."""

    name: str
    organisations: int
    observations: int


SCALES = (Scale("1x", 12, 1_000), Scale("10x", 120, 10_000), Scale("30x", 360, 30_000))
QUICK_SCALES = (Scale("1x", 12, 1_000), Scale("3x", 36, 3_000))
SCALE_REQUESTS = {False: (11, 2), True: (3, 1)}
"""(requests timed, requests to warm up) per size, full and --quick."""
BENCH_PAGE = f"/trainings/{BENCH_SLUG}"
ANSWERS_CYCLE = ("ACCEPTED", "ACCEPTED", "TENTATIVE", "DECLINED", "NEEDS-ACTION")


def generate(root: Path, organisations: int, observations: int) -> Settings:
    """Write a workspace of this size at `root` and fill its store; return its settings.

    bench/briefing.py's training ("bench", one round, a held meeting per organisation,
    the observations); each meeting's contact invited with an answer and its facilitator
    as chair, one sent invitation each, one audit entry per observation.
    """
    write_workspace(root, Sizes(organisations, 25, observations))
    settings = Settings(workspace=root)
    fill_store(settings.store_url, Sizes(organisations, 25, observations))
    with open_store(settings.store_url) as store:
        for i in range(organisations):
            meeting_id = f"{BENCH_SLUG}/{ROUND}/org-{i:02d}"
            store.set_attendees(
                meeting_id,
                [
                    Attendee(
                        meeting_id=meeting_id,
                        email="lela@example.org",
                        name="Lela Tsereteli",
                        role="CHAIR",
                        organisation=None,
                        language="en",
                        timezone="Asia/Tbilisi",
                        partstat="ACCEPTED",
                    ),
                    Attendee(
                        meeting_id=meeting_id,
                        email=f"contact{i:02d}@example.org",
                        name=f"Contact {i:02d}",
                        role="REQ-PARTICIPANT",
                        organisation=f"org-{i:02d}",
                        language="en",
                        timezone="Asia/Tbilisi",
                        partstat=ANSWERS_CYCLE[i % len(ANSWERS_CYCLE)],
                    ),
                ],
            )
    sent = HELD_BY - dt.timedelta(days=60)
    engine = create_store_engine(settings.store_url)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(messages),
            [
                {
                    "meeting_id": f"{BENCH_SLUG}/{ROUND}/org-{i:02d}",
                    "recipient": f"contact{i:02d}@example.org",
                    "sequence": 0,
                    "kind": "invitation",
                    "status": "sent",
                    "message_id": f"<bench-{i}@example.org>",
                    "attempts": 1,
                    "created_at": sent,
                    "sent_at": sent,
                }
                for i in range(organisations)
            ],
        )
        connection.execute(
            sa.insert(audit),
            [
                {
                    "at": HELD_BY,
                    "actor": "bench",
                    "action": "observation.created",
                    "subject": f"bench#{n}",
                    "detail": {"kind": "gap", "theme": "theme-00", "severity": 2},
                }
                for n in range(observations)
            ],
        )
    engine.dispose()
    return settings


def scale_figures(quick: bool) -> list[str]:
    """Return the lines of the training page's figures at each generated size."""
    with warnings.catch_warnings():
        # Starlette asks for httpx2 in its TestClient and warns when it finds httpx (Prefect's).
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from starlette.testclient import TestClient

    count, warmup = SCALE_REQUESTS[quick]
    lines = [
        f"the training page at scale, in-process (TestClient), {count} requests after "
        f"{warmup} to warm up; baseline: a static page of the same bytes, the same way"
    ]
    first: float | None = None
    for scale in QUICK_SCALES if quick else SCALES:
        with tempfile.TemporaryDirectory() as folder:
            settings = generate(Path(folder) / "ws", scale.organisations, scale.observations)
            desk = Desk(settings=settings, clock=lambda: HELD_BY, hosts=("testserver",))
            with TestClient(create_app(desk)) as client:
                client.get("/", params={"token": desk.secret})
                html = client.get(BENCH_PAGE).text
                statements = _counted(lambda: client.get(BENCH_PAGE))
                with TestClient(static_app(html)) as static:
                    times = _times(lambda: client.get(BENCH_PAGE), count, warmup)
                    baseline = _times(lambda: static.get("/"), count, warmup)
        median = statistics.median(times)
        first = first or median
        lines.append(
            f"{scale.name:>4} ({scale.organisations} meetings, {scale.observations:,} "
            f"observations): {median:7.1f} ms median, {median / statistics.median(baseline):5.1f}x "
            f"static ({statistics.median(baseline):.1f} ms), {statements} SQL statements, "
            f"{len(html.encode()) / 1024:6.1f} KiB, {median / first:4.1f}x the 1x time; "
            f"target < {TARGET_MS:.0f} ms: {'met' if median < TARGET_MS else 'NOT met'}"
        )
    return lines


def _times(ask: Callable[[], object], count: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        ask()
    took = []
    for _ in range(count):
        started = time.perf_counter()
        ask()
        took.append((time.perf_counter() - started) * 1000)
    return took


def _counted(ask: Callable[[], object]) -> int:
    """Return how many SQL statements one call of `ask` issues, on every engine."""
    seen = [0]

    def count(*_: object) -> None:
        seen[0] += 1

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        ask()
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    return seen[0]


if __name__ == "__main__":
    quick = options(__doc__).quick
    status = main(QUICK if quick else FULL)
    print("\n".join(scale_figures(quick)))
    sys.exit(status)

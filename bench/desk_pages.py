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
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from contextlib import redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import requests
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

if not __package__:
    # Run by its path (python bench/desk_pages.py): the project root on the path, as with -m.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._args import options
from consult.cli import demo
from consult.settings import Settings
from consult.store import open_store
from desk.app import Desk, create_app
from desk.security import login_url
from desk.serving import served

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


if __name__ == "__main__":
    sys.exit(main(QUICK if options(__doc__).quick else FULL))

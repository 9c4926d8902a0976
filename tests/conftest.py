"""Fixtures shared by every kind of test: small workspaces written to disk."""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import shutil
import socketserver
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from consult.demo import DEMO_WORKSPACE
from tests import pg
from tests.imapserver import Dovecot, DovecotMissing, running_dovecot

# No test reaches beyond loopback: the Prefect server's telemetry stays off.
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"

T = TypeVar("T", bound=socketserver.BaseServer)

PLANNED_AT = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
"""When the tests plan TINY_TRAINING's round (its window: 2026-12-14 to 2027-01-15)."""

TINY_STAKEHOLDERS = """\
organisations:
  - id: mia
    kind: ministry
    country: GE
    name:
      en: Ministry of Internal Affairs
      ka: შინაგან საქმეთა სამინისტრო
    contacts:
      - name: ნინო ბერიძე
        email: nino@mia.example.gov.ge
        role: Head of department
        language: ka
        timezone: Asia/Tbilisi
  - id: coordinators
    kind: participant_group
    country: GE
    name:
      en: Coordinators of victims and witnesses
    contacts:
      - name: გიორგი კაპანაძე
        email: giorgi@mia.example.gov.ge
        role: Coordinator, Batumi
        language: ka
        timezone: Asia/Tbilisi
"""

TINY_TRAINING = """\
title:
  en: Intercultural communication
start: 2027-01-26
end: 2027-01-28
timezone: Asia/Tbilisi
venue:
  name: Kachreti hotel
  address: 1 Example road
  city: Kachreti
  country: GE
participants:
  organisation: coordinators
  count: 16
experts:
  - id: ana
    name: Ana Popescu
    email: ana@example.org
    role: International expert
    language: en
    timezone: Europe/Bucharest
themes:
  - id: bias
    label:
      en: Recognising bias indicators
  - id: interpreters
    label:
      en: Access to interpreters
agenda:
  - id: d1-bias
    day: 1
    title:
      en: Bias indicators
    themes: [bias]
consultation:
  facilitators:
    - id: lela
      name: Lela Tsereteli
      email: lela@example.org
      timezone: Asia/Tbilisi
      country: GE
      working_hours:
        start: "09:00"
        end: 18:00
  rounds:
    - id: round-1
      earliest: 2026-12-14
      latest: 2027-01-15
      meetings:
        - id: mia
          organisation: mia
          format: online
          duration_minutes: 60
          facilitators: [lela]
          location: https://meet.example.org/winter-2027/mia
briefing:
  due: 2027-01-19
"""

LIVE_SHIFT = dt.timedelta(weeks=max(0, (dt.date.today() - PLANNED_AT.date()).days // 7))
"""How far a test that runs the real clock moves its dates: PLANNED_AT's whole weeks to today.

Such a test (a command, a flow, a send at `now()`) plans at LIVE_PLANNED_AT, within the
week before today, and writes LIVE_TRAINING: the dates keep their weekdays and stand
to today as TINY_TRAINING's stand to PLANNED_AT, so the suite passes on any date.
"""
LIVE_PLANNED_AT = PLANNED_AT + LIVE_SHIFT
_ISO_DATE = re.compile(r"(?<![\w/.-])(\d{4}-\d{2}-\d{2})(?![\w/-])")


def live(text: str) -> str:
    """Return a workspace file's text with every ISO date in it moved on by LIVE_SHIFT."""
    return _ISO_DATE.sub(
        lambda found: (dt.date.fromisoformat(found.group(1)) + LIVE_SHIFT).isoformat(), text
    )


LIVE_TRAINING = live(TINY_TRAINING)
"""TINY_TRAINING dated for the real clock (see LIVE_SHIFT)."""


SHARED_DEMOS = {"demo_done": "desk-demo", "demo_pack": "demo-pack"}
"""Session fixtures that run the whole demo -> the xdist group of the tests using them."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests under tests/e2e `e2e`, under tests/flows `prefect` and under
    tests/integration/cli (each runs `consult` as a process) `slow`, for `make check`.

    The tests that share a demo made once per session go to one xdist worker
    (`--dist loadgroup`), which makes it once rather than once per worker.
    """
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        for fixture, group in SHARED_DEMOS.items():
            if fixture in fixtures:
                item.add_marker(pytest.mark.xdist_group(group))
        parts = item.path.relative_to(Path(__file__).parent).parts
        if parts[0] == "e2e":
            item.add_marker(pytest.mark.e2e)
        elif parts[0] == "flows":
            item.add_marker(pytest.mark.prefect)
        elif parts[:2] == ("integration", "cli"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def write_workspace(tmp_path: Path) -> Callable[..., Path]:
    """Write a workspace of the given file texts (the tiny one by default) and return its root."""

    def write(
        stakeholders: str | bytes = TINY_STAKEHOLDERS,
        trainings: dict[str, str | bytes] | None = None,
    ) -> Path:
        root = tmp_path / "workspace"
        (root / "trainings").mkdir(parents=True, exist_ok=True)
        files: dict[str, str | bytes] = {"stakeholders.yaml": stakeholders}
        for slug, text in (trainings or {"winter-2027": TINY_TRAINING}).items():
            files[f"trainings/{slug}.yaml"] = text
        for name, content in files.items():
            path = root / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return write


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to fill the disk: files written through os.fdopen or Path.write_* then take
    half their bytes and raise ENOSPC (until `monkeypatch.undo()`).

    A real full disk cannot be made here without root (no tmpfs of our own), so the
    failure is made at the edge where Python hands bytes to the system; it comes
    mid-file, as on a disk that fills while a file is written.
    """
    fdopen = os.fdopen

    class Filling:
        def __init__(self, file: Any) -> None:
            self._file = file

        def write(self, data: bytes) -> int:
            self._file.write(data[: len(data) // 2])
            self._file.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __enter__(self) -> Filling:
            return self

        def __exit__(self, *exc: object) -> None:
            self._file.close()

        def __getattr__(self, name: str) -> Any:
            return getattr(self._file, name)

    def filling_fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        file = fdopen(fd, mode, *args, **kwargs)
        return Filling(file) if "w" in mode else file

    def write_bytes(path: Path, data: bytes) -> int:
        with path.open("wb") as file:
            return Filling(file).write(data)

    def write_text(path: Path, data: str, encoding: str | None = None, **kwargs: Any) -> int:
        return write_bytes(path, data.encode(encoding or "utf-8"))

    def fill() -> None:
        monkeypatch.setattr(os, "fdopen", filling_fdopen)
        monkeypatch.setattr(Path, "write_bytes", write_bytes)
        monkeypatch.setattr(Path, "write_text", write_text)

    return fill


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A copy of the shipped demo workspace that a test may change."""
    target = tmp_path / "demo"
    shutil.copytree(DEMO_WORKSPACE, target, ignore=shutil.ignore_patterns(".consult", "out"))
    return target


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a throwaway PostgreSQL server on loopback: its `postgres` database, as admin."""
    try:
        server = pg.start_server()
    except pg.PostgresMissing as missing:
        pytest.skip(str(missing))
    yield server.url
    server.stop()


@pytest.fixture
def postgres_database_url(postgres_url: str) -> str:
    """The URL of a new, empty database on the throwaway PostgreSQL server."""
    return pg.create_database(postgres_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty state database: a SQLite file in a folder not yet made, or a new PostgreSQL one."""
    if request.param == "postgresql":
        database_url: str = request.getfixturevalue("postgres_database_url")
        return database_url
    return f"sqlite:///{tmp_path / 'workspace' / '.consult' / 'state.db'}"


@pytest.fixture
def serve_in_thread() -> Iterator[Callable[[T], T]]:
    """Start a socketserver in a thread: `server = serve_in_thread(Server())`; stopped after."""
    started: list[tuple[socketserver.BaseServer, threading.Thread]] = []

    def serve(server: T) -> T:
        thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
        thread.start()
        started.append((server, thread))
        return server

    yield serve
    for server, thread in reversed(started):
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    """A throwaway Dovecot IMAP server on loopback, one per test module."""
    try:
        with running_dovecot() as server:
            yield server
    except DovecotMissing as missing:
        pytest.skip(str(missing))

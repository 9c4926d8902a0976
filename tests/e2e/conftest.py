"""What the end-to-end tests share: `consult ui`'s processes on a fresh demo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from consult.demo import prepare_demo, serve_feeds
from consult.ui import LocalUi, Running, local_ui
from tests.browser import need_chromium


@pytest.fixture
def served_demo(tmp_path: Path) -> Iterator[tuple[Running, Path]]:
    """`consult ui`'s server, runner and desk, each on a free port, on a fresh demo workspace
    whose busy-time feeds are served meanwhile."""
    need_chromium()
    with serve_feeds() as port:
        workspace = prepare_demo(tmp_path / "demo", dt.date.today(), feed_port=port)
        home = tmp_path / "prefect-home"
        with local_ui(LocalUi(home=home, port=0, desk_port=0, workspace=workspace)) as ui:
            yield ui, workspace

"""The desk's pages do work bounded whatever the training's size (issue 29).

Counted, never timed: the SQL statements of the training page and of the home page
(SQLAlchemy's `before_cursor_execute`, on every engine) do not grow with the number
of meetings, and the workspace is read from disk once for many pages, again only
after one of its files changed or the desk wrote it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import desk.workspaces
from bench.desk_pages import BENCH_PAGE, HELD_BY, generate
from consult.workspace.loading import STAKEHOLDERS, TRAININGS, Workspace
from consult.workspace.registry_edit import CONTACT_FIELDS
from desk.workspaces import WorkspaceCache
from tests.desk.conftest import SLUG, DeskClient
from tests.desk.test_registry_edit import CONTACT, as_shown


@contextmanager
def statements() -> Iterator[list[str]]:
    """Collect the SQL statements every engine issues meanwhile."""
    seen: list[str] = []

    def count(connection: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)


def page_statements(client: DeskClient, path: str) -> int:
    """Return the statements one load of `path` issues, once a first load read the workspace."""
    assert client.get(path).status_code == 200
    with statements() as seen:
        answer = client.get(path)
    assert answer.status_code == 200
    return len(seen)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The workspaces the desk read from disk, one entry each time (the real read, counted)."""
    done: list[Path] = []
    real = desk.workspaces.load_workspace

    def counted(root: Path, **options: Any) -> Workspace:
        done.append(root)
        return real(root, **options)

    monkeypatch.setattr(desk.workspaces, "load_workspace", counted)
    return done


def test_the_training_and_home_pages_issue_as_many_statements_for_40_meetings_as_for_10(
    tmp_path: Path, open_desk: Callable[..., DeskClient]
) -> None:
    counted = {}
    for meetings in (10, 40):
        settings = generate(tmp_path / str(meetings), meetings, meetings * 20)
        client = open_desk(settings.workspace, clock=lambda: HELD_BY)
        page = client.get(BENCH_PAGE).text
        assert f"org-{meetings - 1:02d}" in page  # every meeting is on it
        counted[meetings] = (page_statements(client, BENCH_PAGE), page_statements(client, "/"))
    assert counted[40] == counted[10], counted
    training, home = counted[10]
    assert training <= 50, counted  # BEGINs included: about 20 queries
    assert home <= 30, counted


def test_the_workspace_is_read_once_for_many_pages_and_again_after_a_file_changed(
    desk_demo: Path, open_desk: Callable[..., DeskClient], reads: list[Path]
) -> None:
    client = open_desk(desk_demo)
    for path in ("/", f"/trainings/{SLUG}", f"/trainings/{SLUG}", "/registry"):
        assert client.get(path).status_code == 200
    assert len(reads) == 1
    registry = desk_demo / STAKEHOLDERS
    registry.write_text(registry.read_text().replace("Prosecutor", "Procurator"), encoding="utf-8")
    assert "Procurator" in client.get("/registry").text
    assert len(reads) == 2
    client.get(f"/trainings/{SLUG}")
    assert len(reads) == 2


def test_a_training_file_added_or_removed_is_seen_at_once(
    desk_demo: Path, open_desk: Callable[..., DeskClient], reads: list[Path]
) -> None:
    client = open_desk(desk_demo)
    client.get("/")
    copy = desk_demo / TRAININGS / "a-copy.yaml"
    copy.write_bytes((desk_demo / TRAININGS / f"{SLUG}.yaml").read_bytes())
    assert client.get("/trainings/a-copy").status_code == 200
    copy.unlink()
    assert client.get("/trainings/a-copy").status_code == 404
    assert len(reads) == 3


def test_the_desk_reads_the_workspace_again_after_its_own_write(
    desk_demo: Path, open_desk: Callable[..., DeskClient], reads: list[Path]
) -> None:
    client = open_desk(desk_demo)
    form = as_shown(client, CONTACT, CONTACT_FIELDS, role="Senior Prosecutor")
    before = len(reads)
    answer = client.post(CONTACT, data=form | {"edited_by": "Nino Beridze"})
    assert answer.status_code == 200
    assert "Saved: role changed." in answer.text
    assert len(reads) == before + 1  # the page it was sent back to read the file again


def test_a_write_in_the_same_tick_of_the_same_size_shows_once_the_writer_forgets(
    desk_demo: Path,
) -> None:
    kept = WorkspaceCache(desk_demo)
    registry = desk_demo / STAKEHOLDERS
    first = kept.workspace()
    assert kept.workspace() is first
    stamp = registry.stat()
    with registry.open("r+b") as file:  # in place: the same inode, the same size
        text = file.read()
        file.seek(0)
        file.write(text.replace(b"Prosecutor", b"Procurator"))
    os.utime(registry, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # the same tick
    kept.forget()
    names = {o.name.en for o in kept.workspace().stakeholders.organisations}
    assert "Procurator's Office of Georgia" in names
    assert kept.reads == 2


def test_a_workspace_that_does_not_load_is_never_kept(desk_demo: Path) -> None:
    kept = WorkspaceCache(desk_demo)
    registry = desk_demo / STAKEHOLDERS
    good = registry.read_bytes()
    registry.write_text("organisations: [", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(Exception, match=STAKEHOLDERS):
            kept.workspace()
    registry.write_bytes(good)
    assert kept.workspace().stakeholders.organisations
    assert kept.reads == 3


def test_a_round_of_120_meetings_is_shown_50_at_a_time_and_the_pager_reaches_every_one(
    tmp_path: Path, open_desk: Callable[..., DeskClient]
) -> None:
    settings = generate(tmp_path / "ws", 120, 1_000)
    client = open_desk(settings.workspace, clock=lambda: HELD_BY)
    first = client.get(BENCH_PAGE)
    assert first.status_code == 200
    seen: set[str] = set()
    url = BENCH_PAGE
    for page in (1, 2, 3):
        html = client.get(url).text
        rows = set(re.findall(r'<tr id="meeting-(org-\d+)">', html))
        assert len(rows) == (50 if page < 3 else 20), (page, len(rows))
        assert not rows & seen
        seen |= rows
        assert f"page {page} of 3" in html
        pager = re.search(r'href="([^"]*round_page=\d+)#round-round-1">Next', html)
        if page < 3:
            assert pager is not None
            url = pager.group(1).replace("&amp;", "&")
        else:
            assert pager is None
    assert seen == {f"org-{i:02d}" for i in range(120)}


def test_the_training_page_stays_the_same_size_from_60_meetings_to_150(
    tmp_path: Path, open_desk: Callable[..., DeskClient]
) -> None:
    sizes = {}
    for meetings in (60, 150):
        settings = generate(tmp_path / str(meetings), meetings, meetings * 5)
        client = open_desk(settings.workspace, clock=lambda: HELD_BY)
        sizes[meetings] = len(client.get(BENCH_PAGE).content)
    # 50 meetings, 50 answer rows, 50 messages of the ledger and 50 audit entries either way:
    # the only growth is in the digits of the counts.
    assert abs(sizes[150] - sizes[60]) < 0.02 * sizes[60], sizes


SECOND_OF_70 = "51\N{EN DASH}70 of 70; page 2 of 2"


def test_the_answers_and_the_ledger_page_past_their_first_50_rows(
    tmp_path: Path, open_desk: Callable[..., DeskClient]
) -> None:
    settings = generate(tmp_path / "ws", 70, 500)
    client = open_desk(settings.workspace, clock=lambda: HELD_BY)
    second = client.get(BENCH_PAGE, params={"answers_page": "2", "delivery_page": "2"}).text
    answers = second[second.index('id="answers"') : second.index('id="delivery"')]
    ledger = second[second.index('id="delivery"') : second.index('id="influence"')]
    assert SECOND_OF_70 in answers
    assert SECOND_OF_70 in ledger
    assert answers.count("<tr><td>") == 20
    assert ledger.count('<tr class="status-') == 20
    assert '<details class="fold" open>' in answers
    assert '<details class="fold" open>' in ledger
    past = client.get(BENCH_PAGE, params={"answers_page": "9", "delivery_page": "x"}).text
    assert SECOND_OF_70 in past[past.index('id="answers"') : past.index('id="delivery"')]

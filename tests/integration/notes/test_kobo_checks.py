"""KoboToolbox submissions go through the checks every source of notes does (test_checks.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import yaml

from tests.integration.notes.test_checks import day, imported, meeting, stored_texts
from tests.integration.notes.test_kobo import ASSET, FIELDS, TOKEN, KoboServer, submission


class OnePage(KoboServer):
    """A KoboToolbox-like server whose form has these submissions, on one page."""

    def __init__(self, results: Sequence[dict[str, object]]) -> None:
        super().__init__()
        self.results = list(results)

    def answer(self, page: int, authorization: str | None) -> tuple[int, dict[str, str], bytes]:
        if authorization != f"Token {TOKEN}":
            return 401, {}, b'{"detail": "Invalid token."}'
        body = {"count": len(self.results), "next": None, "previous": None}
        body["results"] = self.results  # type: ignore[assignment]
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


@pytest.fixture
def from_kobo(
    root: Path,
    serve_in_thread: Callable[[KoboServer], KoboServer],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., None]:
    """Serve these submissions of the MIA meeting: `from_kobo(submission, ...)`."""
    monkeypatch.setenv("KOBO_TOKEN", TOKEN)

    def serve(*results: dict[str, object]) -> None:
        server = serve_in_thread(OnePage(results))
        mapping = {
            "base_url": server.base_url,
            "asset_uid": ASSET,
            "token_env": "KOBO_TOKEN",
            "fields": {**FIELDS, "due": "group_obs/due", "owner": "group_obs/owner"},
        }
        (root / "kobo.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")

    return serve


def of_the_meeting(root: Path, number: int, **answers: str) -> dict[str, object]:
    """A submission about the MIA meeting of the tiny workspace, dated its day."""
    return {
        **submission(number, **answers),
        "group_meta/meeting": "mia",
        "group_meta/date": day(root).isoformat(),
        "group_obs/theme": "bias",
    }


def test_a_submission_whose_speaker_is_a_name_is_refused_and_the_others_kept(
    root: Path, from_kobo: Callable[..., None]
) -> None:
    from_kobo(
        of_the_meeting(root, 1, speaker_role="ბერიძე"),
        of_the_meeting(root, 2, speaker_role="head of department"),
    )
    uuid = "0d299cf7-2b02-460e-aba5-3b295170b601"
    assert imported(root).rejected == [
        f"kobo/{ASSET}/{uuid}#{uuid}: speaker_role: 'ბერიძე' names a person (a contact of mia): "
        "write the speaker's role, never a name"
    ]
    assert stored_texts(root) == ["Observation 2"]


def test_a_submission_about_a_meeting_not_held_yet_or_due_before_it_is_refused(
    root: Path, from_kobo: Callable[..., None]
) -> None:
    before = day(root) - dt.timedelta(days=1)
    from_kobo(
        of_the_meeting(root, 1, kind="commitment", owner="MIA", due=before.isoformat()),
        of_the_meeting(root, 2),
    )
    early = imported(root, meeting(root).start - dt.timedelta(hours=1))
    assert len(early.rejected) == 2
    assert all("notes can be recorded once it has started" in line for line in early.rejected)
    report = imported(root)
    assert [line.split(": ", 2)[1:] for line in report.rejected] == [
        [
            "due",
            f"{before.isoformat()} is before the meeting ({day(root):%a %d %b %Y}): a commitment "
            "falls due after it",
        ]
    ]
    assert stored_texts(root) == ["Observation 2"]

"""The personal pages' tokens: bound to one recipient and one meeting, until the training ends."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest

from consult.answers.tokens import (
    SECRET_FILE,
    PageLinks,
    PageToken,
    make_token,
    page_secret,
    read_token,
)
from consult.settings import STATE_DIR, Settings

SECRET = "a-secret-of-the-tests"
MEETING = "winter-2027/round-1/unhcr-georgia"
END = dt.date(2027, 3, 5)


def test_a_token_says_whose_page_of_which_meeting_until_when() -> None:
    token = make_token(SECRET, MEETING, "Nino@Example.org", END)

    assert read_token(SECRET, token, END) == PageToken(MEETING, "nino@example.org", END)
    assert read_token(SECRET, token, END).training == "winter-2027"  # type: ignore[union-attr]


def test_a_token_opens_nothing_the_day_after_the_training_ends() -> None:
    token = make_token(SECRET, MEETING, "nino@example.org", END)

    assert read_token(SECRET, token, END + dt.timedelta(days=1)) is None


@pytest.mark.parametrize("position", [0, 5, 20, -1, -10])
def test_an_altered_token_opens_nothing(position: int) -> None:
    token = make_token(SECRET, MEETING, "nino@example.org", END)
    index = position % len(token)
    changed = "A" if token[index] != "A" else "B"
    altered = token[:index] + changed + token[index + 1 :]

    assert altered != token
    assert read_token(SECRET, altered, END) is None


@pytest.mark.parametrize("token", ["", "x", "a.b", "." * 40, "é" * 10, "x" * 5000])
def test_garbage_opens_nothing(token: str) -> None:
    assert read_token(SECRET, token, END) is None


def test_a_token_of_another_secret_opens_nothing() -> None:
    token = make_token("another-workspace's-secret", MEETING, "nino@example.org", END)

    assert read_token(SECRET, token, END) is None


def test_without_a_setting_the_secret_is_made_once_in_a_file_of_its_owner_alone(
    tmp_path: Path,
) -> None:
    settings = Settings(workspace=tmp_path)

    first = page_secret(settings)
    path = tmp_path / STATE_DIR / SECRET_FILE

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 40
    assert page_secret(settings) == first
    assert page_secret(Settings(workspace=tmp_path, page_secret="set")) == "set"


def test_links_need_a_public_url_and_put_the_token_under_i(tmp_path: Path) -> None:
    assert PageLinks.of(Settings(workspace=tmp_path)) is None
    links = PageLinks.of(Settings(workspace=tmp_path, public_url="https://consult.example.org/"))
    assert links is not None
    url = links.url(MEETING, "nino@example.org", END)

    assert url.startswith("https://consult.example.org/i/")
    token = url.removeprefix("https://consult.example.org/i/")
    assert read_token(page_secret(Settings(workspace=tmp_path)), token, END) is not None
    assert links.secret not in repr(links)

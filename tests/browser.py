"""Debian's Chromium driven by Playwright, opened the same way by every browser test.

Playwright never downloads a browser of its own here: it drives /usr/bin/chromium,
which `make system` installs. Where it is missing the test is skipped and says so.
Screenshots go to $CONSULT_SCREENSHOTS, or else the test's temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def need_chromium() -> None:
    """Skip the test, saying why, when this machine has no Chromium."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: `make system` installs it, as root")


def screenshots(tmp_path: Path) -> Path:
    """Return the folder the test's screenshots go to, made, and print where it is."""
    shots = Path(os.environ.get("CONSULT_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {shots}")
    return shots


@contextmanager
def browser_page(
    width: int = 1280,
    height: int = 900,
    timeout_ms: float | None = None,
    chromium_args: Sequence[str] = (),
    **options: Any,
) -> Iterator[Page]:
    """Yield a page of a fresh headless Chromium with this window; close the browser after.

    `chromium_args` go to Chromium after CHROMIUM_ARGS (`--host-resolver-rules=...`, say).
    """
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *chromium_args]
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, **options)
            if timeout_ms is not None:
                page.set_default_timeout(timeout_ms)
            yield page
        finally:
            browser.close()

"""Browser steps of the registry's spreadsheet import, for tests that drive the desk in Chromium.

Each takes a Playwright `page` already on the desk (its session open):

    upload_sheet(page, desk_url, sheet)              # the upload form: the preview or its problems
    correct_cells(page, {"contacts.csv, row 3, column F (Time zone)": "Europe/Berlin"})
    confirm_import(page, "Nino Beridze")             # back on the registry, "Imported: ..."
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page


def upload_sheet(page: Page, desk_url: str, sheet: Path) -> None:
    """Open the registry, follow its import link, upload `sheet`: the preview page shows."""
    from playwright.sync_api import expect

    page.goto(f"{desk_url.rstrip('/')}/registry")
    page.get_by_role("link", name="Import a spreadsheet of contacts").click()
    page.get_by_label("File (.xlsx or .csv").set_input_files(str(sheet))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name=f"Import {sheet.name}")).to_be_visible()


def problems(page: Page) -> list[str]:
    """Return the problems the preview lists, in the CLI's words (none: the import is ready)."""
    found = page.locator("#problems li")
    return [text.strip() for text in found.all_inner_texts()]


def correct_cells(page: Page, cells: Mapping[str, str]) -> None:
    """Type each wrong cell, by its label (`contacts.csv, row 3, column F (Time zone)`); recheck."""
    for label, value in cells.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Check again").click()


def confirm_import(page: Page, by: str) -> str:
    """Confirm the previewed import as `by`; return the registry's sentence of what was done."""
    from playwright.sync_api import expect

    page.get_by_label("Imported by (your name)").fill(by)
    page.get_by_role("button", name="Confirm: write these changes into stakeholders.yaml").click()
    done = page.locator("#done")
    expect(done).to_contain_text("Imported:")
    return done.inner_text()

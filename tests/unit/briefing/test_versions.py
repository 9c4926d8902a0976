"""The folder of a pack's version: written whole, or not at all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from consult.briefing import versions
from consult.errors import StorageError


def test_a_full_disk_leaves_no_part_of_a_version_and_names_the_folder_to_free(
    tmp_path: Path, full_disk: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(versions, "pdf_bytes", lambda html: b"%PDF-1.7")
    full_disk()
    pack: Any = SimpleNamespace(language="en", html="<p>x</p>", markdown="x")
    folder = tmp_path / "briefing" / "winter-2027" / "v1"

    with pytest.raises(StorageError) as raised:
        versions._write(folder, "winter-2027", [pack], "section,theme\n")

    assert str(raised.value) == (
        f"cannot write {folder}: the disk is full (ENOSPC); free space on the disk that holds"
        f" {folder.parent}"
    )
    assert list(folder.parent.iterdir()) == []

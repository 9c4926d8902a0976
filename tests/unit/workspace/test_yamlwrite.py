"""write_atomically: a file is the old one or the new one, never a part, even on a full disk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from consult.errors import StorageError
from consult.workspace.yamlwrite import write_atomically


def test_a_full_disk_keeps_the_old_file_whole_and_leaves_no_temporary_file(
    tmp_path: Path, full_disk: Callable[[], None]
) -> None:
    target = tmp_path / "stakeholders.yaml"
    target.write_bytes(b"organisations: []\n")
    full_disk()

    with pytest.raises(StorageError) as raised:
        write_atomically(target, "organisations:\n  - id: mia\n")

    assert str(raised.value) == (
        f"cannot write {target}: the disk is full (ENOSPC); free space on the disk that holds"
        f" {tmp_path}"
    )
    assert target.read_bytes() == b"organisations: []\n"
    assert [p.name for p in tmp_path.iterdir()] == ["stakeholders.yaml"]

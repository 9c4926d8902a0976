"""The workspace the desk serves, read from disk once and kept while its files are unchanged.

    kept = WorkspaceCache(root)
    kept.workspace()        # read and checked on the first call; kept after
    kept.forget()           # the desk wrote a file: the next call reads it again

Reading and checking stakeholders.yaml and every trainings/*.yaml costs far more
than a page (issue 29), so the desk keeps the workspace it read, with the
fingerprint of its files: each file's name, inode, size and modification time
in nanoseconds, and the list of training files. Every call compares the files'
fingerprint (a few `stat`s) with the kept one and reads them again when any
differs: an edit in an editor, a file added or removed shows at once.

A write that kept a file's inode, size and modification time (the same
timestamp tick on a coarse file system) would not show: so the desk's own
writes also call `forget()`, and a read that began before a `forget()` is not
kept. A workspace that does not load is never kept: its error is raised again,
read afresh, on every call.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from consult.workspace.loading import STAKEHOLDERS, TRAININGS, Workspace, load_workspace

Fingerprint = tuple[tuple[str, int, int, int], ...]
"""Each file the workspace is read from: its path in the workspace, inode, size, mtime_ns."""


def fingerprint(root: Path) -> Fingerprint:
    """Return the fingerprint of the workspace's files; a missing file or folder leaves none."""
    files: list[tuple[str, int, int, int]] = []
    try:
        found = os.stat(root / STAKEHOLDERS)
        files.append((STAKEHOLDERS, found.st_ino, found.st_size, found.st_mtime_ns))
    except FileNotFoundError:
        pass
    try:
        with os.scandir(root / TRAININGS) as entries:
            for entry in entries:
                if entry.name.endswith(".yaml"):
                    found = entry.stat()
                    name = f"{TRAININGS}/{entry.name}"
                    files.append((name, found.st_ino, found.st_size, found.st_mtime_ns))
    except (FileNotFoundError, NotADirectoryError):
        pass
    return tuple(sorted(files))


class WorkspaceCache:
    """The workspace at `root` as last read, and its files' fingerprint then; thread-safe."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.reads = 0
        """How many times the workspace was read from disk (what the tests count)."""
        self._lock = threading.Lock()
        self._kept: tuple[Fingerprint, Workspace] | None = None
        self._generation = 0

    def workspace(self) -> Workspace:
        """Return the workspace: the one kept if its files are unchanged, else read afresh.

        Raises the WorkspaceError of `load_workspace` when it does not load.
        """
        before = fingerprint(self.root)
        with self._lock:
            if self._kept is not None and self._kept[0] == before:
                return self._kept[1]
            generation = self._generation
            self.reads += 1
        built = load_workspace(self.root, require_training=False)
        after = fingerprint(self.root)
        with self._lock:
            # Kept only if no file changed while it was read, and the desk wrote none since.
            if after == before and generation == self._generation:
                self._kept = (after, built)
        return built

    def forget(self) -> None:
        """Drop the kept workspace: the desk wrote a file of it (or may have)."""
        with self._lock:
            self._kept = None
            self._generation += 1

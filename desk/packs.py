"""The versions of a training's briefing pack and their files on disk, which the desk serves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from consult.briefing.versions import pack_folder
from consult.store import Store
from desk.wording import local


@dataclass(frozen=True)
class PackVersion:
    """A version of the briefing pack and its files, by name."""

    version: int
    digest: str
    created: str
    files: tuple[str, ...]


def pack_files(out_dir: Path, slug: str, version: int) -> tuple[str, ...]:
    """Return the names of the files of a version of the pack that are on disk."""
    folder = pack_folder(out_dir, slug, version)
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.name for p in folder.iterdir() if p.is_file()))


def pack_versions(
    store: Store, slug: str, out_dir: Path, zone: ZoneInfo
) -> tuple[PackVersion, ...]:
    """Return the versions of the training's pack, newest first, each with its files on disk."""
    return tuple(
        PackVersion(version, digest[:12], local(created, zone), pack_files(out_dir, slug, version))
        for version, digest, created in reversed(store.pack_versions(slug))
    )

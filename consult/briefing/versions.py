"""The pack's versions: compile it, number it by content, write its files, list its sources.

The pack's content (the analysis and what the training file says about the
training) is hashed; the same content keeps its version, any change makes the
next. Files go to `out/briefing/<training>/v<version>/`, written in a temporary
folder first, so a failed compile never leaves half a pack; `sources.csv` beside
them lists every observation the pack rests on.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from consult.briefing.analysis import ANONYMITY_K, Analysis, Evidence
from consult.briefing.gathering import gather
from consult.briefing.labels import load_labels, pack_languages, theme_label
from consult.briefing.pdf import pdf_bytes
from consult.briefing.render import LIMITS, Limits, Pack, anonymous, render_pack
from consult.csvsafe import neutralise_row
from consult.errors import StorageError
from consult.store import Store
from consult.workspace.loading import Workspace
from schemas.training import Training

FORMATS: Final = ("html", "pdf", "md")
SOURCES_FILE: Final = "sources.csv"
SOURCES_COLUMNS: Final = (
    "section",
    "theme",
    "kind",
    "severity",
    "number",
    "source",
    "meeting",
    "file",
    "line",
    "owner",
    "due",
    "text",
)
"""The columns of sources.csv: meeting, file and line are left empty for internal observations."""


@dataclass(frozen=True)
class CompiledPack:
    """What a compile wrote: the version, whether it is new, and the files per language."""

    training: str
    version: int
    new: bool
    folder: Path
    files: Mapping[str, Mapping[str, Path]]
    """language -> format (html, pdf, md) -> file."""
    markdown: str
    """The English Markdown, for the Prefect UI."""
    analysis: Analysis

    def pdf(self, language: str) -> Path:
        """Return the PDF in `language`, or the English one when there is none."""
        return self.files.get(language, self.files["en"])["pdf"]


def content_digest(analysis: Analysis, training: Training, languages: Sequence[str]) -> str:
    """Return the hash of what the pack says: the same content, the same version."""
    content = dataclasses.asdict(dataclasses.replace(analysis, organisations={}, as_of=dt.date.min))
    content["matrix"] = sorted((list(key), value) for key, value in analysis.matrix.items())
    payload = json.dumps(
        {
            "analysis": content,
            "training": training.model_dump(mode="json"),
            "languages": list(languages),
        },
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def pack_folder(out_dir: Path, slug: str, version: int) -> Path:
    """Return the folder the files of a version of the training's pack are written to."""
    return out_dir / "briefing" / slug / f"v{version}"


def compile_pack(
    workspace: Workspace,
    store: Store,
    slug: str,
    out_dir: Path,
    now: dt.datetime,
    *,
    overrides: Path | None = None,
    limits: Limits = LIMITS,
    anonymity_k: int = ANONYMITY_K,
) -> CompiledPack:
    """Return the compiled pack of the training `slug`, written under `out_dir/briefing/`.

    The version is recorded in the store only once every file is written: a broken
    template or a failed PDF leaves no version behind. `anonymity_k` is the k of the
    anonymity rule (`consult.briefing.anonymity`; the setting CONSULT_ANONYMITY_K).
    """
    training = workspace.training(slug)
    overrides = overrides if overrides is not None else workspace.root / "templates"
    analysis = gather(workspace, store, slug, now, anonymity_k=anonymity_k)
    languages = pack_languages(training, overrides)
    compiled = now.astimezone(ZoneInfo(training.timezone)).date()
    digest = content_digest(analysis, training, languages)
    history = store.pack_versions(slug)
    version = 1
    if history:
        latest, latest_digest, _ = history[-1]
        version = latest if latest_digest == digest else latest + 1
    while True:
        packs = [
            render_pack(
                analysis,
                training,
                lang,
                version=version,
                compiled=compiled,
                overrides=overrides,
                limits=limits,
            )
            for lang in languages
        ]
        folder = pack_folder(out_dir, slug, version)
        files = _write(folder, slug, packs, sources_csv(analysis, training))
        recorded, new = store.record_pack(slug, digest)
        if recorded == version:
            break
        version = recorded  # a compile running at the same time took the number: write again
    return CompiledPack(
        training=slug,
        version=version,
        new=new,
        folder=folder,
        files=files,
        markdown=packs[0].markdown,
        analysis=analysis,
    )


def _write(
    folder: Path, slug: str, packs: Sequence[Pack], sources: str
) -> dict[str, dict[str, Path]]:
    """Return the files of each language, written in a temporary folder moved into place.

    Raises StorageError, naming the folder and what to do, when it cannot be written;
    then nothing of this version is left.
    """
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    except OSError as error:
        raise StorageError.writing(folder, error) from error
    files: dict[str, dict[str, Path]] = {}
    try:
        for pack in packs:
            stem = f"briefing-{slug}-{pack.language}"
            contents = {
                "html": pack.html.encode("utf-8"),
                "pdf": pdf_bytes(pack.html),
                "md": pack.markdown.encode("utf-8"),
            }
            for extension, data in contents.items():
                (staging / f"{stem}.{extension}").write_bytes(data)
            files[pack.language] = {ext: folder / f"{stem}.{ext}" for ext in FORMATS}
        # With a byte-order mark, so that spreadsheets read the Georgian as UTF-8.
        (staging / SOURCES_FILE).write_text(sources, encoding="utf-8-sig")
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError):
            raise StorageError.writing(folder, error) from error
        raise
    return files


def sources_csv(analysis: Analysis, training: Training) -> str:
    """Return every observation the pack rests on, as CSV: section, theme, number, source, text.

    Restricted observations are not in the analysis, so not here either; internal
    ones are attributed as in the pack, and name no owner, meeting, file or line
    (any would point to their organisation). A public one's meeting is its id in
    the consultation plan (`round-1/mia`), its file the notes file (or form, or
    KoboToolbox submission) it was imported from: its key up to the `#`; its line
    the one of that file where it starts (none from a form or KoboToolbox).
    """
    labels = load_labels("en", None)
    names = {org_id: org.name.en for org_id, org in analysis.organisations.items()}

    def source(item: Evidence) -> str:
        if item.public:
            return names.get(item.organisation, item.organisation)
        return anonymous(item, labels)

    def owner(item: Evidence) -> str:
        if item.owner and not item.public:
            return labels("actions.owner_internal")  # it would name the organisation
        return item.owner or ""

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SOURCES_COLUMNS)
    by_number = {item.number: item for item in analysis.evidence}
    sections: list[tuple[str, Iterable[Evidence]]] = [
        (f"gap {gap.rank}", [by_number[number] for number in gap.observations])
        for gap in analysis.gaps
    ]
    sections.append(("action", analysis.actions))
    sections.append(("practice", (*analysis.good_practices, *analysis.recommendations)))
    for section, items in sections:
        for item in items:
            writer.writerow(
                neutralise_row(
                    [
                        section,
                        theme_label(training, item.theme, "en"),
                        item.kind,
                        item.severity,
                        item.number,
                        source(item),
                        *_origin(item),
                        owner(item),
                        item.due.isoformat() if item.due else "",
                        " ".join(item.text.split()),
                    ]
                )
            )
    return buffer.getvalue()


def _origin(item: Evidence) -> tuple[str, str, str]:
    """Return a public observation's meeting, source file and line; nothing of an internal one."""
    if not item.public:
        return "", "", ""
    line = "" if item.line is None else str(item.line)
    return item.meeting_id.split("/", 1)[-1], item.key.split("#", 1)[0], line


def compiled_files(out_dir: Path, slug: str, version: int) -> dict[str, dict[str, Path]]:
    """Return the files of a version compiled before, per language and format; {} if none."""
    folder = pack_folder(out_dir, slug, version)
    if not folder.is_dir():
        return {}
    return {
        pdf.stem.removeprefix(f"briefing-{slug}-"): {
            ext: folder / f"{pdf.stem}.{ext}" for ext in FORMATS
        }
        for pdf in sorted(folder.glob(f"briefing-{slug}-*.pdf"))
    }

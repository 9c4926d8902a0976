"""The experts' briefing pack: the gap analysis in words, as HTML, PDF and Markdown.

    compiled = compile_pack(workspace, store, "intercultural-communication-2027", out, now)
    send_pack(store, transport, sender, workspace, compiled, now=now)

The pack is written once per language: English, and each expert's language
where `templates/briefing/labels/<lang>.yaml` exists (Georgian and Russian are
built in). The templates are `templates/briefing/pack.html.j2` and
`pack.md.j2`; their words come from the labels, so a language needs one file
of labels, not a copy of the templates. A workspace overrides any of these
files by putting one with the same relative path in `<workspace>/templates/briefing/`.

Versions: the pack's content (the analysis and what the training file says
about the training) is hashed; the same content keeps its version, any change
makes the next. Files go to `out/briefing/<training>/v<version>/`, written in a
temporary folder first, so a failed compile never leaves half a pack. Each
expert (and the training's coordinator) gets the PDF of their language by
email through the delivery ledger, keyed by (`<training>/briefing`, recipient,
version, "briefing"): once per version, whatever re-runs happen.

User text (observations, names, the terms of reference) is data: escaped in
HTML by autoescape, and escaped for Markdown by the `md` filter.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import json
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import jinja2
import yaml
from babel.dates import format_date, format_datetime

from consult import templating
from consult.briefing.analysis import DIVERGENCE, Analysis, Evidence, analyse
from consult.errors import BriefingError
from consult.mail.delivery import Delivered, Outgoing, deliver
from consult.mail.invitations import Sender
from consult.mail.mime import as_email, prepare_message
from consult.mail.transports import Transport
from consult.store import LEASE, Store
from consult.workspace.loading import Workspace
from schemas.training import Training

TEMPLATES_DIR: Final = Path(__file__).resolve().parents[2] / "templates" / "briefing"
LABELS: Final = "labels"
FORMATS: Final = ("html", "pdf", "md")
SOURCES_FILE: Final = "sources.csv"


@dataclass(frozen=True)
class Limits:
    """How much of a long list the pack prints; everything is in sources.csv beside it.

    On a real consultation (tens of meetings, a few hundred observations) nothing
    is cut; the limits keep a pack of thousands of observations readable and its
    PDF quick to typeset.
    """

    sources: int = 40
    """Observation numbers printed under a gap."""
    actions: int = 40
    """Commitments and open questions, the most urgent first."""
    practices: int = 3
    """Good practices, and recommendations, per theme."""


LIMITS: Final = Limits()
FONT: Final = "DejaVu Sans"
"""The PDF's font: on Debian's fonts-dejavu-core, with the Georgian and Cyrillic glyphs."""

_LOCALES: Final[dict[str, str]] = {"ka": "ka", "en": "en_GB", "ru": "ru"}
_MARKDOWN_SPECIAL: Final = re.compile(r"([\\`*_\[\]<>|#])")


@dataclass(frozen=True)
class Pack:
    """One language's pack, rendered."""

    language: str
    html: str
    markdown: str


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


def gather(workspace: Workspace, store: Store, slug: str, now: dt.datetime) -> Analysis:
    """Return the gap analysis of the training `slug` from what the store holds."""
    training = workspace.training(slug)
    meetings = store.meetings(slug)
    attendees = {meeting.id: store.attendees(meeting.id) for meeting in meetings}
    attendance = {meeting.id: _attendance(store, meeting.id) for meeting in meetings}
    observations = store.observations(training=slug)
    known = {organisation.id for organisation in workspace.stakeholders.organisations}
    for observation in observations:
        if observation.organisation not in known:
            raise BriefingError(
                f"observation #{observation.id} ({observation.key}) is from organisation "
                f"{observation.organisation!r}, which stakeholders.yaml no longer lists: "
                "put it back, or the pack cannot say what kind of organisation said it"
            )
    return analyse(
        training,
        slug,
        workspace.stakeholders.organisations,
        meetings,
        observations,
        attendees,
        attendance,
        now,
    )


def _attendance(store: Store, meeting_id: str) -> list[Mapping[str, str]]:
    """Return who came to the meeting: the latest list from each source of notes, together."""
    latest: dict[str, list[Mapping[str, str]]] = {}
    for event in store.audit_log(meeting_id):
        if event.action == "notes.attendance":
            latest[str(event.detail.get("source", ""))] = list(event.detail.get("attendance", []))
    return [person for people in latest.values() for person in people]


def pack_languages(training: Training, overrides: Path | None = None) -> tuple[str, ...]:
    """Return the pack's languages: English, then each expert's language that has labels."""
    wanted = dict.fromkeys(["en", *(expert.language for expert in training.experts)])
    return tuple(lang for lang in wanted if _labels_file(lang, overrides) is not None)


def render_pack(
    analysis: Analysis,
    training: Training,
    language: str,
    *,
    version: int,
    compiled: dt.date,
    overrides: Path | None = None,
    limits: Limits = LIMITS,
) -> Pack:
    """Return the pack in `language` (English when it has no labels) as HTML and Markdown."""
    if _labels_file(language, overrides) is None:
        language = "en"
    env = _environment(overrides.resolve() if overrides is not None else None)
    variables = _variables(analysis, training, language, version, compiled, overrides, limits)
    return Pack(
        language=language,
        html=_render(env, "pack.html.j2", variables),
        markdown=_render(env, "pack.md.j2", variables),
    )


def pdf_bytes(html: str) -> bytes:
    """Return the HTML typeset as PDF by WeasyPrint (imported here: it is slow to import)."""
    try:
        import weasyprint
    except OSError as error:  # its C libraries are missing: Pango, HarfBuzz...
        raise BriefingError(
            f"the PDF needs Pango, which WeasyPrint cannot load ({error}): install "
            "libpango-1.0-0 and libpangoft2-1.0-0 (make system does, as root)"
        ) from None

    pdf = weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR)).write_pdf()
    if not isinstance(pdf, bytes):  # write_pdf returns the bytes when given no target
        raise BriefingError("WeasyPrint returned no PDF")
    return pdf


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


def compile_pack(
    workspace: Workspace,
    store: Store,
    slug: str,
    out_dir: Path,
    now: dt.datetime,
    *,
    overrides: Path | None = None,
    limits: Limits = LIMITS,
) -> CompiledPack:
    """Return the compiled pack of the training `slug`, written under `out_dir/briefing/`.

    The version is recorded in the store only once every file is written: a broken
    template or a failed PDF leaves no version behind.
    """
    training = workspace.training(slug)
    overrides = overrides if overrides is not None else workspace.root / "templates"
    analysis = gather(workspace, store, slug, now)
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
        folder = out_dir / "briefing" / slug / f"v{version}"
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
    """Return the files of each language, written in a temporary folder moved into place."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
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
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return files


def sources_csv(analysis: Analysis, training: Training) -> str:
    """Return every observation the pack rests on, as CSV: section, theme, number, source, text.

    Restricted observations are not in the analysis, so not here either; internal
    ones name only the kind of organisation, as in the pack.
    """
    labels = _labels("en", None)
    names = {org_id: org.name.en for org_id, org in analysis.organisations.items()}

    def source(item: Evidence) -> str:
        if item.public:
            return names.get(item.organisation, item.organisation)
        return labels(f"anonymous.{item.organisation_kind}")

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["section", "theme", "kind", "severity", "number", "source", "owner", "due", "text"]
    )
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
                [
                    section,
                    _theme_label(training, item.theme, "en"),
                    item.kind,
                    item.severity,
                    item.number,
                    source(item),
                    item.owner or "",
                    item.due.isoformat() if item.due else "",
                    " ".join(item.text.split()),
                ]
            )
    return buffer.getvalue()


@dataclass(frozen=True)
class Shown:
    """The items of a long list that the pack prints, and how many it leaves to sources.csv."""

    items: list[Evidence]
    hidden: int


def shown_practices(analysis: Analysis, per_theme: int) -> Shown:
    """Return the good practices, then the recommendations, up to `per_theme` per theme each."""
    groups: dict[tuple[str, str], list[Evidence]] = defaultdict(list)
    for item in (*analysis.good_practices, *analysis.recommendations):
        groups[item.kind, item.theme].append(item)
    order = {theme: index for index, theme in enumerate(analysis.themes)}
    items = []
    for _, group in sorted(
        groups.items(), key=lambda pair: (pair[0][0] != "good_practice", order.get(pair[0][1], 0))
    ):
        group.sort(key=lambda item: (-item.severity, not item.public, item.number))
        items += group[:per_theme]
    hidden = len(analysis.good_practices) + len(analysis.recommendations) - len(items)
    return Shown(items=items, hidden=hidden)


def pack_messages(
    workspace: Workspace,
    compiled: CompiledPack,
    sender: Sender,
    now: dt.datetime,
    *,
    overrides: Path | None = None,
) -> list[Outgoing]:
    """Return one message per expert (and the coordinator) with the PDF in their language."""
    training = workspace.training(compiled.training)
    overrides = overrides if overrides is not None else workspace.root / "templates"
    recipients = [(expert.name, expert.email, expert.language) for expert in training.experts]
    coordinator = training.briefing.coordinator_email
    if coordinator and all(coordinator.lower() != r[1].lower() for r in recipients):
        recipients.append((sender.name, coordinator, "en"))
    return [
        Outgoing(
            meeting_id=f"{compiled.training}/briefing",
            recipient=email,
            sequence=compiled.version,
            kind="briefing",
            build=functools.partial(
                _build_message, workspace, compiled, sender, (name, email), language, now, overrides
            ),
        )
        for name, email, language in recipients
    ]


def send_pack(
    store: Store,
    transport: Transport,
    sender: Sender,
    workspace: Workspace,
    compiled: CompiledPack,
    *,
    now: dt.datetime,
    lease: dt.timedelta = LEASE,
) -> list[Delivered]:
    """Return the delivery of the pack's version to each expert: sent once per version."""
    return deliver(
        store,
        transport,
        pack_messages(workspace, compiled, sender, now),
        domain=sender.domain,
        lease=lease,
    )


def _build_message(
    workspace: Workspace,
    compiled: CompiledPack,
    sender: Sender,
    recipient: tuple[str, str],
    language: str,
    now: dt.datetime,
    overrides: Path | None,
    message_id: str,
) -> EmailMessage:
    training = workspace.training(compiled.training)
    if _labels_file(language, overrides) is None:
        language = "en"
    labels = _labels(language, overrides)
    env = _environment(overrides.resolve() if overrides is not None else None)
    title = training.title.get(language)  # type: ignore[arg-type]
    locale = _LOCALES[language]
    previous = compiled.version - 1 if compiled.version > 1 else None
    key = "email.subject_update" if previous else "email.subject"
    variables = {
        "t": labels,
        "name": recipient[0],
        "title": title,
        "start": format_date(training.start, "long", locale=locale),
        "end": format_date(training.end, "long", locale=locale),
        "version": compiled.version,
        "previous": previous,
        "top": [
            (gap.rank, _theme_label(training, gap.theme, language), gap.priority)
            for gap in compiled.analysis.gaps[:3]
        ],
        "sender": sender,
    }
    subject = labels(key, title=title, version=compiled.version)
    message = as_email(
        prepare_message(
            sender=(sender.name, sender.email),
            recipient=recipient,
            subject=" ".join(subject.split()),
            text=_render(env, "email.txt.j2", variables),
            html=_render(env, "email.html.j2", variables),
            calendar=None,
            method=None,
            date=now,
            message_id=message_id,
            domain=sender.domain,
        )
    )
    pdf = compiled.pdf(language)
    message.add_attachment(
        pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name
    )
    return message


# --- templates and labels ---------------------------------------------------------------


class Labels:
    """The words of one language: `labels("gaps.rank")`, with `{name}` fields filled in."""

    def __init__(self, source: Path, words: Mapping[str, Any]) -> None:
        self.source = source
        self._words = words

    def __call__(self, key: str, **fields: object) -> str:
        """Return the text at the dotted `key`, formatted with `fields`."""
        value: Any = self._words
        for part in key.split("."):
            if not isinstance(value, Mapping) or part not in value:
                raise BriefingError(f"{self.source}: no label {key!r}")
            value = value[part]
        if not isinstance(value, str):
            raise BriefingError(f"{self.source}: label {key!r} is not a text")
        try:
            return value.format(**fields)
        except (KeyError, IndexError, ValueError) as error:
            raise BriefingError(
                f"{self.source}: label {key!r} cannot be filled in ({error})"
            ) from None

    def keys(self) -> set[str]:
        """Return every dotted key, for checking that languages have the same ones."""
        found: set[str] = set()

        def walk(prefix: str, value: object) -> None:
            if isinstance(value, Mapping):
                for name, inner in value.items():
                    walk(f"{prefix}{name}.", inner)
            else:
                found.add(prefix[:-1])

        walk("", self._words)
        return found


def _labels_file(language: str, overrides: Path | None) -> Path | None:
    for root in ([overrides / "briefing"] if overrides is not None else []) + [TEMPLATES_DIR]:
        candidate = root / LABELS / f"{language}.yaml"
        if candidate.is_file():
            return candidate
    return None


def _labels(language: str, overrides: Path | None) -> Labels:
    source = _labels_file(language, overrides)
    if source is None:
        raise BriefingError(f"no labels for language {language!r} in {TEMPLATES_DIR / LABELS}")
    return _load_labels(source, source.stat().st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _load_labels(source: Path, _mtime: int) -> Labels:
    try:
        words = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise BriefingError(f"{source}: cannot be read as YAML ({error})") from None
    if not isinstance(words, Mapping):
        raise BriefingError(f"{source}: expected a mapping of labels")
    return Labels(source, words)


@functools.lru_cache(maxsize=8)
def _environment(overrides: Path | None) -> jinja2.Environment:
    env = templating.environment(
        TEMPLATES_DIR, overrides / "briefing" if overrides is not None else None
    )
    env.filters["md"] = markdown_text
    env.filters["num"] = _number
    return env


def _render(env: jinja2.Environment, name: str, variables: Mapping[str, Any]) -> str:
    return templating.render(env, name, variables, BriefingError)


def markdown_text(value: object) -> str:
    """Return user text safe inside Markdown: one line, its markup characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def _number(value: Decimal | int | float, language: str = "en") -> str:
    text = str(value)
    return text.replace(".", ",") if language == "ru" else text


def _theme_label(training: Training, theme_id: str, language: str) -> str:
    for theme in training.themes:
        if theme.id == theme_id:
            return theme.label.get(language)  # type: ignore[arg-type]
    return theme_id


HEAT: Final = ("#fdebd3", "#f8b27a", "#e8603c", "#b2182b")
"""Cell colours for a mean severity of 1, 2, 3 and 4 (ColorBrewer OrRd/RdBu, print-safe)."""


def heat(mean: Decimal) -> str:
    """Return the colour of a mean severity: the nearest of the four steps."""
    index = min(3, max(0, int((mean - 1).to_integral_value(rounding="ROUND_HALF_UP"))))
    return HEAT[index]


def _variables(
    analysis: Analysis,
    training: Training,
    language: str,
    version: int,
    compiled: dt.date,
    overrides: Path | None,
    limits: Limits,
) -> dict[str, Any]:
    labels = _labels(language, overrides)
    locale = _LOCALES.get(language, "en_GB")
    zone = ZoneInfo(training.timezone)
    sessions = {session.id: session for session in training.agenda}

    def theme(theme_id: str) -> str:
        return _theme_label(training, theme_id, language)

    def organisation(org_id: str) -> str:
        found = analysis.organisations.get(org_id)
        return found.name.get(language) if found is not None else org_id  # type: ignore[arg-type]

    def attribution(item: Evidence) -> str:
        if item.public:
            role = f", {item.speaker_role}" if item.speaker_role else ""
            return f"{organisation(item.organisation)}{role}"
        return labels(f"anonymous.{item.organisation_kind}")

    def when(value: dt.datetime) -> str:
        return format_datetime(value.astimezone(zone), "EEE d MMM y, HH:mm", locale=locale)

    def day(value: dt.date) -> str:
        return format_date(value, "long", locale=locale)

    def session_title(session_id: str) -> str:
        found = sessions.get(session_id)
        return found.title.get(language) if found is not None else session_id  # type: ignore[arg-type]

    def numbers(values: Sequence[int], limit: int | None = None) -> str:
        shown = ", ".join(f"#{value}" for value in values[:limit])
        if limit is not None and len(values) > limit:
            return f"{shown} {labels('gaps.sources_more', count=len(values) - limit)}"
        return shown

    def meeting_ref(meeting_id: str) -> str:
        return meeting_id.rsplit("/", 1)[-1]

    def kinds_text(kinds: Iterable[str]) -> str:
        return ", ".join(labels(f"kinds.{kind}") for kind in kinds)

    def sessions_text(ids: Iterable[str]) -> str:
        return "; ".join(session_title(session_id) for session_id in ids)

    def meetings_text(ids: Iterable[str]) -> str:
        return ", ".join(meeting_ref(meeting_id) for meeting_id in ids)

    return {
        "a": analysis,
        "training": training,
        "lang": language,
        "t": labels,
        "version": version,
        "previous": version - 1 if version > 1 else None,
        "compiled": day(compiled),
        "title": training.title.get(language),  # type: ignore[arg-type]
        "theme": theme,
        "organisation": organisation,
        "attribution": attribution,
        "when": when,
        "day": day,
        "session_title": session_title,
        "numbers": numbers,
        "meeting_ref": meeting_ref,
        "kinds_text": kinds_text,
        "sessions_text": sessions_text,
        "meetings_text": meetings_text,
        "heat": heat,
        "font": FONT,
        "threshold": _number(DIVERGENCE, language),
        "experts": training.experts,
        "limit": limits,
        "shown_practices": lambda: shown_practices(analysis, limits.practices),
    }

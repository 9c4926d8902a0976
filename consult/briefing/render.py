"""The pack in words: the analysis rendered by Jinja as HTML and Markdown in one language.

The templates are `consult/templates/briefing/pack.html.j2` and `pack.md.j2`, overridable
from the workspace. User text (observations, names, the terms of reference) is data:
escaped in HTML by autoescape, and escaped for Markdown by the `md` filter.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date, format_datetime

from consult import templating
from consult.briefing import heatmap, influence
from consult.briefing.analysis import DIVERGENCE, Analysis, Evidence, Gap
from consult.briefing.labels import (
    LOCALES,
    TEMPLATES_DIR,
    Labels,
    labels_file,
    load_labels,
    theme_label,
)
from consult.briefing.pdf import FONT
from consult.errors import BriefingError
from schemas.training import AgendaSession, Expert, Training
from schemas.types import Language, Localized, LocalizedText


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

_MARKDOWN_SPECIAL: Final = re.compile(r"([\\`*_\[\]<>|#])")


@dataclass(frozen=True)
class Pack:
    """One language's pack, rendered."""

    language: str
    html: str
    markdown: str


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
    if labels_file(language, overrides) is None:
        language = "en"
    env = environment(overrides.resolve() if overrides is not None else None)
    variables = _variables(analysis, training, language, version, compiled, overrides, limits)
    return Pack(
        language=language,
        html=render_template(env, "pack.html.j2", variables),
        markdown=render_template(env, "pack.md.j2", variables),
    )


@functools.lru_cache(maxsize=8)
def environment(overrides: Path | None) -> jinja2.Environment:
    """Return the Jinja environment of the pack and its email, with the `md` and `num` filters."""
    env = templating.environment(
        TEMPLATES_DIR, overrides / "briefing" if overrides is not None else None
    )
    env.filters["md"] = markdown_text
    env.filters["num"] = _number
    return env


def render_template(env: jinja2.Environment, name: str, variables: Mapping[str, Any]) -> str:
    """Return the template `name` rendered, or a BriefingError naming it and the fault."""
    return templating.render(env, name, variables, BriefingError)


def markdown_text(value: object) -> str:
    """Return user text safe inside Markdown: one line, its markup characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def _number(value: Decimal | int | float, language: str = "en") -> str:
    text = str(value)
    return text.replace(".", ",") if language == "ru" else text


_SCRIPTS: Final[dict[str, Language]] = {"GEORGIAN": "ka", "CYRILLIC": "ru", "LATIN": "en"}


def script_language(text: str) -> Language | None:
    """Return the language whose script most of the letters of `text` are in, if any.

    Georgian, Russian and English are each the only one of consult's languages
    written in their script, so the letters tell a quote's language without
    translating or guessing at its words.
    """
    counts: dict[Language, int] = {}
    for char in text:
        if char.isalpha():
            script = unicodedata.name(char, "").split(" ", 1)[0]
            if script in _SCRIPTS:
                counts[_SCRIPTS[script]] = counts.get(_SCRIPTS[script], 0) + 1
    if not counts:
        return None
    return max(counts, key=counts.__getitem__)


HEAT: Final = ("#fdebd3", "#f8b27a", "#e8603c", "#b2182b")
"""Cell colours for a mean severity of 1, 2, 3 and 4 (ColorBrewer OrRd/RdBu, print-safe)."""


def heat(mean: Decimal) -> str:
    """Return the colour of a mean severity: the nearest of the four steps."""
    index = min(3, max(0, int((mean - 1).to_integral_value(rounding="ROUND_HALF_UP"))))
    return HEAT[index]


def column_label(column: str, labels: Labels) -> str:
    """Return the name of a column of stakeholders (`anonymity.Column.id`): a kind, a group..."""
    level, _, name = column.partition(":")
    if level == "kind":
        return labels(f"kinds.{name}")
    if level == "group":
        return labels(f"groups.{name}")
    return labels(f"columns.{level}")


def anonymous(item: Evidence, labels: Labels) -> str:
    """Return the words the pack names an internal observation's source by: its attribution."""
    level, name = item.attribution.level, item.attribution.name
    if level == "kind":
        return labels(f"anonymous.{name}")
    if level == "group":
        return labels(f"anonymous_groups.{name}")
    return labels("anonymous_stakeholder")


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


def _variables(
    analysis: Analysis,
    training: Training,
    language: str,
    version: int,
    compiled: dt.date,
    overrides: Path | None,
    limits: Limits,
) -> dict[str, Any]:
    """Return what the pack's templates see: the analysis, its figures and its wording."""
    labels = load_labels(language, overrides)
    words = _Wording(
        analysis,
        training,
        language,
        labels,
        LOCALES.get(language, "en_GB"),
        ZoneInfo(training.timezone),
        {session.id: session for session in training.agenda},
    )
    return {
        "a": analysis,
        "training": training,
        "lang": language,
        "t": labels,
        "version": version,
        "previous": version - 1 if version > 1 else None,
        "compiled": words.day(compiled),
        "title": training.title.get(language),  # type: ignore[arg-type]
        **words.functions(),
        "heat": heat,
        "heatmap": lambda: heatmap.layout(
            [(column, column_label(column, labels)) for column in analysis.kinds],
            [(theme_id, words.theme(theme_id)) for theme_id in analysis.themes],
        ),
        "size": heatmap.SIZE,
        "font": FONT,
        "threshold": _number(DIVERGENCE, language),
        "experts": training.experts,
        "limit": limits,
        "shown_practices": lambda: shown_practices(analysis, limits.practices),
        "influence": influence.grid(
            influence.planned_organisations(training, analysis.organisations.values()),
            cast(Language, language),
        ),
        "stance_markers": influence.STANCE_MARKERS,
    }


@dataclass(frozen=True)
class _Wording:
    """How the pack's templates put ids, dates and sources into words of one language."""

    analysis: Analysis
    training: Training
    language: str
    labels: Labels
    locale: str
    zone: ZoneInfo
    sessions: Mapping[str, AgendaSession]

    def functions(self) -> dict[str, Any]:
        """Return the functions the templates call, by the name they call them."""
        return {
            "theme": self.theme,
            "organisation": self.organisation,
            "attribution": self.attribution,
            "owner": self.owner,
            "sources_text": self.sources_text,
            "when": self.when,
            "day": self.day,
            "session_title": self.session_title,
            "numbers": self.numbers,
            "meeting_ref": self.meeting_ref,
            "kinds_text": self.kinds_text,
            "column_name": self.column,
            "sessions_text": self.sessions_text,
            "meetings_text": self.meetings_text,
            "local": self.local,
            "local_list": self.local_list,
            "quote_language": self.quote_language,
            "quote_note": self.quote_note,
            "person": self.person,
            "said": self.said,
            "said_note": self.said_note,
            "corrected_internal": self.corrected_internal,
        }

    def theme(self, theme_id: str) -> str:
        return theme_label(self.training, theme_id, self.language)

    def organisation(self, org_id: str) -> str:
        found = self.analysis.organisations.get(org_id)
        return found.name.get(self.language) if found is not None else org_id  # type: ignore[arg-type]

    def attribution(self, item: Evidence) -> str:
        if item.public:
            translated = self._translation(item)
            speaker = translated[2] if translated and translated[2] else item.speaker_role
            role = f", {speaker}" if speaker else ""
            return f"{self.organisation(item.organisation)}{role}"
        return anonymous(item, self.labels)

    def owner(self, item: Evidence) -> str:
        if item.owner and not item.public:
            return self.labels("actions.owner_internal")  # it would name the organisation
        return item.owner or ""

    def when(self, value: dt.datetime) -> str:
        local = value.astimezone(self.zone)
        return format_datetime(local, "EEE d MMM y, HH:mm", locale=self.locale)

    def day(self, value: dt.date) -> str:
        return format_date(value, "long", locale=self.locale)

    def session_title(self, session_id: str) -> str:
        found = self.sessions.get(session_id)
        return found.title.get(self.language) if found is not None else session_id  # type: ignore[arg-type]

    def numbers(self, values: Sequence[int], limit: int | None = None) -> str:
        shown = ", ".join(f"#{value}" for value in values[:limit])
        if limit is not None and len(values) > limit:
            return f"{shown} {self.labels('gaps.sources_more', count=len(values) - limit)}"
        return shown

    def meeting_ref(self, meeting_id: str) -> str:
        return meeting_id.rsplit("/", 1)[-1]

    def column(self, column_id: str) -> str:
        return column_label(column_id, self.labels)

    def kinds_text(self, columns: Iterable[str]) -> str:
        return ", ".join(self.column(column_id) for column_id in columns)

    def sessions_text(self, ids: Iterable[str]) -> str:
        return "; ".join(self.session_title(session_id) for session_id in ids)

    def meetings_text(self, ids: Iterable[str]) -> str:
        return ", ".join(self.meeting_ref(meeting_id) for meeting_id in ids)

    def sources_text(self, gap: Gap) -> str:
        labels = self.labels
        named = labels("gaps.sources_meetings", meetings=self.meetings_text(gap.public_meetings))
        counted = labels("gaps.sources_internal", count=gap.internal)
        if gap.public_meetings and gap.internal:
            return labels("gaps.sources_both", meetings=named, internal=counted)
        return named if gap.public_meetings else counted

    def local(self, text: Localized | LocalizedText | None) -> str:
        return text.get(self.language) if text is not None else ""  # type: ignore[arg-type]

    def local_list(self, texts: Iterable[Localized]) -> str:
        return ", ".join(self.local(text) for text in texts)

    def quote_language(self, item: Evidence) -> str | None:
        return script_language(item.quote) if item.quote else None

    def person(self, expert: Expert) -> str:
        """Return the expert's name as a reader of the pack's language reads it."""
        return expert.name_for(self.language)  # type: ignore[arg-type]

    def _translation(self, item: Evidence) -> tuple[str, str, str | None] | None:
        return next((t for t in item.translations if t[0] == self.language), None)

    def said(self, item: Evidence) -> str:
        """Return the observation's text in the pack's language if translated, else as written."""
        translated = self._translation(item)
        return translated[1] if translated else item.text

    def said_note(self, item: Evidence) -> str:
        """Return "(translated from English)" for a translation, "(in English)" for a text as
        written in another language than the pack's, else nothing; and "(corrected at the
        organisation's request)" for a public observation corrected after the check of the
        record (an internal one is counted, not marked: the mark would point to its source)."""
        notes = []
        written = item.language or script_language(item.text)
        if written is not None and written != self.language:
            key = "translated_from" if self._translation(item) else "quote_languages"
            notes.append(self.labels(f"{key}.{written}"))
        if item.public and item.key in self.analysis.corrected:
            notes.append(self.labels("record.corrected"))
        return " ".join(notes)

    def corrected_internal(self) -> int:
        """Return how many internal observations the pack shows corrected after the check."""
        return sum(
            not item.public and item.key in self.analysis.corrected
            for item in self.analysis.evidence
        )

    def quote_note(self, item: Evidence) -> str:
        written = self.quote_language(item)
        if written in (None, self.language):
            return ""
        return self.labels(f"quote_languages.{written}")

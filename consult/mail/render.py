"""Gives the subject, plain text and HTML of an email, in the recipient's language and zone.

Each message kind has three templates in `consult/templates/email/<lang>/`:
`<kind>.subject.j2` (plain text, never escaped, collapsed to one line),
`<kind>.txt.j2` and `<kind>.html.j2`. The subject is its own file rather than a
block of the HTML template so that it is not HTML-escaped and can be overridden
alone. The HTML templates extend `<lang>/_layout.html.j2`, which extends the
shared `_base.html.j2` (the CSS in its <style> block is inlined into style=
attributes); the text templates extend `<lang>/_layout.txt.j2`.

A workspace overrides any of these files by putting one with the same relative
path in `<overrides>/email/` (for example `workspace/templates/email/en/nudge.txt.j2`).

Templates get every field of `MessageContext` plus strings computed here, so
that the text and the HTML carry the same facts:

    when             local date, times joined by an en dash and zone name, e.g.
                     "Tuesday, 15 December 2026, 10:00-11:00 (Georgia Standard Time)"
    date             the local date of the meeting
    zone_name        the zone's name at the start, in the recipient's language
    previous_when    like `when`, for the time an update moved the meeting from
    reply_by_date    `reply_by` as a long local date
    facilitators_list  the facilitators as a list in prose ("Ana and Levan")
    location_kind    "link" for an https location (or a missing one online), else "place"
    time_changed, place_changed, format_changed, facilitators_changed
                     what an update changed since the recipient was last told
    previous_location_kind   like `location_kind`, for the place or link before
    previous_facilitators_list   like `facilitators_list`, for those before
    days_until       reminders and nudges: calendar days from `sent_at` to the meeting in the
                     recipient's zone (0 today, 1 tomorrow); None for other kinds
    options_when     a date poll's options, each like `when` (without options: `when` alone)
    vote_by_date     the last day of a date poll's voting, as a long local date
    subject          the rendered subject (in the text and HTML templates)
    page_url         the recipient's personal page, where they answer on the web; None
                     without a public base URL (CONSULT_PUBLIC_URL) and in cancellations
    record           a check of the record: what was recorded from the meeting, each a
                     `RecordLine` in the recipient's language (`reply_by_date`: answer by)

and the filter `plural` (`{{ n|plural(one="день", few="дня", many="дней") }}`),
which picks the form by the language's plural rules.

The zone name is the specific one at the meeting's start ("Central European
Summer Time", not "Central European Time"), so a reader knows which offset applies.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Final, Literal, NoReturn, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import css_inline
import jinja2
from babel import Locale
from babel.dates import format_date, format_time, get_timezone_name
from babel.lists import format_list

from consult import templating
from consult.errors import TemplateError
from schemas.state import PartStat
from schemas.training import MeetingFormat, Training
from schemas.types import Language

MessageKind = Literal[
    "invitation",
    "update",
    "cancellation",
    "reminder",
    "nudge",
    "notes_missing",
    "counter_declined",
    "poll",
    "poll_nudge",
    "record_check",
]
KINDS: Final[tuple[str, ...]] = get_args(MessageKind)
LANGUAGES: Final[tuple[str, ...]] = get_args(Language)
TEMPLATES_DIR: Final = templating.BUILT_IN / "email"

_LOCALES: Final[dict[str, str]] = {"ka": "ka", "en": "en_GB", "ru": "ru"}
_FORMATS: Final[tuple[str, ...]] = get_args(MeetingFormat)
_REQUIRED_TEXT: Final = (
    "recipient_name",
    "organisation_name",
    "training_title",
    "purpose",
    "sender_name",
    "sender_organisation",
    "coordinator_name",
)
# Remote stylesheets would make rendering do network I/O; templates carry their CSS.
_INLINER: Final = css_inline.CSSInliner(load_remote_stylesheets=False)


@dataclass(frozen=True)
class RecordLine:
    """One observation of a meeting's record, as its check tells the organisation."""

    number: int
    theme: str
    """The theme's label, in the recipient's language."""
    text: str
    """The observation in the recipient's language where translated, else as written."""
    text_note: str
    """"(in English)" for a text left in another language, "(translated from ...)"; or ""."""
    quote: str | None
    """The quote as said, never translated."""
    quote_note: str
    """"(in Russian)" for a quote in another language than the recipient's; or ""."""
    severity: int
    confidentiality: str
    """public or internal (restricted observations are never sent)."""
    text_lang: str | None = None
    """The language the text is shown in, when not the reader's (for `lang=` in HTML)."""
    quote_lang: str | None = None
    """The quote's language, when not the reader's."""


@dataclass(frozen=True)
class MessageContext:
    """What the email templates say about one meeting to one recipient.

    Text fields are in the recipient's language. Datetimes are aware (UTC by
    convention); they are shown in `recipient_timezone`.
    """

    recipient_name: str
    organisation_name: str
    training_title: str
    purpose: str
    meeting_format: MeetingFormat
    start: dt.datetime
    end: dt.datetime
    recipient_timezone: str
    location: str | None
    facilitators: tuple[str, ...]
    sender_name: str
    sender_organisation: str
    coordinator_name: str
    reply_by: dt.date | None = None
    previous_start: dt.datetime | None = None
    """Updates: where the meeting started before; None when the time did not change."""
    previous_end: dt.datetime | None = None
    """Updates: where it ended before; None means it lasted as long as it does now."""
    previous_location: str | None = None
    """Updates: the place or link before ("" for none); None when it did not change."""
    previous_format: MeetingFormat | None = None
    """Updates: the format before; None when it did not change."""
    previous_facilitators: tuple[str, ...] | None = None
    """Updates: who facilitated it before; None when they did not change."""
    proposed_by_recipient: bool = False
    """Updates: the new time is the one the recipient proposed (an accepted counter-proposal)."""
    answer: PartStat = "NEEDS-ACTION"
    """The recipient's answer to the meeting so far (a cancellation's wording depends on it)."""
    reason: str | None = None
    """Cancellations: why, if the recipient should know."""
    sent_at: dt.datetime | None = None
    """When the message goes out; reminders count the days to the meeting from it."""
    page_url: str | None = None
    """The address of the recipient's personal page (consult.answers); None: no link."""
    options: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    """A date poll's candidate times (start, end), by start."""
    poll_deadline: dt.datetime | None = None
    """When a date poll's voting closes."""
    record: tuple[RecordLine, ...] = ()
    """A check of the record: what was recorded from the meeting, in the recipient's words."""

    def __post_init__(self) -> None:
        for name in _REQUIRED_TEXT:
            if not str(getattr(self, name)).strip():
                _reject(name, getattr(self, name), "a non-empty text")
        for name in ("meeting_format", "previous_format"):
            value = getattr(self, name)
            if value is not None and value not in _FORMATS:
                _reject(name, value, f"one of {', '.join(_FORMATS)}")
        for name in ("start", "end", "previous_start", "previous_end", "sent_at"):
            value = getattr(self, name)
            if value is not None and (value.tzinfo is None or value.utcoffset() is None):
                _reject(name, value, "an aware datetime (with a time zone)")
        if self.end <= self.start:
            _reject("end", self.end, f"a time after start ({self.start.isoformat()})")
        if self.previous_end is not None:
            if self.previous_start is None:
                _reject("previous_start", None, "a datetime, since previous_end is given")
            elif self.previous_end <= self.previous_start:
                _reject("previous_end", self.previous_end, "a time after previous_start")
        try:
            ZoneInfo(self.recipient_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            _reject("recipient_timezone", self.recipient_timezone, "an IANA time zone name")


@dataclass(frozen=True)
class Rendered:
    """One email's subject (one line), plain text and HTML with inlined CSS."""

    subject: str
    text: str
    html: str


def render_message(
    kind: str,
    language: Language,
    context: MessageContext,
    *,
    overrides: Path | None = None,
) -> Rendered:
    """Return the subject, text and HTML of a `kind` message in `language`.

    `overrides` is a workspace's templates folder; its `email/` templates win.
    """
    if kind not in KINDS:
        raise TemplateError(f"unknown message kind {kind!r}, expected one of {', '.join(KINDS)}")
    if language not in LANGUAGES:
        raise TemplateError(
            f"unknown language {language!r}, expected one of {', '.join(LANGUAGES)}"
        )
    env = _environment_for(overrides)
    variables = _variables(kind, language, context)
    subject = " ".join(_render(env, f"{language}/{kind}.subject.j2", variables).split())
    if not subject:
        raise TemplateError(f"{language}/{kind}.subject.j2: the subject is empty")
    variables["subject"] = subject
    text = _tidy(_render(env, f"{language}/{kind}.txt.j2", variables))
    html = _INLINER.inline(_render(env, f"{language}/{kind}.html.j2", variables))
    return Rendered(subject=subject, text=text, html=html)


def meeting_purpose(training: Training, language: Language) -> str:
    """Return what the training's meetings are for, in `language` (else English).

    That is `consultation.purpose`; without it, the first sentence of the terms of
    reference in the same language; without those, the training's title.
    """
    if training.consultation.purpose is not None:
        return " ".join(training.consultation.purpose.get(language).split())
    if training.terms_of_reference is not None:
        text = " ".join(training.terms_of_reference.get(language).split())
        return text.split(". ")[0].rstrip(".") + "."
    return training.title.get(language)


def local_when(start: dt.datetime, end: dt.datetime, timezone: str, language: Language) -> str:
    """Return an interval as the messages say it: local date, times and zone name, in `language`."""
    return _when(start, end, ZoneInfo(timezone), _LOCALES[language])


def local_date(moment: dt.datetime, timezone: str, language: Language) -> str:
    """Return the long date of an instant in the zone and language, as the messages say it."""
    return _date(moment, ZoneInfo(timezone), _LOCALES[language])


def last_day(closes: dt.datetime, timezone: str, language: Language) -> str:
    """Return the last day before `closes` (an instant: voting closes then) as a long date in
    the zone and language, as a date poll's messages and page say it."""
    before = (closes - dt.timedelta(seconds=1)).astimezone(ZoneInfo(timezone))
    return format_date(before, "long", locale=_LOCALES[language])


def _reject(field: str, value: object, expected: str) -> NoReturn:
    """Raise TemplateError naming the context's field, its value and what was expected."""
    raise TemplateError(f"MessageContext.{field}: got {value!r}, expected {expected}")


@functools.lru_cache(maxsize=8)
def _environment_for(overrides: Path | None) -> jinja2.Environment:
    """Return `_environment` of the overrides folder as given (resolving it costs a system call)."""
    return _environment(overrides.resolve() if overrides is not None else None)


@functools.lru_cache(maxsize=8)
def _environment(overrides: Path | None) -> jinja2.Environment:
    """Return the Jinja environment that looks in `overrides/email` first, then the built-ins."""
    env = templating.environment(
        TEMPLATES_DIR, overrides / "email" if overrides is not None else None
    )
    env.filters["plural"] = _plural
    return env


@jinja2.pass_context
def _plural(context: jinja2.runtime.Context, number: int, **forms: str) -> str:
    """Return the form of `forms` (one, few, many, other) that the language uses for `number`."""
    category = Locale.parse(_LOCALES[context["language"]]).plural_form(number)
    chosen = forms.get(category, forms.get("other"))
    if chosen is None:
        raise TemplateError(f"plural: no form for {number} ({category!r}) among {sorted(forms)}")
    return chosen


def _variables(kind: str, language: Language, context: MessageContext) -> dict[str, Any]:
    """Return the template variables: the context's fields and the strings computed from them."""
    locale = _LOCALES[language]
    zone = ZoneInfo(context.recipient_timezone)
    previous_when = None
    time_changed = False
    if context.previous_start is not None:
        previous_end = context.previous_end or context.previous_start + (
            context.end - context.start
        )
        previous_when = _when(context.previous_start, previous_end, zone, locale)
        time_changed = (context.previous_start, previous_end) != (context.start, context.end)
    location_is_link = bool(context.location and context.location.startswith("https://"))
    online_without_link = context.location is None and context.meeting_format == "online"
    variables: dict[str, Any] = {f.name: getattr(context, f.name) for f in fields(context)}
    variables.update(
        kind=kind,
        language=language,
        when=_when(context.start, context.end, zone, locale),
        date=_date(context.start, zone, locale),
        zone_name=_zone_name(context.start, zone, locale),
        previous_when=previous_when,
        reply_by_date=(
            format_date(context.reply_by, "long", locale=locale) if context.reply_by else None
        ),
        facilitators_list=_list(context.facilitators, locale),
        location_kind="link" if location_is_link or online_without_link else "place",
        time_changed=time_changed,
        place_changed=(
            context.previous_location is not None
            and context.previous_location != (context.location or "")
        ),
        previous_location_kind=(
            "link" if (context.previous_location or "").startswith("https://") else "place"
        ),
        format_changed=(
            context.previous_format is not None
            and context.previous_format != context.meeting_format
        ),
        facilitators_changed=(
            context.previous_facilitators is not None
            and context.previous_facilitators != context.facilitators
        ),
        previous_facilitators_list=_list(context.previous_facilitators or (), locale),
        days_until=_days_until(kind, context, zone),
        options_when=[_when(start, end, zone, locale) for start, end in context.options]
        or [_when(context.start, context.end, zone, locale)],
        vote_by_date=(
            format_date(
                (context.poll_deadline - dt.timedelta(seconds=1)).astimezone(zone),
                "long",
                locale=locale,
            )
            if context.poll_deadline is not None
            else None
        ),
    )
    return variables


# Babel's formatting is the dearest part of rendering, and a round asks the same
# questions (this meeting, this zone, this language) for many recipients. The zone is
# part of every key: aware datetimes that are the same instant are equal, whatever zone.
@functools.lru_cache(maxsize=1024)
def _when(start: dt.datetime, end: dt.datetime, zone: ZoneInfo, locale: str) -> str:
    """Return the local date, time range and zone name of an interval, in `locale`."""
    start, end = start.astimezone(zone), end.astimezone(zone)
    zone_name = _zone_name(start, zone, locale)
    start_time = format_time(start, "short", locale=locale)
    end_time = format_time(end, "short", locale=locale)
    start_date = _date(start, zone, locale)
    if start.date() == end.date():
        return f"{start_date}, {start_time}\u2013{end_time} ({zone_name})"
    end_date = _date(end, zone, locale)
    return f"{start_date}, {start_time} \u2013 {end_date}, {end_time} ({zone_name})"


@functools.lru_cache(maxsize=1024)
def _date(instant: dt.datetime, zone: ZoneInfo, locale: str) -> str:
    """Return the full date in `zone` at `instant`, e.g. "Tuesday, 15 December 2026"."""
    return format_date(instant.astimezone(zone), "full", locale=locale)


@functools.lru_cache(maxsize=1024)
def _zone_name(instant: dt.datetime, zone: ZoneInfo, locale: str) -> str:
    """Return the long name of `zone` at `instant`, e.g. "Georgia Standard Time"."""
    return get_timezone_name(instant.astimezone(zone), "long", locale=locale)


@functools.lru_cache(maxsize=256)
def _list(items: tuple[str, ...], locale: str) -> str:
    """Return the items as a list in prose, e.g. "Ana and Levan"."""
    return format_list(list(items), locale=locale)


def _days_until(kind: str, context: MessageContext, zone: ZoneInfo) -> int | None:
    """Return the calendar days in `zone` from `sent_at` to a reminder's meeting; else None.

    A nudge, which stands for the reminder when both are due, counts them too, if it can.
    """
    if kind == "nudge" and context.sent_at is not None and context.sent_at < context.start:
        return (
            context.start.astimezone(zone).date() - context.sent_at.astimezone(zone).date()
        ).days
    if kind != "reminder":
        return None
    if context.sent_at is None:
        raise TemplateError("reminder: MessageContext.sent_at is needed to count the days")
    if context.sent_at >= context.start:
        _reject("sent_at", context.sent_at, f"a time before start ({context.start.isoformat()})")
    return (context.start.astimezone(zone).date() - context.sent_at.astimezone(zone).date()).days


def _render(env: jinja2.Environment, name: str, variables: dict[str, Any]) -> str:
    """Return template `name` rendered, or raise TemplateError naming the template and the fault."""
    return templating.render(env, name, variables, TemplateError)


_BLANK_LINES: Final = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """Return `text` without trailing spaces, with at most one blank line in a row."""
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", lines) + "\n"

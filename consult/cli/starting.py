"""`consult init DIR`: a workspace of one's own, from a few answers."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from consult.cli.app import app, out
from consult.errors import ConsultError, Problem, WorkspaceError

if TYPE_CHECKING:
    from consult.workspace.starter import InitAnswers
    from schemas.types import Language

LANGUAGES = ("ka", "en", "ru")
_FACILITATOR = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<(?P<email>[^<>\s]+)>\s*$")

DateOption = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])]


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="The new workspace's folder (made if missing).")],
    sender_name: Annotated[
        str | None, typer.Option(help="Who the messages come from: the From's name.")
    ] = None,
    sender_email: Annotated[
        str | None, typer.Option(help="The From address; the calendar replies go here.")
    ] = None,
    sender_organisation: Annotated[
        str | None, typer.Option(help="The organisation the messages name as the sender's.")
    ] = None,
    training: Annotated[
        str | None, typer.Option(help="The first training's slug: trainings/<slug>.yaml.")
    ] = None,
    title: Annotated[
        list[str] | None,
        typer.Option(help="The training's title, `ka=...`, `en=...`, `ru=...` (plain: English)."),
    ] = None,
    start: DateOption = None,
    end: DateOption = None,
    timezone: Annotated[
        str | None, typer.Option(help="The training's IANA time zone (Asia/Tbilisi).")
    ] = None,
    venue: Annotated[str | None, typer.Option(help="The venue's name.")] = None,
    address: Annotated[str | None, typer.Option(help="The venue's address.")] = None,
    city: Annotated[str | None, typer.Option(help="The venue's city.")] = None,
    country: Annotated[str | None, typer.Option(help="The venue's country (ISO code, GE).")] = None,
    language: Annotated[
        list[str] | None,
        typer.Option(help="A language the training's texts are written in (ka, en, ru)."),
    ] = None,
    facilitator: Annotated[
        list[str] | None,
        typer.Option(help="A facilitator, `Name <email>`; repeatable."),
    ] = None,
) -> None:
    """Start a workspace: a commented stakeholders.yaml, a training file from a few answers."""
    from consult.workspace.starter import InitAnswers, init_workspace

    ask = sys.stdin.isatty()
    sender = _sender(sender_name, sender_email, sender_organisation, ask)
    answers = InitAnswers(sender=sender)
    if training is not None or (ask and typer.confirm("Describe the first training now?")):
        slug = training or typer.prompt("The training's slug (e.g. interview-techniques-2027)")
        given: dict[str, object] = {
            "start": start,
            "end": end,
            "timezone": timezone,
            "venue": venue,
            "address": address,
            "city": city,
            "country": country,
            "title": title,
            "language": language,
            "facilitator": facilitator,
        }
        answers = _training_answers(folder, slug, sender, given, ask)
    made = init_workspace(folder, answers)
    for path in made:
        out.print(f"made {path}", soft_wrap=True, markup=False)
    out.print(
        f"Next: import your contacts (consult import-stakeholders SHEET --workspace {folder}), "
        f"fill in the parts marked TO FILL IN, then consult validate {folder}",
        soft_wrap=True,
        markup=False,
    )


def _training_answers(
    folder: Path, slug: str, sender: dict[str, str] | None, given: dict[str, Any], ask: bool
) -> InitAnswers:
    """Return the answers about the first training; raise naming what is missing or wrong."""
    from consult.workspace.starter import InitAnswers, TrainingAnswers

    keys = ("start", "end", "timezone", "venue", "address", "city", "country")
    values = {key: given[key] or _ask(key, ask) for key in keys}
    missing = [key for key, value in values.items() if value is None]
    titles = _titles(given["title"] or ([_ask("title", ask)] if ask else []))
    if missing or not titles:
        wanted = [*missing, *([] if titles else ["title"])]
        raise ConsultError(
            f"{folder}: the training {slug!r} needs " + ", ".join(f"--{name}" for name in wanted)
        )
    facilitators, wrong = _facilitators(given["facilitator"] or [])
    answers = InitAnswers(
        sender=sender,
        training=TrainingAnswers(
            slug=slug,
            title=cast("dict[Language, str]", titles),
            start=_date(values["start"]),
            end=_date(values["end"]),
            timezone=str(values["timezone"]),
            venue={key: str(values[key]) for key in ("address", "city", "country")}
            | {"name": str(values["venue"])},
            languages=cast("tuple[Language, ...]", _languages(given["language"], titles)),
            facilitators=facilitators,
        ),
    )
    if wrong:
        _raise_with(wrong, answers)
    return answers


def _sender(
    name: str | None, email: str | None, organisation: str | None, ask: bool
) -> dict[str, str] | None:
    if ask and not (name and email):
        name = name or typer.prompt("Who the messages come from (the From's name)", default="")
        email = email or typer.prompt("Their address (replies come back to it)", default="")
        organisation = organisation or typer.prompt("Their organisation", default="")
    if not name and not email:
        return None
    sender = {"name": name or "", "email": email or ""}
    if organisation:
        sender["organisation"] = organisation
    return sender


def _ask(what: str, ask: bool) -> str | None:
    if not ask:
        return None
    answer = typer.prompt(f"The training's {what}", default="")
    return str(answer) or None


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise WorkspaceError(
            [Problem("init", None, "date", value, "a date as YYYY-MM-DD")]
        ) from None


def _titles(values: Sequence[str | None]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for value in values:
        if not value:
            continue
        language, sep, text = value.partition("=")
        if sep and language.strip() in LANGUAGES:
            titles[language.strip()] = text.strip()
        else:
            titles["en"] = value.strip()
    return titles


def _languages(given: list[str] | None, titles: dict[str, str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(given or titles))
    wrong = [language for language in chosen if language not in LANGUAGES]
    if wrong:
        raise WorkspaceError(
            [Problem("init", None, "--language", value, "one of ka, en, ru") for value in wrong]
        )
    return chosen or ("en",)


def _facilitators(values: list[str]) -> tuple[tuple[tuple[str, str], ...], list[Problem]]:
    """Return the (name, email) of each `Name <email>`, and a problem for each that is not."""
    found: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for value in values:
        match = _FACILITATOR.match(value)
        if match is None:
            problems.append(Problem("init", None, "--facilitator", value, "`Name <email>`"))
        else:
            found.append((match["name"], match["email"]))
    return tuple(found), problems


def _raise_with(problems: list[Problem], answers: InitAnswers) -> None:
    """Raise the answers' problems with those the training's own checks find: all at once."""
    from consult.workspace.starter import training_text

    try:
        if answers.training is not None:
            training_text(answers.training)
    except WorkspaceError as error:
        problems = [*problems, *error.problems]
    raise WorkspaceError(problems)

"""Steps a coordinator takes in the desk, in Chromium, for the browser tests to reuse.

Each takes a Playwright `page` already logged in on the desk and the values to type;
it leaves the page where the desk sent it after the step (the training's page).

    open_new_training(page)
    fill_new_training(page, NewTraining(slug="winter-2027", ...), meetings)
    submit(page, "Write the training")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page


@dataclass(frozen=True)
class Meeting:
    """A row of a round's meetings: an organisation of the registry, how, how long, where."""

    organisation: str
    format: str = "in_person"
    """in_person, online or group_discussion"""
    minutes: int = 60
    location: str = ""
    """A room, or the https link of an online meeting."""


@dataclass(frozen=True)
class NewRound:
    """The fields of a round: its id, its window, its meetings."""

    id: str
    first_day: str
    last_day: str
    meetings: Sequence[Meeting]


@dataclass(frozen=True)
class NewTraining:
    """The fields of the new-training form a coordinator types (the rest keep their defaults)."""

    title_en: str
    slug: str
    start: str
    end: str
    venue_name: str
    venue_city: str
    participants: str
    """The participant group's organisation id."""
    facilitator: tuple[str, str]
    """(name, email)"""
    expert: tuple[str, str]
    first_round: NewRound
    briefing_due: str
    timezone: str = "Asia/Tbilisi"
    venue_country: str = "GE"
    languages: tuple[str, ...] = ()
    """Besides English: ka, ru."""
    titles: dict[str, str] = field(default_factory=dict)
    """The title in those languages."""
    edited_by: str = "Nino Beridze"


def open_new_training(page: Page) -> None:
    """Go from the desk's home page to the new-training form."""
    page.get_by_role("link", name="Trainings", exact=True).click()
    page.locator("#new-training").click()


def fill_round(page: Page, round_: NewRound) -> None:
    """Fill a round's fields and its meeting rows, on the new-training or the new-round form."""
    page.fill("#round_id", round_.id)
    page.fill("#round_earliest", round_.first_day)
    page.fill("#round_latest", round_.last_day)
    for row, meeting in enumerate(round_.meetings, start=1):
        page.select_option(f"#m{row}_organisation", meeting.organisation)
        page.select_option(f"#m{row}_format", meeting.format)
        page.fill(f"#m{row}_duration", str(meeting.minutes))
        page.fill(f"#m{row}_location", meeting.location)


def fill_new_training(page: Page, training: NewTraining) -> None:
    """Fill the new-training form with `training`; the fields it leaves keep their defaults."""
    page.get_by_label("Title in English").fill(training.title_en)
    for language in training.languages:
        page.locator(f"#lang-{language}").check()
    for language, title in training.titles.items():
        page.fill(f"#title_{language}", title)
    page.get_by_label("Slug (the file's name)").fill(training.slug)
    page.fill("#start", training.start)
    page.fill("#end", training.end)
    page.get_by_label("Time zone").fill(training.timezone)
    page.fill("#venue_name", training.venue_name)
    page.fill("#venue_city", training.venue_city)
    page.fill("#venue_country", training.venue_country)
    page.select_option("#participants_organisation", training.participants)
    page.fill("#f1_name", training.facilitator[0])
    page.fill("#f1_email", training.facilitator[1])
    page.fill("#e1_name", training.expert[0])
    page.fill("#e1_email", training.expert[1])
    page.fill("#briefing_due", training.briefing_due)
    fill_round(page, training.first_round)
    page.fill("#edited_by", training.edited_by)


def create_training(page: Page, training: NewTraining) -> None:
    """From the home page: open the form, fill it, write the training (on its page after)."""
    open_new_training(page)
    fill_new_training(page, training)
    page.get_by_role("button", name="Write the training").click()


def add_round(page: Page, round_: NewRound, edited_by: str = "Nino Beridze") -> None:
    """From a training's page: open the new-round form, fill it, add the round."""
    page.get_by_role("link", name="Add a round of meetings").click()
    fill_round(page, round_)
    page.fill("#edited_by", edited_by)
    page.get_by_role("button", name="Add the round").click()

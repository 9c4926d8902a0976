"""The long tables of the training page, shown a page of rows at a time.

    paging = Paging.of(request.query_params)
    shown = window(len(rows), paging.answers)       # rows[shown.start:shown.stop]

A training of a year's consultations has hundreds of meetings, organisations and
messages (issue 29: 389 meetings, 1,167 contacts, 2,125 messages at 30 times the
demo); the page lists `ROWS` of each, with a pager, so that its size and its time do
not grow with the training. The meetings are paged one round at a time (`round`
names the round whose `round_page` is asked; every other round shows its first page);
the answers per organisation and the delivery ledger have a page number each. A page
number past the last shows the last page; one that is not a number, the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ROWS = 50
"""Rows of one table on one page."""


@dataclass(frozen=True)
class Window:
    """The rows one page shows: `start` to `stop` of `total`, page `page` of `pages`."""

    page: int
    pages: int
    total: int
    start: int
    stop: int

    @property
    def paged(self) -> bool:
        """Tell whether the table has more than one page."""
        return self.pages > 1


def window(total: int, page: int, size: int = ROWS) -> Window:
    """Return the rows page `page` shows of a table of `total` rows (the last page at most)."""
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    return Window(page, pages, total, (page - 1) * size, min(page * size, total))


def page_number(params: Mapping[str, str], name: str) -> int:
    """Return the page number the parameter `name` asks for; 1 when absent or not a number."""
    text = params.get(name, "1")
    return int(text) if text.isdigit() and 0 < len(text) < 6 else 1


@dataclass(frozen=True)
class Paging:
    """Which page of each long table of the training page to show."""

    round: str = ""
    """The round whose meetings are paged to `round_page`; the others show their first page."""
    round_page: int = 1
    answers: int = 1
    delivery: int = 1

    @classmethod
    def of(cls, params: Mapping[str, str]) -> Paging:
        """Return the paging the query's `round`, `round_page`, `answers_page` and
        `delivery_page` parameters ask for."""
        return cls(
            params.get("round", ""),
            page_number(params, "round_page"),
            page_number(params, "answers_page"),
            page_number(params, "delivery_page"),
        )

    def of_round(self, round_id: str) -> int:
        """Return the page of the round's meetings to show."""
        return self.round_page if round_id == self.round else 1


FIRST = Paging()
"""The first page of every table."""

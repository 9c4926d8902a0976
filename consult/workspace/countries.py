"""Countries whose public holidays consult does not know: a warning, not an error."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import holidays
import pycountry

from consult.errors import Problem
from consult.workspace.yamlfile import Lines, Loc, path_of


@functools.cache
def has_holidays(country: str, first: int, last: int) -> bool:
    """Tell whether the holidays library knows a public holiday of `country` in those years."""
    try:
        return bool(holidays.country_holidays(country, years=range(first, last + 1)))
    except NotImplementedError:
        return False


def country_name(code: str) -> str:
    """Return the English name of an ISO 3166 country, or the code when it is none."""
    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country is not None else code


def holiday_warnings(
    file: str, lines: Lines, countries: Iterable[tuple[Loc, str]], years: tuple[int, int]
) -> list[Problem]:
    """Return a warning for each country at a `Loc` whose holidays in `years` are unknown."""
    first, last = years
    span = str(first) if first == last else f"{first}-{last}"
    return [
        Problem(
            file,
            lines.of(loc),
            path_of(loc),
            code,
            f"a country with public holiday data (none is known for {country_name(code)} "
            f"in {span}, so no day is kept free for a holiday)",
        )
        for loc, code in countries
        if not has_holidays(code, first, last)
    ]

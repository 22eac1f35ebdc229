"""Fixed prices with the municipal sector deflator (never the CPI).

The catalog's ``deflator.csv`` holds the yearly growth; kroner of year Y are
turned into kroner of the base year by multiplying with
``index(base) / index(Y)``, where the index grows by each year's rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kostra.catalog import DeflatorYear
from kostra.errors import ParameterError

__all__ = ["deflated_span", "price_factors"]


def deflated_span(deflator: Sequence[DeflatorYear]) -> tuple[int, int]:
    """The first and last year whose kroner can be put in each other's prices: the growth of
    year Y links Y-1 and Y, so growth for 2021-2024 reaches from 2020 to 2024."""
    years = sorted(d.year for d in deflator)
    return years[0] - 1, years[-1]


def price_factors(deflator: Sequence[DeflatorYear], base_year: int, years: Iterable[int]) -> dict[int, float]:
    """Factor per year that turns that year's kroner into ``base_year`` kroner."""
    growth = {d.year: 1.0 + d.growth_pct / 100.0 for d in deflator}
    factors: dict[int, float] = {}
    for year in years:
        factor = 1.0
        low, high = sorted((year, base_year))
        for step in range(low + 1, high + 1):
            if step not in growth:
                first, last = deflated_span(deflator)
                raise ParameterError(
                    f"kostra kan regne faste priser for {first}–{last}, ikke {year} i {base_year}-priser "
                    f"(katalogens deflator mangler {step}); velg år innenfor {first}–{last}"
                )
            factor *= growth[step]
        factors[year] = factor if year < base_year else 1.0 / factor
    return factors

"""Fixed prices with the municipal sector deflator (never the CPI).

The catalog's ``deflator.csv`` holds the yearly growth; kroner of year Y are
turned into kroner of the base year by multiplying with
``index(base) / index(Y)``, where the index grows by each year's rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kostra.catalog import DeflatorYear
from kostra.errors import ConfigError

__all__ = ["price_factors"]


def price_factors(deflator: Sequence[DeflatorYear], base_year: int, years: Iterable[int]) -> dict[int, float]:
    """Factor per year that turns that year's kroner into ``base_year`` kroner."""
    growth = {d.year: 1.0 + d.growth_pct / 100.0 for d in deflator}
    factors: dict[int, float] = {}
    for year in years:
        factor = 1.0
        low, high = sorted((year, base_year))
        for step in range(low + 1, high + 1):
            if step not in growth:
                raise ConfigError(
                    f"catalog/deflator.csv har ingen deflator for {step} (trengs for {year} i "
                    f"{base_year}-priser); legg inn året med kilde"
                )
            factor *= growth[step]
        factors[year] = factor if year < base_year else 1.0 / factor
    return factors

"""Population weights on a year's own borders (SSB's weights).

SSB weights a group's average of a per-inhabitant figure or a share by the
population at the end of the year (31 December, i.e. 1 January the year after),
counted on that year's municipal borders. kostra's bundled population is on
today's borders, so a municipality that has since been renumbered, split or
merged has no population of its own there. :func:`year_border_weights` finds it:

* the municipality's own population for that year, where the store has it (an
  imported SSB population table carries the old numbers);
* else the sum over today's municipalities that its area became, provided none of
  them took in land from another municipality of that year: 0219 Bærum 2019 is
  3201 Bærum; 1507 Ålesund 2020-2023 is 1508 Ålesund plus 1580 Haram;
* else nothing: 0220 Asker 2019 is only a part of today's 3203 Asker (with Røyken
  and Hurum), and its own population must come from SSB. Such a weight is reported
  as missing, never guessed and never silently dropped.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from kostra.analysis.land import Land

__all__ = ["WEIGHT_COLUMNS", "year_border_weights"]

WEIGHT_COLUMNS: Final = ("weight_id", "region_code", "year", "value", "how")


def year_border_weights(
    needed: pd.DataFrame,
    population: pd.DataFrame,
    succession: pd.DataFrame,
    regions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The weight of each (weight_id, region_code, year) in ``needed``.

    population: indicator_id, region_code, year, value, under the codes they were
    stored with (not renumbered). succession: old_code, new_code, year, kind. regions
    (code, valid_from, valid_to; optional) tells a number that continued through a merger
    (5001 Trondheim took in 5030 Klæbu in 2020, so Klæbu 2019 is not today's Trondheim).
    Returns WEIGHT_COLUMNS; ``how`` is "own", "successors" or "missing" (value NaN).
    """
    have = {
        (str(i), str(c), int(y)): float(v)
        for i, c, y, v in zip(
            population["indicator_id"],
            population["region_code"],
            population["year"],
            population["value"],
            strict=True,
        )
        if pd.notna(v)
    }
    edges = Land(succession, regions)
    rows = []
    for weight_id, code, year in zip(needed["weight_id"], needed["region_code"], needed["year"], strict=True):
        weight_id, code, year = str(weight_id), str(code), int(year)
        own = have.get((weight_id, code, year))
        if own is not None:
            rows.append((weight_id, code, year, own, "own"))
            continue
        now = edges.later(code, year)
        parts = [have.get((weight_id, c, year)) for c in sorted(now)]
        whole = all(edges.earlier(c, year) == {code} for c in now)
        if now != {code} and whole and all(p is not None for p in parts):
            rows.append((weight_id, code, year, float(sum(p for p in parts if p is not None)), "successors"))
        else:
            rows.append((weight_id, code, year, float("nan"), "missing"))
    return pd.DataFrame(rows, columns=list(WEIGHT_COLUMNS))

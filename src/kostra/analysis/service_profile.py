"""Method 2 of KOSTRA.md: the service profile and the indicator table.

For each indicator of a sector's profile: the municipality's value for the
last three years, the group's average, highest and lowest for the latest year,
and the index ``100 * value / group average`` (with the highest and lowest as
indices, and last year's index for the change).

The work is done on dense arrays (municipality x indicator x year), so one
call profiles all 357 municipalities for many years at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kostra.analysis.group_average import positions_of
from kostra.catalog import Indicator

__all__ = ["PROFILE_YEARS", "compute_profile", "text_column", "value_column"]

PROFILE_YEARS = 3
# The dtype pandas gives a column of text (``str`` from pandas 3 on, object before).
_TEXT = pd.Series(["."]).dtype


def value_column(years_back: int) -> str:
    """Name of the column holding the value ``years_back`` years before the profile's year."""
    return f"value_{years_back}"


class _Grid:
    """Positions of a frame's rows in a (row label x indicator x year) cube, computed once."""

    def __init__(
        self, frame: pd.DataFrame, row_col: str, rows: pd.Index, ids: pd.Index, years: pd.Index
    ) -> None:
        r = positions_of(rows, frame[row_col])
        c = positions_of(ids, frame["indicator_id"])
        t = years.get_indexer(frame["year"].to_numpy())
        self.keep = (r >= 0) & (c >= 0) & (t >= 0)
        self.at = (r[self.keep], c[self.keep], t[self.keep])
        self.shape = (len(rows), len(ids), len(years))

    def cube(self, data: np.ndarray, fill: float | bool | None) -> np.ndarray:
        dtype = float if isinstance(fill, float) else (bool if isinstance(fill, bool) else object)
        out = np.full(self.shape, fill, dtype=dtype)
        out[self.at] = data[self.keep]
        return out


def compute_profile(
    indicators: Sequence[Indicator],
    values: pd.DataFrame,
    stats: pd.DataFrame,
    subjects: pd.DataFrame,
    years: Sequence[int],
) -> pd.DataFrame:
    """One row per (year, subject, indicator), in catalog order within a subject.

    values:   indicator_id, region_code, year, value, release_kind (canonical codes)
    stats:    output of :func:`~kostra.analysis.group_average.compute_group_stats`
    subjects: region_code, group_key — the municipalities to profile and the
              key of the group statistics each is compared with
    Columns ``value_0``, ``value_1``, ``value_2`` hold the year's value and the
    two before it.
    """
    ids = pd.Index([i.id for i in indicators])
    codes = pd.Index(subjects["region_code"])
    keys = pd.Index(subjects["group_key"].unique())
    span = pd.Index(range(min(years) - PROFILE_YEARS + 1, max(years) + 1))
    # Rows of other regions have no place in the grid, so the values need no filtering first.
    own_grid = _Grid(values, "region_code", codes, ids, span)
    own = own_grid.cube(values["value"].to_numpy(dtype=float), np.nan)
    own_demo = own_grid.cube(values["release_kind"].eq("demodata").to_numpy(), False)
    # A figure is demodata when any of the years shown is: [..., m] covers span[m : m + 3].
    shown = len(span) - PROFILE_YEARS + 1
    own_demo = np.logical_or.reduce([own_demo[:, :, k : k + shown] for k in range(PROFILE_YEARS)])
    # The group statistics each subject is compared with: (subject x indicator x year) cubes.
    stat_grid = _Grid(stats, "group_key", keys, ids, span)
    key_of = keys.get_indexer(subjects["group_key"].to_numpy())
    stat = {
        column: stat_grid.cube(stats[column].to_numpy(dtype=float), np.nan)[key_of]
        for column in (
            "average",
            "highest",
            "lowest",
            "members",
            "members_with_data",
            "members_without_weight",
        )
    }
    stat_demo = stat_grid.cube(stats["demodata"].to_numpy(dtype=bool), False)[key_of]
    # The regions as positions among their distinct names (NaN: none), named at the end.
    where = {}
    for column in ("highest_region", "lowest_region"):
        found, names = pd.factorize(stats[column].to_numpy(dtype=object))
        where[column] = (stat_grid.cube(np.where(found < 0, np.nan, found), np.nan)[key_of], names)

    # All years at once, rows year by year, then subject, then indicator: each cube's years
    # are picked (t, or t - k for k years back) and laid out first before flattening.
    t = span.get_indexer(list(years))

    def rows(cube: np.ndarray, back: int = 0) -> np.ndarray:
        return np.ascontiguousarray(cube[:, :, t - back].transpose(2, 0, 1)).reshape(-1)

    def count(cube: np.ndarray) -> np.ndarray:
        return np.asarray(np.nan_to_num(rows(cube)), dtype=int)

    def named(cube: np.ndarray, names: np.ndarray) -> object:
        return text_column(np.asarray(names, dtype=object), np.nan_to_num(rows(cube), nan=-1).astype(np.intp))

    # an average of 0 has no index (not an infinite one)
    average = _no_zero(rows(stat["average"]))
    last_average = _no_zero(rows(stat["average"], 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        columns: dict[str, object] = {value_column(k): rows(own, k) for k in reversed(range(PROFILE_YEARS))}
        columns.update(
            group_average=rows(stat["average"]),
            group_highest=rows(stat["highest"]),
            group_lowest=rows(stat["lowest"]),
            highest_region=named(*where["highest_region"]),
            lowest_region=named(*where["lowest_region"]),
            members=count(stat["members"]),
            members_with_data=count(stat["members_with_data"]),
            members_without_weight=count(stat["members_without_weight"]),
            index=100 * rows(own) / average,
            index_highest=100 * rows(stat["highest"]) / average,
            index_lowest=100 * rows(stat["lowest"]) / average,
            index_previous=100 * rows(own, 1) / last_average,
            demodata=rows(own_demo, PROFILE_YEARS - 1) | rows(stat_demo),
        )
    n_subjects, n_rows = len(codes), len(t) * len(codes) * len(ids)
    return pd.DataFrame(
        {
            "year": np.repeat(np.asarray(years), n_subjects * len(ids)),
            "region_code": text_column(
                codes.to_numpy(dtype=object), np.tile(np.repeat(np.arange(n_subjects), len(ids)), len(t))
            ),
            **_indicator_columns(indicators, n_rows),
            **columns,
        },
        copy=False,  # every column is made here and nowhere else: no need to copy it again
    )


def _indicator_columns(indicators: Sequence[Indicator], n_rows: int) -> dict[str, object]:
    """The indicators' own columns, over and over for ``n_rows`` rows."""
    at = np.tile(np.arange(len(indicators)), n_rows // len(indicators) if indicators else 0)

    def tiled(items: list[object]) -> object:
        return text_column(np.asarray(items, dtype=object), at)

    return {
        "indicator_id": tiled([i.id for i in indicators]),
        "indicator_group": tiled([i.group for i in indicators]),
        "indicator": tiled([i.name_nb for i in indicators]),
        "unit": tiled([i.unit for i in indicators]),
        "decimals": np.array([i.decimals for i in indicators])[at],
        "average_rule": tiled([i.average for i in indicators]),
        "weight": tiled([i.weight if i.average == "weighted" else None for i in indicators]),
    }


def text_column(items: np.ndarray, at: np.ndarray) -> object:
    """``items[at]`` (-1: none) as the column pandas makes of those objects. Text is taken
    from the few distinct values made text once: pandas checks every row's string when it
    is given objects, which cost more than the rest of the profile. Anything else (no text
    at all, or other objects) is left to pandas, as before."""
    chosen = at[at >= 0]
    used = items[np.bincount(chosen, minlength=len(items)) > 0] if len(items) else items
    if any(v is not None for v in used) and all(v is None or isinstance(v, str) for v in items):
        # fill_value None: pandas 2's object text keeps None for a missing one, as before.
        return pd.array(items, dtype=_TEXT).take(at, allow_fill=True, fill_value=None)
    out = np.full(len(at), None, dtype=object)
    out[at >= 0] = items[chosen]
    return out


def _no_zero(average: np.ndarray) -> np.ndarray:
    return np.where(average == 0, np.nan, average)

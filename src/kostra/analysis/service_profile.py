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

from kostra.catalog import Indicator

__all__ = ["PROFILE_YEARS", "compute_profile", "value_column"]

PROFILE_YEARS = 3


def value_column(years_back: int) -> str:
    """Name of the column holding the value ``years_back`` years before the profile's year."""
    return f"value_{years_back}"


class _Grid:
    """Positions of a frame's rows in a (row label x indicator x year) cube, computed once."""

    def __init__(
        self, frame: pd.DataFrame, row_col: str, rows: pd.Index, ids: pd.Index, years: pd.Index
    ) -> None:
        r = rows.get_indexer(frame[row_col].to_numpy())
        c = ids.get_indexer(frame["indicator_id"].to_numpy())
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
    mine = values[values["region_code"].isin(codes)]
    own_grid = _Grid(mine, "region_code", codes, ids, span)
    own = own_grid.cube(mine["value"].to_numpy(dtype=float), np.nan)
    own_demo = own_grid.cube(mine["release_kind"].eq("demodata").to_numpy(), False)
    stat_grid = _Grid(stats, "group_key", keys, ids, span)
    stat = {
        column: stat_grid.cube(stats[column].to_numpy(dtype=float), np.nan)
        for column in (
            "average",
            "highest",
            "lowest",
            "members",
            "members_with_data",
            "members_without_weight",
        )
    }
    stat_demo = stat_grid.cube(stats["demodata"].to_numpy(dtype=bool), False)
    where = {
        column: stat_grid.cube(stats[column].to_numpy(dtype=object), None)
        for column in ("highest_region", "lowest_region")
    }
    key_of = keys.get_indexer(subjects["group_key"].to_numpy())

    n_subjects, n_ind = len(codes), len(ids)
    frames = []
    for year in years:
        t = span.get_loc(year)
        g = key_of[:, None]
        # an average of 0 has no index (not an infinite one)
        average = _no_zero(stat["average"][g, np.arange(n_ind), t])
        last_average = _no_zero(stat["average"][g, np.arange(n_ind), t - 1])
        current = own[:, :, t]
        previous = own[:, :, t - 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            columns = {value_column(k): own[:, :, t - k].ravel() for k in reversed(range(PROFILE_YEARS))}
            columns.update(
                group_average=stat["average"][g, np.arange(n_ind), t].ravel(),
                group_highest=stat["highest"][g, np.arange(n_ind), t].ravel(),
                group_lowest=stat["lowest"][g, np.arange(n_ind), t].ravel(),
                highest_region=where["highest_region"][g, np.arange(n_ind), t].ravel(),
                lowest_region=where["lowest_region"][g, np.arange(n_ind), t].ravel(),
                members=np.nan_to_num(stat["members"][g, np.arange(n_ind), t]).astype(int).ravel(),
                members_with_data=np.nan_to_num(stat["members_with_data"][g, np.arange(n_ind), t])
                .astype(int)
                .ravel(),
                members_without_weight=np.nan_to_num(stat["members_without_weight"][g, np.arange(n_ind), t])
                .astype(int)
                .ravel(),
                index=(100 * current / average).ravel(),
                index_highest=(100 * stat["highest"][g, np.arange(n_ind), t] / average).ravel(),
                index_lowest=(100 * stat["lowest"][g, np.arange(n_ind), t] / average).ravel(),
                index_previous=(100 * previous / last_average).ravel(),
                demodata=(
                    own_demo[:, :, t - PROFILE_YEARS + 1 : t + 1].any(axis=2)
                    | stat_demo[g, np.arange(n_ind), t]
                ).ravel(),
            )
        frame = pd.DataFrame(
            {
                "year": year,
                "region_code": np.repeat(codes.to_numpy(), n_ind),
                **_indicator_columns(indicators, n_subjects),
                **columns,
            }
        )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _indicator_columns(indicators: Sequence[Indicator], repeat: int) -> dict[str, np.ndarray]:
    def tiled(items: list[object]) -> np.ndarray:
        return np.tile(np.asarray(items, dtype=object), repeat)

    return {
        "indicator_id": tiled([i.id for i in indicators]),
        "indicator_group": tiled([i.group for i in indicators]),
        "indicator": tiled([i.name_nb for i in indicators]),
        "unit": tiled([i.unit for i in indicators]),
        "decimals": np.tile(np.array([i.decimals for i in indicators]), repeat),
        "average_rule": tiled([i.average for i in indicators]),
        "weight": tiled([i.weight if i.average == "weighted" else None for i in indicators]),
    }


def _no_zero(average: np.ndarray) -> np.ndarray:
    return np.where(average == 0, np.nan, average)

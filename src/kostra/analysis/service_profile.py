"""Method 2 of KOSTRA.md: the service profile and the indicator table.

For each indicator of a sector's profile: the municipality's value for the
last three years, the group's average, highest and lowest for the latest year,
and the index ``100 * value / group average`` (with the highest and lowest as
indices, and last year's index for the change).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kostra.catalog import Indicator

__all__ = ["PROFILE_YEARS", "compute_profile"]

PROFILE_YEARS = 3


def _indicator_frame(indicators: Sequence[Indicator]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order": range(len(indicators)),
            "indicator_id": [i.id for i in indicators],
            "indicator_group": [i.group for i in indicators],
            "indicator": [i.name_nb for i in indicators],
            "unit": [i.unit for i in indicators],
            "decimals": [i.decimals for i in indicators],
            "average_rule": [i.average for i in indicators],
            "weight": [i.weight if i.average == "weighted" else None for i in indicators],
        }
    )


def compute_profile(
    indicators: Sequence[Indicator],
    values: pd.DataFrame,
    stats: pd.DataFrame,
    subjects: pd.DataFrame,
    year: int,
) -> pd.DataFrame:
    """One row per (subject, indicator).

    values:   indicator_id, region_code, year, value, release_kind (canonical codes)
    stats:    output of :func:`~kostra.analysis.group_average.compute_group_stats`
    subjects: region_code, group_key — the municipalities to profile and the
              key of the group statistics each is compared with
    """
    years = list(range(year - PROFILE_YEARS + 1, year + 1))
    base = subjects.merge(_indicator_frame(indicators), how="cross")
    mine = values[values["region_code"].isin(subjects["region_code"]) & values["year"].isin(years)]
    wide = mine.pivot_table(
        index=["region_code", "indicator_id"], columns="year", values="value", aggfunc="first",
        dropna=False,
    ).reindex(columns=years)
    wide.columns = [str(c) for c in wide.columns]
    demo = (
        mine.assign(d=mine["release_kind"] == "demodata")
        .groupby(["region_code", "indicator_id"])["d"].any().rename("own_demodata")
    )
    out = base.merge(wide.reset_index(), on=["region_code", "indicator_id"], how="left")
    out = out.merge(demo.reset_index(), on=["region_code", "indicator_id"], how="left")

    now = stats[stats["year"] == year].drop(columns="year").rename(columns={
        "average": "group_average", "highest": "group_highest", "lowest": "group_lowest",
        "demodata": "group_demodata"})
    before = stats.loc[stats["year"] == year - 1, ["group_key", "indicator_id", "average"]].rename(
        columns={"average": "previous_average"})
    out = out.merge(now, on=["group_key", "indicator_id"], how="left")
    out = out.merge(before, on=["group_key", "indicator_id"], how="left")

    current, previous = out[str(year)].to_numpy(float), out[str(year - 1)].to_numpy(float)
    average = out["group_average"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["index"] = 100 * current / average
        out["index_highest"] = 100 * out["group_highest"].to_numpy(float) / average
        out["index_lowest"] = 100 * out["group_lowest"].to_numpy(float) / average
        out["index_previous"] = 100 * previous / out["previous_average"].to_numpy(float)
    out["demodata"] = out["own_demodata"].fillna(False).astype(bool) | out[
        "group_demodata"].fillna(False).astype(bool)
    out["members"] = out["members"].fillna(0).astype(int)
    out["members_with_data"] = out["members_with_data"].fillna(0).astype(int)
    out = out.sort_values(["region_code", "order"], kind="stable", ignore_index=True)
    return out.drop(columns=["order", "own_demodata", "group_demodata", "previous_average",
                             "group_key"])

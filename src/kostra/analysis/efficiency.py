"""Method 5 of KOSTRA.md: production, cost and efficiency indices (KS/ASSS).

    production index_i = sum_k w_k * (v_ik / mean_k) / sum_k w_k      (over the indicators i has)
    cost index_i       = (gross expenditure_i / need index_i) / mean over the group of the same
    efficiency_i       = production index_i / cost index_i

Means are unweighted over the group's members with data, so the group's
average is 1 on each index. KS builds production against a need-corrected
target population and corrects costs for pensions and employer's tax; kostra
does not have those corrections, and its weights are provisional catalog data,
so results are labelled "kostras beregning etter KS' metode".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["compute_efficiency"]


def compute_efficiency(
    production: pd.DataFrame,
    weights: Mapping[str, float],
    gross: pd.Series,
    need: pd.Series,
    members: Iterable[str],
) -> pd.DataFrame:
    """Per region: production_index, cost_index, efficiency.

    production: indicator_id, region_code, value (one year)
    gross, need: per region (index = region code)
    """
    regions = sorted(set(gross.index.tolist()) | set(production["region_code"].unique().tolist()))
    index = pd.Index(regions)
    in_group = index.isin(list(members))
    if weights:
        columns = {indicator: j for j, indicator in enumerate(weights)}
        rows = production[production["value"].notna() & production["indicator_id"].isin(columns)]
        rows = rows.drop_duplicates(["region_code", "indicator_id"])  # the first figure counts
        where = index.get_indexer(rows["region_code"])
        wide = np.full((len(regions), len(columns)), np.nan)
        wide[where, rows["indicator_id"].map(columns).to_numpy(dtype=int)] = rows["value"].to_numpy(
            dtype=float
        )
        w = np.array(list(weights.values()), dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            # an indicator whose members all have 0 has no relative figure, not a warning
            relative = wide / _mean(wide[in_group])
            relative = np.where(np.isfinite(relative), relative, np.nan)
            present = ~np.isnan(relative)
            production_index = np.where(present, relative, 0.0) @ w / (present @ w)
    else:
        production_index = np.full(len(regions), np.nan)
    cost = gross.reindex(regions).to_numpy(dtype=float)
    need_index = need.reindex(regions).to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit_cost = cost / np.where(need_index > 0, need_index, np.nan)
        cost_index = unit_cost / _mean(unit_cost[in_group])
        efficiency = production_index / cost_index
    return pd.DataFrame(
        {
            "region_code": regions,
            "production_index": production_index,
            "cost_index": cost_index,
            "efficiency": efficiency,
        }
    )


def _mean(values: np.ndarray) -> np.ndarray:
    """Column means (or the mean of a vector) over the values present; NaN where none are."""
    present = ~np.isnan(values)
    count = present.sum(axis=0)
    total = np.where(present, values, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)

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
    group = list(members)
    regions = sorted(set(gross.index) | set(production["region_code"]))
    out = pd.DataFrame(index=pd.Index(regions, name="region_code"))
    if weights:
        wide = production.pivot_table(
            index="region_code", columns="indicator_id", values="value", aggfunc="first"
        ).reindex(index=regions, columns=list(weights))
        means = wide[wide.index.isin(group)].mean(axis=0, skipna=True)
        relative = wide / means
        w = pd.Series(weights, dtype=float).reindex(relative.columns)
        present = relative.notna()
        with np.errstate(invalid="ignore", divide="ignore"):
            out["production_index"] = (relative.fillna(0.0) * w).sum(axis=1) / (present * w).sum(axis=1)
    else:
        out["production_index"] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        unit_cost = gross.reindex(regions) / need.reindex(regions).where(need.reindex(regions) > 0)
    out["cost_index"] = unit_cost / unit_cost[unit_cost.index.isin(group)].mean()
    out["efficiency"] = out["production_index"] / out["cost_index"]
    return out.reset_index()

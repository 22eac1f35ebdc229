"""Methods 3 and 4 of KOSTRA.md: the resource use indicator, need-adjusted
spending and the mer-/mindreutgift in kroner.

Resource use (KS, two steps, unweighted)::

    r_i       = (net operating expenditure - depreciation) per inhabitant / need index_i
    indicator = r_i / unweighted mean of r over the group's members with data

1.000 is the group's average; 1.076 means 7.6 % more resources than it.

Need-adjusted spending is spending per inhabitant divided by the sector's need
index (country = 1). The comparison's adjusted spending is the population-
weighted mean of its members' adjusted spending, and
``(own adjusted - comparison adjusted) * inhabitants`` is how many kroner more
(positive) or less the municipality spends than the comparison would at its need.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["compute_need_adjusted", "compute_resource_use"]


def compute_resource_use(
    net: pd.Series, need: pd.Series, members: Iterable[str], depreciation: pd.Series | None = None
) -> pd.DataFrame:
    """Per region (the index of the series): spending, need, r and the indicator."""
    spending = net - (depreciation.reindex(net.index).fillna(0.0) if depreciation is not None else 0.0)
    need = need.reindex(net.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = spending / need.where(need > 0)
    in_group = r[r.index.isin(list(members))].dropna()
    mean = float(in_group.mean()) if len(in_group) else float("nan")
    return (
        pd.DataFrame(
            {
                "spending": spending,
                "need_index": need,
                "r": r,
                "indicator": r / mean,
                "member": r.index.isin(list(members)),
            }
        )
        .rename_axis("region_code")
        .reset_index()
    )


def compute_need_adjusted(
    spending: pd.Series,
    need: pd.Series,
    population: pd.Series,
    subject: str,
    members: Iterable[str],
) -> dict[str, float]:
    """The subject's and the comparison's need-adjusted spending and the kroner difference."""
    frame = pd.DataFrame({"spending": spending, "need": need, "population": population})
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["adjusted"] = frame["spending"] / frame["need"].where(frame["need"] > 0)
    group = frame[frame.index.isin(list(members))].dropna()
    weights = group["population"]
    comparison = float((group["adjusted"] * weights).sum() / weights.sum()) if len(group) else np.nan
    own = frame.loc[subject] if subject in frame.index else None
    own_adjusted = float(own["adjusted"]) if own is not None else np.nan
    inhabitants = float(own["population"]) if own is not None else np.nan
    return {
        "spending": float(own["spending"]) if own is not None else np.nan,
        "need_index": float(own["need"]) if own is not None else np.nan,
        "adjusted": own_adjusted,
        "comparison_adjusted": comparison,
        "inhabitants": inhabitants,
        "difference_per_inhabitant": own_adjusted - comparison,
        "mer_mindreutgift": (own_adjusted - comparison) * inhabitants,
    }

"""Methods 3 and 4 of KOSTRA.md: the resource use indicator, need-adjusted
spending and the mer-/mindreutgift in kroner, from one basis.

Resource use (KS, two steps, unweighted)::

    r_i       = (net operating expenditure - depreciation) per inhabitant / need index_i
    indicator = r_i / unweighted mean of r over the group's members with data

1.000 is the group's average; 1.076 means 7.6 % more resources than it.

Need-adjusted spending is the same ``r``: spending net of depreciation per inhabitant
over the need index (country = 1). The comparison's adjusted spending is the same
unweighted mean of ``r`` the indicator divides by, so
``(own adjusted - comparison adjusted) * inhabitants`` (kroner more, positive, or less
than the comparison would spend at the municipality's need) is
``(indicator - 1) * comparison * inhabitants``: the percent and the kroner always say
the same thing (issue 14: "7,6 prosent mer" must not sit beside "5 688 kroner mindre").
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
    # A missing depreciation leaves no figure (as the catalog's formula does), never net alone.
    spending = net - (depreciation.reindex(net.index) if depreciation is not None else 0.0)
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
    """The subject's and the comparison's need-adjusted spending and the kroner difference.

    ``spending`` is net of depreciation (as for :func:`compute_resource_use`); the
    comparison is the unweighted mean over the members with data, as the indicator's."""
    frame = pd.DataFrame({"spending": spending, "need": need, "population": population})
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["adjusted"] = frame["spending"] / frame["need"].where(frame["need"] > 0)
    group = frame.loc[frame.index.isin(list(members)), "adjusted"].dropna()
    comparison = float(group.mean()) if len(group) else np.nan
    own = frame.loc[subject] if subject in frame.index else None
    own_adjusted = float(own["adjusted"]) if own is not None else np.nan
    inhabitants = float(own["population"]) if own is not None else np.nan
    return {
        "spending": float(own["spending"]) if own is not None else np.nan,
        "need_index": float(own["need"]) if own is not None else np.nan,
        "adjusted": own_adjusted,
        "comparison_adjusted": comparison,
        "indicator": own_adjusted / comparison if comparison > 0 else np.nan,
        "inhabitants": inhabitants,
        "difference_per_inhabitant": own_adjusted - comparison,
        "mer_mindreutgift": (own_adjusted - comparison) * inhabitants,
    }

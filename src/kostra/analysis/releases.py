"""Releases of KOSTRA figures: unrevised or revised, and what changed between two.

SSB publishes unrevised figures for year Y on 15 March of Y+1 and revised ones
on 15 June; a figure fetched before 15 June of Y+1 is therefore unrevised.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

__all__ = ["DIFF_COLUMNS", "compute_release_diff", "release_revision"]

DIFF_COLUMNS = (
    "indicator_id",
    "region_code",
    "year",
    "old_release",
    "new_release",
    "old_value",
    "new_value",
    "change",
    "relative_change",
)


def release_revision(latest_year: int, fetched: date | datetime) -> str:
    """'unrevised' before 15 June of the year after ``latest_year``, else 'revised'."""
    day = fetched.date() if isinstance(fetched, datetime) else fetched
    return "unrevised" if day < date(latest_year + 1, 6, 15) else "revised"


def compute_release_diff(
    values: pd.DataFrame, old_release: int | None = None, new_release: int | None = None
) -> pd.DataFrame:
    """Figures whose value differs between two releases, largest relative change first.

    ``values`` holds indicator_id, region_code, year, release_id, value for the
    real (not demodata) releases. Without release ids, each figure's newest
    release is compared with the one before it.
    """
    keys = ["indicator_id", "region_code", "year"]
    ordered = values.sort_values([*keys, "release_id"])
    if new_release is not None:
        ordered = ordered[ordered["release_id"] <= new_release]
    if old_release is not None:
        ordered = ordered[ordered["release_id"] >= old_release]
    last = ordered.groupby(keys, sort=False).tail(1)
    newest = last.set_index(keys)
    earlier = ordered.drop(last.index)
    if old_release is not None:  # the figure as that release had it, whatever came between
        earlier = earlier[earlier["release_id"] == old_release]
    previous = earlier.groupby(keys, sort=False).tail(1).set_index(keys)
    if new_release is not None:
        newest = newest[newest["release_id"] == new_release]
    both = newest.join(previous, how="inner", suffixes=("_new", "_old"))
    old, new = both["value_old"].to_numpy(float), both["value_new"].to_numpy(float)
    changed = ~((old == new) | (np.isnan(old) & np.isnan(new)))
    both = both[changed]
    old, new = old[changed], new[changed]
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(old != 0, (new - old) / np.abs(old), np.inf)
    out = pd.DataFrame(
        {
            "old_release": both["release_id_old"].to_numpy(),
            "new_release": both["release_id_new"].to_numpy(),
            "old_value": old,
            "new_value": new,
            "change": new - old,
            "relative_change": relative,
        },
        index=both.index,
    ).reset_index()
    out = out.assign(_order=np.abs(np.nan_to_num(out["relative_change"], nan=np.inf)))
    return (
        out.sort_values("_order", ascending=False, kind="stable")
        .drop(columns="_order")
        .loc[:, list(DIFF_COLUMNS)]
        .reset_index(drop=True)
    )

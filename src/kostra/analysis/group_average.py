"""Method 1 of KOSTRA.md: a group's average, highest and lowest per indicator.

Ordinary indicators use the *weighted* average: the sum of numerators over the
sum of denominators, i.e. each member's value weighted by its denominator (the
target population, the recipients ...), which leans towards the largest
members. Ready-made ratios (``*`` in published tables) use the *unweighted*
mean of the members with data. Highest and lowest are taken over the members
with data. Missing values are left out; they never count as zero.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["STAT_COLUMNS", "compute_group_stats", "compute_ranks", "member_values"]

STAT_COLUMNS = (
    "group_key",
    "indicator_id",
    "year",
    "average",
    "highest",
    "lowest",
    "highest_region",
    "lowest_region",
    "members",
    "members_with_data",
    "demodata",
)


def compute_group_stats(
    values: pd.DataFrame,
    weights: pd.DataFrame,
    membership: pd.DataFrame,
    rules: pd.DataFrame,
) -> pd.DataFrame:
    """Group statistics for every (group_key, indicator, year) in the inputs.

    values:     indicator_id, region_code, year, value[, release_kind]
    weights:    indicator_id, region_code, year, value[, release_kind] of the weight series
    membership: group_key, year, region_code
    rules:      indicator_id, average ("weighted" | "unweighted"), weight (indicator id or None)
    """
    # Only members' rows can count; cutting the others first keeps the merges small.
    codes = membership["region_code"].unique()
    present = values[values["value"].notna() & values["region_code"].isin(codes)]
    weights = weights[weights["region_code"].isin(codes)]
    rows = membership.merge(present, on=["region_code", "year"], how="inner")
    rows = rows.merge(rules.loc[:, ["indicator_id", "average", "weight"]], on="indicator_id")
    w = weights.loc[:, ["indicator_id", "region_code", "year", "value"]].rename(
        columns={"indicator_id": "weight", "value": "w"}
    )
    if "release_kind" in weights:
        w["w_demo"] = weights["release_kind"].to_numpy() == "demodata"
    rows = rows.merge(w, on=["weight", "region_code", "year"], how="left")
    weighted = rows["average"].to_numpy() == "weighted"
    weight = np.where(weighted, rows["w"].to_numpy(dtype=float), 1.0)
    usable = ~weighted | (np.nan_to_num(weight, nan=0.0) > 0)
    rows = rows.assign(
        num=np.where(usable, rows["value"].to_numpy() * np.nan_to_num(weight), 0.0),
        den=np.where(usable, np.nan_to_num(weight), 0.0),
        demo=_demo_flags(rows, weighted),
    )
    keys = ["group_key", "indicator_id", "year"]
    grouped = rows.groupby(keys, sort=False)
    stats = grouped.agg(
        num=("num", "sum"),
        den=("den", "sum"),
        highest=("value", "max"),
        lowest=("value", "min"),
        members_with_data=("value", "size"),
        demodata=("demo", "any"),
    ).reset_index()
    top = rows.loc[grouped["value"].idxmax(), [*keys, "region_code"]].rename(
        columns={"region_code": "highest_region"}
    )
    bottom = rows.loc[grouped["value"].idxmin(), [*keys, "region_code"]].rename(
        columns={"region_code": "lowest_region"}
    )
    stats = stats.merge(top, on=keys).merge(bottom, on=keys)
    with np.errstate(invalid="ignore", divide="ignore"):
        stats["average"] = np.where(stats["den"] > 0, stats["num"] / stats["den"], np.nan)
    sizes = membership.groupby(["group_key", "year"]).size().rename("members").reset_index()
    stats = stats.merge(sizes, on=["group_key", "year"], how="left")
    return stats.loc[:, list(STAT_COLUMNS)]


def _demo_flags(rows: pd.DataFrame, weighted: np.ndarray) -> np.ndarray:
    demo = np.zeros(len(rows), dtype=bool)
    if "release_kind" in rows:
        demo |= rows["release_kind"].to_numpy() == "demodata"
    if "w_demo" in rows:
        demo |= weighted & rows["w_demo"].fillna(False).to_numpy(dtype=bool)
    return demo


def member_values(values: pd.DataFrame, members: Iterable[str]) -> dict[str, np.ndarray]:
    """Per indicator, the members' values (with data), sorted, for :func:`compute_ranks`."""
    present = values[values["value"].notna() & values["region_code"].isin(set(members))]
    return {
        str(k): np.sort(part.to_numpy(dtype=float))
        for k, part in present.groupby("indicator_id", sort=False)["value"]
    }


def compute_ranks(
    values: pd.DataFrame,
    members: Iterable[str],
    subject: str,
    sorted_members: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """The subject's rank per indicator among the members with data (1 = highest value).

    values: indicator_id, region_code, value for one year. The subject is ranked
    even when it is not a member (it is then placed among the members).
    Ties share the better rank. ``sorted_members`` (from :func:`member_values`)
    saves recomputing the members' side when many subjects are ranked.
    """
    member_set = set(members)
    table = sorted_members if sorted_members is not None else member_values(values, member_set)
    own = values[(values["region_code"] == subject) & values["value"].notna()]
    rows = []
    for indicator_id, value in zip(own["indicator_id"], own["value"], strict=True):
        others = table.get(str(indicator_id), np.empty(0))
        above = len(others) - int(np.searchsorted(others, value, side="right"))
        count = len(others) - (1 if subject in member_set else 0)
        rows.append((indicator_id, above + 1, count + 1))
    return pd.DataFrame(rows, columns=["indicator_id", "rank", "ranked"])

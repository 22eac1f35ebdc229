"""Method 1 of KOSTRA.md: a group's average, highest and lowest per indicator.

Ordinary indicators use the *weighted* average: the sum of numerators over the
sum of denominators, i.e. each member's value weighted by its denominator (the
target population, the recipients ...), which leans towards the largest
members. Ready-made ratios (``*`` in published tables) use the *unweighted*
mean of the members with data. Highest and lowest are taken over the members
with data. Missing values are left out; they never count as zero. A member with a
value but no weight cannot be in a weighted average; it is counted in
``members_without_weight`` so that the gap is told, never silent.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["STAT_COLUMNS", "compute_group_stats", "compute_ranks", "member_values", "positions_of"]

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
    "members_without_weight",
    "demodata",
)


def positions_of(index: pd.Index, column: pd.Series) -> np.ndarray:
    """The position in ``index`` (unique) of each of ``column``'s values, -1 where it has none.
    A column of categories is looked up by its few categories and their codes (a store read
    of many years brings its text as categories), instead of value by value."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        found = np.append(index.get_indexer(column.cat.categories), -1)  # code -1 (missing): -1
        return np.asarray(found[codes])
    return np.asarray(index.get_indexer(column.to_numpy()))


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
    rows = _member_rows(values, membership)
    rows = rows.assign(
        average=rows["indicator_id"].map(dict(zip(rules["indicator_id"], rules["average"], strict=True))),
        weight=rows["indicator_id"].map(dict(zip(rules["indicator_id"], rules["weight"], strict=True))),
    )
    w, w_demo = _weights_of(rows, weights[weights["region_code"].isin(membership["region_code"].unique())])
    # A figure in absolute numbers (a count) has no weight: SSB averages those arithmetically.
    weighted = (rows["average"].to_numpy() == "weighted") & rows["weight"].notna().to_numpy()
    weight = np.where(weighted, w, 1.0)
    usable = ~weighted | (np.nan_to_num(weight, nan=0.0) > 0)
    demo = np.zeros(len(rows), dtype=bool)
    if "release_kind" in rows:
        demo |= rows["release_kind"].to_numpy() == "demodata"
    demo |= weighted & w_demo
    value = rows["value"].to_numpy(dtype=float)
    num = np.where(usable, value * np.nan_to_num(weight), 0.0)
    den = np.where(usable, np.nan_to_num(weight), 0.0)
    # Group by (group, indicator, year) on integer codes: pandas' groupby with six aggregations
    # and idxmax/idxmin cost several times more, and a report asks for this ten times.
    codes, uniques = pd.MultiIndex.from_arrays(
        [rows["group_key"], rows["indicator_id"], rows["year"]]
    ).factorize()
    count = len(uniques)
    # Stable sorts: ties keep the input order, as idxmax/idxmin would (first occurrence wins).
    highest_first = np.lexsort((-value, codes))
    lowest_first = np.lexsort((value, codes))
    starts = np.searchsorted(codes[lowest_first], np.arange(count))
    regions = rows["region_code"].to_numpy()
    stats = pd.DataFrame(
        {
            "group_key": uniques.get_level_values(0),
            "indicator_id": uniques.get_level_values(1),
            "year": uniques.get_level_values(2),
            "num": np.bincount(codes, weights=num, minlength=count),
            "den": np.bincount(codes, weights=den, minlength=count),
            "highest": value[highest_first[starts]],
            "lowest": value[lowest_first[starts]],
            "highest_region": regions[highest_first[starts]],
            "lowest_region": regions[lowest_first[starts]],
            "members_with_data": np.bincount(codes, minlength=count),
            "members_without_weight": np.bincount(
                codes, weights=(~usable).astype(float), minlength=count
            ).astype(int),
            "demodata": np.bincount(codes, weights=demo.astype(float), minlength=count) > 0,
        }
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        stats["average"] = np.where(stats["den"] > 0, stats["num"] / stats["den"], np.nan)
    sizes = membership.groupby(["group_key", "year"]).size()
    stats["members"] = sizes.reindex(
        pd.MultiIndex.from_arrays([stats["group_key"], stats["year"]])
    ).to_numpy()
    return stats.loc[:, list(STAT_COLUMNS)]


def _member_rows(values: pd.DataFrame, membership: pd.DataFrame) -> pd.DataFrame:
    """The values of members (with data), each tagged with the group key it counts for."""
    codes = membership["region_code"].unique()
    present = values[values["value"].notna() & values["region_code"].isin(codes)]
    if membership["group_key"].nunique() != 1:
        # ``present`` on the left: an inner merge keeps the left side's order, so ties for the
        # highest and lowest are broken as in the one-group path below, not by the order the
        # membership came in (a frozenset's: it changes with the hash seed between processes).
        return present.merge(membership, on=["region_code", "year"], how="inner")
    # One group for everybody (the usual case): a set test instead of a merge.
    pairs = pd.MultiIndex.from_arrays([membership["year"], membership["region_code"]])
    mask = pd.MultiIndex.from_arrays([present["year"], present["region_code"]]).isin(pairs)
    return present[mask].assign(group_key=membership["group_key"].iloc[0]).reset_index(drop=True)


def _weights_of(rows: pd.DataFrame, weights: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's weight value (NaN if none) and whether that weight is demodata."""
    if weights.empty or not len(rows):
        return np.full(len(rows), np.nan), np.zeros(len(rows), dtype=bool)
    index = pd.MultiIndex.from_arrays([weights["indicator_id"], weights["region_code"], weights["year"]])
    keep = ~index.duplicated()
    lookup = pd.MultiIndex.from_arrays([rows["weight"], rows["region_code"], rows["year"]])
    value = pd.Series(weights["value"].to_numpy(dtype=float)[keep], index=index[keep])
    w = value.reindex(lookup).to_numpy()
    if "release_kind" not in weights:
        return w, np.zeros(len(rows), dtype=bool)
    kind = pd.Series(weights["release_kind"].to_numpy()[keep] == "demodata", index=index[keep])
    return w, kind.reindex(lookup).fillna(False).to_numpy(dtype=bool)


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

"""Method 7 of KOSTRA.md: time series against peers and groups.

Kroner can be shown in fixed prices (the municipal deflator) and adjusted for
expenditure need (divided by the need index); either marks the series "(B)",
as published reports do. Changes are in percent for amounts and in percentage
points for shares (unit "prosent").
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["SERIES_COLUMNS", "compute_series", "is_share"]

SERIES_COLUMNS = ("series", "year", "value", "change", "change_unit", "adjusted")


def is_share(unit: str) -> bool:
    return unit == "prosent"


def compute_series(
    values: pd.DataFrame,
    unit: str | Mapping[str, str],
    factors: Mapping[int, float] | None = None,
    need: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """values: series, year, value (and indicator_id when ``unit`` maps indicators to units).
    need: series, year, need_index (applied to kroner only), at most one row per series and year."""
    if need is not None and need.duplicated(["series", "year"]).any():
        # Which of two need indices applies is not ours to guess (a merge would double rows).
        raise ValueError("need: more than one need index for a series and year")
    keys = ["indicator_id", "series"] if "indicator_id" in values else ["series"]
    fast = _by_arrays(values, keys, unit, factors, need)
    return fast if fast is not None else _by_frames(values, keys, unit, factors, need)


def _by_frames(
    values: pd.DataFrame,
    keys: list[str],
    unit: str | Mapping[str, str],
    factors: Mapping[int, float] | None,
    need: pd.DataFrame | None,
) -> pd.DataFrame:
    """The method in pandas: sort, adjust, change against the row before within a series."""
    out = values[[*keys, "year", "value"]].sort_values([*keys, "year"], kind="stable")  # a new frame
    units = out["indicator_id"].map(unit) if isinstance(unit, Mapping) else pd.Series(unit, index=out.index)
    kroner = (units == "kroner").to_numpy()
    adjusted = np.zeros(len(out), dtype=bool)
    if factors is not None:
        out["value"] = np.where(kroner, out["value"] * out["year"].map(factors), out["value"])
        adjusted |= kroner
    if need is not None:
        merged = out.merge(need.loc[:, ["series", "year", "need_index"]], on=["series", "year"], how="left")
        index = merged["need_index"].where(merged["need_index"] > 0).to_numpy()
        out["value"] = np.where(kroner, out["value"].to_numpy() / index, out["value"].to_numpy())
        adjusted |= kroner
    grouped = out.groupby(keys, sort=False)
    previous = grouped["value"].shift(1)
    consecutive = (out["year"] - grouped["year"].shift(1)) == 1
    share = (units == "prosent").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(share, out["value"] - previous, (out["value"] / previous - 1.0) * 100.0)
    # A percent change from zero has no value; showing it as infinite helps nobody.
    out["change"] = pd.Series(change, index=out.index).where(consecutive & np.isfinite(change))
    out["change_unit"] = np.where(share, "prosentpoeng", "prosent")
    out["adjusted"] = adjusted
    columns = [*(["indicator_id"] if "indicator_id" in keys else []), *SERIES_COLUMNS]
    return out.reset_index(drop=True)[columns]


def _by_arrays(
    values: pd.DataFrame,
    keys: list[str],
    unit: str | Mapping[str, str],
    factors: Mapping[int, float] | None,
    need: pd.DataFrame | None,
) -> pd.DataFrame | None:
    """:func:`_by_frames` on numpy arrays: the same frame, values and types, several times
    faster on a report's small frames (each pandas step costs more than its arithmetic).
    ``None`` where the input is unusual (missing keys or years, values that are not plain
    floats): pandas does those.
    tests/analysis/test_time_series.py compares both ways on many made-up inputs."""
    value = values["value"]
    year = values["year"]
    if value.dtype != np.dtype(float) or year.dtype != np.dtype(np.int64):
        return None
    codes = []
    for key in keys:
        found, _ = pd.factorize(values[key], sort=True)
        if len(found) and found.min() < 0:
            return None
        codes.append(found)
    years = year.to_numpy()
    order = np.lexsort((years, *reversed(codes)))  # stable, as sort_values(kind="stable")
    years = years[order]
    value_now = value.to_numpy()[order]
    if isinstance(unit, Mapping):
        ids = values["indicator_id"].to_numpy()[order]
        units = np.array([unit.get(i) for i in ids], dtype=object)
    else:
        units = np.full(len(order), unit, dtype=object)
    kroner = units == "kroner"
    share = units == "prosent"
    adjusted = np.zeros(len(order), dtype=bool)
    series = values["series"].to_numpy()[order]
    if factors is not None:
        factor = np.array([factors.get(y, np.nan) for y in years.tolist()], dtype=float)
        value_now = np.where(kroner, value_now * factor, value_now)
        adjusted |= kroner
    if need is not None:
        lookup = dict(zip(zip(need["series"], need["year"], strict=True), need["need_index"], strict=True))
        index = np.array([lookup.get(k, np.nan) for k in zip(series.tolist(), years.tolist(), strict=True)])
        index = np.where(index > 0, index, np.nan)
        value_now = np.where(kroner, value_now / index, value_now)
        adjusted |= kroner
    # the row before, where it is of the same series (the rows are sorted by series and year)
    same = np.zeros(len(order), dtype=bool)
    if len(order):
        same[1:] = np.logical_and.reduce([(c[order][1:] == c[order][:-1]) for c in codes])
    previous = np.full(len(order), np.nan)
    previous[1:] = value_now[:-1]  # across two series only where ``consecutive`` drops it
    consecutive = np.zeros(len(order), dtype=bool)
    consecutive[1:] = years[1:] - years[:-1] == 1
    consecutive &= same
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(share, value_now - previous, (value_now / previous - 1.0) * 100.0)
    change = np.where(consecutive & np.isfinite(change), change, np.nan)
    columns = {key: values[key].array.take(order) for key in keys}
    out = pd.DataFrame(
        {
            **columns,
            "year": years,
            "value": value_now,
            "change": change,
            "change_unit": np.where(share, "prosentpoeng", "prosent"),
            "adjusted": adjusted,
        }
    )
    return out[[*(["indicator_id"] if "indicator_id" in keys else []), *SERIES_COLUMNS]]
